/**
 * The native GBDT's three objectives: binary (unchanged, bit for bit), multiclass softmax (one tree
 * per class per round) and squared-error regression — learning on synthetic and real data
 * (scikit-learn's wine and diabetes, dumped by Debian's Python), compiled scoring equal to the node
 * walk, the artifact's two layouts and their validation.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadLabelledCsv } from '../src/data/csv.js';
import { generateSynthetic } from '../src/data/synthetic.js';
import { GbdtModel, gbdtFromJSON, trainGbdt, type GbdtDataset, type GbdtModelJson } from '../src/model/gbdt/index.js';
import { randomSplit, stratifiedSplit } from '../src/model/split.js';
import { fitModel, splitForTraining } from '../src/model/train.js';
import { createRandom } from '../src/util/random.js';
import { pythonModulesMissing } from './helpers/debian-python.js';
import { tempDir } from './helpers/fixtures.js';
import { readNumericCsv, writeSklearnCsv } from './helpers/sklearn-data.js';
import { skipUnlessTool } from './helpers/tools.js';

const BANK_FULL = fileURLToPath(new URL('../../shared/data/bank-full.csv', import.meta.url));

const sha256 = (value: unknown): string => createHash('sha256').update(JSON.stringify(value)).digest('hex');

/** Rows of a dataset picked by index. */
function pick(data: GbdtDataset, rows: Uint32Array): GbdtDataset {
  const x = new Float64Array(rows.length * data.d);
  const y = new Float64Array(rows.length);
  rows.forEach((r, i) => {
    x.set(data.x.subarray(r * data.d, (r + 1) * data.d), i * data.d);
    y[i] = data.y[r];
  });
  return { ...data, x, n: rows.length, y };
}

/** Three classes decided by two numeric columns and a categorical one, plus a noise column. */
function threeClasses(n: number, seed: number): GbdtDataset {
  const rng = createRandom(seed);
  const d = 4;
  const x = new Float64Array(n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = rng.next() * 4 - 2;
    const b = rng.next() * 4 - 2;
    const c = rng.int(5);
    x.set([a, b, c, rng.normal()], i * d);
    // Class 2 owns categories 1 and 3 outright; elsewhere the sign of a + b decides between 0 and 1.
    y[i] = c === 1 || c === 3 ? 2 : a + b > 0 ? 1 : 0;
  }
  return { x, n, d, y, categorical: [false, false, true, false], objective: 'multiclass', nClasses: 3 };
}

/** y = 3·a + 2·sin(2b) + category effect + N(0, 0.3²). */
function smoothRegression(n: number, seed: number): GbdtDataset {
  const rng = createRandom(seed);
  const d = 3;
  const x = new Float64Array(n * d);
  const y = new Float64Array(n);
  const effect = [0, 2, -1, 0.5];
  for (let i = 0; i < n; i++) {
    const a = rng.next() * 2 - 1;
    const b = rng.next() * 3;
    const c = rng.int(4);
    x.set([a, b, c], i * d);
    y[i] = 3 * a + 2 * Math.sin(2 * b) + effect[c] + 0.3 * rng.normal();
  }
  return { x, n, d, y, categorical: [false, false, true], objective: 'regression' };
}

function accuracy(model: GbdtModel, data: GbdtDataset): number {
  const p = model.predictOutputsBatch(data.x, data.n);
  const k = model.nOutputs;
  let correct = 0;
  for (let i = 0; i < data.n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (p[i * k + c] > p[i * k + best]) best = c;
    if (best === data.y[i]) correct++;
  }
  return correct / data.n;
}

/** R² and mean squared errors of the model and of predicting the training mean. */
function regressionFit(model: GbdtModel, data: GbdtDataset, trainMean: number): { r2: number; mse: number; meanMse: number } {
  const p = model.predictOutputsBatch(data.x, data.n);
  let mean = 0;
  for (let i = 0; i < data.n; i++) mean += data.y[i] / data.n;
  let sse = 0;
  let sst = 0;
  let meanSse = 0;
  for (let i = 0; i < data.n; i++) {
    sse += (p[i] - data.y[i]) ** 2;
    sst += (data.y[i] - mean) ** 2;
    meanSse += (trainMean - data.y[i]) ** 2;
  }
  return { r2: 1 - sse / sst, mse: sse / data.n, meanMse: meanSse / data.n };
}

