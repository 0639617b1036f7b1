/**
 * Grafana dashboards as typed JSON (Grafana's dashboard model, schemaVersion 39). Panels are
 * described once — title, type, queries, unit, thresholds — and every query is also run against a
 * real Prometheus by the tests. The JSON is typed with Grafana's own published types
 * (grafana-types.ts), units with Grafana's unit ids (units.ts).
 */
import type { GeneratedDashboard, GeneratedPanel, HeatmapPanel, PieChartPanel, PrometheusTarget, StatPanel, TimeSeriesPanel } from './grafana-types.js';
import type { GrafanaUnit } from './units.js';
import { LIMIT, predictShare } from '../catalogue/alerts.js';
import { GATEWAY_JOB } from '../prometheus/generate.js';
import { SERVER_ERROR_RATIO_RULE } from '../catalogue/recording-rules.js';

/** One query of a panel; `legend` becomes the series name. */
export interface PanelQuery {
  readonly expr: string;
  readonly legend?: string;
}

/** A threshold step: from `value` up (null for the base), this colour. */
export interface ThresholdStep {
  readonly color: 'green' | 'yellow' | 'red';
  readonly value: number | null;
}

/** One panel. */
export interface PanelSpec {
  readonly title: string;
  readonly type: 'stat' | 'timeseries' | 'piechart' | 'heatmap';
  readonly queries: readonly PanelQuery[];
  /** A Grafana unit: a per-minute value needs a per-minute unit (`count:/min`), not `reqps`. */
  readonly unit?: GrafanaUnit;
  readonly min?: number;
  readonly thresholds?: readonly ThresholdStep[];
  /**
   * The task whose models export what the panel reads (a multiclass model's class recall, a
   * regression model's errors): the panel is empty while a model of another task serves.
   */
  readonly task?: 'multiclass' | 'regression';
}

/** One dashboard. */
export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  /** What the dashboard is for; shown in Grafana's dashboard settings and search. */
  readonly description: string;
  /** A second tag beside `modelwatch`, for Grafana's dashboard search. */
  readonly tag: 'service' | 'model' | 'drift' | 'pipeline' | 'gateway';
  readonly panels: readonly PanelSpec[];
  /** A dashboard variable: its name and the PromQL label_values query that fills it. */
  readonly variable?: { readonly name: string; readonly query: string; readonly default: string };
}

/** The service at a glance: model accuracy, predictions per minute, error rate, p95 latency, predicted classes, memory. */
export const ML_PIPELINE_PRODUCTION: DashboardSpec = {
  uid: 'ml-pipeline-production',
  title: 'ML Pipeline Production',
  description: 'modelwatch at a glance: model accuracy, predictions per minute, error rate, p95 latency, the split of predicted classes and memory, over the last hour.',
  tag: 'service',
  panels: [
    {
      title: 'Model Accuracy',
      type: 'stat',
      queries: [{ expr: 'ml_model_accuracy', legend: '{{source}} {{model_version}}' }],
      unit: 'percentunit',
      thresholds: [{ color: 'red', value: null }, { color: 'yellow', value: 0.85 }, { color: 'green', value: 0.9 }],
    },
    { title: 'Predictions per Minute', type: 'timeseries', queries: [{ expr: 'rate(ml_predictions_total[1m]) * 60', legend: '{{instance}}' }], unit: 'count:/min', min: 0 },
    {
      title: 'Error Rate',
      type: 'stat',
      // Server failures (5xx, no prediction), what pages: rejected input (4xx) has panels of its own.
      queries: [{ expr: `${predictShare('5..', '5m', 'job, instance')} * 100`, legend: '{{instance}}' }],
      unit: 'percent',
      thresholds: [{ color: 'green', value: null }, { color: 'yellow', value: 5 }, { color: 'red', value: 10 }],
    },
    { title: '95th Percentile Latency', type: 'timeseries', queries: [{ expr: 'histogram_quantile(0.95, rate(http_request_duration_seconds_bucket[5m]))', legend: '{{route}} {{status_code}}' }], unit: 's' },
    {
      title: 'Prediction Distribution',
      type: 'piechart',
      queries: [
        { expr: 'ml_predictions_by_class_total{prediction_class="0"}', legend: 'No Subscribe' },
        { expr: 'ml_predictions_by_class_total{prediction_class="1"}', legend: 'Subscribe' },
      ],
    },
    { title: 'Memory Usage', type: 'timeseries', queries: [{ expr: 'ml_app_memory_bytes / 1024 / 1024', legend: '{{instance}}' }], unit: 'decmbytes' },
  ],
};

