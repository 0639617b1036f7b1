/**
 * The schema a model version carries: its input features (the same {@link Feature} records the
 * bank-marketing table uses), its task, its classes and its target column. Everything that reads a
 * request, encodes a row, bins it for drift or writes it to the audit log reads the serving model's
 * schema, so any tabular model is served and watched the same way; the bank-marketing data set's
 * curated schema is only the default.
 */
import { FEATURES, TARGET, type Feature } from './schema.js';

/** What a model name may be: it appears in URL paths (`/v2/models/<name>`). */
export const MODEL_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]*$';

/** What a model can predict. */
export const TASKS = ['binary', 'multiclass', 'regression'] as const;
/** What a model predicts. */
export type Task = (typeof TASKS)[number];

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