const mean = (y: ArrayLike<number>): number => Array.from(y).reduce((s, v) => s + v, 0) / y.length;

/** Compiled outputs equal the node walk bit for bit, on the rows given and on odd values in every column. */
function assertCompiledEqualsWalk(model: GbdtModel, data: GbdtDataset): void {
  const k = model.nOutputs;
  const compiled = new Float64Array(k);
  const walked = new Float64Array(k);
  const check = (x: Float64Array | number[], offset: number, what: string): void => {
    model.predictOutputs(x, offset, compiled);
    model.walkOutputs(x, offset, walked);
    for (let c = 0; c < k; c++) {
      if (!Object.is(compiled[c], walked[c])) assert.fail(`${what}: output ${c} compiled ${compiled[c]} vs walked ${walked[c]}`);
      if (!Object.is(model.predictRaw(x, offset, c), model.walkTrees(x, offset, c))) assert.fail(`${what}: raw ${c} differs`);
    }
  };
  for (let i = 0; i < data.n; i++) check(data.x, i * data.d, `row ${i}`);
  const odd = [Number.NaN, -1, 0.5, 300, -0, Infinity, -Infinity, 2, 1e-300];
  for (let j = 0; j < data.d; j++) {
    for (const v of odd) {
      const row = Array.from(data.x.subarray(0, data.d));
      row[j] = v;
      check(row, 0, `row 0 with column ${j} = ${v}`);
    }
  }
}

describe('binary: unchanged by the new objectives', () => {
  // Hashes of models trained by the code before objectives existed (the same data, seed and params).
  test('the bank model trained on seeded synthetic bank data is byte-identical to before', () => {
    const fitted = fitModel(generateSynthetic({ rows: 6000, seed: 13 }), { seed: 42 });
    assert.equal(fitted.model.nTrees, 120);
    assert.equal(sha256(fitted.model.toJSON()), 'c5eaac7c3ada96110dacc332f4c3e9eecdd8d3987d60daf9607bdab9fe40d896');
    const json = fitted.model.toJSON();
    assert.equal(json.format, 'modelwatch-gbdt-binary');
    assert.equal(json.version, 1);
    assert.ok(!('objective' in json) && !('nClasses' in json), 'a binary artifact keeps the version-1 layout');
  });

  test(
    'the bank model trained on bank-full (80/20, seed 42) is byte-identical to before',
    existsSync(BANK_FULL) ? {} : { skip: `bank-full.csv not found: put the UCI bank-full.csv at ${BANK_FULL} (../shared/data/bank-full.csv from the repo root)` },
    async () => {
      const { rows } = await loadLabelledCsv(BANK_FULL);
      const { trainRows } = splitForTraining(rows, 0.2, 42);
      const fitted = fitModel(trainRows, { seed: 42 });
      assert.equal(fitted.model.nTrees, 134);
      assert.equal(sha256(fitted.model.toJSON()), '2b367b1fb4c5f20239e19df3c641f95b27cf1659af98b7cc89caccbd6cf2dd6e');
    },
  );

  test('a version-1 artifact loads unchanged, with or without objective "binary", and predicts through predictOutputs', () => {
    const fitted = fitModel(generateSynthetic({ rows: 2000, seed: 5 }), { seed: 1, params: { maxIter: 20 } });
    const v1 = JSON.parse(JSON.stringify(fitted.model.toJSON())) as GbdtModelJson;
    const model = gbdtFromJSON(v1);
    assert.deepEqual(model.toJSON(), v1);
    assert.equal(model.objective, 'binary');
    assert.equal(model.nOutputs, 1);
    assert.equal(model.nClasses, 2);
    const withObjective = gbdtFromJSON({ ...v1, objective: 'binary' });
    const row = new Float64Array(model.nFeatures).fill(1);
    const out = [0];
    withObjective.predictOutputs(row, 0, out);
    assert.equal(out[0], model.predictProba(row));
    assert.throws(() => gbdtFromJSON({ ...v1, objective: 'multiclass' }), /objective must be "binary" in a "modelwatch-gbdt-binary" model/);
  });

  test('a binary model in the version-2 layout scores like its version-1 twin', () => {
    const fitted = fitModel(generateSynthetic({ rows: 2000, seed: 6 }), { seed: 1, params: { maxIter: 15 } });
    const v1 = fitted.model.toJSON();
    assert.equal(v1.format, 'modelwatch-gbdt-binary');
    const { format: _f, version: _v, initScore, ...rest } = v1;
    const v2 = gbdtFromJSON({ ...rest, format: 'modelwatch-gbdt', version: 2, objective: 'binary', nClasses: 2, initScore: [initScore] });
    const row = new Float64Array(v2.nFeatures).fill(2);
    assert.equal(v2.predictProba(row), fitted.model.predictProba(row));
    assert.deepEqual(v2.toJSON(), v1, 'a binary model is always written back in layout version 1');
  });
});

