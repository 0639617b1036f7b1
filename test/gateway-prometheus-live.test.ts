/**
 * The gateway's metrics through a real Prometheus (Debian's package): a gateway in front of a
 * modelwatch server, scraped every second under the job `model-gateway`, with traffic spread over
 * a few scrapes. Every query of the generated "API Gateway" dashboard returns data (the 502s of a
 * gateway whose model server is gone among it), and the catalogue's gateway alert expressions are valid PromQL on the real series.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { stringify } from 'yaml';
import { freePort } from '../bench/children.js';
import { loadConfig } from '../src/config.js';
import { buildGateway, GATEWAY_PREFIX } from '../src/gateway/app.js';
import { startService, type RunningService } from '../src/server/serve.js';
import { ALERTS } from '../src/stack/catalogue/alerts.js';
import { API_GATEWAY } from '../src/stack/grafana/dashboards.js';
import { closedPort } from './helpers/fake-elastic.js';
import { SEED_BODY, tempDir, trainedRegistry } from './helpers/fixtures.js';
import { skipUnlessTool } from './helpers/tools.js';

const missing = spawnSync('prometheus', ['--version']).error ? "prometheus not found: install Debian's prometheus package (apt-get install prometheus); .ci/run does" : false;

/** Every query of the "API Gateway" dashboard, its job variable filled with its default as Grafana does on first load. */
const DASHBOARD_QUERIES = API_GATEWAY.panels.flatMap((panel) => panel.queries.map(({ expr }) => ({ panel: panel.title, expr: expr.replaceAll(`$${API_GATEWAY.variable!.name}`, API_GATEWAY.variable!.default) })));

/** Further PromQL on the gateway_* families that docs/gateway.md shows, per series rather than summed. */
const GATEWAY_QUERIES = [
  'rate(gateway_http_requests_total[5m])',
  'histogram_quantile(0.95, rate(gateway_http_request_duration_seconds_bucket[5m]))',
  'rate(gateway_http_requests_total{status=~"5.."}[5m]) / rate(gateway_http_requests_total[5m])',
];

describe('the gateway scraped by a real Prometheus', { skip: skipUnlessTool(missing) }, () => {
  let upstream: RunningService;
  let gateway: FastifyInstance;
  let broken: FastifyInstance;
  let prometheus: ChildProcess | undefined;
  let api = '';
  const query = async (expr: string) => {
    const response = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await response.json()) as { status: string; error?: string; data?: { result: unknown[] } };
    assert.equal(body.status, 'success', `${expr}: ${body.error}`);
    return body.data!.result;
  };

  before(async () => {
    upstream = await startService(loadConfig({}, { PORT: 0, HOST: '127.0.0.1', MODEL_DIR: trainedRegistry().dir, LOG_STDOUT: false }));
    ({ app: gateway } = await buildGateway({ upstream: upstream.url, preset: 'native', timeoutSeconds: 5, prefix: GATEWAY_PREFIX }));
    const gatewayUrl = await gateway.listen({ port: 0, host: '127.0.0.1' });
    // A second gateway of the same job whose model server is gone: the 502s of the error-rate lines.
    ({ app: broken } = await buildGateway({ upstream: `http://127.0.0.1:${await closedPort()}`, preset: 'native', timeoutSeconds: 5, prefix: GATEWAY_PREFIX }));
    const brokenUrl = await broken.listen({ port: 0, host: '127.0.0.1' });
    const dir = tempDir('modelwatch-gateway-prom-');
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    writeFileSync(
      join(dir, 'prometheus.yml'),
      stringify({ global: { scrape_interval: '1s', evaluation_interval: '1s' }, scrape_configs: [{ job_name: 'model-gateway', metrics_path: `${GATEWAY_PREFIX}/metrics`, static_configs: [{ targets: [new URL(gatewayUrl).host, new URL(brokenUrl).host] }] }] }),
    );
    prometheus = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
    for (let i = 0; i < 100 && !(await fetch(`${api}/-/ready`).catch(() => undefined))?.ok; i++) await sleep(100);
    for (let i = 0; i < 100 && (await query('up{job="model-gateway"} == 1')).length < 2; i++) await sleep(200);
    // Traffic over several scrapes: predictions, rejected bodies, an unknown path.
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 20; i++) await fetch(`${gatewayUrl}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(SEED_BODY) });
      await fetch(`${gatewayUrl}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"age": 5}' });
      await fetch(`${gatewayUrl}/nowhere`);
      // Two failures in about 120 requests: under the 5 % the error alert pages at.
      if (round < 2) await fetch(`${brokenUrl}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(SEED_BODY) });
      await sleep(1200);
    }
    await sleep(2500);
  });
  after(async () => {
    prometheus?.kill('SIGTERM');
    await gateway?.close();
    await broken?.close();
    await upstream?.close();
  });

  test('every query of the API Gateway dashboard, and every other gateway PromQL line, returns data', async () => {
    for (const { panel, expr } of DASHBOARD_QUERIES) assert.ok((await query(expr)).length > 0, `API Gateway / ${panel}: ${expr} returns data`);
    for (const expr of GATEWAY_QUERIES) assert.ok((await query(expr)).length > 0, `${expr} returns data`);
    // The 502s of the gateway whose model server is gone show in the error panel and by kind.
    const errorRate = DASHBOARD_QUERIES.find((q) => q.panel === 'Error Rate (5xx)')!.expr;
    const [share] = (await query(errorRate)) as { value: [number, string] }[];
    assert.ok(Number(share.value[1]) > 0 && Number(share.value[1]) < 5, `the 5xx share is above 0 and under the alert's 5 %: ${share.value[1]}`);
    const kinds = (await query(DASHBOARD_QUERIES.find((q) => q.panel === 'Upstream Errors by Kind')!.expr)) as { metric: { kind: string }; value: [number, string] }[];
    assert.ok(Number(kinds.find((k) => k.metric.kind === 'unreachable')?.value[1]) > 0, JSON.stringify(kinds));
    const byEndpoint = (await query('sum(rate(gateway_http_requests_total[5m])) by (endpoint)')) as { metric: { endpoint: string } }[];
    assert.deepEqual(byEndpoint.map((s) => s.metric.endpoint).sort(), ['/predict', 'other']);
  });

  test("the catalogue's gateway alerts are valid PromQL on the real series, and silent on mostly healthy traffic", async () => {
    for (const name of ['GatewayHighErrorRate', 'MLInferenceLatencyHigh', 'MLServiceDown']) {
      const alert = ALERTS.find((a) => a.name === name)!;
      assert.deepEqual(await query(alert.expr), [], `${name} holds nowhere`);
    }
    // …while the share they watch is there to be compared.
    assert.ok((await query('sum by (job) (rate(gateway_http_requests_total[5m]))')).length > 0);
  });
});
