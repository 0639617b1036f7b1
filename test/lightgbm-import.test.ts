/**
 * The LightGBM text model reader (src/model/trees/lightgbm.ts) and the reference interpreter of the
 * neutral tree form (src/model/trees/walk.ts): real files LightGBM wrote (test/fixtures/lightgbm,
 * sources in its README.md), files test/helpers/lightgbm-writer.ts writes for every objective and
 * split kind with expectations worked out by hand, and the files the reader must refuse.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { compileEnsemble } from '../src/model/trees/compile.js';
import { ZERO_THRESHOLD, type TreeEnsemble } from '../src/model/trees/ensemble.js';
import { LightgbmModelError, readLightgbmModel } from '../src/model/trees/lightgbm.js';
import { createRandom } from '../src/util/random.js';
import { leafOf, walkEnsemble, walkMargins } from '../src/model/trees/walk.js';

/** LightGBM's kZeroThreshold (`1e-35f` widened to double), as it writes it in a threshold; NOT the double 1e-35. */
const K_ZERO = 1.0000000180025095e-35;
import { formatG17, writeLightgbmModel, type LgbModelSpec, type LgbNode } from './helpers/lightgbm-writer.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/lightgbm');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

/** The next double above `x` (x finite and positive). */
function nextUp(x: number): number {
  const b = new Float64Array([x]);
  const u = new BigUint64Array(b.buffer);
  u[0]! += 1n;
  return b[0]!;
}

function score(e: TreeEnsemble, row: readonly number[]): number[] {
  const out = new Float64Array(e.nOutputs);
  walkEnsemble(e, row, 0, out);
  return [...out];
}

const sigmoid = (m: number): number => 1 / (1 + Math.exp(-m));

