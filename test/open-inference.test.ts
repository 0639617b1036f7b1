/**
 * The Open Inference Protocol (KServe V2 REST) on the service's own port: every answer of every
 * `/v2` route, success and error, is validated against the published specification's schema for
 * that route and status (test/fixtures/open-inference/, with its source); inference answers equal
 * /predict's on the same rows; and an inference is observed like /predict (metrics, audit line,
 * prediction store joined by feedback on the request's `id`, the fire drill).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Ajv, type ValidateFunction } from 'ajv';
import type { LightMyRequestResponse } from 'fastify';
import { parse } from 'yaml';
import type { ModelSchema } from '../src/data/model-schema.js';
import { FEATURES, type Feature, type Row } from '../src/data/schema.js';
import { InvalidInputError } from '../src/errors.js';
import { outputMetadataOf, outputTensors, readInferRequest } from '../src/server/open-inference/tensors.js';
import { syntheticRows } from '../src/data/synthetic.js';
import { SEED_BODY, sampleValue, testApp, type TestApp } from './helpers/fixtures.js';

const SPEC = parse(readFileSync(new URL('./fixtures/open-inference/open_inference_rest.yaml', import.meta.url), 'utf8')) as {
  paths: Record<string, Record<string, { responses: Record<string, { content?: { 'application/json': { schema: { $ref: string } } } }> }>>;
};
// The document is OpenAPI 3.0, whose schema objects are JSON Schema (draft 4/7 subset) plus a few
// keywords of its own (x-examples), which Ajv is told to ignore; $refs resolve inside the document.
const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addSchema(SPEC as object, 'oip');
const componentSchema = (name: string): ValidateFunction => ajv.getSchema(`oip#/components/schemas/${name}`)!;

const MODEL = 'bank-marketing';

/**
 * The specification's path for a request path: the document names `/v2/` and the versioned model
 * paths; the protocol's prose makes the version optional, so an unversioned path is held to its
 * versioned twin's schemas.
 */
function specPathOf(path: string): string {
  if (path === '/v2' || path === '/v2/') return '/v2/';
  if (path.startsWith('/v2/health/')) return path;
  const match = /^\/v2\/models\/[^/]+(?:\/versions\/[^/]+)?(\/ready|\/infer)?$/.exec(path);
  assert.ok(match, `${path} is a path of the protocol`);
  return `/v2/models/\${MODEL_NAME}/versions/\${MODEL_VERSION}${match[1] ?? ''}`;
}

/** The error object the protocol's prose prescribes for a failed request of this route. */
function errorSchemaOf(specPath: string): string {
  if (specPath.endsWith('/infer')) return 'inference_error_response';
  if (specPath.startsWith('/v2/models/')) return 'metadata_model_error_response';
  return 'metadata_server_error_response';
}

let checked = 0;
/**
 * Asserts that `res`, the answer to `method path`, is what the specification allows for that route
 * and status: a listed status with its schema, or an error status with the route's error object.
 */
function assertConforms(method: 'get' | 'post', path: string, res: LightMyRequestResponse): void {
  const specPath = specPathOf(path.split('?')[0]);
  const operation = SPEC.paths[specPath]?.[method];
  assert.ok(operation, `the specification has ${method.toUpperCase()} ${specPath}`);
  const listed = operation.responses[String(res.statusCode)];
  const ref = listed ? listed.content?.['application/json'].schema.$ref : `#/components/schemas/${errorSchemaOf(specPath)}`;
  if (!listed) assert.ok(res.statusCode >= 400, `${method} ${path}: status ${res.statusCode} is not in the specification and is no error`);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  if (ref) {
    const validate = componentSchema(ref.split('/').pop()!);
    assert.ok(validate(res.json()), `${method.toUpperCase()} ${path} → ${res.statusCode} against ${ref}: ${ajv.errorsText(validate.errors)}\n${res.body}`);
  }
  checked++;
}

/** One tensor per feature for `rows`, as a V2 client of this model sends them. */
function perFeatureInputs(rows: readonly Record<string, unknown>[], shape: (n: number) => number[] = (n) => [n]) {
  return FEATURES.filter((f) => rows[0][f.name] !== undefined).map((f) => ({
    name: f.name,
    datatype: f.kind === 'categorical' ? 'BYTES' : f.integer ? 'INT64' : 'FP64',
    shape: shape(rows.length),
    data: rows.map((r) => r[f.name]),
  }));
}

