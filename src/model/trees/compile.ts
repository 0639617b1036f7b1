/**
 * Compiles any {@link TreeEnsemble} (an imported XGBoost or LightGBM model) into JavaScript, as the
 * built-in model's trees are compiled (src/model/gbdt/compile.ts): each tree becomes one nested
 * conditional expression with its thresholds as constants, a few trees share a function (V8 does
 * not optimise very large functions), and an outer function starts each output from its base
 * margin, calls the chunks in tree order and applies the link.
 *
 * Every routing rule of the neutral form is decided here, at compile time, per node: the missing
 * rule and default branch, `<` or `<=`, float32 or float64 comparison (inputs read once per chunk
 * through Math.fround when the library compares in float32, thresholds rounded to float32 in the
 * source) and categorical left sets. Leaves are summed per output in tree order, in float64 or —
 * for XGBoost, which sums in float32 — through Math.fround after every addition, so the margins are
 * the library's bit for bit. The link runs in float64.
 *
 * Generating code from a model file is safe because the ensemble is validated first
 * ({@link validateEnsemble}): only numbers reach the source, each written in its shortest
 * round-trip form.
 */
import { ZERO_THRESHOLD, type EnsembleTree, type TreeEnsemble } from './ensemble.js';
import { validateEnsemble } from './validate.js';

/** Trees per generated function (as in the built-in model's compiler, measured there). */
const TREES_PER_CHUNK = 8;


/**
 * Writes the model's outputs for the row starting at `x[offset]` into `out[0..nOutputs)`: the
 * positive class's probability (sigmoid), the class probabilities (softmax) or the value (identity).
 */
export type CompiledEnsemble = (x: ArrayLike<number>, offset: number, out: Float64Array) => void;

/** A number as JavaScript source: shortest round-trip form; -0 and infinities spelled out. */
function literal(n: number): string {
  if (Object.is(n, -0)) return '-0';
  if (n === Infinity) return '(1/0)';
  if (n === -Infinity) return '(-1/0)';
  return String(n);
}

/** The condition under which a row goes LEFT at an internal node (true → left). */
function goesLeft(e: TreeEnsemble, tree: EnsembleTree, node: number): string {
  const v = `v${tree.feature[node]}`;
  const categories = tree.leftCategories[node];
  const round = e.comparePrecision === 'float32' ? Math.fround : (n: number) => n;
  const threshold = literal(round(tree.threshold[node]));
  const lt = e.comparison === 'lt';
  // Missing rule 'none' reads NaN as 0; 0 is a constant here, so where NaN goes is known now and the
  // node behaves as a 'nan' node whose default branch is where 0 goes.
  const rule = tree.missing[node];
  const defaultLeft = rule === 'none'
    ? (categories ? categories.includes(0) : lt ? 0 < round(tree.threshold[node]) : 0 <= round(tree.threshold[node]))
    : tree.defaultLeft[node];
  // A truncating cast (LightGBM) compares the value's integer part, read once per chunk as t<f>.
  const code = e.categoryCast === 'truncate' ? `t${tree.feature[node]}` : v;
  const inSet = categories ? (categories.length ? categories.map((c) => `${code}===${c}`).join('||') : 'false') : '';
  if (rule === 'zero') {
    const missing = `(${v}!==${v}||(${v}>=${literal(-ZERO_THRESHOLD)}&&${v}<=${literal(ZERO_THRESHOLD)}))`;
    const test = categories ? `(${inSet})` : `${v}${lt ? '<' : '<='}${threshold}`;
    return defaultLeft ? `${missing}||${test}` : `!${missing}&&${test}`;
  }
  // 'nan' (and 'none' as above): NaN fails every comparison and every ===, so it goes right by
  // itself; to send it left, negate the opposite comparison.
  if (categories) return defaultLeft ? `${v}!==${v}||${inSet}` : inSet;
  if (defaultLeft) return lt ? `!(${v}>=${threshold})` : `!(${v}>${threshold})`;
  return lt ? `${v}<${threshold}` : `${v}<=${threshold}`;
}