/** Model health per model version: request rate, error rate, p99 latency and its heatmap, predicted classes over time. */
export const MODEL_HEALTH: DashboardSpec = {
  uid: 'model-health',
  title: 'Model Health',
  description: 'Per model version: request rate, p99 latency and its heatmap, and the predicted classes over time; the server-error share (5xx, all versions) against 5 %.',
  tag: 'model',
  panels: [
    { title: 'Request Rate', type: 'timeseries', queries: [{ expr: 'sum by (model_version) (rate(model_requests_total[5m]))', legend: '{{model_version}}' }], unit: 'reqps', min: 0 },
    {
      title: 'Error Rate',
      type: 'timeseries',
      // Server failures (5xx), what the error alerts count; rejected input (4xx) is not the
      // service failing. The status code is on the HTTP series, which has no model version, so
      // this one is fleet-wide.
      queries: [{ expr: SERVER_ERROR_RATIO_RULE, legend: 'server errors (5xx), all versions' }],
      unit: 'percentunit',
      min: 0,
      thresholds: [{ color: 'green', value: null }, { color: 'red', value: 0.05 }],
    },
    { title: 'Latency (p99)', type: 'timeseries', queries: [{ expr: 'histogram_quantile(0.99, sum by (le) (rate(model_latency_seconds_bucket[5m])))', legend: 'p99' }], unit: 's' },
    { title: 'Latency Heatmap', type: 'heatmap', queries: [{ expr: 'sum by (le) (rate(model_latency_seconds_bucket[5m]))', legend: '{{le}}' }], unit: 's' },
    { title: 'Prediction Distribution over Time', type: 'timeseries', queries: [{ expr: 'sum by (prediction_class) (rate(ml_predictions_by_class_total[5m]))', legend: 'class {{prediction_class}}' }], unit: 'count:/s', min: 0 },
  ],
};

/** Every replica from the recording rules: request rate, error %, p95/p99 latency, CPU and memory. */
export const MLOPS_OVERVIEW: DashboardSpec = {
  uid: 'mlops-overview',
  title: 'MLOps Overview',
  description: 'All replicas, from the recording rules: request rate, error %, p95 and p99 latency, CPU and memory.',
  tag: 'service',
  panels: [
    { title: 'Request Rate', type: 'timeseries', queries: [{ expr: 'job:http_requests:rate5m', legend: 'requests/s' }], unit: 'reqps', min: 0 },
    {
      title: 'Error %',
      type: 'stat',
      // Server failures (5xx) only: the any-non-2xx ratio would count a client's bad input.
      queries: [{ expr: `${SERVER_ERROR_RATIO_RULE} * 100`, legend: 'server errors (5xx)' }],
      unit: 'percent',
      thresholds: [{ color: 'green', value: null }, { color: 'red', value: 5 }],
    },
    {
      title: 'Latency p95 / p99',
      type: 'timeseries',
      queries: [
        { expr: 'job:http_request_duration_seconds:p95_5m', legend: 'p95' },
        { expr: 'job:http_request_duration_seconds:p99_5m', legend: 'p99' },
      ],
      unit: 's',
    },
    { title: 'CPU', type: 'timeseries', queries: [{ expr: 'rate(process_cpu_seconds_total{job="modelwatch"}[5m])', legend: '{{instance}}' }], unit: 'percentunit', min: 0 },
    { title: 'Memory', type: 'timeseries', queries: [{ expr: 'ml_app_memory_bytes{job="modelwatch"}', legend: '{{instance}}' }], unit: 'bytes', min: 0 },
  ],
};

