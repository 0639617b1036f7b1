/**
 * Seeded stratified train/test splitting. The positive class is ~12% of bank-full, so a plain random
 * split lets the holdout's base rate wander by a few tenths of a percent between seeds; stratifying
 * pins every class's share exactly and keeps metrics comparable across seeds and runs.
 */
import { createRandom } from '../util/random.js';

/** Row indices of the two sides of a split, each sorted ascending. */
export interface IndexSplit {
  readonly train: Uint32Array;
  readonly test: Uint32Array;
}

/**
 * Splits row indices so that every class contributes exactly `Math.round(classCount * testShare)`
 * rows to `test` (half rounds up) and the rest to `train`. Which rows go where is drawn from a
 * seeded shuffle per class, so the same `y`, share and seed always give the same split.
 *
 * Labels may be any finite numbers (each distinct value is a class). Both returned arrays are sorted
 * ascending, which keeps later gathers of the rows cache-friendly and makes the result independent
 * of how classes are interleaved.
 *
 * @param y - class label per row
 * @param testShare - fraction of each class that goes to `test`, in [0, 1]
 * @param seed - seed for the shuffle
 * @throws RangeError on a share outside [0, 1] or a non-finite label
 *
 * @example
 * const { train, test } = stratifiedSplit([0, 0, 0, 0, 1, 1], 0.5, 42);
 * // test holds 2 of the four 0-rows and 1 of the two 1-rows; train holds the other 3
 */
export function stratifiedSplit(y: ArrayLike<number>, testShare: number, seed: number): IndexSplit {
  if (!(testShare >= 0 && testShare <= 1)) throw new RangeError(`testShare must be in [0, 1], got ${testShare}`);
  const byClass = groupByClass(y);
  const rng = createRandom(seed);
  const train: number[] = [];
  const test: number[] = [];
  // Classes are visited in ascending label order so the RNG stream is consumed identically no
  // matter which label happens to appear first in the file.
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const rows = rng.shuffle(byClass.get(label) as number[]);
    const testCount = Math.round(rows.length * testShare);
    for (let i = 0; i < rows.length; i++) (i < testCount ? test : train).push(rows[i]);
  }
  return { train: Uint32Array.from(train).sort(), test: Uint32Array.from(test).sort() };
}

/** Row indices per distinct label, each list in row order. */
function groupByClass(y: ArrayLike<number>): Map<number, number[]> {
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < y.length; i++) {
    const label = y[i];
    if (!Number.isFinite(label)) throw new RangeError(`y[${i}] is not a finite label: ${label}`);
    const rows = byClass.get(label);
    if (rows) rows.push(i);
    else byClass.set(label, [i]);
  }
  return byClass;
}

/**
 * Splits row indices at random: `Math.round(n * testShare)` rows go to `test`, the rest to `train`.
 * For a continuous target (regression), where every value would be its own stratum and
 * {@link stratifiedSplit} would round each stratum's test share down to nothing.
 *
 * @param n - number of rows
 * @param testShare - fraction of the rows that goes to `test`, in [0, 1]
 * @param seed - seed for the shuffle; the same n, share and seed always give the same split
 * @throws RangeError on a share outside [0, 1] or a negative or fractional `n`
 *
 * @example
 * const { train, test } = randomSplit(10, 0.2, 42); // 2 test rows, 8 train rows, each sorted
 */
export function randomSplit(n: number, testShare: number, seed: number): IndexSplit {
  if (!(testShare >= 0 && testShare <= 1)) throw new RangeError(`testShare must be in [0, 1], got ${testShare}`);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  const rows = createRandom(seed).shuffle(Array.from({ length: n }, (_, i) => i));
  const testCount = Math.round(n * testShare);
  return { train: Uint32Array.from(rows.slice(testCount)).sort(), test: Uint32Array.from(rows.slice(0, testCount)).sort() };
}
