/**
 * The training-set contract: a row-major feature matrix with 0/1 labels and per-column categorical
 * flags, its validation, and row subsetting.
 */

/** A labelled training set. */
export interface GbdtDataset {
  /** Row-major feature matrix, `n * d` values. */
  readonly x: Float64Array;
  readonly n: number;
  readonly d: number;
  /** Labels, 0 or 1. */
  readonly y: Uint8Array;
  /** Per column: true when the values are integer category indices 0..k-1. */
  readonly categorical: readonly boolean[];
}

/** Largest category index a column may use: bins are bytes and one bin is reserved for "missing". */
export const MAX_CATEGORY_INDEX = 253;

/** Checks shapes, labels and categorical codes; `what` names the set in messages. */
export function validateDataset(data: GbdtDataset, what: string): void {
  const { x, n, d, y, categorical } = data;
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(d) || d < 1) throw new RangeError(`${what}: n and d must be positive integers, got n=${n} d=${d}`);
  if (x.length !== n * d) throw new RangeError(`${what}: x has ${x.length} values, expected n*d = ${n * d}`);
  if (y.length !== n) throw new RangeError(`${what}: y has ${y.length} labels, expected ${n}`);
  if (categorical.length !== d) throw new RangeError(`${what}: categorical has ${categorical.length} flags, expected ${d}`);
  for (let i = 0; i < n; i++) {
    if (y[i] > 1) throw new RangeError(`${what}: y[${i}] must be 0 or 1, got ${y[i]}`);
  }
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

/** Copies the given rows into a new dataset (used to carve the internal validation set). */
export function subsetRows(data: GbdtDataset, rows: Uint32Array): GbdtDataset {
  const { d } = data;
  const x = new Float64Array(rows.length * d);
  const y = new Uint8Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    x.set(data.x.subarray(rows[i] * d, rows[i] * d + d), i * d);
    y[i] = data.y[rows[i]];
  }
  return { x, n: rows.length, d, y, categorical: data.categorical };
}
