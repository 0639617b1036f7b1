import assert from 'node:assert/strict';
import * as rngModule from '../src/util/random.js';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FEATURES } from '../src/data/schema.js';
import { evaluateBinary, reliability } from '../src/model/evaluation.js';
import { GbdtModel, gbdtFromJSON, trainGbdt, type GbdtDataset, type GbdtModelJson } from '../src/model/gbdt/index.js';
import { stratifiedSplit } from '../src/model/split.js';
import { createRandom } from '../src/util/random.js';

const BANK_FULL = resolve(dirname(fileURLToPath(import.meta.url)), '../../shared/data/bank-full.csv');

/** Rows from a generator of (features, label); `categorical` flags the columns. */
function makeDataset(n: number, categorical: boolean[], seed: number, row: (rng: ReturnType<typeof createRandom>) => [number[], number]): GbdtDataset {
  const rng = createRandom(seed);
  const d = categorical.length;
  const x = new Float64Array(n * d);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const [features, label] = row(rng);
    x.set(features, i * d);
    y[i] = label;
  }
  return { x, n, d, y, categorical };
}

/** XOR of two signs with 5% label noise, plus an irrelevant column. */
function xorData(n: number, seed: number): GbdtDataset {
  return makeDataset(n, [false, false, false], seed, (rng) => {
    const a = rng.next() * 2 - 1;
    const b = rng.next() * 2 - 1;
    const label = (a > 0) !== (b > 0) ? 1 : 0;
    return [[a, b, rng.next()], rng.next() < 0.05 ? 1 - label : label];
  });
}

const HIGH_CATEGORIES = [1, 4, 6, 9];

/** Ten categories, four of them (not adjacent, so no threshold isolates them) with a high rate; plus a noise column. */
function categoricalData(n: number, seed: number): GbdtDataset {
  return makeDataset(n, [true, false], seed, (rng) => {
    const c = rng.int(10);
    const rate = HIGH_CATEGORIES.includes(c) ? 0.85 : 0.1;
    return [[c, rng.normal()], rng.next() < rate ? 1 : 0];
  });
}

function accuracy(model: GbdtModel, data: GbdtDataset): number {
  const p = model.predictProbaBatch(data.x, data.n);
  let correct = 0;
  for (let i = 0; i < data.n; i++) if ((p[i] >= 0.5 ? 1 : 0) === data.y[i]) correct++;
  return correct / data.n;
}

test('learns an XOR interaction that no single feature explains', () => {
  const model = trainGbdt(xorData(3000, 1), { seed: 1 });
  assert.ok(accuracy(model, xorData(2000, 2)) >= 0.9, 'holdout accuracy on XOR should be near the 95% noise ceiling');
});

test('a single categorical split isolates a non-contiguous set of categories', () => {
  const model = trainGbdt(categoricalData(4000, 3), { maxIter: 1, maxLeafNodes: 2, learningRate: 1, earlyStopping: false });
  const tree = model.toJSON().trees[0];
  assert.equal(tree.feature[0], 0);
  assert.deepEqual(tree.leftCategories[0], HIGH_CATEGORIES);
});

test('learns a categorical-only signal with full training', () => {
  const model = trainGbdt(categoricalData(4000, 3), { seed: 5 });
  for (let c = 0; c < 10; c++) {
    const p = model.predictProba([c, 0]);
    if (HIGH_CATEGORIES.includes(c)) assert.ok(p > 0.7, `category ${c} should be high, got ${p}`);
    else assert.ok(p < 0.25, `category ${c} should be low, got ${p}`);
  }
  assert.ok(model.featureImportance[0] > 10 * model.featureImportance[1], 'the categorical column should dominate importance');
});

test('unknown, negative, NaN and fractional categories all go right', () => {
  const model = trainGbdt(categoricalData(4000, 3), { maxIter: 1, maxLeafNodes: 2, learningRate: 1, earlyStopping: false });
  const right = model.predictRaw([0, 0]);
  assert.notEqual(model.predictRaw([4, 0]), right);
  for (const unknown of [-1, Number.NaN, 99, 1e9, 4.5]) assert.equal(model.predictRaw([unknown, 0]), right, `category ${unknown}`);
});

test('a NaN numeric value goes right, like +Infinity', () => {
  const data = makeDataset(1000, [false], 4, (rng) => {
    const v = rng.next();
    return [[v], v > 0.5 ? 1 : 0];
  });
  const model = trainGbdt(data, { maxIter: 1, maxLeafNodes: 2, earlyStopping: false });
  assert.ok(model.predictRaw([0.9]) > model.predictRaw([0.1]));
  assert.equal(model.predictRaw([Number.NaN]), model.predictRaw([Number.POSITIVE_INFINITY]));
  assert.equal(model.predictRaw([Number.NaN]), model.predictRaw([0.9]));
});

