/**
 * Split search on a leaf's histogram: numeric columns by a left-to-right threshold scan, categorical
 * columns by native set splits (one-vs-rest for few categories, otherwise LightGBM's sorted-prefix
 * method). Gains are the second-order improvement of the objective, G²/(H+λ), of the children over the parent.
 */
import type { Leaf, Split, TrainContext } from './context.js';

/** Gains below this are float noise, not structure. */
const MIN_GAIN_FLOOR = 1e-10;

/** Split score of one side: G²/(H+λ). */
function sideScore(g: number, h: number, lambda: number): number {
  return (g * g) / (h + lambda);
}

/** Best threshold split of a numeric column: scan bins left to right with running sums. */
function scanNumeric(hist: Float64Array, j: number, leaf: Leaf, count: number, ctx: TrainContext, best: Split): void {
  const { minSamplesLeaf, minHessianLeaf, l2Regularization: lambda } = ctx.params;
  const base = ctx.data.offsets[j];
  const last = ctx.data.nBins[j] - 1;
  const parentScore = sideScore(leaf.g, leaf.h, lambda);
  let gl = 0;
  let hl = 0;
  let cl = 0;
  for (let b = 0; b < last; b++) {
    const k = (base + b) * 3;
    // An empty bin gives the same partition as the previous bin; skipping it keeps the first edge.
    if (hist[k + 2] === 0) continue;
    gl += hist[k];
    hl += hist[k + 1];
    cl += hist[k + 2];
    if (cl < minSamplesLeaf) continue;
    if (count - cl < minSamplesLeaf) break;
    const hr = leaf.h - hl;
    if (hl < minHessianLeaf || hr < minHessianLeaf) continue;
    const gain = sideScore(gl, hl, lambda) + sideScore(leaf.g - gl, hr, lambda) - parentScore;
    if (gain > best.gain) {
      best.gain = gain;
      best.feature = j;
      best.bin = b;
      best.leftMask = null;
    }
  }
}

/**
 * Best set split of a categorical column. Few categories: try each one alone against the rest.
 * Otherwise sort the well-supported categories by smoothed G/H and try prefixes from both ends —
 * the optimal binary partition for a convex loss lies on that order (Fisher 1958), and scanning both
 * ends lets either tail form the smaller left set.
 */
function scanCategorical(hist: Float64Array, j: number, leaf: Leaf, count: number, ctx: TrainContext, best: Split): void {
  const p = ctx.params;
  const base = ctx.data.offsets[j];
  const nb = ctx.data.nBins[j];
  const lambda = p.l2Regularization + p.catL2;
  const eligible: number[] = [];
  for (let c = 0; c < nb - 1; c++) if (hist[(base + c) * 3 + 2] >= p.minCategoryCount) eligible.push(c);
  if (eligible.length === 0) return;
  const parentScore = sideScore(leaf.g, leaf.h, lambda);
  const tryLeftSet = (cats: readonly number[]): void => {
    let gl = 0;
    let hl = 0;
    let cl = 0;
    for (const c of cats) {
      const k = (base + c) * 3;
      gl += hist[k];
      hl += hist[k + 1];
      cl += hist[k + 2];
    }
    const hr = leaf.h - hl;
    if (cl < p.minSamplesLeaf || count - cl < p.minSamplesLeaf || hl < p.minHessianLeaf || hr < p.minHessianLeaf) return;
    const gain = sideScore(gl, hl, lambda) + sideScore(leaf.g - gl, hr, lambda) - parentScore;
    if (gain > best.gain) {
      const mask = new Uint8Array(nb);
      for (const c of cats) mask[c] = 1;
      best.gain = gain;
      best.feature = j;
      best.bin = -1;
      best.leftMask = mask;
    }
  };
  if (nb - 1 <= p.maxCatToOnehot) {
    for (const c of eligible) tryLeftSet([c]);
    return;
  }
  const ratio = (c: number): number => hist[(base + c) * 3] / (hist[(base + c) * 3 + 1] + p.catSmooth);
  // Ties broken by category index so the order (and the model) never depends on sort stability.
  eligible.sort((a, b) => ratio(a) - ratio(b) || a - b);
  const maxLeft = Math.min(p.maxCatThreshold, (eligible.length + 1) >> 1);
  for (let size = 1; size <= maxLeft; size++) {
    tryLeftSet(eligible.slice(0, size));
    tryLeftSet(eligible.slice(eligible.length - size));
  }
}

/** The best split over all columns for a leaf, or null when nothing beats `minGainToSplit`. */
export function findBestSplit(ctx: TrainContext, leaf: Leaf): Split | null {
  const hist = leaf.hist as Float64Array;
  const count = leaf.end - leaf.start;
  const best: Split = { gain: Math.max(ctx.params.minGainToSplit, MIN_GAIN_FLOOR), feature: -1, bin: -1, leftMask: null };
  for (let j = 0; j < ctx.data.d; j++) {
    if (ctx.data.categorical[j]) scanCategorical(hist, j, leaf, count, ctx, best);
    else scanNumeric(hist, j, leaf, count, ctx, best);
  }
  return best.feature >= 0 ? best : null;
}
