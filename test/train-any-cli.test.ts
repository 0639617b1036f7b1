/**
 * `modelwatch train` on a CSV that is not bank-marketing: the schema is inferred and shown, the
 * version carries it, and the service serves and validates by it — the request a user of that
 * data would send, labels by class name, feedback joined.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { readCsvTable } from '../src/data/csv-table.js';
import { runLoad } from '../src/loadgen/index.js';
import { ModelRegistry } from '../src/model/registry.js';
import { startService, type RunningService } from '../src/server/serve.js';
import { sampleValue, tempDir } from './helpers/fixtures.js';
import { createRandom } from '../src/util/random.js';

const CLI = ['--import', 'tsx', 'src/cli/main.ts'];
const run = (args: string[]) => spawnSync(process.execPath, [...CLI, ...args], { encoding: 'utf8', timeout: 120_000 });

/**
 * Customers who churn more on the monthly plan and with many support calls; `drifted`, most of
 * them are on the monthly plan and call more.
 */
function churnCsv(file: string, rows: number, drifted = false, seed = 5): void {
  const rng = createRandom(seed);
  const lines = ['tenure_months,plan,support_calls,monthly_fee,churned'];
  for (let i = 0; i < rows; i++) {
    const plan = drifted && rng.next() < 0.7 ? 'monthly' : ['monthly', 'yearly', 'two-year'][rng.int(3)];
    // Now and then the plan is not known: an empty cell, which makes the column optional.
    const written = i % 97 === 5 ? '' : plan;
    const calls = drifted ? 3 + rng.int(5) : rng.int(8);
    const tenure = 1 + rng.int(72);
    const fee = Math.round((20 + rng.next() * 80) * 100) / 100;
    const risk = (plan === 'monthly' ? 1.2 : -0.8) + 0.45 * calls - 0.03 * tenure + rng.normal() * 0.7;
    lines.push(`${tenure},${written},${calls},${fee},${risk > 0.4 ? 'churn' : 'stay'}`);
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

describe('modelwatch train --data <any csv> --target <column>', () => {
  const dir = tempDir('modelwatch-train-any-');
  const data = join(dir, 'churn.csv');
  const modelDir = join(dir, 'models');
  let service: RunningService;
  let trained: { version: string; schema: { task: string; classes: string[]; target: string; features: number }; metrics: { accuracy: number } };

  before(async () => {
    churnCsv(data, 3000);
    const result = run(['train', '--data', data, '--target', 'churned', '--positive', 'churn', '--model-dir', modelDir, '--json']);
    assert.equal(result.status, 0, result.stderr);
    trained = JSON.parse(result.stdout);
    service = await startService(loadConfig({}, { PORT: 0, HOST: '127.0.0.1', MODEL_DIR: modelDir, LOG_STDOUT: false, MONITOR_INTERVAL_SECONDS: 3600 }));
  });
  after(() => service?.close());

  test('the schema is inferred from the data and the holdout is good', () => {
    assert.deepEqual(trained.schema, { task: 'binary', target: 'churned', classes: ['stay', 'churn'], features: 4 });
    assert.ok(trained.metrics.accuracy > 0.8, `holdout accuracy ${trained.metrics.accuracy}`);
    const registry = new ModelRegistry(modelDir);
    const schema = registry.load().schema;
    // Not the bank-marketing schema: an older modelwatch, which validates by that schema, must refuse it.
    assert.equal(registry.read('v1').artifact.format_version, 2);
    assert.deepEqual(schema.features.map((f) => `${f.name}:${f.kind}`), ['tenure_months:numeric', 'plan:categorical', 'support_calls:numeric', 'monthly_fee:numeric']);
  });

  test('the service validates by the inferred schema and answers with its class names', async () => {
    const post = (body: unknown) => fetch(`${service.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    type Answer = { label: string; request_id: string };
    const risky = (await (await post({ tenure_months: 2, plan: 'monthly', support_calls: 7, monthly_fee: 80 })).json()) as Answer;
    const loyal = (await (await post({ tenure_months: 60, plan: 'two-year', support_calls: 0, monthly_fee: 30 })).json()) as Answer;
    assert.equal(risky.label, 'churn');
    assert.equal(loyal.label, 'stay');
    const bad = await post({ tenure_months: 2, plan: 'weekly', support_calls: 7, monthly_fee: 80 });
    assert.equal(bad.status, 400);
    const { problems } = (await bad.json()) as { problems: { field: string; reason: string }[] };
    assert.deepEqual(problems.map((p) => [p.field, p.reason]), [['plan', 'unknown_category']]);
    // The bank-marketing fields mean nothing to this model.
    const bank = await post({ age: 30, job: 'admin', marital: 'single', education: 'secondary', housing: 'yes', loan: 'no', duration: 200, campaign: 2 });
    assert.equal(bank.status, 400);
    const feedback = await fetch(`${service.url}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ request_id: risky.request_id, actual: 1 }) });
    assert.equal(feedback.status, 200, await feedback.text());
    const metrics = await service.metrics.registry.metrics();
    assert.equal(sampleValue(metrics, 'ml_predictions_total'), 2);
  });

  test('loadgen replays a CSV of this data by the served schema: drift shows, live accuracy follows the labels', async () => {
    const replay = join(dir, 'churn-drifted.csv');
    churnCsv(replay, 1000, true, 9);
    // In this process (the service is here too: a child blocked on by spawnSync would starve it).
    const summary = await runLoad({ url: service.url, rps: 100_000, durationSeconds: 3600, replay, concurrency: 1, feedbackShare: 1, feedbackDelaySeconds: 0 });
    assert.equal(summary.ok, 1000);
    assert.equal(summary.feedback?.joined, 1000);
    service.monitor!.tick();
    const status = (await (await fetch(`${service.url}/status`)).json()) as { drift: { features: Record<string, { psi: number }> }; quality: { live: { accuracy: number } } };
    assert.ok(status.drift.features.plan.psi > 0.2, `plan PSI ${status.drift.features.plan.psi}`);
    assert.ok(status.drift.features.support_calls.psi > 0.2, `support_calls PSI ${status.drift.features.support_calls.psi}`);
    const model = new ModelRegistry(modelDir).load();
    const { rows } = await readCsvTable(replay);
    // The service's window holds the last DRIFT_WINDOW_SIZE / QUALITY_WINDOW_SIZE (1000) labels: all of them.
    let correct = 0;
    for (const cells of rows) {
      // A row without a plan is sent without it, and the service fills the plan's default.
      const plan = cells[1] === '' ? (model.schema.features[1] as { default: string }).default : cells[1];
      const p = model.predictProba({ tenure_months: Number(cells[0]), plan, support_calls: Number(cells[2]), monthly_fee: Number(cells[3]) });
      if ((p >= 0.5 ? 'churn' : 'stay') === cells[4]) correct++;
    }
    assert.equal(status.quality.live.accuracy, correct / rows.length);
  });

  test('a target that is not a column is a usage error naming it', () => {
    const result = run(['train', '--data', data, '--target', 'cancelled', '--model-dir', modelDir]);
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /cancelled/);
  });
});