describe('multiclass', () => {
  test('learns three separable classes: holdout accuracy ≥ 0.97, probabilities sum to 1, compiled = walk, JSON round trip', () => {
    // A separable set keeps improving for all 500 default rounds; 150 are plenty and keep the test fast.
    const model = trainGbdt(threeClasses(3000, 1), { seed: 1, maxIter: 150 });
    const holdout = threeClasses(1000, 2);
    const acc = accuracy(model, holdout);
    assert.ok(acc >= 0.97, `holdout accuracy ${acc}`);
    assert.equal(model.objective, 'multiclass');
    assert.equal(model.nOutputs, 3);
    assert.equal(model.nTrees % 3, 0, 'one tree per class per round');
    const p = model.predictOutputsBatch(holdout.x, holdout.n);
    for (let i = 0; i < holdout.n; i++) {
      const sum = p[i * 3] + p[i * 3 + 1] + p[i * 3 + 2];
      assert.ok(Math.abs(sum - 1) < 1e-12, `row ${i}: probabilities sum to ${sum}`);
      assert.ok(p[i * 3] >= 0 && p[i * 3 + 1] >= 0 && p[i * 3 + 2] >= 0);
    }
    assertCompiledEqualsWalk(model, holdout);
    const json = JSON.parse(JSON.stringify(model.toJSON())) as GbdtModelJson;
    assert.equal(json.format, 'modelwatch-gbdt');
    assert.equal(json.version, 2);
    assert.equal(json.objective, 'multiclass');
    assert.equal(json.nClasses, 3);
    assert.equal((json.initScore as number[]).length, 3);
    const restored = gbdtFromJSON(json);
    assert.deepEqual(restored.toJSON(), json);
    assert.deepEqual(restored.predictOutputsBatch(holdout.x, holdout.n), p);
    assert.throws(() => model.predictProba(holdout.x, 0), /predictProba is for binary models; this one is multiclass/);
    assert.throws(() => model.predictOutputs(holdout.x, 0, [0, 0]), /out has 2 slots but this multiclass model writes 3/);
  });

  test('starts from the log class priors, and early stopping watches the multi-class log-loss', () => {
    const data = threeClasses(2000, 3);
    const counts = [0, 0, 0];
    const { train } = stratifiedSplit(data.y, 0.1, 4);
    for (const r of train) counts[data.y[r]]++;
    const model = trainGbdt(data, { seed: 4, maxIter: 400, learningRate: 0.3 });
    assert.deepEqual(model.initScores, counts.map((c) => Math.log(c / train.length)));
    const losses = model.validationLoss;
    assert.ok(losses.length - 1 < 400, `should stop early, ran ${losses.length - 1} rounds`);
    assert.equal(Math.min(...losses), losses[model.nTrees / 3], 'kept rounds end at the best validation loss');
    // Before any tree the loss is the cross-entropy of the priors, about log 3 for these near-even classes.
    assert.ok(Math.abs(losses[0] - Math.log(3)) < 0.05, `initial loss ${losses[0]}`);
  });

  test('wine (scikit-learn, 3 classes): stratified 70/30 holdout accuracy ≥ 0.9', { skip: skipUnlessTool(pythonModulesMissing(['sklearn'])) }, (t) => {
    const path = join(tempDir(), 'wine.csv');
    writeSklearnCsv('wine', path);
    const csv = readNumericCsv(path);
    const classes = [...new Set(csv.target)].sort();
    assert.deepEqual(classes, ['class_0', 'class_1', 'class_2']);
    const data: GbdtDataset = { x: csv.x, n: csv.n, d: csv.d, y: Float64Array.from(csv.target, (c) => classes.indexOf(c)), categorical: new Array<boolean>(csv.d).fill(false), objective: 'multiclass', nClasses: 3 };
    const { train, test: holdout } = stratifiedSplit(data.y, 0.3, 42);
    // Few rows: leaves of 20 rows would leave the trees almost no room to split.
    const model = trainGbdt(pick(data, train), { seed: 42, minSamplesLeaf: 5 });
    const testSet = pick(data, holdout);
    const acc = accuracy(model, testSet);
    t.diagnostic(`wine holdout accuracy ${acc.toFixed(4)} (${testSet.n} rows), ${model.nTrees / 3} rounds`);
    assert.ok(acc >= 0.9, `holdout accuracy ${acc}`);
    assertCompiledEqualsWalk(model, testSet);
  });
});

