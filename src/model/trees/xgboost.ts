/**
 * Reads an XGBoost model saved as JSON (`Booster.save_model("m.json")`, `XGBClassifier.save_model`,
 * `XGBRegressor.save_model`; the layout of XGBoost 1.7) into the neutral {@link TreeEnsemble}, so
 * that it predicts here exactly what XGBoost predicts. What XGBoost does, checked against its own
 * predictions by test/xgboost-import.test.ts:
 *
 * - Inputs and thresholds are float32, a row goes left when `x < split_condition`, and a missing
 *   value (NaN) takes the node's `default_left` branch.
 * - A leaf's value is its `split_conditions` entry (XGBoost keeps leaf value and threshold in one
 *   field); margins are summed in float32, tree by tree, from a float32 base margin.
 * - The base margin is `base_score` for reg:squarederror and multi:softprob/softmax, and
 *   logit(base_score), computed in float32, for binary:logistic.
 * - A categorical split (`split_type` 1) lists the categories that go RIGHT; every other category,
 *   a negative code and a code past the list go left. The neutral form lists the categories that go
 *   LEFT, so such a node is stored with its children swapped (and its default branch flipped): the
 *   listed categories go to XGBoost's right child, the rest to its left child. (XGBoost truncates a
 *   fractional code to an integer; the neutral form sends it right, here XGBoost's left — category
 *   codes are integers, so this never meets a real input.)
 * - `tree_info` names the class each tree adds to.
 * - A model saved by the scikit-learn wrapper after early stopping predicts with the rounds up to
 *   its `best_iteration`, one saved by the Booster API with all of them (see {@link roundsToUse}).
 *
 * Nodes are renumbered in breadth-first order from the root, which drops nodes that pruning
 * deleted (unreachable ones) and puts every child after its parent.
 */
import { ArtifactError } from '../../errors.js';
import type { EnsembleTree, Link, MissingRule, TreeEnsemble } from './ensemble.js';
import { InvalidEnsembleError, MAX_CATEGORY_CODE, validateEnsemble } from './validate.js';

/** The XGBoost objectives modelwatch serves, and the link each one's output goes through. */
const OBJECTIVES = {
  'binary:logistic': 'sigmoid',
  'multi:softprob': 'softmax',
  // The same trees as multi:softprob; XGBoost answers the most probable class where softprob
  // answers the probabilities. Served as probabilities, whose largest is XGBoost's answer.
  'multi:softmax': 'softmax',
  'reg:squarederror': 'identity',
} as const satisfies Record<string, Link>;

export type XgboostObjective = keyof typeof OBJECTIVES;

/** An XGBoost model read into neutral form, with what the file says about its inputs. */
export interface XgboostModel {
  readonly ensemble: TreeEnsemble;
  readonly objective: XgboostObjective;
  /** 2 for binary:logistic, `num_class` for multi:*, 0 for reg:squarederror. */
  readonly nClasses: number;
  /** Boosting rounds in the file. */
  readonly rounds: number;
  /**
   * Rounds the ensemble holds: fewer than `rounds` for a model saved by XGBoost's scikit-learn
   * wrapper after early stopping, which predicts with the rounds up to its best one.
   */
  readonly roundsUsed: number;
  /** Column names the model was trained with, when it was trained on named columns (a DataFrame). */
  readonly featureNames?: string[];
  /** XGBoost's feature types (`float`, `int`, `i`, `q`, `c` for categorical), when the file has them. */
  readonly featureTypes?: string[];
}

/**
 * XGBoost writes NaN (the threshold of a categorical split) and infinities as bare words, which
 * JSON.parse refuses. They become strings, outside string literals only, and read back as numbers.
 */
function parseXgboostJson(text: string): unknown {
  return JSON.parse(text.replace(/"(?:[^"\\]|\\.)*"|-?NaN|-?Infinity/g, (token) => (token.startsWith('"') ? token : `"${token}"`)));
}

