/**
 * Reads a LightGBM text model file (`Booster.save_model("m.txt")`, the CLI's `output_model`) into
 * the neutral {@link TreeEnsemble}, so that modelwatch scores it exactly as LightGBM's own predictor
 * does. What this relies on, from LightGBM's sources:
 *
 * - The file (src/boosting/gbdt_model_text.cpp, GBDT::SaveModelToString / LoadModelFromString): a
 *   first line `tree`, then `key=value` header lines (`num_class`, `num_tree_per_iteration`,
 *   `max_feature_idx`, `objective`, a bare `average_output` line in random-forest mode,
 *   `feature_names`, `feature_infos`, `tree_sizes` = the byte length of each tree's section), a blank
 *   line, one `Tree=i` section per tree, `end of trees`, then feature importances, parameters and
 *   (from the Python package) `pandas_categorical:`.
 * - A tree section (src/io/tree.cpp, Tree::ToString and Tree::Tree(const char*, size_t*)):
 *   `num_leaves`, `num_cat`, then per internal node `split_feature`, `threshold`, `decision_type`,
 *   `left_child`, `right_child` (a child >= 0 is an internal node, a child < 0 is leaf ~child), per
 *   leaf `leaf_value`, and for categorical splits `cat_boundaries` / `cat_threshold`; `is_linear`;
 *   `shrinkage` (already multiplied into leaf_value by Tree::Shrinkage, so never applied again). A
 *   tree with `num_leaves=1` is a constant: Tree::Predict returns leaf_value[0] without walking.
 * - Routing (include/LightGBM/tree.h): decision_type bit 0 (kCategoricalMask) marks a categorical
 *   split, bit 1 (kDefaultLeftMask) sends missing values left, bits 2-3 (GetMissingType) are the
 *   missing type None 0 / Zero 1 / NaN 2. NumericalDecision reads NaN as 0 unless the type is NaN,
 *   sends a missing value (|x| <= kZeroThreshold for Zero, NaN for NaN) to the default side, else
 *   goes left when `fval <= threshold_` in double. CategoricalDecision sends NaN right whatever the
 *   missing type, truncates the value to int (`static_cast<int>`), sends a negative right, and goes
 *   left when that bit is set in the split's bitset: words cat_threshold[cat_boundaries[c] ..
 *   cat_boundaries[c+1]) where c = (int)threshold_ (Common::FindInBitset: bit i%32 of word i/32; past
 *   the last word is "not set").
 * - Outputs (GBDT::PredictRaw, the objectives' ConvertOutput): tree i adds to output
 *   i % num_tree_per_iteration, starting from 0 (boost_from_average is folded into the first trees'
 *   leaves); `binary sigmoid:k` outputs 1 / (1 + exp(-k * margin)), `multiclass num_class:n` a
 *   softmax over n margins, `regression` the margin itself.
 */
import type { EnsembleTree, Link, MissingRule, TreeEnsemble } from './ensemble.js';

/** The tasks a LightGBM model can be served as. */
export type LightgbmObjective = 'binary' | 'multiclass' | 'regression';

/** A LightGBM model file, read. */
export interface LightgbmModel {
  readonly ensemble: TreeEnsemble;
  readonly objective: LightgbmObjective;
  /** 2 for binary, the number of classes for multiclass, 0 for regression (the length of a schema's `classes`). */
  readonly nClasses: number;
  /** `feature_names`, in the model's feature order (LightGBM's `Column_0 …` when it was given none). */
  readonly featureNames: string[];
  /**
   * `feature_infos`, one per feature as LightGBM wrote it: `[min:max]` for a numeric feature,
   * the category codes seen in training joined by `:` for a categorical one, `none` for a feature
   * the model never splits on.
   */
  readonly featureInfos: string[];
  /**
   * The Python package's `pandas_categorical` line: for each pandas categorical column (in order),
   * its categories, whose positions are the codes the trees split on; `null` when absent.
   */
  readonly pandasCategorical: unknown[][] | null;
  /** The header's `version` (`v2`, `v3`, `v4`), or `null` for files older than the field. */
  readonly version: string | null;
}

