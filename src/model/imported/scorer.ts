/**
 * Models imported from another library's file. The artifact wraps the file itself (its text, or
 * base64 for ONNX's binary format) with the encoding of the categorical columns the model was
 * trained with, so a version is self-contained, its checksum covers the model exactly as it was
 * given, and loading it reads the file with the same reader the import used.
 */
import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import type { ModelSchema } from '../../data/model-schema.js';
import { ArtifactError } from '../../errors.js';
import type { EncoderSpec } from '../encoding.js';
import { loadOnnxModelBytes, OnnxInputEncodingSchema, type OnnxInputEncoding } from '../onnx/index.js';
import type { RowScorer } from '../row-scorer.js';
import { compileEnsemble } from '../trees/compile.js';
import type { TreeEnsemble } from '../trees/ensemble.js';
import { readLightgbmModel } from '../trees/lightgbm.js';
import { readXgboostModel } from '../trees/xgboost.js';

/** The `model` field of an imported version. */
export interface ImportedModelJson {
  readonly format: 'xgboost-json' | 'lightgbm-text' | 'onnx';
  /** The file's name when it was imported, and the sha256 of its bytes. */
  readonly file_name: string;
  readonly file_sha256: string;
  /** The file: text for XGBoost JSON and LightGBM text, base64 for ONNX. */
  readonly content: string;
  /** How rows are encoded for the model: categorical columns as codes in this category order. */
  readonly encoder: EncoderSpec;
  /** ONNX: how the encoded features become the graph's input columns (declared at import). */
  readonly onnx_encoding?: OnnxInputEncoding;
}

const ImportedModelSchema = Type.Object({
  format: Type.Union([Type.Literal('xgboost-json'), Type.Literal('lightgbm-text'), Type.Literal('onnx')]),
  file_name: Type.String(),
  file_sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  content: Type.String({ minLength: 1 }),
  encoder: Type.Object({
    features: Type.Array(Type.Object({ name: Type.String(), kind: Type.Union([Type.Literal('numeric'), Type.Literal('categorical')]), categories: Type.Optional(Type.Array(Type.String())) }), { minItems: 1 }),
    unknownCategory: Type.Optional(Type.Literal('missing')),
  }),
  onnx_encoding: Type.Optional(OnnxInputEncodingSchema),
});
const checkImported = new Ajv({ strict: false }).compile(ImportedModelSchema);

/**
 * The scorer of an imported model: tree files compiled to JavaScript (synchronous), ONNX through
 * an onnxruntime session (created asynchronously).
 *
 * @throws ArtifactError naming `file` when the wrapped model is malformed, was changed, or does
 *   not read the schema's features.
 */
export function importedScorer(model: unknown, schema: ModelSchema, file: string): RowScorer | Promise<RowScorer> {
  if (!checkImported(model)) {
    const e = checkImported.errors![0];
    throw new ArtifactError(file, `imported model: field ${e.instancePath || '(root)'} ${e.message}`);
  }
  const imported = model as ImportedModelJson;
  const bytes = imported.format === 'onnx' ? Buffer.from(imported.content, 'base64') : Buffer.from(imported.content, 'utf8');
  if (createHash('sha256').update(bytes).digest('hex') !== imported.file_sha256) throw new ArtifactError(file, `the wrapped ${imported.file_name} does not match its sha256`);
  const names = imported.encoder.features.map((f) => f.name);
  if (names.join('\u0000') !== schema.features.map((f) => f.name).join('\u0000')) throw new ArtifactError(file, `the model's encoder reads ${names.join(', ')}, not the schema's features`);
  if (imported.format === 'onnx') return onnxScorer(imported, bytes, schema, file);
  let ensemble: TreeEnsemble;
  try {
    ensemble = imported.format === 'xgboost-json' ? readXgboostModel(imported.content, imported.file_name).ensemble : readLightgbmModel(imported.content, imported.file_name).ensemble;
  } catch (error) {
    throw new ArtifactError(file, `imported model: ${(error as Error).message}`);
  }
  if (ensemble.nFeatures !== names.length) throw new ArtifactError(file, `the model reads ${ensemble.nFeatures} features but the schema lists ${names.length}`);
  const compiled = compileEnsemble(ensemble);
  return { encoder: imported.encoder, nOutputs: ensemble.nOutputs, score: (x, out) => compiled(x, 0, out) };
}

async function onnxScorer(imported: ImportedModelJson, bytes: Buffer, schema: ModelSchema, file: string): Promise<RowScorer> {
  const encoding = imported.onnx_encoding;
  if (!encoding) throw new ArtifactError(file, 'an ONNX model needs its input encoding (onnx_encoding)');
  const model = await loadOnnxModelBytes(bytes, file, { task: schema.task, nFeatures: schema.features.length, encoding });
  const classes = schema.task === 'multiclass' ? schema.classes.length : 1;
  if (model.nOutputs !== classes) throw new ArtifactError(file, `the ONNX model answers ${model.nOutputs} values per row; a ${schema.task} model with ${schema.classes.length} classes needs ${classes}`);
  return { encoder: imported.encoder, nOutputs: model.nOutputs, scoreBatch: (x, n) => model.scoreBatch(x, n) };
}
