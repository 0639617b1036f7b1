/**
 * Alert rules, each with its runbook anchor and a `promtool test rules` case that shows it silent
 * and then firing with exact labels and annotations. Annotations use only the template forms the
 * test generator can render (`{{ $labels.x }}`, `{{ $value }}` and `{{ $value | f }}` for the few
 * functions in annotations.ts), so the expected annotations are computed, not copied.
 */

import { PSI_CRITICAL, PSI_WARNING } from '../../monitoring/drift/drift-monitor.js';
import { columnName, FEEDBACK_COLUMNS, REQUEST_COLUMNS } from '../../monitoring/series/columns.js';
import type { SeriesView } from '../../monitoring/series/view.js';
import { PIPELINE_JOB } from '../../pipeline/metrics.js';

/** The `service` label every modelwatch alert carries (Alertmanager inhibits by it). */
export const SERVICE_LABEL = 'modelwatch';

/** Input series of a test: Prometheus' expanding notation, one sample a minute. */
export interface TestSeries {
  readonly series: string;
  readonly values: string;
}

/** The unit test of an alert. */
export interface AlertTest {
  readonly series: readonly TestSeries[];
  /** An evaluation time (e.g. "10m") at which the alert must be silent… */
  readonly silentAt: string;
  /** …and one at which it must be firing. */
  readonly firingAt: string;
  /** Labels of the firing alert beyond alertname and severity (from the expression). */
  readonly labels?: Readonly<Record<string, string>>;
  /** The alert's $value at `firingAt`. */
  readonly value: number;
}

