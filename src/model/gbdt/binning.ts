/**
 * Binning: every column is mapped once to byte codes before training, so split finding scans small
 * per-bin histograms instead of rows. Numeric columns get at most `maxBins` quantile bins; a
 * categorical column gets one bin per category plus a last bin for "missing".
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
      const edges = numericEdges(column, maxBins);
      for (let i = 0; i < n; i++) out[i] = numericBin(column[i], edges);
      nBins[j] = edges.length + 1;
      upper.push(edges);
    }
    offsets[j] = totalBins;
    totalBins += nBins[j];
  }
  return { n, d, bins, nBins, offsets, totalBins, upper, categorical };
}
