/**
 * The ground-truth family: ml_feedback_total{model_version,predicted_class,actual_class} (the
 * confusion matrix as counters, so accuracy over any range and every replica is PromQL; by the
 * version that made the prediction, since accuracy summed over two versions describes neither —
 * a binary version's classes are "0" and "1", a multiclass version's its class names, C² series at
 * most) with ml_feedback_correct_total{model_version} (its diagonal: PromQL cannot match a
 * predicted_class label against an actual_class one, so fleet accuracy of any number of classes is
 * this over ml_feedback_total), for a regression version ml_feedback_regression_total{model_version} with
 * ml_feedback_absolute_error_total and ml_feedback_squared_error_total (sums of |predicted − actual|
 * and its square, so MAE and RMSE over any range are PromQL too),
 * ml_feedback_unmatched_total{reason}, ml_ground_truth_delay_seconds, and the prediction store's
 * state: ml_feedback_label_coverage_ratio, ml_prediction_store_entries,
 * ml_prediction_store_evicted_unlabelled_total.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ModelSchema } from '../../data/model-schema.js';
import type { LabelOutcome, PredictionStore } from '../quality/prediction-store.js';

/** Why a label was not joined: the bounded `reason` of ml_feedback_unmatched_total. */
export const UNMATCHED_REASONS = ['unknown_id', 'expired', 'duplicate', 'conflict'] as const;

/** Delays from seconds (a label right away) to a week (a subscription decided after a follow-up call). */
export const GROUND_TRUTH_DELAY_BUCKETS = [1, 10, 60, 300, 900, 3600, 4 * 3600, 86_400, 7 * 86_400];

/** Classes up to which a multiclass version's C² confusion series are created when it loads (beyond, on their first label). */
export const PRECREATED_MAX_CLASSES = 10;

const isIndex = (v: number, classes: number) => Number.isInteger(v) && v >= 0 && v < classes;

/** Recorders of the family. */
export interface FeedbackRecorders {
  /**
   * Creates a version's series at zero (called when a version is loaded), so rate() and ratios see
   * zeros instead of nothing from the first scrape: a binary version's four confusion series, a
   * multiclass version's C² (up to {@link PRECREATED_MAX_CLASSES} classes; beyond, each cell on
   * its first label), a regression version's three error series. Idempotent.
   */
  addVersion(modelVersion: string, schema?: Pick<ModelSchema, 'task' | 'classes'>): void;
  /** Counts one feedback outcome, a joined label under the version that made its prediction. */
  record(outcome: LabelOutcome): void;
}

/**
 * Registers the family and returns its recorders.
 *
 * @example const feedback = createFeedbackMetrics(registry, () => store); feedback.addVersion('v1'); feedback.record(store.label(id, 1, Date.now()));
 */
