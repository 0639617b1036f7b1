/**
 * What the in-process time series hold: a fixed set of columns, each one Prometheus series of this
 * process (or the sum of several, as `sum(metric{labels})` would give), named by its selector, e.g.
 * `model_requests_total{status="error"}`. They are read from the service's own registry on the
 * monitor tick, so the console and the in-process alerts see exactly what a scrape would, and the
 * alert catalogue's in-process evaluators can mirror its PromQL over the same series.
 */
import { PREDICT_ROUTES } from '../../server/plugins/predict.js';
import type { Registry } from 'prom-client';
import { FEATURE_NAMES } from '../../data/schema.js';
import { HTTP_BUCKETS } from '../metrics/http-requests.js';
import { RELOAD_FAILURE_REASONS } from '../metrics/model-reload.js';
import { MODEL_LATENCY_BUCKETS } from '../metrics/model-requests.js';

/** Labels selecting the samples a column sums. */
export type Selector = Readonly<Record<string, string>>;

/** One column: the sum of the samples named `sample` of family `family` whose labels match. */
export interface ColumnSpec {
  readonly name: string;
  readonly family: string;
  readonly sample: string;
  readonly labels: Selector;
}

/**
 * The name of a column: the series selector, labels in the given order.
 *
 * @example columnName('model_requests_total', { status: 'error' }) // 'model_requests_total{status="error"}'
 */
export function columnName(sample: string, labels: Selector = {}): string {
  const inner = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',');
  return inner ? `${sample}{${inner}}` : sample;
}

/** ml_feedback_total's four series, the confusion matrix: predicted 0 or 1 by actual 0 or 1. */
const FEEDBACK_LABELS = ['0', '1'].flatMap((p) => ['0', '1'].map((a) => ({ predicted_class: p, actual_class: a })));
/** The columns of ml_feedback_total (every label joined, whatever its classes). */
export const FEEDBACK_COLUMNS = FEEDBACK_LABELS.map((labels) => columnName('ml_feedback_total', labels));
/** The columns of model_requests_total (answered with a prediction or not). */
export const REQUEST_COLUMNS = ['success', 'error'].map((status) => columnName('model_requests_total', { status }));

const spec = (family: string, labels: Selector = {}, sample = family): ColumnSpec => ({ name: columnName(sample, labels), family, sample, labels });

/**
 * Server errors of the predict routes, by the codes the service answers there with no prediction:
 * 500 (a bug) and 503 (no model yet, shutting down, or a fire drill). A client's bad input is a 4xx
 * and is not among them: it must not page anyone.
 */
const SERVER_ERROR_SPECS = [...PREDICT_ROUTES].flatMap((route) => ['500', '503'].map((status_code) => spec('http_request_duration_seconds', { route, status_code }, 'http_request_duration_seconds_count')));
/** The columns of the predict routes' server errors (summed, they are the `status_code=~"5.."` of the alerts). */
export const SERVER_ERROR_COLUMNS = SERVER_ERROR_SPECS.map((c) => c.name);

/** The histograms whose buckets are kept, so any quantile over any window can be computed. */
export const HISTOGRAMS = {
  http_request_duration_seconds: HTTP_BUCKETS,
  model_latency_seconds: MODEL_LATENCY_BUCKETS,
} as const;

/** A histogram the series keep buckets of. */
export type HistogramName = keyof typeof HISTOGRAMS;

/** Upper bounds of a kept histogram's buckets as they appear in `le`, ending with +Inf. */
export const bucketBounds = (histogram: HistogramName): string[] => [...HISTOGRAMS[histogram].map(String), '+Inf'];

/** Reload failure reasons (ml_model_reload_failures_total{reason}). */

/**
 * Every column, in a fixed order. Feature drift has one column per feature of the schema.
 *
 * @example seriesColumns().length // 72
 */
