/**
 * The console's parts without a browser: the typed-array series and their PromQL-like reads, the
 * log window and its filters, the catalogue's alerts evaluated in-process, and the /api/ and
 * /console endpoints through app.inject().
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { buildConsole } from '../scripts/build-console.js';
import type { AlertsResponse, DriftResponse, LogsResponse, SeriesResponse } from '../src/console/api-types.js';
import { psiText } from '../src/console/drift-level.js';
import { syntheticRows } from '../src/data/synthetic.js';
import { durationSeconds, InProcessAlerts } from '../src/monitoring/alerts/in-process-alerts.js';
import { createLogger } from '../src/monitoring/audit/logger.js';
import { RecentLines } from '../src/monitoring/audit/recent-lines.js';
import { createServiceMetrics } from '../src/monitoring/metrics/index.js';
import { seriesColumns } from '../src/monitoring/series/columns.js';
import { RETENTION_SECONDS, SeriesSampler } from '../src/monitoring/series/sampler.js';
import { SeriesRing } from '../src/monitoring/series/series-ring.js';
import { histogramQuantile, SeriesQuery } from '../src/monitoring/series/view.js';
import { ALERTS, type AlertRule } from '../src/stack/catalogue/alerts.js';
import { generatePrometheus } from '../src/stack/prometheus/generate.js';
import { CapturedLines, SEED_BODY, testApp } from './helpers/fixtures.js';

/**
 * Alerts only Prometheus can evaluate: a process cannot see itself down; pipeline metrics are pushed;
 * the slow burn rate looks back 6 hours, the console's series one.
 */
// The gateway's alerts watch another process (`modelwatch gateway`): the service's console cannot see them.
const FLEET_ONLY = ['ModelwatchDown', 'ErrorBudgetBurnSlow', 'PipelineRunFailed', 'PipelineNoRecentSuccess', 'ModelPromotionRejected', 'GatewayHighErrorRate', 'MLInferenceLatencyHigh', 'MLServiceDown', 'GatewayUnmappedAnswers'];

