/**
 * The UCI bank-marketing feature schema: the 16 input columns, their types, allowed categories and
 * sane numeric ranges, and the target `y`. Everything that validates, encodes, generates or bins a
 * row reads this one table, so a category or range lives in exactly one place.
 */

/** A numeric input column. */
export interface NumericFeature {
  readonly name: string;
  readonly kind: 'numeric';
  /** Whole numbers only (counts, days, years). */
  readonly integer: boolean;
  /** Inclusive sane range; values outside are rejected as out of range. */
  readonly min: number;
  readonly max: number;
  /** Used when `/predict` omits an optional column: the training data's median. */
  readonly default: number;
  /** The `/predict` body must carry it (the eight fields a caller always knows; the others have defaults). */
  readonly required: boolean;
  readonly description: string;
}

/** A categorical input column. */
export interface CategoricalFeature {
  readonly name: string;
  readonly kind: 'categorical';
  /** Allowed values, in the order the UCI documentation lists them. */
  readonly categories: readonly string[];
  /** Accepted spellings that mean an allowed value (clients commonly send `"admin"` for UCI's `"admin."`, as the README's example does). */
  readonly aliases?: Readonly<Record<string, string>>;
  /** Used when `/predict` omits an optional column: the training data's most common value. */
  readonly default: string;
  readonly required: boolean;
  readonly description: string;
}

export type Feature = NumericFeature | CategoricalFeature;

/** The target column and its two classes; class 1 means the client subscribed a term deposit. */
export const TARGET = { name: 'y', negative: 'no', positive: 'yes' } as const;

/** The 16 UCI input columns in file order. Defaults are bank-full's medians and modes. */
export const FEATURES: readonly Feature[] = [
  { name: 'age', kind: 'numeric', integer: true, min: 18, max: 100, default: 39, required: true, description: 'Age in years.' },
  {
    name: 'job', kind: 'categorical', required: true, default: 'blue-collar', description: 'Type of job.',
    categories: ['admin.', 'blue-collar', 'entrepreneur', 'housemaid', 'management', 'retired', 'self-employed', 'services', 'student', 'technician', 'unemployed', 'unknown'],
    aliases: { admin: 'admin.' },
  },
  { name: 'marital', kind: 'categorical', required: true, default: 'married', description: 'Marital status.', categories: ['divorced', 'married', 'single'] },
  { name: 'education', kind: 'categorical', required: true, default: 'secondary', description: 'Education level.', categories: ['primary', 'secondary', 'tertiary', 'unknown'] },
  { name: 'default', kind: 'categorical', required: false, default: 'no', description: 'Has credit in default?', categories: ['no', 'yes'] },
  { name: 'balance', kind: 'numeric', integer: false, min: -100_000, max: 1_000_000, default: 448, required: false, description: 'Average yearly balance in euros.' },
  { name: 'housing', kind: 'categorical', required: true, default: 'yes', description: 'Has a housing loan?', categories: ['no', 'yes'] },
  { name: 'loan', kind: 'categorical', required: true, default: 'no', description: 'Has a personal loan?', categories: ['no', 'yes'] },
  { name: 'contact', kind: 'categorical', required: false, default: 'cellular', description: 'Contact communication type.', categories: ['cellular', 'telephone', 'unknown'] },
  { name: 'day', kind: 'numeric', integer: true, min: 1, max: 31, default: 16, required: false, description: 'Last contact day of the month.' },
  {
    name: 'month', kind: 'categorical', required: false, default: 'may', description: 'Last contact month of the year.',
    categories: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  },
  { name: 'duration', kind: 'numeric', integer: false, min: 0, max: 10_000, default: 180, required: true, description: 'Last contact duration in seconds.' },
  { name: 'campaign', kind: 'numeric', integer: true, min: 1, max: 100, default: 2, required: true, description: 'Contacts during this campaign, including the last one.' },
  { name: 'pdays', kind: 'numeric', integer: true, min: -1, max: 1_000, default: -1, required: false, description: 'Days since the client was last contacted by a previous campaign; -1 means never.' },
  { name: 'previous', kind: 'numeric', integer: true, min: 0, max: 1_000, default: 0, required: false, description: 'Contacts before this campaign.' },
  {
    name: 'poutcome', kind: 'categorical', required: false, default: 'unknown', description: 'Outcome of the previous campaign.',
    categories: ['failure', 'other', 'success', 'unknown'],
  },
];

/** Column names in file order. */
export const FEATURE_NAMES: readonly string[] = FEATURES.map((f) => f.name);

/** A validated row: numbers for numeric columns, allowed category strings for categorical ones. */
export type Row = Record<string, number | string>;

/** A labelled row; `y` is 1 for "yes". */
export interface LabelledRow {
  readonly features: Row;
  readonly y: 0 | 1;
}

/**
 * Resolves a categorical value (with aliases) to its allowed spelling, or `undefined` if unknown.
 *
 * @example canonicalCategory(jobFeature, 'admin') // 'admin.'
 */
export function canonicalCategory(feature: CategoricalFeature, value: string): string | undefined {
  if (feature.categories.includes(value)) return value;
  return feature.aliases?.[value];
}

/** Looks a feature up by name; throws on a name that is not in the schema (a programming error). */
export function featureByName(name: string): Feature {
  const feature = FEATURES.find((f) => f.name === name);
  if (!feature) throw new Error(`unknown feature ${name}`);
  return feature;
}
