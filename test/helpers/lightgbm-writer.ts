/**
 * Writes LightGBM text model files from tree specs, byte for byte in the layout LightGBM's own
 * writer uses (src/boosting/gbdt_model_text.cpp GBDT::SaveModelToString and src/io/tree.cpp
 * Tree::ToString, LightGBM v4): the header, `tree_sizes` = each tree section's byte length, the
 * `Tree=i` sections with every field Tree::ToString writes, `end of trees`, feature importances,
 * parameters and the Python package's `pandas_categorical` line. Debian has no LightGBM, so the
 * reader's tests build their files with this: one spec per objective and split kind.
 */

/** LightGBM's missing types (decision_type bits 2-3). */
export type LgbMissingType = 'None' | 'Zero' | 'NaN';

/** A node of a tree spec: a leaf, a numeric split or a categorical split. */
export type LgbNode =
  | { readonly leaf: number }
  | {
      readonly feature: number;
      /** go left when x <= threshold */
      readonly threshold: number;
      readonly missing?: LgbMissingType;
      readonly defaultLeft?: boolean;
      readonly left: LgbNode;
      readonly right: LgbNode;
    }
  | {
      readonly feature: number;
      /** the category codes that go left */
      readonly categories: readonly number[];
      readonly missing?: LgbMissingType;
      readonly left: LgbNode;
      readonly right: LgbNode;
    };

export interface LgbModelSpec {
  /** The objective line as LightGBM writes it: `binary sigmoid:1`, `multiclass num_class:3`, `regression`; `null` for none (a custom objective). */
  readonly objective: string | null;
  /** The header's num_class (1 unless multiclass). */
  readonly numClass?: number;
  /** Default: numClass. */
  readonly treesPerIteration?: number;
  readonly featureNames: readonly string[];
  readonly featureInfos?: readonly string[];
  readonly averageOutput?: boolean;
  readonly trees: readonly LgbNode[];
  /** Mark these trees `is_linear=1` (with LightGBM's extra linear-model lines). */
  readonly linearTrees?: readonly number[];
  /** Replace a tree field's value as written (tree index → field → value), before tree_sizes is computed. */
  readonly rawFields?: Readonly<Record<number, Readonly<Record<string, string>>>>;
  readonly pandasCategorical?: unknown[][] | null;
  readonly version?: string;
}

const MISSING_CODE: Record<LgbMissingType, number> = { None: 0, Zero: 1, NaN: 2 };

/**
 * A double as C's `%.17g` prints it, which is how LightGBM writes thresholds and leaf values
 * (ArrayToString<true>): 17 significant digits, trailing zeros dropped, exponent form when the
 * exponent is below -4 or at least 17, with at least two exponent digits.
 */