describe('in-process time series', () => {
  test('a ring keeps the newest samples in fixed memory and finds times by binary search', () => {
    const ring = new SeriesRing(['a', 'b'], 4);
    for (let i = 0; i < 6; i++) ring.push(1000 * i, [i, 10 * i]);
    assert.equal(ring.size, 4);
    assert.deepEqual([0, 1, 2, 3].map((p) => ring.time(p)), [2000, 3000, 4000, 5000]);
    assert.equal(ring.value(ring.column('b'), 3), 50);
    assert.equal(ring.firstAtOrAfter(2500), 1);
    assert.equal(ring.firstAtOrAfter(9000), 4);
    assert.throws(() => ring.column('c'), /no series column c/);
  });

  test('one hour at the monitor interval fits, bounded: 5 s → 722 samples of every column', () => {
    const sampler = new SeriesSampler({ registry: createServiceMetrics().registry, intervalSeconds: 5 });
    assert.ok(sampler.ring.capacity * 5 >= RETENTION_SECONDS);
    assert.equal(sampler.ring.capacity, 722);
    const bytes = (seriesColumns().length + 1) * sampler.ring.capacity * 8;
    // 80 columns (the server-error and resource-limit columns of the alerts included, and a
    // regression model's error sums and value drift): 468 kB.
    assert.ok(bytes < 500_000, `${bytes} bytes`);
  });

  test('increase and rate count a counter reset as Prometheus does; windows without two samples have no value', () => {
    const ring = new SeriesRing(['c'], 100);
    const values = [0, 10, 20, 5, 15, 25];
    values.forEach((v, i) => ring.push(i * 10_000, [v]));
    const query = new SeriesQuery(ring, [{ name: 'c', family: 'c', sample: 'c', labels: {} }]);
    // 0→10→20, reset to 5 (counts 5), →15→25: 20 + 5 + 20 = 45 over 50 s.
    assert.equal(query.view().increase('c', 60), 45);
    assert.equal(query.view().rate('c', 60), 45 / 50);
    // The last 10 s: one delta (15 → 25).
    assert.equal(query.view().increase('c', 10), 10);
    assert.ok(Number.isNaN(query.view().increase('c', 5)));
    const series = query.increases('c', 0, 5, 20_000).increase;
    assert.ok(Number.isNaN(series[0]));
    assert.deepEqual([...series.slice(1)], [10, 20, 15, 15, 20]);
  });

  test('histogram_quantile interpolates within the bucket and stops at the highest finite bound', () => {
    const bounds = [0.1, 0.5, 1, Number.POSITIVE_INFINITY];
    assert.equal(histogramQuantile(bounds, [50, 90, 100, 100], 0.5), 0.1);
    assert.ok(Math.abs(histogramQuantile(bounds, [50, 90, 100, 100], 0.95) - 0.75) < 1e-12);
    assert.equal(histogramQuantile(bounds, [0, 0, 0, 10], 0.95), 1);
    assert.ok(Number.isNaN(histogramQuantile(bounds, [0, 0, 0, 0], 0.5)));
  });

  test('the sampler reads what a scrape would: counts, the p95 of real requests, accuracy and PSI per feature', async () => {
    let now = 1_000_000;
    const t = await testApp({ DRIFT_WINDOW_SIZE: '200', DRIFT_MIN_SAMPLES: '100' }, { now: () => now });
    const sampler = new SeriesSampler({ registry: t.metrics.registry, intervalSeconds: 5, now: () => now });
    await sampler.sample();
    const rows = [...syntheticRows({ rows: 200, seed: 4, drift: 1 })];
    for (const start of [0, 100]) await t.app.inject({ method: 'POST', url: '/predict/batch', payload: { rows: rows.slice(start, start + 100).map((r) => r.features) } });
    for (let i = 0; i < 9; i++) await t.app.inject({ method: 'POST', url: '/predict', payload: SEED_BODY });
    await t.app.inject({ method: 'POST', url: '/predict', payload: { age: 5 } });
    now += 5000;
    t.monitor!.tick();
    await sampler.sample();
    const view = sampler.query.view();
    assert.equal(view.latest('ml_predictions_total'), 209);
    assert.equal(view.increase('ml_predictions_total', 60), 209);
    assert.equal(view.increase('model_requests_total{status="error"}', 60), 1);
    const p95 = view.quantile('http_request_duration_seconds', 0.95, 300);
    assert.ok(p95 > 0 && p95 < 0.25, `p95 ${p95}`);
    assert.ok(view.latest('ml_model_accuracy{source="holdout"}') > 0.5);
    assert.ok(Number.isNaN(view.latest('ml_model_accuracy{source="live"}')), 'no labels yet: absent, not 0');
    const psi = view.each('ml_feature_drift_psi');
    assert.equal(psi.length, 16);
    assert.ok(psi.some((p) => p.value > 0.2), 'drifted rows move some feature above 0.2');
    // A sample is a few milliseconds; the bound leaves room for a machine busy with other test files.
    assert.ok(sampler.lastSampleSeconds > 0 && sampler.lastSampleSeconds < 0.25, `a sample took ${sampler.lastSampleSeconds} s`);
    await t.app.close();
  });
});

