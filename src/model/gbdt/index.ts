/**
 * A compact histogram-based gradient-boosted decision tree learner, in the style of LightGBM and
 * scikit-learn's HistGradientBoosting models, for three objectives: binary log-loss, multiclass
 * softmax (one tree per class per round) and squared-error regression (objective.ts):
 *
 * - Features are pre-binned once (≤ 255 quantile bins per numeric column, one bin per category),
 *   stored as a column-major Uint8Array, so split finding scans small histograms instead of rows.
 * - Trees grow leaf-wise (best-first) up to `maxLeafNodes`, with histogram subtraction: only the
 *   smaller child's histogram is built; the sibling's is the parent's minus it.
 * - Categorical columns get native set splits: at each node categories are sorted by their
 *   smoothed gradient/hessian ratio and the best prefix of that order goes left (LightGBM's
 *   method), so a 12-level `month` needs one split, not eleven.
 * - Early stopping on the validation loss (log-loss, multi-class log-loss or mean squared error);
 *   the model is truncated to its best round.
 *
 * Where things are:
 * - `params.ts` — hyper-parameters, defaults and their range checks
 * - `dataset.ts` — the training-set shape and its validation
 * - `binning.ts` — quantile and categorical binning
 * - `context.ts` — per-run training buffers and the leaf/split records
 * - `histogram.ts`, `split-finder.ts` — per-node histograms and the numeric/categorical split search
 * - `grow-tree.ts` — leaf-wise growth of one tree
 * - `loss.ts` — binary log-loss gradients and the loss early stopping watches
 * - `objective.ts` — the three objectives: init scores, gradients, validation loss
 * - `train.ts` — `trainGbdt`: the boosting loop and early stopping
 * - `model.ts` — `GbdtModel`: compiled inference (`predictOutputs`: probability of class 1,
 *   class probabilities or value) and the routing rules (NaN and unknown categories go right),
 *   serialisation
 * - `model-json.ts` — the artifact's two JSON layouts (version 1 binary, version 2 any objective)
 *   and their validation
 *
 * This file is the public API; everything else in the folder is internal.
 */
export type { GbdtDataset } from './dataset.js';
export { GBDT_OBJECTIVES, type GbdtObjective } from './objective.js';
export { DEFAULT_GBDT_PARAMS, resolveGbdtParams, type GbdtParams } from './params.js';
export type { GbdtModelJson, GbdtModelJsonV1, GbdtModelJsonV2, GbdtTreeJson } from './model-json.js';
export { trainGbdt } from './train.js';
export { GbdtModel, gbdtFromJSON } from './model.js';