/** What a file that is not XGBoost's JSON looks like, for the message. */
function notJson(text: string): string | undefined {
  const start = text.trimStart();
  if (start.length === 0) return 'the file is empty';
  if (start.startsWith('binf') || (start.includes('\0') && !start.startsWith('{'))) {
    return 'this is XGBoost\'s legacy binary format; load it in XGBoost and save it again as JSON: booster.save_model("model.json")';
  }
  // UBJSON opens an object with `{` and then a type marker for the first key's length.
  if (/^\{[iUIlL$#]/.test(start)) {
    return 'this is XGBoost\'s UBJSON (binary JSON, .ubj) format, which is not supported; save the model as JSON: booster.save_model("model.json")';
  }
  return undefined;
}

type Json = Record<string, unknown>;

class XgbProblem extends Error {}

function object(value: unknown, what: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new XgbProblem(`${what} is missing or not an object`);
  return value as Json;
}

function array(value: unknown, what: string, length?: number): unknown[] {
  if (!Array.isArray(value)) throw new XgbProblem(`${what} is missing or not an array`);
  if (length !== undefined && value.length !== length) throw new XgbProblem(`${what} has ${value.length} entries, expected ${length}`);
  return value;
}

/** A number that XGBoost may write as a JSON number or as a string ("5E-1", "NaN"). */
function number(value: unknown, what: string): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || Number.isNaN(n)) throw new XgbProblem(`${what} is ${JSON.stringify(value)}, expected a number`);
  return n;
}

function integer(value: unknown, what: string, min: number, max: number): number {
  const n = number(value, what);
  if (!Number.isInteger(n) || n < min || n > max) throw new XgbProblem(`${what} is ${n}, expected an integer from ${min} to ${max}`);
  return n;
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.length > 0 && value.every((s) => typeof s === 'string') ? value : undefined;
}

/** Which categories go right at each categorical node (XGBoost's own lists). */
function rightCategories(tree: Json, where: string): Map<number, number[]> {
  const byNode = new Map<number, number[]>();
  if (tree.categories_nodes === undefined) return byNode;
  const nodes = array(tree.categories_nodes, `${where} categories_nodes`);
  const segments = array(tree.categories_segments, `${where} categories_segments`, nodes.length);
  const sizes = array(tree.categories_sizes, `${where} categories_sizes`, nodes.length);
  const categories = array(tree.categories, `${where} categories`);
  nodes.forEach((node, k) => {
    const start = integer(segments[k], `${where} categories_segments[${k}]`, 0, categories.length);
    const size = integer(sizes[k], `${where} categories_sizes[${k}]`, 0, categories.length - start);
    const codes = categories.slice(start, start + size).map((c, i) => integer(c, `${where} categories[${start + i}]`, 0, MAX_CATEGORY_CODE));
    byNode.set(integer(node, `${where} categories_nodes[${k}]`, 0, 2 ** 31 - 1), [...new Set(codes)].sort((a, b) => a - b));
  });
  return byNode;
}

