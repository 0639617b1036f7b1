/**
 * What the service needs of a model version: identity, holdout quality, training baseline, and a
 * prediction for a complete row. Everything the service does with a model goes through this
 * interface, so a second model backend only has to implement it.
 */
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
  /** Model family, e.g. "gbdt" (the `model_type` audit field). */
  readonly type: string;
  readonly createdAt: string;
  readonly holdout: HoldoutMetrics;
  readonly baseline: TrainingBaseline;
  /** Seconds it took to read, verify and compile the artifact. */
  readonly loadSeconds: number;
  /** Probability at or above which the prediction is class 1; fixed by training, stored in the artifact. */
  readonly threshold: number;
  /** Probability of class 1 ("yes") for a complete, validated row. */
  predictProba(row: Row): number;
}
