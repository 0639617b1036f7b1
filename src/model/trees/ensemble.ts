/**
 * A tree ensemble in one neutral form that every tree library's model file is read into (XGBoost
 * JSON, LightGBM text) and that one compiler turns into JavaScript. Each library routes a row a
 * little differently — XGBoost compares in float32 with `<` and sends a missing value down a
 * per-node default branch; LightGBM compares in float64 with `<=` and knows three kinds of
 * "missing" — so those rules are fields of the node, not assumptions of the compiler, and a model
 * scores here exactly as it does in the library that trained it.
 */

/**
 * What LightGBM counts as zero for `missing_type=Zero`: `Tree::IsZero` tests
 * `fval >= -kZeroThreshold && fval <= kZeroThreshold`, and include/LightGBM/meta.h declares
 * `const double kZeroThreshold = 1e-35f;` — a float literal widened to double, so the bound is
 * float32(1e-35) = 1.0000000180025095e-35, a hair above the double 1e-35.
 */
export const ZERO_THRESHOLD = Math.fround(1e-35);

/** How a node treats a missing value before it compares. */
export type MissingRule =
  /** NaN is missing and takes the default branch (XGBoost; LightGBM `missing_type=NaN`). */
  | 'nan'
  /** NaN and zero (|x| ≤ {@link ZERO_THRESHOLD}) are missing and take the default branch (LightGBM `missing_type=Zero`). */
  | 'zero'
  /** Nothing is missing: NaN is read as 0 and compared (LightGBM `missing_type=None`). */
  | 'none';

/**
 * One tree as parallel arrays, one entry per node; node 0 is the root. A leaf has `feature` -1 and
 * its contribution in `value`.
 */
export interface EnsembleTree {
  /** Which output this tree adds to: 0 for binary and regression, the class index for multiclass. */
  readonly output: number;
  /** Split feature index into the model's feature order, or -1 for a leaf. */
  readonly feature: readonly number[];
  /** Numeric split threshold (ignored for leaves and categorical splits). */
  readonly threshold: readonly number[];
  /** Child node indices; -1 for leaves. */
  readonly left: readonly number[];
  readonly right: readonly number[];
  /** Leaf value (raw margin contribution); ignored for internal nodes. */
  readonly value: readonly number[];
  /** Where a missing value goes (see {@link MissingRule}). */
  readonly defaultLeft: readonly boolean[];
  readonly missing: readonly MissingRule[];
  /**
   * Categorical split: the integer category codes that go LEFT (ascending); `null` for a numeric
   * split or a leaf. A code not in the set, a negative or non-integer value goes right unless it is
   * missing, when `defaultLeft` decides.
   */
  readonly leftCategories: readonly (readonly number[] | null)[];
}

/** The function that turns summed margins into the model's output. */
export type Link =
  /** Binary: probability of the positive class = 1 / (1 + e^-margin). One output. */
  | 'sigmoid'
  /** Multiclass: probabilities = softmax over the class margins. One output per class. */
  | 'softmax'
  /** Regression: the margin is the value. One output. */
  | 'identity';

/** A whole model in neutral form. */
export interface TreeEnsemble {
  /** Features the model reads, in its order. */
  readonly nFeatures: number;
  /** Margins: 1 for binary and regression, the number of classes for multiclass. */
  readonly nOutputs: number;
  /** Margin each output starts from before any tree (XGBoost's base_score as a margin, LightGBM's 0). */
  readonly baseMargin: readonly number[];
  readonly link: Link;
  /**
   * The precision the library compares in: XGBoost rounds each input and threshold to float32
   * before comparing, LightGBM compares float64. (How leaves are summed: {@link sumPrecision}.)
   */
  readonly comparePrecision: 'float32' | 'float64';
  /**
   * The precision each output's margin is summed in, tree by tree from `baseMargin`: XGBoost adds
   * every leaf to a float32 sum (a float64 sum drifts from its predictions by 3e-4 on a 200-tree
   * regression whose values are near 150, by 5e-6 in log-odds on a 100-tree classifier); LightGBM
   * sums float64. In float32 the base margin and each leaf are rounded to float32 and each partial
   * sum is rounded again. Absent means float64.
   */
  readonly sumPrecision?: 'float32' | 'float64';
  /**
   * `lt`: go left when `x < threshold` (XGBoost); `le`: when `x <= threshold` (LightGBM).
   */
  readonly comparison: 'lt' | 'le';
  /**
   * How a categorical split reads a value as a category code; absent means `exact`.
   * - `exact`: only a non-negative integer is a code; any other value goes right (the rule on
   *   {@link EnsembleTree.leftCategories}).
   * - `truncate`: the value is first truncated toward zero, as C++'s `static_cast<int>` does
   *   (LightGBM's `Tree::CategoricalDecision`): 2.7 reads as category 2 and -0.5 as category 0;
   *   a negative result goes right. A missing value still follows the node's missing rule first.
   */
  readonly categoryCast?: 'exact' | 'truncate';
  readonly trees: readonly EnsembleTree[];
}
