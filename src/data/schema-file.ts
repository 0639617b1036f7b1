/**
 * A {@link ModelSchema} read from a JSON file — the output of `modelwatch schema infer`, edited by
 * hand — checked field by field so a typo is refused with the field's path instead of training a
 * model on a schema that means something else. The shape is checked with JSON Schema (TypeBox,
 * Ajv); what JSON Schema cannot say (unique names, a default inside its range or among the
 * categories, classes matching the task) is checked after.
 */
import { readFileSync } from 'node:fs';
import { Type } from '@sinclair/typebox';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { SchemaFileError } from '../errors.js';
import { MAX_CATEGORIES_LIMIT } from './infer-schema.js';
import type { ModelSchema, Task } from './model-schema.js';
import type { CategoricalFeature, Feature, NumericFeature } from './schema.js';

const Name = Type.String({ minLength: 1 });
const Description = Type.Optional(Type.String());
const Required = Type.Optional(Type.Boolean());

/** The whole file; each feature is checked again by its own kind's schema below. */
const SchemaFileSchema = Type.Object(
  {
    features: Type.Array(Type.Object({ name: Name, kind: Type.Union([Type.Literal('numeric'), Type.Literal('categorical')]) }), { minItems: 1 }),
    task: Type.Union([Type.Literal('binary'), Type.Literal('multiclass'), Type.Literal('regression')]),
    classes: Type.Array(Type.String({ minLength: 1 })),
    target: Type.Object({ name: Name }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

/** A numeric feature: `required` defaults to false and `description` to "" when absent. */
const NumericSchema = Type.Object(
  { name: Name, kind: Type.Literal('numeric'), integer: Type.Boolean(), min: Type.Number(), max: Type.Number(), default: Type.Number(), required: Required, description: Description },
  { additionalProperties: false },
);

/** A categorical feature: aliases map other spellings to a category. */
const CategoricalSchema = Type.Object(
  {
    name: Name,
    kind: Type.Literal('categorical'),
    categories: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: MAX_CATEGORIES_LIMIT }),
    aliases: Type.Optional(Type.Record(Type.String(), Type.String())),
    default: Type.String(),
    required: Required,
    description: Description,
  },
  { additionalProperties: false },
);

const ajv = new Ajv({ allErrors: false, strict: false });
const checkFile = ajv.compile(SchemaFileSchema);
const checkNumeric = ajv.compile(NumericSchema);
const checkCategorical = ajv.compile(CategoricalSchema);

/** `/features/3/min` → `features[3].min`, the way a reader of the JSON would point at it. */
function fieldPath(instancePath: string, prefix = ''): string {
  const parts = instancePath.split('/').filter((p) => p !== '');
  let path = prefix;
  for (const part of parts) path += /^\d+$/.test(part) ? `[${part}]` : `${path ? '.' : ''}${part}`;
  return path;
}

/** Ajv's first error as (field, problem), naming an unknown or missing property itself. */
function firstError(check: ValidateFunction, prefix: string): { field: string; problem: string } {
  const e = (check.errors as ErrorObject[])[0];
  const field = fieldPath(e.instancePath, prefix);
  const params = e.params as { additionalProperty?: string; missingProperty?: string; allowedValues?: unknown[] };
  if (params.additionalProperty) return { field: field ? `${field}.${params.additionalProperty}` : params.additionalProperty, problem: 'is not a schema field (a typo?)' };
  if (params.missingProperty) return { field: field ? `${field}.${params.missingProperty}` : params.missingProperty, problem: 'is missing' };
  if (e.keyword === 'anyOf' || e.keyword === 'const') return { field, problem: `has an unexpected value: ${describeAllowed(check, e)}` };
  return { field, problem: e.message ?? 'is invalid' };
}

/** For a union of literals Ajv reports anyOf; say which values are allowed instead. */
function describeAllowed(check: ValidateFunction, e: ErrorObject): string {
  const consts = (check.errors as ErrorObject[]).filter((x) => x.keyword === 'const' && x.instancePath === e.instancePath).map((x) => JSON.stringify((x.params as { allowedValue: unknown }).allowedValue));
  return consts.length ? `expected one of ${consts.join(', ')}` : (e.message ?? 'invalid');
}

/** Checks one value against a compiled schema; throws SchemaFileError naming the first problem. */
function validate(check: ValidateFunction, value: unknown, file: string, prefix: string): void {
  if (check(value)) return;
  const { field, problem } = firstError(check, prefix);
  throw new SchemaFileError(file, field, problem);
}

/** The semantic rules of one feature, with defaults filled in. */
function readFeature(value: Record<string, unknown>, index: number, file: string): Feature {
  const at = `features[${index}]`;
  const fail = (field: string, problem: string): never => {
    throw new SchemaFileError(file, `${at}.${field}`, problem);
  };
  if (value.kind === 'numeric') {
    // Ajv with allErrors off stops at the first error, but a union reports all its branches; check each kind on its own.
    validate(checkNumeric, value, file, at);
    const f = value as unknown as NumericFeature;
    if (f.min > f.max) fail('min', `${f.min} is greater than max ${f.max}`);
    if (f.default < f.min || f.default > f.max) fail('default', `${f.default} is outside min..max ${f.min}..${f.max}`);
    if (f.integer && !Number.isInteger(f.default)) fail('default', `${f.default} is not a whole number, but the feature is integer`);
    return { name: f.name, kind: 'numeric', integer: f.integer, min: f.min, max: f.max, default: f.default, required: f.required ?? false, description: f.description ?? '' };
  }
  validate(checkCategorical, value, file, at);
  const f = value as unknown as CategoricalFeature;
  const seen = new Set<string>();
  f.categories.forEach((c, i) => {
    if (seen.has(c)) fail(`categories[${i}]`, `repeats category ${JSON.stringify(c)}`);
    seen.add(c);
  });
  if (!seen.has(f.default)) fail('default', `${JSON.stringify(f.default)} is not one of the categories`);
  for (const [alias, category] of Object.entries(f.aliases ?? {})) {
    if (!seen.has(category)) fail(`aliases.${alias}`, `maps to ${JSON.stringify(category)}, which is not one of the categories`);
  }
  return {
    name: f.name,
    kind: 'categorical',
    categories: [...f.categories],
    ...(f.aliases ? { aliases: { ...f.aliases } } : {}),
    default: f.default,
    required: f.required ?? false,
    description: f.description ?? '',
  };
}

/** Classes that fit the task: 2 for binary, at least 2 for multiclass, none for regression; all distinct. */
function checkClasses(task: Task, classes: readonly string[], file: string): void {
  const expected = task === 'binary' ? classes.length === 2 : task === 'multiclass' ? classes.length >= 2 : classes.length === 0;
  if (!expected) {
    const want = task === 'binary' ? 'exactly 2 ([negative, positive])' : task === 'multiclass' ? 'at least 2' : 'none (an empty list)';
    throw new SchemaFileError(file, 'classes', `has ${classes.length} entries; a ${task} schema needs ${want}`);
  }
  classes.forEach((c, i) => {
    if (classes.indexOf(c) !== i) throw new SchemaFileError(file, `classes[${i}]`, `repeats class ${JSON.stringify(c)}`);
  });
}

/**
 * Checks parsed JSON as a model schema and returns it with optional fields filled in (`required`
 * false, `description` ""). Throws {@link SchemaFileError} naming `file`, the field and the problem.
 *
 * @example parseSchemaJson(JSON.parse(text), 'schema.json').task // 'multiclass'
 */
export function parseSchemaJson(value: unknown, file: string): ModelSchema {
  validate(checkFile, value, file, '');
  const raw = value as { features: Record<string, unknown>[]; task: Task; classes: string[]; target: { name: string } };
  const features = raw.features.map((f, i) => readFeature(f, i, file));
  const names = new Set<string>();
  features.forEach((f, i) => {
    if (names.has(f.name)) throw new SchemaFileError(file, `features[${i}].name`, `repeats feature ${JSON.stringify(f.name)}`);
    names.add(f.name);
  });
  if (names.has(raw.target.name)) throw new SchemaFileError(file, 'target.name', `${JSON.stringify(raw.target.name)} is also a feature; the label cannot be an input`);
  checkClasses(raw.task, raw.classes, file);
  return { features, task: raw.task, classes: [...raw.classes], target: { name: raw.target.name } };
}

/**
 * Reads and checks a schema JSON file (the `--schema` override of inference).
 *
 * @throws SchemaFileError naming the file, the field and the problem (also for unreadable files and bad JSON).
 * @example const schema = readSchemaFile('wine.schema.json');
 */
export function readSchemaFile(path: string): ModelSchema {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SchemaFileError(path, '', `it cannot be read: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SchemaFileError(path, '', `not valid JSON: ${(error as Error).message}`);
  }
  return parseSchemaJson(value, path);
}

