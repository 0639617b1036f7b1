/**
 * The model artifact: one self-describing JSON file per version holding everything needed to serve
 * and monitor it — identity, training provenance (sha256 of the data), feature schema and encoders,
 * parameters, holdout metrics and reliability, the training baseline for drift, and the trees. A
 * sha256 over the content detects truncation and tampering; the envelope is checked against a
 * schema and the trees structurally, so a bad file is refused with an error naming it and the
 * problem instead of serving garbage.
 */
import { createHash } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { ArtifactError } from '../errors.js';
import type { TrainingBaseline } from './baseline.js';
import { TrainingBaselineSchema } from './baseline-schema.js';
import type { ReliabilityReport } from './evaluation.js';
import { BANK_SCHEMA, MODEL_NAME_PATTERN, type ModelSchema, type Task } from '../data/model-schema.js';
import { parseSchemaJson } from '../data/schema-file.js';
import type { EncoderSpec } from './encoding.js';
import { gbdtFromJSON, type GbdtModel } from './gbdt/model.js';
import { importedScorer, type ImportedModelJson } from './imported/scorer.js';
import type { RowScorer } from './row-scorer.js';
import type { GbdtModelJson } from './gbdt/model-json.js';
import type { HoldoutMetrics, MulticlassHoldoutMetrics, RegressionHoldoutMetrics, TaskHoldoutMetrics } from './serving-model.js';

/** The name of a version that was given none: the default example's. */
export const DEFAULT_MODEL_NAME = 'bank-marketing';

/** Model families an artifact can hold. */
export const MODEL_TYPES = ['gbdt', 'xgboost', 'lightgbm', 'onnx'] as const;

/** The format tag every artifact carries; a reader refuses any other. */
export const ARTIFACT_FORMAT = 'modelwatch.model';
/** Bumped on incompatible changes; a reader refuses newer versions it does not know. */
export const ARTIFACT_FORMAT_VERSION = 2;
/**
 * What a native binary model is written as: format 1, which every modelwatch reads (the whole
 * schema it now carries is extra fields an older reader ignores). Anything an older reader would
 * misread — an imported model, a multiclass or regression task — is written as format 2, which
 * such a reader refuses, naming the upgrade.
 */
export const NATIVE_BINARY_FORMAT_VERSION = 1;

const Num = Type.Number();
const Metrics = Type.Object({ accuracy: Num, precision: Num, recall: Num, f1: Num, auc: Num, logLoss: Num, brier: Num });
/** A multiclass version's holdout metrics: precision, recall and F1 are macro averages; classRecall per class. */
const MulticlassMetrics = Type.Object({ accuracy: Num, precision: Num, recall: Num, f1: Num, classRecall: Type.Array(Num), logLoss: Type.Optional(Num) });
/** A regression version's holdout errors (in the target's unit). */
const RegressionMetrics = Type.Object({ mae: Num, rmse: Num, r2: Type.Optional(Num) });

/** The envelope's schema (the trees are checked by the GBDT loader). */
export const ArtifactSchema = Type.Object({
  format: Type.Literal(ARTIFACT_FORMAT),
  format_version: Type.Integer({ minimum: 1 }),
  version: Type.String({ pattern: '^v[0-9]+$' }),
  /** The model's name (`modelwatch import --name`); absent: {@link DEFAULT_MODEL_NAME}. */
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: MODEL_NAME_PATTERN })),
  created_at: Type.String({ minLength: 1 }),
  /** gbdt: trained by modelwatch; xgboost, lightgbm, onnx: imported from the file `model` wraps. */
  model_type: Type.Union(MODEL_TYPES.map((t) => Type.Literal(t))),
  training: Type.Object({
    data_sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    data_source: Type.String(),
    rows: Type.Integer({ minimum: 1 }),
    // 0 for an imported model: it was trained elsewhere; the reference rows count as its test rows.
    train_rows: Type.Integer({ minimum: 0 }),
    test_rows: Type.Integer({ minimum: 1 }),
    test_share: Num,
    seed: Type.Integer(),
    seconds: Num,
    /** The pipeline run that registered this version (absent for `modelwatch train`): a retried register step finds it. */
    pipeline_run_id: Type.Optional(Type.String()),
  }),
  // Artifacts written before the schema travelled with the model hold names, kinds and categories
  // only (and are bank-marketing models); newer ones hold the whole ModelSchema, checked on load.
  schema: Type.Object({
    features: Type.Array(Type.Object({ name: Type.String(), kind: Type.Union([Type.Literal('numeric'), Type.Literal('categorical')]), categories: Type.Optional(Type.Array(Type.String())) }), { minItems: 1 }),
    target: Type.Object({ name: Type.String(), negative: Type.Optional(Type.String()), positive: Type.Optional(Type.String()) }),
    task: Type.Optional(Type.String()),
    classes: Type.Optional(Type.Array(Type.String())),
  }),
  decision_threshold: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }),
  // Binary versions hold Metrics and a reliability diagram; multiclass and regression ones their own
  // metrics (which one must fit the schema's task: checked by holdoutOf), a reliability diagram only if they have one.
  metrics: Type.Object({
    holdout: Type.Union([Metrics, MulticlassMetrics, RegressionMetrics]),
    reliability: Type.Optional(Type.Object({ ece: Num, mce: Num, bins: Type.Array(Type.Object({ lower: Num, upper: Num, count: Num, meanPredicted: Type.Union([Num, Type.Null()]), observedRate: Type.Union([Num, Type.Null()]) })) })),
  }),
  baseline: TrainingBaselineSchema,
  model: Type.Object({ format: Type.String() }, { additionalProperties: true }),
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
});

