/**
 * Training on any labelled CSV (src/model/train-any.ts) and the multiclass and regression holdout
 * metrics (src/model/task-metrics.ts): on bank-marketing data it is exactly today's `modelwatch
 * train`; on scikit-learn's wine and diabetes it learns, and its metrics equal scikit-learn's own on
 * the same predictions; encoding follows the schema, gaps included, and refuses what it does not allow.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadLabelledCsv, writeLabelledCsv } from '../src/data/csv.js';
import { readCsvTable } from '../src/data/csv-table.js';
import { BANK_SCHEMA, type ModelSchema } from '../src/data/model-schema.js';
import { generateSynthetic } from '../src/data/synthetic.js';
import { evaluateMulticlass, evaluateRegression } from '../src/model/task-metrics.js';
import { encodeFeatures, encodeLabels, trainOnCsv } from '../src/model/train-any.js';
import { evaluateFitted, fitModel, splitForTraining } from '../src/model/train.js';
import { pythonModulesMissing, runPython } from './helpers/debian-python.js';
import { tempDir } from './helpers/fixtures.js';
import { writeSklearnCsv } from './helpers/sklearn-data.js';
import { skipUnlessTool } from './helpers/tools.js';

const BANK_FULL = fileURLToPath(new URL('../../shared/data/bank-full.csv', import.meta.url));

/** scikit-learn's metrics of the same labels and predictions, through Debian's Python. */
function sklearnMetrics(kind: 'multiclass' | 'regression', y: ArrayLike<number>, predictions: ArrayLike<number>, k: number): Record<string, number> {
  const path = join(tempDir(), 'predictions.json');
  writeFileSync(path, JSON.stringify({ y: Array.from(y), p: Array.from(predictions), k }));
  const script = `
import json, sys
import numpy as np
from sklearn import metrics
d = json.load(open(sys.argv[1]))
y = np.array(d['y'])
if sys.argv[2] == 'multiclass':
    p = np.array(d['p']).reshape(len(y), d['k'])
    guess = p.argmax(axis=1)
    labels = list(range(d['k']))
    pr, rc, f1, _ = metrics.precision_recall_fscore_support(y, guess, labels=labels, average='macro', zero_division=0)
    out = dict(accuracy=metrics.accuracy_score(y, guess), macroPrecision=pr, macroRecall=rc, macroF1=f1, logLoss=metrics.log_loss(y, p, labels=labels))
else:
    p = np.array(d['p'])
    out = dict(mae=metrics.mean_absolute_error(y, p), rmse=metrics.mean_squared_error(y, p) ** 0.5, r2=metrics.r2_score(y, p))
print(json.dumps({k: float(v) for k, v in out.items()}))
`;
  return JSON.parse(runPython(script, [path, kind])) as Record<string, number>;
}