const syntheticBatch = (n: number, seed: number): Row[] => [...syntheticRows({ rows: n, seed })].map((r) => r.features);

describe('Open Inference Protocol', () => {
  let t: TestApp;
  let version: string;
  before(async () => {
    t = await testApp({ BATCH_MAX_ROWS: '50' });
    version = t.state.current!.version;
  });
  after(async () => {
    await t.app.close();
    assert.ok(checked > 0);
  });

  const call = async (method: 'get' | 'post', url: string, payload?: unknown, headers: Record<string, string> = {}) => {
    const res = await t.app.inject({ method: method.toUpperCase() as 'GET' | 'POST', url, payload: payload as string, headers });
    assertConforms(method, url, res);
    return res;
  };

  test('server metadata, liveness and readiness', async () => {
    for (const url of ['/v2', '/v2/']) {
      const res = await call('get', url);
      assert.equal(res.statusCode, 200);
      const { version: serverVersion, ...rest } = res.json();
      assert.deepEqual(rest, { name: 'modelwatch', extensions: [] });
      assert.equal(serverVersion, JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version);
    }
    assert.deepEqual((await call('get', '/v2/health/live')).json(), { live: true });
    assert.deepEqual((await call('get', '/v2/health/ready')).json(), { ready: true });
  });

  test('model metadata and readiness, with and without the serving version', async () => {
    for (const url of [`/v2/models/${MODEL}`, `/v2/models/${MODEL}/versions/${version}`]) {
      const res = await call('get', url);
      assert.equal(res.statusCode, 200);
      const body = res.json();
      assert.equal(body.name, MODEL);
      assert.deepEqual(body.versions, [version]);
      assert.equal(body.platform, 'gbdt');
      assert.deepEqual(body.inputs.map((i: { name: string }) => i.name), FEATURES.map((f) => f.name));
      assert.deepEqual(body.inputs.find((i: { name: string }) => i.name === 'job'), { name: 'job', datatype: 'BYTES', shape: [-1] });
      assert.deepEqual(body.inputs.find((i: { name: string }) => i.name === 'age'), { name: 'age', datatype: 'FP64', shape: [-1] });
      assert.deepEqual(body.outputs, [{ name: 'predict', datatype: 'BYTES', shape: [-1] }, { name: 'probabilities', datatype: 'FP64', shape: [-1, 2] }]);
      assert.deepEqual((await call('get', `${url}/ready`)).json(), { name: MODEL, ready: true });
    }
  });

  test('another model or version is a 404 naming what serves', async () => {
    for (const url of ['/v2/models/other', '/v2/models/other/ready', `/v2/models/other/versions/${version}`]) {
      const res = await call('get', url);
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().code, 'MW_MODEL_NOT_FOUND');
      assert.match(res.json().error, /"other".*"bank-marketing" \(MODEL_NAME\)/);
    }
    for (const url of [`/v2/models/${MODEL}/versions/v999`, `/v2/models/${MODEL}/versions/v999/ready`]) {
      const res = await call('get', url);
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().code, 'MW_MODEL_VERSION_NOT_SERVING');
      assert.match(res.json().error, new RegExp(`"v999" is not serving; ${version} is`));
    }
    const infer = await call('post', `/v2/models/${MODEL}/versions/v999/infer`, { inputs: perFeatureInputs([SEED_BODY]) });
    assert.equal(infer.statusCode, 404);
    assert.equal(infer.json().code, 'MW_MODEL_VERSION_NOT_SERVING');
    const other = await call('post', '/v2/models/other/infer', { inputs: perFeatureInputs([SEED_BODY]) });
    assert.equal(other.statusCode, 404);
  });

  test('inference answers what /predict answers on the same rows, in every input layout and on both routes', async () => {
    const rows = syntheticBatch(40, 11);
    const native = (await t.app.inject({ method: 'POST', url: '/predict/batch', payload: { rows } })).json().predictions as { label: string; probability: number }[];
    const expectedLabels = native.map((p) => p.label);
    const expectedProbabilities = native.flatMap((p) => [1 - p.probability, p.probability]);
    const width = FEATURES.length;
    const layouts = {
      'one tensor per feature, shape [N]': perFeatureInputs(rows),
      'one tensor per feature, shape [N, 1]': perFeatureInputs(rows, (n) => [n, 1]),
      'one BYTES tensor [N, F], rows nested': [{ name: 'input-0', datatype: 'BYTES', shape: [rows.length, width], data: rows.map((r) => FEATURES.map((f) => r[f.name])) }],
      'one BYTES tensor [N, F], numbers as strings': [{ name: 'input-0', datatype: 'BYTES', shape: [rows.length, width], data: rows.flatMap((r) => FEATURES.map((f) => String(r[f.name]))) }],
    };
    for (const [layout, inputs] of Object.entries(layouts)) {
      for (const url of [`/v2/models/${MODEL}/infer`, `/v2/models/${MODEL}/versions/${version}/infer`]) {
        const res = await call('post', url, { inputs, parameters: { ignored: true } });
        assert.equal(res.statusCode, 200, `${layout}: ${res.body}`);
        const body = res.json();
        assert.equal(body.model_name, MODEL);
        assert.equal(body.model_version, version);
        assert.deepEqual(body.outputs.map((o: { name: string }) => o.name), ['predict', 'probabilities']);
        const [predict, probabilities] = body.outputs;
        assert.deepEqual(predict, { name: 'predict', datatype: 'BYTES', shape: [rows.length], data: expectedLabels }, layout);
        assert.deepEqual(probabilities, { name: 'probabilities', datatype: 'FP64', shape: [rows.length, 2], data: expectedProbabilities }, layout);
      }
    }
    // The outputs asked for, in the order asked; the aliases and defaults of /predict apply.
    const res = await call('post', `/v2/models/${MODEL}/infer`, { inputs: perFeatureInputs([SEED_BODY]), outputs: [{ name: 'probabilities' }] });
    const single = (await t.app.inject({ method: 'POST', url: '/predict', payload: SEED_BODY })).json();
    assert.deepEqual(res.json().outputs, [{ name: 'probabilities', datatype: 'FP64', shape: [1, 2], data: [1 - single.probability, single.probability] }]);
  });

  test('an inference is observed like /predict: counted, audited under its id, stored for feedback that joins on that id', async () => {
    const metricsBefore = await t.metrics.registry.metrics();
    const predictionsBefore = sampleValue(metricsBefore, 'ml_predictions_total') ?? 0;
    const res = await call('post', `/v2/models/${MODEL}/infer`, { id: 'v2-observed-1', inputs: perFeatureInputs([SEED_BODY]) });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().id, 'v2-observed-1');
    assert.equal(res.headers['x-request-id'], 'v2-observed-1');
    const batch = await call('post', `/v2/models/${MODEL}/infer`, { id: 'v2-batch', inputs: perFeatureInputs(syntheticBatch(3, 5)) });
    assert.equal(batch.json().id, 'v2-batch');
    // Without an id the X-Request-Id is the request's id, echoed as `id`.
    const headerId = await call('post', `/v2/models/${MODEL}/infer`, { inputs: perFeatureInputs([SEED_BODY]) }, { 'x-request-id': 'from-header-1' });
    assert.equal(headerId.json().id, 'from-header-1');

    const text = await t.metrics.registry.metrics();
    assert.equal(sampleValue(text, 'ml_predictions_total'), predictionsBefore + 5);
    assert.ok((sampleValue(text, 'http_request_duration_seconds_count', { method: 'POST', route: '/v2/models/:name/infer', status_code: '200' }) ?? 0) >= 3);

    await t.log.drain();
    const line = t.captured.lines.find((l) => l.request_id === 'v2-observed-1' && l.message !== undefined && 'prediction' in l);
    assert.ok(line, 'an audit line with the V2 id as request_id');
    assert.equal(line.endpoint, '/v2/models/:name/infer');
    assert.equal(line.prediction, res.json().outputs[0].data[0] === 'yes' ? 1 : 0);
    assert.ok(t.captured.lines.some((l) => l.request_id === 'v2-batch:2' && 'prediction' in l), 'a batch numbers its rows id:i, as /predict/batch does');

    const predicted = res.json().outputs[0].data[0] === 'yes' ? 1 : 0;
    const feedback = await t.app.inject({ method: 'POST', url: '/feedback', payload: { request_id: 'v2-observed-1', actual: predicted } });
    assert.equal(feedback.statusCode, 200, feedback.body);
    assert.equal(feedback.json().status, 'joined');
    assert.equal(feedback.json().predicted, predicted);
    const second = await t.app.inject({ method: 'POST', url: '/feedback', payload: { request_id: 'v2-batch:1', actual: 0 } });
    assert.equal(second.json().status, 'joined');
  });

  test('bad requests get the /predict statuses and codes, in the protocol\'s error object, every problem listed', async () => {
    const url = `/v2/models/${MODEL}/infer`;
    const good = perFeatureInputs([SEED_BODY]);
    const replace = (name: string, change: object) => good.map((i) => (i.name === name ? { ...i, ...change } : i));
    const cases: [string, unknown, number, string, RegExp][] = [
      ['invalid JSON', '{"inputs": [', 400, 'MW_INVALID_JSON', /not valid JSON/],
      ['not an object', [1, 2], 400, 'MW_INVALID_INPUT', /\(body\): expected an inference request object/],
      ['no inputs', { id: 'x' }, 400, 'MW_INVALID_INPUT', /inputs: expected an array of input tensors/],
      ['empty inputs', { inputs: [] }, 400, 'MW_INVALID_INPUT', /inputs: expected a non-empty array/],
      ['a tensor without data', { inputs: replace('age', { data: undefined }) }, 400, 'MW_INVALID_INPUT', /inputs\[0\]\.data: expected an array of values/],
      ['unknown feature', { inputs: [...good, { name: 'salary', datatype: 'FP64', shape: [1], data: [1] }] }, 400, 'MW_INVALID_INPUT', /inputs\[8\]\.name: expected a feature of the model/],
      ['missing required feature', { inputs: good.filter((i) => i.name !== 'age') }, 400, 'MW_INVALID_INPUT', /inputs: expected a tensor named age/],
      ['wrong datatype', { inputs: replace('job', { datatype: 'FP64' }) }, 400, 'MW_INVALID_INPUT', /inputs\[1\]\.datatype: expected BYTES for the categorical feature job/],
      ['BOOL for a number', { inputs: replace('age', { datatype: 'BOOL' }) }, 400, 'MW_INVALID_INPUT', /inputs\[0\]\.datatype: expected a numeric datatype/],
      ['shape and data disagree', { inputs: replace('age', { shape: [2] }) }, 400, 'MW_INVALID_INPUT', /inputs\[0\]\.data: expected 2 values, as shape \[2\] says/],
      ['row counts disagree', { inputs: replace('age', { shape: [2], data: [30, 31] }) }, 400, 'MW_INVALID_INPUT', /inputs\[1\]\.shape: expected 2 rows, as the tensor age has/],
      ['a value out of range', { inputs: replace('age', { data: [7] }) }, 400, 'MW_INVALID_INPUT', /rows\[0\]\.age: expected an integer in 18\.\.100/],
      ['an unknown category', { inputs: replace('job', { data: ['astronaut'] }) }, 400, 'MW_INVALID_INPUT', /rows\[0\]\.job: expected one of admin\./],
      ['a [N, F] numeric tensor for categorical features', { inputs: [{ name: 'x', datatype: 'FP64', shape: [1, FEATURES.length], data: FEATURES.map(() => 1) }] }, 400, 'MW_INVALID_INPUT', /expected BYTES: the features job, marital/],
      ['a [N, F] tensor of the wrong width', { inputs: [{ name: 'x', datatype: 'BYTES', shape: [1, 3], data: ['a', 'b', 'c'] }] }, 400, 'MW_INVALID_INPUT', /inputs\[0\]\.shape: expected \[N, 16\]/],
      ['unknown output', { inputs: good, outputs: [{ name: 'logits' }] }, 400, 'MW_INVALID_INPUT', /outputs\[0\]\.name: expected one of predict, probabilities/],
      ['an id that cannot be a request id', { id: 'has spaces', inputs: good }, 400, 'MW_INVALID_INPUT', /id: expected a string of 1-128 characters/],
      ['more rows than BATCH_MAX_ROWS', { inputs: perFeatureInputs(syntheticBatch(51, 3)) }, 413, 'MW_BATCH_TOO_LARGE', /51 rows; at most 50/],
      ['zero rows', { inputs: good.map((i) => ({ ...i, shape: [0], data: [] })) }, 400, 'MW_INVALID_INPUT', /at least one row/],
    ];
    for (const [name, payload, status, code, message] of cases) {
      // (`error` is checked by name here: the specification's inference error object does not require it.)
      const res = await call('post', url, typeof payload === 'string' ? payload : JSON.stringify(payload), { 'content-type': 'application/json' });
      assert.equal(res.statusCode, status, `${name}: ${res.body}`);
      assert.equal(res.json().code, code, name);
      assert.match(res.json().error, message, name);
      assert.equal(res.json().request_id, res.headers['x-request-id'], name);
    }
    const empty = await call('post', url, undefined, { 'content-type': 'application/json' });
    assert.equal(empty.statusCode, 400);
    assert.equal(empty.json().code, 'MW_EMPTY_BODY');
    // Rejections are counted like /predict's, under the V2 route.
    const text = await t.metrics.registry.metrics();
    assert.ok((sampleValue(text, 'ml_input_validation_failures_total', { reason: 'out_of_range', endpoint: url.replace(MODEL, ':name') }) ?? 0) >= 1);
    // An unknown path under /v2 is answered in the protocol's shape too.
    const unknown = await t.app.inject({ method: 'GET', url: '/v2/nothing' });
    assert.equal(unknown.statusCode, 404);
    assert.match(unknown.json().error, /No route GET \/v2\/nothing/);
  });

  test('hostile tensors are refused quickly with a bounded answer', async () => {
    const url = `/v2/models/${MODEL}/infer`;
    const junk = Array.from({ length: 300 }, (_, i) => ({ name: `${'x'.repeat(300)}${i}`, datatype: 'Q'.repeat(300), shape: [1], data: [i] }));
    const deep = { inputs: [{ name: 'age', datatype: 'FP64', shape: [1], data: [[[[[[30]]]]]] }] };
    const huge = { inputs: [{ name: 'age', datatype: 'FP64', shape: [2 ** 53, 2 ** 53], data: [30] }] };
    for (const payload of [{ inputs: junk }, deep, huge, { id: 'y'.repeat(5000), inputs: [] }]) {
      const started = performance.now();
      const res = await call('post', url, payload);
      assert.ok(performance.now() - started < 2000);
      assert.equal(res.statusCode, 400, res.body.slice(0, 300));
      const body = res.json();
      assert.ok(body.error.length <= 1100, `a bounded message (${body.error.length} characters)`);
      assert.ok(body.problems.length <= 50);
      for (const p of body.problems) assert.ok(typeof p.got !== 'string' || p.got.length <= 200, JSON.stringify(p).slice(0, 300));
    }
  });

  test('before a model serves, readiness and inference answer 503 MW_MODEL_NOT_READY; liveness 200', async () => {
    const empty = await testApp({}, { noModel: true });
    try {
      const ask = async (method: 'get' | 'post', url: string, payload?: unknown) => {
        const res = await empty.app.inject({ method: method.toUpperCase() as 'GET' | 'POST', url, payload: payload as object });
        assertConforms(method, url, res);
        return res;
      };
      assert.equal((await ask('get', '/v2/health/live')).statusCode, 200);
      for (const [method, url] of [['get', '/v2/health/ready'], ['get', `/v2/models/${MODEL}`], ['get', `/v2/models/${MODEL}/ready`], ['post', `/v2/models/${MODEL}/infer`]] as const) {
        const res = await ask(method, url, method === 'post' ? { inputs: perFeatureInputs([SEED_BODY]) } : undefined);
        assert.equal(res.statusCode, 503, url);
        assert.equal(res.json().code, 'MW_MODEL_NOT_READY', url);
      }
    } finally {
      await empty.app.close();
    }
  });

  test('the fire drill fails V2 inferences as it fails /predict, in the protocol\'s error object', async () => {
    const drilled = await testApp({ ADMIN_TOKEN: 'open-inference-drill-token' });
    try {
      const auth = { authorization: 'Bearer open-inference-drill-token' };
      const started = await drilled.app.inject({ method: 'POST', url: '/admin/drill', headers: auth, payload: { error_share: 1, seconds: 60 } });
      assert.equal(started.statusCode, 200, started.body);
      const res = await drilled.app.inject({ method: 'POST', url: `/v2/models/${MODEL}/infer`, payload: { inputs: perFeatureInputs([SEED_BODY]) } });
      assertConforms('post', `/v2/models/${MODEL}/infer`, res);
      assert.equal(res.statusCode, 503);
      assert.equal(res.json().code, 'MW_DRILL_INJECTED');
      // The specification's inference error object does not require `error`; the protocol's prose does.
      assert.match(res.json().error, /^Fire drill: this failure was injected on purpose/);
      const text = await drilled.metrics.registry.metrics();
      assert.equal(sampleValue(text, 'ml_drill_requests_total', { effect: 'error' }), 1);
    } finally {
      await drilled.app.close();
    }
  });
});

