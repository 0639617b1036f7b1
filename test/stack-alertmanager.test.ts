import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ALERTS, SERVICE_LABEL } from '../src/stack/catalogue/alerts.js';

const config = fileURLToPath(new URL('../deploy/alertmanager/alertmanager.yml', import.meta.url));
const missing = spawnSync('amtool', ['--version']).error ? 'amtool not found: apt-get install prometheus-alertmanager (.ci/run installs it)' : false;
const amtool = (...args: string[]) => spawnSync('amtool', args, { encoding: 'utf8' });

describe('the generated Alertmanager configuration', { skip: missing }, () => {
  test('amtool check-config passes', () => {
    const result = amtool('check-config', config);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /SUCCESS/);
    assert.match(result.stdout, /2 inhibit rules/);
  });

  test('every alert of the catalogue routes by its severity: critical pages, warning goes to chat', () => {
    for (const alert of ALERTS) {
      const result = amtool('config', 'routes', 'test', `--config.file=${config}`, `alertname=${alert.name}`, `severity=${alert.severity}`, `service=${SERVICE_LABEL}`);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stdout.trim(), alert.severity === 'critical' ? 'pager' : 'chat', alert.name);
    }
  });
});
