/**
 * POST /predict and POST /predict/batch. The handler does only what the answer needs: validate,
 * complete, predict. Counting, drift and audit happen in the observability hook after the answer
 * is sent.
 */
import type { FastifyInstance } from 'fastify';
import { performance } from 'node:perf_hooks';
import { BatchTooLargeError, EmptyBodyError, InvalidBatchError } from '../../errors.js';
import type { ServingModel } from '../../model/serving-model.js';
import type { ModelState } from '../model-state.js';
import { OPEN_INFERENCE_INFER_ROUTES } from '../open-inference/routes.js';
import { createRowReaders, predictRows, servingModel } from '../predict-rows.js';
import type { PredictionRecord } from '../request-outcome.js';

/**
 * The predict routes (all POST): what the fire drill acts on and what observability counts as
 * predict requests — the native ones and the Open Inference Protocol's infer routes.
 */
export const PREDICT_ROUTES: ReadonlySet<string> = new Set(['/predict', '/predict/batch', ...OPEN_INFERENCE_INFER_ROUTES]);

/** Options of {@link registerPredictRoutes}. */
export interface PredictRouteOptions {
  readonly state: ModelState;
  readonly maxExtraFields: number;
  readonly batchMaxRows: number;
  /** Records validation + completion time (ml_feature_processing_seconds); absent when metrics are off. */
  readonly observeFeatureProcessing?: (seconds: number) => void;
}

// fast-json-stringify writes only the properties listed here: every task's are listed, and each
// answer carries its own (a regression answer has no prediction, label or probability).
const predictionProperties = {
  prediction: { type: 'integer' },
  label: { type: 'string' },
  confidence: { type: 'number' },
  probability: { type: 'number' },
  probabilities: { type: 'object', additionalProperties: { type: 'number' } },
  value: { type: 'number' },
} as const;

const predictResponse = {
  200: {
    type: 'object',
    properties: { request_id: { type: 'string' }, ...predictionProperties, model_version: { type: 'string' } },
  },
} as const;

const batchResponse = {
  200: {
    type: 'object',
    properties: {
      request_id: { type: 'string' },
      model_version: { type: 'string' },
      predictions: { type: 'array', items: { type: 'object', properties: { request_id: { type: 'string' }, ...predictionProperties } } },
    },
  },
} as const;

/**
 * Registers the prediction routes.
 *
 * @example await app.register(registerPredictRoutes, { state, maxExtraFields: 8, batchMaxRows: 100 });
 */
export async function registerPredictRoutes(app: FastifyInstance, options: PredictRouteOptions): Promise<void> {
  const readers = createRowReaders(options.maxExtraFields);
  const { state, observeFeatureProcessing } = options;

  app.post('/predict', { schema: { response: predictResponse } }, async (request) => {
    const model = servingModel(state);
    const body = request.body;
    if (body === undefined) throw new EmptyBodyError();
    const start = observeFeatureProcessing ? performance.now() : 0;
    const rows = readers.of(model).read([body], () => '');
    observeFeatureProcessing?.((performance.now() - start) / 1000);
    const answerWith = ([record]: PredictionRecord[]) => {
      request.outcome = { kind: 'predicted', model, modelVersion: model.version, modelType: model.type, predictions: [record] };
      return { request_id: request.id, ...answer(model, record), model_version: model.version };
    };
    // Awaited only for a model that scores asynchronously; the others answer without a tick.
    const records = predictRows(model, rows, [request.id]);
    return records instanceof Promise ? records.then(answerWith) : answerWith(records);
  });

  app.post('/predict/batch', { schema: { response: batchResponse } }, async (request) => {
    const model = servingModel(state);
    const body = request.body as { rows?: unknown } | undefined | null;
    if (body === undefined) throw new EmptyBodyError();
    if (body === null || typeof body !== 'object' || !Array.isArray(body.rows)) throw new InvalidBatchError('expected an object with a "rows" array');
    const bodies = body.rows as unknown[];
    if (bodies.length === 0) throw new InvalidBatchError('"rows" is empty');
    if (bodies.length > options.batchMaxRows) throw new BatchTooLargeError(bodies.length, options.batchMaxRows);
    const start = observeFeatureProcessing ? performance.now() : 0;
    const rows = readers.of(model).read(bodies, (i) => `rows[${i}].`);
    observeFeatureProcessing?.((performance.now() - start) / 1000);
    const answerWith = (records: PredictionRecord[]) => {
      request.outcome = { kind: 'predicted', model, modelVersion: model.version, modelType: model.type, predictions: records };
      return { request_id: request.id, model_version: model.version, predictions: records.map((r) => ({ request_id: r.requestId, ...answer(model, r) })) };
    };
    const records = predictRows(model, rows, rows.map((_, i) => `${request.id}:${i}`));
    return records instanceof Promise ? records.then(answerWith) : answerWith(records);
  });
}

/**
 * One prediction as a client reads it: binary as it always was; multiclass adds every class's
 * probability by class name (confidence and probability are the top probability); regression is
 * the value alone.
 */
function answer(model: ServingModel, record: PredictionRecord) {
  if (record.value !== undefined) return { value: record.value };
  const base = { prediction: record.prediction, label: record.label, confidence: record.confidence, probability: record.probability };
  if (!record.probabilities) return base;
  const classes = model.schema.classes;
  const probabilities: Record<string, number> = {};
  for (let c = 0; c < classes.length; c++) probabilities[classes[c]] = record.probabilities[c];
  return { ...base, probabilities };
}