test('numeric thresholds are midpoints between training values and quantile bins stay fine-grained', () => {
  const stump = { maxIter: 1, maxLeafNodes: 2, earlyStopping: false };
  // Few distinct values: one bin each, so the cut is exactly between 36 and 37.
  const few = makeDataset(2000, [false], 15, (rng) => {
    const v = rng.int(100);
    return [[v], v >= 37 ? 1 : 0];
  });
  assert.equal(trainGbdt(few, stump).toJSON().trees[0].threshold[0], 36.5);
  // 2000 distinct values with a heavy tie (40% of rows at 1500): 255 quantile bins must still place
  // the cut within a few values of 699.5.
  const many = makeDataset(20000, [false], 16, (rng) => {
    const v = rng.next() < 0.4 ? 1500 : rng.int(2000);
    return [[v], v >= 700 ? 1 : 0];
  });
  const threshold = trainGbdt(many, stump).toJSON().trees[0].threshold[0];
  assert.ok(Math.abs(threshold - 699.5) <= 8, `threshold ${threshold}`);
});

test('training is deterministic for a seed', () => {
  const data = xorData(1500, 6);
  const a = JSON.stringify(trainGbdt(data, { seed: 3, maxIter: 40 }));
  const b = JSON.stringify(trainGbdt(data, { seed: 3, maxIter: 40 }));
  assert.equal(a, b);
  const c = JSON.stringify(trainGbdt(data, { seed: 4, maxIter: 40 }));
  assert.notEqual(a, c, 'the seed picks the validation rows, so another seed should give another model');
});

test('toJSON / fromJSON round trip predicts identically', () => {
  const data = categoricalData(3000, 7);
  const model = trainGbdt(data, { maxIter: 30, earlyStopping: false });
  const json = JSON.parse(JSON.stringify(model.toJSON())) as GbdtModelJson;
  assert.ok(json.trees.every((t) => Array.isArray(t.value)), 'JSON holds plain arrays');
  const restored = gbdtFromJSON(json);
  for (let i = 0; i < data.n; i++) assert.equal(restored.predictProba(data.x, i * data.d), model.predictProba(data.x, i * data.d));
  assert.deepEqual(restored.toJSON(), model.toJSON());
  assert.deepEqual(restored.featureImportance, model.featureImportance);
  assert.deepEqual(restored.params, model.params);
});

test('fromJSON refuses corrupted artifacts with a message naming the problem', () => {
  const model = trainGbdt(categoricalData(3000, 8), { maxIter: 5, earlyStopping: false });
  const base = model.toJSON();
  // Node 0 of tree 0 is an internal node with both children, children's indices > 0.
  const corrupt = (edit: (m: GbdtModelJson) => void): unknown => {
    const copy = structuredClone(base);
    edit(copy);
    return copy;
  };
  const cases: [string, unknown, RegExp][] = [
    ['not an object', null, /model must be an object/],
    ['wrong format', corrupt((m) => ((m as { format: string }).format = 'xgboost')), /format must be/],
    ['wrong version', corrupt((m) => ((m as { version: number }).version = 2)), /unsupported version 2/],
    ['child out of range', corrupt((m) => (m.trees[0].left[0] = 99)), /tree 0: node 0 references child 99 beyond \d+ nodes/],
    ['child before parent (cycle)', corrupt((m) => (m.trees[1].right[0] = 0)), /tree 1: node 0 references child 0, which is not after it/],
    ['non-finite leaf value', corrupt((m) => ((m.trees[2].value as unknown[])[1] = null)), /tree 2: value\[1\] is not a finite number/],
    ['feature out of range', corrupt((m) => (m.trees[0].feature[0] = 2)), /tree 0: feature\[0\] = 2 is not an integer in \[-1, 1\]/],
    ['ragged arrays', corrupt((m) => m.trees[3].threshold.pop()), /tree 3: threshold has \d+ entries, expected \d+/],
    ['shared child', corrupt((m) => (m.trees[0].right[0] = m.trees[0].left[0])), /tree 0: node 0 has the same node as both children/],
    ['missing categorical flags', corrupt((m) => m.categorical.pop()), /categorical has 1 entries, expected 2/],
    ['leaf with children', corrupt((m) => (m.trees[0].feature[0] = -1)), /tree 0: node 0 is a leaf \(feature -1\) but has children/],
    ['bad category', corrupt((m) => {
      const tree = m.trees.find((t) => t.feature[0] === 0) as GbdtModelJson['trees'][number];
      tree.leftCategories[0] = [3, 1];
    }), /leftCategories must be strictly ascending/],
    ['bad params', corrupt((m) => (m.params.learningRate = -1)), /params: learningRate must be/],
    ['missing param', corrupt((m) => delete (m.params as Partial<typeof m.params>).maxBins), /params.maxBins is missing/],
    ['importance length', corrupt((m) => m.featureImportance.push(1)), /featureImportance has 3 entries, expected 2/],
    ['no trees array', corrupt((m) => delete (m as Partial<GbdtModelJson>).trees), /trees must be an array/],
  ];
  for (const [name, artifact, message] of cases) {
    assert.throws(() => GbdtModel.fromJSON(artifact), (err: Error) => {
      assert.match(err.message, message, name);
      assert.match(err.message, /^invalid GBDT model: /, name);
      return true;
    }, name);
  }
});

