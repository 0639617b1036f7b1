/**
 * The prediction path every inference route shares (`/predict`, `/predict/batch`, the Open
 * Inference Protocol): request bodies are read by the serving model's own schema — validated by a
 * validator compiled once per schema, completed with its defaults and aliases — and predicted into
 * the records the observability hook counts, bins and logs after the answer is sent.
 */
import { completeRow, createRowValidator, type RowValidator } from '../data/row-validation.js';
import type { Feature, Row } from '../data/schema.js';
import { InvalidInputError, ModelNotReadyError, type InputProblem } from '../errors.js';
import type { ServingModel } from '../model/serving-model.js';
import type { ModelState } from './model-state.js';
import type { PredictionRecord } from './request-outcome.js';

/** Reads request bodies as complete rows of one model. */
export interface RowReader {
  /**
   * Validates every body and completes it; throws one InvalidInputError with every problem of every
   * body, each field prefixed by `fieldPrefix(i)` (e.g. `rows[3].`).
   */
  read(bodies: readonly unknown[], fieldPrefix: (index: number) => string): Row[];
}

/**
 * Compiles row readers, one per distinct feature list: models that share a schema (every version of
 * the bank-marketing model) share the compiled validator, and a hot reload costs one compile only
 * when the schema changed.
 *
 * @example const readers = createRowReaders(8); readers.of(model).read([body], () => '')
 */
export function createRowReaders(maxExtraFields: number): { of(model: ServingModel): RowReader } {
  // Looked up by the model object on the request path (O(1)); compiled once per distinct feature
  // list, which a reloaded version of the same schema shares although its arrays are new.
  const byModel = new WeakMap<ServingModel, RowReader>();
  const bySchema = new Map<string, RowReader>();
  return {
    of(model) {
      let reader = byModel.get(model);
      if (!reader) {
        const features = model.schema.features;
        const key = JSON.stringify(features);
        reader = bySchema.get(key) ?? rowReader(createRowValidator(maxExtraFields, features), features);
        bySchema.set(key, reader);
        byModel.set(model, reader);
      }
      return reader;
    },
  };
}

function rowReader(validate: RowValidator, features: readonly Feature[]): RowReader {
  return {
    read(bodies, fieldPrefix) {
      if (bodies.length === 1) {
        // The common case, without the bookkeeping of a batch.
        const problems = validate(bodies[0]);
        if (problems) throw new InvalidInputError(prefixed(problems, fieldPrefix(0)));
        return [completeRow(bodies[0] as Record<string, unknown>, features)];
      }
      const problems: InputProblem[] = [];
      bodies.forEach((body, i) => {
        const found = validate(body);
        if (found) problems.push(...prefixed(found, fieldPrefix(i)));
      });
      if (problems.length) throw new InvalidInputError(problems);
      return bodies.map((body) => completeRow(body as Record<string, unknown>, features));
    },
  };
}

const prefixed = (problems: InputProblem[], prefix: string): InputProblem[] => (prefix ? problems.map((p) => ({ ...p, field: `${prefix}${p.field}` })) : problems);

/**
 * The serving model, or the coded 503 a client gets while none is loaded.
 *
 * @example const model = servingModel(state);
 */
export function servingModel(state: ModelState): ServingModel {
  const model = state.current;
  if (!model) throw new ModelNotReadyError();
  return model;
}

/**
 * Predicts complete rows of `model`; `requestIds[i]` names row i in the store and the audit log.
 * A model that scores synchronously answers synchronously (no await on the request path); one that
 * can only score asynchronously (an ONNX session, `predictOutputsBatch`) answers with a promise, the
 * rows scored as one batch.
 *
 * What a record holds follows the model's task: binary the class (probability ≥ the threshold),
 * its probability and confidence as always; multiclass the most probable class (the first on a
 * tie), its probability as confidence and every class's probability; regression the value.
 *
 * @example predictRows(model, rows, ['req-1'])[0].label // 'yes'
 */
export function predictRows(model: ServingModel, rows: readonly Row[], requestIds: readonly string[]): PredictionRecord[] | Promise<PredictionRecord[]> {
  if (model.predictOutputsBatch) return model.predictOutputsBatch(rows).then((outputs) => recordsOf(model, rows, requestIds, outputs));
  if (model.schema.task === 'binary') {
    // Today's path, kept as it was: one probability per row, no output buffer.
    const [negative, positive] = model.schema.classes;
    return rows.map((row, i) => binaryRecord(requestIds[i], row, model.predictProba(row), model.threshold, negative, positive));
  }
  const outputs = new Float64Array(rows.length * model.nOutputs);
  for (let i = 0; i < rows.length; i++) model.predictOutputs(rows[i], outputs.subarray(i * model.nOutputs, (i + 1) * model.nOutputs));
  return recordsOf(model, rows, requestIds, outputs);
}

/** Records from `n × nOutputs` outputs, row-major. */
function recordsOf(model: ServingModel, rows: readonly Row[], requestIds: readonly string[], outputs: Float64Array): PredictionRecord[] {
  const { task, classes } = model.schema;
  const k = model.nOutputs;
  if (outputs.length !== rows.length * k) throw new Error(`the model scored ${outputs.length} outputs for ${rows.length} rows of ${k}`);
  return rows.map((row, i) => {
    if (task === 'binary') return binaryRecord(requestIds[i], row, outputs[i], model.threshold, classes[0], classes[1]);
    if (task === 'regression') return { requestId: requestIds[i], prediction: 0, label: '', confidence: Number.NaN, probability: Number.NaN, value: outputs[i], row };
    const probabilities = Array.from(outputs.subarray(i * k, (i + 1) * k));
    let best = 0;
    for (let c = 1; c < k; c++) if (probabilities[c] > probabilities[best]) best = c;
    const top = probabilities[best];
    return { requestId: requestIds[i], prediction: best, label: classes[best], confidence: top, probability: top, probabilities, row };
  });
}

function binaryRecord(requestId: string, row: Row, probability: number, threshold: number, negative: string, positive: string): PredictionRecord {
  const prediction = probability >= threshold ? 1 : 0;
  return { requestId, prediction, label: prediction === 1 ? positive : negative, probability, confidence: prediction === 1 ? probability : 1 - probability, row };
}
