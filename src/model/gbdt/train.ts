/**
 * The boosting loop: each round grows one leaf-wise tree per output (one for binary and
 * regression, one per class for multiclass) on the objective's gradients, with early stopping on
 * the validation loss; the model is truncated to its best round.
 */
import { randomSplit, stratifiedSplit } from '../split.js';
import { createContext, type TrainContext } from './context.js';
import { datasetTask, subsetRows, validateDataset, type GbdtDataset } from './dataset.js';
import { growTree, type TreeBuild } from './grow-tree.js';
import { GbdtModel } from './model.js';
import { MODEL_FORMAT, MODEL_FORMAT_V2, MODEL_VERSION, MODEL_VERSION_V2, type GbdtModelJson, type GbdtTreeJson } from './model-json.js';
import { objectiveFunctions, type ObjectiveFunctions } from './objective.js';
import { resolveGbdtParams, type GbdtParams } from './params.js';

/**
 * Trains a GBDT for the dataset's objective: binary log-loss (the default), multiclass softmax
 * (`objective: 'multiclass'`, `nClasses: K`, one tree per class per round) or squared-error
 * regression (`objective: 'regression'`). Deterministic: the same data, params and seed give an
 * identical model (the seed only picks the internal validation rows).
 *
 * @param data - training rows; binary labels must include both classes, multiclass labels every class
 * @param params - overrides of `DEFAULT_GBDT_PARAMS` (see params.ts)
 * @param onProgress - called after each boosting round with (round, maxIter)
 * @param validation - early-stopping set; without it a `validationFraction` of `data` is held out
 *   (stratified by class for binary and multiclass, at random for regression). Ignored when
 *   `earlyStopping` is false.
 * @throws RangeError on malformed data, a missing class or out-of-range params
 *
 * @example
 * const model = trainGbdt({ x, n, d: 2, y, categorical: [false, true] }, { maxIter: 200 });
 * model.predictProba(x, 0); // probability for the first row
 * const iris = trainGbdt({ x, n, d: 4, y: classIndex, categorical, objective: 'multiclass', nClasses: 3 });
 */
export function trainGbdt(
  data: GbdtDataset,
  params: Partial<GbdtParams> = {},
  onProgress?: (iteration: number, total: number) => void,
  validation?: GbdtDataset,
): GbdtModel {
  const p = resolveGbdtParams(params);
  validateDataset(data, 'training data');
  const { objective, nClasses } = datasetTask(data);
  const { train, valid } = prepareSets(data, p, validation);
  const functions = objectiveFunctions(objective, nClasses);
  const initScores = functions.initScores(train.y);
  const { trees, validationLoss, bestRound } = boost(createContext(train, p, initScores[0]), functions, train.y, initScores, valid, onProgress);
  const kept = trees.slice(0, bestRound * functions.nOutputs);
  const common = {
    nFeatures: data.d,
    categorical: [...data.categorical],
  };
  const rest = {
    params: p,
    featureImportance: featureGains(kept, data.d),
    validationLoss,
    trees: kept.map(({ feature, threshold, left, right, value, leftCategories }) => ({ feature, threshold, left, right, value, leftCategories })),
  };
  const json: GbdtModelJson =
    objective === 'binary'
      ? { format: MODEL_FORMAT, version: MODEL_VERSION, ...common, initScore: initScores[0], ...rest }
      : { format: MODEL_FORMAT_V2, version: MODEL_VERSION_V2, objective, nClasses, ...common, initScore: initScores, ...rest };
  return GbdtModel.fromJSON(json);
}

/** Splits off the early-stopping validation set (given, carved internally, or none). */
function prepareSets(data: GbdtDataset, params: GbdtParams, validation?: GbdtDataset): { train: GbdtDataset; valid: GbdtDataset | null } {
  if (!params.earlyStopping) return { train: data, valid: null };
  if (validation) {
    validateDataset(validation, 'validation data');
    if (validation.d !== data.d || validation.categorical.some((c, j) => c !== data.categorical[j])) {
      throw new RangeError('validation data: columns differ from the training data');
    }
    const a = datasetTask(data);
    const b = datasetTask(validation);
    if (a.objective !== b.objective || a.nClasses !== b.nClasses) {
      throw new RangeError(`validation data: objective ${b.objective} with ${b.nClasses} classes differs from the training data's ${a.objective} with ${a.nClasses}`);
    }
    return { train: data, valid: validation };
  }
  // A continuous target would make every value its own stratum, each too small to give a row.
  const { train, test } =
    (data.objective ?? 'binary') === 'regression' ? randomSplit(data.n, params.validationFraction, params.seed) : stratifiedSplit(data.y, params.validationFraction, params.seed);
  // Tiny sets cannot spare a validation split; train on everything without early stopping.
  if (test.length === 0 || train.length === 0) return { train: data, valid: null };
  return { train: subsetRows(data, train), valid: subsetRows(data, test) };
}

/**
 * The boosting loop: each round computes the objective's gradients for every output from the
 * same raw scores, then grows one tree per output. With a validation set, its raw scores are
 * updated incrementally and the loop stops after `nIterNoChange` rounds without an improvement of
 * more than `tol`; `bestRound` is how many rounds of trees to keep.
 */
function boost(
  ctx: TrainContext,
  functions: ObjectiveFunctions,
  y: ArrayLike<number>,
  initScores: readonly number[],
  valid: GbdtDataset | null,
  onProgress?: (iteration: number, total: number) => void,
): { trees: TreeBuild[]; validationLoss: number[]; bestRound: number } {
  const p = ctx.params;
  const nOutputs = functions.nOutputs;
  // One context per output: they share the binned data and buffers, each with its own raw scores.
  const contexts = [ctx, ...initScores.slice(1).map((s) => ({ ...ctx, raw: new Float64Array(ctx.data.n).fill(s) }))];
  const raws = contexts.map((c) => c.raw);
  const validRaws = valid ? initScores.map((s) => new Float64Array(valid.n).fill(s)) : null;
  const validationLoss: number[] = valid && validRaws ? [functions.loss(validRaws, valid.y)] : [];
  const trees: TreeBuild[] = [];
  let bestRound = 0;
  for (let it = 0; it < p.maxIter; it++) {
    functions.startRound(raws);
    const round: TreeBuild[] = [];
    for (let k = 0; k < nOutputs; k++) {
      functions.gradients(raws, y, k, ctx.grad, ctx.hess);
      round.push(growTree(contexts[k]));
    }
    trees.push(...round);
    onProgress?.(it + 1, p.maxIter);
    if (!valid || !validRaws) {
      bestRound = it + 1;
      continue;
    }
    for (let k = 0; k < nOutputs; k++) {
      const validRaw = validRaws[k];
      for (let i = 0; i < valid.n; i++) validRaw[i] += treeBuildValue(round[k], valid.x, i * valid.d);
    }
    validationLoss.push(functions.loss(validRaws, valid.y));
    if (validationLoss[it + 1] < validationLoss[bestRound] - p.tol) bestRound = it + 1;
    else if (it + 1 - bestRound >= p.nIterNoChange) break;
  }
  return { trees, validationLoss, bestRound };
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