export function formatG17(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mantissa, expText] = x.toExponential(16).split('e') as [string, string];
  const exp = Number(expText);
  const strip = (s: string): string => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (exp < -4 || exp >= 17) {
    return `${strip(mantissa)}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return strip(x.toFixed(16 - exp));
}

interface FlatTree {
  numLeaves: number;
  splitFeature: number[];
  threshold: number[];
  decisionType: number[];
  leftChild: number[];
  rightChild: number[];
  leafValue: number[];
  catBoundaries: number[];
  catThreshold: number[];
}

/** Numbers the nodes as LightGBM's arrays do: internal nodes 0.. in preorder, leaf j as child ~j. */
function flatten(root: LgbNode): FlatTree {
  const t: FlatTree = { numLeaves: 0, splitFeature: [], threshold: [], decisionType: [], leftChild: [], rightChild: [], leafValue: [], catBoundaries: [0], catThreshold: [] };
  const visit = (node: LgbNode): number => {
    if ('leaf' in node) {
      t.leafValue.push(node.leaf);
      return ~(t.numLeaves++);
    }
    const i = t.splitFeature.length;
    t.splitFeature.push(node.feature);
    t.leftChild.push(0);
    t.rightChild.push(0);
    const missing = MISSING_CODE[node.missing ?? 'None'] << 2;
    if ('categories' in node) {
      // Common::ConstructBitset: word v/32, bit v%32, as many words as the largest code needs.
      const words: number[] = [];
      for (const c of node.categories) {
        const w = Math.floor(c / 32);
        while (words.length <= w) words.push(0);
        words[w] = (words[w]! | (1 << c % 32)) >>> 0;
      }
      const catIndex = t.catBoundaries.length - 1;
      t.catThreshold.push(...words);
      t.catBoundaries.push(t.catThreshold.length);
      t.threshold.push(catIndex);
      t.decisionType.push(1 | missing);
    } else {
      t.threshold.push(node.threshold);
      t.decisionType.push((node.defaultLeft ? 2 : 0) | missing);
    }
    t.leftChild[i] = visit(node.left);
    t.rightChild[i] = visit(node.right);
    return i;
  };
  if ('leaf' in root) {
    t.leafValue.push(root.leaf);
    t.numLeaves = 1;
  } else {
    visit(root);
  }
  return t;
}

const join = (values: readonly (number | string)[]): string => values.join(' ');

/** One tree's section as Tree::ToString writes it (without the `Tree=i` line). */
function treeToString(tree: LgbNode, linear: boolean, raw: Readonly<Record<string, string>> | undefined): string {
  const t = flatten(tree);
  const nInternal = t.numLeaves - 1;
  const numCat = t.catBoundaries.length - 1;
  const fields: [string, string][] = [
    ['num_leaves', String(t.numLeaves)],
    ['num_cat', String(numCat)],
    ['split_feature', join(t.splitFeature)],
    ['split_gain', join(t.splitFeature.map(() => 1))],
    ['threshold', join(t.threshold.map(formatG17))],
    ['decision_type', join(t.decisionType)],
    ['left_child', join(t.leftChild)],
    ['right_child', join(t.rightChild)],
    ['leaf_value', join(t.leafValue.map(formatG17))],
    ['leaf_weight', join(t.leafValue.map(() => 10))],
    ['leaf_count', join(t.leafValue.map(() => 10))],
    ['internal_value', join(new Array<number>(nInternal).fill(0))],
    ['internal_weight', join(new Array<number>(nInternal).fill(0))],
    ['internal_count', join(new Array<number>(nInternal).fill(20))],
  ];
  if (numCat > 0) {
    fields.push(['cat_boundaries', join(t.catBoundaries)], ['cat_threshold', join(t.catThreshold)]);
  }
  fields.push(['is_linear', linear ? '1' : '0']);
  if (linear) {
    fields.push(
      ['leaf_const', join(t.leafValue.map(formatG17))],
      ['num_features', join(t.leafValue.map(() => 0))],
      ['leaf_features', t.leafValue.map(() => ' ').join('')],
      ['leaf_coeff', t.leafValue.map(() => ' ').join('')],
    );
  }
  fields.push(['shrinkage', '1']);
  for (const [key, value] of Object.entries(raw ?? {})) {
    const field = fields.find(([k]) => k === key);
    if (field) field[1] = value;
    else fields.push([key, value]);
  }
  return `${fields.map(([k, v]) => `${k}=${v}\n`).join('')}\n`;
}

/** A LightGBM text model file for `spec`. */
export function writeLightgbmModel(spec: LgbModelSpec): string {
  const numClass = spec.numClass ?? 1;
  const treesPerIteration = spec.treesPerIteration ?? numClass;
  const sections = spec.trees.map(
    (tree, i) => `Tree=${i}\n${treeToString(tree, spec.linearTrees?.includes(i) ?? false, spec.rawFields?.[i])}\n`,
  );
  const infos = spec.featureInfos ?? spec.featureNames.map(() => '[0:1]');
  const header = [
    'tree',
    `version=${spec.version ?? 'v4'}`,
    `num_class=${numClass}`,
    `num_tree_per_iteration=${treesPerIteration}`,
    'label_index=0',
    `max_feature_idx=${spec.featureNames.length - 1}`,
    ...(spec.objective === null ? [] : [`objective=${spec.objective}`]),
    ...(spec.averageOutput ? ['average_output'] : []),
    `feature_names=${join(spec.featureNames)}`,
    `feature_infos=${join(infos)}`,
    `tree_sizes=${join(sections.map((s) => Buffer.byteLength(s, 'utf8')))}`,
  ];
  const objectiveName = spec.objective?.split(' ')[0] ?? 'custom';
  return (
    `${header.join('\n')}\n\n` +
    sections.join('') +
    'end of trees\n' +
    `\nfeature_importances:\n${spec.featureNames[0]}=1\n` +
    `\nparameters:\n[boosting: gbdt]\n[objective: ${objectiveName}]\n[num_class: ${numClass}]\n\nend of parameters\n` +
    `\npandas_categorical:${JSON.stringify(spec.pandasCategorical ?? null)}\n`
  );
}
