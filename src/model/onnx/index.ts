/** ONNX models served through onnxruntime-node (CPU): loading, input encoding, output planning. */
export { createOnnxColumnExpander, encodeForOnnx, encoderSpecForOnnx, onnxEncodingProblem, onnxInputWidth, OnnxInputEncodingSchema, UNKNOWN_ORDINAL, type OnnxFeatureEncoding, type OnnxInputEncoding } from './encoding.js';
export { planOnnxIo, type OnnxIoPlan, type OnnxOutputs } from './io-plan.js';
export { loadOnnxModel, loadOnnxModelBytes, type OnnxModel, type OnnxModelOptions } from './load.js';
export { ortProblem } from './ort-message.js';
