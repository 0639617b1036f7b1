/**
 * The training-set contract: a row-major feature matrix with labels, per-column categorical flags
 * and the objective the labels are for, its validation, and row subsetting.
 */
import type { GbdtObjective } from './objective.js';

/** A labelled training set. */
export interface GbdtDataset {
  /** Row-major feature matrix, `n * d` values. */
  readonly x: Float64Array;
  readonly n: number;
  readonly d: number;
  /**
   * Labels. Binary: 0 or 1 (a Uint8Array, as always). Multiclass: the class index 0..nClasses-1.
   * Regression: the target value (finite).
   */
  readonly y: ArrayLike<number>;
  /** Per column: true when the values are integer category indices 0..k-1. */
  readonly categorical: readonly boolean[];
  /** What the labels are; `binary` when absent. */
  readonly objective?: GbdtObjective;
  /** Multiclass only: the number of classes K (every class 0..K-1 must occur in the training data). */
  readonly nClasses?: number;
}

/** Largest category index a column may use: bins are bytes and one bin is reserved for "missing". */
export const MAX_CATEGORY_INDEX = 253;

/** Most classes a multiclass model may have: each class costs one tree per round. */
export const MAX_CLASSES = 1000;

/** The dataset's objective and class count, defaults filled in: binary has 2 classes, regression 1. */
export function datasetTask(data: GbdtDataset): { objective: GbdtObjective; nClasses: number } {
  const objective = data.objective ?? 'binary';
  if (objective === 'multiclass') return { objective, nClasses: data.nClasses ?? Number.NaN };
  return { objective, nClasses: objective === 'binary' ? 2 : 1 };
}

/** Checks shapes, labels and categorical codes; `what` names the set in messages. */
export function validateDataset(data: GbdtDataset, what: string): void {
  const { x, n, d, y, categorical } = data;
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(d) || d < 1) throw new RangeError(`${what}: n and d must be positive integers, got n=${n} d=${d}`);
  if (x.length !== n * d) throw new RangeError(`${what}: x has ${x.length} values, expected n*d = ${n * d}`);
  if (y.length !== n) throw new RangeError(`${what}: y has ${y.length} labels, expected ${n}`);
  if (categorical.length !== d) throw new RangeError(`${what}: categorical has ${categorical.length} flags, expected ${d}`);
  validateLabels(data, what);
  for (let j = 0; j < d; j++) {
    if (!categorical[j]) continue;
    for (let i = 0; i < n; i++) {
      const v = x[i * d + j];
      // Negative and NaN codes mean "missing" (routed right); anything else must be a valid index.
      if (Number.isNaN(v) || v < 0) continue;
      if (!Number.isInteger(v) || v > MAX_CATEGORY_INDEX) {
        throw new RangeError(`${what}: row ${i} column ${j} is categorical but holds ${v}; expected an integer category index 0..${MAX_CATEGORY_INDEX}`);
      }
    }
  }
}

/** Labels by objective: 0/1, a class index below nClasses, or a finite value. */
function validateLabels(data: GbdtDataset, what: string): void {
  const { y, n } = data;
  const objective = data.objective ?? 'binary';
  if (objective === 'binary') {
    for (let i = 0; i < n; i++) {
      if (y[i] !== 0 && y[i] !== 1) throw new RangeError(`${what}: y[${i}] must be 0 or 1, got ${y[i]}`);
    }
  } else if (objective === 'multiclass') {
    const k = data.nClasses;
    if (k === undefined || !Number.isInteger(k) || k < 2 || k > MAX_CLASSES) throw new RangeError(`${what}: nClasses must be an integer in [2, ${MAX_CLASSES}] for multiclass, got ${String(k)}`);
    for (let i = 0; i < n; i++) {
      if (!Number.isInteger(y[i]) || y[i] < 0 || y[i] >= k) throw new RangeError(`${what}: y[${i}] must be a class index 0..${k - 1}, got ${y[i]}`);
    }
  } else if (objective === 'regression') {
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(y[i])) throw new RangeError(`${what}: y[${i}] must be a finite number, got ${y[i]}`);
    }
  } else {
    throw new RangeError(`${what}: objective must be binary, multiclass or regression, got ${JSON.stringify(objective)}`);
  }
}

/** Copies the given rows into a new dataset (used to carve the internal validation set). */
export function subsetRows(data: GbdtDataset, rows: Uint32Array): GbdtDataset {
  const { d } = data;
  const x = new Float64Array(rows.length * d);
  // Binary labels stay bytes as they always were; other labels keep their values exactly as doubles.
  const y = data.y instanceof Uint8Array ? new Uint8Array(rows.length) : new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    x.set(data.x.subarray(rows[i] * d, rows[i] * d + d), i * d);
    y[i] = data.y[rows[i]];
  }
  return { ...data, x, n: rows.length, y };
}