test('fromJSON refuses a node with two parents', () => {
  const model = trainGbdt(xorData(2000, 9), { maxIter: 3, earlyStopping: false, maxLeafNodes: 8 });
  const json = model.toJSON();
  const t = json.trees.findIndex((tree) => tree.left.some((c, node) => node > 0 && c > 0));
  assert.ok(t >= 0, 'expected a tree with an internal non-root node');
  const tree = json.trees[t];
  const inner = tree.left.findIndex((c, node) => node > 0 && c > 0);
  // Point the root's right edge at a grandchild: it gains a second parent and the old right child is orphaned.
  tree.right[0] = tree.left[inner];
  assert.throws(() => gbdtFromJSON(json), new RegExp(`tree ${t}: node \\d+ has [02] parents`));
});

test('respects maxDepth and maxLeafNodes', () => {
  const data = xorData(2000, 10);
  const stumps = trainGbdt(data, { maxDepth: 1, maxIter: 10, earlyStopping: false }).toJSON();
  assert.ok(stumps.trees.every((t) => t.feature.length <= 3));
  const small = trainGbdt(data, { maxLeafNodes: 4, maxIter: 10, earlyStopping: false }).toJSON();
  assert.ok(small.trees.every((t) => t.feature.length <= 7));
  assert.ok(small.trees.some((t) => t.feature.length === 7));
});

test('early stopping halts on noise and keeps the best iteration', () => {
  const noise = makeDataset(3000, [false, false], 11, (rng) => [[rng.next(), rng.next()], rng.next() < 0.3 ? 1 : 0]);
  const progress: number[] = [];
  const model = trainGbdt(noise, { maxIter: 300, learningRate: 0.3 }, (iteration, total) => {
    assert.equal(total, 300);
    progress.push(iteration);
  });
  assert.ok(progress.length < 300, `should stop early, ran ${progress.length}`);
  assert.deepEqual(progress, progress.map((_, i) => i + 1));
  const losses = model.validationLoss;
  assert.equal(losses.length, progress.length + 1);
  assert.equal(Math.min(...losses), losses[model.nTrees], 'kept trees end at the best validation loss');
});

test('uses a caller-supplied validation set', () => {
  const model = trainGbdt(xorData(1500, 12), { maxIter: 50 }, undefined, xorData(500, 13));
  assert.ok(model.validationLoss.length >= 2);
  assert.ok(model.validationLoss[model.nTrees] < model.validationLoss[0]);
});

test('rejects malformed training input', () => {
  const good = xorData(200, 14);
  assert.throws(() => trainGbdt({ ...good, y: new Uint8Array(good.n) }), /both classes/);
  assert.throws(() => trainGbdt({ ...good, n: good.n + 1 }), /x has 600 values, expected n\*d = 603/);
  assert.throws(() => trainGbdt({ ...good, categorical: [false] }), /categorical has 1 flags/);
  assert.throws(() => trainGbdt(good, { learningRate: 0 }), /learningRate must be/);
  assert.throws(() => trainGbdt(good, { maxLeafNodes: 2.5 }), /maxLeafNodes must be an integer/);
  assert.throws(() => trainGbdt(good, { bogus: 1 } as never), /unknown GBDT parameter bogus/);
  assert.throws(() => trainGbdt({ ...good, categorical: [true, false, false] }), /row \d+ column 0 is categorical but holds 0\.\d+; expected an integer category index/);
  const model = trainGbdt(good, { maxIter: 2, earlyStopping: false });
  assert.throws(() => model.predictProba([1, 2]), /needs 3 values/);
});

