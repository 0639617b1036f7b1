/**
 * Fleet drift across a promotion, with real parts: two modelwatch services sharing one registry, a
 * real Prometheus (Debian's `prometheus`) loading the generated recording and alert rules and
 * scraping both every second, and stationary traffic — rows drawn from the distribution both
 * versions were trained on — split evenly between them. Halfway through, a second version (trained
 * on other rows, so its bins are cut at other edges) is promoted and both services switch to it.
 *
 * What must hold: no drift alert is ever pending or firing, no drift alert expression ever has a
 * result over the whole run, the fleet PSI recording rule of the new version equals each service's
 * in-process PSI within 0.02 per feature, and the old version, whose counters stopped at the swap,
 * has no fleet PSI and no bin shares. Before the rules joined counts with the baseline of the same
 * `model_version`, the old version's counts met the new version's shares and read as PSI ≈ 0.8.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { freePort } from '../bench/children.js';
import { loadConfig } from '../src/config.js';
import { FEATURE_NAMES } from '../src/data/schema.js';
import { syntheticRows } from '../src/data/synthetic.js';
import { syntheticTrainingSet } from '../src/model/bootstrap.js';
import { ModelRegistry } from '../src/model/registry.js';
import { trainModel } from '../src/model/train.js';
import { startService, type RunningService } from '../src/server/serve.js';
import { ALERTS } from '../src/stack/catalogue/alerts.js';
import { generatePrometheus, PROMETHEUS_FILES } from '../src/stack/prometheus/generate.js';
import { tempDir, trainedRegistry } from './helpers/fixtures.js';
import { spawnWatched, waitReady, type WatchedChild } from './helpers/processes.js';
import { commandMissing, skipUnlessTool } from './helpers/tools.js';

const missing = skipUnlessTool(commandMissing('prometheus', 'apt-get install prometheus'));
const rulesDir = fileURLToPath(new URL('../deploy/prometheus/', import.meta.url));
const TOKEN = 'drift-promotion-test';
/** Alerts about drift: every alert whose expression reads a drift recording rule. */
const DRIFT_ALERTS = ALERTS.filter((alert) => /drift_psi/.test(alert.expr));

type Sample = { metric: Record<string, string>; value: [number, string] };
type StatusDrift = { drift: { window_predictions: number; features: Record<string, { psi: number | null; level: string }> } };