describe('the log window', () => {
  const line = (fields: Record<string, unknown>) => `${JSON.stringify({ '@timestamp': '2026-11-22T00:00:00.000Z', ...fields })}\n`;

  test('keeps the newest written batches, and reads their lines newest first, filtered by level, request id, prediction, confidence and endpoint', () => {
    const recent = new RecentLines(5);
    const keep = (...fields: Record<string, unknown>[]) => recent.keep(Buffer.from(fields.map(line).join('')), fields.length);
    keep({ level: 'INFO', request_id: 'old', message: 'dropped' });
    keep({ level: 'INFO', request_id: 'a', endpoint: '/predict', prediction: 1, confidence: 0.55, message: 'prediction' }, { level: 'INFO', request_id: 'b', endpoint: '/predict', prediction: 0, confidence: 0.95, message: 'prediction' });
    keep({ level: 'WARNING', request_id: 'c', endpoint: '/predict', message: 'request rejected' });
    keep({ level: 'INFO', request_id: 'a', endpoint: '/feedback', prediction: 1, confidence: 0.55, message: 'feedback joined' }, { level: 'ERROR', message: 'alert X firing' });
    assert.equal(recent.size, 5, 'the oldest batch is dropped once the newer ones hold the capacity');
    const messages = (filter: Parameters<RecentLines['query']>[0], limit = 10) => recent.query(filter, limit).lines.map((l) => l.message);
    assert.deepEqual(messages({}), ['alert X firing', 'feedback joined', 'request rejected', 'prediction', 'prediction']);
    assert.deepEqual(messages({ level: 'warning' }), ['request rejected']);
    assert.deepEqual(messages({ requestId: 'a' }), ['feedback joined', 'prediction']);
    assert.deepEqual(messages({ requestId: 'old' }), []);
    assert.deepEqual(messages({ prediction: 0 }), ['prediction']);
    assert.deepEqual(messages({ confidenceBelow: 0.6 }), ['feedback joined', 'prediction']);
    assert.deepEqual(messages({ endpoint: '/feedback' }), ['feedback joined']);
    assert.deepEqual(messages({ requestId: 'a', endpoint: '/predict' }), ['prediction']);
    assert.deepEqual(recent.query({}, 2), { held: 5, matched: 5, lines: recent.query({}, 5).lines.slice(0, 2) });
    assert.deepEqual(recent.query({ level: 'INFO' }, 1), { held: 5, matched: 3, lines: recent.query({ level: 'INFO' }, 3).lines.slice(0, 1) });
    // The lines not written yet are the newest; a line that is not JSON is skipped.
    recent.readPendingFrom(() => `${line({ level: 'INFO', request_id: 'd', message: 'pending' })}not json\n`);
    assert.deepEqual(messages({}, 3), ['pending', 'alert X firing', 'feedback joined']);
    assert.equal(recent.query({}, 3).held, 5);
  });

  test('the bytes are a ring: a batch that would overwrite older ones drops them, wrapping at the end', () => {
    const recent = new RecentLines(100, 200);
    const batch = (i: number) => line({ level: 'INFO', request_id: `r-${String(i).padStart(3, '0')}` });
    const size = Buffer.byteLength(batch(0));
    for (let i = 0; i < 50; i++) recent.keep(Buffer.from(batch(i)), 1);
    const ids = recent.query({}, 100).lines.map((l) => l.request_id);
    const fits = Math.floor(200 / size);
    assert.ok(ids.length >= fits - 1 && ids.length <= fits, `${ids.length} lines of ${size} bytes in 200`);
    assert.deepEqual(ids, Array.from({ length: ids.length }, (_, k) => `r-${String(49 - k).padStart(3, '0')}`), 'the newest, newest first, intact');
    assert.deepEqual(recent.query({ requestId: 'r-049' }, 10).lines.map((l) => l.request_id), ['r-049']);
    recent.keep(Buffer.alloc(300, 'x'), 1);
    assert.equal(recent.query({}, 100).lines.length, ids.length, 'a batch larger than the ring is not kept');
  });

  test('the logger keeps the lines it writes — pino lines and prediction lines — exactly as written, in batches', async () => {
    const captured = new CapturedLines();
    const log = createLogger({ serviceName: 'ml-pipeline', level: 'info', stdout: false, stream: captured, recentLines: 3 });
    log.service.info('one');
    log.prediction({ request_id: 'r1', endpoint: '/predict', prediction: 1, confidence: 0.8, probability: 0.8, duration: 1.2, model_type: 'gbdt', model_version: 'v1', input_hash: '0123456789abcdef' });
    log.audit.warn({ request_id: 'r2' }, 'request rejected');
    log.service.info('four');
    assert.deepEqual(log.recent!.query({}, 10).lines.map((l) => l.message), ['four', 'request rejected', 'prediction'], 'lines not yet written are read too, up to the capacity');
    await log.drain();
    assert.deepEqual(log.recent!.query({}, 10).lines, captured.lines.slice(1).reverse());
    assert.equal(createLogger({ serviceName: 'x', level: 'info', stdout: false }).recent, undefined);
  });
});

