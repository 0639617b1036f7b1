/**
 * 004's promise, end to end with real parts: modelwatch serves, a real Prometheus scrapes it every
 * second with the generated rules (their real `for: 2m`), a real Alertmanager routes to a webhook
 * this test listens on. Requests with more than 5 % errors must bring HighRequestErrorRatio to the
 * webhook within 2 minutes plus one evaluation interval (plus Alertmanager's group wait), and the
 * alert must resolve once the errors stop. This takes about three minutes.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { freePort } from '../bench/children.js';
import { loadConfig } from '../src/config.js';
import { PROMETHEUS_FILES } from '../src/stack/prometheus/generate.js';
import { startService, type RunningService } from '../src/server/serve.js';
import { SEED_BODY, tempDir, trainedRegistry } from './helpers/fixtures.js';

const missing =
  spawnSync('prometheus', ['--version']).error || spawnSync('prometheus-alertmanager', ['--version']).error
    ? 'prometheus or prometheus-alertmanager not found: apt-get install prometheus prometheus-alertmanager (.ci/run installs them)'
    : false;
const rulesDir = fileURLToPath(new URL('../deploy/prometheus/', import.meta.url));
const EVALUATION_SECONDS = 1;
const GROUP_WAIT_SECONDS = 1;

interface Notification {
  readonly at: number;
  readonly status: string;
  readonly alerts: { status: string; labels: Record<string, string> }[];
}

describe('an alert travels from modelwatch through Prometheus to Alertmanager and resolves', { skip: missing }, () => {
  let service: RunningService;
  const children: ChildProcess[] = [];
  let webhook: Server;
  const notifications: Notification[] = [];
  let sending = true;
  let errorShare = 0.1;
  let traffic: Promise<void>;
  let prometheusApi: string;

  const waitFor = async (what: string, timeoutMs: number, found: () => Notification | undefined) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const notification = found();
      if (notification) return notification;
      await sleep(250);
    }
    assert.fail(`${what} did not arrive within ${timeoutMs / 1000} s (notifications: ${JSON.stringify(notifications)})`);
  };
  const about = (alertname: string, status: string) => () =>
    notifications.find((n) => n.alerts.some((a) => a.labels.alertname === alertname && a.status === status));

  before(async () => {
    const dir = tempDir('modelwatch-alerting-');
    webhook = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk));
      request.on('end', () => {
        const parsed = JSON.parse(body) as Omit<Notification, 'at'>;
        notifications.push({ at: Date.now(), status: parsed.status, alerts: parsed.alerts });
        response.end();
      });
    });
    const hookPort = await freePort();
    await new Promise<void>((resolve) => webhook.listen(hookPort, '127.0.0.1', resolve));
    const amPort = await freePort();
    writeFileSync(
      join(dir, 'alertmanager.yml'),
      stringify({
        route: { receiver: 'hook', group_by: ['alertname'], group_wait: `${GROUP_WAIT_SECONDS}s`, group_interval: '1s', repeat_interval: '1h' },
        receivers: [{ name: 'hook', webhook_configs: [{ url: `http://127.0.0.1:${hookPort}/`, send_resolved: true }] }],
      }),
    );
    children.push(spawn('prometheus-alertmanager', [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'am')}`, `--web.listen-address=127.0.0.1:${amPort}`, '--cluster.listen-address='], { stdio: 'ignore' }));

    service = await startService(loadConfig({}, { PORT: 0, HOST: '127.0.0.1', MODEL_DIR: trainedRegistry().dir, LOG_STDOUT: false }));
    const promPort = await freePort();
    prometheusApi = `http://127.0.0.1:${promPort}/api/v1`;
    writeFileSync(
      join(dir, 'prometheus.yml'),
      stringify({
        global: { scrape_interval: '1s', evaluation_interval: `${EVALUATION_SECONDS}s` },
        rule_files: [join(rulesDir, PROMETHEUS_FILES.recordingRules), join(rulesDir, PROMETHEUS_FILES.alertRules)],
        alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }] },
        scrape_configs: [{ job_name: 'modelwatch', static_configs: [{ targets: [new URL(service.url).host] }] }],
      }),
    );
    children.push(spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`], { stdio: 'ignore' }));
    for (const url of [`http://127.0.0.1:${promPort}/-/ready`, `http://127.0.0.1:${amPort}/-/ready`]) {
      for (let i = 0; i < 100 && !(await fetch(url).catch(() => undefined))?.ok; i++) await sleep(100);
    }
    // Steady traffic in the background; `errorShare` of the requests are malformed (400s).
    traffic = (async () => {
      let credit = 0;
      while (sending) {
        const batch: Promise<unknown>[] = [];
        for (let i = 0; i < 20; i++) {
          credit += errorShare;
          const bad = credit >= 1;
          if (bad) credit -= 1;
          batch.push(fetch(`${service.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bad ? '{"age": 5}' : JSON.stringify(SEED_BODY) }).then((r) => r.arrayBuffer()));
        }
        await Promise.all(batch);
        await sleep(errorShare > 0 ? 100 : 10);
      }
    })();
  });

  after(async () => {
    sending = false;
    await traffic;
    for (const child of children) child.kill('SIGTERM');
    await service?.close();
    await new Promise((resolve) => webhook?.close(resolve));
  });

  test('HighRequestErrorRatio reaches Alertmanager within 2 minutes plus one evaluation, then resolves', async (t) => {
    const firing = await waitFor('the firing HighRequestErrorRatio', 200_000, about('HighRequestErrorRatio', 'firing'));
    // The promise is counted from when Prometheus first saw the ratio above 5 % (the alert's
    // activeAt): `for: 2m`, one evaluation, Alertmanager's group wait, and a second of slack for
    // the notification to travel.
    const alerts = (await (await fetch(`${prometheusApi}/alerts`)).json()) as { data: { alerts: { labels: Record<string, string>; activeAt: string }[] } };
    const activeAt = Date.parse(alerts.data.alerts.find((a) => a.labels.alertname === 'HighRequestErrorRatio')!.activeAt);
    const delaySeconds = (firing.at - activeAt) / 1000;
    t.diagnostic(`firing notification ${delaySeconds.toFixed(1)} s after the ratio first exceeded 5 %`);
    assert.ok(delaySeconds <= 120 + EVALUATION_SECONDS + GROUP_WAIT_SECONDS + 1, `arrived ${delaySeconds} s after the condition held`);
    const alert = firing.alerts.find((a) => a.labels.alertname === 'HighRequestErrorRatio')!;
    assert.equal(alert.labels.severity, 'critical');
    assert.equal(alert.labels.service, 'modelwatch');
    assert.equal(alert.labels.job, 'modelwatch');
    // Errors stop; successful traffic dilutes the 5-minute ratio below 5 %.
    errorShare = 0;
    const stopped = Date.now();
    const resolved = await waitFor('the resolved HighRequestErrorRatio', 240_000, about('HighRequestErrorRatio', 'resolved'));
    t.diagnostic(`resolved notification ${((resolved.at - stopped) / 1000).toFixed(1)} s after the errors stopped`);
  });
});