describe('regression', () => {
  test('learns a smooth function: holdout R² ≥ 0.9, starts from the mean, compiled = walk, JSON round trip', () => {
    const data = smoothRegression(4000, 1);
    const model = trainGbdt(data, { seed: 2 });
    const holdout = smoothRegression(1000, 2);
    const fit = regressionFit(model, holdout, mean(data.y));
    assert.ok(fit.r2 >= 0.9, `R² ${fit.r2}`);
    assert.equal(model.objective, 'regression');
    assert.equal(model.nOutputs, 1);
    const { train } = randomSplit(data.n, 0.1, 2);
    assert.equal(model.initScore, mean(Array.from(train, (r) => data.y[r])), 'init score is the mean of the rows trained on');
    assert.ok(model.validationLoss.length > 2, 'the internal validation set for a continuous target is not empty');
    assert.equal(Math.min(...model.validationLoss), model.validationLoss[model.nTrees], 'kept trees end at the best validation MSE');
    assertCompiledEqualsWalk(model, holdout);
    const json = JSON.parse(JSON.stringify(model.toJSON())) as GbdtModelJson;
    assert.deepEqual([json.format, json.version, json.objective, (json as { nClasses: number }).nClasses], ['modelwatch-gbdt', 2, 'regression', 1]);
    const restored = gbdtFromJSON(json);
    assert.deepEqual(restored.toJSON(), json);
    const out = [0];
    restored.predictOutputs(holdout.x, 0, out);
    assert.equal(out[0], model.predictRaw(holdout.x, 0), 'a regression output is the raw score');
  });

  test('diabetes (scikit-learn): random 75/25 holdout R² ≥ 0.3 and beats predicting the mean', { skip: skipUnlessTool(pythonModulesMissing(['sklearn'])) }, (t) => {
    const path = join(tempDir(), 'diabetes.csv');
    writeSklearnCsv('diabetes', path);
    const csv = readNumericCsv(path);
    const data: GbdtDataset = { x: csv.x, n: csv.n, d: csv.d, y: Float64Array.from(csv.target, Number), categorical: new Array<boolean>(csv.d).fill(false), objective: 'regression' };
    const { train, test: holdout } = randomSplit(data.n, 0.25, 42);
    const trainSet = pick(data, train);
    const model = trainGbdt(trainSet, { seed: 42, minSamplesLeaf: 10 });
    const fit = regressionFit(model, pick(data, holdout), mean(trainSet.y));
    t.diagnostic(`diabetes holdout R² ${fit.r2.toFixed(4)} RMSE ${Math.sqrt(fit.mse).toFixed(2)} (mean predictor RMSE ${Math.sqrt(fit.meanMse).toFixed(2)}), ${model.nTrees} trees`);
    assert.ok(fit.r2 >= 0.3, `R² ${fit.r2}`);
    assert.ok(fit.mse < fit.meanMse, 'beats predicting the training mean');
    assertCompiledEqualsWalk(model, pick(data, holdout));
  });
});

