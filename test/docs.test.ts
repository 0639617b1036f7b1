import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { renderSettingsDoc } from '../src/docs/settings-table.js';
import { ERROR_CODES, REJECTION_REASONS } from '../src/errors.js';
import { loadConfig } from '../src/config.js';
import { createServiceMetrics } from '../src/monitoring/metrics/index.js';
import { createModelMonitor } from '../src/monitoring/model-monitor.js';

const doc = (name: string) => readFileSync(new URL(`../docs/${name}`, import.meta.url), 'utf8');

describe('docs stay in step with the code', () => {
  test('every error code is documented in docs/api.md with its status', () => {
    const api = doc('api.md');
    for (const [code, { status }] of Object.entries(ERROR_CODES)) {
      const row = api.split('\n').find((line) => line.startsWith(`| \`${code}\` |`));
      assert.ok(row, `${code} has a row in docs/api.md`);
      if (status) assert.ok(row.includes(`| ${status} |`), `${code} documented with status ${status}`);
    }
  });

  test('every rejection reason is documented in docs/api.md', () => {
    const api = doc('api.md');
    for (const reason of REJECTION_REASONS) assert.ok(api.includes(`| \`${reason}\` |`), reason);
  });

  test('every metric family the service registers is documented in docs/metrics.md', async () => {
    const metrics = doc('metrics.md');
    const registry = new Registry();
    createModelMonitor(loadConfig({}), createServiceMetrics({ registry }));
    const own = registry.getMetricsAsArray().map((m) => m.name).filter((n) => !n.startsWith('process_') && !n.startsWith('nodejs_'));
    assert.ok(own.length >= 16);
    for (const name of own) assert.ok(metrics.includes(`| \`${name}\` |`), `${name} documented`);
  });

  test('docs/configuration.md is generated from the config schema (run `npm run docs`)', () => {
    assert.equal(doc('configuration.md'), renderSettingsDoc());
  });
});
