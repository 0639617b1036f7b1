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
  const byFeatures = new WeakMap<readonly Feature[], RowReader>();
  return {
    of(model) {
      const features = model.schema.features;
      let reader = byFeatures.get(features);
      if (!reader) {
        reader = rowReader(createRowValidator(maxExtraFields, features), features);
        byFeatures.set(features, reader);
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
 *
 * @example predictRows(model, rows, ['req-1'])[0].label // 'yes'
 */
export function predictRows(model: ServingModel, rows: readonly Row[], requestIds: readonly string[]): PredictionRecord[] {
  const [negative, positive] = model.schema.classes;
  return rows.map((row, i) => {
    const probability = model.predictProba(row);
    const prediction = probability >= model.threshold ? 1 : 0;
    return { requestId: requestIds[i], prediction, label: prediction === 1 ? positive : negative, probability, confidence: prediction === 1 ? probability : 1 - probability, row };
  });
}
