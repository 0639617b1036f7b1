/**
 * Exemplars through a real Prometheus (Debian's package, with its exemplar storage on): a traced
 * service scraped every second. Prometheus asks for OpenMetrics, so the scrape must parse with the
 * exemplars in it (a scrape that fails to parse is `up == 0`), the latency histograms must still
 * give quantiles, and Prometheus must hold the trace ids of sampled requests as exemplars. The
 * text format, what every other scraper gets, stays exemplar-free and passes `promtool check metrics`.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { freePort } from '../bench/children.js';
import { loadConfig } from '../src/config.js';
import { startService, type RunningService } from '../src/server/serve.js';
import { SEED_BODY, tempDir, trainedRegistry } from './helpers/fixtures.js';
import { startOtlpReceiver, type OtlpReceiver } from './helpers/otlp-receiver.js';
import { skipUnlessTool } from './helpers/tools.js';

const missing = spawnSync('prometheus', ['--version']).error ? "prometheus not found: install Debian's prometheus package (apt-get install prometheus); .ci/run does" : false;

describe('exemplars scraped by a real Prometheus', { skip: skipUnlessTool(missing) }, () => {
  let receiver: OtlpReceiver;
  let service: RunningService;
  let prometheus: ChildProcess | undefined;
  let api = '';
  const get = async <T>(path: string): Promise<T> => {
    const body = (await (await fetch(`${api}${path}`)).json()) as { status: string; error?: string; data: T };
    assert.equal(body.status, 'success', `${path}: ${body.error}`);
    return body.data;
  };
  const query = (expr: string) => get<{ result: unknown[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`).then((d) => d.result);

  before(async () => {
    receiver = await startOtlpReceiver();
    const config = loadConfig({}, { PORT: 0, HOST: '127.0.0.1', MODEL_DIR: trainedRegistry().dir, LOG_STDOUT: false, MODEL_WATCH: false });
    service = await startService(config, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint } });
    const dir = tempDir('modelwatch-exemplars-prom-');
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    writeFileSync(
      join(dir, 'prometheus.yml'),
      stringify({ global: { scrape_interval: '1s', evaluation_interval: '1s' }, scrape_configs: [{ job_name: 'modelwatch', static_configs: [{ targets: [new URL(service.url).host] }] }] }),
    );
    prometheus = spawn(
      'prometheus',
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--enable-feature=exemplar-storage'],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 100 && !(await fetch(`${api}/-/ready`).catch(() => undefined))?.ok; i++) await sleep(100);
    for (let i = 0; i < 100 && (await query('up{job="modelwatch"} == 1')).length < 1; i++) await sleep(200);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 10; i++) await fetch(`${service.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(SEED_BODY) });
      await sleep(1200);
    }
    await sleep(1500);
  });
  after(async () => {
    prometheus?.kill('SIGTERM');
    await service?.close();
    await receiver?.close();
  });

  test('the OpenMetrics scrape parses, and the latency quantiles are there', async () => {
    assert.ok((await query('up{job="modelwatch"} == 1')).length === 1, 'scraped without a parse error');
    assert.ok((await query('histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{route="/predict"}[1m])))')).length > 0);
    assert.ok((await query('histogram_quantile(0.99, sum by (le) (rate(model_latency_seconds_bucket[1m])))')).length > 0);
    assert.ok((await query('model_requests_total{status="success"} > 0')).length > 0, 'counters keep their names');
  });

  test('Prometheus holds exemplars whose trace ids are spans the receiver got', async () => {
    await service.tracing!.flush();
    const traced = new Set(receiver.spans.map((s) => s.traceId));
    const end = Date.now() / 1000;
    for (const family of ['http_request_duration_seconds_bucket', 'model_latency_seconds_bucket']) {
      const series = await get<{ exemplars: { labels: { trace_id?: string } }[] }[]>(`/api/v1/query_exemplars?query=${family}&start=${end - 300}&end=${end}`);
      const ids = series.flatMap((s) => s.exemplars.map((e) => e.labels.trace_id));
      assert.ok(ids.length > 0, `${family} has exemplars`);
      for (const id of ids) assert.ok(id && traced.has(id), `${family}: exemplar ${id} is an exported trace`);
    }
  });

  test('the text format has no exemplar and passes promtool check metrics', async () => {
    const text = await (await fetch(`${service.url}/metrics`)).text();
    assert.ok(!text.includes('trace_id'));
    const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.ok(!/error while linting|parsing error/i.test(`${result.stdout}${result.stderr}`), `${result.stdout}${result.stderr}`);
  });
});
