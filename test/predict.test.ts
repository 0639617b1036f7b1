import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SEED_BODY, testApp, type TestApp } from './helpers/fixtures.js';

describe('POST /predict', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
  });
  after(() => t.app.close());

  test("answers the seed's curl body with a prediction, label, confidence, probability and model version", async () => {
    const res = await t.app.inject({ method: 'POST', url: '/predict', payload: SEED_BODY });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.deepEqual(Object.keys(body).sort(), ['confidence', 'label', 'model_version', 'prediction', 'probability', 'request_id']);
    assert.ok(body.prediction === 0 || body.prediction === 1);
    assert.equal(body.label, body.prediction === 1 ? 'yes' : 'no');
    assert.ok(body.probability >= 0 && body.probability <= 1);
    assert.equal(body.confidence, body.prediction === 1 ? body.probability : 1 - body.probability);
    assert.ok(body.confidence >= 0.5);
    assert.equal(body.model_version, 'v1');
    assert.equal(res.headers['x-request-id'], body.request_id);
  });

  test('the optional columns change the answer and default to documented values', async () => {
    const base = (await t.app.inject({ method: 'POST', url: '/predict', payload: SEED_BODY })).json();
    const same = (await t.app.inject({ method: 'POST', url: '/predict', payload: { ...SEED_BODY, job: 'admin.', pdays: -1, previous: 0, poutcome: 'unknown', default: 'no' } })).json();
    assert.equal(same.probability, base.probability, 'alias "admin" and explicit defaults give the same row');
    const longCall = (await t.app.inject({ method: 'POST', url: '/predict', payload: { ...SEED_BODY, duration: 1500, poutcome: 'success', contact: 'cellular' } })).json();
    assert.ok(longCall.probability > base.probability, 'a long call after a successful campaign is likelier to subscribe');
  });

  test('honours a well-formed X-Request-Id and replaces a malformed one', async () => {
    const honoured = await t.app.inject({ method: 'POST', url: '/predict', payload: SEED_BODY, headers: { 'x-request-id': 'client-42' } });
    assert.equal(honoured.json().request_id, 'client-42');
    assert.equal(honoured.headers['x-request-id'], 'client-42');
    const replaced = await t.app.inject({ method: 'POST', url: '/predict', payload: SEED_BODY, headers: { 'x-request-id': 'bad id with spaces' } });
    assert.match(replaced.json().request_id, /^[0-9a-f-]{36}$/);
  });

  test('POST /predict/batch predicts every row with its own id, identical to single predictions', async () => {
    const rows = [SEED_BODY, { ...SEED_BODY, age: 60, duration: 900 }];
    const res = await t.app.inject({ method: 'POST', url: '/predict/batch', payload: { rows }, headers: { 'x-request-id': 'batch-1' } });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.predictions.length, 2);
    assert.deepEqual(body.predictions.map((p: { request_id: string }) => p.request_id), ['batch-1:0', 'batch-1:1']);
    const single = (await t.app.inject({ method: 'POST', url: '/predict', payload: rows[1] })).json();
    assert.equal(body.predictions[1].probability, single.probability);
  });

  test('answers 503 MW_MODEL_NOT_READY before a model is loaded, and /ready says so', async () => {
    const empty = await testApp({}, { noModel: true });
    const res = await empty.app.inject({ method: 'POST', url: '/predict', payload: SEED_BODY });
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().code, 'MW_MODEL_NOT_READY');
    assert.equal((await empty.app.inject({ method: 'GET', url: '/ready' })).statusCode, 503);
    await empty.app.close();
  });
});

describe('health and status', () => {
  test('/health, /ready and /status describe the serving model', async () => {
    const t = await testApp();
    assert.deepEqual((await t.app.inject({ method: 'GET', url: '/health' })).json(), { status: 'ok', service: 'ml-pipeline' });
    const ready = await t.app.inject({ method: 'GET', url: '/ready' });
    assert.equal(ready.statusCode, 200);
    assert.equal(ready.json().model_version, 'v1');
    await t.app.inject({ method: 'POST', url: '/predict', payload: SEED_BODY });
    await t.app.inject({ method: 'POST', url: '/predict', payload: { age: 'x' } });
    const status = (await t.app.inject({ method: 'GET', url: '/status' })).json();
    assert.equal(status.model.version, 'v1');
    assert.equal(status.model.type, 'gbdt');
    // The schema travels with the model: clients read what the serving version accepts.
    assert.equal(status.model.schema.task, 'binary');
    assert.deepEqual(status.model.schema.classes, ['no', 'yes']);
    assert.equal(status.model.schema.target, 'y');
    assert.deepEqual(status.model.schema.features.find((f: { name: string }) => f.name === 'age'), { name: 'age', kind: 'numeric', integer: true, min: 18, max: 100, required: true, default: 39 });
    for (const k of ['accuracy', 'precision', 'recall', 'f1', 'auc']) assert.ok(status.model.holdout[k] > 0 && status.model.holdout[k] <= 1, k);
    assert.equal(status.requests.predictions, 1);
    assert.equal(status.requests.rejected, 1);
    assert.ok(status.memory.rss_bytes > 0);
    assert.ok(status.uptime_seconds >= 0);
    await t.app.close();
  });
});
