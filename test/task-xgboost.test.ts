/**
 * Real multiclass and regression models, end to end through the registry: XGBoost 1.7 (Debian's
 * python3-xgboost) trains a softmax classifier on scikit-learn's wine data and a squared-error
 * regressor on its diabetes data; each is imported with its data as reference (`modelwatch import`:
 * schema inferred from the data, prediction baseline and holdout metrics from scoring the reference
 * rows with the model itself), loaded from the registry and served. /predict/batch answers
 * every row as XGBoost's predict_proba / predict does, to 1e-6; /feedback with the true labels makes
 * live quality exactly the holdout figures; /metrics has the task's families.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readCsvTable, rowsOf } from '../src/data/csv-table.js';
import type { ModelSchema } from '../src/data/model-schema.js';
import type { Row } from '../src/data/schema.js';
import { importModel } from '../src/model/imported/import-model.js';
import { ModelRegistry } from '../src/model/registry.js';
import { pythonModulesMissing, runPython } from './helpers/debian-python.js';
import { sampleValue, testApp, type TestApp } from './helpers/fixtures.js';
import { writeSklearnCsv } from './helpers/sklearn-data.js';
import { skipUnlessTool } from './helpers/tools.js';

const skip = skipUnlessTool(pythonModulesMissing(['xgboost', 'sklearn', 'numpy']));
const TOLERANCE = 1e-6;

const TRAIN = `
import json, sys
import numpy as np
import xgboost as xgb
from sklearn import datasets
out = sys.argv[1]
wine = datasets.load_wine()
clf = xgb.XGBClassifier(n_estimators=30, max_depth=3, learning_rate=0.3, objective='multi:softprob', random_state=0)
clf.fit(wine.data, wine.target)
clf.save_model(out + '/wine.json')
json.dump(clf.predict_proba(wine.data).astype(float).tolist(), open(out + '/wine.expected.json', 'w'))
diabetes = datasets.load_diabetes(scaled=False)
reg = xgb.XGBRegressor(n_estimators=40, max_depth=3, learning_rate=0.2, objective='reg:squarederror', random_state=0)
reg.fit(diabetes.data, diabetes.target)
reg.save_model(out + '/diabetes.json')
json.dump(reg.predict(diabetes.data).astype(float).tolist(), open(out + '/diabetes.expected.json', 'w'))
`;

interface Served {
  readonly t: TestApp;
  readonly schema: ModelSchema;
  readonly rows: Row[];
  /** The true class index (multiclass) or value (regression) of each row. */
  readonly truth: number[];
  readonly expected: number[][] | number[];
}

/** Imports an XGBoost file with its reference data (`modelwatch import`), and serves the version. */
async function serve(dir: string, name: 'wine' | 'diabetes'): Promise<Served> {
  writeSklearnCsv(name, join(dir, `${name}.csv`));
  const registry = new ModelRegistry(join(dir, `${name}-registry`));
  const imported = await importModel({ format: 'xgboost', modelFile: join(dir, `${name}.json`), dataFile: join(dir, `${name}.csv`), target: 'target', registry, promote: true });
  const { schema } = imported;
  assert.equal(schema.task, name === 'wine' ? 'multiclass' : 'regression');
  const table = await readCsvTable(join(dir, `${name}.csv`));
  const rows = rowsOf(table, schema.features);
  const at = table.header.indexOf('target');
  const truth = table.rows.map((r) => (schema.task === 'regression' ? Number(r[at]) : schema.classes.indexOf(r[at])));
  const t = await testApp({ MODEL_DIR: registry.dir, DRIFT_MIN_SAMPLES: '50', QUALITY_WINDOW_SIZE: '1000' }, { noModel: true });
  t.state.serve(await registry.loadAsync());
  const expected = JSON.parse(readFileSync(join(dir, `${name}.expected.json`), 'utf8')) as number[][] | number[];
  return { t, schema, rows, truth, expected };
}

/** Every row through /predict/batch, 100 at a time, ids `<prefix>:<i>`. */
async function predictAll(t: TestApp, rows: readonly Row[]) {
  const answers: Record<string, unknown>[] = [];
  for (let i = 0; i < rows.length; i += 100) {
    const res = await t.app.inject({ method: 'POST', url: '/predict/batch', payload: { rows: rows.slice(i, i + 100) }, headers: { 'x-request-id': `b${i}` } });
    assert.equal(res.statusCode, 200, res.body);
    answers.push(...(res.json().predictions as Record<string, unknown>[]));
  }
  return answers;
}

/**
 * Every row through the Open Inference Protocol, 100 at a time as one [N, F] FP64 tensor: the
 * `probabilities` ([N, C]) or `value` ([N]) output, row by row.
 */
async function inferAll(t: TestApp, schema: ModelSchema, rows: readonly Row[]): Promise<number[][]> {
  const names = schema.features.map((f) => f.name);
  const output = schema.task === 'regression' ? 'value' : 'probabilities';
  const width = schema.task === 'regression' ? 1 : schema.classes.length;
  const outputs: number[][] = [];
  for (let i = 0; i < rows.length; i += 100) {
    const chunk = rows.slice(i, i + 100);
    const payload = { id: `v2-${i}`, inputs: [{ name: 'input', shape: [chunk.length, names.length], datatype: 'FP64', data: chunk.flatMap((r) => names.map((n) => r[n])) }], outputs: [{ name: output }] };
    const res = await t.app.inject({ method: 'POST', url: `/v2/models/${t.state.current!.name}/infer`, payload });
    assert.equal(res.statusCode, 200, res.body);
    const tensor = (res.json().outputs as { name: string; data: number[] }[]).find((o) => o.name === output)!;
    for (let r = 0; r < chunk.length; r++) outputs.push(tensor.data.slice(r * width, (r + 1) * width));
  }
  return outputs;
}

