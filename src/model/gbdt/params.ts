/**
 * Training hyper-parameters: the {@link GbdtParams} shape, the tuned defaults, and the range checks
 * that both training and artifact loading apply.
 */
import { MAX_CATEGORY_INDEX } from './dataset.js';

/** Training hyper-parameters; every field has a default in {@link DEFAULT_GBDT_PARAMS}. */
export interface GbdtParams {
  /** Shrinkage applied to every leaf value. */
  learningRate: number;
  /** Maximum number of boosting rounds (one tree per round, or one per class per round for multiclass). */
  maxIter: number;
  /** Leaves per tree (leaf-wise growth stops here). */
  maxLeafNodes: number;
  /** Maximum depth of a leaf; 0 means unlimited (only `maxLeafNodes` bounds the tree). */
  maxDepth: number;
  /** Minimum training rows in a leaf. */
  minSamplesLeaf: number;
  /** Minimum hessian sum in a leaf; keeps leaf values finite where p(1-p) is tiny. */
  minHessianLeaf: number;
  /** L2 penalty on leaf values (the λ in G²/(H+λ)). */
  l2Regularization: number;
  /** A split must improve the objective by more than this. */
  minGainToSplit: number;
  /** Bins per numeric column, 2..255. */
  maxBins: number;
  /** Hold out a validation set and stop when its loss (log-loss, multi-class log-loss or MSE) stops improving. */
  earlyStopping: boolean;
  /** Share of the training rows held out when no validation set is passed (stratified by class; at random for regression). */
  validationFraction: number;
  /** Patience: iterations without improvement before stopping. */
  nIterNoChange: number;
  /** An improvement smaller than this does not reset the patience counter. */
  tol: number;
  /** Seed for the internal validation split; training is otherwise deterministic. */
  seed: number;
  /** Smoothing added to the hessian when ordering categories by gradient/hessian. */
  catSmooth: number;
  /** Categories with fewer rows than this in a node never go left (they follow unknowns right). */
  minCategoryCount: number;
  /** Most categories a left set may hold. */
  maxCatThreshold: number;
  /** Extra L2 used when scoring categorical splits; set splits overfit more easily than thresholds. */
  catL2: number;
  /** Columns with at most this many categories use one-vs-rest splits instead of sorted sets. */
  maxCatToOnehot: number;
}

/**
 * Defaults tuned on bank-full (stratified 80/20 splits, seeds 1–10 and 42). Half sklearn's learning
 * rate with more iterations and patience, plus a little L2, gave +0.0009 accuracy and +0.0007 AUC
 * on average over sklearn-like settings (lr 0.1, λ 0); leaves, min leaf size and bins mattered less
 * than seed-to-seed noise.
 */
export const DEFAULT_GBDT_PARAMS: Readonly<GbdtParams> = Object.freeze({
  learningRate: 0.05,
  maxIter: 500,
  maxLeafNodes: 31,
  maxDepth: 0,
  minSamplesLeaf: 20,
  minHessianLeaf: 1e-3,
  l2Regularization: 1,
  minGainToSplit: 0,
  maxBins: 255,
  earlyStopping: true,
  validationFraction: 0.1,
  nIterNoChange: 20,
  tol: 1e-7,
  seed: 0,
  catSmooth: 10,
  minCategoryCount: 10,
  maxCatThreshold: 32,
  catL2: 10,
  maxCatToOnehot: 4,
});

/** Range rules per parameter: [min, max, integer]. */
const PARAM_RULES: Record<Exclude<keyof GbdtParams, 'earlyStopping'>, [number, number, boolean]> = {
  learningRate: [Number.MIN_VALUE, 10, false],
  maxIter: [1, 1e6, true],
  maxLeafNodes: [2, 1 << 16, true],
  maxDepth: [0, 1000, true],
  minSamplesLeaf: [1, Number.MAX_SAFE_INTEGER, true],
  minHessianLeaf: [0, Number.MAX_VALUE, false],
  l2Regularization: [0, Number.MAX_VALUE, false],
  minGainToSplit: [0, Number.MAX_VALUE, false],
  maxBins: [2, 255, true],
  validationFraction: [Number.MIN_VALUE, 0.5, false],
  nIterNoChange: [1, 1e6, true],
  tol: [0, Number.MAX_VALUE, false],
  seed: [0, 0xffffffff, true],
  catSmooth: [0, Number.MAX_VALUE, false],
  minCategoryCount: [1, Number.MAX_SAFE_INTEGER, true],
  maxCatThreshold: [1, MAX_CATEGORY_INDEX + 1, true],
  catL2: [0, Number.MAX_VALUE, false],
  maxCatToOnehot: [0, MAX_CATEGORY_INDEX + 1, true],
};

/**
 * Fills defaults (for missing or `undefined` fields) and checks every parameter's type and range,
 * naming the first bad one. Unknown keys are refused so a typo cannot silently fall back to a default.
 *
 * @example
 * resolveGbdtParams({ learningRate: 0.05 }).maxLeafNodes; // 31
 */
export function resolveGbdtParams(params: Partial<GbdtParams> = {}): GbdtParams {
  // An explicit `undefined` (e.g. from an optional CLI flag) means "use the default", not "unset".
  const given = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined));
  const merged: GbdtParams = { ...DEFAULT_GBDT_PARAMS, ...given };
  for (const key of Object.keys(merged)) {
    if (!(key in DEFAULT_GBDT_PARAMS)) throw new RangeError(`unknown GBDT parameter ${key}`);
  }
  if (typeof merged.earlyStopping !== 'boolean') throw new RangeError(`earlyStopping must be a boolean, got ${String(merged.earlyStopping)}`);
  for (const [key, [min, max, integer]] of Object.entries(PARAM_RULES)) {
    const value = merged[key as keyof typeof PARAM_RULES];
    if (typeof value !== 'number' || !(value >= min && value <= max) || (integer && !Number.isInteger(value))) {
      throw new RangeError(`${key} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got ${String(value)}`);
    }
  }
  return merged;
}
