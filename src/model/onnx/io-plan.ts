/**
 * Reads an ONNX session's input and output metadata and decides how modelwatch talks to the model:
 * which input gets the one float32 `[N, width]` tensor, which output holds the probabilities (or the
 * value) and how many columns it has, which output is a label modelwatch does not need. A model that
 * does not fit is refused here, before it serves, with a message that names the problem and says
 * what to change in the export.
 */
import type { InferenceSession } from 'onnxruntime-node';
import type { Task } from '../../data/model-schema.js';

type ValueMetadata = InferenceSession.ValueMetadata;
type TensorMetadata = InferenceSession.TensorValueMetadata;

/** Which of the model's outputs modelwatch reads, and how. */
export interface OnnxOutputs {
  /** The float output holding class probabilities (binary, multiclass); absent for regression. */
  readonly probabilities?: string;
  /** The float output holding the predicted value (regression); absent for classifiers. */
  readonly value?: string;
  /** A label output (the predicted class) when the model has one; modelwatch derives the label itself and does not fetch it. */
  readonly label?: string;
  /** Columns of the read output per row: C of `[N, C]`, 1 of `[N]`. */
  readonly columns: number;
  /** Binary: the column holding the positive class's probability (1 of `[N, 2]`, 0 of `[N, 1]` or `[N]`); 0 otherwise. */
  readonly positiveColumn: number;
}

/** How modelwatch feeds the model and reads it. */
export interface OnnxIoPlan {
  readonly inputName: string;
  readonly outputs: OnnxOutputs;
  /** The output modelwatch fetches ({@link OnnxOutputs.probabilities} or {@link OnnxOutputs.value}). */
  readonly scoreOutput: string;
  /** Values per row modelwatch returns: 1 for binary (the positive probability) and regression, C for multiclass. */
  readonly nOutputs: number;
}

const FLOAT_TYPES = new Set(['float32', 'float64']);
const LABEL_TYPES = new Set(['int64', 'int32', 'string']);

function shapeText(m: TensorMetadata): string {
  return m.shape.length === 0 ? 'no declared shape' : `shape [${m.shape.map((d) => (typeof d === 'number' ? d : d === '' ? '?' : d)).join(', ')}]`;
}

function describe(m: ValueMetadata): string {
  return m.isTensor ? `${m.name} (${m.type}, ${shapeText(m)})` : `${m.name} (not a tensor)`;
}

/**
 * The input modelwatch feeds, or throws the problem: exactly one tensor input, float32, of shape
 * `[N, F]` with a dynamic batch axis and F equal to `width` (a symbolic F is accepted; loading
 * probes the model with one row).
 */
function planInput(inputs: readonly ValueMetadata[], width: number): string {
  if (inputs.length !== 1) {
    throw new Error(`the model has ${inputs.length} inputs (${inputs.map(describe).join('; ')}); modelwatch feeds one float tensor [N, ${width}] holding every feature, so export the model with a single input (skl2onnx: one FloatTensorType([None, ${width}]) input)`);
  }
  const input = inputs[0];
  if (!input.isTensor) throw new Error(`the model's input ${input.name} is not a tensor; modelwatch feeds one float tensor [N, ${width}]`);
  if (input.type !== 'float32') {
    throw new Error(`the model's input ${describe(input)} is not float32; modelwatch feeds one float32 tensor [N, ${width}] (skl2onnx: FloatTensorType; PyTorch: a float32 example input)`);
  }
  if (input.shape.length !== 2) throw new Error(`the model's input ${describe(input)} is not two-dimensional; modelwatch feeds [N, ${width}] (rows × features)`);
  const [batch, columns] = input.shape;
  if (typeof batch === 'number') {
    throw new Error(`the model's input ${describe(input)} has a fixed batch size of ${batch}; export it with a dynamic batch axis (skl2onnx: [None, ${width}]; torch.onnx.export: dynamic_axes={'${input.name}': {0: 'batch'}}) so a batch of rows goes to the model as one tensor`);
  }
  if (typeof columns === 'number' && columns !== width) {
    throw new Error(`the model's input ${describe(input)} takes ${columns} feature columns but the declared features and their encoding give ${width}; declare the features (and one-hot categories) the model was trained on, in its order`);
  }
  return input.name;
}

