/**
 * The model artifact: its plain-JSON shape ({@link GbdtModelJson}) and the thorough validation that
 * stands between a file on disk and a compiled model, naming the first problem it finds.
 */
import { MAX_CATEGORY_INDEX } from './dataset.js';
import { DEFAULT_GBDT_PARAMS, resolveGbdtParams, type GbdtParams } from './params.js';

/** The artifact's format tag; a loader refuses anything else. */
export const MODEL_FORMAT = 'modelwatch-gbdt-binary';
/** The artifact layout version; a loader refuses any other. */
export const MODEL_VERSION = 1;

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

/** The serialised model: plain JSON, no typed arrays. */
export interface GbdtModelJson {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_VERSION;
  nFeatures: number;
  categorical: boolean[];
  /** Raw score before any tree: the log-odds of the training base rate. */
  initScore: number;
  params: GbdtParams;
  /** Total split gain per feature over all trees. */
  featureImportance: number[];
  /** Validation log-loss after 0, 1, 2, … trees (empty without early stopping). */
  validationLoss: number[];
  trees: GbdtTreeJson[];
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

/** Checks the whole artifact and returns it typed; throws GbdtFormatError naming the first problem. */
export function validateModelJson(obj: unknown): GbdtModelJson {
  const root = record(obj, 'model');
  if (root.format !== MODEL_FORMAT) throw new GbdtFormatError(`format must be "${MODEL_FORMAT}", got ${JSON.stringify(root.format)}`);
  if (root.version !== MODEL_VERSION) throw new GbdtFormatError(`unsupported version ${JSON.stringify(root.version)} (expected ${MODEL_VERSION})`);
  const nFeatures = root.nFeatures;
  if (typeof nFeatures !== 'number' || !Number.isInteger(nFeatures) || nFeatures < 1) throw new GbdtFormatError(`nFeatures must be a positive integer, got ${JSON.stringify(nFeatures)}`);
  const categorical = list(root.categorical, 'categorical', nFeatures);
  categorical.forEach((c, j) => {
    if (typeof c !== 'boolean') throw new GbdtFormatError(`categorical[${j}] must be a boolean`);
  });
  if (typeof root.initScore !== 'number' || !Number.isFinite(root.initScore)) throw new GbdtFormatError('initScore must be a finite number');
  validateParamsJson(root.params);
  const importance = finiteList(root.featureImportance, 'featureImportance', nFeatures);
  importance.forEach((v, j) => {
    if (v < 0) throw new GbdtFormatError(`featureImportance[${j}] is negative`);
  });
  finiteList(root.validationLoss, 'validationLoss');
  list(root.trees, 'trees').forEach((tree, t) => validateTree(tree, t, categorical as boolean[]));
  return root as unknown as GbdtModelJson;
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
