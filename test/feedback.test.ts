import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { syntheticRows } from '../src/data/synthetic.js';
import { evaluateBinary } from '../src/model/evaluation.js';
import { SEED_BODY, sampleValue, testApp, type TestApp } from './helpers/fixtures.js';

const predict = async (t: TestApp, id: string, body: object = SEED_BODY) => {
  const res = await t.app.inject({ method: 'POST', url: '/predict', payload: body, headers: { 'x-request-id': id } });
  assert.equal(res.statusCode, 200);
  return res.json() as { prediction: 0 | 1; confidence: number; probability: number };
};
const feedback = (t: TestApp, payload: unknown) => t.app.inject({ method: 'POST', url: '/feedback', payload: payload as object });

describe('POST /feedback', () => {
  test('joins a label with its prediction: answer, confusion counter, delay histogram, audit line', async () => {
    let now = 1_700_000_000_000;
    const t = await testApp({}, { now: () => now });
    const { prediction } = await predict(t, 'req-1');
    now += 42_000;
    const actual = prediction === 1 ? 0 : 1;
    const res = await feedback(t, { request_id: 'req-1', actual: actual === 1 ? 'yes' : 'no' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { request_id: 'req-1', status: 'joined', actual, predicted: prediction, model_version: 'v1', delay_seconds: 42 });
    const text = await t.metrics.registry.metrics();
    assert.equal(sampleValue(text, 'ml_feedback_total', { predicted_class: String(prediction), actual_class: String(actual) }), 1);
    assert.equal(sampleValue(text, 'ml_feedback_total', { predicted_class: String(prediction), actual_class: String(prediction) }), 0);
    assert.equal(sampleValue(text, 'ml_ground_truth_delay_seconds_count'), 1);
    assert.equal(sampleValue(text, 'ml_ground_truth_delay_seconds_bucket', { le: '10' }), 0);
    assert.equal(sampleValue(text, 'ml_ground_truth_delay_seconds_bucket', { le: '60' }), 1);
    assert.equal(sampleValue(text, 'ml_feedback_label_coverage_ratio'), 1);
    await t.log.drain();
    const line = t.captured.lines.find((l) => l.message === 'feedback joined');
    assert.ok(line, 'a feedback audit line');
    assert.equal(line['event.dataset'], 'ml-pipeline.audit');
    assert.equal(line.request_id, 'req-1');
    assert.equal(line.prediction, prediction);
    assert.equal(line.actual, actual);
    assert.equal(line.delay_seconds, 42);
    assert.equal(line.correct, false);
    await t.app.close();
  });

  test('a second identical label is idempotent and counted once; a different one is refused with 409', async () => {
    const t = await testApp();
    const { prediction } = await predict(t, 'req-2');
    assert.equal((await feedback(t, { request_id: 'req-2', actual: prediction })).json().status, 'joined');
    const again = await feedback(t, { request_id: 'req-2', actual: prediction });
    assert.equal(again.statusCode, 200);
    assert.equal(again.json().status, 'duplicate');
    const conflict = await feedback(t, { request_id: 'req-2', actual: 1 - prediction });
    assert.equal(conflict.statusCode, 409);
    assert.equal(conflict.json().code, 'MW_FEEDBACK_CONFLICT');
    assert.match(conflict.json().message, /req-2 already has the label/);
    const text = await t.metrics.registry.metrics();
    assert.equal(sampleValue(text, 'ml_feedback_total', { predicted_class: String(prediction), actual_class: String(prediction) }), 1);
    assert.equal(sampleValue(text, 'ml_feedback_unmatched_total', { reason: 'duplicate' }), 1);
    assert.equal(sampleValue(text, 'ml_feedback_unmatched_total', { reason: 'conflict' }), 1);
    await t.app.close();
  });

  test('unknown and expired ids get 404 with a body that says which and why', async () => {
    let now = 1_700_000_000_000;
    const t = await testApp({ PREDICTION_STORE_TTL_SECONDS: '60' }, { now: () => now });
    const unknown = await feedback(t, { request_id: 'never-made', actual: 1 });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().code, 'MW_FEEDBACK_UNKNOWN_ID');
    assert.match(unknown.json().message, /never-made/);
    await predict(t, 'old-1');
    now += 61_000;
    const expired = await feedback(t, { request_id: 'old-1', actual: 0 });
    assert.equal(expired.statusCode, 404);
    assert.equal(expired.json().code, 'MW_FEEDBACK_EXPIRED');
    assert.match(expired.json().message, /61 s old.*PREDICTION_STORE_TTL_SECONDS \(60 s\)/);
    const text = await t.metrics.registry.metrics();
    assert.equal(sampleValue(text, 'ml_feedback_unmatched_total', { reason: 'unknown_id' }), 1);
    assert.equal(sampleValue(text, 'ml_feedback_unmatched_total', { reason: 'expired' }), 1);
    await t.log.drain();
    assert.ok(t.captured.lines.some((l) => l.message === 'feedback for an expired prediction; not joined' && l.request_id === 'old-1'));
    await t.app.close();
  });

  test('malformed feedback gets a coded 4xx naming each problem, counted like /predict rejections', async () => {
    const t = await testApp();
    const cases: [unknown, number, string, string[]][] = [
      [{ actual: 1 }, 400, 'MW_INVALID_INPUT', ['request_id']],
      [{ request_id: 'x', actual: 2 }, 400, 'MW_INVALID_INPUT', ['actual']],
      [{ request_id: '', actual: 'maybe' }, 400, 'MW_INVALID_INPUT', ['request_id', 'actual']],
      [[1, 2], 400, 'MW_INVALID_INPUT', ['(body)']],
    ];
    for (const [payload, status, code, fields] of cases) {
      const res = await feedback(t, payload);
      assert.equal(res.statusCode, status, JSON.stringify(payload));
      assert.equal(res.json().code, code);
      assert.deepEqual(res.json().problems.map((p: { field: string }) => p.field), fields);
    }
    const badJson = await t.app.inject({ method: 'POST', url: '/feedback', payload: '{"request_id":', headers: { 'content-type': 'application/json' } });
    assert.equal(badJson.statusCode, 400);
    assert.equal(badJson.json().code, 'MW_INVALID_JSON');
    const empty = await t.app.inject({ method: 'POST', url: '/feedback', headers: { 'content-type': 'application/json' } });
    assert.equal(empty.statusCode, 400);
    const text = await t.metrics.registry.metrics();
    assert.equal(sampleValue(text, 'ml_input_validation_failures_total', { reason: 'missing_field', endpoint: '/feedback' }), 1);
    assert.equal(sampleValue(text, 'ml_input_validation_failures_total', { reason: 'wrong_type', endpoint: '/feedback' }), 3);
    assert.equal(sampleValue(text, 'ml_input_validation_failures_total', { reason: 'invalid_json', endpoint: '/feedback' }), 1);
    await t.app.close();
  });

  test('deeply nested or long values get the same coded answer, echoed bounded', async () => {
    const t = await testApp();
    const deep = `${'['.repeat(20_000)}1${']'.repeat(20_000)}`;
    const post = (url: string, payload: string) => t.app.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json' } });
    for (const [url, payload, field, got] of [
      ['/feedback', `{"request_id":"x","actual":${deep}}`, 'actual', 'array'],
      ['/feedback', `{"request_id":{"a":${deep}},"actual":1}`, 'request_id', 'object'],
      ['/feedback', `{"request_id":"x","actual":"${'Z'.repeat(5000)}"}`, 'actual', `${'Z'.repeat(100)}…(100 of 5000 characters)`],
      ['/feedback/batch', `{"feedback":[{"request_id":"x","actual":${deep}}]}`, 'feedback[0].actual', 'array'],
    ] as const) {
      const res = await post(url, payload);
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().code, 'MW_INVALID_INPUT');
      assert.equal(res.json().request_id, res.headers['x-request-id']);
      assert.deepEqual(res.json().problems.map((p: { field: string; got: unknown }) => [p.field, p.got]), [[field, got]]);
      assert.ok(res.body.length < 1000, `${res.body.length} bytes`);
    }
    await t.app.close();
  });

  test('POST /feedback/batch joins each item and reports each outcome; bad batches are refused whole', async () => {
    const t = await testApp({ FEEDBACK_BATCH_MAX_ITEMS: '3' });
    const batch = await t.app.inject({ method: 'POST', url: '/predict/batch', payload: { rows: [SEED_BODY, { ...SEED_BODY, age: 61 }] }, headers: { 'x-request-id': 'b-1' } });
    const [first, second] = batch.json().predictions as { prediction: 0 | 1 }[];
    const res = await t.app.inject({
      method: 'POST',
      url: '/feedback/batch',
      payload: { feedback: [{ request_id: 'b-1:0', actual: first.prediction }, { request_id: 'b-1:1', actual: second.prediction }, { request_id: 'nope', actual: 0 }] },
    });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.deepEqual({ joined: body.joined, unknown_id: body.unknown_id, duplicate: body.duplicate }, { joined: 2, unknown_id: 1, duplicate: 0 });
    assert.deepEqual(body.results.map((r: { status: string }) => r.status), ['joined', 'joined', 'unknown_id']);
    const tooMany = await t.app.inject({ method: 'POST', url: '/feedback/batch', payload: { feedback: Array.from({ length: 4 }, () => ({ request_id: 'a', actual: 0 })) } });
    assert.equal(tooMany.statusCode, 413);
    assert.equal(tooMany.json().code, 'MW_FEEDBACK_BATCH_TOO_LARGE');
    const wrongShape = await t.app.inject({ method: 'POST', url: '/feedback/batch', payload: { labels: [] } });
    assert.equal(wrongShape.json().code, 'MW_INVALID_FEEDBACK');
    const badItem = await t.app.inject({ method: 'POST', url: '/feedback/batch', payload: { feedback: [{ request_id: 'b-1:0', actual: 0 }, { request_id: 'b-1:1' }] } });
    assert.equal(badItem.statusCode, 400);
    assert.deepEqual(badItem.json().problems.map((p: { field: string }) => p.field), ['feedback[1].actual']);
    assert.equal(sampleValue(await t.metrics.registry.metrics(), 'ml_feedback_unmatched_total', { reason: 'duplicate' }), 0, 'a refused batch joined nothing');
    await t.app.close();
  });

  test('live accuracy, precision, recall and F1 equal the offline computation over the last QUALITY_WINDOW_SIZE labels', async () => {
    const t = await testApp({ QUALITY_WINDOW_SIZE: '150', QUALITY_MIN_LABELS: '20' });
    const rows = [...syntheticRows({ rows: 400, seed: 11 })];
    const predicted: number[] = [];
    for (let start = 0; start < rows.length; start += 100) {
      const chunk = rows.slice(start, start + 100);
      const res = await t.app.inject({ method: 'POST', url: '/predict/batch', payload: { rows: chunk.map((r) => r.features) }, headers: { 'x-request-id': `q${start}` } });
      for (const p of res.json().predictions) predicted.push(p.prediction);
      const labels = await t.app.inject({ method: 'POST', url: '/feedback/batch', payload: { feedback: chunk.map((r, i) => ({ request_id: `q${start}:${i}`, actual: r.y })) } });
      assert.equal(labels.json().joined, chunk.length);
    }
    t.monitor!.tick();
    const last = rows.length - 150;
    const offline = evaluateBinary(Uint8Array.from(rows.slice(last), (r) => r.y), Float64Array.from(predicted.slice(last)), 0.5);
    const text = await t.metrics.registry.metrics();
    const live = (name: string) => sampleValue(text, name, { model_version: 'v1', source: 'live' });
    assert.ok(Math.abs(live('ml_model_accuracy')! - offline.accuracy) < 1e-12, `${live('ml_model_accuracy')} vs ${offline.accuracy}`);
    assert.ok(Math.abs(live('ml_model_precision')! - offline.precision) < 1e-12);
    assert.ok(Math.abs(live('ml_model_recall')! - offline.recall) < 1e-12);
    assert.ok(Math.abs(live('ml_model_f1_score')! - offline.f1) < 1e-12);
    assert.ok(sampleValue(text, 'ml_model_accuracy', { model_version: 'v1', source: 'holdout' })! > 0, 'holdout stays beside live');
    const status = (await t.app.inject({ method: 'GET', url: '/status' })).json();
    assert.equal(status.quality.live.accuracy, offline.accuracy);
    assert.equal(status.quality.live_labels, 150);
    assert.equal(typeof status.quality.holdout.accuracy, 'number');
    await t.app.close();
  });

  test('with MODEL_MONITORING=false feedback answers 503 and says why', async () => {
    const t = await testApp({ MODEL_MONITORING: 'false' });
    const res = await feedback(t, { request_id: 'x', actual: 1 });
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().code, 'MW_MONITORING_DISABLED');
    assert.equal((await t.app.inject({ method: 'GET', url: '/status' })).json().monitoring, 'off');
    await t.app.close();
  });
});
