/**
 * The ground-truth family: ml_feedback_total{model_version,predicted_class,actual_class} (the
 * confusion matrix as counters, so accuracy over any range and every replica is PromQL; by the
 * version that made the prediction, since accuracy summed over two versions describes neither),
 * ml_feedback_unmatched_total{reason}, ml_ground_truth_delay_seconds, and the prediction store's
 * state: ml_feedback_label_coverage_ratio, ml_prediction_store_entries,
 * ml_prediction_store_evicted_unlabelled_total.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { LabelOutcome, PredictionStore } from '../quality/prediction-store.js';

/** Why a label was not joined: the bounded `reason` of ml_feedback_unmatched_total. */
export const UNMATCHED_REASONS = ['unknown_id', 'expired', 'duplicate', 'conflict'] as const;

/** Delays from seconds (a label right away) to a week (a subscription decided after a follow-up call). */
export const GROUND_TRUTH_DELAY_BUCKETS = [1, 10, 60, 300, 900, 3600, 4 * 3600, 86_400, 7 * 86_400];

/** Recorders of the family. */
export interface FeedbackRecorders {
  /**
   * Creates a version's four confusion series at zero (called when a version is loaded), so rate()
   * and ratios see zeros instead of nothing from the first scrape. Idempotent.
   */
  addVersion(modelVersion: string): void;
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
    help: 'Labels joined with their prediction, by the model version that predicted, predicted and actual class (the live confusion matrix).',
    labelNames: ['model_version', 'predicted_class', 'actual_class'] as const,
    registers: [registry],
  });
  // A version's children, bound once: index predicted * 2 + actual. A version's series are kept after
  // it stops serving: labels for its predictions keep arriving (up to the store's TTL) and count for
  // it. Their number is bounded by the versions one process loads in its life.
  const confusion = new Map<string, ReturnType<typeof joined.labels>[]>();
  const childrenOf = (modelVersion: string) => {
    let children = confusion.get(modelVersion);
    if (!children) {
      children = ['0', '1'].flatMap((predicted_class) => ['0', '1'].map((actual_class) => joined.labels({ model_version: modelVersion, predicted_class, actual_class })));
      for (const child of children) child.inc(0);
      confusion.set(modelVersion, children);
    }
    return children;
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
    addVersion(modelVersion) {
      childrenOf(modelVersion);
    },
    record(outcome) {
      if (outcome.status === 'joined') {
        childrenOf(outcome.prediction.modelVersion)[outcome.prediction.predicted * 2 + outcome.actual].inc();
        delay.observe(outcome.delaySeconds);
      } else {
        unmatched.labels({ reason: outcome.status }).inc();
      }
    },
  };
}