/** Where a version's model comes from: trained here, or imported from another library's file. */
export type ModelType = (typeof MODEL_TYPES)[number];

/** A parsed, verified artifact. */
export type ModelArtifact = Omit<Static<typeof ArtifactSchema>, 'schema' | 'baseline' | 'model' | 'metrics' | 'model_type'> & {
  model_type: ModelType;
  /** The whole ModelSchema (newer artifacts) or names, kinds and categories (older bank-marketing ones): read it with {@link modelSchemaOf}. */
  schema: { features: EncoderSpec['features']; target: { name: string; negative?: string; positive?: string }; task?: Task; classes?: readonly string[] };
  baseline: TrainingBaseline;
  model: GbdtModelJson | ImportedModelJson;
  metrics: { holdout: ArtifactHoldoutMetrics; reliability?: ReliabilityReport };
};

/** Holdout metrics as an artifact stores them, by task (see {@link holdoutOf}). */
export type ArtifactHoldoutMetrics =
  | (HoldoutMetrics & { logLoss: number; brier: number })
  | (MulticlassHoldoutMetrics & { logLoss?: number })
  | (RegressionHoldoutMetrics & { r2?: number });

/** An artifact before it is sealed with its checksum. */
export type UnsealedArtifact = Omit<ModelArtifact, 'sha256'>;

const ajv = new Ajv({ allErrors: false, strict: false });
const checkEnvelope = ajv.compile(ArtifactSchema);

function contentHash(artifact: UnsealedArtifact): string {
  return createHash('sha256').update(JSON.stringify(artifact)).digest('hex');
}

/**
 * Seals an artifact with the sha256 of its content and renders the file text.
 *
 * @example writeFileSync(path, serializeArtifact(unsealed));
 */
export function serializeArtifact(artifact: UnsealedArtifact): string {
  // NaN (an empty reliability bin) is not JSON; JSON.stringify writes null, which the schema allows.
  const plain = JSON.parse(JSON.stringify(artifact)) as UnsealedArtifact;
  return `${JSON.stringify({ ...plain, sha256: contentHash(plain) }, null, 1)}\n`;
}

/**
 * Parses and verifies artifact text: JSON, format tag and version, envelope schema, checksum, the
 * model schema, and the model itself (for the native trees: the encoder matching the trees).
 * With `{ openSessions: false }` a model that loads asynchronously (an ONNX session) is not
 * opened — what reading a version's metadata needs (`model list`) — and `scorer` is absent for it.
 *
 * @throws ArtifactError naming `file` and the problem.
 * @example const { artifact, schema, scorer } = parseArtifact(readFileSync(path, 'utf8'), path);
 */
export function parseArtifact(text: string, file: string): { artifact: ModelArtifact; schema: ModelSchema; scorer: RowScorer | Promise<RowScorer> };
export function parseArtifact(text: string, file: string, options: { openSessions: false }): { artifact: ModelArtifact; schema: ModelSchema; scorer?: RowScorer };
export function parseArtifact(text: string, file: string, options: { openSessions?: boolean } = {}): { artifact: ModelArtifact; schema: ModelSchema; scorer?: RowScorer | Promise<RowScorer> } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ArtifactError(file, `not valid JSON (truncated or corrupt): ${(error as Error).message}`);
  }
  const candidate = value as Partial<ModelArtifact> | null;
  if (!candidate || typeof candidate !== 'object' || candidate.format !== ARTIFACT_FORMAT) {
    throw new ArtifactError(file, `not a modelwatch model (format is ${JSON.stringify(candidate?.format)}, expected "${ARTIFACT_FORMAT}")`);
  }
  if (typeof candidate.format_version !== 'number' || candidate.format_version > ARTIFACT_FORMAT_VERSION) {
    throw new ArtifactError(file, `format_version ${candidate.format_version} is not supported by this modelwatch (reads up to ${ARTIFACT_FORMAT_VERSION}); upgrade modelwatch`);
  }
  if (!checkEnvelope(value)) {
    const e = checkEnvelope.errors![0];
    throw new ArtifactError(file, `field ${e.instancePath || '(root)'} ${e.message}`);
  }
  const { sha256, ...content } = value as ModelArtifact;
  if (contentHash(content) !== sha256) throw new ArtifactError(file, 'checksum mismatch: the content was changed or damaged after it was written');
  const artifact = value as ModelArtifact;
  const schema = modelSchemaOf(artifact, file);
  if (artifact.model_type === 'gbdt') return { artifact, schema, scorer: gbdtScorer(artifact, file) };
  if (artifact.model_type === 'onnx' && options.openSessions === false) return { artifact, schema };
  return { artifact, schema, scorer: importedScorer(artifact.model, schema, file) };
}