/** An instance of an alert whose condition holds in-process: its labels and `$value`. */
export interface ConsoleFinding {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/**
 * The alert's condition evaluated in-process over this process's sampled series (the embedded
 * tier's console, src/monitoring/alerts): the same condition as `expr`, on one process, returning
 * every instance for which it holds. `for`, severity and annotations are the rule's own.
 */
export type ConsoleEvaluator = (series: SeriesView) => readonly ConsoleFinding[];

/** One alert rule. */
export interface AlertRule {
  readonly name: string;
  readonly expr: string;
  readonly for: string;
  readonly severity: 'critical' | 'warning';
  readonly summary: string;
  readonly description: string;
  /** Section anchor in docs/runbooks.md. */
  readonly runbook: string;
  /** The seed that asks for it. */
  readonly source: string;
  readonly test: AlertTest;
  /**
   * The in-process form of `expr`, for the console. Absent where only Prometheus can tell: a
   * process cannot see itself down, and the pipeline's metrics go to the Pushgateway. Generators
   * never write it anywhere.
   */
  readonly console?: ConsoleEvaluator;
}

/**
 * Thresholds, each written once and used by both forms of its alert — the PromQL `expr` and the
 * in-process `console` evaluator — so the two cannot disagree.
 */
export const LIMIT = {
  requestErrorRatio: 0.05,
  predictionErrorRate: 0.1,
  p95Seconds: 1,
  p99Seconds: 0.5,
  liveAccuracy: 0.9,
  memoryGrowth: 1.5,
  validationFailureShare: 0.2,
  predictionsPerMinute: 10,
} as const;

const job = { job: 'modelwatch' };
const instance = { job: 'modelwatch', instance: 'm1:5000' };
const pipelineRun = { job: PIPELINE_JOB, pipeline: 'bank-marketing', instance: 'ci' };
const pipelineSelector = `job="${PIPELINE_JOB}",pipeline="bank-marketing",instance="ci"`;
const perMinute = (from: number, step: number, n: number) => `${from}+${step}x${n}`;

/** Bin counters switching from an even split to `a`/`b` per minute at 60 m, with even baseline shares. */
function driftSeries(metric: 'feature' | 'prediction', label: 'feature' | 'signal', name: string, a: number, b: number): TestSeries[] {
  return [
    { series: `ml_${metric}_bin_total{job="modelwatch",${label}="${name}",bin="a"}`, values: `${perMinute(0, 50, 60)} ${perMinute(3000 + a, a, 90)}` },
    { series: `ml_${metric}_bin_total{job="modelwatch",${label}="${name}",bin="b"}`, values: `${perMinute(0, 50, 60)} ${perMinute(3000 + b, b, 90)}` },
    { series: `ml_${metric}_baseline_share{job="modelwatch",${label}="${name}",bin="a"}`, values: '0.5x150' },
    { series: `ml_${metric}_baseline_share{job="modelwatch",${label}="${name}",bin="b"}`, values: '0.5x150' },
  ];
}

/** The instance (with `labels`) when `value` is a number for which `holds`; nothing otherwise. */
const when = (value: number, holds: (value: number) => boolean, labels: Readonly<Record<string, string>> = {}): ConsoleFinding[] =>
  Number.isFinite(value) && holds(value) ? [{ labels, value }] : [];
/** a / b, NaN when b is 0 (as PromQL's division gives no usable value). */
const ratio = (a: number, b: number) => (b > 0 ? a / b : Number.NaN);
const REQUEST_ERRORS = columnName('model_requests_total', { status: 'error' });
const feedback = (predicted: string, actual: string) => columnName('ml_feedback_total', { predicted_class: predicted, actual_class: actual });
const MEMORY = 'ml_app_memory_bytes';

const psi = (a: number) => (a - 0.5) * Math.log(a / 0.5) + (0.5 - a) * Math.log((1 - a) / 0.5);

/** Every alert rule. */
export const ALERTS: readonly AlertRule[] = [
  {
    name: 'ModelwatchDown',
    expr: 'absent(up{job="modelwatch"} == 1)',
    for: '1m',
    severity: 'critical',
    summary: 'modelwatch is down',
    description: 'No modelwatch target has answered a scrape for a minute (absent = {{ $value }}): nothing is being predicted or observed.',
    runbook: 'modelwatchdown',
    source: '004',
    test: { series: [{ series: 'up{job="modelwatch",instance="m1:5000"}', values: '1x5 0x10' }], silentAt: '4m', firingAt: '10m', value: 1 },
  },
  {
    name: 'HighRequestErrorRatio',
    expr: `job:model_request_error_ratio:rate5m > ${LIMIT.requestErrorRatio}`,
    for: '2m',
    severity: 'critical',
    summary: 'More than 5 % of predict requests fail',
    description: '{{ $value | humanizePercentage }} of predict requests got no prediction over the last 5 minutes.',
    runbook: 'highrequesterrorratio',
    source: '004',
    console: (s) => when(ratio(s.increase(REQUEST_ERRORS, 300), s.increase(REQUEST_COLUMNS, 300)), (v) => v > LIMIT.requestErrorRatio),
    test: {
      series: [
        { series: 'model_requests_total{job="modelwatch",instance="m1:5000",model_version="v1",status="success"}', values: perMinute(0, 100, 30) },
        { series: 'model_requests_total{job="modelwatch",instance="m1:5000",model_version="v1",status="error"}', values: `0x10 ${perMinute(100, 100, 20)}` },
      ],
      silentAt: '9m',
      firingAt: '25m',
      labels: job,
      value: 0.5,
    },
  },
  {
    name: 'HighPredictionErrorRate',
    expr: `ml_prediction_error_rate{job="modelwatch"} > ${LIMIT.predictionErrorRate}`,
    for: '2m',
    severity: 'critical',
    summary: 'More than 10 % of predictions fail on {{ $labels.instance }}',
    description: '{{ $value | humanizePercentage }} of the predict requests of the last 5 minutes on {{ $labels.instance }} got no prediction.',
    runbook: 'highpredictionerrorrate',
    source: '000',
    console: (s) => when(s.latest('ml_prediction_error_rate'), (v) => v > LIMIT.predictionErrorRate),
    test: { series: [{ series: 'ml_prediction_error_rate{job="modelwatch",instance="m1:5000"}', values: '0.01x5 0.25x10' }], silentAt: '4m', firingAt: '10m', labels: instance, value: 0.25 },
  },
  {
    name: 'HighLatencyP95',
    expr: `job:http_request_duration_seconds:p95_5m > ${LIMIT.p95Seconds}`,
    for: '2m',
    severity: 'warning',
    summary: 'p95 request latency above 1 s',
    description: '95 % of requests took up to {{ $value | humanizeDuration }} over the last 5 minutes.',
    runbook: 'highlatencyp95',
    source: '000',
    console: (s) => when(s.quantile('http_request_duration_seconds', 0.95, 300), (v) => v > LIMIT.p95Seconds),
    test: {
      series: [
        { series: 'http_request_duration_seconds_bucket{job="modelwatch",instance="m1:5000",method="POST",route="/predict",status_code="200",le="1"}', values: `${perMinute(0, 60, 10)} 600x20` },
        { series: 'http_request_duration_seconds_bucket{job="modelwatch",instance="m1:5000",method="POST",route="/predict",status_code="200",le="2.5"}', values: perMinute(0, 60, 30) },
        { series: 'http_request_duration_seconds_bucket{job="modelwatch",instance="m1:5000",method="POST",route="/predict",status_code="200",le="+Inf"}', values: perMinute(0, 60, 30) },
      ],
      silentAt: '9m',
      firingAt: '25m',
      labels: job,
      value: 1 + 1.5 * 0.95,
    },
  },
  {
    name: 'HighLatencyP99',
    expr: `job:model_latency_seconds:p99_5m > ${LIMIT.p99Seconds}`,
    for: '2m',
    severity: 'warning',
    summary: 'p99 predict latency above 500 ms',
    description: '99 % of predict requests took up to {{ $value | humanizeDuration }} over the last 5 minutes.',
    runbook: 'highlatencyp99',
    source: '001',
    console: (s) => when(s.quantile('model_latency_seconds', 0.99, 300), (v) => v > LIMIT.p99Seconds),
    test: {
      series: [
        { series: 'model_latency_seconds_bucket{job="modelwatch",instance="m1:5000",model_version="v1",le="0.5"}', values: `${perMinute(0, 60, 10)} 600x20` },
        { series: 'model_latency_seconds_bucket{job="modelwatch",instance="m1:5000",model_version="v1",le="1"}', values: perMinute(0, 60, 30) },
        { series: 'model_latency_seconds_bucket{job="modelwatch",instance="m1:5000",model_version="v1",le="+Inf"}', values: perMinute(0, 60, 30) },
      ],
      silentAt: '9m',
      firingAt: '25m',
      labels: job,
      value: 0.5 + 0.5 * 0.99,
    },
  },
  {
    name: 'LowLiveAccuracy',
    expr: `ml:model_accuracy:live_1h < ${LIMIT.liveAccuracy}`,
    for: '5m',
    severity: 'critical',
    summary: 'Live accuracy below 0.90',
    description: 'Accuracy of the predictions labelled in the last hour is {{ $value | printf "%.3f" }} (all replicas, from /feedback).',
    runbook: 'lowliveaccuracy',
    source: '000',
    console: (s) => when(ratio(s.increase([feedback('0', '0'), feedback('1', '1')], 3600), s.increase(FEEDBACK_COLUMNS, 3600)), (v) => v < LIMIT.liveAccuracy),
    test: {
      series: [
        { series: 'ml_feedback_total{job="modelwatch",instance="m1:5000",predicted_class="0",actual_class="0"}', values: `${perMinute(0, 10, 60)} ${perMinute(606, 6, 90)}` },
        { series: 'ml_feedback_total{job="modelwatch",instance="m1:5000",predicted_class="0",actual_class="1"}', values: `0x60 ${perMinute(4, 4, 90)}` },
        { series: 'ml_feedback_total{job="modelwatch",instance="m1:5000",predicted_class="1",actual_class="0"}', values: '0x150' },
        { series: 'ml_feedback_total{job="modelwatch",instance="m1:5000",predicted_class="1",actual_class="1"}', values: '0x150' },
      ],
      silentAt: '60m',
      firingAt: '130m',
      value: 0.6,
    },
  },
  {
    name: 'FeatureDriftWarning',
    expr: `ml:feature_drift_psi:1h > ${PSI_WARNING} <= ${PSI_CRITICAL}`,
    for: '10m',
    severity: 'warning',
    summary: 'Feature {{ $labels.feature }} is drifting (PSI > 0.1)',
    description: 'PSI of {{ $labels.feature }} over the last hour is {{ $value | printf "%.3f" }} against the training baseline (0.1–0.2: moderate shift).',
    runbook: 'featuredrift',
    source: '001',
    console: (s) => s.each('ml_feature_drift_psi').flatMap((c) => when(c.value, (v) => v > PSI_WARNING && v <= PSI_CRITICAL, c.labels)),
    test: { series: driftSeries('feature', 'feature', 'age', 66, 34), silentAt: '60m', firingAt: '130m', labels: { feature: 'age' }, value: psi(0.66) },
  },
  {
    name: 'FeatureDriftCritical',
    expr: `ml:feature_drift_psi:1h > ${PSI_CRITICAL}`,
    for: '10m',
    severity: 'critical',
    summary: 'Feature {{ $labels.feature }} has drifted (PSI > 0.2)',
    description: 'PSI of {{ $labels.feature }} over the last hour is {{ $value | printf "%.3f" }} against the training baseline (above 0.2: significant shift).',
    runbook: 'featuredrift',
    source: '001',
    console: (s) => s.each('ml_feature_drift_psi').flatMap((c) => when(c.value, (v) => v > PSI_CRITICAL, c.labels)),
    test: { series: driftSeries('feature', 'feature', 'age', 90, 10), silentAt: '60m', firingAt: '130m', labels: { feature: 'age' }, value: psi(0.9) },
  },
  {
    name: 'PredictionDistributionShift',
    expr: `ml:prediction_drift_psi:1h{signal="class"} > ${PSI_CRITICAL}`,
    for: '10m',
    severity: 'warning',
    summary: 'The predicted class balance has shifted',
    description: 'PSI of the predicted classes over the last hour is {{ $value | printf "%.3f" }} against the holdout: the model answers differently than it did in evaluation.',
    runbook: 'predictiondistributionshift',
    source: '001',
    console: (s) => s.each('ml_prediction_drift_psi').filter((c) => c.labels.signal === 'class').flatMap((c) => when(c.value, (v) => v > PSI_CRITICAL, c.labels)),
    test: { series: driftSeries('prediction', 'signal', 'class', 90, 10), silentAt: '60m', firingAt: '130m', labels: { signal: 'class' }, value: psi(0.9) },
  },
  {
    name: 'MemorySpike',
    expr: `ml_app_memory_bytes{job="modelwatch"} > ${LIMIT.memoryGrowth} * avg_over_time(ml_app_memory_bytes{job="modelwatch"}[1h])`,
    for: '5m',
    severity: 'warning',
    summary: 'Memory of {{ $labels.instance }} jumped',
    description: 'Resident memory of {{ $labels.instance }} is {{ $value | humanize1024 }}B, over 1.5 times its average of the last hour.',
    runbook: 'memoryspike',
    source: '000',
    console: (s) => when(s.latest(MEMORY), (v) => v > LIMIT.memoryGrowth * s.avgOverTime(MEMORY, 3600)),
    test: { series: [{ series: 'ml_app_memory_bytes{job="modelwatch",instance="m1:5000"}', values: '104857600x60 314572800x20' }], silentAt: '60m', firingAt: '70m', labels: instance, value: 314572800 },
  },
  {
    name: 'ValidationFailureSpike',
    expr: `sum by (job) (rate(ml_input_validation_failures_total{job="modelwatch"}[5m])) / sum by (job) (rate(model_requests_total{job="modelwatch"}[5m])) > ${LIMIT.validationFailureShare}`,
    for: '5m',
    severity: 'warning',
    summary: 'Many requests are rejected as invalid',
    description: 'Rejected inputs were {{ $value | humanizePercentage }} of predict requests over the last 5 minutes: a client or an upstream feature pipeline changed.',
    runbook: 'validationfailurespike',
    source: '000',
    console: (s) => when(ratio(s.increase('ml_input_validation_failures_total', 300), s.increase(REQUEST_COLUMNS, 300)), (v) => v > LIMIT.validationFailureShare),
    test: {
      series: [
        { series: 'ml_input_validation_failures_total{job="modelwatch",instance="m1:5000",reason="out_of_range",endpoint="/predict"}', values: `0x10 ${perMinute(30, 30, 20)}` },
        { series: 'model_requests_total{job="modelwatch",instance="m1:5000",model_version="v1",status="success"}', values: perMinute(0, 100, 30) },
      ],
      silentAt: '9m',
      firingAt: '25m',
      labels: job,
      value: 0.3,
    },
  },
  {
    name: 'LowThroughput',
    expr: `job:ml_predictions:per_minute < ${LIMIT.predictionsPerMinute}`,
    for: '10m',
    severity: 'warning',
    summary: 'Fewer than 10 predictions a minute',
    description: 'modelwatch made {{ $value | printf "%.1f" }} predictions a minute over the last 5 minutes: is traffic reaching it?',
    runbook: 'lowthroughput',
    source: '000',
    console: (s) => when(s.rate('ml_predictions_total', 300) * 60, (v) => v < LIMIT.predictionsPerMinute),
    test: { series: [{ series: 'ml_predictions_total{job="modelwatch",instance="m1:5000"}', values: `${perMinute(0, 100, 20)} ${perMinute(2005, 5, 40)}` }], silentAt: '15m', firingAt: '45m', labels: job, value: 5 },
  },
  {
    name: 'NoFeedbackArriving',
    expr: 'sum(increase(ml_feedback_total{job="modelwatch"}[1h])) == 0 and on () sum(increase(ml_predictions_total{job="modelwatch"}[1h])) > 0',
    for: '30m',
    severity: 'warning',
    summary: 'No ground truth is arriving',
    description: 'modelwatch kept predicting but received {{ $value }} labels in the last hour: live accuracy is blind until /feedback resumes.',
    runbook: 'nofeedbackarriving',
    source: '003',
    console: (s) => (s.increase(FEEDBACK_COLUMNS, 3600) === 0 && s.increase('ml_predictions_total', 3600) > 0 ? [{ labels: {}, value: 0 }] : []),
    test: {
      series: [
        { series: 'ml_predictions_total{job="modelwatch",instance="m1:5000"}', values: perMinute(0, 10, 200) },
        { series: 'ml_feedback_total{job="modelwatch",instance="m1:5000",predicted_class="0",actual_class="0"}', values: `${perMinute(0, 5, 60)} 300x140` },
      ],
      silentAt: '60m',
      firingAt: '170m',
      value: 0,
    },
  },
  {
    name: 'PipelineRunFailed',
    expr: `pipeline_run_status{job="${PIPELINE_JOB}"} == 0`,
    for: '1m',
    severity: 'warning',
    summary: 'Training pipeline {{ $labels.pipeline }} failed on {{ $labels.instance }}',
    description: 'The last run of {{ $labels.pipeline }} failed (pipeline_run_status = {{ $value }}): pipeline_step_status shows the step that failed (0) and the steps it stopped (-1); no new version was promoted by it.',
    runbook: 'pipelinerunfailed',
    source: '002',
    test: { series: [{ series: `pipeline_run_status{${pipelineSelector}}`, values: '1x10 0x10' }], silentAt: '9m', firingAt: '15m', labels: pipelineRun, value: 0 },
  },
  {
    name: 'PipelineNoRecentSuccess',
    expr: `(time() - pipeline_last_success_timestamp_seconds{job="${PIPELINE_JOB}"}) / 3600 > 24`,
    for: '10m',
    severity: 'warning',
    summary: 'Training pipeline {{ $labels.pipeline }} has not succeeded for a day',
    description: 'The last successful run of {{ $labels.pipeline }} on {{ $labels.instance }} ended {{ $value | printf "%.1f" }} hours ago: the model is not being refreshed.',
    runbook: 'pipelinenorecentsuccess',
    source: '002',
    test: { series: [{ series: `pipeline_last_success_timestamp_seconds{${pipelineSelector}}`, values: '0x1500' }], silentAt: '1400m', firingAt: '1500m', labels: pipelineRun, value: 25 },
  },
  {
    name: 'ModelPromotionRejected',
    expr: `increase(model_promotion_total{job="${PIPELINE_JOB}",outcome="rejected"}[1h]) > 0`,
    for: '0m',
    severity: 'warning',
    summary: 'A newly trained model was not promoted',
    description: '{{ $value | printf "%.0f" }} version(s) trained by {{ $labels.pipeline }} in the last hour were worse than the current one beyond the tolerance and were registered but not promoted.',
    runbook: 'modelpromotionrejected',
    source: '004',
    test: { series: [{ series: `model_promotion_total{${pipelineSelector},outcome="rejected"}`, values: '0x30 1x60' }], silentAt: '20m', firingAt: '40m', labels: { ...pipelineRun, outcome: 'rejected' }, value: 1 },
  },
  {
    name: 'ModelReloadFailed',
    expr: 'increase(ml_model_reload_failures_total{job="modelwatch"}[10m]) > 0',
    for: '0m',
    severity: 'warning',
    summary: 'A promoted model version failed to load on {{ $labels.instance }}',
    description: '{{ $labels.instance }} failed {{ $value | printf "%.0f" }} time(s) in 10 minutes to load the version CURRENT points at ({{ $labels.reason }}); it keeps serving the previous version, so the promotion has not taken effect.',
    runbook: 'modelreloadfailed',
    source: '004',
    console: (s) => s.each('ml_model_reload_failures_total').flatMap((c) => when(s.increase(c.column, 600), (v) => v > 0, c.labels)),
    test: { series: [{ series: 'ml_model_reload_failures_total{job="modelwatch",instance="m1:5000",reason="corrupt"}', values: '0x10 1x20' }], silentAt: '5m', firingAt: '15m', labels: { ...instance, reason: 'corrupt' }, value: 1 },
  },
];
