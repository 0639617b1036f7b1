/**
 * The gateway's model and audit layers, in front of a real modelwatch server: every answered
 * request of a mapped route is observed as the native server observes its own — prediction
 * families, one audit line per prediction carrying the upstream's own answer, drift against a
 * reference profile, feedback joined by request id under the prefix — while the bytes the client
 * gets stay the upstream's. What the mapping cannot read is counted and still forwarded.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { buildGateway, GATEWAY_PREFIX, type Gateway } from '../src/gateway/app.js';
import type { Mapping, MappedRoute, RawRow } from '../src/gateway/mapping/types.js';
import { PROFILE_FORMAT, type ReferenceProfile } from '../src/gateway/profile/types.js';
import { createLogger } from '../src/monitoring/audit/logger.js';
import { startService, type RunningService } from '../src/server/serve.js';
import { CapturedLines, SEED_BODY, sampleValue, trainedRegistry } from './helpers/fixtures.js';

/** A mapping of the native POST /predict written by hand: the body is the row, the answer names the class. */
const route = (endpoint: string): MappedRoute => ({
  endpoint,
  pattern: new RegExp(`^${endpoint}$`),
  method: 'POST',
  extract(request, response) {
    if (typeof request !== 'object' || request === null) return { ok: false, reason: 'features_not_found', detail: 'not an object' };
    const answer = response as { prediction?: number; probability?: number };
    if (typeof answer.prediction !== 'number') return { ok: false, reason: 'prediction_not_found', detail: 'no prediction' };
    return { ok: true, observed: { rows: [request as RawRow], outputs: [{ label: answer.prediction, probability: answer.probability }] } };
  },
});
const MAPPING: Mapping = { name: 'test', routes: [route('/predict')] };

const config = () =>
  loadConfig({}, { LOG_STDOUT: false, DRIFT_MIN_SAMPLES: 20, DRIFT_WINDOW_SIZE: 200, MONITOR_INTERVAL_SECONDS: 3600 });

const post = (url: string, body: unknown, id?: string) =>
  fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', ...(id ? { 'x-request-id': id } : {}) }, body: typeof body === 'string' ? body : JSON.stringify(body) });

