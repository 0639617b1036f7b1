/**
 * The console's panel series over a time range, computed at request time from the sampled columns
 * with the PromQL of the "ML Pipeline Production" Grafana dashboard (deploy/grafana/): per-minute
 * rates over 1 m, error rate and p95 over 5 m. Long ranges are thinned to at most `maxPoints`
 * points after computing, so every point still covers its full window.
 */
import type { PanelSeries, Points, SeriesResponse } from '../../console/api-types.js';
import { columnName, FEEDBACK_COLUMNS } from './columns.js';
import type { SeriesSampler } from './sampler.js';

/** Most points returned per series (a chart is a few hundred pixels wide). */
export const MAX_POINTS = 720;

const MINUTE_MS = 60_000;
const FIVE_MINUTES_MS = 300_000;

const col = columnName;

/** Rounds to 5 significant digits (JSON size), NaN and infinities to null. */
const tidy = (values: ArrayLike<number>, scale = 1, keep: (i: number) => boolean = () => true): Points => {
  const out: Points = [];
  for (let i = 0; i < values.length; i++) {
    if (!keep(i)) continue;
    const v = values[i] * scale;
    out.push(Number.isFinite(v) ? Number(v.toPrecision(5)) : null);
  }
  return out;
};

/**
 * The panel series over the last `rangeSeconds`.
 *
 * @example panelSeries(sampler, 900).series.predictions_per_minute
 */
export function panelSeries(sampler: SeriesSampler, rangeSeconds: number, maxPoints = MAX_POINTS): SeriesResponse {
  const { ring, query } = sampler;
  const to = ring.size - 1;
  const from = to < 0 ? 0 : ring.firstAtOrAfter(ring.time(to) - rangeSeconds * 1000);
  const n = Math.max(0, to - from + 1);
  const stride = Math.max(1, Math.ceil(n / maxPoints));
  // Keep the newest point and every stride-th one before it.
  const keep = (i: number) => (n - 1 - i) % stride === 0;
  const perMinute = (columns: string | readonly string[]) => query.rates(columns, from, to, MINUTE_MS).map((r) => r * 60);
  const values = (name: string) => query.values(name, from, to);
  const delay = query.increases(col('ml_ground_truth_delay_seconds_sum'), from, to, FIVE_MINUTES_MS).increase;
  const labels = query.increases(col('ml_ground_truth_delay_seconds_count'), from, to, FIVE_MINUTES_MS).increase;
  const raw: Record<keyof PanelSeries, ArrayLike<number>> = {
    accuracy_live: values(col('ml_model_accuracy', { source: 'live' })),
    accuracy_holdout: values(col('ml_model_accuracy', { source: 'holdout' })),
    accuracy_estimated: values('ml_model_estimated_accuracy'),
    predictions_per_minute: perMinute('ml_predictions_total'),
    error_rate_percent: values('ml_prediction_error_rate').map((v) => v * 100),
    latency_p95_ms: query.quantiles('http_request_duration_seconds', 0.95, from, to, FIVE_MINUTES_MS).map((v) => v * 1000),
    no_subscribe_per_minute: perMinute(col('ml_predictions_by_class_total', { prediction_class: '0' })),
    subscribe_per_minute: perMinute(col('ml_predictions_by_class_total', { prediction_class: '1' })),
    memory_mb: values('ml_app_memory_bytes').map((v) => v / 1024 / 1024),
    feedback_coverage_percent: values('ml_feedback_label_coverage_ratio').map((v) => v * 100),
    feedback_delay_seconds: delay.map((sum, i) => (labels[i] > 0 ? sum / labels[i] : Number.NaN)),
    labels_per_minute: perMinute(FEEDBACK_COLUMNS),
  };
  const series = Object.fromEntries(Object.entries(raw).map(([key, v]) => [key, tidy(v, 1, keep)])) as unknown as PanelSeries;
  const psi: Record<string, Points> = {};
  for (const feature of sampler.featureNames) psi[feature] = tidy(values(col('ml_feature_drift_psi', { feature })), 1, keep);
  for (const signal of ['class', 'confidence', 'value']) psi[signal] = tidy(values(col('ml_prediction_drift_psi', { signal })), 1, keep);
  const t: number[] = [];
  for (let i = 0; i < n; i++) if (keep(i)) t.push(Math.round(ring.time(from + i)) / 1000);
  const latest = (name: string) => {
    const v = to < 0 ? Number.NaN : ring.value(ring.column(name), to);
    return Number.isFinite(v) ? v : null;
  };
  return {
    range_seconds: rangeSeconds,
    interval_seconds: sampler.intervalSeconds,
    step_seconds: sampler.intervalSeconds * stride,
    max_points: maxPoints,
    t,
    series,
    psi,
    totals: {
      no_subscribe: latest(col('ml_predictions_by_class_total', { prediction_class: '0' })),
      subscribe: latest(col('ml_predictions_by_class_total', { prediction_class: '1' })),
      ...(sampler.classNames.length ? { by_class: Object.fromEntries(sampler.classNames.map((name) => [name, latest(col('ml_predictions_by_class_total', { prediction_class: name }))])) } : {}),
    },
    last_sample_seconds: sampler.lastSampleSeconds,
  };
}
