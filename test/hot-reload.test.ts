/**
 * Hot reload against a real, listening service: under steady load from the load generator a
 * promoted version takes over with zero failed requests (answers before the swap carry the old
 * version, after it the new one), a corrupt version leaves the old one serving, SIGHUP and the admin
 * endpoint reload on demand, and the drift baseline follows the serving version.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { runLoad, type LoadSummary } from '../src/loadgen/index.js';
import { syntheticTrainingSet } from '../src/model/bootstrap.js';
import { ModelRegistry } from '../src/model/registry.js';
import { trainModel } from '../src/model/train.js';
import { createLogger } from '../src/monitoring/audit/logger.js';
import { startService, type RunningService } from '../src/server/serve.js';
import { CapturedLines, SEED_BODY, sampleValue, tempDir, trainedRegistry } from './helpers/fixtures.js';

type Artifact = ReturnType<typeof trainModel>['artifact'];
let second: Artifact | undefined;

/** A second model, trained on other rows, so its version and its baseline differ from v1's. */
function secondArtifact(): Artifact {
  if (!second) {
    const { rows, sha256 } = syntheticTrainingSet(8, 3_000);
    second = trainModel({ rows, dataSha256: sha256, dataSource: 'synthetic(test v2)', params: { maxIter: 30 } }).artifact;
  }
  return second;
}

/** A registry of its own holding the test model as v1 (CURRENT). */
function freshRegistry(): ModelRegistry {
  const registry = new ModelRegistry(tempDir('modelwatch-reload-'));
  mkdirSync(registry.versionsDir, { recursive: true });
  copyFileSync(trainedRegistry().fileOf('v1'), registry.fileOf('v1'));
  registry.setCurrent('v1');
  return registry;
}

/** Writes `version` as a copy of an existing one with one digit of its trees changed: valid JSON, bad checksum. */
function writeTampered(registry: ModelRegistry, from: string, version: string): void {
  const text = readFileSync(registry.fileOf(from), 'utf8').replace(`"version": "${from}"`, `"version": "${version}"`);
  assert.ok(text.includes(`"version": "${version}"`));
  const model = text.indexOf('"model"') + 200;
  const at = model + text.slice(model).search(/[1-8]/);
  writeFileSync(registry.fileOf(version), text.slice(0, at) + String(Number(text[at]) + 1) + text.slice(at + 1));
}

const running: RunningService[] = [];
after(async () => {
  for (const service of running) await service.close();
});

async function start(registry: ModelRegistry, env: Record<string, string> = {}) {
  const config = loadConfig({ MODEL_DIR: registry.dir, PORT: '0', HOST: '127.0.0.1', AUDIT_LOG: 'false', MODEL_WATCH_INTERVAL_SECONDS: '1', ...env });
  const captured = new CapturedLines();
  const service = await startService(config, { log: createLogger({ serviceName: config.SERVICE_NAME, level: 'info', stdout: false, stream: captured }) });
  running.push(service);
  return { service, captured, metrics: () => service.metrics.registry.metrics() };
}

interface Answer {
  readonly startedAt: number;
  readonly endedAt: number;
  readonly status: number;
  readonly version: string | undefined;
}

/** Sequential POST /predict loops until `stop` resolves; each answer with when it was asked and answered. */
async function probe(url: string, loops: number, stop: Promise<unknown>): Promise<Answer[][]> {
  let stopped = false;
  void stop.then(() => (stopped = true));
  const loop = async () => {
    const answers: Answer[] = [];
    while (!stopped) {
      const startedAt = performance.now();
      const res = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(SEED_BODY) });
      const body = (await res.json()) as { model_version?: string };
      answers.push({ startedAt, endedAt: performance.now(), status: res.status, version: body.model_version });
    }
    return answers;
  };
  return Promise.all(Array.from({ length: loops }, loop));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function assertNoFailures(summary: LoadSummary): void {
  assert.ok(summary.sent > 200, `load was sent (${summary.sent})`);
  assert.equal(summary.ok, summary.sent, `every request answered 2xx: ${JSON.stringify({ ...summary, malformed: undefined })}`);
  assert.equal(summary.serverErrors + summary.clientErrors + summary.networkErrors + summary.otherStatus, 0);
}