/** "Data Drift": PSI per feature against 0.1 / 0.2, one feature's bin shares against the baseline, estimated against live accuracy. */
export const DATA_DRIFT: DashboardSpec = {
  uid: 'data-drift',
  title: 'Data Drift',
  description: 'PSI per feature against the 0.1 (warning) and 0.2 (critical) lines, a chosen feature\'s bin shares against its training baseline, prediction drift, and the estimated accuracy beside the live one.',
  tag: 'drift',
  variable: { name: 'feature', query: 'label_values(ml_feature_baseline_share, feature)', default: 'age' },
  panels: [
    {
      title: 'PSI per Feature (last hour, all replicas)',
      type: 'timeseries',
      queries: [{ expr: 'ml:feature_drift_psi:1h', legend: '{{feature}}' }],
      min: 0,
      thresholds: [{ color: 'green', value: null }, { color: 'yellow', value: 0.1 }, { color: 'red', value: 0.2 }],
    },
    {
      title: 'PSI per Feature (drift window, per replica)',
      type: 'timeseries',
      queries: [{ expr: 'ml_feature_drift_psi', legend: '{{feature}} {{instance}}' }],
      min: 0,
      thresholds: [{ color: 'green', value: null }, { color: 'yellow', value: 0.1 }, { color: 'red', value: 0.2 }],
    },
    {
      title: 'Bin Shares of $feature against the Baseline',
      type: 'timeseries',
      queries: [
        { expr: 'ml:feature_bin_share:ratio_1h{feature="$feature"}', legend: 'now {{bin}}' },
        { expr: 'max by (bin) (ml_feature_baseline_share{feature="$feature"})', legend: 'baseline {{bin}}' },
      ],
      unit: 'percentunit',
      min: 0,
    },
    {
      title: 'Estimated against Live Accuracy',
      type: 'timeseries',
      queries: [
        { expr: 'ml_model_estimated_accuracy', legend: 'estimated (no labels) {{instance}}' },
        { expr: 'ml_model_accuracy{source="live"}', legend: 'live (last labels) {{instance}}' },
        { expr: 'ml:model_accuracy:live_1h', legend: 'live, last hour, all replicas' },
      ],
      unit: 'percentunit',
      thresholds: [{ color: 'red', value: null }, { color: 'green', value: 0.9 }],
    },
    { title: 'Prediction Drift (PSI)', type: 'timeseries', queries: [{ expr: 'ml:prediction_drift_psi:1h', legend: '{{signal}}' }], min: 0 },
    {
      // A regression model has no accuracy: its live errors against the holdout's, as HighLiveMae compares them.
      title: 'Regression Error: Live against Holdout (MAE, RMSE)',
      type: 'timeseries',
      task: 'regression',
      queries: [
        { expr: 'ml_model_mae', legend: 'MAE {{source}} {{model_version}} {{instance}}' },
        { expr: 'ml_model_rmse', legend: 'RMSE {{source}} {{model_version}} {{instance}}' },
        { expr: 'ml:model_mae:live_1h', legend: 'MAE live, last hour, all replicas' },
      ],
      min: 0,
    },
    {
      title: 'Recall per Class (multiclass models)',
      type: 'timeseries',
      task: 'multiclass',
      queries: [{ expr: 'ml_model_class_recall', legend: '{{class}} {{source}} {{instance}}' }],
      unit: 'percentunit',
      min: 0,
    },
  ],
};

/**
 * The training pipeline, watched with the same stack from the metrics it pushes: run outcomes, step durations, training accuracy and loss over versions, rows ingested,
 * promotions, and whether the service picked the promoted version up.
 */
