/**
 * Binning: every column is mapped once to byte codes before training, so split finding scans small
 * per-bin histograms instead of rows. Numeric columns get at most `maxBins` quantile bins, plus a
 * last bin of its own for NaN ("missing") when the column has any; a categorical column gets one
 * bin per category plus a last bin for "missing".
 */
import type { GbdtDataset } from './dataset.js';
import { firstEdgeAtOrAbove } from '../../util/search.js';

/** The training matrix after binning. */
export interface BinnedData {
  readonly n: number;
  readonly d: number;
  /** Column-major bin codes: column j occupies `[j*n, (j+1)*n)`. */
  readonly bins: Uint8Array;
  /** Bins per column. For categorical columns the last bin is "missing" and never goes left. */
  readonly nBins: Int32Array;
  /** First histogram slot of each column. */
  readonly offsets: Int32Array;
  readonly totalBins: number;
  /** Numeric columns: bin b holds values in (upper[b-1], upper[b]]; the last bin is open. */
  readonly upper: Float64Array[];
  readonly categorical: readonly boolean[];
}

/**
 * Upper bin edges for one numeric column: each distinct value gets its own bin when there are few
 * enough, otherwise bins hold roughly equal row counts. The greedy pass re-targets the remaining
 * rows after each bin so a heavy value (pdays = -1 is 82% of bank-full) takes one bin and the
 * remaining bins still split the rest evenly. Edges are midpoints between neighbouring values.
 */
function numericEdges(values: Float64Array, maxBins: number): Float64Array {
  const sorted = values.filter(Number.isFinite).sort();
  const distinct: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < sorted.length; i++) {
    if (i > 0 && sorted[i] === sorted[i - 1]) counts[counts.length - 1]++;
    else {
      distinct.push(sorted[i]);
      counts.push(1);
    }
  }
  const edges: number[] = [];
  if (distinct.length <= maxBins) {
    for (let i = 0; i + 1 < distinct.length; i++) edges.push(midpoint(distinct[i], distinct[i + 1]));
    return Float64Array.from(edges);
  }
  let remainingRows = sorted.length;
  let remainingBins = maxBins;
  let inBin = 0;
  for (let i = 0; i + 1 < distinct.length && remainingBins > 1; i++) {
    const target = remainingRows / remainingBins;
    // Close the bin before a value if that lands nearer the target than taking the value in.
    if (inBin > 0 && inBin + counts[i] - target > target - inBin) {
      edges.push(midpoint(distinct[i - 1], distinct[i]));
      remainingRows -= inBin;
      remainingBins--;
      inBin = 0;
      if (remainingBins === 1) break;
    }
    inBin += counts[i];
    if (inBin >= remainingRows / remainingBins) {
      edges.push(midpoint(distinct[i], distinct[i + 1]));
      remainingRows -= inBin;
      remainingBins--;
      inBin = 0;
    }
  }
  return Float64Array.from(edges);
}

/** A threshold strictly between a < b that sends a left and b right, without overflow. */
function midpoint(a: number, b: number): number {
  const mid = a / 2 + b / 2;
  return mid >= a && mid < b ? mid : a;
}

/**
 * A column with missing values (NaN) gets one more edge, at its largest value, so NaN has the last
 * bin to itself and a split can send the missing rows right on their own; without it NaN would
 * share a bin with the largest values and a model could not tell "missing" from "large". The
 * threshold of that split is the largest training value, so at serving a value above it goes right
 * with the missing ones. Columns without NaN (all of bank-marketing) are binned exactly as before.
 */
function withMissingBin(values: Float64Array, edges: Float64Array): Float64Array {
  let max = -Infinity;
  let missing = false;
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i])) missing = true;
    // Infinities are never thresholds (a model's thresholds are finite); they keep their end bins.
    else if (Number.isFinite(values[i]) && values[i] > max) max = values[i];
  }
  if (!missing || max === -Infinity) return edges;
  const out = new Float64Array(edges.length + 1);
  out.set(edges);
  out[edges.length] = max;
  return out;
}

/** Bin of a numeric value: the first edge it does not exceed; NaN and values above all edges get the last bin. */
function numericBin(value: number, edges: Float64Array): number {
  return firstEdgeAtOrAbove(edges, value);
}

/** Bins every column of the training set. */
export function binDataset(data: GbdtDataset, maxBins: number): BinnedData {
  const { n, d, x, categorical } = data;
  const bins = new Uint8Array(n * d);
  const nBins = new Int32Array(d);
  const offsets = new Int32Array(d);
  const upper: Float64Array[] = [];
  const column = new Float64Array(n);
  let totalBins = 0;
  for (let j = 0; j < d; j++) {
    for (let i = 0; i < n; i++) column[i] = x[i * d + j];
    const out = bins.subarray(j * n, (j + 1) * n);
    if (categorical[j]) {
      let maxCategory = -1;
      for (let i = 0; i < n; i++) if (column[i] > maxCategory) maxCategory = column[i];
      const missing = maxCategory + 1;
      for (let i = 0; i < n; i++) out[i] = column[i] >= 0 ? column[i] : missing;
      nBins[j] = missing + 1;
      upper.push(new Float64Array(0));
    } else {
      const edges = withMissingBin(column, numericEdges(column, maxBins));
      for (let i = 0; i < n; i++) out[i] = numericBin(column[i], edges);
      nBins[j] = edges.length + 1;
      upper.push(edges);
    }
    offsets[j] = totalBins;
    totalBins += nBins[j];
  }
  return { n, d, bins, nBins, offsets, totalBins, upper, categorical };
}
