/**
 * The reference interpreter of a {@link TreeEnsemble}: it walks each tree node by node, exactly as
 * the neutral form's fields say, with no precomputation and no cleverness. It is slow on purpose —
 * it is what the compiled scorer (and every model-file reader's tests) is checked against, so each
 * rule is written out once, plainly, next to the reason it is there.
 */
import { ZERO_THRESHOLD, type EnsembleTree, type MissingRule, type TreeEnsemble } from './ensemble.js';


/** Whether `v` counts as missing under `rule` (NaN already read as 0 where the rule says so). */
function isMissing(v: number, rule: MissingRule): boolean {
  if (rule === 'nan') return Number.isNaN(v);
  if (rule === 'zero') return v >= -ZERO_THRESHOLD && v <= ZERO_THRESHOLD;
  return false;
}

/** The category code a categorical split reads from `v`, or `null` when `v` is no code (goes right). */
function categoryCode(v: number, cast: 'exact' | 'truncate'): number | null {
  if (Number.isNaN(v)) return null;
  if (cast === 'truncate') {
    // static_cast<int>(fval), then `if (int_fval < 0) return right_child_[node];`
    // (LightGBM include/LightGBM/tree.h, Tree::CategoricalDecision). Math.trunc(-0.5) is -0: code 0.
    const t = Math.trunc(v);
    return t < 0 ? null : t + 0;
  }
  return Number.isInteger(v) && v >= 0 ? v + 0 : null;
}

/** The child of internal node `n` that the row takes. */
function step(e: TreeEnsemble, tree: EnsembleTree, n: number, x: ArrayLike<number>, offset: number): number {
  const rule = tree.missing[n]!;
  let v = x[offset + tree.feature[n]!]!;
  if (e.comparePrecision === 'float32') v = Math.fround(v);
  // 'none' and 'zero' read NaN as 0 before anything else (LightGBM NumericalDecision:
  // `if (std::isnan(fval) && missing_type != MissingType::NaN) fval = 0.0f;`).
  if (rule !== 'nan' && Number.isNaN(v)) v = 0;
  if (isMissing(v, rule)) return tree.defaultLeft[n]! ? tree.left[n]! : tree.right[n]!;

  const cats = tree.leftCategories[n];
  if (cats) {
    const code = categoryCode(v, e.categoryCast ?? 'exact');
    return code !== null && cats.includes(code) ? tree.left[n]! : tree.right[n]!;
  }
  let threshold = tree.threshold[n]!;
  if (e.comparePrecision === 'float32') threshold = Math.fround(threshold);
  const left = e.comparison === 'lt' ? v < threshold : v <= threshold;
  return left ? tree.left[n]! : tree.right[n]!;
}

/** The leaf of `tree` that the row starting at `x[offset]` lands in. */
export function leafOf(e: TreeEnsemble, tree: EnsembleTree, x: ArrayLike<number>, offset: number): number {
  let n = 0;
  // A well-formed tree reaches a leaf in at most (nodes - 1) steps; more means a cycle.
  for (let steps = 0; tree.feature[n] !== -1; steps++) {
    if (steps >= tree.feature.length) throw new Error('tree has a cycle: no leaf reached');
    n = step(e, tree, n, x, offset);
  }
  return n;
}

/**
 * Scores one row: the features are `x[offset] … x[offset + e.nFeatures - 1]`, the result goes to
 * `out[0 … e.nOutputs - 1]` — the probability (sigmoid), the class probabilities (softmax) or the
 * value (identity). Each output's margin starts from its base margin and adds its trees' leaves in
 * tree order: in float64 as LightGBM's GBDT::PredictRaw does, or — `sumPrecision: 'float32'` — each
 * leaf and partial sum rounded to float32, as XGBoost's CPU predictor adds them.
 */
export function walkEnsemble(e: TreeEnsemble, x: ArrayLike<number>, offset: number, out: Float64Array): void {
  applyLink(e.link, walkMargins(e, x, offset), out);
}

/**
 * Turns margins into outputs. Sigmoid as LightGBM's BinaryLogloss::ConvertOutput
 * (`1 / (1 + exp(-x))`); softmax as its Common::Softmax (subtract the largest margin, exponentiate,
 * divide by the sum) so large margins do not overflow.
 */
export function applyLink(link: TreeEnsemble['link'], margins: Float64Array, out: Float64Array): void {
  if (link === 'identity') {
    out.set(margins);
  } else if (link === 'sigmoid') {
    out[0] = 1 / (1 + Math.exp(-margins[0]!));
  } else {
    let max = margins[0]!;
    for (let k = 1; k < margins.length; k++) max = Math.max(max, margins[k]!);
    let sum = 0;
    for (let k = 0; k < margins.length; k++) {
      out[k] = Math.exp(margins[k]! - max);
      sum += out[k]!;
    }
    for (let k = 0; k < margins.length; k++) out[k] = out[k]! / sum;
  }
}

/** The summed margins (before the link) of one row: for tests and for explaining a prediction. */
export function walkMargins(e: TreeEnsemble, x: ArrayLike<number>, offset: number): Float64Array {
  const f32 = e.sumPrecision === 'float32';
  const margins = new Float64Array(e.nOutputs);
  for (let k = 0; k < e.nOutputs; k++) margins[k] = f32 ? Math.fround(e.baseMargin[k]!) : e.baseMargin[k]!;
  for (const tree of e.trees) {
    const leaf = tree.value[leafOf(e, tree, x, offset)]!;
    margins[tree.output] = f32 ? Math.fround(margins[tree.output]! + Math.fround(leaf)) : margins[tree.output]! + leaf;
  }
  return margins;
}
