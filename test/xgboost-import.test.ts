/**
 * An XGBoost model read from its JSON file and compiled predicts what XGBoost predicts, to 1e-6 on
 * every row: XGBoost 1.7 (Debian's python3-xgboost) trains models on scikit-learn's bundled data
 * sets, on data with missing values, on categorical columns and on the real bank-full data, and
 * records its own predictions (test/helpers/xgboost-oracle.py). Files XGBoost writes that modelwatch
 * does not read are refused with a message that names the problem.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ArtifactError } from '../src/errors.js';
import { compileEnsemble } from '../src/model/trees/compile.js';
import { readXgboostModel, type XgboostModel } from '../src/model/trees/xgboost.js';
import { pythonModulesMissing, runPython } from './helpers/debian-python.js';
import { skipUnlessTool } from './helpers/tools.js';

const ORACLE = fileURLToPath(new URL('./helpers/xgboost-oracle.py', import.meta.url));
const BANK_FULL = fileURLToPath(new URL('../../shared/data/bank-full.csv', import.meta.url));
const TOLERANCE = 1e-6;

const skip = skipUnlessTool(pythonModulesMissing(['xgboost', 'sklearn', 'numpy', 'pandas']));

interface Expected {
  readonly rows: (number | null)[][];
  readonly outputs: number[][];
  readonly seconds: number;
}

describe('XGBoost JSON models predict here what they predict in XGBoost', { skip }, () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'modelwatch-xgboost-'));
    runPython(readFileSync(ORACLE, 'utf8'), [dir, existsSync(BANK_FULL) ? BANK_FULL : ''], 120_000);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const read = (name: string): XgboostModel => readXgboostModel(readFileSync(join(dir, `${name}.json`), 'utf8'), `${name}.json`);
  const expected = (name: string): Expected => JSON.parse(readFileSync(join(dir, `${name}.expected.json`), 'utf8')) as Expected;

  /** Scores every row; returns the outputs, one array per row. */
  function score(model: XgboostModel, rows: readonly (number | null)[][], ensemble = model.ensemble): Float64Array[] {
    const predict = compileEnsemble(ensemble);
    const d = ensemble.nFeatures;
    const x = new Float64Array(rows.length * d);
    rows.forEach((row, i) => {
      assert.equal(row.length, d, `row ${i} has ${d} inputs`);
      row.forEach((v, j) => { x[i * d + j] = v ?? NaN; });
    });
    return rows.map((_, i) => {
      const out = new Float64Array(ensemble.nOutputs);
      predict(x, i * d, out);
      return out;
    });
  }

  /** The largest difference from XGBoost's outputs, and the first row that differs by more than the tolerance. */
  function compare(got: readonly Float64Array[], want: Expected): { max: number; firstBad?: string } {
    assert.equal(got.length, want.outputs.length);
    let max = 0;
    let firstBad: string | undefined;
    got.forEach((out, i) => {
      assert.equal(out.length, want.outputs[i].length, `row ${i}: number of outputs`);
      out.forEach((v, k) => {
        const d = Math.abs(v - want.outputs[i][k]);
        if (!(d <= max)) max = Number.isNaN(d) ? Infinity : d;
        if (!(d <= TOLERANCE) && firstBad === undefined) firstBad = `row ${i} output ${k}: ${v} here, ${want.outputs[i][k]} in XGBoost`;
      });
    });
    return { max, ...(firstBad ? { firstBad } : {}) };
  }

  function assertAgrees(t: TestContext, name: string): { model: XgboostModel; got: Float64Array[]; want: Expected } {
    const model = read(name);
    const want = expected(name);
    const got = score(model, want.rows);
    const { max, firstBad } = compare(got, want);
    assert.equal(firstBad, undefined, `${name}: ${firstBad} (largest difference ${max})`);
    t.diagnostic(`${name}: ${got.length} rows, largest difference from XGBoost ${max}`);
    return { model, got, want };
  }

  test('binary:logistic (breast cancer, 569 rows): the probability of the positive class on every row', (t) => {
    const { model } = assertAgrees(t, 'breast-cancer');
    assert.equal(model.objective, 'binary:logistic');
    assert.equal(model.nClasses, 2);
    assert.equal(model.ensemble.link, 'sigmoid');
    assert.equal(model.ensemble.nFeatures, 30);
    assert.equal(model.ensemble.trees.length, 100);
    assert.ok(model.ensemble.baseMargin.length === 1 && model.ensemble.baseMargin[0] === 0, 'base_score 0.5 is the margin 0');
  });

  test('missing values take each node\'s default branch; base_score 0.3 starts from its float32 logit', (t) => {
    const { model, want } = assertAgrees(t, 'breast-cancer-missing');
    assert.ok(want.rows.flat().filter((v) => v === null).length > 1000, 'a quarter of the inputs are missing');
    assert.ok(model.ensemble.trees.some((t) => t.defaultLeft.some((d, i) => d && t.left[i] !== -1)), 'some node sends a missing value left');
    assert.ok(Math.abs(model.ensemble.baseMargin[0] - Math.log(0.3 / 0.7)) < 1e-6);
  });

  test('early stopping: a file saved by XGBClassifier predicts with the rounds up to the best one, a Booster\'s with all', (t) => {
    const wrapper = assertAgrees(t, 'early-stopped').model;
    assert.ok(wrapper.roundsUsed < wrapper.rounds, `${wrapper.roundsUsed} of ${wrapper.rounds} rounds`);
    assert.equal(wrapper.ensemble.trees.length, wrapper.roundsUsed);
    const booster = assertAgrees(t, 'early-stopped-booster').model;
    assert.equal(booster.roundsUsed, booster.rounds);
    assert.equal(booster.ensemble.trees.length, booster.rounds);
  });

  test('multi:softprob (wine, 3 classes): every class probability on every row', (t) => {
    const { model } = assertAgrees(t, 'wine');
    assert.equal(model.objective, 'multi:softprob');
    assert.equal(model.nClasses, 3);
    assert.equal(model.ensemble.nOutputs, 3);
    assert.deepEqual(new Set(model.ensemble.trees.map((t) => t.output)), new Set([0, 1, 2]), 'tree_info spreads the trees over the classes');
  });

  test('a random forest (XGBRFClassifier, 10 parallel trees per class and round)', (t) => {
    const { model } = assertAgrees(t, 'wine-forest');
    assert.equal(model.ensemble.trees.length, 30);
  });

  test('multi:softmax (Booster API): the most probable class here is XGBoost\'s answer on every row', () => {
    const model = read('wine-softmax');
    const want = expected('wine-softmax');
    assert.equal(model.objective, 'multi:softmax');
    const got = score(model, want.rows);
    got.forEach((p, i) => {
      assert.ok(Math.abs(p.reduce((a, b) => a + b) - 1) < 1e-12, `row ${i}: probabilities sum to 1`);
      assert.equal(p.indexOf(Math.max(...p)), want.outputs[i][0], `row ${i}: class`);
    });
  });

  test('reg:squarederror (diabetes): the value, bit for bit, because margins are summed in float32 as XGBoost does', (t) => {
    const { model, got, want } = assertAgrees(t, 'diabetes');
    assert.equal(model.objective, 'reg:squarederror');
    assert.equal(model.nClasses, 0);
    assert.deepEqual(model.ensemble.baseMargin, [152]);
    got.forEach((out, i) => assert.equal(out[0], want.outputs[i][0], `row ${i}`));
    // The same trees summed in float64 miss XGBoost by far more than the tolerance: what the
    // ensemble's sumPrecision is for.
    const float64 = compare(score(model, want.rows, { ...model.ensemble, sumPrecision: 'float64' }), want);
    assert.ok(float64.max > 10 * TOLERANCE, `a float64 sum differs by ${float64.max}`);
  });

  test('reg:squarederror with missing values (Booster.save_model)', (t) => {
    assertAgrees(t, 'diabetes-missing');
  });

  test('categorical splits (enable_categorical, hist): partition and one-hot splits, missing categories, codes XGBoost never saw', (t) => {
    const { model, want } = assertAgrees(t, 'categorical');
    assert.deepEqual(model.featureNames, ['many', 'few', 'num']);
    assert.deepEqual(model.featureTypes, ['c', 'c', 'float']);
    const categorical = model.ensemble.trees.flatMap((t) => t.leftCategories.filter((c) => c !== null));
    assert.ok(categorical.some((c) => c.length === 1) && categorical.some((c) => c.length > 1), 'both one-hot and partition splits occur');
    assert.ok(want.rows.some((r) => r[0] === 1000), 'the rows include a code past every list');
  });

  test('bank-full (45,211 real rows, 9 categorical columns, 150 trees of depth 6): every row', {
    skip: existsSync(BANK_FULL) ? false : `real data not found: put UCI bank-full.csv at ${BANK_FULL} to run this`,
  }, (t) => {
    const { model, want } = assertAgrees(t, 'bank-full');
    assert.equal(want.rows.length, 45_211);
    assert.equal(model.ensemble.trees.length, 150);
    assert.equal(model.featureTypes?.filter((f) => f === 'c').length, 9);
    t.diagnostic(`XGBoost trained in ${want.seconds.toFixed(1)} s`);
  });

  describe('files modelwatch does not read are refused, naming the problem', () => {
    const refused = (text: string, pattern: RegExp) => {
      assert.throws(() => readXgboostModel(text, 'upload.json'), (error: unknown) => {
        assert.ok(error instanceof ArtifactError, `an ArtifactError, got ${String(error)}`);
        assert.equal(error.code, 'MW_ARTIFACT_INVALID');
        assert.match(error.message, /upload\.json/);
        assert.match(error.message, pattern);
        return true;
      });
    };
    const text = (name: string) => readFileSync(join(dir, name), 'utf8');

    test('an unsupported objective', () => refused(text('logitraw.json'), /unsupported objective "binary:logitraw"/));
    test('gblinear and dart boosters', () => {
      refused(text('gblinear.json'), /booster "gblinear" is not supported: only gbtree/);
      refused(text('dart.json'), /booster "dart" is not supported: only gbtree/);
    });
    test('UBJSON and the legacy binary format: save as JSON', () => {
      refused(text('model.ubj'), /UBJSON.*save the model as JSON/);
      refused('binf\0\0\0?', /legacy binary format.*save it again as JSON/);
    });
    test('garbage, empty, truncated and foreign JSON', () => {
      refused('hello', /not valid JSON/);
      refused('', /empty/);
      const model = text('breast-cancer.json');
      refused(model.slice(0, model.length / 2), /not valid JSON/);
      refused('{"format":"modelwatch-gbdt-binary"}', /not an XGBoost JSON model/);
      refused('[1,2]', /not an XGBoost JSON model/);
    });
    test('a tampered tree: a child out of range, a feature past num_feature, a leaf value that is not a number', () => {
      const tamper = (change: (tree: Record<string, number[]>) => void) => {
        const json = JSON.parse(text('breast-cancer.json')) as { learner: { gradient_booster: { model: { trees: Record<string, number[]>[] } } } };
        change(json.learner.gradient_booster.model.trees[3]);
        return JSON.stringify(json);
      };
      refused(tamper((t) => { t.left_children[0] = 999; }), /tree 3 node 0 left child is 999, expected an integer from 0 to/);
      refused(tamper((t) => { t.left_children[0] = 0; }), /tree 3 node 0 is reached twice/);
      refused(tamper((t) => { t.split_indices[0] = 30; }), /tree 3 node 0: feature is 30, expected an integer from 0 to 29/);
      refused(tamper((t) => { (t.split_conditions as unknown[])[t.left_children.indexOf(-1)] = 'x'; }), /leaf value \(split_conditions\) is "x"/);
    });
  });
});
