import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateBinary, reliability, rocAuc } from '../src/model/evaluation.js';
import { stratifiedSplit } from '../src/model/split.js';

const close = (actual: number, expected: number, what: string): void => {
  assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: expected ${expected}, got ${actual}`);
};

test('AUC on hand-computed examples', () => {
  // Pairs (pos, neg): (0.35, 0.1) ok, (0.35, 0.4) wrong, (0.8, *) ok → 3 of 4.
  close(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 0.75, 'no ties');
  close(rocAuc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]), 1, 'perfect');
  close(rocAuc([1, 1, 0, 0], [0.1, 0.2, 0.3, 0.4]), 0, 'reversed');
});

test('AUC counts a tied positive–negative pair as one half', () => {
  // Pairs: (0.5 vs 0.5) ½, (0.5 vs 0.2) 1, (0.9 vs 0.5) 1, (0.9 vs 0.2) 1 → 3.5 / 4.
  close(rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9]), 0.875, 'one tie');
  close(rocAuc([0, 1, 1, 0, 1], [0.3, 0.3, 0.3, 0.3, 0.3]), 0.5, 'all tied');
  // 3 negatives and 2 positives in one tie block at 0.6, plus a clear positive at 0.9 and negative at 0.1.
  // Pairs: 3 pos × 4 neg = 12. Positive 0.9 beats all 4 → 4. Each tied positive: beats 0.1 (1) + ties 3 (1.5) → 2.5 each.
  close(rocAuc([0, 0, 0, 1, 1, 1, 0], [0.6, 0.6, 0.6, 0.6, 0.6, 0.9, 0.1]), 9 / 12, 'tie block');
});

test('AUC is NaN with a single class', () => {
  assert.ok(Number.isNaN(rocAuc([1, 1, 1], [0.2, 0.5, 0.9])));
  assert.ok(Number.isNaN(evaluateBinary([0, 0], [0.2, 0.5]).auc));
});

test('threshold metrics, log-loss and Brier on a hand-computed example', () => {
  // Predicted positive at >= 0.5: rows 1, 2, 4. TP = rows 2, 4; FP = row 1; FN = row 3; TN = row 0.
  const y = [0, 0, 1, 1, 1];
  const p = [0.2, 0.6, 0.7, 0.4, 0.5];
  const m = evaluateBinary(y, p);
  close(m.accuracy, 3 / 5, 'accuracy');
  close(m.precision, 2 / 3, 'precision');
  close(m.recall, 2 / 3, 'recall');
  close(m.f1, 2 / 3, 'f1');
  const expectedLogLoss = -(Math.log(0.8) + Math.log(0.4) + Math.log(0.7) + Math.log(0.4) + Math.log(0.5)) / 5;
  close(m.logLoss, expectedLogLoss, 'logLoss');
  close(m.brier, (0.04 + 0.36 + 0.09 + 0.36 + 0.25) / 5, 'brier');
  // Pairs: 0.7 beats both, 0.4 beats 0.2 only, 0.5 beats 0.2 only → 4 of 6.
  close(m.auc, 4 / 6, 'auc');
  // A stricter threshold drops row 4 (0.5) and row 1 (0.6): TP 1, FP 0, FN 2.
  const strict = evaluateBinary(y, p, 0.65);
  close(strict.precision, 1, 'strict precision');
  close(strict.recall, 1 / 3, 'strict recall');
});

test('zero-division cases are 0, not NaN', () => {
  // Nothing predicted positive: precision 0 (no positive predictions), f1 0.
  const none = evaluateBinary([0, 1, 1], [0.1, 0.2, 0.3]);
  assert.equal(none.precision, 0);
  assert.equal(none.recall, 0);
  assert.equal(none.f1, 0);
  close(none.accuracy, 1 / 3, 'accuracy');
  // No positives at all: recall 0, precision 0 when everything predicted positive is wrong.
  const noPositives = evaluateBinary([0, 0], [0.9, 0.1]);
  assert.equal(noPositives.recall, 0);
  assert.equal(noPositives.precision, 0);
  assert.equal(noPositives.f1, 0);
});

test('log-loss clips certain mistakes to a finite value', () => {
  const m = evaluateBinary([1, 0], [0, 1]);
  assert.ok(Number.isFinite(m.logLoss));
  // Both rows clip to 1e-15 from the wrong side; 1 - (1 - 1e-15) is not exactly 1e-15 in floating point.
  close(m.logLoss, (-Math.log(1e-15) - Math.log(1 - (1 - 1e-15))) / 2, 'clipped');
  assert.ok(m.logLoss > 34 && m.logLoss < 35);
  assert.equal(m.brier, 1);
});

test('rejects malformed inputs', () => {
  assert.throws(() => evaluateBinary([], []), /zero rows/);
  assert.throws(() => evaluateBinary([0, 1], [0.5]), /yTrue has 2 rows but proba has 1/);
  assert.throws(() => evaluateBinary([0, 2], [0.5, 0.5]), /yTrue\[1\] must be 0 or 1/);
  assert.throws(() => evaluateBinary([0, 1], [0.5, Number.NaN]), /proba\[1\] must be a probability/);
  assert.throws(() => evaluateBinary([0, 1], [0.5, 1.2]), /proba\[1\]/);
  assert.throws(() => reliability([0, 1], [0.5, 0.5], 0), /bins must be a positive integer/);
});

test('reliability bins, empty bins and ECE', () => {
  const y = [0, 1, 1, 1, 0];
  // 0.2 · 4 = 0.8 must floor into bin 0, and p = 1 must land in the last bin, not a fifth one.
  const p = [0.2, 0.3, 0.9, 1, 0.05];
  const r = reliability(y, p, 4);
  assert.equal(r.bins.length, 4);
  assert.deepEqual(r.bins.map((b) => [b.lower, b.upper, b.count]), [[0, 0.25, 2], [0.25, 0.5, 1], [0.5, 0.75, 0], [0.75, 1, 2]]);
  close(r.bins[0].meanPredicted, 0.125, 'bin 0 mean');
  assert.equal(r.bins[0].observedRate, 0);
  assert.equal(r.bins[1].observedRate, 1);
  assert.ok(Number.isNaN(r.bins[2].meanPredicted) && Number.isNaN(r.bins[2].observedRate), 'empty bin is NaN');
  close(r.bins[3].meanPredicted, 0.95, 'p = 1 lands in the last bin');
  // ECE = (2·0.125 + 1·0.7 + 2·0.05) / 5; MCE = 0.7.
  close(r.ece, (2 * 0.125 + 0.7 + 2 * 0.05) / 5, 'ece');
  close(r.mce, 0.7, 'mce');
});

test('a perfectly calibrated bin has zero ECE', () => {
  // Ten rows at 0.3 with three positives, ten at 0.8 with eight.
  const p = [...Array(10).fill(0.3), ...Array(10).fill(0.8)];
  const y = [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0];
  close(reliability(y, p).ece, 0, 'ece');
  assert.equal(reliability(y, p).bins.reduce((s, b) => s + b.count, 0), 20);
});

test('stratified split keeps exact per-class shares and covers every row once', () => {
  const y = [...Array(900).fill(0), ...Array(100).fill(1), ...Array(33).fill(2)];
  const { train, test: held } = stratifiedSplit(y, 0.2, 42);
  const count = (rows: Uint32Array, label: number): number => rows.reduce((s, r) => s + (y[r] === label ? 1 : 0), 0);
  assert.equal(count(held, 0), 180);
  assert.equal(count(held, 1), 20);
  assert.equal(count(held, 2), 7); // round(6.6)
  assert.equal(train.length + held.length, y.length);
  const seen = new Set([...train, ...held]);
  assert.equal(seen.size, y.length, 'train and test are disjoint and cover all rows');
  assert.ok(held.every((r, i) => i === 0 || r > held[i - 1]), 'test indices ascending');
  assert.ok(train.every((r, i) => i === 0 || r > train[i - 1]), 'train indices ascending');
});

test('stratified split is deterministic per seed and varies across seeds', () => {
  const y = Array.from({ length: 500 }, (_, i) => (i % 7 === 0 ? 1 : 0));
  assert.deepEqual(stratifiedSplit(y, 0.3, 7), stratifiedSplit(y, 0.3, 7));
  assert.notDeepEqual(stratifiedSplit(y, 0.3, 7).test, stratifiedSplit(y, 0.3, 8).test);
  const small = [0, 0, 0, 0, 1, 1];
  const { test: held } = stratifiedSplit(small, 0.5, 1);
  assert.deepEqual([...held].map((r) => small[r]).sort(), [0, 0, 1]);
});

test('stratified split edge shares and bad input', () => {
  const y = [0, 1, 0, 1, 0];
  assert.equal(stratifiedSplit(y, 0, 1).test.length, 0);
  assert.equal(stratifiedSplit(y, 1, 1).train.length, 0);
  assert.throws(() => stratifiedSplit(y, 1.5, 1), /testShare must be in \[0, 1\]/);
  assert.throws(() => stratifiedSplit(y, Number.NaN, 1), /testShare/);
  assert.throws(() => stratifiedSplit([0, Number.NaN], 0.5, 1), /y\[1\] is not a finite label/);
});
