/**
 * The model artifact: its plain-JSON shape ({@link GbdtModelJson}) and the thorough validation that
 * stands between a file on disk and a compiled model, naming the first problem it finds.
 *
 * Two layouts, both read:
 * - version 1, format `modelwatch-gbdt-binary`: a binary model (one raw score, `initScore` a
 *   number). Binary models are still written this way, byte for byte as before objectives existed,
 *   so a binary artifact stays readable by every modelwatch that reads version 1. An `objective`
 *   field is optional and may only say `binary` (absent means binary).
 * - version 2, format `modelwatch-gbdt`: any objective. `objective` is `binary`, `multiclass` or
 *   `regression`; `nClasses` is 2 for binary, K ≥ 2 for multiclass and 1 for regression;
 *   `initScore` is an array with one raw score per output (K for multiclass, else 1). Multiclass
 *   trees are stored round by round, so tree t adds to class `t % nClasses`; binary and regression
 *   trees all add to the one output. A reader that knows only version 1 refuses these files instead
 *   of misreading K interleaved tree sequences as one binary model.
 */
import { MAX_CATEGORY_INDEX, MAX_CLASSES } from './dataset.js';
import { GBDT_OBJECTIVES, outputCount, type GbdtObjective } from './objective.js';
import { DEFAULT_GBDT_PARAMS, resolveGbdtParams, type GbdtParams } from './params.js';

/** The binary artifact's format tag (layout version 1). */
export const MODEL_FORMAT = 'modelwatch-gbdt-binary';
/** The binary artifact's layout version. */
export const MODEL_VERSION = 1;
/** The format tag of the layout for any objective (version 2). */
export const MODEL_FORMAT_V2 = 'modelwatch-gbdt';
/** The layout version for any objective. */
export const MODEL_VERSION_V2 = 2;

/** One tree in the JSON artifact; all arrays have one entry per node, node 0 is the root. */
export interface GbdtTreeJson {
  /** Split feature, or -1 for a leaf. */
  feature: number[];
  /** Numeric split: go left when `x <= threshold`. 0 for leaves and categorical splits. */
  threshold: number[];
  /** Child indices, each greater than the parent's; -1 for leaves. */
  left: number[];
  right: number[];
  /** Leaf value (raw score contribution); for internal nodes the value the node would have as a leaf. */
  value: number[];
  /** Categorical split: ascending category indices that go left; empty otherwise. */
  leftCategories: number[][];
}

/** What both layouts share. */
interface GbdtModelJsonCommon {
  nFeatures: number;
  categorical: boolean[];
  params: GbdtParams;
  /** Total split gain per feature over all trees. */
  featureImportance: number[];
  /**
   * Validation loss after 0, 1, 2, … rounds (empty without early stopping): log-loss for binary,
   * multi-class log-loss for multiclass, mean squared error for regression.
   */
  validationLoss: number[];
  trees: GbdtTreeJson[];
}

/** Layout version 1: a binary model. */
export interface GbdtModelJsonV1 extends GbdtModelJsonCommon {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_VERSION;
  /** Absent in files written by modelwatch; tolerated when it says `binary`. */
  objective?: 'binary';
  /** Raw score before any tree: the log-odds of the training base rate. */
  initScore: number;
}

/** Layout version 2: any objective. */
export interface GbdtModelJsonV2 extends GbdtModelJsonCommon {
  format: typeof MODEL_FORMAT_V2;
  version: typeof MODEL_VERSION_V2;
  objective: GbdtObjective;
  /** 2 for binary, K for multiclass, 1 for regression. */
  nClasses: number;
  /** Raw score of each output before any tree (multiclass: log class priors; regression: the mean label). */
  initScore: number[];
}

/** The serialised model: plain JSON, no typed arrays. */
export type GbdtModelJson = GbdtModelJsonV1 | GbdtModelJsonV2;

/** Either layout read into one shape: objective, class count and one init score per output. */
export interface NormalizedModelJson extends GbdtModelJsonCommon {
  objective: GbdtObjective;
  nClasses: number;
  /** Outputs (raw scores) per row: K for multiclass, else 1. */
  nOutputs: number;
  initScores: number[];
}

/** A malformed artifact; the message is `invalid GBDT model: <first problem>`. */
class GbdtFormatError extends Error {
  constructor(problem: string) {
    super(`invalid GBDT model: ${problem}`);
    this.name = 'GbdtFormatError';
  }
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new GbdtFormatError(`${what} must be an object`);
  return value as Record<string, unknown>;
}

