/**
 * What the OpenAPI document (GET /openapi.json, browsed at /docs) says of each route: a summary, a
 * tag, and the request and response schemas a route does not declare for Fastify itself. They are
 * kept here, beside each other, rather than in each route's `schema`: a Fastify `schema.body` or
 * `schema.response` would also validate and serialize (and the routes read their bodies themselves,
 * by the serving model's schema, to name every problem in modelwatch's coded errors), while these
 * only describe. A test fails when a registered route has no entry here.
 */
import { REQUEST_ID_RULE } from '../request-id.js';

/** One route's documentation. */
export interface RouteDoc {
  readonly summary: string;
  readonly tag: RouteTag;
  readonly description?: string;
  /** JSON schema of the request body, when the route takes one that does not depend on the model. */
  readonly body?: object;
  /** JSON schemas of answers by status (`200`, `4XX`, …), as far as they do not depend on the model. */
  readonly responses?: Readonly<Record<string, { readonly description: string; readonly schema?: object; readonly mediaType?: string }>>;
}

/** The groups of routes in the document, in the order /docs lists them. */
export const ROUTE_TAGS = [
  { name: 'predict', description: 'Predictions with the native JSON API; delayed ground truth.' },
  { name: 'open-inference', description: 'The Open Inference Protocol (KServe V2 REST) on the same port: metadata, health, inference.' },
  { name: 'health', description: 'Liveness, readiness, status and Prometheus metrics.' },
  { name: 'admin', description: 'Hot reload and the fire drill; only with ADMIN_TOKEN, behind its bearer token.' },
  { name: 'console', description: 'The built-in web console and the JSON it draws.' },
  { name: 'docs', description: 'This document and the page that browses it.' },
] as const;
export type RouteTag = (typeof ROUTE_TAGS)[number]['name'];

/** The native coded error answer (docs/api.md, "Errors"). */
export const NATIVE_ERROR_SCHEMA = {
  type: 'object',
  required: ['statusCode', 'code', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string', description: 'A stable code, e.g. MW_INVALID_INPUT.' },
    error: { type: 'string', description: 'The HTTP status text.' },
    message: { type: 'string' },
    request_id: { type: 'string' },
    problems: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, reason: { type: 'string' }, expected: { type: 'string' }, got: {} } } },
    problems_omitted: { type: 'integer' },
  },
} as const;

/** The Open Inference Protocol's error object, with modelwatch's code, request id and problems beside it. */
export const OPEN_INFERENCE_ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: { type: 'string', description: 'What went wrong.' },
    code: { type: 'string', description: 'The same stable code the native API answers, e.g. MW_INVALID_INPUT.' },
    request_id: { type: 'string' },
    problems: NATIVE_ERROR_SCHEMA.properties.problems,
    problems_omitted: { type: 'integer' },
  },
} as const;

const errors = (schema: object) => ({ '4XX': { description: 'Refused: the code and message say why.', schema }, '5XX': { description: 'Not ready, shutting down, a fire drill, or a bug.', schema } });
const nativeErrors = errors(NATIVE_ERROR_SCHEMA);
const oipErrors = errors(OPEN_INFERENCE_ERROR_SCHEMA);
const json = (description: string, schema: object = { type: 'object' }) => ({ description, schema });

const tensorMetadata = { type: 'object', required: ['name', 'datatype', 'shape'], properties: { name: { type: 'string' }, datatype: { type: 'string' }, shape: { type: 'array', items: { type: 'integer' } } } };
const tensorData = { type: 'array', items: {}, description: 'The values, row-major, flat or nested.' };
const modelMetadata = {
  type: 'object',
  required: ['name', 'platform'],
  properties: { name: { type: 'string' }, versions: { type: 'array', items: { type: 'string' } }, platform: { type: 'string' }, inputs: { type: 'array', items: tensorMetadata }, outputs: { type: 'array', items: tensorMetadata } },
};
const modelReady = { type: 'object', properties: { name: { type: 'string' }, ready: { type: 'boolean' } } };

/** An Open Inference Protocol inference request; the model's own inputs are listed by the document at request time. */
export const INFER_REQUEST_SCHEMA = {
  type: 'object',
  required: ['inputs'],
  properties: {
    id: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$', description: `The request id (${REQUEST_ID_RULE}); answered as \`id\`, written to the audit log, and what feedback names.` },
    parameters: { type: 'object', description: 'Accepted and ignored.' },
    inputs: {
      type: 'array',
      minItems: 1,
      items: { type: 'object', required: ['name', 'shape', 'datatype', 'data'], properties: { name: { type: 'string' }, shape: { type: 'array', items: { type: 'integer', minimum: 0 } }, datatype: { type: 'string' }, parameters: { type: 'object' }, data: tensorData } },
    },
    outputs: { type: 'array', items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, parameters: { type: 'object' } } } },
  },
};

const inferResponse = {
  type: 'object',
  required: ['model_name', 'outputs'],
  properties: {
    model_name: { type: 'string' },
    model_version: { type: 'string' },
    id: { type: 'string' },
    outputs: { type: 'array', items: { type: 'object', required: ['name', 'shape', 'datatype', 'data'], properties: { name: { type: 'string' }, shape: { type: 'array', items: { type: 'integer' } }, datatype: { type: 'string' }, data: tensorData } } },
  },
};

const feedbackItem = {
  type: 'object',
  required: ['request_id', 'actual'],
  properties: { request_id: { type: 'string', minLength: 1, maxLength: 256, description: 'The request id the prediction was answered with.' }, actual: { description: 'The true outcome: a class name or its index.' } },
};

