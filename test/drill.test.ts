/**
 * The fire drill (POST /admin/drill and `modelwatch drill`): real 503s with their own code on the
 * exact share asked, latency added, every drilled request counted and marked in the audit log, the
 * drill ending by itself or on DELETE, the admin token required, bad bodies a coded 400, and no
 * drill at all without ADMIN_TOKEN.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { FireDrill, drillSettingsOf } from '../src/server/plugins/drill.js';
import { startService } from '../src/server/serve.js';
import { loadConfig } from '../src/config.js';
import { SEED_BODY, sampleValue, testApp, trainedRegistry } from './helpers/fixtures.js';

const TOKEN = 'drill-secret-token-0123';
const auth = { authorization: `Bearer ${TOKEN}` };
const predict = (app: Awaited<ReturnType<typeof testApp>>['app'], i: number) => app.inject({ method: 'POST', url: '/predict', payload: SEED_BODY, headers: { 'x-request-id': `req-${i}` } });

describe('the fire drill', () => {
  test('error_share 0.1 fails exactly every tenth /predict with 503 MW_DRILL_INJECTED, counted and marked in the audit log', async () => {
    const t = await testApp({ ADMIN_TOKEN: TOKEN });
    const started = await t.app.inject({ method: 'POST', url: '/admin/drill', headers: auth, payload: { error_share: 0.1, extra_latency_ms: 0, seconds: 300 } });
    assert.equal(started.statusCode, 200, started.body);
    assert.equal(started.json().status, 'started');
    assert.equal(started.json().active, true);

    const statuses: number[] = [];
    for (let i = 0; i < 100; i++) {
      const res = await predict(t.app, i);
      statuses.push(res.statusCode);
      if (res.statusCode === 503) {
        assert.equal(res.json().code, 'MW_DRILL_INJECTED');
        assert.match(res.json().message, /Fire drill/);
        assert.equal(res.json().request_id, `req-${i}`);
      }
    }
    assert.equal(statuses.filter((s) => s === 503).length, 10);
    assert.equal(statuses.filter((s) => s === 200).length, 90);

    const scrape = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.equal(sampleValue(scrape, 'ml_drill_requests_total', { effect: 'error' }), 10);
    assert.equal(sampleValue(scrape, 'ml_drill_requests_total', { effect: 'latency' }), 0);
    assert.equal(sampleValue(scrape, 'ml_drill_active'), 1);
    // Real server errors to every other metric: that is what makes the alerts fire.
    assert.equal(sampleValue(scrape, 'http_request_duration_seconds_count', { route: '/predict', status_code: '503' }), 10);
    assert.equal(sampleValue(scrape, 'model_requests_total', { status: 'error' }), 10);

    await t.log.drain();
    const drilled = t.captured.lines.filter((l) => (l.drill as { effect?: string } | undefined)?.effect === 'error');
    assert.equal(drilled.length, 10);
    for (const line of drilled) {
      assert.equal(line['error.code'] ?? (line.error as { code?: string }).code, 'MW_DRILL_INJECTED');
      assert.equal(line.endpoint, '/predict');
      assert.equal((line.http as { response: { status_code: number } }).response.status_code, 503);
      assert.equal((line.event as { action: string }).action, 'drill');
    }
    assert.deepEqual(drilled.map((l) => l.request_id).sort(), statuses.flatMap((s, i) => (s === 503 ? [`req-${i}`] : [])).sort());

    const stopped = await t.app.inject({ method: 'DELETE', url: '/admin/drill', headers: auth });
    assert.equal(stopped.json().status, 'stopped');
    assert.deepEqual(stopped.json().drilled, { error: 10, latency: 0 });
    for (let i = 0; i < 20; i++) assert.equal((await predict(t.app, 100 + i)).statusCode, 200, 'no failures after DELETE');
    assert.equal(sampleValue((await t.app.inject({ method: 'GET', url: '/metrics' })).body, 'ml_drill_active'), 0);
    assert.equal((await t.app.inject({ method: 'DELETE', url: '/admin/drill', headers: auth })).json().status, 'not_running');
    await t.log.drain();
    assert.ok(t.captured.lines.some((l) => (l.event as { action?: string } | undefined)?.action === 'drill_end' && l.message === 'fire drill ended (stopped): 10 failed, 0 delayed'));
    await t.app.close();
  });

  test('extra latency delays every /predict while the drill runs; the delayed ones are counted as latency', async () => {
    const t = await testApp({ ADMIN_TOKEN: TOKEN });
    await t.app.inject({ method: 'POST', url: '/admin/drill', headers: auth, payload: { extra_latency_ms: 150, seconds: 60 } });
    const began = performance.now();
    const answers = await Promise.all([0, 1, 2].map((i) => predict(t.app, i)));
    const elapsed = performance.now() - began;
    assert.ok(answers.every((r) => r.statusCode === 200));
    assert.ok(elapsed >= 145, `answered after ${elapsed} ms`);
    const scrape = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.equal(sampleValue(scrape, 'ml_drill_requests_total', { effect: 'latency' }), 3);
    assert.equal(sampleValue(scrape, 'http_request_duration_seconds_bucket', { route: '/predict', status_code: '200', le: '0.1' }), 0, 'the delay is in the measured latency');
    await t.log.drain();
    assert.equal(t.captured.lines.filter((l) => (l.drill as { effect?: string } | undefined)?.effect === 'latency').length, 3);
    await t.app.close();
  });

  test('a drill ends by itself when its time is up', () => {
    let now = 1_000_000;
    const ended: string[] = [];
    const drill = new FireDrill((end) => ended.push(end), () => now);
    drill.start({ errorShare: 1, extraLatencyMs: 0, seconds: 5 });
    assert.equal(drill.decide(now), 'error');
    now += 5000;
    assert.equal(drill.decide(now), undefined);
    assert.equal(drill.endsAtMs, 0, 'the hot path sees an idle drill again');
    assert.deepEqual(ended, ['expired']);
    assert.equal(drill.report().active, false);
  });

  test('closing the app while a latency drill delays requests answers them at once: a shutdown never waits out the drill', async () => {
    const t = await testApp({ ADMIN_TOKEN: TOKEN });
    const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    await t.app.inject({ method: 'POST', url: '/admin/drill', headers: auth, payload: { extra_latency_ms: 8000, seconds: 60 } });
    const answers = [0, 1, 2].map((i) => fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': `held-${i}` }, body: JSON.stringify(SEED_BODY) }));
    // All three are held by the drill before the stop begins.
    while ((await t.app.inject({ method: 'GET', url: '/admin/drill', headers: auth })).json().drilled.latency < 3) await new Promise((resolve) => setTimeout(resolve, 10));
    const began = performance.now();
    await t.app.close();
    const closedIn = performance.now() - began;
    assert.ok(closedIn < 2000, `closed in ${Math.round(closedIn)} ms, not after the drill's 8000 ms`);
    const responses = await Promise.all(answers);
    assert.deepEqual(responses.map((r) => r.status), [200, 200, 200], 'the requests in flight are answered');
    await t.log.drain();
    const held = t.captured.lines.filter((l) => (l.drill as { effect?: string } | undefined)?.effect === 'latency').map((l) => l.request_id).sort();
    assert.deepEqual(held, ['held-0', 'held-1', 'held-2'], 'each has its drill line');
    assert.ok(t.captured.lines.some((l) => l.message === 'fire drill ended (stopped): 0 failed, 3 delayed'));
  });

  test('with no drill running, the drill adds no listener to a predict response (no onResponse hook)', async () => {
    // Listeners on the raw response after Fastify's request handler has run: the same with the drill
    // plugin (ADMIN_TOKEN) as without it.
    const listenersOf = async (env: Record<string, string>) => {
      const t = await testApp(env);
      const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
      let counts = '';
      t.app.server.on('request', (_req, res) => (counts = ['finish', 'close', 'error'].map((e) => `${e}:${res.listenerCount(e)}`).join(' ')));
      const res = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(SEED_BODY) });
      assert.equal(res.status, 200);
      await t.app.close();
      return counts;
    };
    const without = await listenersOf({});
    assert.match(without, /finish:\d/);
    assert.equal(await listenersOf({ ADMIN_TOKEN: TOKEN }), without);
  });

  test("a drilled request's audit line carries the settings of the drill that decided it, even if another replaced it meanwhile", async () => {
    const t = await testApp({ ADMIN_TOKEN: TOKEN });
    await t.app.inject({ method: 'POST', url: '/admin/drill', headers: auth, payload: { extra_latency_ms: 300, seconds: 60 } });
    const held = predict(t.app, 0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await t.app.inject({ method: 'POST', url: '/admin/drill', headers: auth, payload: { error_share: 0.5, extra_latency_ms: 20, seconds: 60 } });
    assert.equal((await held).statusCode, 200);
    await t.log.drain();
    const line = t.captured.lines.find((l) => l.request_id === 'req-0' && l.drill !== undefined);
    assert.deepEqual(line?.drill, { effect: 'latency', error_share: 0, extra_latency_ms: 300 });
    // Its duration is the time the request took, the drill's delay included (Fastify's own
    // reply.elapsedTime reads 0 here: no onResponse hook exists).
    assert.ok((line?.duration as number) >= 290, `duration ${String(line?.duration)} ms`);
    await t.app.close();
  });

  test('a drill ends on time with no traffic at all; stop and replace cancel the pending end', async () => {
    const ended: string[] = [];
    const drill = new FireDrill((end) => ended.push(end));
    drill.start({ errorShare: 1, extraLatencyMs: 0, seconds: 1 });
    drill.start({ errorShare: 1, extraLatencyMs: 0, seconds: 1 });
    assert.equal(drill.stop(), true);
    drill.start({ errorShare: 1, extraLatencyMs: 0, seconds: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1300));
    // No decide(), report() or active read in between: the timer alone ended it, once.
    assert.deepEqual(ended, ['replaced', 'stopped', 'expired']);
    assert.equal(drill.endsAtMs, 0);
  });

  test('with METRICS_ENABLED=false, ml_drill_active still tells a running drill (it is read at scrape time)', async () => {
    const t = await testApp({ ADMIN_TOKEN: TOKEN, METRICS_ENABLED: 'false' });
    const scrape = async () => (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.equal(sampleValue(await scrape(), 'ml_drill_active'), 0);
    await t.app.inject({ method: 'POST', url: '/admin/drill', headers: auth, payload: { error_share: 1, seconds: 60 } });
    assert.equal((await predict(t.app, 0)).statusCode, 503);
    const during = await scrape();
    assert.equal(sampleValue(during, 'ml_drill_active'), 1, 'a drill runs: its errors are on purpose');
    // Nothing is recorded on the request path, as the flag says.
    assert.equal(sampleValue(during, 'ml_drill_requests_total', { effect: 'error' }), 0);
    await t.app.inject({ method: 'DELETE', url: '/admin/drill', headers: auth });
    assert.equal(sampleValue(await scrape(), 'ml_drill_active'), 0);
    await t.app.close();
  });

  test('the admin token is required, bad bodies are a coded 400 naming each problem, and without ADMIN_TOKEN there is no drill', async () => {
    const t = await testApp({ ADMIN_TOKEN: TOKEN });
    const anonymous = await t.app.inject({ method: 'POST', url: '/admin/drill', payload: { error_share: 1 } });
    assert.equal(anonymous.statusCode, 401);
    assert.equal(anonymous.json().code, 'MW_ADMIN_UNAUTHORIZED');
    assert.equal((await t.app.inject({ method: 'GET', url: '/admin/drill', headers: { authorization: 'Bearer wrong' } })).statusCode, 401);
    assert.equal((await predict(t.app, 0)).statusCode, 200, 'a refused drill did not start');

    for (const [payload, field] of [
      [{ error_share: 1.5 }, 'error_share'],
      [{ error_share: 'half' }, 'error_share'],
      [{ error_share: 0.1, seconds: 0 }, 'seconds'],
      [{ extra_latency_ms: -1 }, 'extra_latency_ms'],
      [{ error_share: 0.1, share: 0.2 }, 'share'],
      [{}, 'error_share'],
      [[1], '(body)'],
    ] as const) {
      const res = await t.app.inject({ method: 'POST', url: '/admin/drill', headers: auth, payload: payload as object });
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      assert.equal(res.json().code, 'MW_INVALID_INPUT');
      assert.ok(res.json().problems.some((p: { field: string }) => p.field === field), `${JSON.stringify(payload)}: ${res.body}`);
    }
    assert.deepEqual(drillSettingsOf({ error_share: 0.1 }), { errorShare: 0.1, extraLatencyMs: 0, seconds: 300 });
    await t.app.close();

    const none = await testApp();
    assert.equal((await none.app.inject({ method: 'POST', url: '/admin/drill', payload: { error_share: 1 } })).statusCode, 404);
    assert.equal((await predict(none.app, 1)).statusCode, 200);
    await none.app.close();
  });

  test('`modelwatch drill` starts and stops a drill on a running service', async () => {
    const service = await startService(loadConfig({}, { PORT: 0, HOST: '127.0.0.1', MODEL_DIR: trainedRegistry().dir, LOG_STDOUT: false, ADMIN_TOKEN: TOKEN, MODEL_WATCH: false }));
    const cli = (args: string[], env: Record<string, string> = {}) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'drill', ...args], { env: { ...process.env, ADMIN_TOKEN: '', ...env } });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c: Buffer) => (stdout += c));
        child.stderr.on('data', (c: Buffer) => (stderr += c));
        child.on('close', (status) => resolve({ status, stdout, stderr }));
      });
    try {
      const started = await cli(['--url', service.url, '--error-share', '1', '--seconds', '60'], { ADMIN_TOKEN: TOKEN });
      assert.equal(started.status, 0, started.stderr);
      assert.match(started.stdout, /fire drill running until .*: 100 % of predict requests answer 503 MW_DRILL_INJECTED/);
      const res = await fetch(`${service.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(SEED_BODY) });
      assert.equal(res.status, 503);
      assert.equal(((await res.json()) as { code: string }).code, 'MW_DRILL_INJECTED');

      const stopped = await cli(['--url', service.url, '--stop', '--token', TOKEN, '--json']);
      assert.equal(stopped.status, 0, stopped.stderr);
      assert.equal(JSON.parse(stopped.stdout).status, 'stopped');
      assert.equal((await fetch(`${service.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(SEED_BODY) })).status, 200);

      const noToken = await cli(['--url', service.url]);
      assert.equal(noToken.status, 2);
      assert.match(noToken.stderr, /no admin token/);
      const wrongToken = await cli(['--url', service.url, '--token', 'nope']);
      assert.equal(wrongToken.status, 1);
      assert.match(wrongToken.stderr, /401 MW_ADMIN_UNAUTHORIZED/);
      const badShare = await cli(['--url', service.url, '--error-share', '2', '--token', TOKEN]);
      assert.equal(badShare.status, 2);
      assert.match(badShare.stderr, /--error-share must be a number in 0\.\.1/);
    } finally {
      await service.close();
    }
  });
});