describe('hot reload under steady load', () => {
  test('a promoted version takes over with zero failed requests; old answers before the swap, new after', async (t) => {
    const registry = freshRegistry();
    registry.register(secondArtifact());
    const { service, captured, metrics } = await start(registry);
    let swappedAt = Number.NaN;
    // onServe calls at once with the serving model: only a later call is the swap.
    let serving = service.state.current?.version;
    service.state.onServe((model) => {
      if (model.version !== serving) swappedAt = performance.now();
      serving = model.version;
    });

    const load = runLoad({ url: service.url, rps: 200, durationSeconds: 5 });
    const probes = probe(service.url, 4, load);
    await sleep(1_500);
    const promotedAt = performance.now();
    registry.setCurrent('v2');
    const [summary, answers] = await Promise.all([load, probes]);

    assertNoFailures(summary);
    assert.ok(Number.isFinite(swappedAt), 'the service switched');
    assert.ok(swappedAt - promotedAt < 3_000, `switched ${(swappedAt - promotedAt).toFixed(0)} ms after the promotion (watch every 1 s)`);
    let before = 0;
    let afterSwap = 0;
    for (const loop of answers) {
      let seenNew = false;
      for (const a of loop) {
        assert.equal(a.status, 200);
        if (a.endedAt < swappedAt) assert.equal(a.version, 'v1', 'answered before the swap: old version');
        if (a.startedAt > swappedAt) assert.equal(a.version, 'v2', 'asked after the swap: new version');
        if (seenNew) assert.equal(a.version, 'v2', 'never back to the old version');
        seenNew ||= a.version === 'v2';
        if (a.version === 'v1') before++;
        else afterSwap++;
      }
    }
    assert.ok(before > 20 && afterSwap > 20, `both versions answered (${before} v1, ${afterSwap} v2)`);

    const text = await metrics();
    const loadSeconds = sampleValue(text, 'ml_model_load_seconds', { model_version: 'v2' });
    assert.ok(loadSeconds !== undefined && loadSeconds > 0, 'ml_model_load_seconds{model_version="v2"}');
    assert.equal(sampleValue(text, 'ml_model_load_seconds', { model_version: 'v1' }), undefined, 'the old version no longer reports a load time');
    assert.equal(sampleValue(text, 'ml_model_info', { model_version: 'v2' }), 1);
    // Every predict request of the run, load generator's and probes', counted under v1 or v2 and none failed.
    const counted = (v: string) => sampleValue(text, 'model_requests_total', { model_version: v, status: 'success' }) ?? 0;
    assert.equal(counted('v1') + counted('v2'), summary.ok + before + afterSwap);
    assert.equal(sampleValue(text, 'model_requests_total', { model_version: 'v1', status: 'error' }) ?? 0, 0);
    assert.equal(sampleValue(text, 'ml_model_reload_failures_total', { reason: 'corrupt' }), 0);

    await service.log.drain();
    const line = captured.lines.find((l) => (l.event as { action?: string } | undefined)?.action === 'model_reload');
    assert.ok(line, 'a reload line was logged');
    assert.equal(line.level, 'INFO');
    assert.equal(line.model_version, 'v2');
    assert.equal(line.previous_model_version, 'v1');
    assert.equal(line.load_seconds, loadSeconds);
    assert.deepEqual(line.event, { action: 'model_reload', outcome: 'success', reason: 'watch' });
    t.diagnostic(`load ${(loadSeconds * 1000).toFixed(1)} ms; switch ${(swappedAt - promotedAt).toFixed(0)} ms after promotion; p99 ${summary.latencyMs?.p99} ms, max ${summary.latencyMs?.max} ms over ${summary.sent} requests`);
  });

  test('a corrupt version leaves the old one serving, counted and logged once until retried', async () => {
    const registry = freshRegistry();
    writeTampered(registry, 'v1', 'v2');
    const { service, captured, metrics } = await start(registry);
    const failures = async () => sampleValue(await metrics(), 'ml_model_reload_failures_total', { reason: 'corrupt' });

    const load = runLoad({ url: service.url, rps: 200, durationSeconds: 4 });
    const probes = probe(service.url, 2, load);
    await sleep(500);
    registry.setCurrent('v2');
    await until(async () => (await failures()) === 1, 3_000, 'the failure to be counted');
    const [summary, answers] = await Promise.all([load, probes]);

    assertNoFailures(summary);
    for (const a of answers.flat()) assert.equal(a.version, 'v1', 'the old version kept serving');
    assert.equal(service.state.current?.version, 'v1');
    // Several watch ticks later the same broken pointer has not been retried.
    assert.equal(await failures(), 1);
    await service.log.drain();
    const errors = captured.lines.filter((l) => l.level === 'ERROR');
    assert.equal(errors.length, 1);
    const [line] = errors;
    assert.equal(line.model_version, 'v2');
    assert.equal(line.previous_model_version, 'v1');
    assert.deepEqual({ ...(line.error as object), message: undefined }, { code: 'MW_ARTIFACT_INVALID', type: 'corrupt', message: undefined });
    assert.match(String((line.error as { message: string }).message), /checksum mismatch/);
    assert.match(String(line.message), /v2 failed to load \(corrupt\); v1 is still serving/);

    // SIGHUP's handler retries it (and fails again); a truncated file and a missing one fail too.
    const retried = await service.reloader.reload('sighup');
    assert.equal(retried.status, 'failed');
    assert.equal(await failures(), 2);
    writeFileSync(registry.fileOf('v3'), readFileSync(registry.fileOf('v1'), 'utf8').slice(0, 5_000));
    registry.setCurrent('v3');
    await until(async () => (await failures()) === 3, 3_000, 'the truncated version to fail');
    writeFileSync(registry.pointerFile, 'v7\n');
    await until(async () => sampleValue(await metrics(), 'ml_model_reload_failures_total', { reason: 'not_found' }) === 1, 3_000, 'the missing version to fail');
    assert.equal(service.state.current?.version, 'v1');

    // Repairing the pointer is picked up by the watch.
    const v4 = registry.register(secondArtifact());
    registry.setCurrent(v4);
    await until(() => service.state.current?.version === v4, 3_000, 'the good version to serve');
    const res = await fetch(`${service.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(SEED_BODY) });
    assert.equal(((await res.json()) as { model_version: string }).model_version, v4);
  });
});

describe('reload on demand', () => {
  test('SIGHUP reloads what CURRENT names; the drift baseline and window follow the new version', async () => {
    const registry = freshRegistry();
    const { service, captured, metrics } = await start(registry, { MODEL_WATCH: 'false' });
    for (let i = 0; i < 30; i++) await fetch(`${service.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(SEED_BODY) });
    const v1 = registry.read('v1').artifact.baseline;
    const ageBin = (text: string, i: number) => sampleValue(text, 'ml_feature_baseline_share', { feature: 'age', bin: v1.features.age.labels[i] });
    let text = await metrics();
    assert.equal(sampleValue(text, 'ml_drift_window_predictions'), 30);
    assert.equal(ageBin(text, 0), v1.features.age.shares[0]);

    registry.register(secondArtifact());
    registry.setCurrent('v2');
    await sleep(1_200);
    assert.equal(service.state.current?.version, 'v1', 'without MODEL_WATCH nothing follows CURRENT by itself');
    // Three signals at once: one load, which the others join.
    const results = await Promise.all([service.reloader.reload('sighup'), service.reloader.reload('sighup'), service.reloader.reload('sighup')]);
    assert.deepEqual(results[0], { status: 'reloaded', from: 'v1', to: 'v2', loadSeconds: results[0].status === 'reloaded' ? results[0].loadSeconds : 0 });
    assert.ok(results[1] === results[0] && results[2] === results[0]);
    await service.log.drain();
    assert.equal(captured.lines.filter((l) => String(l.message).startsWith('switched from model')).length, 1);
    assert.equal(service.state.current?.version, 'v2');
    assert.deepEqual(await service.reloader.reload('sighup'), { status: 'unchanged', from: 'v2', to: 'v2' });

    const v2 = registry.read('v2').artifact.baseline;
    assert.notDeepEqual(v2.features.age.shares, v1.features.age.shares, 'the two versions have different baselines');
    text = await metrics();
    assert.equal(sampleValue(text, 'ml_drift_window_predictions'), 0, 'the drift window starts afresh');
    v2.features.age.labels.forEach((bin, i) => assert.equal(sampleValue(text, 'ml_feature_baseline_share', { feature: 'age', bin }), v2.features.age.shares[i]));
    const drift = service.monitor?.drift;
    assert.deepEqual(drift?.signals.find((s) => s.name === 'age')?.shares, v2.features.age.shares);
    assert.equal(service.monitor?.modelVersion, 'v2');
  });

  test('POST /admin/reload: absent without ADMIN_TOKEN, 401 without the right token, switches and rolls back with it', async () => {
    const plain = await start(freshRegistry(), { MODEL_WATCH: 'false' });
    const absent = await plain.service.app.inject({ method: 'POST', url: '/admin/reload' });
    assert.equal(absent.statusCode, 404);
    assert.equal(absent.json().code, 'MW_ROUTE_NOT_FOUND');

    const token = 'a-long-admin-token-0123456789';
    const registry = freshRegistry();
    const { service, metrics } = await start(registry, { MODEL_WATCH: 'false', ADMIN_TOKEN: token });
    const admin = (body?: object, authorization = `Bearer ${token}`) =>
      service.app.inject({ method: 'POST', url: '/admin/reload', headers: { authorization }, ...(body ? { payload: body } : {}) });

    for (const authorization of ['', `Bearer ${token}x`, `Bearer ${token.slice(0, -1)}`, `Basic ${token}`, token]) {
      const res = await admin({ version: 'v1' }, authorization);
      assert.equal(res.statusCode, 401, authorization);
      assert.equal(res.json().code, 'MW_ADMIN_UNAUTHORIZED');
      assert.match(String(res.headers['www-authenticate']), /^Bearer/);
    }
    assert.deepEqual((await admin()).json(), { status: 'unchanged', from: 'v1', to: 'v1' });

    registry.register(secondArtifact());
    const switched = await admin({ version: 'v2' });
    assert.equal(switched.statusCode, 200);
    const body = switched.json();
    assert.deepEqual({ ...body, load_seconds: undefined }, { status: 'reloaded', from: 'v1', to: 'v2', load_seconds: undefined });
    assert.ok(body.load_seconds > 0);
    assert.equal(registry.currentVersion(), 'v2', 'a named version becomes CURRENT, so a watch keeps it');
    assert.deepEqual({ ...registry.history().at(-1), at: undefined, reason: undefined }, { at: undefined, from: 'v1', to: 'v2', by: 'admin', reason: undefined });
    assert.equal(service.state.current?.version, 'v2');

    for (const version of ['v9', '../v1', '']) {
      const res = await admin({ version });
      assert.equal(res.statusCode, 404, version);
      assert.equal(res.json().code, 'MW_VERSION_NOT_FOUND');
    }
    const wrongType = await admin({ version: 2 });
    assert.equal(wrongType.statusCode, 400);
    assert.equal(wrongType.json().code, 'MW_INVALID_INPUT');

    writeTampered(registry, 'v2', 'v3');
    const failed = await admin({ version: 'v3' });
    assert.equal(failed.statusCode, 422);
    assert.equal(failed.json().code, 'MW_MODEL_RELOAD_FAILED');
    assert.match(failed.json().message, /v3 failed to load \(corrupt\).*v2 is still serving/);
    assert.equal(service.state.current?.version, 'v2');
    assert.equal(registry.currentVersion(), 'v2', 'a version that fails to load never becomes CURRENT');
    assert.equal(sampleValue(await metrics(), 'ml_model_reload_failures_total', { reason: 'corrupt' }), 1);

    const rolledBack = await admin({ version: 'v1' });
    assert.equal(rolledBack.json().status, 'reloaded');
    assert.equal(registry.currentVersion(), 'v1');
    const predicted = await service.app.inject({ method: 'POST', url: '/predict', payload: SEED_BODY });
    assert.equal(predicted.json().model_version, 'v1');
  });
});
