/**
 * The prediction family: ml_predictions_total, ml_predictions_by_class_total{prediction_class},
 * ml_prediction_confidence.
 */
import type { Registry } from 'prom-client';
import { HotCounter, HotHistogram } from './hot-path.js';

/** Confidence buckets, finer towards certainty; confidence of a binary prediction is ≥ 0.5. */
export const CONFIDENCE_BUCKETS = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99];

/**
 * Registers the family; the returned function counts one prediction.
 *
 * @example createPredictionMetrics(registry)(1, 0.83)
 */
export function createPredictionMetrics(registry: Registry): (predictionClass: 0 | 1, confidence: number) => void {
  const total = new HotCounter({ name: 'ml_predictions_total', help: 'Predictions made.', registers: [registry] }).child({});
  const byClass = new HotCounter({
    name: 'ml_predictions_by_class_total',
    help: 'Predictions by predicted class (0 = no subscription, 1 = subscription).',
    labelNames: ['prediction_class'],
    registers: [registry],
  });
  const confidence = new HotHistogram({
    name: 'ml_prediction_confidence',
    help: 'Confidence of each prediction: the probability of the predicted class.',
    buckets: CONFIDENCE_BUCKETS,
    registers: [registry],
  }).child({});
  // Both series exist from the first scrape, so the pie chart and rate() see a class before it is predicted.
  const classes = [byClass.child({ prediction_class: '0' }), byClass.child({ prediction_class: '1' })];
  return (predictionClass, conf) => {
    total.inc();
    classes[predictionClass].inc();
    confidence.observe(conf);
  };
}