export const TRAINING_PIPELINE: DashboardSpec = {
  uid: 'training-pipeline',
  title: 'Training Pipeline',
  description: 'The training pipeline: last run, hours since the last success, step status and durations, training accuracy and loss by version, rows ingested, promotions, and the version each replica serves.',
  tag: 'pipeline',
  panels: [
    {
      title: 'Last Run',
      type: 'stat',
      queries: [{ expr: 'pipeline_run_status', legend: '{{pipeline}} @ {{instance}}' }],
      thresholds: [{ color: 'red', value: null }, { color: 'green', value: 1 }],
    },
    {
      title: 'Hours Since Last Success',
      type: 'stat',
      queries: [{ expr: '(time() - pipeline_last_success_timestamp_seconds) / 3600', legend: '{{pipeline}} @ {{instance}}' }],
      thresholds: [{ color: 'green', value: null }, { color: 'yellow', value: 12 }, { color: 'red', value: 24 }],
    },
    {
      title: 'Step Status (1 ok, 0 failed, -1 skipped)',
      type: 'timeseries',
      queries: [{ expr: 'pipeline_step_status', legend: '{{step}}' }],
      thresholds: [{ color: 'red', value: null }, { color: 'green', value: 1 }],
    },
    { title: 'Step Durations', type: 'timeseries', queries: [{ expr: 'pipeline_step_duration_seconds', legend: '{{step}}' }], unit: 's', min: 0 },
    { title: 'Training Accuracy by Version', type: 'timeseries', queries: [{ expr: 'model_training_accuracy', legend: '{{model_version}}' }], unit: 'percentunit' },
    { title: 'Training Loss by Version', type: 'timeseries', queries: [{ expr: 'model_training_loss', legend: '{{model_version}}' }], min: 0 },
    { title: 'Rows Ingested per Day', type: 'timeseries', queries: [{ expr: 'increase(pipeline_rows_processed_total[1d])', legend: '{{pipeline}}' }], min: 0 },
    { title: 'Promotions per Day', type: 'timeseries', queries: [{ expr: 'increase(model_promotion_total[1d])', legend: '{{outcome}}' }], min: 0 },
    { title: 'Serving Version and Reload Failures', type: 'timeseries', queries: [{ expr: 'ml_model_info', legend: '{{instance}} serves {{model_version}}' }, { expr: 'increase(ml_model_reload_failures_total[1h])', legend: 'reload failures: {{reason}}' }], min: 0 },
  ],
};

/** A gateway family's rate over 5 minutes for the chosen gateway job, summed `by` (nothing: one line). */
const gatewayRate = (family: string, by?: string, matchers = '') => `sum${by ? ` by (${by})` : ''} (rate(${family}{job="$job"${matchers}}[5m]))`;
/** A quantile of a gateway histogram over 5 minutes for the chosen job, all endpoints together. */
const gatewayQuantile = (q: number, family: string) => `histogram_quantile(${q}, sum by (le) (rate(${family}_bucket{job="$job"}[5m])))`;

/**
 * `modelwatch gateway` in front of another model server, one gateway job at a time: what clients
 * asked of it (rate by endpoint and status, the 5xx share GatewayHighErrorRate pages on, latency),
 * what it asked of the model server (status, p95 — MLInferenceLatencyHigh's line), the calls that
 * got no answer (MLServiceDown's input), the requests it refused, the calls in flight and the
 * circuit breaker's state, and its own CPU and memory.
 */
