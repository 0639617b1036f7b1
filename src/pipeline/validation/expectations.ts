/**
 * What the data validation step expects of a file, taken from the current model version: its
 * columns and their types, the categories it was trained with (schema ranges from the feature table,
 * which the artifact does not copy), and — the model-relative rules — the size of its training data
 * and its training positive share. Without a current model only the schema rules can run.
 */
import { FEATURES, TARGET, type CategoricalFeature, type Feature } from '../../data/schema.js';
import type { ModelArtifact } from '../../model/artifact.js';
import type { ModelRegistry } from '../../model/registry.js';

/** Rows the new data may have, relative to the training data of the current model. */
export interface RowCountExpectation {
  readonly min: number;
  readonly max: number;
  /** Rows of the data the current model was trained on (training and holdout). */
  readonly trainingRows: number;
}

/**
 * The positive share the new data should have. The allowed deviation is the larger of an absolute
 * tolerance and `z` binomial standard errors for the file's row count: the absolute part keeps a
 * large file from failing on a harmless half-point wobble (a z-test alone flags everything at 45k
 * rows), the z part keeps a small file from failing on sampling noise.
 */
export interface ClassBalanceExpectation {
  /** Share of positive labels in the current model's training rows. */
  readonly positiveShare: number;
  readonly absoluteTolerance: number;
  readonly z: number;
}

/** Everything a file is validated against. */
export interface DataExpectations {
  /** Where the expectations come from, in words, for the report. */
  readonly source: string;
  /** The model version they come from; undefined when there is no current model. */
  readonly modelVersion: string | undefined;
  /** The feature columns: schema types and ranges, categories as the model knows them. */
  readonly features: readonly Feature[];
  /** Absent without a model: the rule is skipped. */
  readonly rowCount?: RowCountExpectation;
  /** Absent without a model: the rule is skipped. */
  readonly classBalance?: ClassBalanceExpectation;
}

/** Tunables of the model-relative expectations; every field has a documented default. */
export interface ExpectationOptions {
  /** Lowest acceptable row count as a share of the training rows; default 0.5. */
  readonly minRowsRatio?: number;
  /** Highest acceptable row count as a multiple of the training rows; default 10. */
  readonly maxRowsRatio?: number;
  /** Absolute deviation of the positive share always tolerated; default 0.05 (5 points). */
  readonly classBalanceTolerance?: number;
  /** Binomial standard errors tolerated; default 3 (a false alarm in ~1 of 370 same-distribution samples when the z part decides). */
  readonly classBalanceZ?: number;
}

/** The defaults of {@link ExpectationOptions}. */
export const DEFAULT_EXPECTATION_OPTIONS: Required<ExpectationOptions> = { minRowsRatio: 0.5, maxRowsRatio: 10, classBalanceTolerance: 0.05, classBalanceZ: 3 };

/**
 * Expectations from the feature schema alone, for when no model has been trained yet.
 *
 * @example validateCsv(path, schemaExpectations())
 */
export function schemaExpectations(): DataExpectations {
  return { source: 'the feature schema only (no current model)', modelVersion: undefined, features: FEATURES };
}

/**
 * Expectations from a model artifact.
 *
 * @throws Error when the artifact's schema does not fit this code's feature table (an unknown
 *   feature, a different type or target) — the model could not be served by this build either.
 * @example const expectations = expectationsFromArtifact(registry.read('v3').artifact);
 */
export function expectationsFromArtifact(artifact: ModelArtifact, options: ExpectationOptions = {}): DataExpectations {
  const o = { ...DEFAULT_EXPECTATION_OPTIONS, ...options };
  const { target } = artifact.schema;
  if (target.name !== TARGET.name || target.positive !== TARGET.positive || target.negative !== TARGET.negative) {
    throw new Error(`model ${artifact.version} predicts target ${JSON.stringify(target)}, but this build knows ${JSON.stringify(TARGET)}`);
  }
  const features = artifact.schema.features.map((stored) => {
    const known = FEATURES.find((f) => f.name === stored.name);
    if (!known) throw new Error(`model ${artifact.version} has feature "${stored.name}", which this build's schema does not know`);
    if (known.kind !== stored.kind) throw new Error(`model ${artifact.version} has "${stored.name}" as ${stored.kind}, this build's schema as ${known.kind}`);
    return known.kind === 'categorical' ? withCategories(known, stored.categories ?? known.categories) : known;
  });
  const trainingRows = artifact.training.rows;
  return {
    source: `model ${artifact.version} (trained on ${artifact.training.data_source}, ${trainingRows} rows)`,
    modelVersion: artifact.version,
    features,
    rowCount: { min: Math.ceil(o.minRowsRatio * trainingRows), max: Math.floor(o.maxRowsRatio * trainingRows), trainingRows },
    classBalance: { positiveShare: artifact.baseline.classShares[1], absoluteTolerance: o.classBalanceTolerance, z: o.classBalanceZ },
  };
}

/**
 * Expectations from the registry's current version, or from the schema alone when there is none.
 *
 * @throws ArtifactError when the current version's file is unreadable (never silently schema-only).
 * @example const expectations = currentExpectations(new ModelRegistry(config.MODEL_DIR));
 */
export function currentExpectations(registry: ModelRegistry, options: ExpectationOptions = {}): DataExpectations {
  const version = registry.currentVersion();
  return version === undefined ? schemaExpectations() : expectationsFromArtifact(registry.read(version).artifact, options);
}

/**
 * The deviation of the positive share tolerated for a file of `rows` rows.
 *
 * @example classBalanceTolerance({ positiveShare: 0.117, absoluteTolerance: 0.05, z: 3 }, 100) // ≈ 0.096
 */
export function classBalanceTolerance(expectation: ClassBalanceExpectation, rows: number): number {
  const p = expectation.positiveShare;
  const standardError = rows > 0 ? Math.sqrt((p * (1 - p)) / rows) : Infinity;
  return Math.max(expectation.absoluteTolerance, expectation.z * standardError);
}

/** The schema's feature with the model's categories; aliases that now point nowhere are dropped. */
function withCategories(feature: CategoricalFeature, categories: readonly string[]): CategoricalFeature {
  const aliases = Object.fromEntries(Object.entries(feature.aliases ?? {}).filter(([, to]) => categories.includes(to)));
  return { ...feature, categories, aliases };
}
