/**
 * ONNX models built with Debian's python3-onnx, scored through onnxruntime-node by loadOnnxModel,
 * must equal an independent float64 computation of the same weights (to 1e-5), batched and row by
 * row; categorical features reach the model through their declared ordinal or one-hot encoding; and
 * every model modelwatch cannot serve is refused with a message that names the problem.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { InferenceSession } from 'onnxruntime-node';
import { ArtifactError } from '../src/errors.js';
import { createEncoder, encodeRows } from '../src/model/encoding.js';
import {
  createOnnxColumnExpander,
  encodeForOnnx,
  encoderSpecForOnnx,
  loadOnnxModel,
  onnxEncodingProblem,
  onnxInputWidth,
  ortProblem,
  planOnnxIo,
  type OnnxInputEncoding,
  type OnnxModelOptions,
} from '../src/model/onnx/index.js';
import { createRandom, type Random } from '../src/util/random.js';
import { pythonModulesMissing } from './helpers/debian-python.js';
import { buildOnnxModels, linearSpec, logisticSpec, mlpSpec, softmaxSpec, type BuiltOnnxModel, type DenseLayer, type OnnxModelSpec } from './helpers/onnx-models.js';
import { skipUnlessTool } from './helpers/tools.js';

const TOLERANCE = 1e-5;
const ROWS = 300;

/** The model's output in plain float64 from the weights the helper returned: what onnxruntime must agree with. */
function forward(layers: readonly DenseLayer[], input: readonly number[]): number[] {
  let x: readonly number[] = input;
  for (const layer of layers) {
    const z = layer.bias.map((b, j) => x.reduce((sum, v, i) => sum + v * layer.weights[i][j], b));
    if (layer.activation === 'identity') x = z;
    else if (layer.activation === 'relu') x = z.map((v) => Math.max(0, v));
    else if (layer.activation === 'sigmoid') x = z.map((v) => 1 / (1 + Math.exp(-v)));
    else {
      const top = Math.max(...z);
      const e = z.map((v) => Math.exp(v - top));
      const total = e.reduce((a, b) => a + b, 0);
      x = e.map((v) => v / total);
    }
  }
  return [...x];
}

function numericEncoding(n: number): OnnxInputEncoding {
  return Array.from({ length: n }, (_, i) => ({ name: `f${i}`, kind: 'numeric' as const }));
}

function randomMatrix(rng: Random, n: number, d: number): Float64Array {
  return Float64Array.from({ length: n * d }, () => rng.normal() * 2);
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  assert.ok(worst <= TOLERANCE, `${what}: largest difference ${worst} > ${TOLERANCE}`);
}

/** Every value the independent computation expects for `n` rows of `x`, as scoreBatch lays them out. */
function expected(model: BuiltOnnxModel, x: Float64Array, n: number, pick: (out: number[]) => number[]): number[] {
  const d = model.spec.features;
  const all: number[] = [];
  for (let r = 0; r < n; r++) all.push(...pick(forward(model.layers, Array.from(x.subarray(r * d, (r + 1) * d)))));
  return all;
}

/** Scores `x` as one batch and as `n` single rows; both must match `want`. */
async function assertScores(built: BuiltOnnxModel, options: OnnxModelOptions, x: Float64Array, n: number, want: number[]): Promise<void> {
  const model = await loadOnnxModel(built.file, options);
  try {
    assertClose(await model.scoreBatch(x, n), want, `${built.spec.name} batch of ${n}`);
    const d = options.nFeatures;
    const single: number[] = [];
    for (let r = 0; r < n; r++) single.push(...(await model.scoreBatch(x.slice(r * d, (r + 1) * d), 1)));
    assertClose(single, want, `${built.spec.name} row by row`);
  } finally {
    await model.release();
  }
}

const pythonMissing = pythonModulesMissing(['onnx', 'numpy']);

