/**
 * What the service needs of a model version: identity, its schema, holdout quality, training
 * baseline, and a prediction for a complete row. Everything the service does with a model goes
 * through this interface, so each model backend (the native trees, an imported XGBoost or LightGBM
 * file, an ONNX graph) only has to implement it.
 */
import type { ModelSchema } from '../data/model-schema.js';
import type { Row } from '../data/schema.js';
import type { TrainingBaseline } from './baseline.js';

/** Holdout metrics stored with a version. */
export interface HoldoutMetrics {
  readonly accuracy: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly auc: number;
}

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
  readonly holdout: HoldoutMetrics;
  readonly baseline: TrainingBaseline;
  /** Seconds it took to read, verify and compile the artifact. */
  readonly loadSeconds: number;
  /** Probability at or above which the prediction is the positive class; stored in the artifact. */
  readonly threshold: number;
  /** Probability of the positive class (`schema.classes[1]`) for a complete, validated row. */
  predictProba(row: Row): number;
}
