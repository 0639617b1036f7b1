/**
 * Leaf-wise (best-first) growth of one tree: repeatedly split the leaf with the largest gain until
 * `maxLeafNodes`, partitioning its rows in place and building only the smaller child's histogram —
 * the sibling's is the parent's minus it.
 */
import type { Leaf, Split, TrainContext } from './context.js';
import { acquireHistogram, buildHistogram, releaseHistogram, subtractHistogram } from './histogram.js';
import type { GbdtTreeJson } from './model-json.js';
import type { GbdtParams } from './params.js';
import { findBestSplit } from './split-finder.js';

/** A tree under construction, in the JSON layout plus per-node gain for importances. */
export interface TreeBuild extends GbdtTreeJson {
  gain: number[];
}

/** Whether a leaf is allowed to split at all (before looking at its histogram). */
function mayGrow(ctx: TrainContext, depth: number, count: number, h: number): boolean {
  const p = ctx.params;
  return (p.maxDepth === 0 || depth < p.maxDepth) && count >= 2 * p.minSamplesLeaf && h >= 2 * p.minHessianLeaf;
}

/** Appends a node whose value is the Newton step for (g, h); returns its index. */
function addNode(tree: TreeBuild, g: number, h: number, params: GbdtParams): number {
  tree.feature.push(-1);
  tree.threshold.push(0);
  tree.left.push(-1);
  tree.right.push(-1);
  tree.value.push((-g / (h + params.l2Regularization)) * params.learningRate);
  tree.leftCategories.push([]);
  tree.gain.push(0);
  return tree.feature.length - 1;
}

/**
 * Stable in-place partition of a leaf's rows by its split; returns the first right index and the
 * children's gradient/hessian sums (summed from rows, not subtracted, to avoid drift).
 */
function partition(ctx: TrainContext, leaf: Leaf, split: Split): { mid: number; gl: number; hl: number; gr: number; hr: number } {
  const { rows, scratch, grad, hess } = ctx;
  const col = split.feature * ctx.data.n;
  const bins = ctx.data.bins;
  const mask = split.leftMask;
  let write = leaf.start;
  let spill = 0;
  let gl = 0;
  let hl = 0;
  let gr = 0;
  let hr = 0;
  for (let i = leaf.start; i < leaf.end; i++) {
    const r = rows[i];
    const b = bins[col + r];
    if (mask ? mask[b] === 1 : b <= split.bin) {
      rows[write++] = r;
      gl += grad[r];
      hl += hess[r];
    } else {
      scratch[spill++] = r;
      gr += grad[r];
      hr += hess[r];
    }
  }
  rows.set(scratch.subarray(0, spill), write);
  return { mid: write, gl, hl, gr, hr };
}

/** Records the split in the tree, partitions the rows and returns the two child leaves with histograms and splits. */
function splitLeaf(ctx: TrainContext, tree: TreeBuild, leaf: Leaf): [Leaf, Leaf] {
  const split = leaf.split as Split;
  const { mid, gl, hl, gr, hr } = partition(ctx, leaf, split);
  const node = leaf.node;
  tree.feature[node] = split.feature;
  tree.gain[node] = split.gain;
  if (split.leftMask) {
    const cats: number[] = [];
    // The last bin is "missing" and is never in a mask.
    for (let c = 0; c < split.leftMask.length - 1; c++) if (split.leftMask[c] === 1) cats.push(c);
    tree.leftCategories[node] = cats;
  } else {
    tree.threshold[node] = ctx.data.upper[split.feature][split.bin];
  }
  const depth = leaf.depth + 1;
  const left: Leaf = { node: addNode(tree, gl, hl, ctx.params), start: leaf.start, end: mid, depth, g: gl, h: hl, hist: null, split: null };
  const right: Leaf = { node: addNode(tree, gr, hr, ctx.params), start: mid, end: leaf.end, depth, g: gr, h: hr, hist: null, split: null };
  tree.left[node] = left.node;
  tree.right[node] = right.node;
  attachHistograms(ctx, leaf, left, right);
  for (const child of [left, right]) {
    child.split = child.hist ? findBestSplit(ctx, child) : null;
    if (!child.split) {
      releaseHistogram(ctx, child.hist);
      child.hist = null;
    }
  }
  return [left, right];
}

/** Builds the smaller child's histogram and derives the larger one by subtraction, only where needed. */
function attachHistograms(ctx: TrainContext, parent: Leaf, left: Leaf, right: Leaf): void {
  const leftSmaller = left.end - left.start <= right.end - right.start;
  const small = leftSmaller ? left : right;
  const large = leftSmaller ? right : left;
  const growSmall = mayGrow(ctx, small.depth, small.end - small.start, small.h);
  const growLarge = mayGrow(ctx, large.depth, large.end - large.start, large.h);
  const parentHist = parent.hist as Float64Array;
  parent.hist = null;
  if (!growSmall && !growLarge) {
    releaseHistogram(ctx, parentHist);
    return;
  }
  const smallHist = acquireHistogram(ctx);
  buildHistogram(ctx, smallHist, small.start, small.end);
  if (growLarge) {
    subtractHistogram(parentHist, smallHist);
    large.hist = parentHist;
  } else {
    releaseHistogram(ctx, parentHist);
  }
  if (growSmall) small.hist = smallHist;
  else releaseHistogram(ctx, smallHist);
}

/** Grows one tree leaf-wise on the current gradients and adds its leaf values to `ctx.raw`. */
export function growTree(ctx: TrainContext): TreeBuild {
  const { rows, grad, hess, params } = ctx;
  const n = ctx.data.n;
  // Start every tree from sorted rows; stable partitions keep each node's segment sorted, which
  // keeps the gathers in buildHistogram close to sequential.
  for (let i = 0; i < n; i++) rows[i] = i;
  let g = 0;
  let h = 0;
  for (let i = 0; i < n; i++) {
    g += grad[i];
    h += hess[i];
  }
  const tree: TreeBuild = { feature: [], threshold: [], left: [], right: [], value: [], leftCategories: [], gain: [] };
  const root: Leaf = { node: addNode(tree, g, h, params), start: 0, end: n, depth: 0, g, h, hist: null, split: null };
  if (mayGrow(ctx, 0, n, h)) {
    root.hist = acquireHistogram(ctx);
    buildHistogram(ctx, root.hist, 0, n);
    root.split = findBestSplit(ctx, root);
  }
  const leaves: Leaf[] = [root];
  while (leaves.length < params.maxLeafNodes) {
    let pick = -1;
    for (let i = 0; i < leaves.length; i++) {
      const s = leaves[i].split;
      if (s && (pick < 0 || s.gain > (leaves[pick].split as Split).gain)) pick = i;
    }
    if (pick < 0) break;
    leaves.splice(pick, 1, ...splitLeaf(ctx, tree, leaves[pick]));
  }
  for (const leaf of leaves) {
    releaseHistogram(ctx, leaf.hist);
    const value = tree.value[leaf.node];
    for (let i = leaf.start; i < leaf.end; i++) ctx.raw[rows[i]] += value;
  }
  return tree;
}