describe('ONNX models scored by onnxruntime-node equal an independent computation', { skip: skipUnlessTool(pythonMissing) }, () => {
  let dir: string;
  const built = new Map<string, BuiltOnnxModel>();
  const F = 16;
  const rng = createRandom(13);
  const x = randomMatrix(rng, ROWS, F);
  /** Mixed features: 2 numeric, an ordinal of 3 levels, a one-hot of 4 categories, a one-hot of 2. */
  const MIXED: OnnxInputEncoding = [
    { name: 'age', kind: 'numeric' },
    { name: 'education', kind: 'ordinal', categories: ['primary', 'secondary', 'tertiary'] },
    { name: 'job', kind: 'onehot', categories: ['admin.', 'blue-collar', 'technician', 'student'] },
    { name: 'balance', kind: 'numeric' },
    { name: 'housing', kind: 'onehot', categories: ['no', 'yes'] },
  ];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'modelwatch-onnx-'));
    const specs: OnnxModelSpec[] = [
      logisticSpec('logistic', F),
      { ...logisticSpec('logistic-pair', F, 5), outputShape: 'pair', label: true },
      { ...logisticSpec('logistic-unnamed-batch', F, 6), batch: null },
      softmaxSpec('softmax', F, 4),
      linearSpec('linear', F),
      { ...linearSpec('linear-vector', F, 7), outputShape: 'vector' },
      mlpSpec('mlp', F, [32, 16]),
      logisticSpec('mixed', onnxInputWidth(MIXED), 8),
      { ...softmaxSpec('mixed-softmax', onnxInputWidth(MIXED), 3, 9) },
    ];
    for (const b of buildOnnxModels(dir, specs)) built.set(b.spec.name, b);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const numeric = (task: OnnxModelOptions['task']): OnnxModelOptions => ({ task, nFeatures: F, encoding: numericEncoding(F) });

  test('logistic regression (MatMul + Add + Sigmoid → [N, 1]): the probability of the positive class', async () => {
    const lr = built.get('logistic')!;
    const model = await loadOnnxModel(lr.file, numeric('binary'));
    assert.deepEqual({ input: model.inputName, outputs: model.outputs, nOutputs: model.nOutputs }, { input: 'X', outputs: { probabilities: 'probabilities', label: undefined, columns: 1, positiveColumn: 0 }, nOutputs: 1 });
    await model.release();
    await assertScores(lr, numeric('binary'), x, ROWS, expected(lr, x, ROWS, (p) => p));
  });

  test('a binary [N, 2] probabilities output with a label (as scikit-learn exports): column 1 is the positive class', async () => {
    const pair = built.get('logistic-pair')!;
    const model = await loadOnnxModel(pair.file, numeric('binary'));
    assert.deepEqual(model.outputs, { probabilities: 'probabilities', label: 'label', columns: 2, positiveColumn: 1 });
    await model.release();
    await assertScores(pair, numeric('binary'), x, ROWS, expected(pair, x, ROWS, (p) => p));
  });

  test('an input whose batch axis is unnamed ([None, F]) is a dynamic batch too', async () => {
    const lr = built.get('logistic-unnamed-batch')!;
    await assertScores(lr, numeric('binary'), x, ROWS, expected(lr, x, ROWS, (p) => p));
  });

  test('multiclass (MatMul + Add + Softmax → [N, C], ArgMax label): C probabilities per row', async () => {
    const sm = built.get('softmax')!;
    const model = await loadOnnxModel(sm.file, numeric('multiclass'));
    assert.deepEqual({ outputs: model.outputs, nOutputs: model.nOutputs }, { outputs: { probabilities: 'probabilities', label: 'label', columns: 4, positiveColumn: 0 }, nOutputs: 4 });
    await model.release();
    const want = expected(sm, x, ROWS, (p) => p);
    assert.ok(Math.abs(want.slice(0, 4).reduce((a, b) => a + b, 0) - 1) < 1e-12);
    await assertScores(sm, numeric('multiclass'), x, ROWS, want);
  });

  test('linear regression: [N, 1] and [N] value outputs', async () => {
    for (const name of ['linear', 'linear-vector']) {
      const lin = built.get(name)!;
      const model = await loadOnnxModel(lin.file, numeric('regression'));
      assert.deepEqual(model.outputs, { value: 'value', columns: 1, positiveColumn: 0 });
      await model.release();
      await assertScores(lin, numeric('regression'), x, ROWS, expected(lin, x, ROWS, (v) => v));
    }
  });

  test('a small MLP (two relu layers, sigmoid output)', async () => {
    const mlp = built.get('mlp')!;
    await assertScores(mlp, numeric('binary'), x, ROWS, expected(mlp, x, ROWS, (p) => p));
  });

  describe('categorical features through their declared encoding', () => {
    const jobs = ['admin.', 'blue-collar', 'technician', 'student'];
    const levels = ['primary', 'secondary', 'tertiary'];
    const rows = Array.from({ length: ROWS }, () => ({
      age: 18 + rng.int(70),
      education: levels[rng.int(3)],
      job: jobs[rng.int(4)],
      balance: rng.normal() * 3,
      housing: rng.next() < 0.5 ? 'no' : 'yes',
    }));
    /** The model-input columns of a row, written out by hand from the encoding's definition. */
    const columns = (row: (typeof rows)[number]): number[] => [
      row.age,
      levels.indexOf(row.education),
      ...jobs.map((j) => (row.job === j ? 1 : 0)),
      row.balance,
      row.housing === 'no' ? 1 : 0,
      row.housing === 'yes' ? 1 : 0,
    ];
    const mwEncoded = (): Float64Array => encodeRows(createEncoder(encoderSpecForOnnx(MIXED)), rows);

    test('modelwatch-encoded rows (categories as indexes) expand to ordinal and one-hot columns: scores match', async () => {
      for (const [name, task] of [['mixed', 'binary'], ['mixed-softmax', 'multiclass']] as const) {
        const model = built.get(name)!;
        const want = rows.flatMap((row) => forward(model.layers, columns(row)));
        await assertScores(model, { task, nFeatures: MIXED.length, encoding: MIXED }, mwEncoded(), ROWS, want);
      }
    });

    test('encodeForOnnx writes the same columns from a raw row, at an offset', async () => {
      const width = onnxInputWidth(MIXED);
      assert.equal(width, 9);
      const input = new Float32Array(ROWS * width);
      rows.forEach((row, r) => encodeForOnnx(MIXED, row, input, r * width));
      assert.deepEqual(Array.from(input), rows.flatMap(columns).map(Math.fround));
      const mixed = built.get('mixed')!;
      const model = await loadOnnxModel(mixed.file, { task: 'binary', nFeatures: MIXED.length, encoding: MIXED });
      try {
        assertClose(await model.scoreInput(input, ROWS), rows.flatMap((row) => forward(mixed.layers, columns(row))), 'scoreInput');
      } finally {
        await model.release();
      }
    });
  });

  describe('refusals name the problem', () => {
    let broken: Map<string, BuiltOnnxModel>;
    before(() => {
      broken = new Map(
        buildOnnxModels(join(dir, 'broken'), [
          { ...logisticSpec('two-inputs', F), secondInput: true },
          { ...logisticSpec('int64-input', F), inputType: 'int64' },
          { ...logisticSpec('double-input', F), inputType: 'double' },
          { ...logisticSpec('fixed-batch', F), batch: 1 },
          { ...softmaxSpec('zipmap', F, 3), zipmap: true },
          { ...logisticSpec('opset-99', F), opset: 99 },
          { ...logisticSpec('ir-99', F), irVersion: 99 },
        ]).map((b) => [b.spec.name, b]),
      );
    });

    async function refusal(file: string, options: OnnxModelOptions): Promise<string> {
      try {
        const model = await loadOnnxModel(file, options);
        await model.release();
      } catch (error) {
        assert.ok(error instanceof ArtifactError, `expected an ArtifactError, got ${String(error)}`);
        assert.equal(error.code, 'MW_ARTIFACT_INVALID');
        assert.ok(error.message.includes(file), `the message names the file: ${error.message}`);
        return error.message;
      }
      assert.fail(`${file} was loaded, expected a refusal`);
    }
    const file = (name: string): string => broken.get(name)!.file;

    test('two inputs', async () => {
      assert.match(await refusal(file('two-inputs'), numeric('binary')), /has 2 inputs \(X \(float32, shape \[N, 16\]\); X2 .*\); modelwatch feeds one float tensor \[N, 16\]/);
    });
    test('an int64 or a double input', async () => {
      assert.match(await refusal(file('int64-input'), numeric('binary')), /input X \(int64, shape \[N, 16\]\) is not float32/);
      assert.match(await refusal(file('double-input'), numeric('binary')), /input X \(float64, shape \[N, 16\]\) is not float32/);
    });
    test('a feature count that does not match the encoding', async () => {
      assert.match(await refusal(built.get('logistic')!.file, { task: 'binary', nFeatures: 15, encoding: numericEncoding(15) }), /takes 16 feature columns but the declared features and their encoding give 15/);
      // 14 features, one of them one-hot over 3 categories: 16 columns, accepted.
      const fits: OnnxInputEncoding = [...numericEncoding(13), { name: 'c', kind: 'onehot', categories: ['a', 'b', 'c'] }];
      const model = await loadOnnxModel(built.get('logistic')!.file, { task: 'binary', nFeatures: 14, encoding: fits });
      assert.equal(model.inputWidth, 16);
      await model.release();
      assert.match(await refusal(built.get('logistic')!.file, { task: 'binary', nFeatures: 16, encoding: numericEncoding(15) }), /declares 15 features but the model is given 16/);
    });
    test('a fixed batch size', async () => {
      assert.match(await refusal(file('fixed-batch'), numeric('binary')), /fixed batch size of 1; export it with a dynamic batch axis/);
    });
    test('a ZipMap output (a sequence of maps)', async () => {
      assert.match(await refusal(file('zipmap'), numeric('multiclass')), /output output_probability is not a tensor .*convert the model with zipmap=False/);
    });
    test('an opset or an IR version onnxruntime does not support (its own load error, without its C++ location)', async () => {
      const opset = await refusal(file('opset-99'), numeric('binary'));
      assert.match(opset, /onnxruntime cannot load it as an ONNX model: .*Opset 99/);
      assert.doesNotMatch(opset, /onnxruntime_src|::/);
      assert.match(await refusal(file('ir-99'), numeric('binary')), /onnxruntime cannot load it as an ONNX model: .*Unsupported model IR version: 99/);
    });
    test('a file that is not an ONNX model, and a missing file', async () => {
      const garbage = join(dir, 'garbage.onnx');
      writeFileSync(garbage, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)));
      assert.match(await refusal(garbage, numeric('binary')), /onnxruntime cannot load it as an ONNX model: .*protobuf parsing failed/i);
      assert.match(await refusal(join(dir, 'absent.onnx'), numeric('binary')), /cannot read the ONNX model: ENOENT/);
    });
    test('an output that does not fit the task', async () => {
      assert.match(await refusal(built.get('logistic')!.file, numeric('multiclass')), /has 1 column; a multiclass model gives \[N, C\] class probabilities with C ≥ 2/);
      assert.match(await refusal(built.get('softmax')!.file, numeric('binary')), /has 4 columns; a binary model gives \[N, 2\]/);
      assert.match(await refusal(built.get('softmax')!.file, numeric('regression')), /has 4 columns; a regression model gives one value per row/);
    });
    test('an invalid encoding', async () => {
      const twice: OnnxInputEncoding = [...numericEncoding(15), { name: 'f0', kind: 'numeric' }];
      assert.match(await refusal(built.get('logistic')!.file, { task: 'binary', nFeatures: 16, encoding: twice }), /feature "f0" is declared twice/);
    });
  });
});

