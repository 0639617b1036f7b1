/**
 * Loads an ONNX model into an onnxruntime-node (CPU) session and wraps it as a scorer of
 * modelwatch-encoded rows. A batch goes to the session as one float32 tensor `[n, width]`; the
 * session is single-threaded because a tabular model's cost per run is dominated by the call
 * itself, and the service already runs one process per core.
 */
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import type { Task } from '../../data/model-schema.js';
import { ArtifactError } from '../../errors.js';
import { createOnnxColumnExpander, onnxEncodingProblem, onnxInputWidth, type OnnxInputEncoding } from './encoding.js';
import { planOnnxIo, type OnnxOutputs } from './io-plan.js';
import { ortProblem } from './ort-message.js';

/** What {@link loadOnnxModel} needs besides the file. */
export interface OnnxModelOptions {
  readonly task: Task;
  /** modelwatch features the model reads (the length of `encoding`). */
  readonly nFeatures: number;
  /** How each feature becomes model-input columns; written into the version. */
  readonly encoding: OnnxInputEncoding;
  /** onnxruntime intra-op threads (default 1). */
  readonly threads?: number;
}

/** A loaded ONNX model. */
export interface OnnxModel {
  /** The model input modelwatch feeds. */
  readonly inputName: string;
  /** Columns of that input (the encoding's width). */
  readonly inputWidth: number;
  /** Which output holds the probabilities, the value and the label. */
  readonly outputs: OnnxOutputs;
  /** Values per row {@link OnnxModel.scoreBatch} returns: 1 for binary and regression, C for multiclass. */
  readonly nOutputs: number;
  /**
   * Scores `n` rows encoded by modelwatch's encoder (row-major `n × nFeatures`, categoricals as
   * indexes into the encoding's categories): `n × nOutputs` values — binary: the positive class's
   * probability; multiclass: the class probabilities in the model's output order; regression: the value.
   */
  scoreBatch(x: Float64Array, n: number): Promise<Float64Array>;
  /** Scores `n` rows already in model-input form (row-major `n × inputWidth`, e.g. from encodeForOnnx). */
  scoreInput(input: Float32Array, n: number): Promise<Float64Array>;
  /** Frees the native session. */
  release(): Promise<void>;
}

/**
 * Loads `file`, checks that its one input and its outputs fit `options` (see planOnnxIo), runs
 * it once on a row of zeros, and returns the scorer.
 *
 * @throws ArtifactError naming the file and the problem (not an ONNX model, an IR version or opset
 *   onnxruntime does not support, several inputs, a non-float input, a feature count that does not
 *   match the encoding, a ZipMap output, an output of unknown shape).
 * @example
 * const model = await loadOnnxModel('m.onnx', { task: 'binary', nFeatures: 2, encoding });
 * const p = await model.scoreBatch(Float64Array.of(41, 0, 35, 2), 2); // two probabilities
 */
export async function loadOnnxModel(file: string, options: OnnxModelOptions): Promise<OnnxModel> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new ArtifactError(file, `cannot read the ONNX model: ${(error as Error).message}`);
  }
  return loadOnnxModelBytes(bytes, file, options);
}

/**
 * {@link loadOnnxModel} from the model's bytes (a version wraps them); `file` names it in errors.
 *
 * @example const model = await loadOnnxModelBytes(Buffer.from(imported.content, 'base64'), 'v3.json', options);
 */
export async function loadOnnxModelBytes(bytes: Uint8Array, file: string, options: OnnxModelOptions): Promise<OnnxModel> {
  const { task, nFeatures, encoding } = options;
  const encodingProblem = onnxEncodingProblem(encoding);
  if (encodingProblem) throw new ArtifactError(file, `the ONNX input encoding is invalid: ${encodingProblem}`);
  if (encoding.length !== nFeatures) throw new ArtifactError(file, `the ONNX input encoding declares ${encoding.length} features but the model is given ${nFeatures}`);
  const width = onnxInputWidth(encoding);

  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      executionProviders: ['cpu'],
      intraOpNumThreads: options.threads ?? 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
    });
  } catch (error) {
    throw new ArtifactError(file, `onnxruntime cannot load it as an ONNX model: ${ortProblem(error)}`);
  }
  try {
    const plan = planOnnxIo(session.inputMetadata, session.outputMetadata, task, width);
    const model = scorer(session, plan, encoding, width, task);
    await probe(model, width);
    return model;
  } catch (error) {
    await session.release();
    throw error instanceof ArtifactError ? error : new ArtifactError(file, (error as Error).message);
  }
}

function scorer(session: ort.InferenceSession, plan: ReturnType<typeof planOnnxIo>, encoding: OnnxInputEncoding, width: number, task: Task): OnnxModel {
  const { inputName, scoreOutput, outputs, nOutputs } = plan;
  const { columns, positiveColumn } = outputs;
  const expand = createOnnxColumnExpander(encoding);
  const fetches = [scoreOutput];

  async function scoreInput(input: Float32Array, n: number): Promise<Float64Array> {
    if (n === 0) return new Float64Array(0);
    if (input.length !== n * width) throw new RangeError(`expected ${n} × ${width} input values, got ${input.length}`);
    let result: ort.InferenceSession.ReturnType;
    try {
      result = await session.run({ [inputName]: new ort.Tensor('float32', input, [n, width]) }, fetches);
    } catch (error) {
      throw new Error(`onnxruntime failed to run the model: ${ortProblem(error)}`, { cause: error });
    }
    const data = result[scoreOutput].data as Float32Array | Float64Array;
    if (data.length !== n * columns) throw new Error(`the model's output ${scoreOutput} gave ${data.length} values for ${n} rows; expected ${n * columns} (${columns} per row)`);
    if (task === 'binary' && columns === 2) {
      const out = new Float64Array(n);
      for (let r = 0; r < n; r++) out[r] = data[r * 2 + positiveColumn];
      return out;
    }
    return Float64Array.from(data);
  }

  return {
    inputName,
    inputWidth: width,
    outputs,
    nOutputs,
    scoreInput,
    scoreBatch(x, n) {
      if (x.length !== n * encoding.length) return Promise.reject(new RangeError(`expected ${n} × ${encoding.length} encoded feature values, got ${x.length}`));
      const input = new Float32Array(n * width);
      expand(x, n, input);
      return scoreInput(input, n);
    },
    release: () => session.release(),
  };
}

/** One run on a row of zeros: a model that loads but cannot run (a missing kernel, a shape that lies) is refused at load, not on the first request. */
async function probe(model: OnnxModel, width: number): Promise<void> {
  const out = await model.scoreInput(new Float32Array(width), 1);
  if (out.length !== model.nOutputs) throw new Error(`a probe row gave ${out.length} values; expected ${model.nOutputs}`);
}