function treeExpression(e: TreeEnsemble, tree: EnsembleTree, node: number, leaf: (n: number) => number): string {
  if (tree.left[node] === -1) return literal(leaf(tree.value[node]));
  return `((${goesLeft(e, tree, node)})?${treeExpression(e, tree, tree.left[node], leaf)}:${treeExpression(e, tree, tree.right[node], leaf)})`;
}

/** Features split on anywhere in these trees (only by categorical splits, with `categorical`), ascending. */
function featuresUsed(trees: readonly EnsembleTree[], categorical = false): number[] {
  const used = new Set<number>();
  for (const tree of trees) tree.feature.forEach((f, n) => f >= 0 && (!categorical || tree.leftCategories[n]) && used.add(f));
  return [...used].sort((a, b) => a - b);
}

function linkSource(e: TreeEnsemble): string {
  if (e.link === 'sigmoid') return 'out[0]=1/(1+Math.exp(-out[0]));';
  if (e.link === 'identity') return '';
  // Softmax less the largest margin, so exp never overflows.
  const n = e.nOutputs;
  return `let m=out[0];for(let k=1;k<${n};k++)if(out[k]>m)m=out[k];` +
    `let t=0;for(let k=0;k<${n};k++){const z=Math.exp(out[k]-m);out[k]=z;t+=z;}` +
    `for(let k=0;k<${n};k++)out[k]/=t;`;
}

/**
 * The JavaScript source {@link compileEnsemble} evaluates (exposed for tests and for reading).
 * The ensemble must be valid ({@link validateEnsemble}).
 */
export function ensembleSource(e: TreeEnsemble): string {
  const float32Sum = e.sumPrecision === 'float32';
  const leaf = float32Sum ? Math.fround : (n: number) => n;
  const read = e.comparePrecision === 'float32' ? (f: number) => `Math.fround(x[o+${f}])` : (f: number) => `x[o+${f}]`;
  const chunks: string[] = [];
  for (let first = 0; first < e.trees.length; first += TREES_PER_CHUNK) {
    const trees = e.trees.slice(first, first + TREES_PER_CHUNK);
    const truncated = e.categoryCast === 'truncate' ? featuresUsed(trees, true).map((f) => `const t${f}=Math.trunc(v${f});`).join('') : '';
    const reads = featuresUsed(trees).map((f) => `const v${f}=${read(f)};`).join('') + truncated;
    const outputs = [...new Set(trees.map((t) => t.output))].sort((a, b) => a - b);
    const load = outputs.map((k) => `let s${k}=out[${k}];`).join('');
    const sums = trees
      .map((tree) => {
        const expression = treeExpression(e, tree, 0, leaf);
        return float32Sum ? `s${tree.output}=Math.fround(s${tree.output}+${expression});` : `s${tree.output}+=${expression};`;
      })
      .join('');
    const store = outputs.map((k) => `out[${k}]=s${k};`).join('');
    chunks.push(`function c${chunks.length}(x,o,out){${reads}${load}${sums}${store}}`);
  }
  const base = e.baseMargin.map((m, k) => `out[${k}]=${literal(leaf(m))};`).join('');
  const calls = chunks.map((_, i) => `c${i}(x,o,out);`).join('');
  return `'use strict';\n${chunks.join('\n')}\nreturn function predict(x,o,out){${base}${calls}${linkSource(e)}};`;
}

/**
 * Validates an ensemble and compiles it into a function that writes the model's outputs.
 *
 * @throws InvalidEnsembleError naming the first problem of a malformed ensemble.
 * @example
 * const predict = compileEnsemble(readXgboostModel(text, file).ensemble);
 * const out = new Float64Array(1);
 * predict(row, 0, out); // out[0]: probability of the positive class
 */
export function compileEnsemble(e: TreeEnsemble): CompiledEnsemble {
  return new Function(ensembleSource(validateEnsemble(e)))() as CompiledEnsemble;
}
