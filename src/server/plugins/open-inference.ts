/**
 * The Open Inference Protocol (KServe V2 REST) beside the native API, on the same port: server and
 * model metadata, liveness and readiness, and inference. An inference reads its tensors into the
 * rows `/predict` takes (open-inference/tensors.ts), validates and completes them exactly as
 * `/predict` does, and sets the same request outcome, so it is counted, drift-binned, stored for
 * feedback, audited and drilled like `/predict` (its routes are in PREDICT_ROUTES). The request's
 * `id`, when sent, becomes the request id: the audit line carries it and feedback joins on it.
 *
 * Errors under `/v2` are answered `{"error": "…"}` as the protocol asks (plugins/errors.ts), with
 * the same statuses and codes as the native API.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { performance } from 'node:perf_hooks';
import { EmptyBodyError, ModelNotFoundError, ModelNotReadyError, ModelVersionNotServingError } from '../../errors.js';
import type { ServingModel } from '../../model/serving-model.js';
import { packageVersion } from '../../util/package-version.js';
import type { ModelState } from '../model-state.js';
import { inputMetadataOf, outputMetadataOf, outputTensors, readInferRequest } from '../open-inference/tensors.js';
import { createRowReaders, predictRows } from '../predict-rows.js';

/** Options of {@link registerOpenInferenceRoutes}. */
export interface OpenInferenceOptions {
  readonly state: ModelState;
  /** MODEL_NAME: the name the model is served under; unset, the serving version's own name. */
  readonly modelName?: string;
  readonly maxExtraFields: number;
  readonly batchMaxRows: number;
  /** Records validation + completion time (ml_feature_processing_seconds); absent when metrics are off. */
  readonly observeFeatureProcessing?: (seconds: number) => void;
}

interface ModelParams {
  readonly name: string;
  readonly version?: string;
}

/**
 * Registers the Open Inference Protocol routes.
 *
 * @example await app.register(registerOpenInferenceRoutes, { state, modelName: 'bank-marketing', maxExtraFields: 8, batchMaxRows: 100 });
 */
export async function registerOpenInferenceRoutes(app: FastifyInstance, options: OpenInferenceOptions): Promise<void> {
  const { state, modelName, observeFeatureProcessing } = options;
  const readers = createRowReaders(options.maxExtraFields);
  const serverMetadata = { name: 'modelwatch', version: packageVersion(), extensions: [] as string[] };

  /** The name a model is served under: MODEL_NAME when set, else the version's own. */
  const nameOf = (model: ServingModel): string => modelName ?? model.name;

  /** The serving model, if the path names it (and, when it names one, its version). */
  const modelOf = (params: ModelParams): ServingModel => {
    const model = state.current;
    if (!model) throw new ModelNotReadyError();
    if (params.name !== nameOf(model)) throw new ModelNotFoundError(JSON.stringify(params.name.slice(0, 128)), JSON.stringify(nameOf(model)));
    if (params.version !== undefined && params.version !== model.version) throw new ModelVersionNotServingError(JSON.stringify(params.version.slice(0, 128)), model.version);
    return model;
  };

  const metadata = async (request: FastifyRequest<{ Params: ModelParams }>) => {
    const model = modelOf(request.params);
    const schema = model.schema;
    return { name: nameOf(model), versions: [model.version], platform: model.type, inputs: inputMetadataOf(schema), outputs: outputMetadataOf(schema) };
  };

  const ready = async (request: FastifyRequest<{ Params: ModelParams }>) => {
    return { name: nameOf(modelOf(request.params)), ready: true };
  };

  const infer = async (request: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    const model = modelOf(request.params);
    const schema = model.schema;
    if (request.body === undefined) throw new EmptyBodyError();
    const read = readInferRequest(request.body, schema, options.batchMaxRows);
    // The client's id is the request id from here on: errors, the audit line and feedback use it.
    if (read.id !== undefined) {
      request.id = read.id;
      reply.header('x-request-id', read.id);
    }
    const start = observeFeatureProcessing ? performance.now() : 0;
    const rows = readers.of(model).read(read.bodies, (i) => `rows[${i}].`);
    observeFeatureProcessing?.((performance.now() - start) / 1000);
    // One row is the request itself; a batch numbers its rows as /predict/batch does.
    const ids = rows.length === 1 ? [request.id] : rows.map((_, i) => `${request.id}:${i}`);
    // Only a model that scores asynchronously (ONNX) is awaited: the others answer in this tick.
    const predicted = predictRows(model, rows, ids);
    const records = predicted instanceof Promise ? await predicted : predicted;
    request.outcome = { kind: 'predicted', model, modelVersion: model.version, modelType: model.type, predictions: records };
    return { model_name: nameOf(model), model_version: model.version, id: request.id, outputs: outputTensors(records, schema, read.outputs) };
  };

  app.get('/v2', async () => serverMetadata);
  app.get('/v2/', async () => serverMetadata);
  app.get('/v2/health/live', async () => ({ live: true }));
  app.get('/v2/health/ready', async () => {
    if (!state.current) throw new ModelNotReadyError();
    return { ready: true };
  });
  app.get<{ Params: ModelParams }>('/v2/models/:name', metadata);
  app.get<{ Params: ModelParams }>('/v2/models/:name/ready', ready);
  app.get<{ Params: ModelParams }>('/v2/models/:name/versions/:version', metadata);
  app.get<{ Params: ModelParams }>('/v2/models/:name/versions/:version/ready', ready);
  app.post<{ Params: ModelParams }>('/v2/models/:name/infer', infer);
  app.post<{ Params: ModelParams }>('/v2/models/:name/versions/:version/infer', infer);
}