describe('fleet drift across a promotion: two replicas, a real Prometheus with the generated rules, stationary traffic', { skip: missing, timeout: 150_000 }, () => {
  const services: RunningService[] = [];
  let prometheus: WatchedChild | undefined;
  let api = '';
  let startedAt = 0;
  let endedAt = 0;

  const query = async <T = Sample>(expr: string): Promise<T[]> => {
    const body = (await (await fetch(`${api}/api/v1/query?query=${encodeURIComponent(expr)}`)).json()) as { status: string; error?: string; data: { result: T[] } };
    assert.equal(body.status, 'success', `${expr}: ${body.error}`);
    return body.data.result;
  };
  /** Series of `expr` that had a value at any second of the run. */
  const everOverRun = async (expr: string) => {
    const url = `${api}/api/v1/query_range?query=${encodeURIComponent(expr)}&start=${startedAt / 1000}&end=${endedAt / 1000}&step=1`;
    const body = (await (await fetch(url)).json()) as { status: string; error?: string; data: { result: { metric: Record<string, string>; values: [number, string][] }[] } };
    assert.equal(body.status, 'success', `${expr}: ${body.error}`);
    return body.data.result;
  };
  /** Sends `rows` stationary rows to every service, in batches of 250. */
  const traffic = async (source: Iterator<{ features: Record<string, unknown> }>, rows: number) => {
    for (const service of services) {
      for (let sent = 0; sent < rows; sent += 250) {
        const batch = Array.from({ length: Math.min(250, rows - sent) }, () => source.next().value!.features);
        const response = await fetch(`${service.url}/predict/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rows: batch }) });
        assert.equal(response.status, 200, await response.text());
      }
    }
  };
  const status = async (service: RunningService) => (await (await fetch(`${service.url}/status`)).json()) as StatusDrift & { model: { version: string } };

  before(async () => {
    const dir = tempDir('modelwatch-drift-promotion-');
    // v1: the shared test model (trained on seed 7's rows); v2: trained on seed 8's, so its bin
    // edges and shares differ from v1's.
    const registry = new ModelRegistry(join(dir, 'models'));
    mkdirSync(registry.versionsDir, { recursive: true });
    copyFileSync(trainedRegistry().fileOf('v1'), registry.fileOf('v1'));
    registry.setCurrent('v1');
    const { rows, sha256 } = syntheticTrainingSet(8, 3_000);
    const v2 = registry.register(trainModel({ rows, dataSha256: sha256, dataSource: 'synthetic(drift promotion test)', params: { maxIter: 20 } }).artifact);
    assert.equal(v2, 'v2');
    const v1Age = registry.read('v1').artifact.baseline.features.age.labels;
    assert.notDeepEqual(registry.read('v2').artifact.baseline.features.age.labels, v1Age, 'the versions bin age differently');

    for (let i = 0; i < 2; i++) {
      // The drift window holds every prediction of the run, so in-process PSI covers what the fleet rule counts.
      const config = loadConfig({}, {
        PORT: 0, HOST: '127.0.0.1', MODEL_DIR: registry.dir, LOG_STDOUT: false, AUDIT_LOG: false, ADMIN_TOKEN: TOKEN, BATCH_MAX_ROWS: 250,
        MONITOR_INTERVAL_SECONDS: 1, MODEL_WATCH_INTERVAL_SECONDS: 1, DRIFT_WINDOW_SIZE: 100_000, DRIFT_WINDOW_SECONDS: 3600,
      });
      services.push(await startService(config));
    }

    // The generated prometheus.yml's modelwatch job (its relabelling) with both replicas as targets,
    // the generated rule files, every interval a second.
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    const generated = parse(generatePrometheus()[PROMETHEUS_FILES.config]) as { global: Record<string, unknown>; scrape_configs: { job_name: string; [key: string]: unknown }[] };
    const job = generated.scrape_configs.find((j) => j.job_name === 'modelwatch')!;
    const config = {
      global: { ...generated.global, scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [join(rulesDir, PROMETHEUS_FILES.recordingRules), join(rulesDir, PROMETHEUS_FILES.alertRules)],
      scrape_configs: [{ ...job, scrape_interval: '1s', file_sd_configs: undefined, static_configs: [{ targets: services.map((s) => new URL(s.url).host) }] }],
    };
    writeFileSync(join(dir, 'prometheus.yml'), stringify(JSON.parse(JSON.stringify(config))));
    prometheus = spawnWatched('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`]);
    // Not ready (a lost port, a bad file) is said here with Prometheus's stderr, not later as missing series.
    await waitReady(prometheus, `${api}/-/ready`);
    for (let i = 0; i < 50 && (await query('up == 1')).length < 2; i++) await sleep(200);
    assert.equal((await query('up == 1')).length, 2, 'Prometheus scrapes both replicas');

    // Stationary traffic, 500 rows a second per replica; v1 for 8 s, then the promotion, then v2 for 10 s.
    startedAt = Date.now();
    const source = syntheticRows({ seed: 31, drift: 0 });
    const second = async (rowsPerReplica: number) => {
      const t = Date.now();
      await traffic(source, rowsPerReplica);
      await sleep(Math.max(0, 1000 - (Date.now() - t)));
    };
    for (let s = 0; s < 8; s++) await second(500);
    registry.setCurrent('v2', { by: 'promote', reason: 'drift promotion test' });
    for (const service of services) {
      const reload = await fetch(`${service.url}/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(reload.status, 200, await reload.text());
    }
    for (let s = 0; s < 10; s++) await second(500);
    // Two more scrapes, a monitor tick and a rule evaluation after the last prediction.
    await sleep(3500);
    endedAt = Date.now();
  });

  after(async () => {
    prometheus?.process.kill('SIGTERM');
    for (const service of services) await service.close();
  });

  test('both replicas serve v2 after the promotion', async () => {
    for (const service of services) assert.equal((await status(service)).model.version, 'v2');
  });

  test('fleet PSI of v2 per feature equals each replica’s in-process PSI within 0.02', async () => {
    const fleet = new Map((await query('ml:feature_drift_psi:1h{model_version="v2"}')).map((s) => [s.metric.feature, Number(s.value[1])]));
    assert.deepEqual([...fleet.keys()].sort(), [...FEATURE_NAMES].sort(), 'fleet PSI for every feature of v2');
    const local = await Promise.all(services.map(status));
    const rows: string[] = [];
    for (const feature of FEATURE_NAMES) {
      const own = local.map((s) => s.drift.features[feature].psi);
      rows.push(`${feature}: fleet ${fleet.get(feature)!.toFixed(4)} in-process ${own.map((p) => p?.toFixed(4)).join(' / ')}`);
      for (const psi of own) {
        assert.ok(psi !== null, `${feature}: in-process PSI reported`);
        assert.ok(Math.abs(fleet.get(feature)! - psi) <= 0.02, `${feature}: fleet PSI ${fleet.get(feature)} against in-process ${psi}`);
      }
    }
    // The figures, for the record (node --test prints diagnostics).
    console.log(rows.join('\n'));
    // The gauges say the same as /status.
    const gauges = await query('ml_feature_drift_psi{model_version="v2",feature="age"}');
    assert.equal(gauges.length, 2);
  });

  test('no drift alert was pending or firing, and no drift alert expression had a result, at any second of the run', async () => {
    assert.ok(DRIFT_ALERTS.length >= 3, DRIFT_ALERTS.map((a) => a.name).join());
    const names = DRIFT_ALERTS.map((a) => a.name).join('|');
    assert.deepEqual(await everOverRun(`ALERTS{alertname=~"${names}"}`), []);
    for (const alert of DRIFT_ALERTS) assert.deepEqual(await everOverRun(alert.expr), [], `${alert.name}: ${alert.expr}`);
    // The rules did compute PSI during the run (an empty result above is not an absent rule).
    assert.ok((await everOverRun('ml:feature_drift_psi:1h{model_version="v1"}')).length > 0, 'v1 had fleet PSI before the promotion');
  });

  test('the old version, whose counters stopped at the swap, has no fleet PSI and no bin shares any more', async () => {
    assert.ok((await query('ml_feature_bin_total{model_version="v1"}[1m]')).length > 0, 'v1 counted predictions within the last minute');
    assert.deepEqual(await query('ml:feature_drift_psi:1h{model_version="v1"}'), []);
    assert.deepEqual(await query('ml:feature_bin_share:ratio_1h{model_version="v1"}'), []);
    assert.deepEqual(await query('ml:prediction_drift_psi:1h{model_version="v1"}'), []);
    assert.equal((await query('ml:prediction_drift_psi:1h{model_version="v2"}')).length, 2, 'class and confidence PSI of v2');
  });
});