/** A LightGBM model file this reader refuses, with the reason in the message. */
export class LightgbmModelError extends Error {
  override readonly name = 'LightgbmModelError';
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

/** Objectives whose ConvertOutput is the identity (RegressionL2loss and its subclasses), without `sqrt`. */
const IDENTITY_REGRESSIONS = new Set(['regression', 'regression_l1', 'huber', 'fair', 'quantile', 'mape']);

const MISSING_TYPES: readonly MissingRule[] = ['none', 'zero', 'nan'];

/** Longest piece of the file an error message quotes. */
const QUOTE_CHARS = 80;

function quote(s: string): string {
  return JSON.stringify(s.length <= QUOTE_CHARS ? s : `${s.slice(0, QUOTE_CHARS)}…`);
}

/** One line of the file and where it starts (for tree_sizes, which counts bytes). */
interface Line {
  readonly text: string;
  readonly start: number;
}

function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    const end = nl === -1 ? text.length : nl;
    // LightGBM's GetLine stops at \r as well as \n; a stray \r is not part of the value.
    lines.push({ text: text.slice(start, end).replace(/\r$/, ''), start });
    start = end + 1;
  }
  return lines;
}

/** `key=value` split at the first `=`; a line without `=` (`average_output`) is a key with value ''. */
function keyValue(line: string): [string, string] {
  const eq = line.indexOf('=');
  return eq === -1 ? [line, ''] : [line.slice(0, eq), line.slice(eq + 1)];
}

