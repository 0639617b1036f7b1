/**
 * The gateway's error alert, end to end with real parts: a model server answering 500s (a child
 * process), the built CLI's `modelwatch gateway` in front of it under load, a real Prometheus
 * scraping it under the generated prometheus.yml's `model-gateway` job and evaluating the generated
 * GatewayHighErrorRate rule, and a real Alertmanager running the generated route tree with every
 * receiver pointed at a webhook this test listens on. The alert must show in Alertmanager's API with
 * the rule's labels and annotations, and reach the webhook through the critical route.
 *
 * To take seconds instead of minutes, the test's copy of the rule differs from the shipped one in
 * `for` only (2 s instead of 5 m; the test checks the shipped value and that the expression is
 * the shipped one), and Prometheus scrapes and evaluates every second. The rule's 5-minute rate
 * window needs no waiting: rate() needs two samples of each series in the window, which a 1-second
 * scrape gives within two seconds of the first 500. Alertmanager's timing is the shipped one.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { freePort } from '../bench/children.js';
import { GATEWAY_JOB, PROMETHEUS_FILES } from '../src/stack/prometheus/generate.js';
import { tempDir } from './helpers/fixtures.js';
import { drive, startGateway, startUpstream, type Gateway, type Upstream } from './helpers/gateway-faults.js';
import { spawnWatched, waitReady, type WatchedChild } from './helpers/processes.js';
import { commandMissing, skipUnlessTool } from './helpers/tools.js';

const missing = skipUnlessTool(commandMissing('prometheus', 'apt-get install prometheus') ?? commandMissing('prometheus-alertmanager', 'apt-get install prometheus-alertmanager'));
const deploy = (path: string) => fileURLToPath(new URL(`../deploy/${path}`, import.meta.url));
const ALERT = 'GatewayHighErrorRate';
/** The test's `for` (the shipped rule's is checked to be 5m). */
const TEST_FOR = '2s';

interface Rule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
interface Route {
  receiver?: string;
  routes?: Route[];
  [key: string]: unknown;
}
type Job = { job_name: string; metrics_path?: string; scrape_interval?: string; static_configs?: unknown; file_sd_configs?: unknown; relabel_configs?: unknown };

/** The route tree with every receiver replaced by the test's webhook; its timing untouched. */
const toWebhook = (route: Route): Route => ({ ...route, ...(route.receiver ? { receiver: 'hook' } : {}), ...(route.routes ? { routes: route.routes.map(toWebhook) } : {}) });

