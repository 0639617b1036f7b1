/**
 * A compact histogram-based gradient-boosted decision tree classifier for binary log-loss, in the
 * style of LightGBM and scikit-learn's HistGradientBoostingClassifier:
 *
 * - Features are pre-binned once (≤ 255 quantile bins per numeric column, one bin per category),
 *   stored as a column-major Uint8Array, so split finding scans small histograms instead of rows.
 * - Trees grow leaf-wise (best-first) up to `maxLeafNodes`, with histogram subtraction: only the
 *   smaller child's histogram is built; the sibling's is the parent's minus it.
 * - Categorical columns get native set splits: at each node categories are sorted by their
 *   smoothed gradient/hessian ratio and the best prefix of that order goes left (LightGBM's
 *   method), so a 12-level `month` needs one split, not eleven.
 * - Early stopping on validation log-loss; the model is truncated to its best iteration.
 *
 * Where things are:
 * - `params.ts` — hyper-parameters, defaults and their range checks
 * - `dataset.ts` — the training-set shape and its validation
 * - `binning.ts` — quantile and categorical binning
 * - `context.ts` — per-run training buffers and the leaf/split records
 * - `histogram.ts`, `split-finder.ts` — per-node histograms and the numeric/categorical split search
 * - `grow-tree.ts` — leaf-wise growth of one tree
 * - `loss.ts` — log-loss gradients and the loss early stopping watches
 * - `train.ts` — `trainGbdt`: the boosting loop and early stopping
 * - `model.ts` — `GbdtModel`: compiled inference and the routing rules (NaN and unknown
 *   categories go right), serialisation
 * - `model-json.ts` — the artifact's JSON shape and its validation
 *
 * This file is the public API; everything else in the folder is internal.
 */
export type { GbdtDataset } from './dataset.js';
export { DEFAULT_GBDT_PARAMS, resolveGbdtParams, type GbdtParams } from './params.js';
export type { GbdtModelJson, GbdtTreeJson } from './model-json.js';
export { trainGbdt } from './train.js';
export { GbdtModel, gbdtFromJSON } from './model.js';
