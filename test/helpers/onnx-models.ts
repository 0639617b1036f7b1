/**
 * Builds small ONNX models with Debian's python3-onnx (onnx.helper: make_node, make_graph,
 * make_model), so tests and benchmarks score real ONNX files through onnxruntime without
 * committing binaries. A model is a stack of dense layers (MatMul + Add + an activation) with
 * seeded random weights that the helper returns, rounded to float32 as the file stores them, so a
 * test can compute the same model independently in plain float64 TypeScript.
 *
 * Besides well-formed models (logistic regression, softmax with an ArgMax label, linear
 * regression, a small MLP), a spec can ask for the shapes modelwatch must refuse: two inputs, an
 * int64 input, a fixed batch size, a ZipMap (sequence of maps) output, an opset or IR version
 * onnxruntime does not support.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRandom } from '../../src/util/random.js';
import { runPython } from './debian-python.js';

/** One dense layer: `activation(x · weights + bias)`; `weights` is inputs × outputs. */
export interface DenseLayer {
  readonly weights: readonly (readonly number[])[];
  readonly bias: readonly number[];
  readonly activation: 'identity' | 'relu' | 'sigmoid' | 'softmax';
}

/** What to build. */
export interface OnnxModelSpec {
  /** File name (without .onnx). */
  readonly name: string;
  /** Input columns. */
  readonly features: number;
  /** Units of each layer; the last is the output width (1 for a sigmoid or a value, C for softmax). */
  readonly units: readonly number[];
  /** Activation of each layer (hidden layers default to relu, the last to identity). */
  readonly activations?: readonly DenseLayer['activation'][];
  readonly seed?: number;
  /** Name of the output tensor (default "probabilities" for sigmoid/softmax outputs, "value" otherwise). */
  readonly outputName?: string;
  /**
   * How the last layer is exposed: `matrix` as it is ([N, units]); `vector` squeezed to [N] (units 1);
   * `pair` for a sigmoid [N, 1]: [N, 2] = [1 − p, p], as scikit-learn's classifiers export it.
   */
  readonly outputShape?: 'matrix' | 'vector' | 'pair';
  /** Adds an int64 `label` output: ArgMax over the probabilities (needs ≥ 2 columns, or `pair`). */
  readonly label?: boolean;
  /** Wraps the probabilities in ai.onnx.ml ZipMap (a sequence of maps), as skl2onnx does by default. */
  readonly zipmap?: boolean;
  /** Input element type (default float; int64 is cast to float inside the model). */
  readonly inputType?: 'float' | 'int64' | 'double';
  /** The input's batch dimension: a symbolic name (default "N"), null for an unnamed dynamic axis, or a fixed size. */
  readonly batch?: string | number | null;
  /** Adds a second float input [N, features], added to the first. */
  readonly secondInput?: boolean;
  readonly opset?: number;
  readonly irVersion?: number;
}

/** A built model: its file and the weights it holds. */
export interface BuiltOnnxModel {
  readonly spec: OnnxModelSpec;
  readonly file: string;
  readonly layers: readonly DenseLayer[];
}