describe('the alert catalogue in-process', () => {
  test('every catalogue alert has an in-process evaluator, except those only Prometheus can evaluate', () => {
    assert.deepEqual(ALERTS.filter((a) => !a.console).map((a) => a.name), FLEET_ONLY);
  });

  test('the in-process evaluators never reach the generated Prometheus files', () => {
    for (const [name, text] of Object.entries(generatePrometheus())) assert.doesNotMatch(text, /console/, name);
  });

  test('every evaluator runs on real sampled series', async () => {
    const t = await testApp();
    const sampler = new SeriesSampler({ registry: t.metrics.registry, intervalSeconds: 5 });
    await t.app.inject({ method: 'POST', url: '/predict', payload: SEED_BODY });
    await sampler.sample();
    await sampler.sample();
    for (const rule of ALERTS) if (rule.console) assert.ok(Array.isArray(rule.console(sampler.query.view())), rule.name);
    await t.app.close();
  });

  test('in-process, server errors (a fire drill) make HighRequestErrorRatio hold; bad input (4xx) makes InputRejectionSpike hold, never the paging alert', async () => {
    let now = 1_000_000;
    const t = await testApp({ ADMIN_TOKEN: 'console-drill-token-42' });
    const sampler = new SeriesSampler({ registry: t.metrics.registry, intervalSeconds: 5, now: () => now });
    const rule = (name: string) => ALERTS.find((a) => a.name === name)!;
    const holds = (name: string) => rule(name).console!(sampler.query.view());
    const send = async (good: number, bad: number) => {
      for (let i = 0; i < good; i++) await t.app.inject({ method: 'POST', url: '/predict', payload: SEED_BODY });
      for (let i = 0; i < bad; i++) await t.app.inject({ method: 'POST', url: '/predict', payload: { ...SEED_BODY, age: 'old' } });
      now += 5000;
      await sampler.sample();
    };
    await send(1, 0);
    await send(80, 20);
    assert.deepEqual(holds('HighRequestErrorRatio'), [], 'a fifth of requests rejected as bad input does not page');
    assert.deepEqual(holds('InputRejectionSpike').map((f) => f.value), [20 / 100]);

    await t.app.inject({ method: 'POST', url: '/admin/drill', headers: { authorization: 'Bearer console-drill-token-42' }, payload: { error_share: 0.5, seconds: 60 } });
    await send(40, 0);
    const paging = holds('HighRequestErrorRatio');
    assert.equal(paging.length, 1);
    assert.ok(Math.abs(paging[0].value - 20 / 140) < 1e-12, `server-error share ${paging[0].value}`);
    assert.ok(holds('ErrorBudgetBurnFast').length === 1, 'the fast burn holds over the console\'s hour too');
    await t.app.close();
  });

  test('an instance is pending for the scaled `for`, then fires and writes an audit line; it resolves with another', () => {
    const ring = new SeriesRing(['x'], 10);
    const query = new SeriesQuery(ring, [{ name: 'x', family: 'x', sample: 'x', labels: {} }]);
    const rule: AlertRule = {
      ...ALERTS.find((a) => a.name === 'FeatureDriftCritical')!,
      console: (s) => (s.latest('x') > 0.2 ? [{ labels: { feature: 'age' }, value: s.latest('x') }] : []),
    };
    const lines = new CapturedLines();
    const alerts = new InProcessAlerts({ rules: [rule], forScale: 0.01, audit: pino({ base: null }, lines) });
    assert.equal(alerts.forSeconds(rule), durationSeconds('10m') * 0.01);
    const at = (ms: number, value: number) => {
      ring.push(ms, [value]);
      alerts.evaluate(query.view(), ms);
      return alerts.report().alerts[0];
    };
    assert.equal(at(0, 0.1).state, 'inactive');
    const pending = at(1000, 0.3);
    assert.equal(pending.state, 'pending');
    assert.equal(pending.instances[0].summary, 'Feature age has drifted (PSI > 0.2)');
    assert.equal(at(6000, 0.3).state, 'pending', '5 s of the 6 s');
    const firing = at(7000, 0.31);
    assert.equal(firing.state, 'firing');
    assert.equal(firing.instances[0].firing_since, new Date(7000).toISOString());
    assert.equal(firing.instances[0].active_since, new Date(1000).toISOString());
    assert.equal(at(8000, 0.35).state, 'firing');
    assert.equal(at(9000, 0.05).state, 'inactive');
    const written = lines.lines as { level: number; msg: string; alert: Record<string, unknown>; event: Record<string, unknown> }[];
    assert.equal(written.length, 2, 'one line to firing, one back');
    assert.equal(written[0].level, 50, 'a critical alert fires at ERROR');
    assert.equal(written[0].msg, 'alert FeatureDriftCritical firing: Feature age has drifted (PSI > 0.2)');
    assert.deepEqual(written[0].alert, { name: 'FeatureDriftCritical', severity: 'critical', state: 'firing', value: 0.31, labels: { feature: 'age' }, since: new Date(7000).toISOString(), for_seconds: 6, runbook: 'featuredrift', summary: 'Feature age has drifted (PSI > 0.2)' });
    assert.deepEqual(written[0].event, { action: 'alert', outcome: 'failure' });
    assert.equal(written[1].level, 30);
    assert.equal((written[1].alert as { state: string }).state, 'resolved');
  });

  test('alerts without an evaluator are reported as needing Prometheus', () => {
    const report = new InProcessAlerts({ forScale: 1 }).report();
    assert.equal(report.evaluated_at, null);
    assert.deepEqual(report.alerts.filter((a) => a.state === 'needs_prometheus').map((a) => a.name), FLEET_ONLY);
    assert.equal(report.alerts.length, ALERTS.length);
  });
});

