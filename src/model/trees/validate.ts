/**
 * The checks that stand between a {@link TreeEnsemble} read from someone else's model file and the
 * code generator: every number finite, every index an integer in range, every node reached exactly
 * once from the root with its children after it, every enum one of its values. The compiler writes
 * numbers from the ensemble into JavaScript source, so this is also what keeps anything but a number
 * from reaching that source. The first problem found is named, with its tree and node.
 */
import type { EnsembleTree, Link, MissingRule, TreeEnsemble } from './ensemble.js';

/** A malformed ensemble; the message is `invalid tree ensemble: <first problem>`. */
export class InvalidEnsembleError extends Error {
  constructor(problem: string) {
    super(`invalid tree ensemble: ${problem}`);
    this.name = 'InvalidEnsembleError';
  }
}

const LINKS: readonly Link[] = ['sigmoid', 'softmax', 'identity'];
const MISSING_RULES: readonly MissingRule[] = ['nan', 'zero', 'none'];
/** Category codes are small non-negative integers; the bound keeps them exact in float32 too. */
export const MAX_CATEGORY_CODE = 2 ** 24 - 1;

const shown = (value: unknown) => (typeof value === 'number' ? String(value) : JSON.stringify(value) ?? String(value));

function integerIn(value: unknown, min: number, max: number, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidEnsembleError(`${what} is ${shown(value)}, expected an integer from ${min} to ${max}`);
  }
  return value;
}

function finite(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new InvalidEnsembleError(`${what} is ${shown(value)}, expected a finite number`);
  return value;
}

function oneOf<T>(value: unknown, allowed: readonly T[], what: string): T {
  if (!allowed.includes(value as T)) throw new InvalidEnsembleError(`${what} is ${shown(value)}, expected one of ${allowed.map(shown).join(', ')}`);
  return value as T;
}

function nodeArray(tree: EnsembleTree, key: keyof EnsembleTree, length: number, where: string): readonly unknown[] {
  const value = tree[key];
  if (!Array.isArray(value)) throw new InvalidEnsembleError(`${where}: ${key} is not an array`);
  if (value.length !== length) throw new InvalidEnsembleError(`${where}: ${key} has ${value.length} entries, expected ${length} (one per node)`);
  return value;
}

function validateTree(tree: EnsembleTree, t: number, e: TreeEnsemble): void {
  const where = `tree ${t}`;
  if (typeof tree !== 'object' || tree === null) throw new InvalidEnsembleError(`${where} is not an object`);
  integerIn(tree.output, 0, e.nOutputs - 1, `${where}: output`);
  if (!Array.isArray(tree.feature) || tree.feature.length === 0) throw new InvalidEnsembleError(`${where}: feature must be a non-empty array (one entry per node)`);
  const n = tree.feature.length;
  for (const key of ['threshold', 'left', 'right', 'value', 'defaultLeft', 'missing', 'leftCategories'] as const) nodeArray(tree, key, n, where);
  const parents = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    const at = `${where} node ${i}`;
    if (tree.left[i] === -1 || tree.right[i] === -1) {
      if (tree.left[i] !== -1 || tree.right[i] !== -1) throw new InvalidEnsembleError(`${at}: one child is -1 and the other ${shown(tree.left[i] === -1 ? tree.right[i] : tree.left[i])}; a leaf has both -1`);
      if (tree.feature[i] !== -1) throw new InvalidEnsembleError(`${at}: a leaf has feature ${shown(tree.feature[i])}, expected -1`);
      finite(tree.value[i], `${at}: leaf value`);
      continue;
    }
    integerIn(tree.feature[i], 0, e.nFeatures - 1, `${at}: feature`);
    // Children after their parent: the tree has no cycle and the generator can recurse from the root.
    for (const side of ['left', 'right'] as const) parents[integerIn(tree[side][i], i + 1, n - 1, `${at}: ${side} child`)]++;
    if (typeof tree.defaultLeft[i] !== 'boolean') throw new InvalidEnsembleError(`${at}: defaultLeft is ${shown(tree.defaultLeft[i])}, expected true or false`);
    oneOf(tree.missing[i], MISSING_RULES, `${at}: missing`);
    const categories = tree.leftCategories[i];
    if (categories === null) {
      finite(tree.threshold[i], `${at}: threshold`);
      continue;
    }
    if (!Array.isArray(categories)) throw new InvalidEnsembleError(`${at}: leftCategories is ${shown(categories)}, expected null or an array of category codes`);
    for (let k = 0; k < categories.length; k++) {
      integerIn(categories[k], k === 0 ? 0 : categories[k - 1] + 1, MAX_CATEGORY_CODE, `${at}: left category ${k} (ascending, no repeats)`);
    }
  }
  for (let i = 1; i < n; i++) {
    if (parents[i] !== 1) throw new InvalidEnsembleError(`${where} node ${i} is the child of ${parents[i]} nodes; every node but the root has exactly one parent`);
  }
}

/**
 * Checks an ensemble thoroughly; throws {@link InvalidEnsembleError} naming the first problem.
 *
 * @example validateEnsemble(readXgboostModel(text, file).ensemble) // returns the same ensemble
 */
export function validateEnsemble(e: TreeEnsemble): TreeEnsemble {
  if (typeof e !== 'object' || e === null) throw new InvalidEnsembleError('not an object');
  integerIn(e.nFeatures, 1, 1_000_000, 'nFeatures');
  integerIn(e.nOutputs, 1, 10_000, 'nOutputs');
  const link = oneOf(e.link, LINKS, 'link');
  if (link === 'softmax' ? e.nOutputs < 2 : e.nOutputs !== 1) {
    throw new InvalidEnsembleError(`link ${link} with ${e.nOutputs} outputs: ${link === 'softmax' ? 'softmax needs at least 2' : `${link} has exactly 1`}`);
  }
  if (!Array.isArray(e.baseMargin) || e.baseMargin.length !== e.nOutputs) throw new InvalidEnsembleError(`baseMargin must be an array of ${e.nOutputs} numbers (one per output)`);
  e.baseMargin.forEach((m, k) => finite(m, `baseMargin[${k}]`));
  oneOf(e.comparePrecision, ['float32', 'float64'], 'comparePrecision');
  oneOf(e.comparison, ['lt', 'le'], 'comparison');
  if (e.sumPrecision !== undefined) oneOf(e.sumPrecision, ['float32', 'float64'], 'sumPrecision');
  if (!Array.isArray(e.trees)) throw new InvalidEnsembleError('trees is not an array');
  e.trees.forEach((tree, t) => validateTree(tree, t, e));
  return e;
}