function pickScoreOutput(candidates: readonly TensorMetadata[], task: Task, all: readonly ValueMetadata[]): TensorMetadata {
  if (candidates.length === 1) return candidates[0];
  const wanted = task === 'regression' ? /value|variable|predict|output/i : /prob/i;
  const named = candidates.filter((m) => wanted.test(m.name));
  if (named.length === 1) return named[0];
  const what = task === 'regression' ? 'the predicted value' : 'the class probabilities';
  if (candidates.length === 0) throw new Error(`the model has no float output (outputs: ${all.map(describe).join('; ')}); modelwatch reads ${what} from a float tensor`);
  throw new Error(`the model has ${candidates.length} float outputs (${candidates.map(describe).join('; ')}) and none is named as ${what}; export only the output modelwatch should read, or name it "${task === 'regression' ? 'value' : 'probabilities'}"`);
}

/** Columns of `[N]` / `[N, C]` (C fixed), or throws: modelwatch must know how many values a row gives. */
function outputColumns(m: TensorMetadata): number {
  if (m.shape.length === 1) return 1;
  if (m.shape.length === 2 && typeof m.shape[1] === 'number') return m.shape[1];
  if (m.shape.length === 2) throw new Error(`the model's output ${describe(m)} has no fixed number of columns; export it with a fixed class (or value) axis, e.g. [N, C]`);
  throw new Error(`the model's output ${describe(m)} is not of shape [N] or [N, C]; modelwatch reads one row of probabilities or one value per input row`);
}

/**
 * Decides how to feed and read a session, or throws an Error whose message names the problem.
 *
 * @example planOnnxIo(session.inputMetadata, session.outputMetadata, 'binary', 16).outputs.probabilities // 'probabilities'
 */
export function planOnnxIo(inputs: readonly ValueMetadata[], outputs: readonly ValueMetadata[], task: Task, width: number): OnnxIoPlan {
  const inputName = planInput(inputs, width);
  const nonTensor = outputs.find((m) => !m.isTensor);
  if (nonTensor) {
    throw new Error(`the model's output ${nonTensor.name} is not a tensor (a sequence of maps, as skl2onnx's ZipMap writes for classifier probabilities); convert the model with zipmap=False (skl2onnx: to_onnx(clf, X, options={id(clf): {'zipmap': False}})) so the probabilities are one float tensor [N, C]`);
  }
  const tensors = outputs as readonly TensorMetadata[];
  const score = pickScoreOutput(tensors.filter((m) => FLOAT_TYPES.has(m.type)), task, outputs);
  const columns = outputColumns(score);
  const label = task === 'regression' ? undefined : tensors.find((m) => m !== score && LABEL_TYPES.has(m.type))?.name;
  if (task === 'binary' && columns !== 1 && columns !== 2) {
    throw new Error(`the model's output ${describe(score)} has ${columns} columns; a binary model gives [N, 2] (probabilities of the negative and the positive class) or [N, 1] (the positive class's probability)`);
  }
  if (task === 'multiclass' && columns < 2) {
    throw new Error(`the model's output ${describe(score)} has ${columns} column; a multiclass model gives [N, C] class probabilities with C ≥ 2 (is it a binary or regression model?)`);
  }
  if (task === 'regression' && columns !== 1) {
    throw new Error(`the model's output ${describe(score)} has ${columns} columns; a regression model gives one value per row ([N, 1] or [N])`);
  }
  const positiveColumn = task === 'binary' && columns === 2 ? 1 : 0;
  const plan: OnnxOutputs = task === 'regression' ? { value: score.name, columns, positiveColumn } : { probabilities: score.name, label, columns, positiveColumn };
  return { inputName, outputs: plan, scoreOutput: score.name, nOutputs: task === 'multiclass' ? columns : 1 };
}