describe('files LightGBM wrote', () => {
  test('lleaves tiniest_single_tree (regression, numeric splits): hand-walked rows', () => {
    const m = readLightgbmModel(fixture('lleaves-tiniest-single-tree.txt'), 'tiniest');
    assert.equal(m.objective, 'regression');
    assert.equal(m.nClasses, 0);
    assert.equal(m.version, 'v3');
    assert.deepEqual(m.featureNames, ['Column_0', 'Column_1', 'Column_2']);
    assert.equal(m.featureInfos[1], '[0.0012873821812783293:0.99835651533227632]');
    assert.equal(m.pandasCategorical, null);
    assert.equal(m.ensemble.link, 'identity');
    // The tree: node0 x1 <= 0.73144941452196321 ? node1 : node2;
    //           node1 x2 <= 0.90708366268745222 ? leaf0 : leaf2;
    //           node2 x2 <= 0.85551601478390116 ? leaf1 : leaf3.
    // decision_type=2: default left, missing type None — NaN is read as 0 and compared.
    const leaf = [0.49510661266514339, 0.50645382200299838, 0.50688948369558862, 0.49040602357823876];
    const cases: [number[], number][] = [
      [[0.5, 0.5, 0.5], leaf[0]!], // 0.5 <= 0.731 → node1; 0.5 <= 0.907 → leaf0
      [[0, 0.9, 0.9], leaf[3]!], // 0.9 > 0.731 → node2; 0.9 > 0.856 → leaf3
      [[0, 0.73144941452196321, 0.95], leaf[2]!], // exactly at the threshold goes left → node1; 0.95 > 0.907 → leaf2
      [[0, nextUp(0.73144941452196321), 0.8], leaf[1]!], // one ulp above → node2; 0.8 <= 0.856 → leaf1
      [[NaN, NaN, NaN], leaf[0]!], // None: NaN read as 0 → node1 → leaf0
      [[0, NaN, 0.95], leaf[2]!], // NaN → 0 → node1; 0.95 → leaf2
    ];
    for (const [row, want] of cases) assert.deepEqual(score(m.ensemble, row), [want], `row ${row.join(', ')}`);
  });

  test('lleaves pure_categorical (regression, categorical splits): truncation, negative, NaN and beyond-the-bitset categories', () => {
    const m = readLightgbmModel(fixture('lleaves-pure-categorical.txt'), 'pure_categorical');
    // node0: x1 categorical, bitset 0 = cat_threshold[0..1) = 576 = bits 6 and 9 → {6, 9} go left to leaf0;
    // node1: x0 categorical, bitset 1 = cat_threshold[1..2) = 23 = 0b10111 → {0, 1, 2, 4} go left to leaf1, else leaf2.
    assert.deepEqual(m.ensemble.trees[0]!.leftCategories.slice(0, 2), [[6, 9], [0, 1, 2, 4]]);
    const [leaf0, leaf1, leaf2] = [12.616231057968633, 10.048276920678525, 9.2489478721549396];
    const cases: [number[], number][] = [
      [[3, 6, 0], leaf0], // 6 ∈ {6, 9}
      [[3, 9, 0], leaf0],
      [[3, 6.99, 0], leaf0], // static_cast<int>(6.99) = 6
      [[4, 1, 0], leaf1], // 1 ∉ {6, 9} → node1; 4 ∈ {0, 1, 2, 4}
      [[4.9, 1, 0], leaf1], // 4.9 → 4
      [[-0.5, 1, 0], leaf1], // static_cast<int>(-0.5) = 0, not negative: category 0
      [[0, -0.5, 0], leaf1], // x1 -0.5 → 0 ∉ {6, 9} → node1; 0 ∈ set
      [[-1, 1, 0], leaf2], // a negative category goes right
      [[3, 1, 0], leaf2], // 3 ∉ {0, 1, 2, 4}
      [[2, 40, 0], leaf1], // 40 is past the bitset's one word: right at node0; 2 ∈ set
      [[40, 40, 0], leaf2], // past the bitset at both
      [[NaN, NaN, 0], leaf2], // NaN goes right at a categorical split
      [[1, NaN, 0], leaf1], // NaN right at node0; 1 ∈ set
      [[Infinity, -Infinity, 0], leaf2],
    ];
    for (const [row, want] of cases) assert.deepEqual(score(m.ensemble, row), [want], `row ${row.join(', ')}`);
  });

  test('leaves lg_dart_breast_cancer (binary, v2, DART): margins equal the raw predictions published beside it, bit for bit', () => {
    const m = readLightgbmModel(fixture('leaves-dart-breast-cancer.txt'), 'dart');
    assert.equal(m.objective, 'binary');
    assert.equal(m.nClasses, 2);
    assert.equal(m.ensemble.trees.length, 10);
    const rows = fixture('leaves-breast-cancer-test-head.tsv').trim().split('\n').map((l) => l.split('\t').map(Number));
    const raw = fixture('leaves-dart-breast-cancer-predictions-head.txt').trim().split('\n').map(Number);
    assert.equal(rows.length, 9);
    assert.equal(raw.length, 9);
    // Row 0 through tree 0 by hand: node0 x22 = 113.3 <= 114.45 → node1 (left_child[0] = 1);
    // node1 x27 = 0.2051 > 0.14575000000000002 → right_child[1] = -3 = leaf 2, value 0.38659775779059097.
    const tree0 = m.ensemble.trees[0]!;
    const nInternal = 9;
    assert.equal(leafOf(m.ensemble, tree0, rows[0]!, 0), nInternal + 2);
    assert.equal(tree0.value[nInternal + 2], 0.38659775779059097);
    rows.forEach((row, i) => {
      const [margin] = walkMargins(m.ensemble, row, 0);
      assert.equal(margin, raw[i], `row ${i}`);
      assert.equal(score(m.ensemble, row)[0], sigmoid(raw[i]!), `row ${i}`);
    });
    // Row 8 has exact zeros in features 6, 7, 16, 17, 26, 27 (missing type None: plain zeros).
    assert.equal(rows[8]![6], 0);
  });

  test('the writer formats every threshold and leaf value of the real files exactly as LightGBM did (%.17g)', () => {
    let checked = 0;
    for (const name of ['lleaves-tiniest-single-tree.txt', 'lleaves-pure-categorical.txt', 'leaves-dart-breast-cancer.txt']) {
      for (const line of fixture(name).split('\n')) {
        if (!line.startsWith('threshold=') && !line.startsWith('leaf_value=')) continue;
        for (const token of line.slice(line.indexOf('=') + 1).split(' ')) {
          assert.equal(formatG17(Number(token)), token);
          checked++;
        }
      }
    }
    assert.ok(checked > 300, `${checked} numbers checked`);
  });
});

// ---------------------------------------------------------------------------------------------
// Files the writer makes. Regression with leaf values that are distinct powers of two: the summed
// output says which side every tree took, so each expectation below is a hand-written list of sides.

const leaves = (i: number): { left: LgbNode; right: LgbNode } => ({ left: { leaf: 2 ** (2 * i) }, right: { leaf: 2 ** (2 * i + 1) } });

