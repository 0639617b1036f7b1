/**
 * The one thing every model backend provides to the registry: how a complete row is encoded into
 * the numbers the model reads, and a score of encoded rows. The native trees and imported XGBoost
 * or LightGBM files (compiled to JavaScript) score one row synchronously; an ONNX graph scores a
 * batch asynchronously through its onnxruntime session. Serving, monitoring and evaluation never
 * ask which kind of model they hold, only which of the two ways it scores.
 */
import type { EncoderSpec } from './encoding.js';

interface ScorerBase {
  /** How a complete row becomes the vector the model reads. */
  readonly encoder: EncoderSpec;
  /** Outputs per row: 1 for binary (probability of the positive class) and regression (the value), one per class for multiclass. */
  readonly nOutputs: number;
}

/** A model that scores one encoded row at a time, synchronously. */
export interface SyncRowScorer extends ScorerBase {
  /** Writes the outputs of the encoded row `x` into `out`; allocates nothing. */
  score(x: Float64Array, out: Float64Array): void;
  readonly scoreBatch?: undefined;
}

/** A model that scores batches asynchronously (ONNX). */
export interface AsyncRowScorer extends ScorerBase {
  readonly score?: undefined;
  /** Outputs of `n` encoded rows (row-major `n × encoder width`): `n × nOutputs` values. */
  scoreBatch(x: Float64Array, n: number): Promise<Float64Array>;
}

/** A model's scoring function with its input encoding. */
export type RowScorer = SyncRowScorer | AsyncRowScorer;
