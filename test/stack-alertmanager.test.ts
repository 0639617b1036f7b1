import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../bench/children.js';
import { GRAFANA_ALERTS } from '../src/stack/grafana/alerting.js';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { ALERTMANAGER_VARIANTS, SECRET_FILES, SECRETS_DIR, UI_ONLY_RECEIVER } from '../src/stack/alertmanager/generate.js';
import { ALERTS, SERVICE_LABEL } from '../src/stack/catalogue/alerts.js';
import { ALERTMANAGER_CONFIG_DIR, alertmanagerEntrypoint } from '../src/stack/compose/metrics.js';
import { tempDir } from './helpers/fixtures.js';
import { commandMissing, skipUnlessTool } from './helpers/tools.js';

const config = fileURLToPath(new URL('../deploy/alertmanager/alertmanager.yml', import.meta.url));
const missing = spawnSync('amtool', ['--version']).error ? 'amtool not found: apt-get install prometheus-alertmanager (.ci/run installs it)' : false;
const amtool = (...args: string[]) => spawnSync('amtool', args, { encoding: 'utf8' });

describe('the generated Alertmanager configuration', { skip: skipUnlessTool(missing) }, () => {
  test('amtool check-config passes', () => {
    const result = amtool('check-config', config);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /SUCCESS/);
    assert.match(result.stdout, new RegExp(`${2 + GRAFANA_ALERTS.length} inhibit rules`));
  });

  test('every alert of the catalogue routes by its severity: critical pages, warning goes to chat', () => {
    for (const alert of ALERTS) {
      const result = amtool('config', 'routes', 'test', `--config.file=${config}`, `alertname=${alert.name}`, `severity=${alert.severity}`, `service=${SERVICE_LABEL}`);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stdout.trim(), alert.severity === 'critical' ? 'pager' : 'chat', alert.name);
    }
  });
});

