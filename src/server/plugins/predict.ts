/**
 * POST /predict and POST /predict/batch. The handler does only what the answer needs: validate,
 * complete, predict. Counting, drift and audit happen in the observability hook after the answer
 * is sent.
 */
import type { FastifyInstance } from 'fastify';
import { performance } from 'node:perf_hooks';
import { completeRow, createRowValidator } from '../../data/row-validation.js';
import { TARGET, type Row } from '../../data/schema.js';
import { BatchTooLargeError, EmptyBodyError, InvalidBatchError, InvalidInputError, ModelNotReadyError, type InputProblem } from '../../errors.js';
import type { ServingModel } from '../../model/serving-model.js';
import type { ModelState } from '../model-state.js';
import { OPEN_INFERENCE_INFER_ROUTES } from '../open-inference/routes.js';
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

const predictionProperties = {
  prediction: { type: 'integer' },
  label: { type: 'string' },
  confidence: { type: 'number' },
  probability: { type: 'number' },
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
  const validate = createRowValidator(options.maxExtraFields);
  const { state, observeFeatureProcessing } = options;

  const predictOne = (model: ServingModel, row: Row, requestId: string): PredictionRecord => {
    const probability = model.predictProba(row);
    const prediction = probability >= model.threshold ? 1 : 0;
    return { requestId, prediction, probability, confidence: prediction === 1 ? probability : 1 - probability, row };
  };

  app.post('/predict', { schema: { response: predictResponse } }, async (request) => {
    const model = servingModel(state);
    const body = request.body;
    if (body === undefined) throw new EmptyBodyError();
    const start = observeFeatureProcessing ? performance.now() : 0;
    const problems = validate(body);
    if (problems) throw new InvalidInputError(problems);
    const row = completeRow(body as Record<string, unknown>);
    observeFeatureProcessing?.((performance.now() - start) / 1000);
    const record = predictOne(model, row, request.id);
    request.outcome = { kind: 'predicted', modelVersion: model.version, modelType: model.type, predictions: [record] };
    return { request_id: request.id, ...answer(record), model_version: model.version };
  });

  app.post('/predict/batch', { schema: { response: batchResponse } }, async (request) => {
    const model = servingModel(state);
    const body = request.body as { rows?: unknown } | undefined | null;
    if (body === undefined) throw new EmptyBodyError();
    if (body === null || typeof body !== 'object' || !Array.isArray(body.rows)) throw new InvalidBatchError('expected an object with a "rows" array');
    const rows = body.rows as unknown[];
    if (rows.length === 0) throw new InvalidBatchError('"rows" is empty');
    if (rows.length > options.batchMaxRows) throw new BatchTooLargeError(rows.length, options.batchMaxRows);
    const start = observeFeatureProcessing ? performance.now() : 0;
    const problems: InputProblem[] = [];
    rows.forEach((row, i) => {
      const found = validate(row);
      if (found) for (const p of found) problems.push({ ...p, field: `rows[${i}].${p.field}` });
    });
    if (problems.length) throw new InvalidInputError(problems);
    const complete = rows.map((row) => completeRow(row as Record<string, unknown>));
    observeFeatureProcessing?.((performance.now() - start) / 1000);
    const records = complete.map((row, i) => predictOne(model, row, `${request.id}:${i}`));
    request.outcome = { kind: 'predicted', modelVersion: model.version, modelType: model.type, predictions: records };
    return { request_id: request.id, model_version: model.version, predictions: records.map((r) => ({ request_id: r.requestId, ...answer(r) })) };
  });
}

function servingModel(state: ModelState): ServingModel {
  const model = state.current;
  if (!model) throw new ModelNotReadyError();
  return model;
}

function answer(record: PredictionRecord) {
  return {
    prediction: record.prediction,
    label: record.prediction === 1 ? TARGET.positive : TARGET.negative,
    confidence: record.confidence,
    probability: record.probability,
  };
}