describe('the console endpoints', () => {
  test('/api/series, /api/drift, /api/alerts and /api/logs answer from the sampled series and the log window', async () => {
    const t = await testApp({ DRIFT_WINDOW_SIZE: '200', DRIFT_MIN_SAMPLES: '100' });
    const rows = [...syntheticRows({ rows: 200, seed: 4, drift: 1 })];
    for (const start of [0, 100]) await t.app.inject({ method: 'POST', url: '/predict/batch', payload: { rows: rows.slice(start, start + 100).map((r) => r.features) }, headers: { 'x-request-id': `api-b${start}` } });
    await t.app.inject({ method: 'POST', url: '/feedback', payload: { request_id: 'api-b0:3', actual: 1 } });
    t.monitor!.tick();
    await new Promise((resolve) => setTimeout(resolve, 50));
    t.monitor!.tick();
    await new Promise((resolve) => setTimeout(resolve, 50));

    const series = (await t.app.inject({ url: '/api/series?range=5m' })).json<SeriesResponse>();
    assert.equal(series.range_seconds, 300);
    assert.ok(series.t.length >= 2, `${series.t.length} points`);
    for (const [name, points] of Object.entries(series.series)) assert.equal(points.length, series.t.length, name);
    assert.ok(series.series.accuracy_holdout.every((v) => v !== null && v > 0.5));
    assert.equal(series.totals.no_subscribe! + series.totals.subscribe!, 200);
    assert.equal(Object.keys(series.psi).length, 19, '16 features, then class, confidence and value');

    const drift = (await t.app.inject({ url: '/api/drift' })).json<DriftResponse>();
    assert.equal(drift.window_predictions, 200);
    assert.deepEqual(drift.thresholds, { warning: 0.1, critical: 0.2 });
    const age = drift.signals.find((s) => s.name === 'age')!;
    assert.ok(Math.abs(age.bins.reduce((sum, b) => sum + b.current, 0) - 1) < 1e-9);
    assert.ok(Math.abs(age.bins.reduce((sum, b) => sum + b.baseline, 0) - 1) < 1e-6);
    assert.ok(drift.signals.some((s) => s.level === 'critical'));

    const alerts = (await t.app.inject({ url: '/api/alerts' })).json<AlertsResponse>();
    assert.equal(alerts.for_scale, 1);
    assert.ok(alerts.evaluated_at);
    assert.equal(alerts.alerts.find((a) => a.name === 'FeatureDriftCritical')!.state, 'pending', 'PSI above 0.2, for 10 m not yet over');

    await t.log.drain();
    const logs = (await t.app.inject({ url: '/api/logs?request_id=api-b0:3' })).json<LogsResponse>();
    assert.deepEqual(logs.lines.map((l) => l.message), ['feedback joined', 'prediction']);
    assert.equal(logs.capacity, 2000);
    const low = (await t.app.inject({ url: '/api/logs?confidence_below=0.6&prediction=1&endpoint=/predict/batch&limit=5' })).json<LogsResponse>();
    assert.ok(low.lines.length > 0 && low.lines.length <= 5);
    for (const l of low.lines) assert.ok((l.confidence as number) < 0.6 && l.prediction === 1 && l.endpoint === '/predict/batch');
    await t.app.close();
  });

  test('/api/drift says "warming_up" below DRIFT_MIN_SAMPLES, and the drift panel prints "warming up" instead of a PSI', async () => {
    const t = await testApp({ DRIFT_WINDOW_SIZE: '200', DRIFT_MIN_SAMPLES: '100' });
    const rows = [...syntheticRows({ rows: 150, seed: 4 })];
    await t.app.inject({ method: 'POST', url: '/predict/batch', payload: { rows: rows.slice(0, 50).map((r) => r.features) } });
    t.monitor!.tick();
    const warming = (await t.app.inject({ url: '/api/drift' })).json<DriftResponse>();
    assert.equal(warming.signals.length, 18);
    for (const signal of warming.signals) {
      assert.deepEqual([signal.name, signal.psi, signal.level], [signal.name, null, 'warming_up']);
      assert.equal(psiText(signal), 'warming up');
    }
    await t.app.inject({ method: 'POST', url: '/predict/batch', payload: { rows: rows.slice(50).map((r) => r.features) } });
    t.monitor!.tick();
    const measured = (await t.app.inject({ url: '/api/drift' })).json<DriftResponse>();
    for (const signal of measured.signals) {
      assert.ok(signal.psi !== null && signal.level !== 'warming_up', signal.name);
      assert.equal(psiText(signal), signal.psi.toFixed(3));
    }
    await t.app.close();
  });

  test('with MODEL_MONITORING=false the series are sampled on a timer of the monitor interval, and drift is empty', async () => {
    const t = await testApp({ MODEL_MONITORING: 'false', MONITOR_INTERVAL_SECONDS: '1' });
    await t.app.inject({ method: 'POST', url: '/predict', payload: SEED_BODY });
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const series = (await t.app.inject({ url: '/api/series?range=1m' })).json<SeriesResponse>();
    assert.ok(series.t.length >= 2, `${series.t.length} samples`);
    assert.ok(series.series.memory_mb.every((v) => v !== null && v > 10));
    assert.ok(series.psi.age.every((v) => v === null), 'no drift without monitoring');
    assert.deepEqual((await t.app.inject({ url: '/api/drift' })).json<DriftResponse>().signals, []);
    await t.app.close();
  });

  test('a bad query parameter is a 400 MW_INVALID_QUERY naming it', async () => {
    const t = await testApp();
    for (const [url, name] of [
      ['/api/series?range=2h', 'range'],
      ['/api/series?range=abc', 'range'],
      ['/api/logs?level=LOUD', 'level'],
      ['/api/logs?prediction=2', 'prediction'],
      ['/api/logs?confidence_below=x', 'confidence_below'],
      ['/api/logs?limit=0', 'limit'],
      ['/api/logs?request_id=a&request_id=b', 'request_id'],
    ]) {
      const res = await t.app.inject({ url });
      assert.equal(res.statusCode, 400, url);
      assert.equal(res.json().code, 'MW_INVALID_QUERY', url);
      assert.match(res.json().message, new RegExp(`parameter ${name}=`), url);
    }
    await t.app.close();
  });

  test('/ redirects to /console, which serves the built page with its CSP, gzipped when asked, 304 when unchanged', async () => {
    await buildConsole();
    const t = await testApp();
    const root = await t.app.inject({ url: '/?range=1h' });
    assert.equal(root.statusCode, 302);
    assert.equal(root.headers.location, '/console?range=1h');
    const page = await t.app.inject({ url: '/console' });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(String(page.headers['content-security-policy']), /default-src 'none'; script-src 'self'.*connect-src 'self'/);
    assert.match(page.body, /<script src="\/console\/console.js" defer><\/script>/);
    const script = await t.app.inject({ url: '/console/console.js', headers: { 'accept-encoding': 'gzip, br' } });
    assert.equal(script.headers['content-encoding'], 'gzip');
    const js = gunzipSync(script.rawPayload).toString('utf8');
    assert.ok(js.length > 10_000 && js.includes('/api/series'), 'the bundle, unzipped');
    assert.equal((await t.app.inject({ url: '/console/console.css', headers: { 'if-none-match': String(script.headers.etag) } })).statusCode, 200);
    const css = await t.app.inject({ url: '/console/console.css' });
    assert.equal((await t.app.inject({ url: '/console/console.css', headers: { 'if-none-match': String(css.headers.etag) } })).statusCode, 304);
    assert.equal((await t.app.inject({ url: '/console/secrets.txt' })).statusCode, 404);
    assert.equal((await t.app.inject({ url: '/console/..%2Fpackage.json' })).statusCode, 404);
    await t.app.close();
  });

  test('an unbuilt page is a 503 MW_CONSOLE_UNAVAILABLE; CONSOLE_ENABLED=false removes the console', async () => {
    const { buildApp } = await import('../src/server/app.js');
    const t = await testApp();
    const unbuilt = await buildApp({ config: t.config, state: t.state, metrics: createServiceMetrics(), log: t.log, consoleDir: mkdtempSync(join(tmpdir(), 'modelwatch-no-console-')) });
    const res = await unbuilt.inject({ url: '/console' });
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().code, 'MW_CONSOLE_UNAVAILABLE');
    assert.doesNotMatch(res.json().message, /\/tmp|modelwatch-no-console/, 'no install path in the answer');
    // Names every object has are not files of the page: 404, not a 503 that named the install path.
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const probe = await unbuilt.inject({ url: `/console/${name}` });
      assert.equal(probe.statusCode, 404, name);
      assert.doesNotMatch(probe.body, /\/tmp|\/work|modelwatch-no-console/, name);
    }
    assert.equal((await unbuilt.inject({ url: '/api/alerts' })).statusCode, 200, 'the API still answers');
    await unbuilt.close();
    await t.app.close();
    const off = await testApp({ CONSOLE_ENABLED: 'false' });
    for (const url of ['/', '/console', '/api/series', '/api/logs']) assert.equal((await off.app.inject({ url })).statusCode, 404, url);
    assert.equal(off.log.recent, undefined);
    await off.app.close();
  });
});