export function createFeedbackMetrics(registry: Registry, store: () => PredictionStore | undefined): FeedbackRecorders {
  const joined = new Counter({
    name: 'ml_feedback_total',
    help: 'Labels joined with their prediction, by the model version that predicted, predicted and actual class (the live confusion matrix; a binary version\'s classes are 0 and 1, a multiclass version\'s their names).',
    labelNames: ['model_version', 'predicted_class', 'actual_class'] as const,
    registers: [registry],
  });
  const labelOpts = (name: string, help: string) => new Counter({ name, help, labelNames: ['model_version'] as const, registers: [registry] });
  const correctLabels = labelOpts('ml_feedback_correct_total', 'Labels joined with a classifier\'s prediction that was right, by the model version that predicted (the diagonal of ml_feedback_total: fleet accuracy is this over it).');
  const regressionLabels = labelOpts('ml_feedback_regression_total', 'Labels joined with a regression model\'s prediction, by the model version that predicted.');
  const absoluteErrors = labelOpts('ml_feedback_absolute_error_total', 'Sum of |predicted − actual| over the joined labels of a regression model, in the target\'s unit (divided by ml_feedback_regression_total: the MAE).');
  const squaredErrors = labelOpts('ml_feedback_squared_error_total', 'Sum of (predicted − actual)² over the joined labels of a regression model (divided by ml_feedback_regression_total, square-rooted: the RMSE).');
  // A version's series, bound once: a classifier's confusion cells (index predicted * C + actual),
  // or a regression's three counters. A version's series are kept after it stops serving: labels
  // for its predictions keep arriving (up to the store's TTL) and count for it. Their number is
  // bounded by the versions one process loads in its life, times C² (or 3).
  type Cell = ReturnType<typeof joined.labels>;
  type Version = { kind: 'classes'; modelVersion: string; names: readonly string[]; cells: (Cell | undefined)[]; correct: Cell } | { kind: 'regression'; cells: Cell[] };
  const versions = new Map<string, Version>();
  const BINARY_NAMES = ['0', '1'];
  const versionOf = (modelVersion: string, schema?: Pick<ModelSchema, 'task' | 'classes'>): Version => {
    let version = versions.get(modelVersion);
    if (version) return version;
    const labels = { model_version: modelVersion };
    if (schema?.task === 'regression') {
      version = { kind: 'regression', cells: [regressionLabels.labels(labels), absoluteErrors.labels(labels), squaredErrors.labels(labels)] };
      for (const cell of version.cells) cell.inc(0);
    } else {
      const names = schema?.task === 'multiclass' ? schema.classes : BINARY_NAMES;
      version = { kind: 'classes', modelVersion, names, cells: new Array<Cell | undefined>(names.length * names.length), correct: correctLabels.labels(labels) };
      version.correct.inc(0);
      if (names.length <= PRECREATED_MAX_CLASSES) for (let i = 0; i < version.cells.length; i++) cellOf(version, i).inc(0);
    }
    versions.set(modelVersion, version);
    return version;
  };
  const cellOf = (version: Version & { kind: 'classes' }, index: number): Cell => {
    const c = version.names.length;
    return (version.cells[index] ??= joined.labels({ model_version: version.modelVersion, predicted_class: version.names[Math.floor(index / c)], actual_class: version.names[index % c] }));
  };
  const unmatched = new Counter({
    name: 'ml_feedback_unmatched_total',
    help: 'Labels not joined: unknown_id (never predicted here, or evicted), expired (older than the TTL), duplicate (same label again), conflict (a different label for a labelled prediction).',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const delay = new Histogram({
    name: 'ml_ground_truth_delay_seconds',
    help: 'Time from a prediction to the arrival of its label, in seconds.',
    buckets: GROUND_TRUTH_DELAY_BUCKETS,
    registers: [registry],
  });
  // Every series exists from the first scrape, so rate() and ratios see zeros instead of nothing.
  for (const reason of UNMATCHED_REASONS) unmatched.labels({ reason }).inc(0);
  new Gauge({
    name: 'ml_feedback_label_coverage_ratio',
    help: 'Share of the predictions held in the prediction store that have received their label.',
    registers: [registry],
    collect() {
      const s = store();
      this.set(s && s.size > 0 ? s.labelled / s.size : 0);
    },
  });
  new Gauge({
    name: 'ml_prediction_store_entries',
    help: 'Predictions held for joining delayed ground truth (at most PREDICTION_STORE_MAX_ENTRIES).',
    registers: [registry],
    collect() {
      this.set(store()?.size ?? 0);
    },
  });
  new Counter({
    name: 'ml_prediction_store_evicted_unlabelled_total',
    help: 'Predictions pushed out of the full store before their label arrived (their labels can no longer be joined).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(store()?.evictedUnlabelled ?? 0);
    },
  });
  return {
    addVersion(modelVersion, schema) {
      versionOf(modelVersion, schema);
    },
    record(outcome) {
      if (outcome.status === 'joined') {
        const { prediction, actual } = outcome;
        const version = versionOf(prediction.modelVersion);
        if (version.kind === 'regression') {
          const error = (prediction.value ?? Number.NaN) - actual;
          // A label that does not fit the version that predicted (a class for a regression) is not counted.
          if (Number.isFinite(error)) {
            version.cells[0].inc();
            version.cells[1].inc(Math.abs(error));
            version.cells[2].inc(error * error);
          }
        } else {
          const c = version.names.length;
          if (prediction.value === undefined && isIndex(prediction.predicted, c) && isIndex(actual, c)) {
            cellOf(version, prediction.predicted * c + actual).inc();
            if (prediction.predicted === actual) version.correct.inc();
          }
        }
        delay.observe(outcome.delaySeconds);
      } else {
        unmatched.labels({ reason: outcome.status }).inc();
      }
    },
  };
}
