/**
 * A reference profile: what a gateway compares live traffic against when it cannot see inside the
 * model — the schema of the reference data, the drift baseline of every feature, and the baseline of
 * the model's outputs on that data (scored through the upstream, or read from a predictions column).
 * `modelwatch profile` writes one; `modelwatch gateway --reference <profile.json>` reads it.
 */
import type { ModelSchema } from '../../data/model-schema.js';
import type { TrainingBaseline } from '../../model/baseline.js';
import type { TaskHoldoutMetrics } from '../../model/serving-model.js';

/** The `format` field of a profile file this version reads and writes. */
export const PROFILE_FORMAT = 'modelwatch-profile/1';

/** A reference profile, as stored (JSON). */
export interface ReferenceProfile {
  readonly format: typeof PROFILE_FORMAT;
  /** The model's name (the upstream's, or the data file's stem). */
  readonly name: string;
  /** The `model_version` label of everything observed against this profile: `profile-<12 hex of its content>` unless given. */
  readonly version: string;
  readonly created_at: string;
  /** Where the reference came from: the data file, its row count, and where the predictions came from. */
  readonly source: {
    readonly data: string;
    readonly rows: number;
    /** Hex sha256 of the data file's bytes (part of the content the version is a hash of; the path is not). */
    readonly data_sha256?: string;
    /** `upstream <url> (preset <name>)` or `column <name>`. */
    readonly predictions: string;
  };
  /**
   * A text model's profile: the features (`TEXT_FEATURES` of the mapping types) are derived from this
   * column's text, the out-of-vocabulary share against `vocabulary` (lower-cased tokens, sorted).
   */
  readonly text?: {
    readonly column: string;
    readonly vocabulary?: readonly string[];
  };
  /** Features (ranges, categories), task, classes and target of the reference data. */
  readonly schema: ModelSchema;
  /** Feature bins of the reference data and the bins of the model's outputs on it. */
  readonly baseline: TrainingBaseline;
  /** Binary: the probability at or above which the positive class is predicted. */
  readonly threshold: number;
  /** The model's quality on the reference rows (their labels against its predictions), when both are known. */
  readonly reference_quality?: TaskHoldoutMetrics;
}