describe('ONNX input encoding', () => {
  const encoding: OnnxInputEncoding = [
    { name: 'n', kind: 'numeric' },
    { name: 'o', kind: 'ordinal', categories: ['low', 'mid', 'high'] },
    { name: 'h', kind: 'onehot', categories: ['a', 'b', 'c'] },
  ];

  test('width: one column per numeric or ordinal feature, one per category of a one-hot feature', () => {
    assert.equal(onnxInputWidth(encoding), 5);
  });

  test('an unknown category: ordinal -1, one-hot all zeros; a missing numeric is NaN; a string for a numeric is refused', () => {
    const out = new Float32Array(7).fill(9);
    encodeForOnnx(encoding, { n: 2.5, o: 'unseen', h: 'z' }, out, 1);
    assert.deepEqual(Array.from(out), [9, 2.5, -1, 0, 0, 0, 9]);
    encodeForOnnx(encoding, { o: 'high', h: 'c' }, out, 1);
    assert.deepEqual(Array.from(out), [9, NaN, 2, 0, 0, 1, 9]);
    assert.throws(() => encodeForOnnx(encoding, { n: '3', o: 'low', h: 'a' }, out, 0), /feature "n" is numeric in the ONNX encoding; got the string "3"/);
  });

  test('the expander of modelwatch-encoded rows agrees with encodeForOnnx, including unknown (-1) and out-of-range indexes', () => {
    const expand = createOnnxColumnExpander(encoding);
    assert.equal(expand.width, 5);
    const x = Float64Array.of(1, 0, 2, /* row 2 */ -3, -1, -1, /* row 3 */ 0, 7, 1.5);
    const out = new Float32Array(15).fill(9);
    expand(x, 3, out);
    assert.deepEqual(Array.from(out), [1, 0, 0, 0, 1, -3, -1, 0, 0, 0, 0, -1, 0, 0, 0]);
    const viaRows = new Float32Array(5);
    encodeForOnnx(encoding, { n: 1, o: 'low', h: 'c' }, viaRows, 0);
    assert.deepEqual(Array.from(viaRows), Array.from(out.subarray(0, 5)));
  });

  test('encoderSpecForOnnx gives modelwatch encoder the encoding\'s category lists', () => {
    const x = new Float64Array(3);
    createEncoder(encoderSpecForOnnx(encoding)).encode({ n: 4, o: 'high', h: 'b' }, x);
    assert.deepEqual(Array.from(x), [4, 2, 1]);
  });

  test('duplicate names and categories are problems', () => {
    assert.equal(onnxEncodingProblem(encoding), undefined);
    assert.match(onnxEncodingProblem([{ name: 'h', kind: 'onehot', categories: ['a', 'a'] }])!, /onehot feature "h" lists category "a" twice/);
    assert.match(onnxEncodingProblem([])!, /no features/);
  });
});

