/**
 * Models imported from another library's file. The artifact wraps the file itself (its text, or
 * base64 for a binary format), with the encoding of categorical columns the model was trained
 * with, so a version is self-contained and its checksum covers the model exactly as it was given.
 */
import { ArtifactError } from '../../errors.js';
import type { ModelSchema } from '../../data/model-schema.js';
import type { EncoderSpec } from '../encoding.js';
import type { RowScorer } from '../row-scorer.js';

/** The `model` field of an imported version. */
export interface ImportedModelJson {
  /** xgboost-json, lightgbm-text or onnx. */
  readonly format: 'xgboost-json' | 'lightgbm-text' | 'onnx';
  /** The file's name when it was imported, and the sha256 of its bytes. */
  readonly file_name: string;
  readonly file_sha256: string;
  /** The file: text for XGBoost JSON and LightGBM text, base64 for ONNX. */
  readonly content: string;
  /** How rows are encoded for the model: categorical columns as codes in this category order. */
  readonly encoder: EncoderSpec;
}

/**
 * The scorer of an imported model.
 *
 * @throws ArtifactError when the wrapped file does not parse or does not fit the schema.
 */
export function importedScorer(artifact: { model_type: string; model: unknown }, schema: ModelSchema, file: string): RowScorer {
  const model = artifact.model as ImportedModelJson;
  throw new ArtifactError(file, `model type ${artifact.model_type} (${model.format}) for ${schema.features.length} features cannot be loaded by this build`);
}
