/**
 * Validation of a prediction row arriving as JSON: one JSON schema generated from the serving
 * model's features, compiled once per model by Ajv with `allErrors`, so a client learns every
 * problem of a request at once.
 * Ajv's errors are translated into {@link InputProblem}s that name the field, what was expected and
 * what came, with a bounded reason for the ml_input_validation_failures_total label.
 */
import { Ajv, type ErrorObject } from 'ajv';
import type { InputProblem, RejectionReason } from '../errors.js';
import { FEATURES, canonicalCategory, type Feature, type Row } from './schema.js';

/**
 * The JSON schema of one `/predict` row of a model with these features. Unknown fields are
 * tolerated (and ignored) up to `maxExtraFields`, so a client may send an id of its own without
 * breaking, but not a dump.
 *
 * @example rowJsonSchema(8).required // ['age', 'job', ...]
 */
export function rowJsonSchema(maxExtraFields: number, features: readonly Feature[] = FEATURES) {
  const properties: Record<string, object> = {};
  for (const f of features) {
    properties[f.name] =
      f.kind === 'numeric'
        ? { type: f.integer ? 'integer' : 'number', minimum: f.min, maximum: f.max }
        : { type: 'string', enum: [...f.categories, ...Object.keys(f.aliases ?? {})] };
  }
  return {
    type: 'object',
    properties,
    required: features.filter((f) => f.required).map((f) => f.name),
    // A hard cap on all fields; the limit on unknown ones is checked after Ajv (createRowValidator).
    maxProperties: features.length + maxExtraFields,
  } as const;
}

/** Checks one row; returns `undefined` when it is valid, else every problem found. */
export type RowValidator = (body: unknown) => InputProblem[] | undefined;

/**
 * Compiles the row validator of a model's features (the bank-marketing columns by default).
 *
 * @example
 * const validate = createRowValidator(8);
 * validate({ age: 'x' }); // [{ field: 'age', reason: 'wrong_type', ... }, { field: 'job', reason: 'missing_field', ... }, ...]
 */
export function createRowValidator(maxExtraFields: number, features: readonly Feature[] = FEATURES): RowValidator {
  const ajv = new Ajv({ allErrors: true, coerceTypes: false, strict: true });
  const check = ajv.compile(rowJsonSchema(maxExtraFields, features));
  const byName = new Map(features.map((f) => [f.name, f]));
  const unknownFields = (body: unknown) => unknownFieldsOf(body, byName);
  const toProblem = (error: ErrorObject, body: unknown): InputProblem => problemOf(error, body, byName, () => tooManyFields('(body)', unknownFields(body), maxExtraFields));
  return (body) => {
    const extra = unknownFields(body);
    if (check(body) && extra.length <= maxExtraFields) return undefined;
    const problems: InputProblem[] = [];
    const seen = new Set<string>();
    if (extra.length > maxExtraFields) {
      seen.add('(body)');
      problems.push(tooManyFields('(body)', extra, maxExtraFields));
    }
    for (const error of check.errors ?? []) {
      const problem = toProblem(error, body);
      if (seen.has(problem.field)) continue; // one problem per field: the first is the one to fix
      seen.add(problem.field);
      problems.push(problem);
    }
    return problems;
  };
}

function problemOf(error: ErrorObject, body: unknown, byName: ReadonlyMap<string, Feature>, tooMany: () => InputProblem): InputProblem {
  const name = error.instancePath.slice(1);
  const feature = byName.get(name);
  const got = feature ? (body as Record<string, unknown>)[name] : undefined;
  switch (error.keyword) {
    case 'required': {
      const missing = String(error.params.missingProperty);
      return problem(missing, 'missing_field', describe(byName.get(missing)!));
    }
    case 'maxProperties':
      return tooMany();
    case 'type':
      if (!feature) return problem('(body)', 'wrong_type', 'a JSON object', jsonType(body));
      if (typeof got === 'number' && !Number.isFinite(got)) return problem(name, 'non_finite', describe(feature), String(got));
      return problem(name, 'wrong_type', describe(feature), got);
    case 'enum':
      return problem(name, 'unknown_category', describe(feature!), got);
    case 'minimum':
    case 'maximum':
      return problem(name, 'out_of_range', describe(feature!), got);
    default:
      return problem(name || '(body)', 'wrong_type', error.message ?? 'a valid value', got);
  }
}

/** Longest string echoed back in `got`. */
const MAX_ECHO = 100;

/**
 * A problem, echoing what came only as a bounded primitive: an array or object is named by its type
 * (a deeply nested value would otherwise overflow the serialiser of the error body).
 */
function problem(field: string, reason: RejectionReason, expected: string, got?: unknown): InputProblem {
  if (got === undefined) return { field, reason, expected };
  if (got !== null && typeof got === 'object') return { field, reason, expected, got: jsonType(got) };
  if (typeof got === 'string' && got.length > MAX_ECHO) return { field, reason, expected, got: `${got.slice(0, MAX_ECHO)}…` };
  return { field, reason, expected, got };
}

/** Keys of a JSON object that are not features (none for anything else). */
function unknownFieldsOf(body: unknown, byName: ReadonlyMap<string, Feature>): string[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return [];
  const extra: string[] = [];
  for (const key in body) if (!byName.has(key)) extra.push(key);
  return extra;
}

function tooManyFields(field: string, extra: readonly string[], maxExtraFields: number): InputProblem {
  return problem(field, 'too_many_fields', `at most ${maxExtraFields} fields that are not features`, `${extra.length} unknown fields: ${extra.slice(0, 10).join(', ')}`);
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

/**
 * What a feature accepts, in words, for error messages.
 *
 * @example describe(featureByName('age')) // 'an integer in 18..100'
 */
export function describe(feature: Feature): string {
  if (feature.kind === 'numeric') return `${feature.integer ? 'an integer' : 'a number'} in ${feature.min}..${feature.max}`;
  return `one of ${feature.categories.join(', ')}`;
}

/**
 * Fills the optional columns a valid body omitted with their documented defaults and resolves
 * category aliases, giving the complete row the model and drift monitor see.
 *
 * @example completeRow({ age: 30, job: 'admin', ... }).job // 'admin.'
 */
export function completeRow(body: Record<string, unknown>, features: readonly Feature[] = FEATURES): Row {
  const row: Row = {};
  for (let i = 0; i < features.length; i++) {
    const f = features[i];
    const value = body[f.name];
    if (value === undefined) row[f.name] = f.default;
    else row[f.name] = f.kind === 'categorical' ? (canonicalCategory(f, value as string) as string) : (value as number);
  }
  return row;
}