function readTree(tree: Json, output: number, where: string): EnsembleTree {
  const left = array(tree.left_children, `${where} left_children`);
  const n = left.length;
  if (n === 0) throw new XgbProblem(`${where} has no nodes`);
  const right = array(tree.right_children, `${where} right_children`, n);
  const feature = array(tree.split_indices, `${where} split_indices`, n);
  const condition = array(tree.split_conditions, `${where} split_conditions`, n);
  const defaultLeft = array(tree.default_left, `${where} default_left`, n);
  // Files from before categorical support have no split_type: every split is numeric.
  const splitType = tree.split_type === undefined ? undefined : array(tree.split_type, `${where} split_type`, n);
  const leafSize = tree.tree_param === undefined ? 0 : number(object(tree.tree_param, `${where} tree_param`).size_leaf_vector ?? 0, `${where} size_leaf_vector`);
  if (leafSize > 1) throw new XgbProblem(`${where} has vector leaves (size_leaf_vector ${leafSize}, multi_strategy="multi_output_tree"), which are not supported`);
  const categorical = rightCategories(tree, where);

  // Breadth-first from the root: new index = position in `order`.
  const order = [0];
  const renumbered = new Map([[0, 0]]);
  const out = { output, feature: [] as number[], threshold: [] as number[], left: [] as number[], right: [] as number[], value: [] as number[], defaultLeft: [] as boolean[], missing: [] as MissingRule[], leftCategories: [] as (number[] | null)[] };
  const child = (old: number, of: number, side: string): number => {
    const c = integer(old, `${where} node ${of} ${side} child`, 0, n - 1);
    if (renumbered.has(c)) throw new XgbProblem(`${where} node ${c} is reached twice (a cycle or a shared child)`);
    renumbered.set(c, order.length);
    order.push(c);
    return renumbered.get(c)!;
  };
  for (let next = 0; next < order.length; next++) {
    const i = order[next];
    const at = `${where} node ${i}`;
    if (number(left[i], `${at} left child`) === -1) {
      if (number(right[i], `${at} right child`) !== -1) throw new XgbProblem(`${at} has left child -1 but right child ${String(right[i])}`);
      out.feature.push(-1); out.threshold.push(0); out.left.push(-1); out.right.push(-1);
      out.value.push(Math.fround(number(condition[i], `${at} leaf value (split_conditions)`)));
      out.defaultLeft.push(false); out.missing.push('nan'); out.leftCategories.push(null);
      continue;
    }
    out.feature.push(integer(feature[i], `${at} split_indices`, 0, 2 ** 31 - 1));
    out.value.push(0);
    out.missing.push('nan');
    const goesLeftWhenMissing = typeof defaultLeft[i] === 'boolean' ? defaultLeft[i] : number(defaultLeft[i], `${at} default_left`) !== 0;
    const type = splitType === undefined ? 0 : integer(splitType[i], `${at} split_type`, 0, 1);
    if (type === 0) {
      out.threshold.push(Math.fround(number(condition[i], `${at} split_conditions`)));
      out.leftCategories.push(null);
      out.defaultLeft.push(goesLeftWhenMissing);
      out.left.push(child(left[i] as number, i, 'left'));
      out.right.push(child(right[i] as number, i, 'right'));
    } else {
      const listed = categorical.get(i);
      if (!listed) throw new XgbProblem(`${at} is a categorical split with no categories (categories_nodes does not list it)`);
      // Swapped (see the module comment): XGBoost's listed categories go right, the neutral form's left.
      out.threshold.push(0);
      out.leftCategories.push(listed);
      out.defaultLeft.push(!goesLeftWhenMissing);
      out.left.push(child(right[i] as number, i, 'right'));
      out.right.push(child(left[i] as number, i, 'left'));
    }
  }
  return out;
}

/**
 * How many boosting rounds XGBoost predicts with. A model trained with early stopping keeps the
 * rounds after its best one; its `best_iteration` attribute names the best. The scikit-learn
 * wrapper (XGBClassifier, XGBRegressor) predicts with the rounds up to the best one, also after
 * `load_model`, and writes a `scikit_learn` attribute into the files it saves; the Booster API
 * predicts with every round. So a file saved by the wrapper is read up to its best round, and any
 * other file whole: each predicts here what it predicts when loaded back into the API that saved it.
 */
function roundsToUse(learner: Json, model: Json, nTrees: number, nOutputs: number): { rounds: number; roundsUsed: number; treesPerRound: number } {
  const params = model.gbtree_model_param === undefined ? {} : object(model.gbtree_model_param, 'gbtree_model_param');
  const parallel = integer(params.num_parallel_tree ?? 1, 'num_parallel_tree', 1, 1_000_000);
  const treesPerRound = parallel * nOutputs;
  if (nTrees % treesPerRound !== 0) throw new XgbProblem(`${nTrees} trees are not whole rounds of ${treesPerRound} (num_parallel_tree ${parallel} × ${nOutputs} outputs)`);
  const rounds = nTrees / treesPerRound;
  const attributes = learner.attributes === undefined ? {} : object(learner.attributes, 'learner.attributes');
  if (attributes.scikit_learn === undefined || attributes.best_iteration === undefined) return { rounds, roundsUsed: rounds, treesPerRound };
  const best = integer(attributes.best_iteration, 'attributes.best_iteration', 0, Math.max(0, rounds - 1));
  return { rounds, roundsUsed: best + 1, treesPerRound };
}

