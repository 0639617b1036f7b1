import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { evaluateBinary } from '../src/model/evaluation.js';
import { QualityWindow } from '../src/monitoring/quality/index.js';
import { createRandom } from '../src/util/random.js';

const close = (actual: number, expected: number, what: string): void => {
  assert.ok(Math.abs(actual - expected) <= 1e-12, `${what}: expected ${expected}, got ${actual}`);
};

describe('QualityWindow', () => {
  for (const [seed, capacity] of [
    [1, 1],
    [2, 7],
    [3, 50],
  ]) {
    test(`agrees with evaluateBinary on the last ${capacity} pairs after every add, seed ${seed}`, () => {
      const rng = createRandom(seed);
      const window = new QualityWindow(capacity);
      const predicted: (0 | 1)[] = [];
      const actual: (0 | 1)[] = [];
      // Drifts the positive rates now and then so that runs of a single class (the zero-division cases) occur.
      let positiveRate = 0.5;
      for (let i = 0; i < 3_000; i++) {
        if (i % 200 === 0) positiveRate = [0, 0.1, 0.5, 0.9, 1][rng.int(5)];
        const p = (rng.next() < positiveRate ? 1 : 0) as 0 | 1;
        const a = (rng.next() < (rng.next() < 0.7 ? positiveRate : 0.5) ? 1 : 0) as 0 | 1;
        window.add(p, a);
        predicted.push(p);
        actual.push(a);
        const from = Math.max(0, predicted.length - capacity);
        const lastPredicted = predicted.slice(from);
        const lastActual = actual.slice(from);
        // Probabilities of exactly 0 and 1 reproduce the predictions at the 0.5 threshold.
        const expected = evaluateBinary(lastActual, lastPredicted, 0.5);
        const got = window.metrics();
        assert.ok(got !== undefined);
        assert.equal(window.size, lastPredicted.length);
        for (const name of ['accuracy', 'precision', 'recall', 'f1'] as const) close(got[name], expected[name], `add ${i}: ${name}`);
        const tp = lastPredicted.filter((v, k) => v === 1 && lastActual[k] === 1).length;
        const fp = lastPredicted.filter((v, k) => v === 1 && lastActual[k] === 0).length;
        const fn = lastPredicted.filter((v, k) => v === 0 && lastActual[k] === 1).length;
        assert.deepEqual(window.confusion(), { tp, fp, tn: lastPredicted.length - tp - fp - fn, fn }, `add ${i}: confusion`);
      }
    });
  }

  test('an empty window has no metrics, and clear() empties it', () => {
    const window = new QualityWindow(5);
    assert.equal(window.metrics(), undefined);
    assert.equal(window.size, 0);
    window.add(1, 1);
    window.clear();
    assert.equal(window.metrics(), undefined);
    assert.deepEqual(window.confusion(), { tp: 0, fp: 0, tn: 0, fn: 0 });
    window.add(0, 1);
    assert.deepEqual(window.confusion(), { tp: 0, fp: 0, tn: 0, fn: 1 }, 'counts restart from zero after clear');
  });

  test('zero divisions are defined as evaluateBinary defines them', () => {
    const nothingPredictedPositive = new QualityWindow(4);
    nothingPredictedPositive.add(0, 1);
    nothingPredictedPositive.add(0, 0);
    assert.deepEqual(nothingPredictedPositive.metrics(), { accuracy: 0.5, precision: 0, recall: 0, f1: 0 });

    const noPositives = new QualityWindow(4);
    noPositives.add(1, 0);
    noPositives.add(0, 0);
    assert.deepEqual(noPositives.metrics(), { accuracy: 0.5, precision: 0, recall: 0, f1: 0 });

    const allNegativeAndRight = new QualityWindow(4);
    allNegativeAndRight.add(0, 0);
    assert.deepEqual(allNegativeAndRight.metrics(), { accuracy: 1, precision: 0, recall: 0, f1: 0 });
  });

  test('the oldest pair leaves once the window is full', () => {
    const window = new QualityWindow(2);
    window.add(1, 1);
    window.add(1, 0);
    window.add(0, 0);
    assert.deepEqual(window.confusion(), { tp: 0, fp: 1, tn: 1, fn: 0 });
    assert.equal(window.size, 2);
  });

  test('bad capacity or values throw', () => {
    assert.throws(() => new QualityWindow(0), RangeError);
    assert.throws(() => new QualityWindow(2.5), RangeError);
    assert.throws(() => new QualityWindow(1).add(2 as 0 | 1, 0), RangeError);
    assert.throws(() => new QualityWindow(1).add(1, -1 as 0 | 1), RangeError);
  });
});
