/**
 * Bring your own model, end to end: models trained with XGBoost in Python, saved as a user would,
 * imported with `modelwatch import`, served, and asked for every row of their data over HTTP. The
 * served probability must equal XGBoost's own predict_proba to 1e-6 on every row; the imported
 * bank-full model, trained on the first half of the real data, must then see the second half's
 * drift and follow its labels exactly, as the native model does.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { readCsvTable } from '../src/data/csv-table.js';
import { loadLabelledCsv } from '../src/data/csv.js';
import { runLoad } from '../src/loadgen/index.js';
import { categoricalBin, numericBin } from '../src/model/baseline.js';
import { importModel } from '../src/model/imported/import-model.js';
import { ModelRegistry } from '../src/model/registry.js';
import { computePsi } from '../src/monitoring/drift/psi.js';
import { startService, type RunningService } from '../src/server/serve.js';
import { pythonModulesMissing, runPython } from './helpers/debian-python.js';
import { sampleValue, tempDir } from './helpers/fixtures.js';
import { skipUnlessTool } from './helpers/tools.js';

const BANK_FULL = fileURLToPath(new URL('../../shared/data/bank-full.csv', import.meta.url));
const ORACLE = fileURLToPath(new URL('./helpers/import-oracle.py', import.meta.url));
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];
const skip = skipUnlessTool(pythonModulesMissing(['xgboost', 'sklearn', 'pandas'])) || (existsSync(BANK_FULL) ? false : `real data not found: ${BANK_FULL}`);

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

/** The rows of a CSV as /predict bodies: numbers for numeric columns, strings for the others. */
async function bodiesOf(file: string, target: string): Promise<Record<string, string | number>[]> {
  const table = await readCsvTable(file);
  return table.rows.map((cells) => {
    const body: Record<string, string | number> = {};
    table.header.forEach((name, i) => {
      if (name === target) return;
      const n = Number(cells[i]);
      body[name] = cells[i] !== '' && Number.isFinite(n) ? n : cells[i];
    });
    return body;
  });
}