function list(value: unknown, what: string, length?: number): unknown[] {
  if (!Array.isArray(value)) throw new GbdtFormatError(`${what} must be an array`);
  if (length !== undefined && value.length !== length) throw new GbdtFormatError(`${what} has ${value.length} entries, expected ${length}`);
  return value;
}

function finiteList(value: unknown, what: string, length?: number): number[] {
  const items = list(value, what, length);
  items.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new GbdtFormatError(`${what}[${i}] is not a finite number (${JSON.stringify(v)})`);
  });
  return items as number[];
}

function integerList(value: unknown, what: string, length: number, min: number, max: number): number[] {
  const items = finiteList(value, what, length);
  items.forEach((v, i) => {
    if (!Number.isInteger(v) || v < min || v > max) throw new GbdtFormatError(`${what}[${i}] = ${v} is not an integer in [${min}, ${max}]`);
  });
  return items;
}

/** Checks the whole artifact (either layout) and returns it typed; throws GbdtFormatError naming the first problem. */
export function validateModelJson(obj: unknown): GbdtModelJson {
  normalizeModelJson(obj);
  return obj as GbdtModelJson;
}

/**
 * Checks the whole artifact (either layout) and reads it into one shape; throws GbdtFormatError
 * naming the first problem.
 */
export function normalizeModelJson(obj: unknown): NormalizedModelJson {
  const root = record(obj, 'model');
  const { objective, nClasses, initScores } = readLayout(root);
  const nFeatures = root.nFeatures;
  if (typeof nFeatures !== 'number' || !Number.isInteger(nFeatures) || nFeatures < 1) throw new GbdtFormatError(`nFeatures must be a positive integer, got ${JSON.stringify(nFeatures)}`);
  const categorical = list(root.categorical, 'categorical', nFeatures);
  categorical.forEach((c, j) => {
    if (typeof c !== 'boolean') throw new GbdtFormatError(`categorical[${j}] must be a boolean`);
  });
  validateParamsJson(root.params);
  // The file's own object, not the resolved copy, so toJSON gives back the file's key order.
  const params = root.params as GbdtParams;
  const importance = finiteList(root.featureImportance, 'featureImportance', nFeatures);
  importance.forEach((v, j) => {
    if (v < 0) throw new GbdtFormatError(`featureImportance[${j}] is negative`);
  });
  const validationLoss = finiteList(root.validationLoss, 'validationLoss');
  const trees = list(root.trees, 'trees');
  trees.forEach((tree, t) => validateTree(tree, t, categorical as boolean[]));
  const nOutputs = initScores.length;
  if (trees.length % nOutputs !== 0) throw new GbdtFormatError(`trees has ${trees.length} entries, not a whole number of rounds of ${nOutputs} (one tree per class per round)`);
  return {
    objective,
    nClasses,
    nOutputs,
    initScores,
    nFeatures,
    categorical: categorical as boolean[],
    params,
    featureImportance: importance,
    validationLoss,
    trees: trees as GbdtTreeJson[],
  };
}

/** The layout's tag, version, objective, class count and init scores. */
function readLayout(root: Record<string, unknown>): { objective: GbdtObjective; nClasses: number; initScores: number[] } {
  if (root.format === MODEL_FORMAT) {
    if (root.version !== MODEL_VERSION) throw new GbdtFormatError(`unsupported version ${JSON.stringify(root.version)} (expected ${MODEL_VERSION})`);
    if (root.objective !== undefined && root.objective !== 'binary') {
      throw new GbdtFormatError(`objective must be "binary" in a "${MODEL_FORMAT}" model, got ${JSON.stringify(root.objective)}`);
    }
    if (typeof root.initScore !== 'number' || !Number.isFinite(root.initScore)) throw new GbdtFormatError('initScore must be a finite number');
    return { objective: 'binary', nClasses: 2, initScores: [root.initScore] };
  }
  if (root.format !== MODEL_FORMAT_V2) throw new GbdtFormatError(`format must be "${MODEL_FORMAT}" or "${MODEL_FORMAT_V2}", got ${JSON.stringify(root.format)}`);
  if (root.version !== MODEL_VERSION_V2) throw new GbdtFormatError(`unsupported version ${JSON.stringify(root.version)} (expected ${MODEL_VERSION_V2} for "${MODEL_FORMAT_V2}")`);
  const objective = root.objective as GbdtObjective;
  if (!GBDT_OBJECTIVES.includes(objective)) throw new GbdtFormatError(`objective must be one of ${GBDT_OBJECTIVES.join(', ')}, got ${JSON.stringify(root.objective)}`);
  const nClasses = root.nClasses;
  const expected = objective === 'binary' ? 'equal 2' : objective === 'regression' ? 'equal 1' : `be an integer in [2, ${MAX_CLASSES}]`;
  const ok =
    typeof nClasses === 'number' &&
    (objective === 'binary' ? nClasses === 2 : objective === 'regression' ? nClasses === 1 : Number.isInteger(nClasses) && nClasses >= 2 && nClasses <= MAX_CLASSES);
  if (!ok) throw new GbdtFormatError(`nClasses must ${expected} for objective ${objective}, got ${JSON.stringify(nClasses)}`);
  const initScores = finiteList(root.initScore, 'initScore', outputCount(objective, nClasses as number));
  return { objective, nClasses: nClasses as number, initScores };
}