describe('ONNX session metadata', () => {
  const input: InferenceSession.ValueMetadata = { name: 'X', isTensor: true, type: 'float32', shape: ['N', 4] };
  const out = (name: string, type: InferenceSession.TensorValueMetadata['type'], shape: (number | string)[]): InferenceSession.ValueMetadata => ({ name, isTensor: true, type, shape });

  test('of several float outputs, the one named for probabilities is read', () => {
    const plan = planOnnxIo([input], [out('logits', 'float32', ['N', 3]), out('probabilities', 'float32', ['N', 3]), out('label', 'int64', ['N'])], 'multiclass', 4);
    assert.deepEqual(plan.outputs, { probabilities: 'probabilities', label: 'label', columns: 3, positiveColumn: 0 });
  });

  test('ambiguous, missing or shapeless outputs are refused', () => {
    assert.throws(() => planOnnxIo([input], [out('a', 'float32', ['N', 3]), out('b', 'float32', ['N', 3])], 'multiclass', 4), /2 float outputs .* none is named as the class probabilities/);
    assert.throws(() => planOnnxIo([input], [out('label', 'int64', ['N'])], 'binary', 4), /no float output \(outputs: label \(int64, shape \[N\]\)\)/);
    assert.throws(() => planOnnxIo([input], [out('p', 'float32', ['N', 'C'])], 'multiclass', 4), /no fixed number of columns/);
    assert.throws(() => planOnnxIo([input], [out('p', 'float32', [])], 'binary', 4), /p \(float32, no declared shape\) is not of shape \[N\] or \[N, C\]/);
  });
});

test('ortProblem cuts the C++ location and signature out of an onnxruntime message', () => {
  const raw = 'Load model from m.onnx failed:/onnxruntime_src/onnxruntime/core/graph/model.cc:202 onnxruntime::Model::Model(onnx::ModelProto&&, const onnxruntime::PathString&, const std::function<void(int)>&) Unsupported model IR version: 99, max supported IR version: 13';
  assert.equal(ortProblem(new Error(raw)), 'Load model from m.onnx failed: Unsupported model IR version: 99, max supported IR version: 13');
  assert.equal(ortProblem(new Error('plain message')), 'plain message');
});