function tokens(value: string): string[] {
  return value.split(' ').filter((t) => t !== '');
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A double as LightGBM writes it (`%.17g`, or `inf`/`nan` from Common::Atof's vocabulary). */
function parseDouble(token: string): number {
  if (DECIMAL.test(token)) return Number(token);
  const t = token.toLowerCase();
  if (t === 'inf' || t === '+inf' || t === 'infinity' || t === '+infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  return NaN;
}

/**
 * Reads a LightGBM text model. Throws {@link LightgbmModelError} naming the problem for a file that
 * is not a LightGBM model, is cut short or inconsistent, or asks for something modelwatch cannot
 * score exactly (an objective other than binary / multiclass / regression, linear trees,
 * random-forest averaging).
 *
 * @param text the whole file
 * @param file its name, for the messages
 */
export function readLightgbmModel(text: string, file: string): LightgbmModel {
  const fail = (problem: string): never => {
    throw new LightgbmModelError(file, problem);
  };
  const lines = splitLines(text);
  const first = lines[0]?.text ?? '';
  if (first !== 'tree') {
    const hint = first.trimStart().startsWith('{')
      ? ' (this looks like JSON: an XGBoost model or LightGBM\'s dump_model(); save the LightGBM model with Booster.save_model("m.txt"))'
      : '';
    fail(`not a LightGBM text model file: its first line is ${quote(first)} where LightGBM writes "tree"${hint}`);
  }

  // Header: key=value lines up to the first `Tree=` line.
  const header = new Map<string, string>();
  let at = 1;
  for (; at < lines.length && !lines[at]!.text.startsWith('Tree='); at++) {
    const line = lines[at]!.text;
    if (line === 'end of trees') break;
    if (line !== '') {
      const [key, value] = keyValue(line);
      header.set(key, value);
    }
  }
  const headerInt = (key: string): number => {
    const value = header.get(key);
    if (value === undefined) return fail(`the header has no ${key} line (cut short, or not a LightGBM model file)`);
    if (!/^\d+$/.test(value.trim())) return fail(`the header's ${key}=${quote(value)} is not a non-negative integer`);
    return Number(value.trim());
  };
  const numClass = headerInt('num_class');
  const treesPerIteration = header.has('num_tree_per_iteration') ? headerInt('num_tree_per_iteration') : numClass;
  const nFeatures = headerInt('max_feature_idx') + 1;
  const featureNames = tokens(header.get('feature_names') ?? fail('the header has no feature_names line'));
  if (featureNames.length !== nFeatures) {
    fail(`feature_names lists ${featureNames.length} names where max_feature_idx=${nFeatures - 1} needs ${nFeatures}`);
  }
  const featureInfos = header.has('feature_infos') ? tokens(header.get('feature_infos')!) : [];
  if (header.has('feature_infos') && featureInfos.length !== nFeatures) {
    fail(`feature_infos lists ${featureInfos.length} entries where max_feature_idx=${nFeatures - 1} needs ${nFeatures}`);
  }
  if (header.has('average_output')) {
    fail('average_output is set (random-forest mode, boosting=rf): LightGBM divides the sum of the trees by the number of iterations, which modelwatch does not score; train with boosting=gbdt, goss or dart');
  }
  const objective = readObjective(header.get('objective'), numClass, fail);
  if (treesPerIteration !== objective.nOutputs) {
    fail(`num_tree_per_iteration=${treesPerIteration} does not match objective ${quote(header.get('objective')!)}, which needs ${objective.nOutputs} tree(s) per iteration`);
  }

  // Trees.
  const treeSizes = header.has('tree_sizes') ? tokens(header.get('tree_sizes')!).map(Number) : null;
  if (treeSizes && treeSizes.some((s) => !Number.isInteger(s) || s <= 0)) fail(`tree_sizes=${quote(header.get('tree_sizes')!)} is not a list of positive integers`);
  const trees: EnsembleTree[] = [];
  let sawEnd = false;
  while (at < lines.length) {
    const line = lines[at]!.text;
    if (line === '') {
      at++;
      continue;
    }
    if (line === 'end of trees') {
      sawEnd = true;
      break;
    }
    if (!line.startsWith('Tree=')) break; // an old file without "end of trees": importances follow
    const index = trees.length;
    const sectionStart = lines[at]!.start;
    const fields = new Map<string, string>();
    at++;
    let closed = false;
    for (; at < lines.length; at++) {
      const l = lines[at]!.text;
      if (l === '') {
        closed = true;
        break;
      }
      const [key, value] = keyValue(l);
      fields.set(key, value);
    }
    if (!closed) fail(`tree ${index} is cut short: the file ends inside its section`);
    // The section runs to the next non-blank line (the next Tree= or "end of trees").
    while (at < lines.length && lines[at]!.text === '') at++;
    const sectionEnd = at < lines.length ? lines[at]!.start : text.length;
    if (treeSizes && index < treeSizes.length) {
      const bytes = Buffer.byteLength(text.slice(sectionStart, sectionEnd), 'utf8');
      if (bytes !== treeSizes[index]) {
        fail(`tree ${index} is ${bytes} bytes where tree_sizes says ${treeSizes[index]}: the file was cut short or edited (LightGBM finds its trees by these sizes)`);
      }
    }
    trees.push(readTree(fields, index, nFeatures, index % treesPerIteration, objective.leafScale, fail));
  }
  if (treeSizes) {
    if (!sawEnd) fail(`the file is cut short: no "end of trees" line after ${trees.length} tree(s)`);
    if (trees.length !== treeSizes.length) fail(`the file holds ${trees.length} tree(s) where tree_sizes lists ${treeSizes.length}`);
  }
  if (trees.length === 0) fail('the model has no trees');
  if (trees.length % treesPerIteration !== 0) {
    fail(`the model has ${trees.length} trees, not a whole number of iterations of ${treesPerIteration} trees`);
  }

  return {
    ensemble: {
      nFeatures,
      nOutputs: objective.nOutputs,
      baseMargin: new Array<number>(objective.nOutputs).fill(0),
      link: objective.link,
      comparePrecision: 'float64',
      comparison: 'le',
      categoryCast: 'truncate',
      trees,
    },
    objective: objective.objective,
    nClasses: objective.nClasses,
    featureNames,
    featureInfos,
    pandasCategorical: readPandasCategorical(lines, at),
    version: header.get('version') ?? null,
  };
}

interface ObjectiveInfo {
  readonly objective: LightgbmObjective;
  readonly nOutputs: number;
  readonly nClasses: number;
  readonly link: Link;
  /**
   * What every leaf is multiplied by: the binary objective's `sigmoid:k` (1 / (1 + exp(-k * margin)))
   * folded into the leaves, since the neutral sigmoid has no factor. Exact for k = 1 (the default)
   * and any power of two; otherwise the margin may differ from k * sum in the last bit.
   */
  readonly leafScale: number;
}

function readObjective(line: string | undefined, numClass: number, fail: (problem: string) => never): ObjectiveInfo {
  if (line === undefined) {
    return fail('the header has no objective line (a model trained with a custom objective function): its output transform is unknown, so modelwatch cannot score it');
  }
  const [name = '', ...rest] = tokens(line);
  const params = new Map(rest.map((t) => [t.split(':')[0]!, t.slice(t.indexOf(':') + 1)] as const));
  const needOneClass = (): void => {
    if (numClass !== 1) fail(`objective ${quote(line)} with num_class=${numClass}: LightGBM writes num_class=1 for it`);
  };
  if (name === 'binary') {
    needOneClass();
    const k = parseDouble(params.get('sigmoid') ?? '1');
    if (!Number.isFinite(k) || k <= 0) fail(`objective ${quote(line)}: sigmoid must be a positive number`);
    return { objective: 'binary', nOutputs: 1, nClasses: 2, link: 'sigmoid', leafScale: k };
  }
  if (name === 'multiclass') {
    const n = Number(params.get('num_class'));
    if (!Number.isInteger(n) || n < 2 || n !== numClass) {
      fail(`objective ${quote(line)} does not agree with num_class=${numClass} (a multiclass model needs at least 2 classes)`);
    }
    return { objective: 'multiclass', nOutputs: n, nClasses: n, link: 'softmax', leafScale: 1 };
  }
  if (IDENTITY_REGRESSIONS.has(name)) {
    if (rest.includes('sqrt')) {
      fail(`objective ${quote(line)} was trained on sqrt(label) (reg_sqrt): LightGBM squares the output back, which modelwatch does not do; retrain without reg_sqrt`);
    }
    needOneClass();
    return { objective: 'regression', nOutputs: 1, nClasses: 0, link: 'identity', leafScale: 1 };
  }
  if (name === 'multiclassova') {
    return fail(`objective ${quote(line)} (one-vs-all) gives each class its own sigmoid, not a softmax; modelwatch serves "multiclass" (softmax) models: retrain with objective=multiclass`);
  }
  return fail(`unsupported objective ${quote(name)}: modelwatch serves LightGBM models trained with binary, multiclass or regression (also regression_l1, huber, fair, quantile, mape)`);
}

/** Integers of a tree field, exactly `count` of them. */
function intArray(fields: Map<string, string>, key: string, count: number, tree: number, fail: (p: string) => never): number[] {
  const value = fields.get(key);
  if (value === undefined) return fail(`tree ${tree} has no ${key} line (cut short?)`);
  const parts = tokens(value);
  if (parts.length !== count) fail(`tree ${tree}: ${key} has ${parts.length} numbers where ${count} are needed (cut short?)`);
  return parts.map((p) => {
    if (!/^[+-]?\d+$/.test(p)) fail(`tree ${tree}: ${key} holds ${quote(p)}, not an integer`);
    return Number(p);
  });
}

function doubleArray(fields: Map<string, string>, key: string, count: number, tree: number, fail: (p: string) => never): number[] {
  const value = fields.get(key);
  if (value === undefined) return fail(`tree ${tree} has no ${key} line (cut short?)`);
  const parts = tokens(value);
  if (parts.length !== count) fail(`tree ${tree}: ${key} has ${parts.length} numbers where ${count} are needed (cut short?)`);
  return parts.map((p) => {
    const v = parseDouble(p);
    if (Number.isNaN(v)) fail(`tree ${tree}: ${key} holds ${quote(p)}, not a number`);
    return v;
  });
}

/** The set bits of a bitset (Common::FindInBitset's layout: bit i%32 of word i/32), ascending. */
function bitsetMembers(words: readonly number[]): number[] {
  const members: number[] = [];
  words.forEach((word, w) => {
    for (let bit = 0; bit < 32; bit++) if ((word >>> bit) & 1) members.push(w * 32 + bit);
  });
  return members;
}

function readTree(
  fields: Map<string, string>,
  index: number,
  nFeatures: number,
  output: number,
  leafScale: number,
  fail: (p: string) => never,
): EnsembleTree {
  const [numLeaves] = intArray(fields, 'num_leaves', 1, index, fail);
  if (numLeaves! < 1) fail(`tree ${index}: num_leaves=${numLeaves} (at least 1)`);
  if (fields.has('is_linear') && fields.get('is_linear')!.trim() !== '0') {
    fail(`tree ${index} is a linear tree (linear_tree=true: a linear model in each leaf), which modelwatch does not score; retrain without linear_tree`);
  }
  const leafValue = doubleArray(fields, 'leaf_value', numLeaves!, index, fail).map((v) => {
    if (!Number.isFinite(v)) fail(`tree ${index}: leaf_value holds ${v}`);
    return v * leafScale;
  });
  if (numLeaves === 1) {
    // A constant tree: Tree::Predict returns leaf_value_[0] without reading any feature.
    return { output, feature: [-1], threshold: [0], left: [-1], right: [-1], value: leafValue, defaultLeft: [false], missing: ['none'], leftCategories: [null] };
  }
  const nInternal = numLeaves! - 1;
  const nNodes = nInternal + numLeaves!;
  if (!fields.has('num_cat') && fields.has('has_categorical')) {
    fail(`tree ${index} is in the format of LightGBM before 2.0 (has_categorical, no num_cat), whose categorical splits this reader does not know: load and save the model again with a current LightGBM`);
  }
  const [numCat] = intArray(fields, 'num_cat', 1, index, fail);
  const splitFeature = intArray(fields, 'split_feature', nInternal, index, fail);
  const threshold = doubleArray(fields, 'threshold', nInternal, index, fail);
  const decisionType = fields.has('decision_type') ? intArray(fields, 'decision_type', nInternal, index, fail) : new Array<number>(nInternal).fill(0);
  const leftChild = intArray(fields, 'left_child', nInternal, index, fail);
  const rightChild = intArray(fields, 'right_child', nInternal, index, fail);
  let catBoundaries: number[] = [];
  let catThreshold: number[] = [];
  if (numCat! > 0) {
    catBoundaries = intArray(fields, 'cat_boundaries', numCat! + 1, index, fail);
    if (catBoundaries[0] !== 0 || catBoundaries.some((b, i) => i > 0 && b < catBoundaries[i - 1]!)) {
      fail(`tree ${index}: cat_boundaries ${quote(fields.get('cat_boundaries')!)} must start at 0 and never decrease`);
    }
    catThreshold = intArray(fields, 'cat_threshold', catBoundaries[numCat!]!, index, fail);
    if (catThreshold.some((w) => w < 0 || w > 0xffffffff)) fail(`tree ${index}: cat_threshold holds a number that is not a 32-bit word`);
  }

  // Internal node i keeps index i; leaf j (child ~j) becomes node nInternal + j.
  const node = (child: number, side: string, parent: number): number => {
    if (child >= 0 && child < nInternal) return child;
    if (child < 0 && ~child < numLeaves!) return nInternal + ~child;
    return fail(`tree ${index}: node ${parent}'s ${side} child ${child} is out of range (${nInternal} internal nodes, ${numLeaves} leaves)`);
  };
  const feature = new Array<number>(nNodes).fill(-1);
  const thresholds = new Array<number>(nNodes).fill(0);
  const left = new Array<number>(nNodes).fill(-1);
  const right = new Array<number>(nNodes).fill(-1);
  const value = new Array<number>(nNodes).fill(0);
  const defaultLeft = new Array<boolean>(nNodes).fill(false);
  const missing = new Array<MissingRule>(nNodes).fill('none');
  const leftCategories = new Array<readonly number[] | null>(nNodes).fill(null);
  for (let j = 0; j < numLeaves!; j++) value[nInternal + j] = leafValue[j]!;
  for (let i = 0; i < nInternal; i++) {
    const f = splitFeature[i]!;
    if (f < 0 || f >= nFeatures) fail(`tree ${index}: node ${i} splits on feature ${f}, but the model has ${nFeatures} features`);
    const dt = decisionType[i]!;
    if (dt < 0 || dt > 15) fail(`tree ${index}: node ${i} has decision_type ${dt}, which sets bits LightGBM does not define`);
    const missingType = (dt >> 2) & 3;
    if (missingType === 3) fail(`tree ${index}: node ${i} has decision_type ${dt}, whose missing type 3 LightGBM does not define`);
    feature[i] = f;
    left[i] = node(leftChild[i]!, 'left', i);
    right[i] = node(rightChild[i]!, 'right', i);
    const t = threshold[i]!;
    if (Number.isNaN(t)) fail(`tree ${index}: node ${i} has threshold NaN`);
    if (dt & 1) {
      // Categorical: the threshold is an index into cat_boundaries. CategoricalDecision sends NaN
      // right whatever the missing type, so: NaN is missing, missing goes right.
      if (!Number.isInteger(t) || t < 0 || t >= numCat!) {
        fail(`tree ${index}: categorical node ${i} points at bitset ${t}, out of range: the tree has num_cat=${numCat}`);
      }
      leftCategories[i] = bitsetMembers(catThreshold.slice(catBoundaries[t]!, catBoundaries[t + 1]!));
      missing[i] = 'nan';
      defaultLeft[i] = false;
    } else {
      thresholds[i] = t;
      missing[i] = MISSING_TYPES[missingType]!;
      defaultLeft[i] = (dt & 2) !== 0;
    }
  }
  // Every node must be reached from the root exactly once: no cycle, no orphan, no shared child.
  const seen = new Uint8Array(nNodes);
  const stack = [0];
  let reached = 0;
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen[n]) fail(`tree ${index}: node ${n < nInternal ? n : `leaf ${n - nInternal}`} is reached twice (the children lines do not form a tree)`);
    seen[n] = 1;
    reached++;
    if (n < nInternal) stack.push(left[n]!, right[n]!);
  }
  if (reached !== nNodes) fail(`tree ${index}: only ${reached} of its ${nNodes} nodes hang from the root (the children lines do not form a tree)`);
  return { output, feature, threshold: thresholds, left, right, value, defaultLeft, missing, leftCategories };
}

/** The `pandas_categorical:` line the Python package appends, parsed; `null` when absent or unreadable. */
function readPandasCategorical(lines: readonly Line[], from: number): unknown[][] | null {
  for (let i = lines.length - 1; i >= from; i--) {
    const line = lines[i]!.text;
    if (line.startsWith('pandas_categorical:')) {
      try {
        const parsed: unknown = JSON.parse(line.slice('pandas_categorical:'.length));
        return Array.isArray(parsed) && parsed.every((c) => Array.isArray(c)) ? (parsed as unknown[][]) : null;
      } catch {
        return null;
      }
    }
  }
  return null;
}