describe('the gateway observes a native server through a mapping and a profile', () => {
  let upstream: RunningService;
  let gateway: Gateway;
  let url: string;
  const lines = new CapturedLines();
  before(async () => {
    upstream = await startService(loadConfig({}, { PORT: 0, HOST: '127.0.0.1', MODEL_DIR: trainedRegistry().dir, LOG_STDOUT: false }));
    const served = upstream.state.current!;
    const profile: ReferenceProfile = {
      format: PROFILE_FORMAT,
      name: 'bank',
      version: 'profile-test',
      created_at: new Date().toISOString(),
      source: { data: 'the model\'s training data', rows: served.baseline.rows, predictions: 'the model\'s holdout' },
      schema: served.schema,
      baseline: served.baseline,
      threshold: served.threshold,
    };
    const log = createLogger({ serviceName: 'gateway-test', level: 'info', stdout: false, stream: lines });
    gateway = await buildGateway({ upstream: upstream.url, preset: 'native', timeoutSeconds: 5, prefix: GATEWAY_PREFIX, mapping: MAPPING, profile, config: config(), log, observeMaxBytes: 4096 });
    url = await gateway.app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await gateway?.app.close();
    await upstream?.close();
  });

  const metrics = async () => (await fetch(`${url}${GATEWAY_PREFIX}/metrics`)).text();

  test('each answer is the upstream\'s, and is counted, audited and stored as the upstream answered it', async () => {
    const answers: { request_id: string; prediction: number; probability: number }[] = [];
    for (let i = 0; i < 30; i++) {
      const body = { ...SEED_BODY, age: 25 + i, duration: 100 + 40 * i };
      const response = await post(url, body, `obs-${i}`);
      assert.equal(response.status, 200);
      answers.push((await response.json()) as (typeof answers)[number]);
    }
    const text = await metrics();
    const positives = answers.filter((a) => a.prediction === 1).length;
    assert.equal(sampleValue(text, 'ml_predictions_total'), 30);
    assert.equal(sampleValue(text, 'ml_predictions_by_class_total', { prediction_class: '1' }), positives);
    assert.equal(sampleValue(text, 'ml_predictions_by_class_total', { prediction_class: '0' }), 30 - positives);
    assert.equal(sampleValue(text, 'ml_prediction_confidence_count'), 30);
    assert.equal(sampleValue(text, 'ml_gateway_observed_total', { endpoint: '/predict' }), 30);
    await gateway.log.drain();
    const audit = lines.lines.filter((l) => typeof l.request_id === 'string' && (l.request_id as string).startsWith('obs-') && 'prediction' in l);
    assert.equal(audit.length, 30, 'one audit line per prediction');
    for (const answer of answers) {
      const line = audit.find((l) => l.request_id === answer.request_id)!;
      assert.equal(line.prediction, answer.prediction);
      assert.ok(Math.abs((line.probability as number) - answer.probability) < 1e-12);
      assert.equal(line.model_version, 'profile-test');
      assert.equal(line.model_type, 'upstream');
      assert.equal(line.endpoint, '/predict');
    }
    // Labels under the prefix join by the request id the client knows.
    const joined = await fetch(`${url}${GATEWAY_PREFIX}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ request_id: 'obs-3', actual: answers[3].prediction }) });
    assert.equal(joined.status, 200, await joined.clone().text());
    assert.equal(((await joined.json()) as { status: string }).status, 'joined');
    const unknown = await fetch(`${url}${GATEWAY_PREFIX}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ request_id: 'never-seen', actual: 1 }) });
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { code: string }).code, 'MW_FEEDBACK_UNKNOWN_ID');
    const broken = await fetch(`${url}${GATEWAY_PREFIX}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"request_id":' });
    assert.equal(broken.status, 400);
    assert.equal(sampleValue(await metrics(), 'ml_feedback_correct_total', { model_version: 'profile-test' }), 1);
  });

  test('drift against the profile: rows far from the reference move PSI past 0.2', async () => {
    for (let i = 0; i < 40; i++) await post(url, { ...SEED_BODY, age: 90 + (i % 5), duration: 3000 + i });
    gateway.model!.monitor!.tick();
    const text = await metrics();
    assert.ok(sampleValue(text, 'ml_feature_drift_psi', { model_version: 'profile-test', feature: 'age' })! > 0.2);
    assert.ok(sampleValue(text, 'ml_feature_drift_psi', { model_version: 'profile-test', feature: 'duration' })! > 0.2);
    const status = (await (await fetch(`${url}${GATEWAY_PREFIX}/status`)).json()) as { model: { drift: { features: Record<string, { psi: number }> }; cannot_without_profile: string[] } };
    assert.ok(status.model.drift.features.age.psi > 0.2);
    assert.deepEqual(status.model.cannot_without_profile, []);
  });

  test('what the mapping cannot read is counted and forwarded unchanged; a body past the kept size too', async () => {
    const bad = await post(url, '[1, 2, 3]');
    assert.equal(bad.status, 400, 'the upstream\'s own answer to a body it refuses');
    const big = { ...SEED_BODY, padding: 'x'.repeat(8000) };
    const direct = await post(upstream.url, big, 'big-1');
    const through = await post(url, big, 'big-1');
    assert.equal(through.status, direct.status);
    assert.equal(await through.text(), await direct.text());
    assert.equal(direct.status, 200, 'an extra field is accepted upstream');
    assert.equal(sampleValue(await metrics(), 'ml_gateway_unmapped_total', { endpoint: '/predict', reason: 'body_too_large' }), 1);
  });
});

describe('the gateway without a profile, in front of a server whose answers its mapping cannot read', () => {
  const lines = new CapturedLines();
  let upstream: Server;
  let gateway: Gateway;
  let url: string;
  before(async () => {
    upstream = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        response.setHeader('content-type', 'application/json');
        if (request.headers['x-answer'] === 'garbage') return response.end('not json at all');
        if (request.headers['x-answer'] === 'empty') return response.end('{}');
        if (request.headers['x-answer'] === 'class-only') return response.end('{"prediction":1}');
        response.end(JSON.stringify({ prediction: 1, probability: 0.75 }));
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const { port } = upstream.address() as { port: number };
    gateway = await buildGateway({ upstream: `http://127.0.0.1:${port}`, preset: 'flask', timeoutSeconds: 2, prefix: GATEWAY_PREFIX, mapping: MAPPING, config: config(), log: createLogger({ serviceName: 't', level: 'info', stdout: false, stream: lines }), observeMaxBytes: 2048, connections: 2 });
    url = await gateway.app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await gateway?.app.close();
    upstream?.close();
  });

  test('predictions and confidence are counted; unreadable answers counted by reason; /status says what needs a profile', async () => {
    const send = (answer: string) => fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-answer': answer }, body: JSON.stringify(SEED_BODY) });
    assert.equal(await (await send('ok')).text(), '{"prediction":1,"probability":0.75}');
    assert.equal(await (await send('garbage')).text(), 'not json at all');
    assert.equal(await (await send('empty')).text(), '{}');
    const text = await (await fetch(`${url}${GATEWAY_PREFIX}/metrics`)).text();
    assert.equal(sampleValue(text, 'ml_predictions_by_class_total', { prediction_class: '1' }), 1);
    assert.equal(sampleValue(text, 'ml_prediction_confidence_sum'), 0.75);
    assert.equal(sampleValue(text, 'ml_gateway_unmapped_total', { endpoint: '/predict', reason: 'response_unreadable' }), 1);
    assert.equal(sampleValue(text, 'ml_gateway_unmapped_total', { endpoint: '/predict', reason: 'prediction_not_found' }), 1);
    const status = (await (await fetch(`${url}${GATEWAY_PREFIX}/status`)).json()) as { model: { profile: null; cannot_without_profile: string[]; observed: { unmapped: number } } };
    assert.equal(status.model.profile, null);
    assert.equal(status.model.observed.unmapped, 2);
    assert.match(status.model.cannot_without_profile.join(' '), /feature drift.*modelwatch profile/);
    // The class is known (0/1), so a label still joins.
    const joined = await fetch(`${url}${GATEWAY_PREFIX}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ request_id: 'x', actual: 1 }) });
    assert.equal(joined.status, 404, 'an id it never saw');
  });

  test('a class answered without its probability: observed, no confidence claimed, the process alive', async () => {
    const response = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-answer': 'class-only', 'x-request-id': 'class-only-1' }, body: JSON.stringify(SEED_BODY) });
    assert.equal(await response.text(), '{"prediction":1}');
    await new Promise((resolve) => setTimeout(resolve, 120));
    gateway.model.monitor!.tick();
    await gateway.log.drain();
    const line = lines.lines.find((l) => l.request_id === 'class-only-1')!;
    assert.equal(line.prediction, 1);
    assert.equal(line.confidence, null, 'JSON has no NaN: the audit line stays valid');
    const text = await (await fetch(`${url}${GATEWAY_PREFIX}/metrics`)).text();
    assert.equal(sampleValue(text, 'ml_predictions_by_class_total', { prediction_class: '1' }), 2);
    assert.equal(sampleValue(text, 'ml_prediction_confidence_count'), 1, 'only the answer with a probability');
  });

  test('clients that abort uploads past the kept size do not hold the upstream\'s connections', { timeout: 10_000 }, async () => {
    const { request } = await import('node:http');
    const target = new URL(url);
    for (let i = 0; i < 3; i++) {
      await new Promise<void>((resolve) => {
        const req = request({ host: target.hostname, port: target.port, path: '/predict', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '10000' } });
        req.on('error', () => resolve());
        req.write('{"age": 30, "padding": "' + 'x'.repeat(4000));
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 100);
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    const after = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(SEED_BODY), signal: AbortSignal.timeout(1500) });
    assert.equal(after.status, 200, 'both pooled connections are free again');
  });

  test('a compressed body that decodes past the kept size is not decoded further: body_too_large', async () => {
    const { gzipSync } = await import('node:zlib');
    const bomb = gzipSync(Buffer.from(JSON.stringify({ ...SEED_BODY, padding: ' '.repeat(1_000_000) })));
    assert.ok(bomb.length < 2048, `small on the wire (${bomb.length} bytes)`);
    const response = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: bomb });
    assert.equal(response.status, 200);
    await response.text();
    const text = await (await fetch(`${url}${GATEWAY_PREFIX}/metrics`)).text();
    assert.equal(sampleValue(text, 'ml_gateway_unmapped_total', { endpoint: '/predict', reason: 'body_too_large' }), 1);
  });

  test('the prefix is the gateway\'s: JSON-only feedback, and no path under it forwarded', async () => {
    const plain = await fetch(`${url}${GATEWAY_PREFIX}/feedback`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
    assert.equal(plain.status, 415);
    const unknown = await fetch(`${url}${GATEWAY_PREFIX}/nope`);
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { code: string }).code, 'MW_ROUTE_NOT_FOUND');
  });
});