describe('one Alertmanager configuration per set of receiver secrets, chosen by the Compose entrypoint', { skip: skipUnlessTool(missing) }, () => {
  const file = (name: string) => fileURLToPath(new URL(`../deploy/alertmanager/${name}`, import.meta.url));
  const route = (config: string, severity: string) => amtool('config', 'routes', 'test', `--config.file=${config}`, 'alertname=X', `severity=${severity}`, `service=${SERVICE_LABEL}`).stdout.trim();

  test('every variant passes amtool check-config and routes by the secrets it has', () => {
    const expected: Record<string, Record<'critical' | 'warning' | 'none', string>> = {
      'alertmanager.yml': { critical: 'pager', warning: 'chat', none: 'chat' },
      'alertmanager-pager-only.yml': { critical: 'pager', warning: UI_ONLY_RECEIVER, none: UI_ONLY_RECEIVER },
      'alertmanager-chat-only.yml': { critical: 'chat', warning: 'chat', none: 'chat' },
      'alertmanager-ui-only.yml': { critical: UI_ONLY_RECEIVER, warning: UI_ONLY_RECEIVER, none: UI_ONLY_RECEIVER },
    };
    assert.deepEqual(ALERTMANAGER_VARIANTS.map((v) => v.file).sort(), Object.keys(expected).sort());
    for (const { file: name, secrets } of ALERTMANAGER_VARIANTS) {
      const config = file(name);
      const check = amtool('check-config', config);
      assert.equal(check.status, 0, `${name}: ${check.stdout}${check.stderr}`);
      for (const severity of ['critical', 'warning', 'none'] as const) assert.equal(route(config, severity), expected[name][severity], `${name}, ${severity}`);
      // A file reads exactly the secrets of its variant, and the one without any sends nothing.
      const text = readFileSync(config, 'utf8');
      assert.deepEqual(Object.entries(SECRET_FILES).filter(([, path]) => text.includes(path)).map(([n]) => n), [...secrets], name);
      if (secrets.length === 0) assert.doesNotMatch(text, /_configs:/);
    }
  });

  test('the Slack title and text of a group of alerts with different summaries name every alert (amtool template render)', () => {
    const dir = tempDir('modelwatch-am-template-');
    const drift = (feature: string, psi: string) => ({
      status: 'firing',
      labels: { alertname: 'FeatureDriftWarning', feature, severity: 'warning', service: SERVICE_LABEL },
      annotations: { summary: `Feature ${feature} is drifting (PSI > 0.1)`, description: `PSI of ${feature} over the last hour is ${psi}`, runbook_url: 'https://runbooks.example/#featuredrift' },
    });
    // What Alertmanager hands the template for a group of two features: no common summary.
    writeFileSync(join(dir, 'data.json'), JSON.stringify({
      receiver: 'chat',
      status: 'firing',
      alerts: [drift('age', '0.150'), drift('balance', '0.120')],
      groupLabels: { alertname: 'FeatureDriftWarning', job: 'modelwatch' },
      commonLabels: { alertname: 'FeatureDriftWarning', severity: 'warning', service: SERVICE_LABEL },
      commonAnnotations: { runbook_url: 'https://runbooks.example/#featuredrift' },
      externalURL: 'http://alertmanager:9093',
    }));
    writeFileSync(join(dir, 'none.tmpl'), '');
    const render = (text: string) => amtool('template', 'render', `--template.glob=${join(dir, 'none.tmpl')}`, `--template.data=${join(dir, 'data.json')}`, `--template.text=${text}`);
    for (const { file: name } of ALERTMANAGER_VARIANTS) {
      const slack = (parse(readFileSync(file(name), 'utf8')) as { receivers: { slack_configs?: { title: string; text: string }[] }[] }).receivers.flatMap((r) => r.slack_configs ?? []);
      for (const message of slack) {
        const title = render(message.title);
        assert.equal(title.status, 0, title.stderr);
        assert.equal(title.stdout.trim(), '[FIRING:2] FeatureDriftWarning', name);
        const text = render(message.text);
        assert.equal(text.status, 0, text.stderr);
        for (const feature of ['age', 'balance']) assert.match(text.stdout, new RegExp(`Feature ${feature} is drifting.*\\n.*PSI of ${feature} over the last hour`), `${name}: ${feature}`);
        assert.match(text.stdout, /featuredrift\|runbook/);
      }
    }
    assert.deepEqual(ALERTMANAGER_VARIANTS.filter((v) => (v.secrets as readonly string[]).includes('SLACK_WEBHOOK_URL')).map((v) => v.file).sort(), ['alertmanager-chat-only.yml', 'alertmanager.yml']);
  });

  test('the entrypoint writes only the secrets given (mode 600) and starts Alertmanager with their variant', () => {
    const dir = tempDir('modelwatch-am-entrypoint-');
    const secrets = join(dir, 'secrets');
    const fake = join(dir, 'alertmanager');
    writeFileSync(fake, '#!/bin/sh\necho "$@"\n', { mode: 0o755 });
    // Compose turns $$ into $; the paths point into the temp dir and the generated files.
    const script = alertmanagerEntrypoint()[2]
      .replaceAll('$$', '$')
      .replaceAll(SECRETS_DIR, secrets)
      .replaceAll(ALERTMANAGER_CONFIG_DIR, fileURLToPath(new URL('../deploy/alertmanager', import.meta.url)))
      .replaceAll('/bin/alertmanager', fake);
    const cases = [
      { env: {}, file: 'alertmanager-ui-only.yml' },
      { env: { PAGERDUTY_ROUTING_KEY: 'key' }, file: 'alertmanager-pager-only.yml' },
      { env: { SLACK_WEBHOOK_URL: 'https://hooks.example/x' }, file: 'alertmanager-chat-only.yml' },
      { env: { PAGERDUTY_ROUTING_KEY: 'key', SLACK_WEBHOOK_URL: 'https://hooks.example/x' }, file: 'alertmanager.yml' },
      { env: { PAGERDUTY_ROUTING_KEY: '', SLACK_WEBHOOK_URL: '' }, file: 'alertmanager-ui-only.yml' },
    ];
    for (const { env, file: expected } of cases) {
      spawnSync('rm', ['-rf', secrets]);
      mkdirSync(secrets);
      const result = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', ...env } });
      assert.equal(result.status, 0, result.stderr);
      const config = /--config\.file=(\S+)/.exec(result.stdout)?.[1];
      assert.ok(config?.endsWith(`/${expected}`), `${JSON.stringify(env)}: ${result.stdout}`);
      assert.equal(amtool('check-config', config!).status, 0);
      for (const [name, path] of Object.entries(SECRET_FILES)) {
        const written = join(secrets, path.slice(SECRETS_DIR.length + 1));
        const value = (env as Record<string, string>)[name];
        if (value) {
          assert.equal(readFileSync(written, 'utf8'), value);
          assert.equal(statSync(written).mode & 0o777, 0o600, `${name} is readable by Alertmanager alone`);
        } else assert.throws(() => statSync(written), `${name} not given: no file`);
      }
    }
  });
});

