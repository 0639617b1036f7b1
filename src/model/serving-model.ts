/**
 * What the service needs of a model version: identity, its schema, holdout quality, training
 * baseline, and a prediction for a complete row. Everything the service does with a model goes
 * through this interface, so each model backend (the native trees, an imported XGBoost or LightGBM
 * file, an ONNX graph) only has to implement it.
 */
import type { ModelSchema } from '../data/model-schema.js';
import type { Row } from '../data/schema.js';
import type { TrainingBaseline } from './baseline.js';

/** Holdout metrics stored with a binary version (precision, recall and F1 of the positive class). */
export interface HoldoutMetrics {
  readonly accuracy: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly auc: number;
}

/** Holdout metrics of a multiclass version: precision, recall and F1 are macro averages over the classes. */
export interface MulticlassHoldoutMetrics {
  readonly accuracy: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Recall of each class, in the schema's class order. */
  readonly classRecall: readonly number[];
}

/** Holdout errors of a regression version, in the target's unit. */
export interface RegressionHoldoutMetrics {
  readonly mae: number;
  readonly rmse: number;
}

/** A version's holdout metrics, by its task. */
export type TaskHoldoutMetrics = HoldoutMetrics | MulticlassHoldoutMetrics | RegressionHoldoutMetrics;

/**
 * Whether holdout metrics are a regression's errors (no accuracy family).
 *
 * @example isRegressionHoldout(model.holdout) ? model.holdout.mae : model.holdout.accuracy
 */
export const isRegressionHoldout = (m: TaskHoldoutMetrics): m is RegressionHoldoutMetrics => 'mae' in m;

/** A loaded, ready-to-serve model version. */
export interface ServingModel {
  readonly version: string;
  /** The model's name (`modelwatch import --name`; `bank-marketing` for the default example): its Open Inference Protocol name unless MODEL_NAME says otherwise. */
  readonly name: string;
  /** Model family, e.g. "gbdt", "xgboost", "lightgbm", "onnx" (the `model_type` audit field). */
  readonly type: string;
  readonly createdAt: string;
  /** Its features, task, classes and target: what requests are validated and rows binned by. */
  readonly schema: ModelSchema;
  /** Holdout metrics of its task (binary: {@link HoldoutMetrics}). */
  readonly holdout: TaskHoldoutMetrics;
  readonly baseline: TrainingBaseline;
  /** Seconds it took to read, verify and compile the artifact. */
  readonly loadSeconds: number;
  /** Probability at or above which the prediction is the positive class; stored in the artifact. */
  readonly threshold: number;
  /** Probability of the positive class (`schema.classes[1]`) for a complete, validated row (binary models). */
  predictProba(row: Row): number;
  /** Outputs per row: 1 for binary (P(positive)) and regression (the value), one per class for multiclass. */
  readonly nOutputs: number;
  /**
   * Writes the outputs of a complete, validated row into `out` (length {@link nOutputs}): binary
   * `[P(positive)]`, multiclass the class probabilities in the schema's class order, regression
   * `[value]`. Synchronous and allocation-free; a model that can only score asynchronously also
   * offers {@link predictOutputsBatch}, which callers then prefer.
   */
  predictOutputs(row: Row, out: Float64Array): void;
  /**
   * Scores rows together, asynchronously (an ONNX session): `n × nOutputs` outputs, row-major.
   * Present only on models that cannot score synchronously; callers await it only then, so the
   * synchronous models keep a request path without an await.
   */
  predictOutputsBatch?(rows: readonly Row[]): Promise<Float64Array>;
}
