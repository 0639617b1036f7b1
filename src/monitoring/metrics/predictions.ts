/**
 * The prediction family: ml_predictions_total, ml_predictions_by_class_total{prediction_class},
 * ml_prediction_confidence, and ml_prediction_value for regression models.
 *
 * What `prediction_class` holds follows the serving model's task: a binary model's class index
 * ("0" and "1", as dashboards have always read them), a multiclass model's class names (bounded by
 * its schema). A regression model has no classes and no confidence: its predictions go to the
 * ml_prediction_value histogram instead.
 */
import type { Registry } from 'prom-client';
import type { ModelSchema } from '../../data/model-schema.js';
import type { TrainingBaseline } from '../../model/baseline.js';
import { HotCounter, HotHistogram, type CounterChild, type HistogramChild } from './hot-path.js';

/**
 * Confidence buckets, finer towards certainty. A binary prediction's confidence is ≥ 0.5; a
 * multiclass model's top probability can be as low as 1/C, hence the buckets below 0.5.
 */
export const CONFIDENCE_BUCKETS = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99];

/**
 * Buckets of ml_prediction_value for a regression model without reference predictions: powers of
 * ten either side of zero, so any unit gets a usable if coarse histogram.
 */
export const GENERIC_VALUE_BUCKETS = [-1e6, -1e4, -1e3, -100, -10, -1, 0, 1, 10, 100, 1e3, 1e4, 1e6];

/** What the family needs to know of the serving model. */
export interface PredictionModelFacts {
  readonly schema?: Pick<ModelSchema, 'task' | 'classes'>;
  readonly baseline?: Pick<TrainingBaseline, 'predictions'>;
}

/** Recorders of the family. */
export interface PredictionRecorders {
  /** Counts one prediction: its class index and confidence, or a regression's value. */
  observe(predictionClass: number, confidence: number, value?: number): void;
  /** Follows a newly serving model's task: its classes, or its value buckets. */
  setModel(model: PredictionModelFacts): void;
}

/**
 * The buckets of ml_prediction_value for a regression model: the edges of its reference
 * predictions' value bins (quantiles, and the point masses), else {@link GENERIC_VALUE_BUCKETS}.
 *
 * @example valueBuckets(model.baseline) // [25.1, 61.7, ...]
 */
export function valueBuckets(baseline: PredictionModelFacts['baseline']): number[] {
  const value = baseline?.predictions?.value;
  const edges = value ? [...new Set([...value.points, ...value.upperEdges])].filter(Number.isFinite).sort((a, b) => a - b) : [];
  return edges.length ? edges : [...GENERIC_VALUE_BUCKETS];
}

/**
 * Registers the family; `observe` counts one prediction.
 *
 * @example const predictions = createPredictionMetrics(registry); predictions.observe(1, 0.83);
 */
export function createPredictionMetrics(registry: Registry): PredictionRecorders {
  const total = new HotCounter({ name: 'ml_predictions_total', help: 'Predictions made.', registers: [registry] }).child({});
  const byClass = new HotCounter({
    name: 'ml_predictions_by_class_total',
    help: 'Predictions by predicted class (a binary model: 0 = negative, e.g. no subscription, 1 = positive; a multiclass model: the class name).',
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
  let classes: CounterChild[] = [byClass.child({ prediction_class: '0' }), byClass.child({ prediction_class: '1' })];
  let value: HistogramChild | undefined;
  let valueBounds = '';
  return {
    observe(predictionClass, conf, predicted) {
      total.inc();
      if (predicted !== undefined) {
        value?.observe(predicted);
        return;
      }
      classes[predictionClass]?.inc();
      // A server observed through the gateway may answer a class without its probability.
      if (!Number.isNaN(conf)) confidence.observe(conf);
    },
    setModel(model) {
      const task = model.schema?.task ?? 'binary';
      if (task === 'multiclass') classes = model.schema!.classes.map((name) => byClass.child({ prediction_class: name }));
      else if (task === 'binary') classes = [byClass.child({ prediction_class: '0' }), byClass.child({ prediction_class: '1' })];
      else classes = [];
      if (task !== 'regression') return;
      const buckets = valueBuckets(model.baseline);
      if (value && valueBounds === buckets.join()) return;
      // A histogram's buckets are fixed: a version with other reference bins gets the family anew
      // (a counter reset, which rate() and increase() take in their stride).
      registry.removeSingleMetric('ml_prediction_value');
      value = new HotHistogram({
        name: 'ml_prediction_value',
        help: "Predicted values of a regression model, in the target's unit; buckets are the edges of the version's reference-prediction bins (or powers of ten without them).",
        buckets,
        registers: [registry],
      }).child({});
      valueBounds = buckets.join();
    },
  };
}