/** x0 is numeric, x1 categorical. */
const EVERY_BRANCH: LgbNode[] = [
  { feature: 0, threshold: 1.5, missing: 'None', defaultLeft: true, ...leaves(0) }, // T0
  { feature: 0, threshold: 1.5, missing: 'Zero', defaultLeft: true, ...leaves(1) }, // T1
  { feature: 0, threshold: 1.5, missing: 'Zero', defaultLeft: false, ...leaves(2) }, // T2
  { feature: 0, threshold: -1, missing: 'Zero', defaultLeft: true, ...leaves(3) }, // T3: zero goes left though 0 > -1
  { feature: 0, threshold: 1.5, missing: 'NaN', defaultLeft: true, ...leaves(4) }, // T4
  { feature: 0, threshold: 1.5, missing: 'NaN', defaultLeft: false, ...leaves(5) }, // T5
  { feature: 1, categories: [1, 33, 64, 95], missing: 'NaN', ...leaves(6) }, // T6: a three-word bitset
  { feature: 1, categories: [0, 2], missing: 'None', ...leaves(7) }, // T7
  { leaf: 2 ** 16 }, // T8: a single leaf
  {
    // T9: x0 <= 0 ? (x1 ∈ {5} ? 2^17 : 2^18) : (x0 <= 10 (NaN, default left) ? 2^19 : 2^20)
    feature: 0,
    threshold: 0,
    left: { feature: 1, categories: [5], left: { leaf: 2 ** 17 }, right: { leaf: 2 ** 18 } },
    right: { feature: 0, threshold: 10, missing: 'NaN', defaultLeft: true, left: { leaf: 2 ** 19 }, right: { leaf: 2 ** 20 } },
  },
];

/** The output for the sides T0…T7 took (a string of L/R) and T9's leaf (17…20). */
function expected(sides: string, t9Leaf: number): number {
  assert.equal(sides.length, 8);
  let sum = 0;
  [...sides].forEach((side, i) => (sum += side === 'L' ? 2 ** (2 * i) : 2 ** (2 * i + 1)));
  return sum + 2 ** 16 + 2 ** t9Leaf;
}