describe('Open Inference Protocol tensors, for any model schema', () => {
  const numeric = (name: string): Feature => ({ name, kind: 'numeric', integer: false, min: -10, max: 10, default: 0, required: true, description: name });
  const wine: ModelSchema = { features: [numeric('a'), numeric('b'), numeric('c')], task: 'multiclass', classes: ['x', 'y', 'z'], target: { name: 'k' } };
  const diabetes: ModelSchema = { features: [numeric('a'), numeric('b')], task: 'regression', classes: [], target: { name: 'v' } };

  test('an all-numeric model takes one numeric [N, F] tensor, in the schema\'s order', () => {
    const read = readInferRequest({ inputs: [{ name: 'input-0', datatype: 'FP32', shape: [2, 3], data: [[1, 2, 3], [4, 5, 6]] }] }, wine, 10);
    assert.deepEqual(read.bodies, [{ a: 1, b: 2, c: 3 }, { a: 4, b: 5, c: 6 }]);
    assert.deepEqual(read.outputs, ['predict', 'probabilities']);
    assert.throws(() => readInferRequest({ inputs: [{ name: 'input-0', datatype: 'FP32', shape: [1, 2], data: [1, 2] }] }, wine, 10), (e: unknown) => e instanceof InvalidInputError && /expected \[N, 3\]/.test(e.message));
  });

  test('multiclass answers every class\'s probability, regression its value', () => {
    assert.deepEqual(outputMetadataOf(wine), [{ name: 'predict', datatype: 'BYTES', shape: [-1] }, { name: 'probabilities', datatype: 'FP64', shape: [-1, 3] }]);
    const multiclass = outputTensors([{ prediction: 2, label: 'z', probability: 0.7, probabilities: [0.1, 0.2, 0.7] }, { prediction: 0, probability: 0.5, probabilities: [0.5, 0.3, 0.2] }], wine, ['predict', 'probabilities']);
    assert.deepEqual(multiclass, [
      { name: 'predict', datatype: 'BYTES', shape: [2], data: ['z', 'x'] },
      { name: 'probabilities', datatype: 'FP64', shape: [2, 3], data: [0.1, 0.2, 0.7, 0.5, 0.3, 0.2] },
    ]);
    assert.deepEqual(outputMetadataOf(diabetes), [{ name: 'value', datatype: 'FP64', shape: [-1] }]);
    assert.deepEqual(readInferRequest({ inputs: [{ name: 'a', datatype: 'FP64', shape: [1], data: [1] }, { name: 'b', datatype: 'INT32', shape: [1, 1], data: [[2]] }] }, diabetes, 10).outputs, ['value']);
    assert.deepEqual(outputTensors([{ prediction: 0, label: '', probability: 0, value: 151.5 }], diabetes, ['value']), [{ name: 'value', datatype: 'FP64', shape: [1], data: [151.5] }]);
    assert.throws(() => readInferRequest({ inputs: [{ name: 'a', datatype: 'FP64', shape: [1], data: [1] }, { name: 'b', datatype: 'FP64', shape: [1], data: [1] }], outputs: [{ name: 'predict' }] }, diabetes, 10), /outputs\[0\]\.name: expected one of value/);
  });
});