/** Loads bank-full into a dataset: numeric columns as numbers, categories as schema indices, y yes → 1. */
function loadBankFull(path: string): GbdtDataset {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l.length > 0);
  // The UCI original uses ';' and quoted strings; the shared copy uses ','. Accept both.
  const delimiter = lines[0].includes(';') ? ';' : ',';
  const split = (line: string): string[] => line.split(delimiter).map((c) => c.replace(/^"|"$/g, ''));
  const header = split(lines[0]);
  const columns = FEATURES.map((f) => header.indexOf(f.name));
  const yColumn = header.indexOf('y');
  assert.ok(columns.every((c) => c >= 0) && yColumn >= 0, 'bank-full header is missing columns');
  const n = lines.length - 1;
  const d = FEATURES.length;
  const x = new Float64Array(n * d);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const cells = split(lines[i + 1]);
    FEATURES.forEach((f, j) => {
      const cell = cells[columns[j]];
      const value = f.kind === 'numeric' ? Number(cell) : f.categories.indexOf(cell);
      const ok = f.kind === 'numeric' ? Number.isFinite(value) : value >= 0;
      assert.ok(ok, `row ${i + 1}: bad ${f.name} ${cell}`);
      x[i * d + j] = value;
    });
    y[i] = cells[yColumn] === 'yes' ? 1 : 0;
  }
  return { x, n, d, y, categorical: FEATURES.map((f) => f.kind === 'categorical') };
}

function subset(data: GbdtDataset, rows: Uint32Array): GbdtDataset {
  const x = new Float64Array(rows.length * data.d);
  const y = new Uint8Array(rows.length);
  rows.forEach((r, i) => {
    x.set(data.x.subarray(r * data.d, (r + 1) * data.d), i * data.d);
    y[i] = data.y[r];
  });
  return { ...data, x, n: rows.length, y };
}

const bankFullMissing = existsSync(BANK_FULL)
  ? undefined
  : `bank-full.csv not found: put the UCI bank-full.csv at ${BANK_FULL} (../shared/data/bank-full.csv from the repo root)`;

test('bank-full: stratified 80/20 holdout reaches accuracy ≥ 0.905 and AUC ≥ 0.92 in < 60 s', bankFullMissing ? { skip: bankFullMissing } : {}, (t) => {
  const data = loadBankFull(BANK_FULL);
  assert.equal(data.n, 45211);
  const { train, test: holdout } = stratifiedSplit(data.y, 0.2, 42);
  const trainSet = subset(data, train);
  const testSet = subset(data, holdout);
  const started = performance.now();
  const model = trainGbdt(trainSet);
  const seconds = (performance.now() - started) / 1000;
  const proba = model.predictProbaBatch(testSet.x, testSet.n);
  const metrics = evaluateBinary(testSet.y, proba);
  const { ece } = reliability(testSet.y, proba);
  t.diagnostic(`accuracy ${metrics.accuracy.toFixed(4)} auc ${metrics.auc.toFixed(4)} ece ${ece.toFixed(4)} trees ${model.nTrees} train ${seconds.toFixed(2)} s`);
  assert.ok(metrics.accuracy >= 0.905, `accuracy ${metrics.accuracy}`);
  assert.ok(metrics.auc >= 0.92, `auc ${metrics.auc}`);
  assert.ok(seconds < 60, `training took ${seconds} s`);
  assert.ok(ece < 0.02, `ece ${ece}`);
  for (let i = 0; i < testSet.n; i++) {
    const offset = i * testSet.d;
    if (model.predictRaw(testSet.x, offset) !== model.walkTrees(testSet.x, offset)) assert.fail(`compiled and walked scores differ on holdout row ${i}`);
  }
});

test('the compiled trees score bit-identically to the node walk, odd inputs included', () => {
  const { createRandom } = rngModule;
  const rng = createRandom(5);
  const n = 3000;
  const x = new Float64Array(n * 3);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    x[i * 3] = rng.normal() * 10;
    x[i * 3 + 1] = rng.int(6);
    x[i * 3 + 2] = rng.next();
    y[i] = (x[i * 3] > 2) !== (x[i * 3 + 1] % 2 === 0) || rng.next() < 0.1 ? 1 : 0;
  }
  const model = trainGbdt({ x, n, d: 3, y, categorical: [false, true, false] }, { maxIter: 40 });
  const odd = [Number.NaN, -1, 0.5, 300, -0, Infinity, -Infinity, 2, 1e-300];
  for (const a of odd) for (const b of odd) for (const c of odd) {
    const row = [a, b, c];
    const compiled = model.predictRaw(row);
    const walked = model.walkTrees(row);
    assert.ok(Object.is(compiled, walked), `row ${row}: compiled ${compiled} vs walked ${walked}`);
  }
  for (let i = 0; i < n; i++) assert.ok(Object.is(model.predictRaw(x, i * 3), model.walkTrees(x, i * 3)));
});