describe('files the writer makes', () => {
  test('regression, every numeric and categorical branch: NaN, ±0, ±tiny, at the threshold, negative, truncated and out-of-bitset categories', () => {
    const text = writeLightgbmModel({ objective: 'regression', featureNames: ['x0', 'x1'], trees: EVERY_BRANCH });
    const m = readLightgbmModel(text, 'every-branch.txt');
    assert.equal(m.ensemble.trees.length, 10);
    assert.equal(ZERO_THRESHOLD, K_ZERO);
    assert.ok(K_ZERO > 1e-35);
    // T0 None/DL; T1 Zero/DL; T2 Zero/DR; T3 Zero/DL at -1; T4 NaN/DL; T5 NaN/DR; T6 {1,33,64,95}; T7 {0,2}.
    const cases: [number[], string, number][] = [
      [[NaN, NaN], 'LLRLLRRR', 18], // T0 NaN→0; T1-T3 NaN→0 is zero → default; T4/T5 default; T6/T7 NaN right; T9 NaN→0 ≤ 0, x1 NaN right
      [[0, 0], 'LLRLLLRL', 18], // zero is missing for T1-T3; T7 0 ∈ {0,2}; T9 0 ≤ 0, 0 ∉ {5}
      [[-0, -0.5], 'LLRLLLRL', 18], // -0 is zero; -0.5 truncates to category 0
      [[1e-36, 1], 'LLRLLLLR', 19], // 1e-36 is zero for Zero; 1 ∈ T6; T9 1e-36 > 0, ≤ 10
      [[-K_ZERO, 33], 'LLRLLLLR', 18], // exactly -kZeroThreshold is still zero; 33 ∈ T6 (word 1)
      [[K_ZERO, 33], 'LLRLLLLR', 19], // so is +kZeroThreshold, though it is above the double 1e-35; T9 K_ZERO > 0
      [[nextUp(K_ZERO), 64], 'LLLRLLLR', 19], // one ulp above kZeroThreshold is not zero; 64 ∈ T6 (word 2)
      [[1.5, 95], 'LLLRLLLR', 19], // at the threshold goes left; 95 is the last bit of the last word
      [[nextUp(1.5), 96], 'RRRRRRRR', 19], // one ulp above goes right; 96 is past the bitset
      [[-1, 33.9], 'LLLLLLLR', 18], // T3 -1 ≤ -1; 33.9 truncates to 33; T9 x1 33 ∉ {5}
      [[Infinity, -1], 'RRRRRRRR', 20], // a negative category goes right; ∞ > 10
      [[-Infinity, 1e10], 'LLLLLLRR', 18], // 1e10 is far past any bitset
      [[2, 2.5], 'RRRRRRRL', 19], // 2.5 truncates to 2 ∈ T7
      [[-3, 5.7], 'LLLLLLRR', 17], // T9 5.7 truncates to 5 ∈ {5}
    ];
    for (const [row, sides, t9] of cases) {
      assert.deepEqual(score(m.ensemble, row), [expected(sides, t9)], `row ${row.join(', ')}: ${sides} ${t9}`);
    }
  });

  test('the decision_type, children and bitsets the writer puts in the file are LightGBM\'s encoding', () => {
    const text = writeLightgbmModel({ objective: 'regression', featureNames: ['x0', 'x1'], trees: EVERY_BRANCH });
    const section = (i: number): string => text.slice(text.indexOf(`Tree=${i}\n`), text.indexOf(`Tree=${i + 1}\n`));
    // Zero (1 << 2) | default left (2) = 6; NaN (2 << 2) | default left = 10; categorical bit 1 with NaN = 9.
    assert.match(section(1), /\ndecision_type=6\n/);
    assert.match(section(5), /\ndecision_type=8\n/);
    assert.match(section(6), /\ndecision_type=9\n[^]*\ncat_boundaries=0 3\ncat_threshold=2 2 2147483649\n/);
    assert.match(section(8), /\nnum_leaves=1\nnum_cat=0\nsplit_feature=\n[^]*\nleaf_value=65536\n/);
    assert.match(section(9), /\nleft_child=1 -1 -3\nright_child=2 -2 -4\n[^]*\ncat_boundaries=0 1\ncat_threshold=32\n/);
    const sizes = /tree_sizes=(.*)\n/.exec(text)![1]!.split(' ').map(Number);
    assert.equal(sizes[0], Buffer.byteLength(section(0)));
  });

  test('binary: sigmoid of the summed margin; sigmoid:k scales the margin', () => {
    const trees: LgbNode[] = [
      { feature: 0, threshold: 0.5, missing: 'NaN', defaultLeft: true, left: { leaf: -1.25 }, right: { leaf: 0.75 } },
      { feature: 1, categories: [3, 40], left: { leaf: 0.5 }, right: { leaf: -0.25 } },
      { leaf: 0.125 },
    ];
    const cases: [number[], number][] = [
      [[0.2, 3], -1.25 + 0.5 + 0.125],
      [[NaN, 40], -1.25 + 0.5 + 0.125],
      [[0.7, 41], 0.75 - 0.25 + 0.125],
      [[0.5, NaN], -1.25 - 0.25 + 0.125],
    ];
    for (const k of [1, 2, 0.5]) {
      const m = readLightgbmModel(writeLightgbmModel({ objective: `binary sigmoid:${k}`, featureNames: ['a', 'b'], trees }), `binary-${k}.txt`);
      assert.equal(m.objective, 'binary');
      assert.equal(m.ensemble.link, 'sigmoid');
      for (const [row, margin] of cases) {
        assert.equal(walkMargins(m.ensemble, row, 0)[0], k * margin, `k=${k} row ${row.join(', ')}`);
        assert.equal(score(m.ensemble, row)[0], 1 / (1 + Math.exp(-k * margin)));
      }
    }
  });

  test('multiclass: tree i adds to class i % num_class, then softmax', () => {
    const trees: LgbNode[] = [
      { feature: 0, threshold: 0, left: { leaf: 1 }, right: { leaf: -1 } }, // iteration 0, class 0
      { leaf: 0.5 }, // class 1
      { feature: 1, categories: [1], left: { leaf: 2 }, right: { leaf: 0 } }, // class 2
      { leaf: 0.25 }, // iteration 1, class 0
      { feature: 0, threshold: 0, missing: 'Zero', defaultLeft: false, left: { leaf: 0.75 }, right: { leaf: -0.75 } }, // class 1
      { leaf: -0.5 }, // class 2
    ];
    const m = readLightgbmModel(writeLightgbmModel({ objective: 'multiclass num_class:3', numClass: 3, featureNames: ['a', 'b'], trees }), 'multi.txt');
    assert.equal(m.objective, 'multiclass');
    assert.equal(m.nClasses, 3);
    assert.deepEqual(m.ensemble.trees.map((t) => t.output), [0, 1, 2, 0, 1, 2]);
    const cases: [number[], number[]][] = [
      [[1, 1], [-1 + 0.25, 0.5 - 0.75, 2 - 0.5]], // 1 > 0 right at trees 0 and 4; 1 ∈ {1}
      [[0, NaN], [1 + 0.25, 0.5 - 0.75, 0 - 0.5]], // 0 ≤ 0 left at tree 0; zero is missing at tree 4 → right
      [[-2, 1.5], [1 + 0.25, 0.5 + 0.75, 2 - 0.5]], // -2 ≤ 0 left at both; 1.5 truncates to 1
    ];
    for (const [row, margins] of cases) {
      assert.deepEqual([...walkMargins(m.ensemble, row, 0)], margins, `row ${row.join(', ')}`);
      const total = margins.reduce((s, v) => s + Math.exp(v), 0);
      const probabilities = score(m.ensemble, row);
      probabilities.forEach((p, k) => assert.ok(Math.abs(p - Math.exp(margins[k]!) / total) < 1e-15, `class ${k}`));
      assert.ok(Math.abs(probabilities.reduce((s, p) => s + p, 0) - 1) < 1e-15);
    }
  });

  test('a model of single-leaf trees only, and the walk over a row at an offset in a larger array', () => {
    const m = readLightgbmModel(writeLightgbmModel({ objective: 'regression', featureNames: ['a'], trees: [{ leaf: 1.5 }, { leaf: -0.25 }] }), 'consts.txt');
    assert.deepEqual(score(m.ensemble, [NaN]), [1.25]);
    const e = readLightgbmModel(writeLightgbmModel({ objective: 'regression', featureNames: ['x0', 'x1'], trees: EVERY_BRANCH }), 'e.txt').ensemble;
    const out = new Float64Array(1);
    walkEnsemble(e, [99, 99, -3, 5.7, 99], 2, out);
    assert.equal(out[0], expected('LLLLLLRR', 17));
  });

  test('regression variants whose output is the margin are read as regression; feature names and pandas categories come back', () => {
    for (const objective of ['regression', 'regression_l1', 'huber', 'fair', 'quantile', 'mape']) {
      const m = readLightgbmModel(
        writeLightgbmModel({ objective, featureNames: ['age', 'job'], featureInfos: ['[18:95]', '0:1:2'], trees: [{ leaf: 3 }], pandasCategorical: [['admin.', 'blue-collar', 'technician']] }),
        `${objective}.txt`,
      );
      assert.equal(m.objective, 'regression', objective);
      assert.deepEqual(m.featureNames, ['age', 'job']);
      assert.deepEqual(m.featureInfos, ['[18:95]', '0:1:2']);
      assert.deepEqual(m.pandasCategorical, [['admin.', 'blue-collar', 'technician']]);
    }
  });

  test('a file with Windows line ends and no tree_sizes (as older LightGBM wrote) still reads', () => {
    const text = writeLightgbmModel({ objective: 'regression', featureNames: ['x0', 'x1'], trees: EVERY_BRANCH }).replace(/tree_sizes=.*\n/, '').replace(/\n/g, '\r\n');
    const m = readLightgbmModel(text, 'crlf.txt');
    assert.deepEqual(score(m.ensemble, [1.5, 95]), [expected('LLLRLLLR', 19)]);
  });
});