function readModel(root: unknown): XgboostModel {
  const top = typeof root === 'object' && root !== null && !Array.isArray(root) ? (root as Json) : {};
  if (typeof top.learner !== 'object' || top.learner === null) throw new XgbProblem('not an XGBoost JSON model: it has no "learner" object at the top');
  const learner = top.learner as Json;
  const booster = object(learner.gradient_booster, 'learner.gradient_booster');
  if (booster.name !== 'gbtree') {
    throw new XgbProblem(`booster ${JSON.stringify(booster.name)} is not supported: only gbtree (tree boosting) models are read, not dart or gblinear`);
  }
  const objectiveName = object(learner.objective, 'learner.objective').name;
  if (typeof objectiveName !== 'string' || !Object.hasOwn(OBJECTIVES, objectiveName)) {
    throw new XgbProblem(`unsupported objective ${JSON.stringify(objectiveName)}: modelwatch reads ${Object.keys(OBJECTIVES).join(', ')}`);
  }
  const objective = objectiveName as XgboostObjective;
  const link = OBJECTIVES[objective];
  const params = object(learner.learner_model_param, 'learner.learner_model_param');
  const nFeatures = integer(params.num_feature, 'num_feature', 1, 1_000_000);
  if (params.num_target !== undefined && number(params.num_target, 'num_target') !== 1) {
    throw new XgbProblem(`num_target is ${String(params.num_target)}: multi-output models are not supported`);
  }
  const numClass = integer(params.num_class ?? 0, 'num_class', 0, 10_000);
  if (link === 'softmax' && numClass < 2) throw new XgbProblem(`objective ${objective} with num_class ${numClass}, expected at least 2`);
  const nOutputs = link === 'softmax' ? numClass : 1;
  const baseScore = Math.fround(number(params.base_score, 'base_score'));
  if (!Number.isFinite(baseScore)) throw new XgbProblem(`base_score is ${String(params.base_score)}, expected a finite number`);
  let baseMargin = baseScore;
  if (link === 'sigmoid') {
    if (!(baseScore > 0 && baseScore < 1)) throw new XgbProblem(`base_score is ${baseScore}; binary:logistic needs a probability between 0 and 1`);
    // XGBoost: -logf(1.0f / base_score - 1.0f), every step in float32.
    baseMargin = Math.fround(-Math.log(Math.fround(Math.fround(1 / baseScore) - 1)));
  }

  const model = object(booster.model, 'learner.gradient_booster.model');
  const allTrees = array(model.trees, 'gradient_booster.model.trees');
  const treeInfo = array(model.tree_info, 'gradient_booster.model.tree_info', allTrees.length);
  const { rounds, roundsUsed, treesPerRound } = roundsToUse(learner, model, allTrees.length, nOutputs);
  const trees = allTrees.slice(0, roundsUsed * treesPerRound);
  const ensemble: TreeEnsemble = {
    nFeatures,
    nOutputs,
    baseMargin: new Array<number>(nOutputs).fill(baseMargin),
    link,
    comparePrecision: 'float32',
    comparison: 'lt',
    sumPrecision: 'float32',
    trees: trees.map((tree, t) => readTree(object(tree, `tree ${t}`), integer(treeInfo[t], `tree_info[${t}]`, 0, nOutputs - 1), `tree ${t}`)),
  };
  validateEnsemble(ensemble);
  const featureNames = strings(learner.feature_names);
  const featureTypes = strings(learner.feature_types);
  for (const [what, list] of [['feature_names', featureNames], ['feature_types', featureTypes]] as const) {
    if (list && list.length !== nFeatures) throw new XgbProblem(`${what} has ${list.length} entries but num_feature is ${nFeatures}`);
  }
  return {
    ensemble,
    objective,
    rounds,
    roundsUsed,
    nClasses: link === 'sigmoid' ? 2 : numClass,
    ...(featureNames ? { featureNames } : {}),
    ...(featureTypes ? { featureTypes } : {}),
  };
}

/**
 * Reads an XGBoost JSON model file (its text) into neutral form.
 *
 * @param file the file's name, for error messages.
 * @throws ArtifactError naming `file` and the problem: not JSON (truncated, UBJSON, the legacy
 *   binary format), not an XGBoost model, a booster other than gbtree, an objective other than
 *   binary:logistic, multi:softprob, multi:softmax or reg:squarederror, or a malformed tree.
 * @example
 * const { ensemble, objective } = readXgboostModel(readFileSync('model.json', 'utf8'), 'model.json');
 */
export function readXgboostModel(text: string, file: string): XgboostModel {
  const wrongFormat = notJson(text);
  if (wrongFormat) throw new ArtifactError(file, wrongFormat);
  let root: unknown;
  try {
    root = parseXgboostJson(text);
  } catch (error) {
    throw new ArtifactError(file, `not valid JSON (truncated or corrupt?): ${(error as Error).message}`);
  }
  try {
    return readModel(root);
  } catch (error) {
    if (error instanceof XgbProblem || error instanceof InvalidEnsembleError) throw new ArtifactError(file, error.message);
    throw error;
  }
}
