/**
 * The one thing every model backend provides to the registry: how a complete row is encoded into
 * the numbers the model reads, and a synchronous score of one encoded row. The native trees, an
 * imported XGBoost or LightGBM file (compiled to JavaScript) and an ONNX graph all end here, so
 * serving, monitoring and evaluation never ask which kind of model they hold.
 */
import type { EncoderSpec } from './encoding.js';

/** A model's scoring function with its input encoding. */
export interface RowScorer {
  /** How a complete row becomes the vector `score` reads. */
  readonly encoder: EncoderSpec;
  /** Outputs per row: 1 for binary (probability of the positive class) and regression (the value), one per class for multiclass. */
  readonly nOutputs: number;
  /** Writes the outputs of the encoded row `x` into `out`; allocates nothing. */
  score(x: Float64Array, out: Float64Array): void;
}
