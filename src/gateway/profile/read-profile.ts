/**
 * Reading a reference profile (`modelwatch gateway --reference <profile.json>`): the file is checked
 * field by field before a gateway compares anything against it, so a truncated, hand-edited or
 * foreign file is refused with the field at fault instead of skewing every drift figure. The schema
 * is checked by the schema-file reader (parseSchemaJson); the baseline by the artifact's JSON Schema
 * of a baseline, then against the schema (a bin set per feature, class shares per class).
 */
import { readFileSync } from 'node:fs';
import { Type } from '@sinclair/typebox';
import { Ajv, type ErrorObject } from 'ajv';
import { parseSchemaJson } from '../../data/schema-file.js';
import type { ModelSchema } from '../../data/model-schema.js';
import { ProfileInvalidError } from '../../errors.js';
import type { TrainingBaseline } from '../../model/baseline.js';
import { TrainingBaselineSchema } from '../../model/baseline-schema.js';
import { PROFILE_FORMAT, type ReferenceProfile } from './types.js';

const Num = Type.Number();

/** Everything but the schema (parseSchemaJson's) and the baseline's consistency with it. */
const ProfileSchema = Type.Object({
  format: Type.String(),
  name: Type.String({ minLength: 1 }),
  // It labels metrics and is written into audit lines: a name, not free text.
  version: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$' }),
  created_at: Type.String({ minLength: 1 }),
  source: Type.Object({ data: Type.String(), rows: Type.Integer({ minimum: 1 }), data_sha256: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })), predictions: Type.String() }),
  text: Type.Optional(Type.Object({ column: Type.String({ minLength: 1 }), vocabulary: Type.Optional(Type.Array(Type.String())) })),
  schema: Type.Object({}, { additionalProperties: true }),
  baseline: TrainingBaselineSchema,
  threshold: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }),
  reference_quality: Type.Optional(
    Type.Union([
      Type.Object({ accuracy: Num, precision: Num, recall: Num, f1: Num, auc: Num }),
      Type.Object({ accuracy: Num, precision: Num, recall: Num, f1: Num, classRecall: Type.Array(Type.Union([Num, Type.Null()])) }),
      Type.Object({ mae: Num, rmse: Num }),
    ]),
  ),
});

const ajv = new Ajv({ allErrors: false, strict: false });
const checkProfile = ajv.compile(ProfileSchema);

/** Ajv's first error as "field: problem". */
function firstProblem(errors: readonly ErrorObject[]): string {
  const e = errors[0];
  const field = e.instancePath.split('/').filter(Boolean).join('.');
  const params = e.params as { missingProperty?: string };
  if (params.missingProperty) return `${field ? `${field}.` : ''}${params.missingProperty} is missing`;
  return `${field || 'the file'} ${e.message ?? 'is invalid'}`;
}

/**
 * Checks parsed JSON as a reference profile.
 *
 * @throws ProfileInvalidError naming `file`, the field and the problem.
 * @example parseProfile(JSON.parse(text), 'profile.json').version // 'profile-3f9a0c1d2e4b'
 */
export function parseProfile(value: unknown, file: string): ReferenceProfile {
  const fail = (problem: string): never => {
    throw new ProfileInvalidError(file, problem);
  };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail('not a JSON object');
  const format = (value as { format?: unknown }).format;
  if (format !== PROFILE_FORMAT) fail(`format is ${JSON.stringify(format)}, not "${PROFILE_FORMAT}": not a reference profile written by \`modelwatch profile\` (or one of a newer version)`);
  if (!checkProfile(value)) fail(firstProblem(checkProfile.errors as ErrorObject[]));
  const raw = value as ReferenceProfile;
  let schema: ModelSchema;
  try {
    schema = parseSchemaJson(raw.schema, file);
  } catch (error) {
    return fail(`schema: ${(error as Error).message}`);
  }
  checkBaseline(raw.baseline, schema, fail);
  if (raw.reference_quality && ('mae' in raw.reference_quality) !== (schema.task === 'regression')) fail(`reference_quality holds another task's figures than the schema's (${schema.task})`);
  return { ...raw, schema };
}

/** The baseline against the schema: bins of every feature, class shares of every class, outputs of the task. */
function checkBaseline(baseline: TrainingBaseline, schema: ModelSchema, fail: (problem: string) => never): void {
  for (const feature of schema.features) {
    const bins = baseline.features[feature.name];
    if (!bins) fail(`baseline.features.${feature.name} is missing: the schema's feature has no bins`);
    if (bins.kind !== feature.kind) fail(`baseline.features.${feature.name} is ${bins.kind} but the schema's feature is ${feature.kind}`);
    if (bins.labels.length !== bins.shares.length) fail(`baseline.features.${feature.name} has ${bins.labels.length} labels but ${bins.shares.length} shares`);
  }
  const classes = schema.classes.length;
  if (baseline.classShares.length !== classes) fail(`baseline.classShares has ${baseline.classShares.length} entries; the schema has ${classes} classes`);
  const predictions = baseline.predictions;
  if (!predictions) return fail('baseline.predictions is missing: the profile has no baseline of the model\'s outputs');
  if (schema.task === 'regression') {
    if (!predictions.value) fail('baseline.predictions.value is missing: a regression profile bins the predicted values');
    return;
  }
  if (!predictions.classShares || predictions.classShares.length !== classes) fail(`baseline.predictions.classShares needs ${classes} entries (one per class)`);
  if (!predictions.confidence) fail('baseline.predictions.confidence is missing: a classifier\'s profile bins the confidence of its predictions');
}

/**
 * Reads and checks a reference profile file.
 *
 * @throws ProfileInvalidError naming the file, the field and the problem (also for an unreadable file and bad JSON).
 * @example const profile = readProfile('profile.json'); profile.schema.task // 'binary'
 */
export function readProfile(path: string): ReferenceProfile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ProfileInvalidError(path, `it cannot be read: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ProfileInvalidError(path, `not valid JSON: ${(error as Error).message}`);
  }
  return parseProfile(value, path);
}
