/**
 * PSI against hand-computed fixtures: every expected number below is worked out in the comments
 * from the definition (shares floored at ε = 1e-4, PSI = Σ (a − e) · ln(a / e)), not from the code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CategoricalBaseline, NumericBaseline } from '../src/model/baseline.js';
import { PSI_EPSILON, categoricalBinner, computePsi, numericBinner, psiContributions, topMovedBins } from '../src/monitoring/drift/index.js';

/** Equal to 1e-10 relative: the fixtures carry 16 digits, the sums may round differently. */
const close = (actual: number, expected: number, message = '') =>
  assert.ok(Math.abs(actual - expected) <= 1e-10 * Math.abs(expected), `${message} got ${actual}, expected ${expected}`);

/** Counts per bin of `values` through `bin`. */
function countBins(bins: number, values: readonly (number | string)[], bin: (v: number | string) => number): number[] {
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[bin(v)]++;
  return counts;
}

test('the example of the brief: shares 0.5/0.3/0.2 against counts 40/40/20', () => {
  // actual shares 0.4/0.4/0.2:
  // (0.4 − 0.5)·ln(0.4/0.5) = 0.1·0.2231435513 = 0.02231435513
  // (0.4 − 0.3)·ln(0.4/0.3) = 0.1·0.2876820725 = 0.02876820725
  // (0.2 − 0.2)·ln(1)       = 0
  // PSI = 0.05108256238
  close(computePsi([0.5, 0.3, 0.2], [40, 40, 20]), 0.051082562376599);
});

test('a numeric feature with a point mass (pdays-like), live values binned through the binner', () => {
  // Training: 80 % never contacted (-1), the rest spread evenly over four open-ended intervals.
  const pdays: NumericBaseline = {
    kind: 'numeric',
    points: [-1],
    upperEdges: [90, 180, 270],
    labels: ['=-1', '(-Inf,90]', '(90,180]', '(180,270]', '(270,+Inf)'],
    shares: [0.8, 0.05, 0.05, 0.05, 0.05],
  };
  const binner = numericBinner('pdays', pdays);
  // 20 live values: 14 × -1 → bin 0; -2 (below the training range, not the point) and 90 (an upper
  // edge is inclusive) → bin 1; 91 and 180 → bin 2; 181 → bin 3; 5000 (far above) → bin 4.
  const live = [...new Array<number>(14).fill(-1), -2, 90, 91, 180, 181, 5000];
  const counts = countBins(5, live, (v) => binner.bin(v));
  assert.deepEqual(counts, [14, 2, 2, 1, 1]);
  // actual shares 0.70/0.10/0.10/0.05/0.05:
  // bin 0: (0.70 − 0.80)·ln(0.70/0.80) = 0.1·ln(8/7) = 0.1·0.1335313926 = 0.01335313926
  // bin 1: (0.10 − 0.05)·ln(0.10/0.05) = 0.05·ln 2 = 0.05·0.6931471806 = 0.03465735903
  // bin 2: same as bin 1                                            = 0.03465735903
  // bins 3, 4: 0
  // PSI = 0.08266785732
  close(computePsi(pdays.shares, counts), 0.0826678573184468);
});

test('a categorical feature with a category never seen in training goes to __unseen__ (epsilon rule)', () => {
  const loan: CategoricalBaseline = { kind: 'categorical', labels: ['no', 'yes', '__unseen__'], shares: [0.6, 0.4, 0] };
  const binner = categoricalBinner('loan', loan);
  const live = ['no', 'no', 'no', 'no', 'no', 'yes', 'yes', 'yes', 'yes', 'maybe'];
  const counts = countBins(3, live, (v) => binner.bin(v));
  assert.deepEqual(counts, [5, 4, 1]);
  // actual shares 0.5/0.4/0.1; the unseen bucket's baseline share 0 is floored to e' = 1e-4:
  // no:     (0.5 − 0.6)·ln(0.5/0.6)      = 0.1·ln 1.2  = 0.1·0.1823215568    = 0.01823215568
  // yes:    0
  // unseen: (0.1 − 1e-4)·ln(0.1/1e-4)    = 0.0999·ln 1000 = 0.0999·6.907755279 = 0.6900847524
  // PSI = 0.7083169081
  close(computePsi(loan.shares, counts), 0.708316908049711);
});

