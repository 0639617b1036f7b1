import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateStack } from '../src/stack/index.js';
import { ALERTS } from '../src/stack/catalogue/alerts.js';
import { RULE_GROUPS } from '../src/stack/catalogue/recording-rules.js';
import { PROMETHEUS_FILES } from '../src/stack/prometheus/generate.js';
import { SEED_BODY, testApp } from './helpers/fixtures.js';
import { skipUnlessTool } from './helpers/tools.js';

const deploy = (path: string) => fileURLToPath(new URL(`../deploy/${path}`, import.meta.url));
const promtoolMissing = spawnSync('promtool', ['--version']).error
  ? 'promtool not found: install Debian\'s prometheus package (apt-get install prometheus); .ci/run does'
  : false;
const promtool = (args: string[], input?: string) => spawnSync('promtool', args, { cwd: deploy('prometheus'), input, encoding: 'utf8' });

describe('the Prometheus stack generated from the catalogue', () => {
  test('every generated file is byte-identical to what the catalogue produces (run `npm run stack`)', () => {
    const files = generateStack();
    assert.ok(Object.keys(files).length >= 5);
    for (const [path, text] of Object.entries(files)) assert.equal(readFileSync(deploy(path), 'utf8'), text, `deploy/${path} drifted from src/stack/`);
  });

  test('every alert has severity, summary, a description with $value and a runbook section with the four parts', () => {
    const runbooks = readFileSync(fileURLToPath(new URL('../docs/runbooks.md', import.meta.url)), 'utf8');
    const sections = new Map(runbooks.split(/^## /m).slice(1).map((section) => [section.split('\n')[0].trim().toLowerCase(), section]));
    for (const alert of ALERTS) {
      assert.match(alert.severity, /^(critical|warning)$/);
      assert.ok(alert.summary.length > 0, alert.name);
      assert.match(alert.description, /\$value/, `${alert.name}: the description shows $value`);
      const section = sections.get(alert.runbook);
      assert.ok(section, `${alert.name}: docs/runbooks.md has a "## " section whose anchor is #${alert.runbook}`);
      assert.ok(section.includes(alert.name), `${alert.name} is named in its runbook section`);
      for (const part of ['First queries', 'Likely causes', 'What to do']) assert.ok(section.includes(part), `${alert.name}: runbook has "${part}"`);
    }
    const names = ALERTS.map((a) => a.name);
    assert.equal(new Set(names).size, names.length, 'alert names are unique');
    const records = RULE_GROUPS.flatMap((g) => g.rules.map((r) => r.record));
    assert.equal(new Set(records).size, records.length, 'recording rule names are unique');
  });

  test('no critical (paging) alert counts rejected input: 4xx is the warning InputRejectionSpike', () => {
    // An alert's expression with the recording rules it names written out.
    const records = new Map(RULE_GROUPS.flatMap((g) => g.rules.map((r) => [r.record, r.expr] as const)));
    const expanded = (expr: string) => expr + [...records].filter(([name]) => expr.includes(name)).map(([, e]) => ` ${e}`).join('');
    const countsRejections = /status="error"|status_code=~"4|ml_prediction_error_rate|ml_input_validation_failures_total/;
    for (const alert of ALERTS.filter((a) => a.severity === 'critical')) assert.doesNotMatch(expanded(alert.expr), countsRejections, `${alert.name} pages on client errors`);
    const rejection = ALERTS.find((a) => a.name === 'InputRejectionSpike');
    assert.equal(rejection?.severity, 'warning');
    assert.match(rejection.expr, /status_code=~"4\.\."/);
    for (const name of ['HighRequestErrorRatio', 'ElevatedRequestErrorRatio', 'PredictLatencyP95AboveObjective', 'ErrorBudgetBurnFast', 'ErrorBudgetBurnSlow', 'CpuNearLimit', 'MemoryNearLimit']) {
      assert.ok(ALERTS.some((a) => a.name === name), `${name} is in the catalogue`);
    }
  });

  test('promtool check config and check rules pass', { skip: skipUnlessTool(promtoolMissing) }, () => {
    const config = promtool(['check', 'config', PROMETHEUS_FILES.config]);
    assert.equal(config.status, 0, config.stdout + config.stderr);
    const rules = promtool(['check', 'rules', PROMETHEUS_FILES.recordingRules, PROMETHEUS_FILES.alertRules]);
    assert.equal(rules.status, 0, rules.stdout + rules.stderr);
    assert.match(rules.stdout, new RegExp(`SUCCESS: ${ALERTS.length} rules found`));
  });

  test('promtool test rules: every alert silent, then firing with exact labels and annotations', { skip: skipUnlessTool(promtoolMissing) }, () => {
    const result = promtool(['test', 'rules', PROMETHEUS_FILES.alertTests]);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    const tests = readFileSync(deploy(`prometheus/${PROMETHEUS_FILES.alertTests}`), 'utf8');
    for (const alert of ALERTS) assert.ok(tests.includes(`name: ${alert.name}\n`), `${alert.name} has a test case`);
  });

  test('promtool check metrics finds no problem in a live /metrics scrape', { skip: skipUnlessTool(promtoolMissing) }, async () => {
    const t = await testApp();
    for (let i = 0; i < 5; i++) await t.app.inject({ method: 'POST', url: '/predict', payload: SEED_BODY, headers: { 'x-request-id': `scrape-${i}` } });
    await t.app.inject({ method: 'POST', url: '/feedback', payload: { request_id: 'scrape-1', actual: 0 } });
    await t.app.inject({ method: 'POST', url: '/predict', payload: { ...SEED_BODY, age: 1 } });
    t.monitor!.tick();
    const scrape = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    await t.app.close();
    const result = promtool(['check', 'metrics'], scrape);
    assert.equal(result.status, 0, `promtool check metrics: ${result.stdout}${result.stderr}`);
    assert.equal(result.stdout.trim(), '');
  });
});