/**
 * The model schema an artifact carries. Artifacts written before the schema travelled with the
 * model are bank-marketing models: their columns are looked up in the bank-marketing schema.
 *
 * @throws ArtifactError when the schema is inconsistent or an old artifact names a column the
 *   bank-marketing schema does not have.
 */
export function modelSchemaOf(artifact: Pick<ModelArtifact, 'schema'>, file: string): ModelSchema {
  const stored = artifact.schema;
  if (stored.task === undefined) {
    const features = stored.features.map((f) => {
      const known = BANK_SCHEMA.features.find((b) => b.name === f.name && b.kind === f.kind);
      if (!known) throw new ArtifactError(file, `feature ${f.name} (${f.kind}) is not a bank-marketing column, and the artifact carries no schema of its own`);
      return known;
    });
    return { ...BANK_SCHEMA, features, classes: [stored.target.negative ?? BANK_SCHEMA.classes[0], stored.target.positive ?? BANK_SCHEMA.classes[1]], target: { name: stored.target.name } };
  }
  try {
    return parseSchemaJson({ features: stored.features, task: stored.task, classes: stored.classes, target: { name: stored.target.name } }, file);
  } catch (error) {
    throw new ArtifactError(file, `schema: ${(error as Error).message}`);
  }
}

/** The native trees, checked against the schema's encoder. */
function gbdtScorer(artifact: ModelArtifact, file: string): RowScorer {
  let model: GbdtModel;
  try {
    model = gbdtFromJSON(artifact.model as GbdtModelJson);
  } catch (error) {
    throw new ArtifactError(file, `model trees: ${(error as Error).message}`);
  }
  const features = artifact.schema.features;
  if (model.nFeatures !== features.length) throw new ArtifactError(file, `the trees read ${model.nFeatures} features but the schema lists ${features.length}`);
  features.forEach((f, i) => {
    if ((f.kind === 'categorical') !== model.categorical[i]) throw new ArtifactError(file, `feature ${f.name} is ${f.kind} in the schema but not in the trees`);
    if (f.kind === 'categorical' && !f.categories?.length) throw new ArtifactError(file, `categorical feature ${f.name} has no categories`);
  });
  // Binary models keep predictProba, the path every existing version has always been scored by.
  if (model.nOutputs === 1 && model.objective === 'binary') return { encoder: artifact.schema, nOutputs: 1, score: (x, out) => void (out[0] = model.predictProba(x)) };
  return { encoder: artifact.schema, nOutputs: model.nOutputs, score: (x, out) => model.predictOutputs(x, 0, out) };
}

/**
 * The holdout metrics a version serves with, checked against its task: a binary version's accuracy,
 * precision, recall, F1 and AUC; a multiclass version's accuracy, macro precision/recall/F1 and
 * per-class recall (one per class); a regression version's MAE and RMSE.
 *
 * @throws ArtifactError when the stored metrics are another task's.
 * @example holdoutOf(artifact, schema, file) // { mae: 41.2, rmse: 53.9 } for a regression version
 */
export function holdoutOf(artifact: Pick<ModelArtifact, 'metrics'>, schema: ModelSchema, file: string): TaskHoldoutMetrics {
  const m = artifact.metrics.holdout as unknown as Partial<Record<string, unknown>>;
  const wrong = (what: string) => new ArtifactError(file, `metrics.holdout holds no ${what}, which a ${schema.task} model's must`);
  if (schema.task === 'regression') {
    if (typeof m.mae !== 'number' || typeof m.rmse !== 'number') throw wrong('mae and rmse');
    return { mae: m.mae, rmse: m.rmse };
  }
  if (typeof m.accuracy !== 'number') throw wrong('accuracy');
  const { accuracy, precision, recall, f1 } = m as unknown as MulticlassHoldoutMetrics;
  if (schema.task === 'multiclass') {
    const classRecall = m.classRecall;
    if (!Array.isArray(classRecall) || classRecall.length !== schema.classes.length) throw wrong(`classRecall with one entry per class (${schema.classes.length})`);
    return { accuracy, precision, recall, f1, classRecall: classRecall as number[] };
  }
  if (typeof m.auc !== 'number') throw wrong('auc');
  return { accuracy, precision, recall, f1, auc: m.auc };
}
