/**
 * The schema a model version carries: its input features (the same {@link Feature} records the
 * bank-marketing table uses), its task, its classes and its target column. Everything that reads a
 * request, encodes a row, bins it for drift or writes it to the audit log reads the serving model's
 * schema, so any tabular model is served and watched the same way; the bank-marketing data set's
 * curated schema is only the default.
 */
import { Type } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { FEATURES, TARGET, type Feature } from './schema.js';

/** What a model predicts. */
export type Task = 'binary' | 'multiclass' | 'regression';

/** A model's schema. */
export interface ModelSchema {
  /** Input features in the model's order. */
  readonly features: readonly Feature[];
  readonly task: Task;
  /**
   * Class names in the model's output order. Binary: `[negative, positive]` (the model outputs the
   * probability of `classes[1]`). Multiclass: one per output. Regression: empty.
   */
  readonly classes: readonly string[];
  /** The label column of the training or reference data. */
  readonly target: { readonly name: string };
}

/**
 * The bank-marketing data set's curated schema: 16 columns with documented ranges, aliases such as
 * `admin` → `admin.`, and the binary target `y` (no/yes).
 */
export const BANK_SCHEMA: ModelSchema = {
  features: FEATURES,
  task: 'binary',
  classes: [TARGET.negative, TARGET.positive],
  target: { name: TARGET.name },
};

const Str = Type.String({ minLength: 1 });
const NumericFeatureJson = Type.Object({
  name: Str,
  kind: Type.Literal('numeric'),
  integer: Type.Boolean(),
  min: Type.Number(),
  max: Type.Number(),
  default: Type.Number(),
  required: Type.Boolean(),
  description: Type.String(),
});
const CategoricalFeatureJson = Type.Object({
  name: Str,
  kind: Type.Literal('categorical'),
  categories: Type.Array(Type.String(), { minItems: 1 }),
  aliases: Type.Optional(Type.Record(Type.String(), Type.String())),
  default: Type.String(),
  required: Type.Boolean(),
  description: Type.String(),
});

/** The JSON form of a {@link ModelSchema}, as an artifact or a `--schema` file holds it. */
export const ModelSchemaJson = Type.Object({
  features: Type.Array(Type.Union([NumericFeatureJson, CategoricalFeatureJson]), { minItems: 1 }),
  task: Type.Union([Type.Literal('binary'), Type.Literal('multiclass'), Type.Literal('regression')]),
  classes: Type.Array(Type.String()),
  target: Type.Object({ name: Str }),
});

const checkJson = new Ajv({ allErrors: false, strict: false }).compile(ModelSchemaJson);

/**
 * Checks a schema read from JSON — its shape, then the rules the shape cannot say: unique feature
 * names, min ≤ max, defaults inside the range or among the categories, aliases pointing at
 * categories, classes that fit the task — and returns it typed.
 *
 * @returns the schema, or the first problem in words (naming the field).
 * @example checkModelSchema(JSON.parse(text)) // { ok: true, schema }
 */
export function checkModelSchema(value: unknown): { ok: true; schema: ModelSchema } | { ok: false; problem: string } {
  if (!checkJson(value)) {
    const e = checkJson.errors![0];
    return { ok: false, problem: `${e.instancePath || '(root)'} ${e.message}` };
  }
  const schema = value as ModelSchema;
  const seen = new Set<string>();
  for (const [i, f] of schema.features.entries()) {
    const at = `/features/${i} (${f.name})`;
    if (seen.has(f.name)) return { ok: false, problem: `${at}: the name appears twice` };
    if (f.name === schema.target.name) return { ok: false, problem: `${at}: the target column cannot also be a feature` };
    seen.add(f.name);
    if (f.kind === 'numeric') {
      if (!(f.min <= f.max)) return { ok: false, problem: `${at}: min ${f.min} is above max ${f.max}` };
      if (f.default < f.min || f.default > f.max) return { ok: false, problem: `${at}: default ${f.default} is outside ${f.min}..${f.max}` };
      if (f.integer && !Number.isInteger(f.default)) return { ok: false, problem: `${at}: default ${f.default} is not an integer` };
    } else {
      if (new Set(f.categories).size !== f.categories.length) return { ok: false, problem: `${at}: a category is listed twice` };
      if (!f.categories.includes(f.default)) return { ok: false, problem: `${at}: default "${f.default}" is not one of its categories` };
      for (const [alias, target] of Object.entries(f.aliases ?? {})) {
        if (!f.categories.includes(target)) return { ok: false, problem: `${at}: alias "${alias}" points at "${target}", which is not one of its categories` };
      }
    }
  }
  const classes = schema.classes.length;
  if (schema.task === 'binary' && classes !== 2) return { ok: false, problem: `/classes: a binary model has 2 classes [negative, positive], not ${classes}` };
  if (schema.task === 'multiclass' && classes < 3) return { ok: false, problem: `/classes: a multiclass model has at least 3 classes, not ${classes}` };
  if (schema.task === 'regression' && classes !== 0) return { ok: false, problem: '/classes: a regression model has no classes' };
  if (new Set(schema.classes).size !== classes) return { ok: false, problem: '/classes: a class is listed twice' };
  return { ok: true, schema };
}