export const API_GATEWAY: DashboardSpec = {
  uid: 'api-gateway',
  title: 'API Gateway',
  description: 'modelwatch gateway in front of another model server: request rate by endpoint and status, the 5xx share, latency p95/p99, the model server\'s own answers and p95, upstream errors by kind, refused requests, calls in flight, the circuit breaker\'s state, and the gateway\'s CPU and memory.',
  tag: 'gateway',
  // Gateways are scraped under whatever job their operator names (the catalogue's gateway alerts
  // keep the job); the generated prometheus.yml names it model-gateway.
  variable: { name: 'job', query: 'label_values(gateway_http_requests_total, job)', default: GATEWAY_JOB },
  panels: [
    { title: 'Request Rate', type: 'timeseries', queries: [{ expr: gatewayRate('gateway_http_requests_total'), legend: 'requests/s' }], unit: 'reqps', min: 0 },
    { title: 'Requests by Endpoint', type: 'timeseries', queries: [{ expr: gatewayRate('gateway_http_requests_total', 'endpoint'), legend: '{{endpoint}}' }], unit: 'reqps', min: 0 },
    { title: 'Requests by Status', type: 'timeseries', queries: [{ expr: gatewayRate('gateway_http_requests_total', 'status'), legend: '{{status}}' }], unit: 'reqps', min: 0 },
    {
      title: 'Error Rate (5xx)',
      type: 'stat',
      // What GatewayHighErrorRate compares, in percent. No 5xx at all is 0 %, not "No data".
      queries: [{ expr: `(${gatewayRate('gateway_http_requests_total', undefined, ',status=~"5.."')} or vector(0)) / ${gatewayRate('gateway_http_requests_total')} * 100`, legend: 'server errors (5xx)' }],
      unit: 'percent',
      thresholds: [{ color: 'green', value: null }, { color: 'red', value: LIMIT.gatewayErrorRatio * 100 }],
    },
    {
      title: 'Latency p95 / p99 (through the gateway)',
      type: 'timeseries',
      queries: [
        { expr: gatewayQuantile(0.95, 'gateway_http_request_duration_seconds'), legend: 'p95' },
        { expr: gatewayQuantile(0.99, 'gateway_http_request_duration_seconds'), legend: 'p99' },
      ],
      unit: 's',
      min: 0,
    },
    {
      title: 'Model Server Latency p95',
      type: 'timeseries',
      queries: [{ expr: gatewayQuantile(0.95, 'gateway_backend_request_duration_seconds'), legend: 'p95' }],
      unit: 's',
      min: 0,
      thresholds: [{ color: 'green', value: null }, { color: 'red', value: LIMIT.gatewayBackendP95Seconds }],
    },
    { title: 'Model Server Answers by Status', type: 'timeseries', queries: [{ expr: gatewayRate('gateway_backend_requests_total', 'status'), legend: '{{status}}' }], unit: 'reqps', min: 0 },
    { title: 'Upstream Errors by Kind', type: 'timeseries', queries: [{ expr: gatewayRate('gateway_upstream_errors_total', 'kind'), legend: '{{kind}}' }], unit: 'reqps', min: 0 },
    { title: 'Refused Requests by Reason', type: 'timeseries', queries: [{ expr: gatewayRate('gateway_requests_refused_total', 'reason'), legend: '{{reason}}' }], unit: 'reqps', min: 0 },
    { title: 'Calls in Flight', type: 'timeseries', queries: [{ expr: 'gateway_upstream_in_flight{job="$job"}', legend: '{{instance}}' }], min: 0 },
    {
      title: 'Circuit State (gateways per state)',
      type: 'stat',
      // Each gateway's breaker is 1 in exactly one state: the sum is how many gateways are in each.
      queries: [{ expr: 'sum by (state) (gateway_circuit_state{job="$job"})', legend: '{{state}}' }],
      min: 0,
    },
    { title: 'CPU', type: 'timeseries', queries: [{ expr: 'rate(process_cpu_seconds_total{job="$job"}[5m])', legend: '{{instance}}' }], unit: 'percentunit', min: 0 },
    { title: 'Memory (resident)', type: 'timeseries', queries: [{ expr: 'process_resident_memory_bytes{job="$job"}', legend: '{{instance}}' }], unit: 'bytes', min: 0 },
  ],
};

/** Every generated dashboard. */
export const DASHBOARDS: readonly DashboardSpec[] = [ML_PIPELINE_PRODUCTION, MODEL_HEALTH, MLOPS_OVERVIEW, DATA_DRIFT, TRAINING_PIPELINE, API_GATEWAY];

const DATASOURCE = { type: 'prometheus', uid: 'prometheus' } as const;
const REDUCE_LAST = { calcs: ['lastNotNull'], fields: '', values: false };

/** The parts every panel type shares: id, title, place on the grid, queries, field defaults. */
function common(panel: PanelSpec, id: number) {
  const width = 8;
  const targets: PrometheusTarget[] = panel.queries.map((q, i) => ({
    refId: String.fromCharCode(65 + i),
    datasource: DATASOURCE,
    expr: q.expr,
    legendFormat: q.legend ?? '',
    ...(panel.type === 'heatmap' ? { format: 'heatmap' as const } : {}),
  }));
  const defaults = {
    ...(panel.unit ? { unit: panel.unit } : {}),
    ...(panel.min !== undefined ? { min: panel.min } : {}),
    ...(panel.thresholds ? { thresholds: { mode: 'absolute' as const, steps: panel.thresholds.map((step) => ({ ...step })) } } : {}),
  };
  return {
    id,
    title: panel.title,
    datasource: DATASOURCE,
    gridPos: { h: 8, w: width, x: ((id - 1) % 3) * width, y: Math.floor((id - 1) / 3) * 8 },
    targets,
    defaults,
  };
}