const close = (actual: number, expected: number, what: string, tolerance = 1e-9): void => {
  assert.ok(Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs scikit-learn ${expected}`);
};

describe('bank-marketing: the same model as modelwatch train', () => {
  test('seeded synthetic bank data: the curated schema, identical trees and identical holdout metrics', async () => {
    const rows = generateSynthetic({ rows: 4000, seed: 21 });
    const path = join(tempDir(), 'bank.csv');
    await writeLabelledCsv(path, rows, 'semicolon-quoted');
    const result = await trainOnCsv({ data: path, target: 'y', seed: 42, testShare: 0.2 });
    assert.equal(result.schema, BANK_SCHEMA);
    assert.equal(result.report?.bank, true);
    const split = splitForTraining(rows, 0.2, 42);
    const fitted = fitModel(split.trainRows, { seed: 42 });
    assert.deepEqual(result.model.toJSON(), fitted.model.toJSON());
    const { metrics } = evaluateFitted(fitted, split.testRows, 0.5);
    assert.equal(result.metrics.task, 'binary');
    assert.deepEqual({ ...result.metrics, task: undefined }, { ...metrics, task: undefined });
    assert.equal(result.holdout.rows.length, split.testRows.length);
  });

  test(
    'bank-full (80/20, seed 42): byte-identical to the model modelwatch train makes',
    existsSync(BANK_FULL) ? {} : { skip: `bank-full.csv not found: put the UCI bank-full.csv at ${BANK_FULL} (../shared/data/bank-full.csv from the repo root)` },
    async () => {
      const result = await trainOnCsv({ data: BANK_FULL, target: 'y', seed: 42, testShare: 0.2 });
      assert.equal(createHash('sha256').update(JSON.stringify(result.model.toJSON())).digest('hex'), '2b367b1fb4c5f20239e19df3c641f95b27cf1659af98b7cc89caccbd6cf2dd6e');
      assert.equal(result.dataSha256, (await loadLabelledCsv(BANK_FULL)).sha256);
      assert.ok(result.metrics.task === 'binary' && result.metrics.accuracy >= 0.905);
    },
  );
});

describe('scikit-learn data sets', { skip: skipUnlessTool(pythonModulesMissing(['sklearn'])) }, () => {
  test('wine: multiclass holdout accuracy and macro F1 ≥ 0.9; the metrics equal scikit-learn\'s', async (t) => {
    const path = join(tempDir(), 'wine.csv');
    writeSklearnCsv('wine', path);
    const result = await trainOnCsv({ data: path, target: 'target', seed: 42, testShare: 0.2 });
    assert.equal(result.schema.task, 'multiclass');
    assert.equal(result.model.nOutputs, 3);
    const m = result.metrics;
    assert.ok(m.task === 'multiclass');
    t.diagnostic(`wine: accuracy ${m.accuracy.toFixed(4)} macro F1 ${m.macroF1.toFixed(4)} on ${result.holdout.rows.length} rows, ${result.model.nTrees} trees, ${result.seconds.toFixed(2)} s`);
    assert.ok(m.accuracy >= 0.9, `accuracy ${m.accuracy}`);
    assert.ok(m.macroF1 >= 0.9, `macro F1 ${m.macroF1}`);
    // Stratified: each class holds out round(20 %) of its rows (59, 71, 48 → 12, 14, 10).
    assert.deepEqual(m.perClass.map((c) => c.support), [12, 14, 10]);
    const oracle = sklearnMetrics('multiclass', result.holdout.y, result.holdout.predictions, 3);
    for (const key of ['accuracy', 'macroPrecision', 'macroRecall', 'macroF1', 'logLoss'] as const) close(m[key], oracle[key], key);
  });

  test('diabetes: regression holdout R² ≥ 0.3, better than the mean; MAE, RMSE and R² equal scikit-learn\'s', async (t) => {
    const path = join(tempDir(), 'diabetes.csv');
    writeSklearnCsv('diabetes', path);
    const result = await trainOnCsv({ data: path, target: 'target', seed: 42, testShare: 0.2 });
    const m = result.metrics;
    assert.ok(m.task === 'regression');
    t.diagnostic(`diabetes: R² ${m.r2.toFixed(4)} MAE ${m.mae.toFixed(2)} RMSE ${m.rmse.toFixed(2)} on ${result.holdout.rows.length} rows, ${result.model.nTrees} trees`);
    assert.ok(m.r2 >= 0.3, `R² ${m.r2}`);
    const table = await readCsvTable(path);
    const y = encodeLabels(table, result.schema);
    const trainMean = Array.from(result.trainRows, (r) => y[r]).reduce((s, v) => s + v, 0) / result.trainRows.length;
    const baseline = evaluateRegression(result.holdout.y, new Float64Array(result.holdout.y.length).fill(trainMean));
    assert.ok(m.rmse < baseline.rmse, `RMSE ${m.rmse} vs predicting the mean ${baseline.rmse}`);
    const oracle = sklearnMetrics('regression', result.holdout.y, result.holdout.predictions, 1);
    for (const key of ['mae', 'rmse', 'r2'] as const) close(m[key], oracle[key], key);
  });
});

describe('encoding by the schema', () => {
  const schema: ModelSchema = {
    features: [
      { name: 'size', kind: 'numeric', integer: false, min: 0, max: 10, default: 5, required: false, description: '' },
      { name: 'colour', kind: 'categorical', categories: ['blue', 'red'], aliases: { rouge: 'red' }, default: 'red', required: false, description: '' },
    ],
    task: 'multiclass',
    classes: ['1', '2', '10'],
    target: { name: 'grade' },
  };

  test('numbers as they are, categories as their index (aliases resolved), gaps as NaN and -1; numeric classes match numerically', async () => {
    const path = join(tempDir(), 'small.csv');
    writeFileSync(path, 'colour;grade;size\nred;10;1.5\n"rouge";2.0;\nblue;1;0\n;10;7\n');
    const table = await readCsvTable(path);
    const { x, n, d, categorical } = encodeFeatures(table, schema);
    assert.deepEqual([n, d, categorical], [4, 2, [false, true]]);
    assert.deepEqual(Array.from(x), [1.5, 1, Number.NaN, 1, 0, 0, 7, -1]);
    assert.deepEqual(Array.from(encodeLabels(table, schema)), [2, 1, 0, 2]);
  });

  test('values the schema does not allow are refused with their line and column', async () => {
    const table = async (text: string) => {
      const path = join(tempDir(), 'bad.csv');
      writeFileSync(path, text);
      return readCsvTable(path);
    };
    const outOfRange = await table('size,colour,grade\n1,red,1\n11,red,2\n');
    assert.throws(() => encodeFeatures(outOfRange, schema), /bad\.csv line 3, column "size": expected a number in 0\.\.10, got "11" \(out of range\)/);
    const unknown = await table('size,colour,grade\n1,green,1\n');
    assert.throws(() => encodeFeatures(unknown, schema), /line 2, column "colour": expected one of "blue", "red", got "green"/);
    const lacking = await table('size,grade\n1,1\n');
    assert.throws(() => encodeFeatures(lacking, schema), /header lacks the schema's column\(s\) "colour"/);
    const notAClass = await table('size,colour,grade\n1,red,3\n');
    assert.throws(() => encodeLabels(notAClass, schema), /line 2, column "grade": expected one of the classes "1", "2", "10", got "3"/);
    const unlabelled = await table('size,colour,grade\n1,red,\n');
    assert.throws(() => encodeLabels(unlabelled, schema), /line 2, column "grade": the target is empty/);
    await assert.rejects(trainOnCsv({ data: join(tempDir(), 'x.csv'), target: 'other', schema, seed: 1, testShare: 0.2 }), /the schema's target is "grade" but the target asked for is "other"/);
  });

  test('a CSV with categories and gaps trains end to end (binary, positive class by the yes rule)', async () => {
    const path = join(tempDir(), 'gaps.csv');
    const lines = ['size,colour,bought'];
    for (let i = 0; i < 400; i++) {
      const size = i % 11 === 0 ? '' : String((i * 7) % 10);
      const colour = i % 13 === 0 ? '' : ['blue', 'red', 'green'][i % 3];
      lines.push(`${size},${colour},${colour === 'red' || (size !== '' && Number(size) > 7) ? 'yes' : 'no'}`);
    }
    writeFileSync(path, lines.join('\n'));
    const result = await trainOnCsv({ data: path, target: 'bought', seed: 3, testShare: 0.25, params: { minSamplesLeaf: 5 } });
    assert.deepEqual(result.schema.classes, ['no', 'yes']);
    assert.equal(result.schema.features.every((f) => !f.required), true, 'both columns have gaps');
    assert.ok(result.metrics.task === 'binary' && result.metrics.accuracy >= 0.95, JSON.stringify(result.metrics));
    assert.equal(result.holdout.predictions.length, 100);
  });
});

describe('multiclass and regression metrics', () => {
  test('by hand: macro averages over every class, an absent one included; zero divisions are 0', () => {
    // Class 2 never occurs and is never predicted: its precision, recall and F1 are 0 and pull the macro means down.
    const m = evaluateMulticlass([0, 0, 1, 1], Float64Array.of(0.9, 0.1, 0, 0.4, 0.6, 0, 0.2, 0.8, 0, 0.3, 0.7, 0), 3);
    assert.equal(m.accuracy, 0.75);
    assert.deepEqual(m.perClass.map((c) => [c.precision, c.recall, c.support]), [[1, 0.5, 2], [2 / 3, 1, 2], [0, 0, 0]]);
    assert.equal(m.macroRecall, 0.5);
    assert.ok(Math.abs(m.macroPrecision - 5 / 9) < 1e-15);
    assert.throws(() => evaluateMulticlass([0, 3], new Float64Array(6), 3), /yTrue\[1\] must be a class index 0\.\.2, got 3/);
    assert.throws(() => evaluateMulticlass([0], new Float64Array(2), 3), /proba has 2 values, expected 1 rows × 3 classes/);
    const r = evaluateRegression([1, 2, 3], [1, 2, 4]);
    assert.equal(r.mae, 1 / 3);
    assert.equal(r.r2, 0.5);
    assert.ok(Number.isNaN(evaluateRegression([2, 2], [1, 3]).r2), 'R² is undefined for a constant target');
    assert.throws(() => evaluateRegression([1, Number.NaN], [1, 2]), /row 1: values must be finite/);
  });
});