// ---------------------------------------------------------------------------------------------

const BASE: LgbModelSpec = {
  objective: 'binary sigmoid:1',
  featureNames: ['x0', 'x1'],
  trees: [
    { feature: 0, threshold: 0.5, left: { leaf: 1 }, right: { leaf: -1 } },
    { feature: 1, categories: [2, 7], left: { leaf: 0.5 }, right: { leaf: -0.5 } },
  ],
};

/** The message readLightgbmModel throws for `text`. */
function refusal(text: string): string {
  try {
    readLightgbmModel(text, 'model.txt');
  } catch (error) {
    assert.ok(error instanceof LightgbmModelError, String(error));
    assert.ok(error.message.startsWith('model.txt: '), error.message);
    return error.message;
  }
  return assert.fail('the file was accepted');
}

describe('files the reader refuses, naming the problem', () => {
  test('objectives it cannot serve', () => {
    assert.match(refusal(writeLightgbmModel({ ...BASE, objective: 'lambdarank' })), /unsupported objective "lambdarank"/);
    assert.match(refusal(writeLightgbmModel({ ...BASE, objective: 'poisson' })), /unsupported objective "poisson"/);
    assert.match(refusal(writeLightgbmModel({ ...BASE, objective: 'multiclassova num_class:2 sigmoid:1', numClass: 2, trees: [...BASE.trees] })), /one-vs-all/);
    assert.match(refusal(writeLightgbmModel({ ...BASE, objective: 'regression sqrt' })), /sqrt/);
    assert.match(refusal(writeLightgbmModel({ ...BASE, objective: null })), /no objective line.*custom objective/);
    assert.match(refusal(writeLightgbmModel({ ...BASE, objective: 'binary sigmoid:-1' })), /sigmoid must be a positive number/);
    assert.match(refusal(writeLightgbmModel({ ...BASE, objective: 'multiclass num_class:3', numClass: 2 })), /does not agree with num_class=2/);
  });

  test('linear trees and random-forest averaging', () => {
    assert.match(refusal(writeLightgbmModel({ ...BASE, linearTrees: [1] })), /tree 1 is a linear tree.*linear_tree/);
    assert.match(refusal(writeLightgbmModel({ ...BASE, averageOutput: true })), /average_output.*random-forest/);
  });

  test('what is not a LightGBM model file', () => {
    assert.match(refusal(''), /not a LightGBM text model file/);
    assert.match(refusal('{"learner": {"gradient_booster": {}}}'), /not a LightGBM text model file.*looks like JSON/);
    assert.match(refusal('age,job,y\n30,admin.,no\n'), /first line is "age,job,y"/);
    assert.match(refusal('tree\nversion=v4\n'), /no num_class line/);
  });

  test('a file cut short', () => {
    const text = writeLightgbmModel(BASE);
    const inTree1 = text.indexOf('leaf_value=', text.indexOf('Tree=1'));
    assert.match(refusal(text.slice(0, inTree1)), /tree 1 is cut short/);
    assert.match(refusal(text.slice(0, text.indexOf('end of trees'))), /cut short: no "end of trees"/);
    // Without tree_sizes (an older file) the missing lines are what is noticed.
    const old = text.replace(/tree_sizes=.*\n/, '');
    assert.match(refusal(old.slice(0, old.indexOf('leaf_value=', old.indexOf('Tree=1')))), /tree 1 is cut short|tree 1 has no leaf_value line/);
    const shortLine = writeLightgbmModel({ ...BASE, rawFields: { 0: { leaf_value: '1' } } });
    assert.match(refusal(shortLine), /tree 0: leaf_value has 1 numbers where 2 are needed/);
  });

  test('a file edited so that tree_sizes no longer matches', () => {
    const text = writeLightgbmModel(BASE).replace('leaf_value=1 -1', 'leaf_value=1 -1.5');
    assert.match(refusal(text), /tree 0 is (\d+) bytes where tree_sizes says (?!\1)\d+: the file was cut short or edited/);
  });

  test('inconsistent trees: bitset index, boundaries, children, features, decision types, numbers', () => {
    const bad = (tree: number, field: string, value: string): string => refusal(writeLightgbmModel({ ...BASE, rawFields: { [tree]: { [field]: value } } }));
    assert.match(bad(1, 'threshold', '1'), /categorical node 0 points at bitset 1, out of range: the tree has num_cat=1/);
    assert.match(bad(1, 'threshold', '0.5'), /points at bitset 0.5, out of range/);
    assert.match(bad(1, 'cat_boundaries', '0 2'), /cat_threshold has 1 numbers where 2 are needed/);
    assert.match(bad(1, 'cat_boundaries', '1 1'), /cat_boundaries "1 1" must start at 0/);
    assert.match(bad(1, 'cat_threshold', '4294967296'), /not a 32-bit word/);
    assert.match(bad(0, 'left_child', '-3'), /node 0's left child -3 is out of range/);
    assert.match(bad(0, 'right_child', '0'), /reached twice/);
    assert.match(bad(0, 'split_feature', '2'), /splits on feature 2, but the model has 2 features/);
    assert.match(bad(0, 'decision_type', '12'), /missing type 3/);
    assert.match(bad(0, 'decision_type', '16'), /bits LightGBM does not define/);
    assert.match(bad(0, 'threshold', 'abc'), /threshold holds "abc", not a number/);
    assert.match(bad(0, 'threshold', 'nan'), /threshold holds "nan", not a number/);
    assert.match(bad(0, 'leaf_value', '1 inf'), /leaf_value holds Infinity/);
    assert.match(bad(0, 'num_leaves', '0'), /num_leaves=0/);
    assert.match(bad(0, 'left_child', '-1.5'), /left_child holds "-1.5", not an integer/);
  });

  test('header that does not add up', () => {
    assert.match(refusal(writeLightgbmModel(BASE).replace('feature_names=x0 x1', 'feature_names=x0')), /feature_names lists 1 names where max_feature_idx=1 needs 2/);
    assert.match(refusal(writeLightgbmModel(BASE).replace('feature_infos=[0:1] [0:1]', 'feature_infos=[0:1]')), /feature_infos lists 1 entries/);
    assert.match(refusal(writeLightgbmModel({ ...BASE, treesPerIteration: 2 })), /num_tree_per_iteration=2 does not match/);
    const multi = { ...BASE, objective: 'multiclass num_class:3', numClass: 3 };
    assert.match(refusal(writeLightgbmModel(multi)), /2 trees, not a whole number of iterations of 3/);
    assert.match(refusal(writeLightgbmModel({ ...BASE, trees: [] })), /no trees/);
  });

  test('a tree in the format of LightGBM before 2.0', () => {
    const old = writeLightgbmModel({ ...BASE, rawFields: { 0: { num_cat: '', has_categorical: '0' } } }).replace('num_cat=\n', '');
    assert.match(refusal(old.replace(/tree_sizes=.*\n/, '')), /tree 0 is in the format of LightGBM before 2\.0/);
  });
});

// ---------------------------------------------------------------------------------------------
// The reference interpreter on ensembles built by hand, for the rules no LightGBM file uses
// (XGBoost's float32 `<`, exact category codes, a base margin) and for malformed trees.

/** One split on feature 0 with leaves -1 (left) and +1 (right). */
function stump(fields: { threshold?: number; missing?: 'nan' | 'zero' | 'none'; defaultLeft?: boolean; cats?: number[] | null; output?: number }) {
  return {
    output: fields.output ?? 0,
    feature: [0, -1, -1],
    threshold: [fields.threshold ?? 0, 0, 0],
    left: [1, -1, -1],
    right: [2, -1, -1],
    value: [0, -1, 1],
    defaultLeft: [fields.defaultLeft ?? false, false, false],
    missing: [fields.missing ?? 'nan', 'none', 'none'] as ('nan' | 'zero' | 'none')[],
    leftCategories: [fields.cats ?? null, null, null],
  };
}

function ensemble(over: Partial<TreeEnsemble>): TreeEnsemble {
  return { nFeatures: 1, nOutputs: 1, baseMargin: [0], link: 'identity', comparePrecision: 'float64', comparison: 'le', trees: [], ...over };
}

describe('walk: the rules of the neutral form', () => {
  test('float32 rounds the value and the threshold before comparing; lt and le differ exactly at the threshold', () => {
    // 0.1 as a double is below float32(0.1) = 0.10000000149011612, but equal to it once rounded.
    const f32lt = ensemble({ comparePrecision: 'float32', comparison: 'lt', trees: [stump({ threshold: 0.1 })] });
    const f64lt = ensemble({ comparePrecision: 'float64', comparison: 'lt', trees: [stump({ threshold: Math.fround(0.1) })] });
    const f64le = ensemble({ comparePrecision: 'float64', comparison: 'le', trees: [stump({ threshold: 0.1 })] });
    assert.deepEqual(score(f32lt, [0.1]), [1]); // fround(0.1) < fround(0.1) is false: right
    assert.deepEqual(score(f32lt, [0.099999998]), [1]); // within half a float32 ulp of it: the same float32, right
    assert.deepEqual(score(f32lt, [0.0999999]), [-1]); // a float32 below: left
    assert.deepEqual(score(f64lt, [0.1]), [-1]); // 0.1 < 0.10000000149 in double: left
    assert.deepEqual(score(f64le, [0.1]), [-1]); // at the threshold, le goes left
    assert.deepEqual(score(ensemble({ comparison: 'lt', trees: [stump({ threshold: 0.1 })] }), [0.1]), [1]);
  });

  test('exact category codes (the default cast): only non-negative integers are codes; a missing rule applies first', () => {
    const e = (missing: 'nan' | 'zero' | 'none', defaultLeft: boolean) => ensemble({ trees: [stump({ cats: [0, 3], missing, defaultLeft })] });
    assert.deepEqual(score(e('nan', false), [3]), [-1]);
    assert.deepEqual(score(e('nan', false), [3.5]), [1]); // not an integer: right (LightGBM's truncation is opt-in)
    assert.deepEqual(score(e('nan', false), [-0]), [-1]); // -0 is code 0
    assert.deepEqual(score(e('nan', false), [-3]), [1]);
    assert.deepEqual(score(e('nan', true), [NaN]), [-1]); // missing, default left
    assert.deepEqual(score(e('none', false), [NaN]), [-1]); // none: NaN is read as 0, and 0 goes left
    assert.deepEqual(score(e('zero', false), [0]), [1]); // zero: 0 is missing, default right
    assert.deepEqual(score(e('zero', false), [NaN]), [1]);
    const truncating = ensemble({ categoryCast: 'truncate', trees: [stump({ cats: [0, 3] })] });
    assert.deepEqual(score(truncating, [3.5]), [-1]);
    assert.deepEqual(score(truncating, [-0.9]), [-1]); // truncates to 0
    assert.deepEqual(score(truncating, [-1]), [1]);
  });

  test('base margins start the sums; trees add to their own output; links apply', () => {
    const trees = [stump({ output: 0 }), stump({ output: 1 }), stump({ output: 1, threshold: 5 })];
    const e = ensemble({ nOutputs: 2, baseMargin: [0.5, -0.25], link: 'softmax', trees });
    assert.deepEqual([...walkMargins(e, [1], 0)], [0.5 + 1, -0.25 + 1 - 1]);
    const [p0, p1] = score(e, [1]);
    assert.ok(Math.abs(p0! - 1 / (1 + Math.exp(-0.25 - 1.5))) < 1e-15);
    assert.ok(Math.abs(p0! + p1! - 1) < 1e-15);
    assert.deepEqual(score(ensemble({ baseMargin: [2], link: 'sigmoid', trees: [stump({})] }), [1]), [sigmoid(3)]);
    // softmax of huge margins does not overflow (the largest is subtracted first)
    const big = ensemble({ nOutputs: 2, baseMargin: [1000, 999], link: 'softmax', trees: [] });
    const [b0, b1] = score(big, []);
    assert.ok(Math.abs(b0! - 1 / (1 + Math.exp(-1))) < 1e-15 && Math.abs(b1! - 1 / (1 + Math.exp(1))) < 1e-15);
  });

  test('a tree whose children loop is an error, not an endless walk', () => {
    const loop = { ...stump({}), left: [0, -1, -1] };
    assert.throws(() => score(ensemble({ trees: [loop] }), [-5]), /cycle/);
  });
});

describe('the compiled scorer agrees with the walk on LightGBM files', () => {
  // Values where LightGBM's rules bite: NaN, zeros and the zero band, negative and fractional
  // category codes, codes past the bitsets, and ordinary numbers.
  const POOL = [Number.NaN, 0, -0, 1e-36, -1e-36, K_ZERO, 2e-35, -0.5, 0.5, 1, 2, 2.7, 6.99, 9, 31, 32, 64, 100, -1, -3.2, 1e6];
  for (const name of ['lleaves-tiniest-single-tree.txt', 'lleaves-pure-categorical.txt', 'leaves-dart-breast-cancer.txt']) {
    test(name, () => {
      const { ensemble } = readLightgbmModel(fixture(name), name);
      const compiled = compileEnsemble(ensemble);
      const rng = createRandom(7);
      const x = new Float64Array(ensemble.nFeatures);
      const fast = new Float64Array(ensemble.nOutputs);
      const slow = new Float64Array(ensemble.nOutputs);
      for (let r = 0; r < 2000; r++) {
        for (let j = 0; j < x.length; j++) x[j] = rng.next() < 0.7 ? POOL[rng.int(POOL.length)] : rng.normal() * 50;
        compiled(x, 0, fast);
        walkEnsemble(ensemble, x, 0, slow);
        assert.deepEqual([...fast], [...slow], `row ${[...x].join(', ')}`);
      }
    });
  }
});
