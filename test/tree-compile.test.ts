/**
 * The tree-ensemble compiler follows every routing rule of the neutral form (src/model/trees/
 * ensemble.ts) exactly: random ensembles under every combination of precision, comparison, summing
 * and link, with every missing rule, default branch and categorical set, score random rows made of
 * the awkward values (NaN, ±0, values inside LightGBM's zero band, thresholds and their float32
 * neighbours, fractional and negative category codes) exactly as a plain interpreter written from
 * that file's documentation scores them. And validateEnsemble names the first problem of a
 * malformed ensemble, so nothing but numbers reaches the generated source.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileEnsemble, ensembleSource } from '../src/model/trees/compile.js';
import { ZERO_THRESHOLD } from '../src/model/trees/ensemble.js';
import type { EnsembleTree, Link, MissingRule, TreeEnsemble } from '../src/model/trees/ensemble.js';
import { InvalidEnsembleError, validateEnsemble } from '../src/model/trees/validate.js';
import { walkEnsemble } from '../src/model/trees/walk.js';
import { createRandom, type Random } from '../src/util/random.js';

/** The reference interpreter's answer (walk.ts): the rules written out once, node by node. */
function interpret(e: TreeEnsemble, x: ArrayLike<number>): number[] {
  const out = new Float64Array(e.nOutputs);
  walkEnsemble(e, x, 0, out);
  return [...out];
}

/** Thresholds that sit where the rules differ: at 0, inside the zero band, between float32 neighbours. */
const THRESHOLDS = [0, -0, 1e-36, -1e-36, 0.3, Math.fround(0.3), 0.1, -2.5, 1, 3, 1e300];
const MISSING_RULES: readonly MissingRule[] = ['nan', 'zero', 'none'];

function inputValue(rng: Random): number {
  const pool = [NaN, 0, -0, 1e-36, -1e-36, 2e-35, ZERO_THRESHOLD, 0.3, Math.fround(0.3), 0.30000000000000004, 0.29999999, 1, 2, 3, 4, 5, 2.5, -1, -2.5, 1e300, 0.1];
  return rng.next() < 0.8 ? pool[rng.int(pool.length)] : rng.normal() * 3;
}

function randomTree(rng: Random, nFeatures: number, output: number, maxDepth: number): EnsembleTree {
  const t = { output, feature: [] as number[], threshold: [] as number[], left: [] as number[], right: [] as number[], value: [] as number[], defaultLeft: [] as boolean[], missing: [] as MissingRule[], leftCategories: [] as (number[] | null)[] };
  const grow = (depth: number): number => {
    const i = t.feature.length;
    const leaf = depth === maxDepth || (depth > 1 && rng.next() < 0.2);
    t.feature.push(leaf ? -1 : rng.int(nFeatures));
    t.threshold.push(THRESHOLDS[rng.int(THRESHOLDS.length)]);
    t.value.push(leaf ? rng.normal() * 0.4 : 0);
    t.defaultLeft.push(rng.next() < 0.5);
    t.missing.push(MISSING_RULES[rng.int(3)]);
    t.leftCategories.push(!leaf && rng.next() < 0.3 ? [0, 1, 2, 3, 4, 5].filter(() => rng.next() < 0.4) : null);
    t.left.push(-1);
    t.right.push(-1);
    if (!leaf) {
      t.left[i] = grow(depth + 1);
      t.right[i] = grow(depth + 1);
    }
    return i;
  };
  grow(0);
  return t;
}

function randomEnsemble(rng: Random, settings: Pick<TreeEnsemble, 'comparePrecision' | 'comparison' | 'sumPrecision' | 'link' | 'categoryCast'>): TreeEnsemble {
  const nOutputs = settings.link === 'softmax' ? 3 : 1;
  const nFeatures = 4;
  return {
    nFeatures,
    nOutputs,
    baseMargin: Array.from({ length: nOutputs }, () => rng.normal()),
    ...settings,
    trees: Array.from({ length: 30 }, (_, i) => randomTree(rng, nFeatures, i % nOutputs, 1 + rng.int(5))),
  };
}

