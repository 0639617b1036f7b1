/**
 * Per-node gradient histograms: 3 doubles per bin (gradient sum, hessian sum, row count) across all
 * columns' bins, recycled through a pool so growing a tree allocates no histograms after warm-up.
 */
import type { TrainContext } from './context.js';

/** A histogram buffer from the pool, or a new one when the pool is empty; contents are stale. */
export function acquireHistogram(ctx: TrainContext): Float64Array {
  return ctx.pool.pop() ?? new Float64Array(ctx.data.totalBins * 3);
}

/** Returns a histogram buffer to the pool; `null` (a leaf without one) is a no-op. */
export function releaseHistogram(ctx: TrainContext, hist: Float64Array | null): void {
  if (hist) ctx.pool.push(hist);
}

/** Sums gradient, hessian and count per bin for the rows in `[start, end)` of the partition. */
export function buildHistogram(ctx: TrainContext, hist: Float64Array, start: number, end: number): void {
  const { rows, grad, hess, orderedGrad, orderedHess } = ctx;
  const { bins, n, d, offsets } = ctx.data;
  const m = end - start;
  hist.fill(0);
  for (let i = 0; i < m; i++) {
    const r = rows[start + i];
    orderedGrad[i] = grad[r];
    orderedHess[i] = hess[r];
  }
  for (let j = 0; j < d; j++) {
    const col = j * n;
    const base = offsets[j];
    for (let i = 0; i < m; i++) {
      const k = (base + bins[col + rows[start + i]]) * 3;
      hist[k] += orderedGrad[i];
      hist[k + 1] += orderedHess[i];
      hist[k + 2] += 1;
    }
  }
}

/** `parent -= child`, in place: the parent's buffer becomes the sibling's histogram. */
export function subtractHistogram(parent: Float64Array, child: Float64Array): void {
  for (let k = 0; k < parent.length; k++) parent[k] -= child[k];
}