test('empty bins on either side follow the epsilon rule exactly, without renormalising', () => {
  const expected = [0.5, 0.3, 0.2, 0, 0];
  const counts = [0, 6, 2, 2, 0];
  // actual shares 0/0.6/0.2/0.2/0:
  // bin 0, actual empty:   (1e-4 − 0.5)·ln(1e-4/0.5)  = 0.4999·ln 5000 = 0.4999·8.517193191 = 4.257744876
  // bin 1:                 (0.6 − 0.3)·ln 2            = 0.3·0.6931471806                  = 0.2079441542
  // bin 2:                 0
  // bin 3, expected empty: (0.2 − 1e-4)·ln(0.2/1e-4)  = 0.1999·ln 2000 = 0.1999·7.600902460 = 1.519420402
  // bin 4, both empty:     (1e-4 − 1e-4)·ln 1         = 0
  // PSI = 5.985109432
  const shifts = psiContributions(expected, counts);
  close(shifts[0].contribution, 4.257744876388977, 'bin 0');
  close(shifts[1].contribution, 0.2079441541679836, 'bin 1');
  assert.equal(shifts[2].contribution, 0);
  close(shifts[3].contribution, 1.5194204016624622, 'bin 3');
  assert.equal(shifts[4].contribution, 0);
  assert.deepEqual(
    shifts.map((s) => [s.expected, s.actual]),
    [[0.5, PSI_EPSILON], [0.3, 0.6], [0.2, 0.2], [PSI_EPSILON, 0.2], [PSI_EPSILON, PSI_EPSILON]],
  );
  close(computePsi(expected, counts), 5.985109432219423);
  // A share below ε is floored too, so 0.00005 expected against 1 in 10,000 live counts as no change
  // there; the other bin: (0.9999 − 0.99995)·ln(0.9999/0.99995) = −0.00005·ln(1 − x) with
  // x = 0.00005/0.99995 = 0.0000500025, ln(1 − x) ≈ −x − x²/2 = −0.0000500037503, so 2.500187515e-9.
  const floored = psiContributions([0.00005, 0.99995], [1, 9999]);
  assert.equal(floored[0].contribution, 0);
  close(computePsi([0.00005, 0.99995], [1, 9999]), 2.500187514583438e-9);
});

test('identical distributions give a PSI of 0', () => {
  assert.equal(computePsi([0.25, 0.25, 0.5], [1, 1, 2]), 0);
  assert.equal(computePsi([0.25, 0.25, 0.5, 0], [100, 100, 200, 0]), 0);
});

test('no counts give NaN, mismatched lengths a RangeError', () => {
  assert.ok(Number.isNaN(computePsi([0.5, 0.5], [0, 0])));
  assert.ok(Number.isNaN(computePsi([], [])));
  assert.throws(() => computePsi([0.5, 0.5], [1, 2, 3]), RangeError);
  assert.throws(() => psiContributions([1], []), RangeError);
});

test('topMovedBins orders bins by contribution, largest first, and takes k', () => {
  // Contributions of [0.5, 0.3, 0.2, 0, 0] against [0, 6, 2, 2, 0] (previous test): bin 0 4.26,
  // bin 3 1.52, bin 1 0.208, bins 2 and 4 0 (ties keep bin order).
  assert.deepEqual(
    topMovedBins([0.5, 0.3, 0.2, 0, 0], [0, 6, 2, 2, 0], 10).map((s) => s.bin),
    [0, 3, 1, 2, 4],
  );
  assert.deepEqual(
    topMovedBins([0.5, 0.3, 0.2, 0, 0], [0, 6, 2, 2, 0], 2).map((s) => s.bin),
    [0, 3],
  );
  assert.deepEqual(topMovedBins([0.5, 0.5], [1, 1], 0), []);
  // The brief's example: bin 1 (0.0288) moved more than bin 0 (0.0223).
  assert.equal(topMovedBins([0.5, 0.3, 0.2], [40, 40, 20], 1)[0].bin, 1);
});