describe('a real Alertmanager with the generated inhibit rules: a firing Prometheus alert mutes the Grafana alert that mirrors it', { skip: skipUnlessTool(commandMissing('prometheus-alertmanager', 'apt-get install prometheus-alertmanager')) }, () => {
  const dir = tempDir('modelwatch-am-inhibit-');
  let api = '';
  let child: ReturnType<typeof spawn> | undefined;
  type Alert = { labels: Record<string, string>; status: { state: string; inhibitedBy: string[] } };

  before(async () => {
    const port = await freePort();
    api = `http://127.0.0.1:${port}/api/v2`;
    // The variant without secrets: same routing tree and inhibit rules, receivers that send nothing.
    const file = fileURLToPath(new URL('../deploy/alertmanager/alertmanager-ui-only.yml', import.meta.url));
    child = spawn('prometheus-alertmanager', [`--config.file=${file}`, `--storage.path=${join(dir, 'am')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='], { stdio: 'ignore' });
    for (let i = 0; i < 100 && !(await fetch(`http://127.0.0.1:${port}/-/ready`).catch(() => undefined))?.ok; i++) await sleep(100);
  });
  after(() => child?.kill('SIGTERM'));

  test('each mirror is inhibited while its Prometheus twin fires (per instance where the twin has one), and fires alone otherwise', async () => {
    const alert = (labels: Record<string, string>) => ({ labels: { service: SERVICE_LABEL, severity: 'critical', ...labels }, startsAt: new Date().toISOString() });
    const errorMirror = GRAFANA_ALERTS.find((g) => g.mirrors === 'HighPredictionErrorRate')!;
    const accuracyMirror = GRAFANA_ALERTS.find((g) => g.mirrors === 'LowLiveAccuracy')!;
    const sent = [
      alert({ alertname: 'HighPredictionErrorRate', job: 'modelwatch', instance: 'm1:5000' }),
      alert({ alertname: errorMirror.title, job: 'modelwatch', instance: 'm1:5000', grafana_folder: 'modelwatch' }),
      // Another replica's Grafana alert: its twin does not fire there, so it must get through.
      alert({ alertname: errorMirror.title, job: 'modelwatch', instance: 'm2:5000', grafana_folder: 'modelwatch' }),
      // LowLiveAccuracy is fleet-wide (no instance): it mutes its mirror on every instance.
      alert({ alertname: 'LowLiveAccuracy' }),
      alert({ alertname: accuracyMirror.title, job: 'modelwatch', instance: 'm1:5000', source: 'live', model_version: 'v1', grafana_folder: 'modelwatch' }),
    ];
    const posted = await fetch(`${api}/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sent) });
    assert.equal(posted.status, 200, await posted.text());
    let states: string[] = [];
    for (let i = 0; i < 50; i++) {
      const alerts = (await (await fetch(`${api}/alerts`)).json()) as Alert[];
      const find = (name: string, instance?: string) => alerts.find((a) => a.labels.alertname === name && a.labels.instance === instance);
      states = [
        find('HighPredictionErrorRate', 'm1:5000'),
        find(errorMirror.title, 'm1:5000'),
        find(errorMirror.title, 'm2:5000'),
        find('LowLiveAccuracy'),
        find(accuracyMirror.title, 'm1:5000'),
      ].map((a) => `${a?.status.state}${a?.status.inhibitedBy.length ? ' (inhibited)' : ''}`);
      if (states[1] !== 'active' && states[4] !== 'active') break;
      await sleep(100);
    }
    assert.deepEqual(states, ['active', 'suppressed (inhibited)', 'active', 'active', 'suppressed (inhibited)']);
  });
});