describe(`${ALERT} from a gateway whose model server answers 500s reaches a real Alertmanager`, { skip: missing }, () => {
  const shippedRule = (parse(readFileSync(deploy(`prometheus/${PROMETHEUS_FILES.alertRules}`), 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules).find((r) => r.alert === ALERT)!;
  const shippedJob = (parse(readFileSync(deploy(`prometheus/${PROMETHEUS_FILES.config}`), 'utf8')) as { scrape_configs: Job[] }).scrape_configs.find((j) => j.job_name === GATEWAY_JOB)!;
  let upstream: Upstream;
  let gateway: Gateway;
  const children: WatchedChild[] = [];
  let webhook: Server;
  const notifications: { at: number; status: string; receiver: string; alerts: { status: string; labels: Record<string, string> }[] }[] = [];
  let alertmanagerApi = '';
  let loading = true;
  let load: Promise<unknown>;
  let firstErrorAt = 0;

  before(async () => {
    const dir = tempDir('modelwatch-gateway-alert-');
    webhook = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk));
      request.on('end', () => {
        notifications.push({ at: Date.now(), ...(JSON.parse(body) as Omit<(typeof notifications)[number], 'at'>) });
        response.end();
      });
    });
    const hookPort = await freePort();
    await new Promise<void>((resolve) => webhook.listen(hookPort, '127.0.0.1', resolve));

    const amPort = await freePort();
    alertmanagerApi = `http://127.0.0.1:${amPort}/api/v2`;
    const shippedAm = parse(readFileSync(deploy('alertmanager/alertmanager.yml'), 'utf8')) as { global?: Record<string, unknown>; route: Route; inhibit_rules?: unknown[] };
    writeFileSync(
      join(dir, 'alertmanager.yml'),
      stringify({
        global: { resolve_timeout: shippedAm.global?.resolve_timeout ?? '5m' },
        route: toWebhook(shippedAm.route),
        receivers: [{ name: 'hook', webhook_configs: [{ url: `http://127.0.0.1:${hookPort}/`, send_resolved: true }] }],
        inhibit_rules: shippedAm.inhibit_rules,
      }),
    );
    const alertmanager = spawnWatched('prometheus-alertmanager', [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'am')}`, `--web.listen-address=127.0.0.1:${amPort}`, '--cluster.listen-address=']);
    children.push(alertmanager);

    upstream = await startUpstream('error500');
    gateway = await startGateway(upstream.url);

    // The shipped rule with a short `for`, alone in its group.
    writeFileSync(join(dir, 'gateway-alert.yml'), stringify({ groups: [{ name: 'gateway-alert-test', rules: [{ ...shippedRule, for: TEST_FOR }] }] }));
    const promPort = await freePort();
    writeFileSync(
      join(dir, 'prometheus.yml'),
      stringify({
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        rule_files: [join(dir, 'gateway-alert.yml')],
        alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }] },
        // The generated gateway job (name, path, relabelling) with this test's gateway as its target.
        scrape_configs: [{ ...shippedJob, scrape_interval: '1s', file_sd_configs: undefined, static_configs: [{ targets: [new URL(gateway.url).host] }] }],
      }),
    );
    const prometheus = spawnWatched('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`]);
    children.push(prometheus);
    await waitReady(prometheus, `http://127.0.0.1:${promPort}/-/ready`);
    await waitReady(alertmanager, `http://127.0.0.1:${amPort}/-/ready`);

    firstErrorAt = Date.now();
    load = drive({ url: gateway.url, concurrency: 4, running: () => loading });
  });

  after(async () => {
    loading = false;
    await load;
    for (const child of children) child.process.kill('SIGTERM');
    await gateway?.stop();
    upstream?.process.kill('SIGKILL');
    await new Promise((resolve) => webhook?.close(resolve));
  });

  test('the test copy of the rule is the shipped one but for its `for`', () => {
    assert.equal(shippedRule.for, '5m');
    assert.match(shippedRule.expr, /gateway_http_requests_total\{status=~"5\.\."\}\[5m\]/);
    assert.equal(shippedJob.metrics_path, '/-/modelwatch/metrics');
  });

  test('the alert shows in Alertmanager with the rule\'s labels and annotations, and reaches the webhook through the critical route', async (t) => {
    type AmAlert = { labels: Record<string, string>; annotations: Record<string, string>; status: { state: string } };
    let shown: AmAlert | undefined;
    for (const deadline = Date.now() + 60_000; !shown && Date.now() < deadline; await sleep(250)) {
      const alerts = (await (await fetch(`${alertmanagerApi}/alerts?filter=${encodeURIComponent(`alertname="${ALERT}"`)}`)).json()) as AmAlert[];
      shown = alerts.find((a) => a.status.state === 'active');
    }
    assert.ok(shown, `${ALERT} is not active in Alertmanager within 60 s`);
    const shownAfter = (Date.now() - firstErrorAt) / 1000;
    assert.equal(shown.labels.job, GATEWAY_JOB);
    assert.equal(shown.labels.severity, 'critical');
    assert.equal(shown.labels.service, 'modelwatch');
    assert.match(shown.annotations.summary, new RegExp(`gateway ${GATEWAY_JOB} fail with a server error`));
    assert.match(shown.annotations.description, /^100% of the requests/, 'every request failed: the share is rendered');
    assert.match(shown.annotations.runbook_url, /runbooks\.md#gatewayhigherrorrate$/);

    let delivered: (typeof notifications)[number] | undefined;
    for (const deadline = Date.now() + 40_000; !delivered && Date.now() < deadline; await sleep(250)) {
      delivered = notifications.find((n) => n.status === 'firing' && n.alerts.some((a) => a.labels.alertname === ALERT));
    }
    assert.ok(delivered, `the webhook got no ${ALERT} notification (notifications: ${JSON.stringify(notifications)})`);
    t.diagnostic(`active in Alertmanager ${shownAfter.toFixed(1)} s after the first 500, at the webhook ${((delivered.at - firstErrorAt) / 1000).toFixed(1)} s after it (the critical route's group_wait included)`);
  });
});
