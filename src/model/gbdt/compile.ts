/**
 * Compiles a model's trees into JavaScript: each tree becomes one nested conditional expression, a
 * few trees share a function, and an outer function adds the chunks in tree order. V8 turns this
 * into straight machine code with the thresholds as constants, where walking the node arrays costs
 * three dependent loads per split. Measured on the 134-tree bank-full model (5,000 real rows): 1.7 µs
 * per row against 6.0 µs for the array walk. Chunks stay small because V8 does not optimise very
 * large functions (one function for all trees measured 9.8 µs).
 *
 * Generating code from an artifact is safe here because only numbers reach the source: the model
 * JSON is validated first (finite numbers, integer feature indices and categories), and each number
 * is written with its shortest round-trip form, so the compiled model is bit-identical to the walk
 * (a test checks it row by row). The addition order is the walk's, for the same reason. A multiclass
 * model compiles to one function per class, each adding only its class's trees.
 */
import type { GbdtTreeJson } from './model-json.js';

/** Trees per generated function (see the module comment). */
const TREES_PER_CHUNK = 8;

/** Raw score of the row starting at `x[offset]`. */
export type CompiledTrees = (x: ArrayLike<number>, offset: number) => number;

const literal = (n: number) => (Object.is(n, -0) ? '-0' : String(n));

function treeExpression(tree: GbdtTreeJson, node: number): string {
  if (tree.left[node] < 0) return literal(tree.value[node]);
  const v = `v${tree.feature[node]}`;
  const cats = tree.leftCategories[node];
  // Same routing as the walk: NaN fails `<=` and every `===`, so it goes right; so do -1, fractions
  // and categories outside the left set.
  const test = cats.length ? cats.map((c) => `${v}===${c}`).join('||') : `${v}<=${literal(tree.threshold[node])}`;
  return `((${test})?${treeExpression(tree, tree.left[node])}:${treeExpression(tree, tree.right[node])})`;
}

/**
 * Compiles trees that add to one raw score, starting from `initScore`, into a scoring function.
 * A binary or regression model is one such sequence; a multiclass model is one per class.
 *
 * @example
 * const score = compileTrees({ nFeatures: 2, initScore: -1.2, trees });
 * score(row, 0); // raw score
 */
export function compileTrees(spec: { readonly nFeatures: number; readonly initScore: number; readonly trees: readonly GbdtTreeJson[] }): CompiledTrees {
  const reads = Array.from({ length: spec.nFeatures }, (_, i) => `const v${i}=x[o+${i}];`).join('');
  const chunks: string[] = [];
  for (let first = 0; first < spec.trees.length; first += TREES_PER_CHUNK) {
    const sums = spec.trees
      .slice(first, first + TREES_PER_CHUNK)
      .map((tree) => `s+=${treeExpression(tree, 0)};`)
      .join('');
    chunks.push(`function c${chunks.length}(x,o,s){${reads}${sums}return s;}`);
  }
  const calls = chunks.map((_, i) => `s=c${i}(x,o,s);`).join('');
  const source = `${chunks.join('\n')}\nreturn function score(x,o){let s=${literal(spec.initScore)};${calls}return s;};`;
  return new Function(source)() as CompiledTrees;
}

/**
 * Compiles each output of a model separately: output k starts from `initScores[k]` and adds trees
 * k, k + K, k + 2K, … (K = number of outputs), in that order, as the node walk does.
 *
 * @example
 * const [class0, class1, class2] = compileOutputs(nFeatures, initScores, trees);
 */
export function compileOutputs(nFeatures: number, initScores: readonly number[], trees: readonly GbdtTreeJson[]): CompiledTrees[] {
  const nOutputs = initScores.length;
  return initScores.map((initScore, k) => compileTrees({ nFeatures, initScore, trees: trees.filter((_, t) => t % nOutputs === k) }));
}
