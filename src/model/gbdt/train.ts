/**
 * The boosting loop: one leaf-wise tree per iteration on the current log-loss gradients, with early
 * stopping on validation log-loss; the model is truncated to its best iteration.
 */
import { stratifiedSplit } from '../split.js';
import { createContext, type TrainContext } from './context.js';
import { subsetRows, validateDataset, type GbdtDataset } from './dataset.js';
import { growTree, type TreeBuild } from './grow-tree.js';
import { computeGradients, logOdds, meanLogLoss } from './loss.js';
import { GbdtModel } from './model.js';
import { MODEL_FORMAT, MODEL_VERSION, type GbdtTreeJson } from './model-json.js';
import { resolveGbdtParams, type GbdtParams } from './params.js';

/**
 * Trains a binary GBDT on log-loss. Deterministic: the same data, params and seed give an identical
 * model (the seed only picks the internal validation rows).
 *
 * @param data - training rows; labels must include both classes
 * @param params - overrides of `DEFAULT_GBDT_PARAMS` (see params.ts)
 * @param onProgress - called after each boosting iteration with (iteration, maxIter)
 * @param validation - early-stopping set; without it a stratified `validationFraction` of `data` is
 *   held out. Ignored when `earlyStopping` is false.
 * @throws RangeError on malformed data, a single-class label set or out-of-range params
 *
 * @example
 * const model = trainGbdt({ x, n, d: 2, y, categorical: [false, true] }, { maxIter: 200 });
 * model.predictProba(x, 0); // probability for the first row
 */
export function trainGbdt(
  data: GbdtDataset,
  params: Partial<GbdtParams> = {},
  onProgress?: (iteration: number, total: number) => void,
  validation?: GbdtDataset,
): GbdtModel {
  const p = resolveGbdtParams(params);
  validateDataset(data, 'training data');
  const { train, valid } = prepareSets(data, p, validation);
  const initScore = logOdds(train.y);
  const { trees, validationLoss, bestIteration } = boost(createContext(train, p, initScore), train.y, initScore, valid, onProgress);
  const kept = trees.slice(0, bestIteration);
  return GbdtModel.fromJSON({
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    nFeatures: data.d,
    categorical: [...data.categorical],
    initScore,
    params: p,
    featureImportance: featureGains(kept, data.d),
    validationLoss,
    trees: kept.map(({ feature, threshold, left, right, value, leftCategories }) => ({ feature, threshold, left, right, value, leftCategories })),
  });
}

/** Splits off the early-stopping validation set (given, carved internally, or none). */
function prepareSets(data: GbdtDataset, params: GbdtParams, validation?: GbdtDataset): { train: GbdtDataset; valid: GbdtDataset | null } {
  if (!params.earlyStopping) return { train: data, valid: null };
  if (validation) {
    validateDataset(validation, 'validation data');
    if (validation.d !== data.d || validation.categorical.some((c, j) => c !== data.categorical[j])) {
      throw new RangeError('validation data: columns differ from the training data');
    }
    return { train: data, valid: validation };
  }
  const { train, test } = stratifiedSplit(data.y, params.validationFraction, params.seed);
  // Tiny sets cannot spare a validation split; train on everything without early stopping.
  if (test.length === 0 || train.length === 0) return { train: data, valid: null };
  return { train: subsetRows(data, train), valid: subsetRows(data, test) };
}

/**
 * The boosting loop: one tree per iteration on the current log-loss gradients. With a validation
 * set, its raw scores are updated incrementally and the loop stops after `nIterNoChange` iterations
 * without an improvement of more than `tol`; `bestIteration` is how many trees to keep.
 */
function boost(
  ctx: TrainContext,
  y: Uint8Array,
  initScore: number,
  valid: GbdtDataset | null,
  onProgress?: (iteration: number, total: number) => void,
): { trees: TreeBuild[]; validationLoss: number[]; bestIteration: number } {
  const p = ctx.params;
  const validRaw = valid ? new Float64Array(valid.n).fill(initScore) : null;
  const validationLoss: number[] = valid && validRaw ? [meanLogLoss(validRaw, valid.y)] : [];
  const trees: TreeBuild[] = [];
  let bestIteration = 0;
  for (let it = 0; it < p.maxIter; it++) {
    computeGradients(ctx.raw, y, ctx.grad, ctx.hess);
    const tree = growTree(ctx);
    trees.push(tree);
    onProgress?.(it + 1, p.maxIter);
    if (!valid || !validRaw) {
      bestIteration = trees.length;
      continue;
    }
    for (let i = 0; i < valid.n; i++) validRaw[i] += treeBuildValue(tree, valid.x, i * valid.d);
    validationLoss.push(meanLogLoss(validRaw, valid.y));
    if (validationLoss[it + 1] < validationLoss[bestIteration] - p.tol) bestIteration = it + 1;
    else if (it + 1 - bestIteration >= p.nIterNoChange) break;
  }
  return { trees, validationLoss, bestIteration };
}

/** Raw-score contribution of one tree under construction for a row of raw features. */
function treeBuildValue(tree: GbdtTreeJson, x: Float64Array, offset: number): number {
  let node = 0;
  while (tree.left[node] >= 0) {
    const v = x[offset + tree.feature[node]];
    const cats = tree.leftCategories[node];
    const goLeft = cats.length > 0 ? cats.includes(v) : v <= tree.threshold[node];
    node = goLeft ? tree.left[node] : tree.right[node];
  }
  return tree.value[node];
}

/** Total split gain per feature. */
function featureGains(trees: readonly TreeBuild[], d: number): number[] {
  const gains = new Array<number>(d).fill(0);
  for (const tree of trees) {
    for (let node = 0; node < tree.feature.length; node++) if (tree.feature[node] >= 0) gains[tree.feature[node]] += tree.gain[node];
  }
  return gains;
}
