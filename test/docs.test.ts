import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { DOCS_WITH_REGIONS, fillRegions, outsideRegions } from '../src/docs/generated-regions.js';
import { renderSettingsDoc } from '../src/docs/settings-table.js';
import { ALERTS } from '../src/stack/catalogue/alerts.js';
import { ERROR_CODES, REJECTION_REASONS } from '../src/errors.js';
import { loadConfig } from '../src/config.js';
import { createServiceMetrics } from '../src/monitoring/metrics/index.js';
import { createModelMonitor } from '../src/monitoring/model-monitor.js';

const doc = (name: string) => readFileSync(new URL(`../docs/${name}`, import.meta.url), 'utf8');
const file = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const NUMBER_WORDS = 'one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty';
/** "13 alerts", "17 in-process alerts", "thirteen alert rules": a count of alerts. */
const ALERT_COUNT = new RegExp(`\\b(\\d+|${NUMBER_WORDS})\\s+(?:[\\w-]+\\s+){0,2}alert(?:s| rules)\\b`, 'gi');

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

  test('alert counts and lists in the docs are generated from the catalogue (run `npm run docs`)', () => {
    for (const path of DOCS_WITH_REGIONS) assert.equal(file(path), fillRegions(file(path)), `${path}: a generated region drifted from the catalogue`);
    assert.ok(file('docs/stack.md').includes(`${ALERTS.length} alerts`), 'docs/stack.md states the real count');
    for (const alert of ALERTS) assert.ok(doc('runbooks.md').includes(`| [${alert.name}](#${alert.runbook}) |`), `${alert.name} is in the runbooks' generated table`);
  });

  test('no doc states a count of alerts by hand', () => {
    const docs = ['README.md', ...readdirSync(new URL('../docs/', import.meta.url)).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
    for (const path of docs) {
      const text = outsideRegions(file(path));
      // Grafana's own alerts (src/stack/grafana/alerting.ts) are another catalogue, named as such.
      const counts = [...text.matchAll(ALERT_COUNT)].filter((m) => !/grafana/i.test(text.slice(m.index, m.index + m[0].length + 20))).map((m) => m[0]);
      assert.deepEqual(counts, [], `${path} states an alert count by hand; put it in a generated region (src/docs/generated-regions.ts)`);
    }
    // The check itself finds what it must.
    assert.deepEqual('there are 13 alerts, thirteen alert rules and 17 in-process alerts'.match(ALERT_COUNT), ['13 alerts', 'thirteen alert rules', '17 in-process alerts']);
  });
});
