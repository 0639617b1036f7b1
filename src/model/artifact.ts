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
import type { ReliabilityReport } from './evaluation.js';
import type { EncoderSpec } from './encoding.js';
import { gbdtFromJSON, type GbdtModel } from './gbdt/model.js';
import type { GbdtModelJson } from './gbdt/model-json.js';
import type { HoldoutMetrics } from './serving-model.js';

/** The format tag every artifact carries; a reader refuses any other. */
export const ARTIFACT_FORMAT = 'modelwatch.model';
/** Bumped on incompatible changes; a reader refuses newer versions it does not know. */
export const ARTIFACT_FORMAT_VERSION = 1;

const Num = Type.Number();
const Metrics = Type.Object({ accuracy: Num, precision: Num, recall: Num, f1: Num, auc: Num, logLoss: Num, brier: Num });
const FeatureBaselineSchema = Type.Union([
  Type.Object({ kind: Type.Literal('numeric'), points: Type.Array(Num), upperEdges: Type.Array(Num), labels: Type.Array(Type.String()), shares: Type.Array(Num) }),
  Type.Object({ kind: Type.Literal('categorical'), labels: Type.Array(Type.String()), shares: Type.Array(Num) }),
]);

/** The envelope's schema (the trees are checked by the GBDT loader). */
export const ArtifactSchema = Type.Object({
  format: Type.Literal(ARTIFACT_FORMAT),
  format_version: Type.Integer({ minimum: 1 }),
  version: Type.String({ pattern: '^v[0-9]+$' }),
  created_at: Type.String({ minLength: 1 }),
  model_type: Type.Literal('gbdt'),
  training: Type.Object({
    data_sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    data_source: Type.String(),
    rows: Type.Integer({ minimum: 1 }),
    train_rows: Type.Integer({ minimum: 1 }),
    test_rows: Type.Integer({ minimum: 1 }),
    test_share: Num,
    seed: Type.Integer(),
    seconds: Num,
    /** The pipeline run that registered this version (absent for `modelwatch train`): a retried register step finds it. */
    pipeline_run_id: Type.Optional(Type.String()),
  }),
  schema: Type.Object({
    features: Type.Array(Type.Object({ name: Type.String(), kind: Type.Union([Type.Literal('numeric'), Type.Literal('categorical')]), categories: Type.Optional(Type.Array(Type.String())) }), { minItems: 1 }),
    target: Type.Object({ name: Type.String(), negative: Type.String(), positive: Type.String() }),
  }),
  decision_threshold: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }),
  metrics: Type.Object({ holdout: Metrics, reliability: Type.Object({ ece: Num, mce: Num, bins: Type.Array(Type.Object({ lower: Num, upper: Num, count: Num, meanPredicted: Type.Union([Num, Type.Null()]), observedRate: Type.Union([Num, Type.Null()]) })) }) }),
  baseline: Type.Object({
    rows: Type.Integer({ minimum: 0 }),
    features: Type.Record(Type.String(), FeatureBaselineSchema),
    classShares: Type.Tuple([Num, Num]),
    predictions: Type.Optional(Type.Object({ classShares: Type.Tuple([Num, Num]), confidence: FeatureBaselineSchema })),
  }),
  model: Type.Object({ format: Type.String() }, { additionalProperties: true }),
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
});

/** A parsed, verified artifact. */
export type ModelArtifact = Omit<Static<typeof ArtifactSchema>, 'schema' | 'baseline' | 'model' | 'metrics'> & {
  schema: { features: EncoderSpec['features']; target: { name: string; negative: string; positive: string } };
  baseline: TrainingBaseline;
  model: GbdtModelJson;
  metrics: { holdout: HoldoutMetrics & { logLoss: number; brier: number }; reliability: ReliabilityReport };
};

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
 * encoder matching the trees, and the trees themselves.
 *
 * @throws ArtifactError naming `file` and the problem.
 * @example const { artifact, model } = parseArtifact(readFileSync(path, 'utf8'), path);
 */
export function parseArtifact(text: string, file: string): { artifact: ModelArtifact; model: GbdtModel } {
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
  let model: GbdtModel;
  try {
    model = gbdtFromJSON(artifact.model);
  } catch (error) {
    throw new ArtifactError(file, `model trees: ${(error as Error).message}`);
  }
  const features = artifact.schema.features;
  if (model.nFeatures !== features.length) throw new ArtifactError(file, `the trees read ${model.nFeatures} features but the schema lists ${features.length}`);
  features.forEach((f, i) => {
    if ((f.kind === 'categorical') !== model.categorical[i]) throw new ArtifactError(file, `feature ${f.name} is ${f.kind} in the schema but not in the trees`);
    if (f.kind === 'categorical' && !f.categories?.length) throw new ArtifactError(file, `categorical feature ${f.name} has no categories`);
  });
  return { artifact, model };
}