/** The largest gap between served and expected outputs, over every row and output. */
const largestGap = (served: readonly number[][], expected: readonly (number[] | number)[]) =>
  Math.max(...served.flatMap((row, i) => row.map((v, k) => Math.abs(v - (Array.isArray(expected[i]) ? (expected[i] as number[])[k] : (expected[i] as number))))));

describe('XGBoost multiclass and regression models served and watched', { skip }, () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'modelwatch-tasks-xgb-'));
    runPython(TRAIN, [dir], 120_000);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('wine (3 classes): every answer equals predict_proba to 1e-6; live quality equals the holdout figures; class metrics by name', async () => {
    const { t, schema, rows, truth, expected } = await serve(dir, 'wine');
    const answers = await predictAll(t, rows);
    let worst = 0;
    answers.forEach((a, i) => {
      const want = (expected as number[][])[i];
      const got = schema.classes.map((c) => (a.probabilities as Record<string, number>)[c]);
      for (let c = 0; c < want.length; c++) worst = Math.max(worst, Math.abs(got[c] - want[c]));
      assert.equal(a.label, schema.classes[a.prediction as number]);
    });
    assert.ok(worst <= TOLERANCE, `largest difference from XGBoost: ${worst}`);
    console.log(`wine: largest difference from XGBoost's predict_proba ${worst}`);
    for (const [i, a] of answers.entries()) {
      const res = await t.app.inject({ method: 'POST', url: '/feedback', payload: { request_id: a.request_id, actual: schema.classes[truth[i]] } });
      assert.equal(res.statusCode, 200);
    }
    t.monitor!.tick();
    const text = await t.metrics.registry.metrics();
    const model = t.state.current!;
    const holdout = model.holdout as { accuracy: number; f1: number };
    assert.equal(sampleValue(text, 'ml_model_accuracy', { source: 'live' }), holdout.accuracy, 'the same rows: live equals holdout');
    assert.equal(sampleValue(text, 'ml_model_f1_score', { source: 'live' }), holdout.f1);
    assert.equal(sampleValue(text, 'ml_predictions_by_class_total', { prediction_class: schema.classes[0] }), answers.filter((a) => a.prediction === 0).length);
    // Served the reference rows themselves: the class shares match the baseline, PSI near 0.
    assert.ok(sampleValue(text, 'ml_prediction_drift_psi', { signal: 'class' })! < 0.01);
    // The same rows over the Open Inference Protocol (observed too: after the counts above).
    const overV2 = largestGap(await inferAll(t, schema, rows), expected);
    assert.ok(overV2 <= TOLERANCE, `largest difference from XGBoost over /v2: ${overV2}`);
    await t.app.close();
  });

  test('diabetes (regression): every value equals predict to 1e-6; live MAE and RMSE equal the holdout errors; no accuracy family', async () => {
    const { t, schema, rows, truth, expected } = await serve(dir, 'diabetes');
    const answers = await predictAll(t, rows);
    let worst = 0;
    answers.forEach((a, i) => {
      assert.deepEqual(Object.keys(a).sort(), ['request_id', 'value']);
      worst = Math.max(worst, Math.abs((a.value as number) - (expected as number[])[i]));
    });
    assert.ok(worst <= TOLERANCE, `largest difference from XGBoost: ${worst}`);
    console.log(`diabetes: largest difference from XGBoost ${worst}`);
    for (const [i, a] of answers.entries()) {
      const res = await t.app.inject({ method: 'POST', url: '/feedback', payload: { request_id: a.request_id, actual: truth[i] } });
      assert.equal(res.statusCode, 200);
    }
    t.monitor!.tick();
    const text = await t.metrics.registry.metrics();
    const holdout = t.state.current!.holdout as { mae: number; rmse: number };
    assert.ok(Math.abs(sampleValue(text, 'ml_model_mae', { source: 'live' })! - holdout.mae) < 1e-9);
    assert.ok(Math.abs(sampleValue(text, 'ml_model_rmse', { source: 'live' })! - holdout.rmse) < 1e-9);
    assert.equal(sampleValue(text, 'ml_model_mae', { source: 'holdout' }), holdout.mae);
    assert.equal(sampleValue(text, 'ml_model_accuracy'), undefined);
    assert.equal(sampleValue(text, 'ml_prediction_value_count'), rows.length);
    assert.ok(sampleValue(text, 'ml_prediction_drift_psi', { signal: 'value' })! < 0.01);
    // The same rows over the Open Inference Protocol (observed too: after the counts above).
    const overV2 = largestGap(await inferAll(t, schema, rows), expected);
    assert.ok(overV2 <= TOLERANCE, `largest difference from XGBoost over /v2: ${overV2}`);
    await t.app.close();
  });
});
