/**
 * The model a gateway observes, as the monitoring code sees a model: a version, a schema and a
 * baseline — from a reference profile when there is one. The gateway never scores (the upstream
 * does), so the scoring functions refuse; only the facts are read.
 *
 * Without a profile the model has no features and no baselines: predictions are still counted by
 * class and confidence, and — when the classes are known (a mapping says, or a binary 0/1 model) —
 * stored for ground truth and joined with feedback, but nothing drifts and nothing is estimated.
 */
import type { ModelSchema, Task } from '../../data/model-schema.js';
import type { ServingModel } from '../../model/serving-model.js';
import type { Mapping } from '../mapping/types.js';
import type { ReferenceProfile } from '../profile/types.js';

/** The `model_version` of predictions observed without a profile. */
export const NO_PROFILE_VERSION = 'upstream';

/** The `model_type` of everything a gateway observes. */
export const GATEWAY_MODEL_TYPE = 'upstream';

const refuse = (): never => {
  throw new Error('a gateway observes its upstream\'s predictions; it does not score');
};

/**
 * The observed model of a gateway: the profile's when given, else what the mapping says of the task
 * and classes (binary, classes "0" and "1", when it says nothing).
 *
 * @example referenceModel(mapping, profile).schema.features.length // the profile's feature count
 */
export function referenceModel(mapping: Pick<Mapping, 'task' | 'classes'>, profile?: ReferenceProfile): ServingModel {
  const task: Task = profile?.schema.task ?? mapping.task ?? (mapping.classes && mapping.classes.length > 2 ? 'multiclass' : 'binary');
  const schema: ModelSchema = profile?.schema ?? { features: [], task, classes: task === 'regression' ? [] : (mapping.classes ?? ['0', '1']), target: { name: 'label' } };
  const classification = schema.task !== 'regression';
  return {
    version: profile?.version ?? NO_PROFILE_VERSION,
    name: profile?.name ?? 'upstream',
    type: GATEWAY_MODEL_TYPE,
    createdAt: profile?.created_at ?? new Date(0).toISOString(),
    schema,
    holdout: profile?.reference_quality ?? (classification ? { accuracy: Number.NaN, precision: Number.NaN, recall: Number.NaN, f1: Number.NaN, auc: Number.NaN } : { mae: Number.NaN, rmse: Number.NaN }),
    baseline: profile?.baseline ?? { rows: 0, features: {}, classShares: [] },
    loadSeconds: 0,
    threshold: profile?.threshold ?? 0.5,
    nOutputs: schema.task === 'multiclass' ? schema.classes.length : 1,
    predictProba: refuse,
    predictOutputs: refuse,
  };
}

/** What a gateway cannot do with what it was given, for GET <prefix>/status (empty: nothing missing). */
export function missingCapabilities(profile: ReferenceProfile | undefined): string[] {
  if (profile) return [];
  return [
    'feature drift (ml_feature_drift_psi): needs a reference profile (modelwatch profile --data <reference.csv> --target <column> --upstream <url> --out profile.json, then --reference profile.json)',
    'prediction drift (ml_prediction_drift_psi) and the label-free accuracy estimate: need the reference profile\'s prediction baseline',
  ];
}
