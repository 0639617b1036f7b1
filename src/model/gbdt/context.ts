/**
 * The mutable state of one training run — per-row buffers, the row partition and the histogram pool,
 * allocated once and shared by every tree — and the leaf and split records that tree growth passes
 * between the histogram, split-finding and growth steps.
 */
import { binDataset, type BinnedData } from './binning.js';
import type { GbdtDataset } from './dataset.js';
import type { GbdtParams } from './params.js';

/** Mutable state shared by all trees of one training run; allocated once. */
export interface TrainContext {
  readonly data: BinnedData;
  readonly params: GbdtParams;
  readonly grad: Float64Array;
  readonly hess: Float64Array;
  /** Current raw score per training row. */
  readonly raw: Float64Array;
  /** Row indices partitioned by node: each node owns a contiguous segment. */
  readonly rows: Uint32Array;
  readonly scratch: Uint32Array;
  /** Node's gradients gathered contiguously, so the per-feature loops read them sequentially. */
  readonly orderedGrad: Float64Array;
  readonly orderedHess: Float64Array;
  /** Recycled histograms (3 doubles per bin: gradient, hessian, count). */
  readonly pool: Float64Array[];
}

/** The best split found for a leaf. */
export interface Split {
  gain: number;
  feature: number;
  /** Numeric: the last bin that goes left. */
  bin: number;
  /** Categorical: 1 for each bin that goes left. */
  leftMask: Uint8Array | null;
}

/** A leaf of the tree under construction. */
export interface Leaf {
  readonly node: number;
  readonly start: number;
  readonly end: number;
  readonly depth: number;
  readonly g: number;
  readonly h: number;
  hist: Float64Array | null;
  split: Split | null;
}

/** Allocates every per-row buffer once; the boosting loop then runs without allocating per row. */
export function createContext(train: GbdtDataset, params: GbdtParams, initScore: number): TrainContext {
  const n = train.n;
  return {
    data: binDataset(train, params.maxBins),
    params,
    grad: new Float64Array(n),
    hess: new Float64Array(n),
    raw: new Float64Array(n).fill(initScore),
    rows: new Uint32Array(n),
    scratch: new Uint32Array(n),
    orderedGrad: new Float64Array(n),
    orderedHess: new Float64Array(n),
    pool: [],
  };
}