/** Every row through /predict/batch, 100 at a time: the served probabilities in row order. */
async function servedProbabilities(url: string, bodies: readonly Record<string, string | number>[]): Promise<number[]> {
  const probabilities: number[] = [];
  for (let i = 0; i < bodies.length; i += 100) {
    const response = await fetch(`${url}/predict/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rows: bodies.slice(i, i + 100) }) });
    assert.equal(response.status, 200, await response.clone().text());
    const answer = (await response.json()) as { predictions: { probability: number }[] };
    probabilities.push(...answer.predictions.map((p) => p.probability));
  }
  return probabilities;
}

function assertSame(served: readonly number[], expected: readonly number[], what: string): number {
  assert.equal(served.length, expected.length, `${what}: one answer per row`);
  let worst = 0;
  served.forEach((p, i) => {
    const gap = Math.abs(p - expected[i]);
    worst = Math.max(worst, gap);
    assert.ok(gap <= 1e-6, `${what} row ${i}: served ${p}, XGBoost ${expected[i]}`);
  });
  return worst;
}

describe('an XGBoost model trained in Python, imported and served', { skip }, () => {
  const dir = tempDir('modelwatch-import-');
  const config = (modelDir: string) => loadConfig({}, { PORT: 0, HOST: '127.0.0.1', MODEL_DIR: modelDir, LOG_STDOUT: false, MONITOR_INTERVAL_SECONDS: 3600 });
  before(() => {
    runPython(readFileSync(ORACLE, 'utf8'), [dir, BANK_FULL]);
  });

  test('breast cancer (30 numeric columns, names with spaces): `modelwatch import`, then every row equals predict_proba', async (t) => {
    const modelDir = join(dir, 'bc-models');
    const cli = spawnSync(process.execPath, [...CLI, 'import', '--format', 'xgboost', '--model', join(dir, 'breast-cancer.json'), '--data', join(dir, 'breast-cancer.csv'), '--target', 'target', '--name', 'breast-cancer', '--model-dir', modelDir, '--json'], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(cli.status, 0, cli.stderr);
    const result = JSON.parse(cli.stdout);
    assert.equal(result.version, 'v1');
    assert.equal(result.schema.task, 'binary');
    assert.deepEqual(result.schema.classes, ['0', '1']);
    assert.equal(result.schema.features.length, 30);
    assert.ok(result.metrics.accuracy > 0.95, `accuracy on the reference data ${result.metrics.accuracy}`);
    const service = await startService(config(modelDir));
    try {
      const status = (await (await fetch(`${service.url}/status`)).json()) as { model: { type: string; schema: { features: { name: string }[] } } };
      assert.equal(status.model.type, 'xgboost');
      assert.equal(status.model.schema.features[0].name, 'mean radius');
      const bodies = await bodiesOf(join(dir, 'breast-cancer.csv'), 'target');
      const expected = readJson<number[]>(join(dir, 'breast-cancer.expected.json'));
      const worst = assertSame(await servedProbabilities(service.url, bodies), expected, 'breast cancer');
      t.diagnostic(`largest gap to XGBoost over 569 rows: ${worst}`);
      // The Open Inference Protocol, under the name given at import: every row, 100 at a time as
      // one [N, F] tensor.
      const features = status.model.schema.features.map((f) => f.name);
      const overV2: number[] = [];
      for (let first = 0; first < bodies.length; first += 100) {
        const rows = bodies.slice(first, first + 100);
        const response = await fetch(`${service.url}/v2/models/breast-cancer/infer`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ id: `bc-v2-${first}`, inputs: [{ name: 'input', shape: [rows.length, features.length], datatype: 'FP64', data: rows.flatMap((r) => features.map((f) => r[f])) }] }),
        });
        assert.equal(response.status, 200, await response.clone().text());
        const v2 = (await response.json()) as { model_name: string; outputs: { name: string; shape: number[]; data: number[] }[] };
        assert.equal(v2.model_name, 'breast-cancer');
        const probabilities = v2.outputs.find((o) => o.name === 'probabilities')!;
        assert.deepEqual(probabilities.shape, [rows.length, 2]);
        overV2.push(...rows.map((_, i) => probabilities.data[i * 2 + 1]));
      }
      assertSame(overV2, expected, 'breast cancer over /v2');
    } finally {
      await service.close();
    }
  });

  test('an integer column made categorical is read by category, and label 1 is the second class in sorted order', async () => {
    const registry = new ModelRegistry(join(dir, 'grades-models'));
    const { schema } = await importModel({ format: 'xgboost', modelFile: join(dir, 'grades.json'), dataFile: join(dir, 'grades.csv'), target: 'outcome', registry, promote: true });
    const grade = schema.features.find((f) => f.name === 'grade')!;
    assert.equal(grade.kind, 'categorical', 'the model splits grade by category');
    assert.deepEqual(grade.kind === 'categorical' && grade.categories, ['1', '3', '10']);
    // "malignant" is the majority, so inference's minority rule would have made "benign" positive.
    assert.deepEqual(schema.classes, ['benign', 'malignant']);
    const service = await startService(config(registry.dir));
    try {
      const table = await readCsvTable(join(dir, 'grades.csv'));
      const bodies = table.rows.map(([g, size]) => ({ grade: g, size: Number(size) }));
      const worst = assertSame(await servedProbabilities(service.url, bodies), readJson<number[]>(join(dir, 'grades.expected.json')), 'grades');
      assert.ok(worst <= 1e-6);
    } finally {
      await service.close();
    }
  });

  describe('bank-full (9 categorical columns), trained on the first half, replaying the second', () => {
    let service: RunningService;
    let registry: ModelRegistry;
    before(async () => {
      registry = new ModelRegistry(join(dir, 'bank-models'));
      await importModel({ format: 'xgboost', modelFile: join(dir, 'bank.json'), dataFile: join(dir, 'bank-first-half.csv'), target: 'y', registry, promote: true });
      const tenth = Math.floor(45_211 / 10);
      service = await startService(loadConfig({}, { PORT: 0, HOST: '127.0.0.1', MODEL_DIR: registry.dir, LOG_STDOUT: false, MONITOR_INTERVAL_SECONDS: 3600, DRIFT_WINDOW_SIZE: tenth, QUALITY_WINDOW_SIZE: tenth, DRIFT_WINDOW_SECONDS: 86_400 }));
    });
    after(() => service?.close());

    test('every one of the 45,211 rows equals predict_proba', async (t) => {
      const bodies = [...(await bodiesOf(join(dir, 'bank-first-half.csv'), 'y')), ...(await bodiesOf(join(dir, 'bank-second-half.csv'), 'y'))];
      const worst = assertSame(await servedProbabilities(service.url, bodies), readJson<number[]>(join(dir, 'bank.expected.json')), 'bank-full');
      t.diagnostic(`largest gap to XGBoost over ${bodies.length} rows: ${worst}`);
    });

    test('replaying the second half: PSI above 0.2 where the data drifted, live accuracy equal to the offline one', async (t) => {
      // A fresh window: the check above went through the same service.
      await service.close();
      service = await startService(loadConfig({}, { PORT: 0, HOST: '127.0.0.1', MODEL_DIR: registry.dir, LOG_STDOUT: false, MONITOR_INTERVAL_SECONDS: 3600, DRIFT_WINDOW_SIZE: 4521, QUALITY_WINDOW_SIZE: 4521, DRIFT_WINDOW_SECONDS: 86_400 }));
      const replay = join(dir, 'bank-second-half.csv');
      const summary = await runLoad({ url: service.url, rps: 100_000, durationSeconds: 3600, replay, concurrency: 1, feedbackShare: 1, feedbackDelaySeconds: 0 });
      const { rows } = await loadLabelledCsv(replay);
      assert.equal(summary.ok, rows.length);
      assert.equal(summary.feedback?.joined, rows.length);
      service.monitor!.tick();
      const metrics = await service.metrics.registry.metrics();
      const model = service.state.current!;
      const finalWindow = rows.slice(rows.length - 4521);
      const expected = readJson<number[]>(join(dir, 'bank.expected.json')).slice(45_211 - 4521);
      const offline = finalWindow.filter((r, i) => (expected[i] >= 0.5 ? 1 : 0) === r.y).length / finalWindow.length;
      const live = sampleValue(metrics, 'ml_model_accuracy', { model_version: model.version, source: 'live' })!;
      t.diagnostic(`live accuracy ${live}, offline (XGBoost's own predictions) ${offline}`);
      assert.ok(Math.abs(live - offline) < 1e-9, `live ${live} vs offline ${offline}`);
      const drifted: string[] = [];
      for (const feature of model.schema.features) {
        const baseline = model.baseline.features[feature.name];
        const counts = new Array<number>(baseline.labels.length).fill(0);
        for (const r of finalWindow) counts[baseline.kind === 'numeric' ? numericBin(baseline, r.features[feature.name] as number) : categoricalBin(baseline, r.features[feature.name] as string)]++;
        const offlinePsi = computePsi(baseline.shares, counts);
        const servicePsi = sampleValue(metrics, 'ml_feature_drift_psi', { feature: feature.name, model_version: model.version })!;
        assert.ok(Math.abs(servicePsi - offlinePsi) < 1e-9, `${feature.name}: service ${servicePsi}, offline ${offlinePsi}`);
        if (offlinePsi > 0.2) drifted.push(feature.name);
      }
      t.diagnostic(`features drifted above PSI 0.2: ${drifted.join(', ')}`);
      assert.ok(drifted.includes('month'), `month drifts (got ${drifted.join(', ')})`);
    });
  });
});