export function seriesColumns(featureNames: readonly string[] = FEATURE_NAMES, classNames: readonly string[] = []): ColumnSpec[] {
  const histogram = (family: HistogramName) => [
    ...bucketBounds(family).map((le) => spec(family, { le }, `${family}_bucket`)),
  ];
  return [
    spec('ml_predictions_total'),
    spec('ml_predictions_by_class_total', { prediction_class: '0' }),
    spec('ml_predictions_by_class_total', { prediction_class: '1' }),
    // A multiclass model's classes are counted by name.
    ...classNames.map((prediction_class) => spec('ml_predictions_by_class_total', { prediction_class })),
    spec('model_requests_total', { status: 'success' }),
    spec('model_requests_total', { status: 'error' }),
    spec('ml_prediction_error_rate'),
    spec('ml_input_validation_failures_total'),
    ...histogram('http_request_duration_seconds'),
    ...histogram('model_latency_seconds'),
    spec('ml_app_memory_bytes'),
    spec('ml_model_accuracy', { source: 'holdout' }),
    spec('ml_model_accuracy', { source: 'live' }),
    spec('ml_model_estimated_accuracy'),
    // A regression model's: its holdout MAE and the error sums of its joined labels (the in-process HighLiveMae).
    spec('ml_model_mae', { source: 'holdout' }),
    spec('ml_feedback_regression_total'),
    spec('ml_feedback_absolute_error_total'),
    ...featureNames.map((feature) => spec('ml_feature_drift_psi', { feature })),
    spec('ml_prediction_drift_psi', { signal: 'class' }),
    spec('ml_prediction_drift_psi', { signal: 'confidence' }),
    spec('ml_prediction_drift_psi', { signal: 'value' }),
    spec('ml_drift_window_predictions'),
    ...FEEDBACK_LABELS.map((labels) => spec('ml_feedback_total', labels)),
    spec('ml_feedback_label_coverage_ratio'),
    spec('ml_ground_truth_delay_seconds', {}, 'ml_ground_truth_delay_seconds_sum'),
    spec('ml_ground_truth_delay_seconds', {}, 'ml_ground_truth_delay_seconds_count'),
    ...RELOAD_FAILURE_REASONS.map((reason) => spec('ml_model_reload_failures_total', { reason })),
    ...SERVER_ERROR_SPECS,
    spec('process_cpu_seconds_total'),
    spec('ml_app_cpu_limit_cores'),
    spec('ml_app_memory_limit_bytes'),
  ];
}

/** A sample as prom-client's `get()` gives it (histograms name their bucket, sum and count). */
interface Sample {
  readonly value: number;
  readonly labels: Readonly<Record<string, string | number | undefined>>;
  readonly metricName?: string;
}

/**
 * Reads every column from a registry in one pass per metric family. A family that is not
 * registered (MODEL_MONITORING off) or a column no sample matches reads NaN: absent, as in
 * Prometheus, not zero.
 *
 * @example const read = createColumnReader(registry, seriesColumns()); const values = await read();
 */
export function createColumnReader(registry: Registry, columns: readonly ColumnSpec[]): () => Promise<Float64Array> {
  const byFamily = new Map<string, { index: number; spec: ColumnSpec; labels: [string, string][] }[]>();
  columns.forEach((column, index) => {
    const list = byFamily.get(column.family) ?? [];
    list.push({ index, spec: column, labels: Object.entries(column.labels) });
    byFamily.set(column.family, list);
  });
  const out = new Float64Array(columns.length);
  return async () => {
    out.fill(Number.NaN);
    for (const [family, wanted] of byFamily) {
      const metric = registry.getSingleMetric(family);
      if (!metric) continue;
      const { values } = (await metric.get()) as { values: readonly Sample[] };
      for (const value of values) {
        const sample = value.metricName ?? family;
        for (const { index, spec: column, labels } of wanted) {
          if (column.sample !== sample || !labels.every(([k, v]) => String(value.labels[k]) === v)) continue;
          out[index] = Number.isNaN(out[index]) ? value.value : out[index] + value.value;
        }
      }
    }
    return out;
  };
}