describe('missing values', () => {
  test('a NaN has a bin of its own: the trees tell "missing" from "largest" (y = x, but -5 when x is missing)', () => {
    const rng = createRandom(11);
    const n = 3000;
    const x = new Float64Array(n * 2);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const missing = rng.next() < 0.2;
      const a = rng.next();
      x[i * 2] = missing ? Number.NaN : a;
      x[i * 2 + 1] = rng.next();
      y[i] = missing ? -5 : a;
    }
    const model = trainGbdt({ x, n, d: 2, y, categorical: [false, false], objective: 'regression' }, { seed: 1 });
    const at = (value: number): number => model.predictRaw([value, 0.5]);
    assert.ok(Math.abs(at(Number.NaN) + 5) < 0.1, `missing → ${at(Number.NaN)}`);
    assert.ok(Math.abs(at(0.99) - 0.99) < 0.1, `0.99 → ${at(0.99)}`);
    assert.ok(Math.abs(at(0.05) - 0.05) < 0.1, `0.05 → ${at(0.05)}`);
    const infinite = Float64Array.from(x, (v, i) => (i === 0 ? Infinity : v));
    const withInfinity = trainGbdt({ x: infinite, n, d: 2, y, categorical: [false, false], objective: 'regression' }, { seed: 1, maxIter: 20 });
    assert.ok(withInfinity.toJSON().trees.every((t) => t.threshold.every(Number.isFinite)), 'an infinite value never becomes a threshold');
  });
});

describe('labels and artifacts that do not fit the objective are refused, naming the problem', () => {
  test('training input', () => {
    const three = threeClasses(300, 5);
    assert.throws(() => trainGbdt({ ...three, nClasses: undefined }), /nClasses must be an integer in \[2, 1000\] for multiclass, got undefined/);
    assert.throws(() => trainGbdt({ ...three, nClasses: 2 }), /y\[\d+\] must be a class index 0\.\.1, got 2/);
    assert.throws(() => trainGbdt({ ...three, nClasses: 4 }, { earlyStopping: false }), /training data has no rows of class 3/);
    assert.throws(() => trainGbdt({ ...three, y: Float64Array.from(three.y, (v) => v + 0.5) }), /must be a class index/);
    const reg = smoothRegression(300, 6);
    assert.throws(() => trainGbdt({ ...reg, y: Float64Array.from(reg.y, (v, i) => (i === 7 ? Number.NaN : v)) }), /training data: y\[7\] must be a finite number, got NaN/);
    assert.throws(() => trainGbdt({ ...reg, objective: 'ranking' as never }), /objective must be binary, multiclass or regression, got "ranking"/);
    assert.throws(() => trainGbdt(three, {}, undefined, { ...smoothRegression(100, 7), d: 4, x: new Float64Array(400), categorical: three.categorical }), /validation data: objective regression/);
  });

  test('version-2 artifacts', () => {
    const model = trainGbdt(threeClasses(600, 8), { maxIter: 4, earlyStopping: false });
    const base = model.toJSON();
    const edit = (change: Record<string, unknown>): unknown => ({ ...structuredClone(base), ...change });
    const cases: [string, unknown, RegExp][] = [
      ['unknown objective', edit({ objective: 'poisson' }), /objective must be one of binary, multiclass, regression, got "poisson"/],
      ['one class', edit({ nClasses: 1 }), /nClasses must be an integer in \[2, 1000\] for objective multiclass, got 1/],
      ['regression with classes', edit({ objective: 'regression' }), /nClasses must equal 1 for objective regression, got 3/],
      ['init scores per class', edit({ initScore: [0, 0] }), /initScore has 2 entries, expected 3/],
      ['init score not an array', edit({ initScore: 0.5 }), /initScore must be an array/],
      ['a round cut short', edit({ trees: base.trees.slice(0, 7) }), /trees has 7 entries, not a whole number of rounds of 3/],
      ['version 3', edit({ version: 3 }), /unsupported version 3 \(expected 2 for "modelwatch-gbdt"\)/],
    ];
    for (const [name, json, message] of cases) {
      assert.throws(() => gbdtFromJSON(json), (err: Error) => {
        assert.match(err.message, /^invalid GBDT model: /, name);
        assert.match(err.message, message, name);
        return true;
      }, name);
    }
  });
});
