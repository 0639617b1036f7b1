import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SEED_BODY, sampleValue, testApp } from './helpers/fixtures.js';

/** Every metric name 000_a6e68bdc8b3a3add.txt lists, plus 001's per-version families. */
const SEED_METRICS = [
  'ml_model_accuracy', 'ml_model_precision', 'ml_model_recall', 'ml_model_f1_score',
  'ml_predictions_total', 'ml_predictions_by_class_total', 'ml_prediction_confidence', 'ml_prediction_error_rate',
  'http_request_duration_seconds', 'ml_feature_processing_seconds', 'ml_model_load_seconds', 'ml_app_memory_bytes',
  'ml_input_validation_failures_total', 'ml_active_users', 'model_requests_total', 'model_latency_seconds',
];

describe('/metrics', () => {
  test("shows every one of the seed's metric names, and the default process metrics", async () => {
    const t = await testApp();
    await t.app.inject({ method: 'POST', url: '/predict', payload: SEED_BODY });
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    for (const name of SEED_METRICS) assert.match(res.body, new RegExp(`^# TYPE ${name} `, 'm'), name);
    assert.match(res.body, /^process_cpu_seconds_total /m);
    assert.match(res.body, /^nodejs_eventloop_lag_seconds /m);
    await t.app.close();
  });

  test('counts predictions by class, confidence, latency by route and status, and per model version', async () => {
    const t = await testApp();
    const classes = [0, 0];
    for (let i = 0; i < 5; i++) {
      const res = await t.app.inject({ method: 'POST', url: '/predict', payload: { ...SEED_BODY, duration: 100 + i * 400 } });
      classes[res.json().prediction]++;
    }
    await t.app.inject({ method: 'POST', url: '/predict', payload: { ...SEED_BODY, age: 5 } });
    const text = await t.metrics.registry.metrics();
    assert.equal(sampleValue(text, 'ml_predictions_total'), 5);
    assert.equal(sampleValue(text, 'ml_predictions_by_class_total', { prediction_class: '0' }), classes[0]);
    assert.equal(sampleValue(text, 'ml_predictions_by_class_total', { prediction_class: '1' }), classes[1]);
    assert.equal(sampleValue(text, 'ml_prediction_confidence_count'), 5);
    assert.equal(sampleValue(text, 'ml_prediction_confidence_bucket', { le: '0.5' }), 0, 'confidence is at least 0.5');
    assert.equal(sampleValue(text, 'http_request_duration_seconds_count', { method: 'POST', route: '/predict', status_code: '200' }), 5);
    assert.equal(sampleValue(text, 'http_request_duration_seconds_count', { method: 'POST', route: '/predict', status_code: '400' }), 1);
    assert.equal(sampleValue(text, 'model_requests_total', { model_version: 'v1', status: 'success' }), 5);
    assert.equal(sampleValue(text, 'model_requests_total', { model_version: 'v1', status: 'error' }), 1);
    assert.equal(sampleValue(text, 'model_latency_seconds_count', { model_version: 'v1' }), 6);
    assert.equal(sampleValue(text, 'ml_feature_processing_seconds_count'), 5);
    assert.ok(sampleValue(text, 'ml_app_memory_bytes')! > 10e6);
    assert.ok(sampleValue(text, 'ml_model_load_seconds', { model_version: 'v1' })! > 0);
    assert.equal(sampleValue(text, 'ml_model_info', { model_version: 'v1', model_type: 'gbdt' }), 1);
    const accuracy = sampleValue(text, 'ml_model_accuracy', { model_version: 'v1', source: 'holdout' })!;
    assert.ok(accuracy > 0.8 && accuracy <= 1, `holdout accuracy ${accuracy}`);
    await t.app.close();
  });

  test('ml_prediction_error_rate is the share of predict requests without a prediction in the last 5 minutes', async () => {
    let now = 1_000_000_000;
    const t = await testApp({}, { now: () => now });
    for (let i = 0; i < 3; i++) await t.app.inject({ method: 'POST', url: '/predict', payload: SEED_BODY });
    await t.app.inject({ method: 'POST', url: '/predict', payload: { ...SEED_BODY, job: 'pilot' } });
    assert.equal(sampleValue(await t.metrics.registry.metrics(), 'ml_prediction_error_rate'), 0.25);
    now += 301_000;
    assert.equal(sampleValue(await t.metrics.registry.metrics(), 'ml_prediction_error_rate'), 0, 'old requests leave the window');
    await t.app.close();
  });

  test('ml_active_users counts distinct X-User-Id (else address) over the window, never as a label', async () => {
    let now = 2_000_000_000;
    const t = await testApp({ ACTIVE_USERS_WINDOW_SECONDS: '300' }, { now: () => now });
    for (const user of ['alice', 'bob', 'alice', 'carol']) {
      await t.app.inject({ method: 'POST', url: '/predict', payload: SEED_BODY, headers: { 'x-user-id': user } });
    }
    await t.app.inject({ method: 'POST', url: '/predict', payload: SEED_BODY, remoteAddress: '10.1.2.3' });
    let text = await t.metrics.registry.metrics();
    assert.equal(sampleValue(text, 'ml_active_users'), 4);
    assert.doesNotMatch(text, /alice/);
    now += 200_000;
    await t.app.inject({ method: 'POST', url: '/predict', payload: SEED_BODY, headers: { 'x-user-id': 'bob' } });
    now += 150_000;
    text = await t.metrics.registry.metrics();
    assert.equal(sampleValue(text, 'ml_active_users'), 1, 'only bob was seen in the last 5 minutes');
    await t.app.close();
  });

  test('answers OpenMetrics when asked, with counters renamed only in metadata and a closing # EOF', async () => {
    const t = await testApp();
    await t.app.inject({ method: 'POST', url: '/predict', payload: SEED_BODY });
    const om = await t.app.inject({ method: 'GET', url: '/metrics', headers: { accept: 'application/openmetrics-text;version=1.0.0,text/plain;q=0.5' } });
    assert.match(String(om.headers['content-type']), /^application\/openmetrics-text/);
    assert.match(om.body, /^# TYPE ml_predictions counter$/m);
    assert.match(om.body, /^ml_predictions_total 1$/m);
    assert.ok(om.body.endsWith('# EOF\n'));
    assert.doesNotMatch(om.body, /\n\n/);
    const text = await t.app.inject({ method: 'GET', url: '/metrics' });
    assert.match(text.body, /^# TYPE ml_predictions_total counter$/m, 'Prometheus format unchanged after an OpenMetrics scrape');
    await t.app.close();
  });

  test('with METRICS_ENABLED=false nothing is recorded on the request path', async () => {
    const t = await testApp({ METRICS_ENABLED: 'false' });
    await t.app.inject({ method: 'POST', url: '/predict', payload: SEED_BODY });
    const text = await t.metrics.registry.metrics();
    assert.equal(sampleValue(text, 'ml_predictions_total'), 0);
    await t.app.close();
  });
});
