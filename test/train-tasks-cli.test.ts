/**
 * `modelwatch train` on a multiclass and a regression data set (scikit-learn's wine and diabetes,
 * from Debian's Python): the version carries the task, the service answers in the task's form, takes
 * ground truth in it and reports the task's quality.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { readCsvTable } from '../src/data/csv-table.js';
import { startService } from '../src/server/serve.js';
import { pythonModulesMissing } from './helpers/debian-python.js';
import { sampleValue, tempDir } from './helpers/fixtures.js';
import { writeSklearnCsv } from './helpers/sklearn-data.js';
import { skipUnlessTool } from './helpers/tools.js';

const CLI = ['--import', 'tsx', 'src/cli/main.ts'];
const run = (args: string[]) => spawnSync(process.execPath, [...CLI, ...args], { encoding: 'utf8', timeout: 120_000 });

/** The first `n` rows of a CSV as /predict bodies (every column but the target, as numbers) and their targets. */
async function firstRows(file: string, n: number): Promise<{ bodies: Record<string, number>[]; targets: string[] }> {
  const table = await readCsvTable(file);
  const target = table.header.indexOf('target');
  const rows = table.rows.slice(0, n);
  return {
    bodies: rows.map((cells) => Object.fromEntries(table.header.flatMap((name, i) => (i === target ? [] : [[name, Number(cells[i])]])))),
    targets: rows.map((cells) => cells[target]),
  };
}

describe('modelwatch train on multiclass and regression data', { skip: skipUnlessTool(pythonModulesMissing(['sklearn'])) }, () => {
  const dir = tempDir('modelwatch-train-tasks-');

  for (const task of ['multiclass', 'regression'] as const) {
    test(`${task}: trained, served in the task's form, ground truth joined`, async () => {
      const data = join(dir, `${task}.csv`);
      writeSklearnCsv(task === 'multiclass' ? 'wine' : 'diabetes', data);
      const modelDir = join(dir, `${task}-models`);
      const trained = run(['train', '--data', data, '--target', 'target', '--model-dir', modelDir, '--json']);
      assert.equal(trained.status, 0, trained.stderr);
      const summary = JSON.parse(trained.stdout);
      assert.equal(summary.schema.task, task);
      if (task === 'multiclass') {
        assert.deepEqual(summary.schema.classes, ['class_0', 'class_1', 'class_2']);
        assert.ok(summary.metrics.accuracy > 0.85, `holdout accuracy ${summary.metrics.accuracy}`);
      } else {
        assert.equal(summary.metrics.accuracy, undefined);
        assert.ok(summary.metrics.mae > 0 && summary.metrics.rmse >= summary.metrics.mae, JSON.stringify(summary.metrics));
      }
      const service = await startService(loadConfig({}, { PORT: 0, HOST: '127.0.0.1', MODEL_DIR: modelDir, LOG_STDOUT: false, MONITOR_INTERVAL_SECONDS: 3600, QUALITY_MIN_LABELS: 5 }));
      try {
        const { bodies, targets } = await firstRows(data, 20);
        let right = 0;
        for (const [i, body] of bodies.entries()) {
          const response = await fetch(`${service.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
          assert.equal(response.status, 200, await response.clone().text());
          const answer = (await response.json()) as { request_id: string; value?: number; label?: string; probabilities?: Record<string, number> };
          if (task === 'multiclass') {
            const probabilities = Object.values(answer.probabilities!);
            assert.ok(Math.abs(probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-9);
            assert.equal(answer.label, Object.entries(answer.probabilities!).sort((a, b) => b[1] - a[1])[0][0]);
            if (answer.label === targets[i]) right++;
          } else {
            assert.ok(Number.isFinite(answer.value), JSON.stringify(answer));
          }
          const feedback = await fetch(`${service.url}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ request_id: answer.request_id, actual: task === 'multiclass' ? targets[i] : Number(targets[i]) }) });
          assert.equal(feedback.status, 200, await feedback.text());
        }
        service.monitor!.tick();
        const metrics = await service.metrics.registry.metrics();
        if (task === 'multiclass') {
          assert.ok(sampleValue(metrics, 'ml_model_accuracy', { model_version: 'v1', source: 'live' })! > 0.8);
          // The diagonal the fleet accuracy rule divides by ml_feedback_total.
          assert.equal(sampleValue(metrics, 'ml_feedback_correct_total', { model_version: 'v1' }), right);
        }
        else assert.ok(sampleValue(metrics, 'ml_model_mae', { model_version: 'v1', source: 'live' })! > 0);
      } finally {
        await service.close();
      }
    });
  }
});