function validateParamsJson(value: unknown): GbdtParams {
  const params = record(value, 'params');
  for (const key of Object.keys(DEFAULT_GBDT_PARAMS)) {
    if (!(key in params)) throw new GbdtFormatError(`params.${key} is missing`);
  }
  try {
    return resolveGbdtParams(params as Partial<GbdtParams>);
  } catch (err) {
    throw new GbdtFormatError(`params: ${(err as Error).message}`);
  }
}

/** One tree: equal-length arrays, a proper binary tree (children after parents, one parent each), valid splits. */
function validateTree(value: unknown, t: number, categorical: readonly boolean[]): void {
  const at = `tree ${t}`;
  const tree = record(value, at);
  const size = list(tree.feature, `${at}: feature`).length;
  if (size === 0) throw new GbdtFormatError(`${at}: has no nodes`);
  const feature = integerList(tree.feature, `${at}: feature`, size, -1, categorical.length - 1);
  const threshold = finiteList(tree.threshold, `${at}: threshold`, size);
  const left = integerList(tree.left, `${at}: left`, size, -1, Number.MAX_SAFE_INTEGER);
  const right = integerList(tree.right, `${at}: right`, size, -1, Number.MAX_SAFE_INTEGER);
  finiteList(tree.value, `${at}: value`, size);
  const cats = list(tree.leftCategories, `${at}: leftCategories`, size);
  const parents = new Int32Array(size);
  for (let node = 0; node < size; node++) {
    const where = `${at}: node ${node}`;
    const leftCats = categoryList(cats[node], where);
    if (feature[node] < 0) {
      if (left[node] !== -1 || right[node] !== -1) throw new GbdtFormatError(`${where} is a leaf (feature -1) but has children`);
      if (leftCats.length > 0) throw new GbdtFormatError(`${where} is a leaf but has leftCategories`);
      continue;
    }
    for (const child of [left[node], right[node]]) {
      if (child >= size) throw new GbdtFormatError(`${where} references child ${child} beyond ${size} nodes`);
      if (child <= node) throw new GbdtFormatError(`${where} references child ${child}, which is not after it (children must follow their parent)`);
      parents[child]++;
    }
    if (left[node] === right[node]) throw new GbdtFormatError(`${where} has the same node as both children`);
    if (categorical[feature[node]] && leftCats.length === 0) throw new GbdtFormatError(`${where} splits categorical feature ${feature[node]} but has no leftCategories`);
    if (!categorical[feature[node]] && leftCats.length > 0) throw new GbdtFormatError(`${where} splits numeric feature ${feature[node]} but has leftCategories`);
    if (categorical[feature[node]] && threshold[node] !== 0) throw new GbdtFormatError(`${where} splits a categorical feature but has threshold ${threshold[node]}`);
  }
  for (let node = 1; node < size; node++) {
    if (parents[node] !== 1) throw new GbdtFormatError(`${at}: node ${node} has ${parents[node]} parents (expected exactly 1)`);
  }
}

/** A left set: ascending distinct category indices within the supported range. */
function categoryList(value: unknown, where: string): number[] {
  const cats = finiteList(value, `${where}: leftCategories`);
  cats.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 0 || c > MAX_CATEGORY_INDEX) throw new GbdtFormatError(`${where}: category ${c} is not an integer in [0, ${MAX_CATEGORY_INDEX}]`);
    if (i > 0 && c <= cats[i - 1]) throw new GbdtFormatError(`${where}: leftCategories must be strictly ascending`);
  });
  return cats;
}