describe('compiled ensembles score exactly as the rules say', () => {
  const rng = createRandom(13);
  for (const comparePrecision of ['float32', 'float64'] as const) {
    for (const comparison of ['lt', 'le'] as const) {
      for (const sumPrecision of [undefined, 'float32', 'float64'] as const) {
        for (const link of ['identity', 'sigmoid', 'softmax'] as Link[]) {
          // Category casts alternate, so each setting meets exact codes or LightGBM's truncation.
          const categoryCast = link === 'sigmoid' ? ('truncate' as const) : comparison === 'lt' ? undefined : ('exact' as const);
          test(`${comparePrecision} ${comparison} sum ${sumPrecision ?? '(default)'} ${link} categories ${categoryCast ?? '(default)'}`, () => {
            const e = randomEnsemble(rng, { comparePrecision, comparison, sumPrecision, link, categoryCast });
            const predict = compileEnsemble(e);
            const out = new Float64Array(e.nOutputs + 1).fill(-7);
            const x = new Float64Array(2 + e.nFeatures);
            for (let r = 0; r < 400; r++) {
              for (let j = 0; j < e.nFeatures; j++) x[2 + j] = inputValue(rng);
              predict(x, 2, out);
              assert.deepEqual([...out.subarray(0, e.nOutputs)], interpret(e, x.subarray(2)), `row ${x.subarray(2).join(', ')}`);
              assert.equal(out[e.nOutputs], -7, 'writes only nOutputs outputs');
            }
          });
        }
      }
    }
  }

  test('float32 rounds inputs and thresholds before comparing; float64 does not', () => {
    // 0.3 as a float64 is below its float32 rounding; as float32 the two are equal, so `<` fails.
    const stump = (comparePrecision: 'float32' | 'float64'): TreeEnsemble => ({
      nFeatures: 1, nOutputs: 1, baseMargin: [0], link: 'identity', comparePrecision, comparison: 'lt',
      trees: [{ output: 0, feature: [0, -1, -1], threshold: [Math.fround(0.3), 0, 0], left: [1, -1, -1], right: [2, -1, -1], value: [0, 1, 2], defaultLeft: [false, false, false], missing: ['nan', 'nan', 'nan'], leftCategories: [null, null, null] }],
    });
    const score = (e: TreeEnsemble, v: number) => { const out = new Float64Array(1); compileEnsemble(e)([v], 0, out); return out[0]; };
    assert.equal(score(stump('float64'), 0.3), 1);
    assert.equal(score(stump('float32'), 0.3), 2);
  });

  test('float32 sums round after every tree: 1e8 + 1 + 1 stays 1e8', () => {
    const leaf = (value: number): EnsembleTree => ({ output: 0, feature: [-1], threshold: [0], left: [-1], right: [-1], value: [value], defaultLeft: [false], missing: ['nan'], leftCategories: [null] });
    const e: TreeEnsemble = { nFeatures: 1, nOutputs: 1, baseMargin: [1e8], link: 'identity', comparePrecision: 'float32', comparison: 'lt', trees: [leaf(1), leaf(1)] };
    const out = new Float64Array(1);
    compileEnsemble({ ...e, sumPrecision: 'float32' })([0], 0, out);
    assert.equal(out[0], 1e8);
    compileEnsemble(e)([0], 0, out);
    assert.equal(out[0], 1e8 + 2);
  });

  test('large ensembles are split into chunks of trees', () => {
    const e = randomEnsemble(createRandom(1), { comparePrecision: 'float32', comparison: 'lt', link: 'sigmoid' });
    assert.equal(ensembleSource(e).match(/function c\d+\(/g)?.length, 4, '30 trees in chunks of 8');
  });
});

describe('validateEnsemble names the first problem', () => {
  const valid = (): TreeEnsemble => randomEnsemble(createRandom(2), { comparePrecision: 'float64', comparison: 'le', link: 'softmax' });
  type Mutable = { -readonly [K in keyof TreeEnsemble]: unknown } & { trees: Record<string, unknown[] | number>[] };
  const cases: [string, (e: Mutable) => void, RegExp][] = [
    ['a threshold that is code, not a number', (e) => { (e.trees[0].leftCategories as unknown[])[0] = null; (e.trees[0].threshold as unknown[])[0] = '0;process.exit(1)'; }, /tree 0 node 0: threshold is "0;process.exit\(1\)", expected a finite number/],
    ['a NaN threshold', (e) => { (e.trees[0].leftCategories as unknown[])[0] = null; (e.trees[0].threshold as unknown[])[0] = NaN; }, /tree 0 node 0: threshold is NaN/],
    ['a feature index past nFeatures', (e) => { (e.trees[0].feature as unknown[])[0] = 4; }, /tree 0 node 0: feature is 4, expected an integer from 0 to 3/],
    ['a fractional feature index', (e) => { (e.trees[0].feature as unknown[])[0] = 1.5; }, /feature is 1.5/],
    ['a child before its parent', (e) => { (e.trees[0].left as unknown[])[0] = 0; }, /tree 0 node 0: left child is 0, expected an integer from 1 to/],
    ['a leaf with one child', (e) => { const t = e.trees[1]; const leafAt = (t.left as number[]).indexOf(-1); (t.right as unknown[])[leafAt] = 1; }, /one child is -1 and the other 1/],
    ['a non-finite leaf', (e) => { const t = e.trees[2]; (t.value as unknown[])[(t.left as number[]).indexOf(-1)] = Infinity; }, /leaf value is Infinity/],
    ['a category code that is a string', (e) => { const t = e.trees[0]; (t.leftCategories as unknown[])[0] = ['1']; (t.feature as unknown[])[0] = 0; }, /tree 0 node 0: left category 0 \(ascending, no repeats\) is "1"/],
    ['categories out of order', (e) => { (e.trees[0].leftCategories as unknown[])[0] = [3, 1]; }, /left category 1 \(ascending, no repeats\) is 1, expected an integer from 4/],
    ['an unknown missing rule', (e) => { (e.trees[0].missing as unknown[])[0] = 'maybe'; }, /tree 0 node 0: missing is "maybe", expected one of "nan", "zero", "none"/],
    ['arrays of different lengths', (e) => { (e.trees[0].value as unknown[]).push(0); }, /tree 0: value has \d+ entries, expected \d+ \(one per node\)/],
    ['an output past nOutputs', (e) => { e.trees[4].output = 3; }, /tree 4: output is 3, expected an integer from 0 to 2/],
    ['a base margin per output', (e) => { e.baseMargin = [0]; }, /baseMargin must be an array of 3 numbers/],
    ['softmax with one output', (e) => { e.nOutputs = 1; }, /link softmax with 1 outputs: softmax needs at least 2/],
    ['an unknown link', (e) => { e.link = 'tanh'; }, /link is "tanh", expected one of "sigmoid", "softmax", "identity"/],
    ['an unknown comparison', (e) => { e.comparison = '<'; }, /comparison is "<"/],
  ];
  for (const [name, mutate, message] of cases) {
    test(name, () => {
      const e = structuredClone(valid()) as unknown as Mutable;
      mutate(e);
      assert.throws(() => compileEnsemble(e as unknown as TreeEnsemble), (error: unknown) => {
        assert.ok(error instanceof InvalidEnsembleError);
        assert.match(error.message, /^invalid tree ensemble: /);
        assert.match(error.message, message);
        return true;
      });
    });
  }

  test('a node that two parents share', () => {
    const e: TreeEnsemble = {
      nFeatures: 1, nOutputs: 1, baseMargin: [0], link: 'identity', comparePrecision: 'float64', comparison: 'le',
      trees: [{ output: 0, feature: [0, 0, -1, -1], threshold: [0, 1, 0, 0], left: [1, 2, -1, -1], right: [2, 3, -1, -1], value: [0, 0, 1, 2], defaultLeft: [false, false, false, false], missing: ['nan', 'nan', 'nan', 'nan'], leftCategories: [null, null, null, null] }],
    };
    assert.throws(() => validateEnsemble(e), /tree 0 node 2 is the child of 2 nodes/);
  });

  test('a valid ensemble passes unchanged', () => {
    const e = valid();
    assert.equal(validateEnsemble(e), e);
  });
});