function timeSeriesPanel(panel: PanelSpec, id: number): TimeSeriesPanel {
  const { defaults, ...rest } = common(panel, id);
  return {
    ...rest,
    type: 'timeseries',
    // Grafana draws a time series' thresholds only when its field config asks for it
    // (`custom.thresholdsStyle`); in the panel's options the setting is ignored.
    fieldConfig: { defaults: { ...defaults, custom: { thresholdsStyle: { mode: panel.thresholds ? 'line' : 'off' } } }, overrides: [] },
    options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true, calcs: [] }, tooltip: { mode: 'multi', sort: 'none' } },
  };
}

function statPanel(panel: PanelSpec, id: number): StatPanel {
  const { defaults, ...rest } = common(panel, id);
  return {
    ...rest,
    type: 'stat',
    fieldConfig: { defaults, overrides: [] },
    options: {
      colorMode: 'background',
      graphMode: 'area',
      justifyMode: 'auto',
      orientation: 'auto',
      percentChangeColorMode: 'standard',
      reduceOptions: REDUCE_LAST,
      showPercentChange: false,
      textMode: 'auto',
      wideLayout: true,
    },
  };
}

function pieChartPanel(panel: PanelSpec, id: number): PieChartPanel {
  const { defaults, ...rest } = common(panel, id);
  return {
    ...rest,
    type: 'piechart',
    fieldConfig: { defaults, overrides: [] },
    options: {
      displayLabels: [],
      legend: { displayMode: 'list', placement: 'right', showLegend: true, calcs: [], values: [] },
      orientation: 'auto',
      pieType: 'pie',
      reduceOptions: REDUCE_LAST,
      sort: 'desc',
      tooltip: { mode: 'single', sort: 'none' },
    },
  };
}

function heatmapPanel(panel: PanelSpec, id: number): HeatmapPanel {
  const { defaults, ...rest } = common(panel, id);
  return {
    ...rest,
    type: 'heatmap',
    fieldConfig: { defaults, overrides: [] },
    options: {
      // The buckets come from Prometheus (`format: heatmap`): Grafana only draws them.
      calculate: false,
      color: { mode: 'scheme', scheme: 'Oranges', fill: 'dark-orange', exponent: 0.5, reverse: false, steps: 64 },
      exemplars: { color: 'rgba(255,0,255,0.7)' },
      legend: { show: true },
      showValue: 'auto',
      tooltip: { mode: 'single', yHistogram: false },
      yAxis: { unit: panel.unit ?? 's' },
    },
  };
}

const PANEL_BUILDERS = { timeseries: timeSeriesPanel, stat: statPanel, piechart: pieChartPanel, heatmap: heatmapPanel } as const;

function panelJson(panel: PanelSpec, id: number): GeneratedPanel {
  return PANEL_BUILDERS[panel.type](panel, id);
}

/**
 * A dashboard as Grafana's JSON model: last hour, refreshing every 30 s.
 *
 * @example JSON.stringify(dashboardJson(ML_PIPELINE_PRODUCTION))
 */
export function dashboardJson(spec: DashboardSpec): GeneratedDashboard {
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: ['modelwatch', spec.tag],
    timezone: 'browser',
    schemaVersion: 39,
    version: 1,
    editable: true,
    time: { from: 'now-1h', to: 'now' },
    refresh: '30s',
    templating: {
      list: spec.variable
        ? [{ name: spec.variable.name, type: 'query', datasource: DATASOURCE, query: spec.variable.query, refresh: 1, current: { text: spec.variable.default, value: spec.variable.default } }]
        : [],
    },
    panels: spec.panels.map((panel, i) => panelJson(panel, i + 1)),
  };
}
