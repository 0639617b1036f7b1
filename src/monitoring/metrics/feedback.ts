/**
 * The ground-truth family: ml_feedback_total{predicted_class,actual_class} (the confusion matrix
 * as counters, so accuracy over any range and every replica is PromQL),
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

/**
 * Registers the family and returns the recorder of one feedback outcome.
 *
 * @example const record = createFeedbackMetrics(registry, () => store); record(store.label(id, 1, Date.now()));
 */
export function createFeedbackMetrics(registry: Registry, store: () => PredictionStore | undefined): (outcome: LabelOutcome) => void {
  const joined = new Counter({
    name: 'ml_feedback_total',
    help: 'Labels joined with their prediction, by predicted and actual class (the live confusion matrix).',
    labelNames: ['predicted_class', 'actual_class'] as const,
    registers: [registry],
  });
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
  for (const predicted_class of ['0', '1']) for (const actual_class of ['0', '1']) joined.labels({ predicted_class, actual_class }).inc(0);
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
  return (outcome) => {
    if (outcome.status === 'joined') {
      joined.labels({ predicted_class: String(outcome.prediction.predicted), actual_class: String(outcome.actual) }).inc();
      delay.observe(outcome.delaySeconds);
    } else {
      unmatched.labels({ reason: outcome.status }).inc();
    }
  };
}
