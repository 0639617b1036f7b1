/**
 * The generated configuration and rules against a real Prometheus and Pushgateway (Debian's
 * `prometheus` and `prometheus-pushgateway`, installed by .ci/run): Prometheus runs the generated
 * prometheus.yml — its addresses pointed at this test's processes, its intervals shortened to a
 * second — and scrapes a real modelwatch (found through file_sd), a `modelwatch gateway` in front
 * of it, and the Pushgateway. After traffic
 * with predictions, rejections and feedback, every recording rule, every dashboard panel, every
 * Grafana alert and every query that docs/metrics.md lists returns data, the alert
 * expressions evaluate without error, and a pushed series keeps its own job label.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { parse, stringify } from 'yaml';
import { freePort } from '../bench/children.js';
import { loadConfig } from '../src/config.js';
import { generateSynthetic, syntheticRows } from '../src/data/synthetic.js';
import { ALERTS } from '../src/stack/catalogue/alerts.js';
import { GRAFANA_ALERTS } from '../src/stack/grafana/alerting.js';
import { DASHBOARDS } from '../src/stack/grafana/dashboards.js';
import { RULE_GROUPS } from '../src/stack/catalogue/recording-rules.js';
import { GATEWAY_JOB, generatePrometheus, PROMETHEUS_FILES } from '../src/stack/prometheus/generate.js';
import { buildGateway, GATEWAY_PREFIX } from '../src/gateway/app.js';
import { startService, type RunningService } from '../src/server/serve.js';
import { createProgress } from '../src/cli/progress.js';
import { writeLabelledCsv } from '../src/data/csv.js';
import { createLogger } from '../src/monitoring/audit/logger.js';
import { PIPELINE_JOB } from '../src/pipeline/metrics.js';
import { runPipeline } from '../src/pipeline/run.js';
import { CapturedLines, tempDir, trainedRegistry } from './helpers/fixtures.js';
import { skipUnlessTool } from './helpers/tools.js';

const missing =
  spawnSync('prometheus', ['--version']).error || spawnSync('prometheus-pushgateway', ['--version']).error
    ? 'prometheus or prometheus-pushgateway not found: apt-get install prometheus prometheus-pushgateway (.ci/run installs them)'
    : false;
const rulesDir = fileURLToPath(new URL('../deploy/prometheus/', import.meta.url));

/** The queries under "The seed's queries" in docs/metrics.md, comments stripped. */
function documentedQueries(): string[] {
  const doc = readFileSync(fileURLToPath(new URL('../docs/metrics.md', import.meta.url)), 'utf8');
  const block = /## Queries that work as written[\s\S]*?```promql\n([\s\S]*?)```/.exec(doc);
  assert.ok(block, 'docs/metrics.md has a promql block under "Queries that work as written"');
  return block[1].split('\n').map((line) => line.replace(/\s+#.*$/, '').trim()).filter(Boolean);
}

type ScrapeConfig = { job_name: string; scrape_interval?: string; static_configs?: { targets: string[] }[]; file_sd_configs?: { files: string[]; refresh_interval?: string }[] };

/**
 * The generated prometheus.yml with this test's addresses: modelwatch only through file_sd (so that
 * path is proven), the Pushgateway and Prometheus itself by static list, no node-exporter (none
 * runs here) and no Alertmanager (stack-alerting-e2e has one); every interval a second.
 */
function testConfig(dir: string, addresses: { modelwatch: string; gateway: string; pushgateway: string; prometheus: string }) {
  const generated = parse(generatePrometheus()[PROMETHEUS_FILES.config]) as { global: Record<string, unknown>; scrape_configs: ScrapeConfig[]; rule_files: string[]; alerting?: unknown };
  const targetsFile = join(dir, 'modelwatch-targets.json');
  writeFileSync(targetsFile, JSON.stringify([{ targets: [addresses.modelwatch] }]));
  const jobs = generated.scrape_configs.filter((job) => job.job_name !== 'node-exporter');
  for (const job of jobs) {
    if (job.scrape_interval) job.scrape_interval = '1s';
    if (job.job_name === 'modelwatch') {
      assert.ok(job.file_sd_configs?.length, 'the generated modelwatch job reads file_sd targets');
      job.static_configs = [];
      job.file_sd_configs = [{ files: [targetsFile], refresh_interval: '1s' }];
    } else {
      const address = { pushgateway: addresses.pushgateway, prometheus: addresses.prometheus, [GATEWAY_JOB]: addresses.gateway }[job.job_name];
      assert.ok(address, `the test knows where ${job.job_name} runs`);
      job.static_configs = [{ targets: [address] }];
      // The gateway job's file_sd directory is the deployment's; this test lists its gateway statically.
      delete job.file_sd_configs;
    }
  }
  delete generated.alerting;
  return {
    ...generated,
    global: { ...generated.global, scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: [join(rulesDir, PROMETHEUS_FILES.recordingRules), join(rulesDir, PROMETHEUS_FILES.alertRules)],
    scrape_configs: jobs,
  };
}

describe('the generated configuration and rules against a real Prometheus scraping modelwatch and a Pushgateway', { skip: skipUnlessTool(missing) }, () => {
  let service: RunningService;
  let gateway: FastifyInstance;
  let prometheus: ChildProcess;
  let pushgateway: ChildProcess;
  let api: string;

  const query = async (expr: string) => {
    const response = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await response.json()) as { status: string; error?: string; data: { result: unknown[] } };
    assert.equal(body.status, 'success', `${expr}: ${body.error}`);
    return body.data.result;
  };

  before(async () => {
    const dir = tempDir('modelwatch-prometheus-');
    service = await startService(loadConfig({}, { PORT: 0, HOST: '127.0.0.1', MODEL_DIR: trainedRegistry().dir, LOG_STDOUT: false, MONITOR_INTERVAL_SECONDS: 1 }));
    // A gateway in front of the service, scraped under the generated gateway job (its path under
    // the gateway's prefix): the "API Gateway" dashboard's queries need its series.
    ({ app: gateway } = await buildGateway({ upstream: service.url, preset: 'native', timeoutSeconds: 5, prefix: GATEWAY_PREFIX }));
    const gatewayUrl = await gateway.listen({ port: 0, host: '127.0.0.1' });
    const port = await freePort();
    const pushPort = await freePort();
    api = `http://127.0.0.1:${port}`;
    // A persistence file of its own: Debian's default, /var/lib/prometheus/pushgateway.data, would
    // carry series over from other runs.
    pushgateway = spawn('prometheus-pushgateway', [`--web.listen-address=127.0.0.1:${pushPort}`, `--persistence.file=${join(dir, 'pushgateway.data')}`], { stdio: 'ignore' });
    const config = testConfig(dir, { modelwatch: new URL(service.url).host, gateway: new URL(gatewayUrl).host, pushgateway: `127.0.0.1:${pushPort}`, prometheus: `127.0.0.1:${port}` });
    writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
    prometheus = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--web.enable-admin-api'], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      if ((await fetch(`${api}/-/ready`).catch(() => undefined))?.ok) break;
      await sleep(100);
    }
    // A real training-pipeline run pushes its metrics; a second one, with a model the gate rejects,
    // fills model_promotion_total{outcome="rejected"} too.
    const data = join(dir, 'train.csv');
    await writeLabelledCsv(data, generateSynthetic({ rows: 1500, seed: 4 }));
    const pushgatewayUrl = `http://127.0.0.1:${pushPort}`;
    for (let i = 0; i < 100 && !(await fetch(`${pushgatewayUrl}/-/ready`).catch(() => undefined))?.ok; i++) await sleep(100);
    const pipelineLog = createLogger({ serviceName: 'ml-pipeline', level: 'info', stdout: false, stream: new CapturedLines() });
    for (const maxIterations of [30, 1]) {
      const run = await runPipeline({ settings: { data, seed: 1, testShare: 0.2, tolerance: 0.005, maxIterations }, modelDir: join(dir, 'pipeline-models'), instance: 'ci', pushgatewayUrl, log: pipelineLog.pipeline, progress: createProgress(false) });
      assert.equal(run.push?.ok, true, JSON.stringify(run.push));
    }
    // Traffic only once Prometheus scrapes modelwatch (file_sd targets arrive within a few seconds):
    // increase() counts from a series' first sample, and fleet PSI needs DRIFT_MIN_SAMPLES of them.
    for (let i = 0; i < 100 && (await query('up{job="modelwatch"} == 1')).length === 0; i++) await sleep(200);
    // Traffic spread over a few scrapes: predictions, their labels, and some rejected requests.
    const rows = [...syntheticRows({ rows: 600, seed: 21, drift: 0.5 })];
    for (let round = 0; round < 6; round++) {
      const chunk = rows.slice(round * 100, round * 100 + 100);
      const batch = await fetch(`${service.url}/predict/batch`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': `p${round}` }, body: JSON.stringify({ rows: chunk.map((r) => r.features) }) });
      assert.equal(batch.status, 200);
      for (let i = 0; i < 10; i++) await fetch(`${service.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(chunk[i].features) });
      await fetch(`${service.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"age": 5}' });
      for (let i = 0; i < 5; i++) await fetch(`${gatewayUrl}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(chunk[i].features) });
      await fetch(`${service.url}/feedback/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ feedback: chunk.map((r, i) => ({ request_id: `p${round}:${i}`, actual: r.y })) }) });
      await sleep(1200);
    }
    await sleep(2500);
  });

  after(async () => {
    prometheus?.kill('SIGTERM');
    pushgateway?.kill('SIGTERM');
    await gateway?.close();
    await service?.close();
  });

  test('Prometheus scrapes modelwatch (found through file_sd), the gateway, the Pushgateway and itself', async () => {
    const up = (await query('up')) as { metric: { job: string }; value: [number, string] }[];
    assert.deepEqual(up.map((s) => [s.metric.job, s.value[1]]).sort(), [[GATEWAY_JOB, '1'], ['modelwatch', '1'], ['prometheus', '1'], ['pushgateway', '1']]);
  });

  test("a pipeline run's pushed series keep their job, pipeline and instance (honor_labels)", async () => {
    const pushed = (await query('pipeline_run_status')) as { metric: Record<string, string>; value: [number, string] }[];
    assert.equal(pushed.length, 1);
    assert.deepEqual([pushed[0].metric.job, pushed[0].metric.pipeline, pushed[0].metric.instance], [PIPELINE_JOB, 'bank-marketing', 'ci']);
    assert.equal(pushed[0].value[1], '1');
    const promotions = (await query('model_promotion_total')) as { metric: Record<string, string>; value: [number, string] }[];
    assert.deepEqual(promotions.map((p) => [p.metric.outcome, p.value[1]]).sort(), [['promoted', '1'], ['rejected', '1']]);
  });

  test("the queries of 000's Grafana alerts return data", async () => {
    for (const alert of GRAFANA_ALERTS) assert.ok((await query(alert.expr)).length > 0, `${alert.title}: ${alert.expr} has no data`);
  });

  test('every recording rule returns data', async () => {
    // The service here serves the bank-marketing classifier: a regression model's rules read counters
    // it never exports (ml_feedback_regression_total and the error sums); test/task-rules.test.ts
    // proves them in promtool. They must still evaluate without error.
    const regressionOnly = (expr: string) => expr.includes('ml_feedback_regression_total');
    for (const rule of RULE_GROUPS.flatMap((g) => g.rules)) {
      if (regressionOnly(rule.expr)) {
        await query(rule.record);
        continue;
      }
      const result = await query(rule.record);
      assert.ok(result.length > 0, `${rule.record} has no data (expr: ${rule.expr})`);
    }
  });

  test('PSI per feature over the counters of a real Prometheus is finite and non-negative for every feature', async () => {
    const psi = (await query('ml:feature_drift_psi:1h')) as { metric: { feature: string; model_version: string }; value: [number, string] }[];
    assert.equal(psi.length, 16);
    assert.deepEqual(new Set(psi.map((s) => s.metric.model_version)), new Set(['v1']), 'fleet PSI per model version: the serving one');
    for (const sample of psi) {
      const value = Number(sample.value[1]);
      assert.ok(Number.isFinite(value) && value >= 0, `${sample.metric.feature}: ${sample.value[1]}`);
    }
    const accuracy = (await query('ml:model_accuracy:live_1h')) as { metric: { model_version: string }; value: [number, string] }[];
    assert.deepEqual(accuracy.map((a) => a.metric.model_version), ['v1'], 'live accuracy per model version');
    const value = Number(accuracy[0].value[1]);
    assert.ok(value > 0.5 && value <= 1, `live accuracy from the feedback counters: ${value}`);
  });

  test('every query of every generated dashboard panel returns data', async () => {
    for (const dashboard of DASHBOARDS) {
      for (const panel of dashboard.panels) {
        // A panel of another task's model (the service here serves a binary classifier) only has to evaluate.
        if (panel.task) {
          for (const { expr } of panel.queries) await query(expr);
          continue;
        }
        for (const { expr } of panel.queries) {
          // A dashboard variable is filled with its default, as Grafana does on first load.
          const filled = dashboard.variable ? expr.replaceAll(`$${dashboard.variable.name}`, dashboard.variable.default) : expr;
          assert.ok((await query(filled)).length > 0, `${dashboard.title} / ${panel.title}: ${filled} has no data`);
        }
      }
    }
  });

  test('every query docs/metrics.md lists as working as written returns data', async () => {
    for (const expr of documentedQueries()) assert.ok((await query(expr)).length > 0, `${expr} has no data`);
  });

  test('every alert expression evaluates (no errors) in Prometheus', async () => {
    for (const alert of ALERTS) await query(alert.expr);
    const rules = (await (await fetch(`${api}/api/v1/rules`)).json()) as { data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] } };
    const all = rules.data.groups.flatMap((g) => g.rules);
    assert.equal(all.length, ALERTS.length + RULE_GROUPS.flatMap((g) => g.rules).length);
    for (const rule of all) assert.equal(rule.health, 'ok', `${rule.name}: ${rule.lastError}`);
  });
});