const BUILD_SCRIPT = String.raw`
import json, sys
import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

specs = json.load(open(sys.argv[1]))
TYPES = {'float': TensorProto.FLOAT, 'int64': TensorProto.INT64, 'double': TensorProto.DOUBLE}
for s in specs:
    F = s['features']
    batch = s.get('batch', 'N')
    nodes, inits, inputs = [], [], []
    inputs.append(helper.make_tensor_value_info('X', TYPES[s.get('inputType', 'float')], [batch, F]))
    x = 'X'
    if s.get('inputType', 'float') != 'float':
        nodes.append(helper.make_node('Cast', [x], ['X_float'], to=TensorProto.FLOAT)); x = 'X_float'
    if s.get('secondInput'):
        inputs.append(helper.make_tensor_value_info('X2', TensorProto.FLOAT, [batch, F]))
        nodes.append(helper.make_node('Add', [x, 'X2'], ['X_sum'])); x = 'X_sum'
    for i, layer in enumerate(s['layers']):
        W = numpy_helper.from_array(np.array(layer['weights'], dtype=np.float32), 'W%d' % i)
        b = numpy_helper.from_array(np.array(layer['bias'], dtype=np.float32), 'b%d' % i)
        inits += [W, b]
        nodes.append(helper.make_node('MatMul', [x, 'W%d' % i], ['m%d' % i]))
        nodes.append(helper.make_node('Add', ['m%d' % i, 'b%d' % i], ['z%d' % i]))
        act = layer['activation']
        if act == 'identity':
            x = 'z%d' % i
        else:
            op = {'relu': 'Relu', 'sigmoid': 'Sigmoid', 'softmax': 'Softmax'}[act]
            kw = {'axis': 1} if act == 'softmax' else {}
            nodes.append(helper.make_node(op, ['z%d' % i], ['a%d' % i], **kw)); x = 'a%d' % i
    units = len(s['layers'][-1]['bias'])
    name = s['outputName']
    shape = s.get('outputShape', 'matrix')
    outputs = []
    if shape == 'pair':
        inits.append(numpy_helper.from_array(np.ones((1, 1), dtype=np.float32), 'one'))
        nodes.append(helper.make_node('Sub', ['one', x], ['q']))
        nodes.append(helper.make_node('Concat', ['q', x], [name], axis=1)); units = 2
        out_shape = [batch if batch is not None else 'N', 2]
    elif shape == 'vector':
        inits.append(numpy_helper.from_array(np.array([1], dtype=np.int64), 'axes'))
        nodes.append(helper.make_node('Squeeze', [x, 'axes'], [name]))
        out_shape = [batch if batch is not None else 'N']
    else:
        nodes.append(helper.make_node('Identity', [x], [name]))
        out_shape = [batch if batch is not None else 'N', units]
    if s.get('label'):
        nodes.append(helper.make_node('ArgMax', [name], ['label'], axis=1, keepdims=0))
        outputs.append(helper.make_tensor_value_info('label', TensorProto.INT64, [out_shape[0]]))
    opsets = [helper.make_opsetid('', s.get('opset', 13))]
    if s.get('zipmap'):
        nodes.append(helper.make_node('ZipMap', [name], ['output_probability'], domain='ai.onnx.ml', classlabels_int64s=list(range(units))))
        mt = onnx.TypeProto()
        mt.map_type.key_type = TensorProto.INT64
        mt.map_type.value_type.CopyFrom(helper.make_tensor_type_proto(TensorProto.FLOAT, []))
        outputs.append(helper.make_value_info('output_probability', helper.make_sequence_type_proto(mt)))
        opsets.append(helper.make_opsetid('ai.onnx.ml', 1))
    else:
        outputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, out_shape))
    graph = helper.make_graph(nodes, s['name'], inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=opsets, ir_version=s.get('irVersion', 8), producer_name='modelwatch-test')
    if s.get('opset', 13) <= onnx.defs.onnx_opset_version() and s.get('irVersion', 8) <= onnx.IR_VERSION:
        onnx.checker.check_model(model)
    onnx.save(model, s['file'])
print(len(specs))
`;

/** Seeded random layers for a spec, rounded to float32 (what the file stores). */
function randomLayers(spec: OnnxModelSpec): DenseLayer[] {
  const rng = createRandom(spec.seed ?? 1);
  const layers: DenseLayer[] = [];
  let inputs = spec.features;
  spec.units.forEach((units, i) => {
    const last = i === spec.units.length - 1;
    const scale = 1 / Math.sqrt(inputs);
    layers.push({
      weights: Array.from({ length: inputs }, () => Array.from({ length: units }, () => Math.fround(rng.normal() * scale))),
      bias: Array.from({ length: units }, () => Math.fround(rng.normal() * 0.5)),
      activation: spec.activations?.[i] ?? (last ? 'identity' : 'relu'),
    });
    inputs = units;
  });
  return layers;
}

/**
 * Builds every spec into `dir` with one run of Debian's Python and returns the files and weights.
 *
 * @example
 * const [lr] = buildOnnxModels(dir, [{ name: 'lr', features: 16, units: [1], activations: ['sigmoid'] }]);
 * await loadOnnxModel(lr.file, ...);
 */
export function buildOnnxModels(dir: string, specs: readonly OnnxModelSpec[]): BuiltOnnxModel[] {
  mkdirSync(dir, { recursive: true });
  const built = specs.map((spec) => {
    const layers = randomLayers(spec);
    const probabilities = ['sigmoid', 'softmax'].includes(layers[layers.length - 1].activation);
    return { spec: { ...spec, outputName: spec.outputName ?? (probabilities ? 'probabilities' : 'value') }, file: join(dir, `${spec.name}.onnx`), layers };
  });
  const specFile = join(dir, 'onnx-model-specs.json');
  writeFileSync(specFile, JSON.stringify(built.map((b) => ({ ...b.spec, file: b.file, layers: b.layers }))));
  runPython(BUILD_SCRIPT, [specFile]);
  return built;
}

/** A logistic regression: sigmoid(x · w + b) as [N, 1]. */
export function logisticSpec(name: string, features: number, seed = 1): OnnxModelSpec {
  return { name, features, units: [1], activations: ['sigmoid'], seed };
}

/** A softmax classifier with an ArgMax label output: probabilities [N, classes] and label [N]. */
export function softmaxSpec(name: string, features: number, classes: number, seed = 2): OnnxModelSpec {
  return { name, features, units: [classes], activations: ['softmax'], label: true, seed };
}

/** A linear regression: x · w + b as [N, 1]. */
export function linearSpec(name: string, features: number, seed = 3): OnnxModelSpec {
  return { name, features, units: [1], activations: ['identity'], seed };
}

/** A small MLP classifier: `hidden` relu layers, then sigmoid [N, 1]. */
export function mlpSpec(name: string, features: number, hidden: readonly number[], seed = 4): OnnxModelSpec {
  return { name, features, units: [...hidden, 1], activations: [...hidden.map(() => 'relu' as const), 'sigmoid'], seed };
}