const html = (description: string) => ({ description, mediaType: 'text/html', schema: { type: 'string' } });
const infer: RouteDoc = {
  summary: 'Inference (Open Inference Protocol)',
  tag: 'open-inference',
  description:
    'One tensor per feature named as the feature (BYTES for a categorical feature, a numeric datatype for a numeric one, shape [N] or [N, 1]), or one [N, F] tensor of every feature in the model\'s order. Validated, completed and observed exactly like /predict; at most BATCH_MAX_ROWS rows.',
  body: INFER_REQUEST_SCHEMA,
  responses: { 200: json('The outputs asked for (all by default).', inferResponse), ...oipErrors },
};
const metadata: RouteDoc = { summary: 'Model metadata: inputs, outputs and the serving version', tag: 'open-inference', responses: { 200: json('The model.', modelMetadata), ...oipErrors } };
const ready: RouteDoc = { summary: 'Model ready', tag: 'open-inference', responses: { 200: json('The model is serving.', modelReady), ...oipErrors } };
const serverMetadata: RouteDoc = {
  summary: 'Server metadata',
  tag: 'open-inference',
  responses: { 200: json('The server.', { type: 'object', required: ['name', 'version', 'extensions'], properties: { name: { type: 'string' }, version: { type: 'string' }, extensions: { type: 'array', items: { type: 'string' } } } }), ...oipErrors },
};

/** Every route's documentation, by `METHOD url` as Fastify registers it. */
export const ROUTE_DOCS: Readonly<Record<string, RouteDoc>> = {
  'POST /predict': { summary: 'One prediction', tag: 'predict', description: 'A JSON object of the serving model\'s features (the request schema below is the serving model\'s).', responses: nativeErrors },
  'POST /predict/batch': { summary: 'Predictions for up to BATCH_MAX_ROWS rows', tag: 'predict', description: 'All rows are validated first; one bad row rejects the batch with every problem listed.', responses: nativeErrors },
  'POST /feedback': { summary: 'Delayed ground truth for one prediction', tag: 'predict', body: feedbackItem, responses: { 200: json('The label\'s outcome (joined, duplicate).'), ...nativeErrors } },
  'POST /feedback/batch': {
    summary: 'Delayed ground truth for up to FEEDBACK_BATCH_MAX_ITEMS predictions',
    tag: 'predict',
    body: { type: 'object', required: ['feedback'], properties: { feedback: { type: 'array', minItems: 1, items: feedbackItem } } },
    responses: { 200: json('One result per item, in order, and the tallies.'), ...nativeErrors },
  },
  'GET /v2': serverMetadata,
  'GET /v2/': { ...serverMetadata, description: 'The path the protocol\'s own OpenAPI document names.' },
  'GET /v2/health/live': { summary: 'Server live', tag: 'open-inference', responses: { 200: json('The process answers.', { type: 'object', properties: { live: { type: 'boolean' } } }) } },
  'GET /v2/health/ready': { summary: 'Server ready: a model is serving (as GET /ready)', tag: 'open-inference', responses: { 200: json('A model serves.', { type: 'object', properties: { ready: { type: 'boolean' } } }), ...oipErrors } },
  'GET /v2/models/:name': metadata,
  'GET /v2/models/:name/ready': ready,
  'GET /v2/models/:name/versions/:version': { ...metadata, description: 'Only the serving version is known; another is a 404 naming it.' },
  'GET /v2/models/:name/versions/:version/ready': ready,
  'POST /v2/models/:name/infer': infer,
  'POST /v2/models/:name/versions/:version/infer': { ...infer, summary: 'Inference by the serving version (Open Inference Protocol)' },
  'GET /health': { summary: 'Liveness', tag: 'health' },
  'GET /ready': { summary: 'Readiness: 200 once a model serves, 503 before', tag: 'health' },
  'GET /status': { summary: 'What is serving and how: model, requests, drift, quality, memory', tag: 'health' },
  'GET /metrics': { summary: 'Prometheus metrics (text format, or OpenMetrics on request)', tag: 'health', responses: { 200: { description: 'The metrics.', mediaType: 'text/plain', schema: { type: 'string' } } } },
  'POST /admin/reload': { summary: 'Hot reload: serve the CURRENT version, or a named one', tag: 'admin', responses: nativeErrors },
  'POST /admin/drill': { summary: 'Start a fire drill: fail or delay a share of predict requests', tag: 'admin', responses: nativeErrors },
  'GET /admin/drill': { summary: 'The fire drill\'s state', tag: 'admin', responses: nativeErrors },
  'DELETE /admin/drill': { summary: 'End the fire drill', tag: 'admin', responses: nativeErrors },
  'GET /': { summary: 'Redirects to the console', tag: 'console' },
  'GET /console': { summary: 'The web console', tag: 'console', responses: { 200: html('The console page.') } },
  'GET /console/': { summary: 'Redirects to /console', tag: 'console' },
  'GET /console/:file': { summary: 'The console\'s script and styles', tag: 'console' },
  'GET /api/series': { summary: 'The console\'s time series', tag: 'console', responses: nativeErrors },
  'GET /api/drift': { summary: 'Drift per feature, for the console', tag: 'console' },
  'GET /api/alerts': { summary: 'The alert catalogue evaluated in-process', tag: 'console' },
  'GET /api/logs': { summary: 'Recent log lines, filtered', tag: 'console', responses: nativeErrors },
  'GET /openapi.json': { summary: 'This document (OpenAPI 3.0), with the serving model\'s request schemas', tag: 'docs' },
  'GET /docs': { summary: 'A page to browse this document (served entirely by this service)', tag: 'docs', responses: { 200: html('The page.') } },
};
