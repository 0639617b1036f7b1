/**
 * Alert rules, each with its runbook anchor and a `promtool test rules` case that shows it silent
 * and then firing with exact labels and annotations. Annotations use only the template forms the
 * test generator can render (`{{ $labels.x }}`, `{{ $value }}` and `{{ $value | f }}` for the few
 * functions in annotations.ts), so the expected annotations are computed, not copied.
 */

import { ConfigSchema } from '../../config.js';
import { PREDICT_ROUTES } from '../../server/plugins/predict.js';
import { PSI_CRITICAL, PSI_WARNING } from '../../monitoring/drift/drift-monitor.js';
import { columnName, FEEDBACK_COLUMNS, REQUEST_COLUMNS, SERVER_ERROR_COLUMNS } from '../../monitoring/series/columns.js';
import type { SeriesView } from '../../monitoring/series/view.js';
import { PIPELINE_JOB } from '../../pipeline/metrics.js';

/** The `service` label every modelwatch alert carries (Alertmanager inhibits by it). */
export const SERVICE_LABEL = 'modelwatch';

/** Input series of a test: Prometheus' expanding notation, one sample per test interval. */
export interface TestSeries {
  readonly series: string;
  readonly values: string;
}

/** The unit test of an alert. */
export interface AlertTest {
  /** Time between input samples (default 1m); alerts over a 1-minute window need shorter ones. */
  readonly interval?: string;
  readonly series: readonly TestSeries[];
  /** An evaluation time (e.g. "10m") at which the alert must be silent… */
  readonly silentAt: string;
  /** …and one at which it must be firing. */
  readonly firingAt: string;
  /** Labels of the firing alert beyond alertname and severity (from the expression). */
  readonly labels?: Readonly<Record<string, string>>;
  /** The alert's $value at `firingAt`. */
  readonly value: number;
  /** Further cases, each with its own input: situations the alert must (or must not) fire in. */
  readonly cases?: readonly AlertCase[];
}

/** A further test case of an alert: its input, evaluated at `at`. */
export interface AlertCase {
  /** What the case shows; the promtool test is named after it. */
  readonly name: string;
  readonly interval?: string;
  readonly series: readonly TestSeries[];
  readonly at: string;
  /** The alert firing at `at` with these labels (beyond alertname and severity) and $value; silent when absent. */
  readonly firing?: { readonly labels?: Readonly<Record<string, string>>; readonly value: number };
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
  /** Share of predict requests failing with a server error (5xx) over 1 minute that pages. */
  requestErrorRatio: 0.05,
  /** …and over 5 minutes that warns: a slow leak the paging level would miss. */
  requestErrorRatioWarning: 0.01,
  /** Share of one replica's predict requests failing with a server error over 5 minutes. */
  predictionErrorRate: 0.1,
  p95Seconds: 1,
  p99Seconds: 0.5,
  /** The project's latency objective: 95 % of predictions within 500 ms. */
  predictP95ObjectiveSeconds: 0.5,
  liveAccuracy: 0.9,
  /** Live MAE of a regression model, as a multiple of its holdout MAE, that pages. */
  liveMaeOverHoldout: 1.5,
  memoryGrowth: 1.5,
  /** Share of predict requests rejected as bad input (4xx) over 5 minutes. */
  inputRejectionShare: 0.05,
  predictionsPerMinute: 10,
  /** The availability objective: 99.9 % of predict requests get an answer that is not a server error. */
  availabilitySlo: 0.999,
  /** Burn rates that page (SRE workbook: 2 % of a 30-day budget in 1 h, 5 % in 6 h). */
  fastBurnRate: 14.4,
  slowBurnRate: 6,
  /** Share of the CPU or memory limit in use that warns. */
  cpuShareOfLimit: 0.9,
  memoryShareOfLimit: 0.9,
  /** Gateway mode: share of requests through the gateway answered with a 5xx over 5 minutes. */
  gatewayErrorRatio: 0.05,
  /** Share of a gateway's mapped answers its mapping could not read (GatewayUnmappedAnswers). */
  gatewayUnmappedRatio: 0.1,
  /** Gateway mode: the model server's p95 answer time, in seconds. */
  gatewayBackendP95Seconds: 1,
} as const;

/**
 * The paging error alert's window and `for`, short enough that an error ratio above 5 % reaches
 * Alertmanager within 2 minutes with the shipped intervals (the bound is worked out in
 * docs/runbooks.md, "Fire drill", and measured end to end by test/stack-alerting-e2e.test.ts).
 */
export const PAGING_ERROR_WINDOW = '1m';
/**
 * How long the paging error alert's condition must hold before it fires: long enough that one
 * unlucky scrape does not page, short enough to keep the page within the 2 minutes promised
 * (its share of that bound is worked out with {@link PAGING_ERROR_WINDOW}'s).
 */
export const PAGING_ERROR_FOR = '30s';

/**
 * The predict routes — the native ones and the Open Inference Protocol's infer routes — as the
 * http_request_duration_seconds `route` label names them.
 */
const PREDICT = `job="modelwatch",route=~"${[...PREDICT_ROUTES].join('|')}"`;
/** Predict requests per second over `window`, by `by`, optionally only those whose status matches. */
const predictRate = (window: string, by: string, status?: string) =>
  `sum by (${by}) (rate(http_request_duration_seconds_count{${PREDICT}${status ? `,status_code=~"${status}"` : ''}}[${window}]))`;
/**
 * PromQL for the share of predict requests answered with a status matching `status` over `window`,
 * summed by `by`: what the error alerts compare (`'5..'`: server errors, `'4..'`: rejected input).
 * Exported for the Grafana alerts that mirror them.
 *
 * @example predictShare('5..', '5m', 'job, instance') // per-replica server-error share
 */
export const predictShare = (status: string, window: string, by = 'job') =>
  // `or 0 * all`: a replica that has answered no such status yet has no such series; its share is 0,
  // not absent (a panel or a Grafana alert would otherwise show "no data" on a healthy service).
  `(${predictRate(window, by, status)} or 0 * ${predictRate(window, by)}) / ${predictRate(window, by)}`;
/** The error budget's burn rate over `window`: the server-error share over the share the SLO allows. */
const burnRate = (window: string) => `(${predictShare('5..', window)}) / ${Number((1 - LIMIT.availabilitySlo).toFixed(6))}`;

const job = { job: 'modelwatch' };
const instance = { job: 'modelwatch', instance: 'm1:5000' };
const pipelineRun = { job: PIPELINE_JOB, pipeline: 'bank-marketing', instance: 'ci' };
const PIPELINE_LAST_RUN = `pipeline_last_run_timestamp_seconds{job="${PIPELINE_JOB}"}`;
const pipelineRunSelector = (instance: string) => `job="${PIPELINE_JOB}",pipeline="bank-marketing",instance="${instance}"`;
const pipelineSelector = pipelineRunSelector(pipelineRun.instance);
/**
 * Two Pushgateway groups of one pipeline: `pod-a`, an older run (ended at 60 s) whose group was
 * never replaced, and `pod-b`, the newer run (ended at 600 s), each with `metric` as given.
 */
const pipelineRuns = (metric: string, values: { old: string; new: string }): TestSeries[] => [
  { series: `${metric}{${pipelineRunSelector('pod-a')}}`, values: values.old },
  { series: `pipeline_last_run_timestamp_seconds{${pipelineRunSelector('pod-a')}}`, values: '60x20' },
  { series: `${metric}{${pipelineRunSelector('pod-b')}}`, values: values.new },
  { series: `pipeline_last_run_timestamp_seconds{${pipelineRunSelector('pod-b')}}`, values: '600x20' },
];
const perMinute = (from: number, step: number, n: number) => `${from}+${step}x${n}`;
/** Predict latency that turns slow after 10 minutes: every request from then on takes 0.5–1 s. */
const predictTurnsSlow = [
  { series: 'model_latency_seconds_bucket{job="modelwatch",instance="m1:5000",model_version="v1",le="0.5"}', values: `${perMinute(0, 60, 10)} 600x20` },
  { series: 'model_latency_seconds_bucket{job="modelwatch",instance="m1:5000",model_version="v1",le="1"}', values: perMinute(0, 60, 30) },
  { series: 'model_latency_seconds_bucket{job="modelwatch",instance="m1:5000",model_version="v1",le="+Inf"}', values: perMinute(0, 60, 30) },
];

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
const REGRESSION_LABELS = columnName('ml_feedback_regression_total', {});
const ABSOLUTE_ERRORS = columnName('ml_feedback_absolute_error_total', {});
const HOLDOUT_MAE = columnName('ml_model_mae', { source: 'holdout' });

/** An http_request_duration_seconds_count test series of POST /predict answered with `status`. */
const httpCount = (status: string) => `http_request_duration_seconds_count{job="modelwatch",instance="m1:5000",method="POST",route="/predict",status_code="${status}"}`;
/** A server-error column that has no sample yet reads NaN: none have happened, so count 0. */
const orZero = (value: number) => (Number.isNaN(value) ? 0 : value);
/** This process's share of predict requests answered with a server error over the last `seconds`. */
const serverErrorShare = (s: SeriesView, seconds: number) => ratio(orZero(s.increase(SERVER_ERROR_COLUMNS, seconds)), s.increase(REQUEST_COLUMNS, seconds));
/** …and with rejected input (4xx): every predict request without a prediction that was not a server error. */
const rejectedShare = (s: SeriesView, seconds: number) => ratio(orZero(s.increase(REQUEST_ERRORS, seconds)) - orZero(s.increase(SERVER_ERROR_COLUMNS, seconds)), s.increase(REQUEST_COLUMNS, seconds));

/** The job a test's gateway target is scraped under. */
const gatewayJob = { job: 'model-gateway' };
/** A gateway's request counter for one status (test input). */
const gatewayRequests = (status: string) => `gateway_http_requests_total{job="model-gateway",instance="g1:8080",method="POST",endpoint="/predict",status="${status}"}`;
/** A bucket of the gateway's model-server latency histogram (test input). */
const gatewayBackendBucket = (le: string) => `gateway_backend_request_duration_seconds_bucket{job="model-gateway",instance="g1:8080",le="${le}"}`;
/** Share of the requests through a gateway whose status matches, over 5 minutes, by job. */
const gatewayShare = (status: string) =>
  `sum by (job) (rate(gateway_http_requests_total{status=~"${status}"}[5m])) / sum by (job) (rate(gateway_http_requests_total[5m]))`;

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
    test: { series: [{ series: 'up{job="modelwatch",instance="m1:5000"}', values: '1x5 0x10' }], silentAt: '4m', firingAt: '10m', value: 1 },
  },
  {
    name: 'HighRequestErrorRatio',
    expr: `${predictShare('5..', PAGING_ERROR_WINDOW)} > ${LIMIT.requestErrorRatio}`,
    for: PAGING_ERROR_FOR,
    severity: 'critical',
    summary: 'More than 5 % of predict requests fail with a server error',
    description: '{{ $value | humanizePercentage }} of predict requests got a server error (5xx, no prediction) over the last minute, all replicas. Rejected input (4xx) is not counted here: it is InputRejectionSpike.',
    runbook: 'highrequesterrorratio',
    console: (s) => when(serverErrorShare(s, 60), (v) => v > LIMIT.requestErrorRatio),
    test: {
      interval: '15s',
      series: [
        { series: httpCount('200'), values: '0+25x40' },
        // A client sending bad bodies: 4xx, far above 5 %, must not page.
        { series: httpCount('400'), values: '0+50x40' },
        { series: httpCount('503'), values: '0x10 0+5x30' },
      ],
      silentAt: '2m',
      firingAt: '5m',
      labels: job,
      value: 5 / 80,
    },
  },
  {
    name: 'ElevatedRequestErrorRatio',
    expr: `${predictShare('5..', '5m')} > ${LIMIT.requestErrorRatioWarning}`,
    for: '5m',
    severity: 'warning',
    summary: 'More than 1 % of predict requests fail with a server error',
    description: '{{ $value | humanizePercentage }} of predict requests got a server error (5xx, no prediction) over the last 5 minutes, all replicas: below the paging level, above what a healthy service shows.',
    runbook: 'elevatedrequesterrorratio',
    console: (s) => when(serverErrorShare(s, 300), (v) => v > LIMIT.requestErrorRatioWarning),
    test: {
      series: [
        { series: httpCount('200'), values: '0+100x40' },
        { series: httpCount('500'), values: '0x10 0+2x30' },
      ],
      silentAt: '9m',
      firingAt: '25m',
      labels: job,
      value: 2 / 102,
    },
  },
  {
    name: 'HighPredictionErrorRate',
    expr: `${predictShare('5..', '5m', 'job, instance')} > ${LIMIT.predictionErrorRate}`,
    for: '2m',
    severity: 'critical',
    summary: 'More than 10 % of predictions fail on {{ $labels.instance }}',
    description: '{{ $value | humanizePercentage }} of the predict requests of the last 5 minutes on {{ $labels.instance }} got a server error (5xx, no prediction); rejected input (4xx) is not counted.',
    runbook: 'highpredictionerrorrate',
    console: (s) => when(serverErrorShare(s, 300), (v) => v > LIMIT.predictionErrorRate),
    test: {
      series: [
        { series: httpCount('200'), values: '0+90x30' },
        { series: httpCount('400'), values: '0+200x30' },
        { series: httpCount('503'), values: '0x10 0+70x20' },
      ],
      silentAt: '9m',
      firingAt: '25m',
      labels: instance,
      value: 70 / 360,
    },
  },
  {
    name: 'HighLatencyP95',
    expr: `job:http_request_duration_seconds:p95_5m > ${LIMIT.p95Seconds}`,
    for: '2m',
    severity: 'warning',
    summary: 'p95 request latency above 1 s',
    description: '95 % of requests took up to {{ $value | humanizeDuration }} over the last 5 minutes.',
    runbook: 'highlatencyp95',
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
    console: (s) => when(s.quantile('model_latency_seconds', 0.99, 300), (v) => v > LIMIT.p99Seconds),
    test: {
      series: predictTurnsSlow,
      silentAt: '9m',
      firingAt: '25m',
      labels: job,
      value: 0.5 + 0.5 * 0.99,
    },
  },
  {
    name: 'PredictLatencyP95AboveObjective',
    expr: `histogram_quantile(0.95, sum by (job, le) (rate(model_latency_seconds_bucket{job="modelwatch"}[5m]))) > ${LIMIT.predictP95ObjectiveSeconds}`,
    for: '5m',
    severity: 'warning',
    summary: 'p95 predict latency above the 500 ms objective',
    description: '95 % of predict requests took up to {{ $value | humanizeDuration }} over the last 5 minutes, all replicas: the objective is 500 ms.',
    runbook: 'predictlatencyp95aboveobjective',
    console: (s) => when(s.quantile('model_latency_seconds', 0.95, 300), (v) => v > LIMIT.predictP95ObjectiveSeconds),
    test: {
      series: predictTurnsSlow,
      silentAt: '9m',
      firingAt: '25m',
      labels: job,
      value: 0.5 + 0.5 * 0.95,
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
    console: (s) => when(ratio(s.increase([feedback('0', '0'), feedback('1', '1')], 3600), s.increase(FEEDBACK_COLUMNS, 3600)), (v) => v < LIMIT.liveAccuracy),
    test: {
      series: [
        { series: 'ml_feedback_total{job="modelwatch",instance="m1:5000",predicted_class="0",actual_class="0"}', values: `${perMinute(0, 10, 60)} ${perMinute(606, 6, 90)}` },
        { series: 'ml_feedback_total{job="modelwatch",instance="m1:5000",predicted_class="0",actual_class="1"}', values: `0x60 ${perMinute(4, 4, 90)}` },
        { series: 'ml_feedback_total{job="modelwatch",instance="m1:5000",predicted_class="1",actual_class="0"}', values: '0x150' },
        { series: 'ml_feedback_total{job="modelwatch",instance="m1:5000",predicted_class="1",actual_class="1"}', values: '0x150' },
        // The diagonal: the 0/0 cell, as the service counts it.
        { series: 'ml_feedback_correct_total{job="modelwatch",instance="m1:5000"}', values: `${perMinute(0, 10, 60)} ${perMinute(606, 6, 90)}` },
      ],
      silentAt: '60m',
      firingAt: '130m',
      value: 0.6,
    },
  },
  {
    name: 'HighLiveMae',
    // A regression model has no accuracy series (so LowLiveAccuracy stays silent for it): its error
    // alert compares the live MAE with the MAE the version had on its holdout (or reference) data.
    expr: `ml:model_mae:live_1h > on (model_version) ${LIMIT.liveMaeOverHoldout} * max by (model_version) (ml_model_mae{job="modelwatch",source="holdout"})`,
    for: '10m',
    severity: 'critical',
    summary: 'Live MAE of {{ $labels.model_version }} above 1.5 × its holdout MAE',
    description: 'Mean absolute error of the regression predictions labelled in the last hour is {{ $value | printf "%.3f" }} (all replicas, from /feedback): more than 1.5 times what {{ $labels.model_version }} had on its holdout data.',
    runbook: 'highlivemae',
    console: (s) => {
      const labels = s.increase(REGRESSION_LABELS, 3600);
      // The fleet rule's floor: the service's QUALITY_MIN_LABELS default in the hour.
      if (!(labels >= ConfigSchema.properties.QUALITY_MIN_LABELS.default)) return [];
      return when(ratio(s.increase(ABSOLUTE_ERRORS, 3600), labels), (v) => v > LIMIT.liveMaeOverHoldout * s.latest(HOLDOUT_MAE));
    },
    test: {
      series: [
        { series: 'ml_model_mae{job="modelwatch",instance="m1:5000",model_version="v1",source="holdout"}', values: '2x160' },
        { series: 'ml_feedback_regression_total{job="modelwatch",instance="m1:5000",model_version="v1"}', values: perMinute(0, 10, 160) },
        { series: 'ml_feedback_absolute_error_total{job="modelwatch",instance="m1:5000",model_version="v1"}', values: `${perMinute(0, 15, 60)} ${perMinute(940, 40, 99)}` },
      ],
      silentAt: '60m',
      firingAt: '140m',
      labels: { model_version: 'v1' },
      value: 4,
      cases: [
        {
          name: 'too few labels in the hour: silent however large the errors',
          series: [
            { series: 'ml_model_mae{job="modelwatch",instance="m1:5000",model_version="v1",source="holdout"}', values: '2x160' },
            { series: 'ml_feedback_regression_total{job="modelwatch",instance="m1:5000",model_version="v1"}', values: '0+0.25x160' },
            { series: 'ml_feedback_absolute_error_total{job="modelwatch",instance="m1:5000",model_version="v1"}', values: '0+25x160' },
          ],
          at: '140m',
        },
      ],
    },
  },
  {
    name: 'FeatureDriftWarning',
    // No upper bound: past 0.2 the critical is pending for 10 minutes, and a warning that resolved
    // then would leave nobody told. Alertmanager's inhibit rule mutes it once the critical fires.
    expr: `ml:feature_drift_psi:1h > ${PSI_WARNING}`,
    for: '10m',
    severity: 'warning',
    summary: 'Feature {{ $labels.feature }} is drifting (PSI > 0.1)',
    description: 'PSI of {{ $labels.feature }} over the last hour is {{ $value | printf "%.3f" }} against the training baseline (0.1–0.2: moderate shift; above 0.2 FeatureDriftCritical follows and mutes this warning).',
    runbook: 'featuredrift',
    console: (s) => s.each('ml_feature_drift_psi').flatMap((c) => when(c.value, (v) => v > PSI_WARNING, c.labels)),
    test: {
      series: driftSeries('feature', 'feature', 'age', 66, 34),
      silentAt: '60m',
      firingAt: '130m',
      labels: { feature: 'age' },
      value: psi(0.66),
      cases: [
        // Past the critical threshold the warning keeps firing while the critical is pending.
        { name: 'PSI above 0.2 still fires the warning', series: driftSeries('feature', 'feature', 'age', 77, 23), at: '130m', firing: { labels: { feature: 'age' }, value: psi(0.77) } },
      ],
    },
  },
  {
    name: 'FeatureDriftCritical',
    expr: `ml:feature_drift_psi:1h > ${PSI_CRITICAL}`,
    for: '10m',
    severity: 'critical',
    summary: 'Feature {{ $labels.feature }} has drifted (PSI > 0.2)',
    description: 'PSI of {{ $labels.feature }} over the last hour is {{ $value | printf "%.3f" }} against the training baseline (above 0.2: significant shift).',
    runbook: 'featuredrift',
    console: (s) => s.each('ml_feature_drift_psi').flatMap((c) => when(c.value, (v) => v > PSI_CRITICAL, c.labels)),
    test: { series: driftSeries('feature', 'feature', 'age', 90, 10), silentAt: '60m', firingAt: '130m', labels: { feature: 'age' }, value: psi(0.9) },
  },
  {
    name: 'PredictionDistributionShift',
    // "class" for a classifier, "value" for a regression model (its predicted values in the reference bins).
    expr: `ml:prediction_drift_psi:1h{signal=~"class|value"} > ${PSI_CRITICAL}`,
    for: '10m',
    severity: 'warning',
    summary: 'The predicted class balance has shifted',
    description: 'PSI of the predicted {{ $labels.signal }} distribution over the last hour is {{ $value | printf "%.3f" }} against the holdout: the model answers differently than it did in evaluation.',
    runbook: 'predictiondistributionshift',
    console: (s) => s.each('ml_prediction_drift_psi').filter((c) => c.labels.signal === 'class' || c.labels.signal === 'value').flatMap((c) => when(c.value, (v) => v > PSI_CRITICAL, c.labels)),
    test: {
      series: driftSeries('prediction', 'signal', 'class', 90, 10),
      silentAt: '60m',
      firingAt: '130m',
      labels: { signal: 'class' },
      value: psi(0.9),
      cases: [{ name: "a regression model's predicted values moved", series: driftSeries('prediction', 'signal', 'value', 90, 10), at: '130m', firing: { labels: { signal: 'value' }, value: psi(0.9) } }],
    },
  },
  {
    name: 'MemorySpike',
    expr: `ml_app_memory_bytes{job="modelwatch"} > ${LIMIT.memoryGrowth} * avg_over_time(ml_app_memory_bytes{job="modelwatch"}[1h])`,
    for: '5m',
    severity: 'warning',
    summary: 'Memory of {{ $labels.instance }} jumped',
    description: 'Resident memory of {{ $labels.instance }} is {{ $value | humanize1024 }}B, over 1.5 times its average of the last hour.',
    runbook: 'memoryspike',
    console: (s) => when(s.latest(MEMORY), (v) => v > LIMIT.memoryGrowth * s.avgOverTime(MEMORY, 3600)),
    test: { series: [{ series: 'ml_app_memory_bytes{job="modelwatch",instance="m1:5000"}', values: '104857600x60 314572800x20' }], silentAt: '60m', firingAt: '70m', labels: instance, value: 314572800 },
  },
  {
    name: 'CpuNearLimit',
    expr: `rate(process_cpu_seconds_total{job="modelwatch"}[5m]) / on (job, instance) ml_app_cpu_limit_cores{job="modelwatch"} > ${LIMIT.cpuShareOfLimit}`,
    for: '10m',
    severity: 'warning',
    summary: '{{ $labels.instance }} uses over 90 % of its CPU limit',
    description: '{{ $labels.instance }} used {{ $value | humanizePercentage }} of the CPU it may use (its cgroup quota, else the machine) over the last 5 minutes: it is about to be throttled, and latency follows.',
    runbook: 'cpunearlimit',
    console: (s) => when(ratio(s.rate('process_cpu_seconds_total', 300), s.latest('ml_app_cpu_limit_cores')), (v) => v > LIMIT.cpuShareOfLimit),
    test: {
      series: [
        { series: 'process_cpu_seconds_total{job="modelwatch",instance="m1:5000"}', values: `${perMinute(0, 30, 10)} ${perMinute(357, 57, 30)}` },
        { series: 'ml_app_cpu_limit_cores{job="modelwatch",instance="m1:5000"}', values: '1x40' },
      ],
      silentAt: '9m',
      firingAt: '35m',
      labels: instance,
      value: 0.95,
    },
  },
  {
    name: 'MemoryNearLimit',
    expr: `ml_app_memory_bytes{job="modelwatch"} / on (job, instance) ml_app_memory_limit_bytes{job="modelwatch"} > ${LIMIT.memoryShareOfLimit}`,
    for: '5m',
    severity: 'warning',
    summary: '{{ $labels.instance }} uses over 90 % of its memory limit',
    description: 'Resident memory of {{ $labels.instance }} is {{ $value | humanizePercentage }} of what it may use (its cgroup limit, else the machine): the next growth is an OOM kill.',
    runbook: 'memorynearlimit',
    console: (s) => when(ratio(s.latest(MEMORY), s.latest('ml_app_memory_limit_bytes')), (v) => v > LIMIT.memoryShareOfLimit),
    test: {
      series: [
        { series: 'ml_app_memory_bytes{job="modelwatch",instance="m1:5000"}', values: '419430400x10 503316480x20' },
        { series: 'ml_app_memory_limit_bytes{job="modelwatch",instance="m1:5000"}', values: '536870912x30' },
      ],
      silentAt: '9m',
      firingAt: '20m',
      labels: instance,
      value: 0.9375,
    },
  },
  {
    name: 'InputRejectionSpike',
    expr: `${predictShare('4..', '5m')} > ${LIMIT.inputRejectionShare}`,
    for: '5m',
    severity: 'warning',
    summary: 'Many predict requests are rejected as bad input',
    description: '{{ $value | humanizePercentage }} of predict requests were rejected as bad input (4xx) over the last 5 minutes: in ML this usually means an upstream feature pipeline changed (a renamed field, a new category, a unit change). It does not page: the service is healthy, its input is not.',
    runbook: 'inputrejectionspike',
    console: (s) => when(rejectedShare(s, 300), (v) => v > LIMIT.inputRejectionShare),
    test: {
      series: [
        { series: httpCount('200'), values: perMinute(0, 100, 30) },
        { series: httpCount('400'), values: `0x10 ${perMinute(10, 10, 20)}` },
        { series: httpCount('415'), values: `0x10 ${perMinute(5, 5, 20)}` },
      ],
      silentAt: '9m',
      firingAt: '25m',
      labels: job,
      value: 15 / 115,
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
    console: (s) => when(s.rate('ml_predictions_total', 300) * 60, (v) => v < LIMIT.predictionsPerMinute),
    test: { series: [{ series: 'ml_predictions_total{job="modelwatch",instance="m1:5000"}', values: `${perMinute(0, 100, 20)} ${perMinute(2005, 5, 40)}` }], silentAt: '15m', firingAt: '45m', labels: job, value: 5 },
  },
  {
    name: 'ErrorBudgetBurnFast',
    expr: `${burnRate('1h')} > ${LIMIT.fastBurnRate} and ${burnRate('5m')} > ${LIMIT.fastBurnRate}`,
    for: '2m',
    severity: 'critical',
    summary: 'The 99.9 % availability objective is burning fast',
    description: 'Server errors are spending the 30-day error budget of the 99.9 % availability objective {{ $value | printf "%.1f" }} times as fast as it allows, over the last hour and still over the last 5 minutes: at 14.4 times, 2 % of the month\'s budget goes in an hour.',
    runbook: 'errorbudgetburn',
    console: (s) => {
      const long = serverErrorShare(s, 3600) / (1 - LIMIT.availabilitySlo);
      const short = serverErrorShare(s, 300) / (1 - LIMIT.availabilitySlo);
      return short > LIMIT.fastBurnRate ? when(long, (v) => v > LIMIT.fastBurnRate) : [];
    },
    test: {
      series: [
        { series: httpCount('200'), values: perMinute(0, 1000, 120) },
        { series: httpCount('503'), values: `0x10 ${perMinute(20, 20, 110)}` },
      ],
      silentAt: '8m',
      firingAt: '80m',
      labels: job,
      value: 20 / 1020 / 0.001,
    },
  },
  {
    name: 'ErrorBudgetBurnSlow',
    expr: `${burnRate('6h')} > ${LIMIT.slowBurnRate} and ${burnRate('30m')} > ${LIMIT.slowBurnRate}`,
    for: '15m',
    severity: 'critical',
    summary: 'The 99.9 % availability objective is burning steadily',
    description: 'Server errors are spending the 30-day error budget of the 99.9 % availability objective {{ $value | printf "%.1f" }} times as fast as it allows, over the last 6 hours and still over the last 30 minutes: at 6 times, 5 % of the month\'s budget goes in 6 hours.',
    runbook: 'errorbudgetburn',
    test: {
      series: [
        { series: httpCount('200'), values: perMinute(0, 1000, 420) },
        { series: httpCount('503'), values: `0x10 ${perMinute(8, 8, 410)}` },
      ],
      silentAt: '5m',
      firingAt: '400m',
      labels: job,
      value: 8 / 1008 / 0.001,
    },
  },
  {
    name: 'NoFeedbackArriving',
    // A regression model's labels count in ml_feedback_regression_total instead of the confusion counters.
    expr: 'sum(increase(ml_feedback_total{job="modelwatch"}[1h]) or increase(ml_feedback_regression_total{job="modelwatch"}[1h])) == 0 and on () sum(increase(ml_predictions_total{job="modelwatch"}[1h])) > 0',
    for: '30m',
    severity: 'warning',
    summary: 'No ground truth is arriving',
    description: 'modelwatch kept predicting but received {{ $value }} labels in the last hour: live accuracy is blind until /feedback resumes.',
    runbook: 'nofeedbackarriving',
    console: (s) => {
      const classes = s.increase(FEEDBACK_COLUMNS, 3600);
      const values = s.increase(REGRESSION_LABELS, 3600);
      // Neither family present: no result, as the PromQL sum over no series.
      if (Number.isNaN(classes) && Number.isNaN(values)) return [];
      return orZero(classes) + orZero(values) === 0 && s.increase('ml_predictions_total', 3600) > 0 ? [{ labels: {}, value: 0 }] : [];
    },
    test: {
      series: [
        { series: 'ml_predictions_total{job="modelwatch",instance="m1:5000"}', values: perMinute(0, 10, 200) },
        { series: 'ml_feedback_total{job="modelwatch",instance="m1:5000",predicted_class="0",actual_class="0"}', values: `${perMinute(0, 5, 60)} 300x140` },
      ],
      silentAt: '60m',
      firingAt: '170m',
      value: 0,
      cases: [
        {
          name: "a regression model's labels keep arriving",
          series: [
            { series: 'ml_predictions_total{job="modelwatch",instance="m1:5000"}', values: perMinute(0, 10, 200) },
            { series: 'ml_feedback_regression_total{job="modelwatch",instance="m1:5000",model_version="v1"}', values: perMinute(0, 5, 200) },
          ],
          at: '170m',
        },
        {
          name: "a regression model's labels stopped",
          series: [
            { series: 'ml_predictions_total{job="modelwatch",instance="m1:5000"}', values: perMinute(0, 10, 200) },
            { series: 'ml_feedback_regression_total{job="modelwatch",instance="m1:5000",model_version="v1"}', values: `${perMinute(0, 5, 60)} 300x140` },
          ],
          at: '170m',
          firing: { value: 0 },
        },
      ],
    },
  },
  {
    name: 'PipelineRunFailed',
    // Only the newest run of each pipeline counts: a group left on the Pushgateway by an earlier
    // run under another instance (a pod name, a container id before PIPELINE_INSTANCE was set)
    // must not keep an old failure firing once a later run has reported.
    expr: `pipeline_run_status{job="${PIPELINE_JOB}"} == 0 and on (job, pipeline, instance) (${PIPELINE_LAST_RUN} == on (job, pipeline) group_left max by (job, pipeline) (${PIPELINE_LAST_RUN}))`,
    for: '1m',
    severity: 'warning',
    summary: 'Training pipeline {{ $labels.pipeline }} failed on {{ $labels.instance }}',
    description: 'The last run of {{ $labels.pipeline }} failed (pipeline_run_status = {{ $value }}): pipeline_step_status shows the step that failed (0) and the steps it stopped (-1); no new version was promoted by it.',
    runbook: 'pipelinerunfailed',
    test: {
      series: [
        { series: `pipeline_run_status{${pipelineSelector}}`, values: '1x10 0x10' },
        { series: `pipeline_last_run_timestamp_seconds{${pipelineSelector}}`, values: '60x10 660x10' },
      ],
      silentAt: '9m',
      firingAt: '15m',
      labels: pipelineRun,
      value: 0,
      cases: [
        {
          name: 'an old failed group is stale, a newer run of the pipeline succeeded',
          series: pipelineRuns('pipeline_run_status', { old: '0x20', new: '1x20' }),
          at: '15m',
        },
        {
          name: 'an old group succeeded, the newer run failed',
          series: pipelineRuns('pipeline_run_status', { old: '1x20', new: '0x20' }),
          at: '15m',
          firing: { labels: { ...pipelineRun, instance: 'pod-b' }, value: 0 },
        },
      ],
    },
  },
  {
    name: 'PipelineNoRecentSuccess',
    // The newest success over every instance: an old group never replaced (a pod name, a
    // container id) keeps its old timestamp forever and must not keep the alert firing.
    expr: `(time() - max by (job, pipeline) (pipeline_last_success_timestamp_seconds{job="${PIPELINE_JOB}"})) / 3600 > 24`,
    for: '10m',
    severity: 'warning',
    summary: 'Training pipeline {{ $labels.pipeline }} has not succeeded for a day',
    description: 'The last successful run of {{ $labels.pipeline }}, on any instance, ended {{ $value | printf "%.1f" }} hours ago: the model is not being refreshed.',
    runbook: 'pipelinenorecentsuccess',
    test: {
      series: [{ series: `pipeline_last_success_timestamp_seconds{${pipelineSelector}}`, values: '0x1500' }],
      silentAt: '1400m',
      firingAt: '1500m',
      labels: { job: PIPELINE_JOB, pipeline: 'bank-marketing' },
      value: 25,
      cases: [
        {
          name: 'an old group is a day stale, a newer run of the pipeline succeeded an hour ago',
          series: [
            { series: `pipeline_last_success_timestamp_seconds{${pipelineRunSelector('pod-a')}}`, values: '0x1500' },
            { series: `pipeline_last_success_timestamp_seconds{${pipelineRunSelector('pod-b')}}`, values: '86400x1500' },
          ],
          at: '1500m',
        },
      ],
    },
  },
  {
    name: 'ModelPromotionRejected',
    expr: `increase(model_promotion_total{job="${PIPELINE_JOB}",outcome="rejected"}[1h]) > 0`,
    for: '0m',
    severity: 'warning',
    summary: 'A newly trained model was not promoted',
    description: '{{ $value | printf "%.0f" }} version(s) trained by {{ $labels.pipeline }} in the last hour were worse than the current one beyond the tolerance and were registered but not promoted.',
    runbook: 'modelpromotionrejected',
    test: { series: [{ series: `model_promotion_total{${pipelineSelector},outcome="rejected"}`, values: '0x30 1x60' }], silentAt: '20m', firingAt: '40m', labels: { ...pipelineRun, outcome: 'rejected' }, value: 1 },
  },
  // Gateway mode (`modelwatch gateway` in front of another model server): its targets carry
  // whatever job they are scraped under, so these alerts select by metric name and keep the job.
  {
    name: 'GatewayHighErrorRate',
    expr: `${gatewayShare('5..')} > ${LIMIT.gatewayErrorRatio}`,
    for: '5m',
    severity: 'critical',
    summary: 'More than 5 % of requests through the gateway {{ $labels.job }} fail with a server error',
    description: '{{ $value | humanizePercentage }} of the requests clients sent through the gateway got a 5xx over the last 5 minutes: from the model server behind it, or the gateway answering for it (502 unreachable, 504 too slow).',
    runbook: 'gatewayhigherrorrate',
    test: {
      series: [
        { series: gatewayRequests('200'), values: '0+100x40' },
        { series: gatewayRequests('502'), values: '0x10 0+10x30' },
      ],
      silentAt: '8m',
      firingAt: '25m',
      labels: gatewayJob,
      value: 10 / 110,
    },
  },
  {
    name: 'MLInferenceLatencyHigh',
    expr: `histogram_quantile(0.95, sum by (job, le) (rate(gateway_backend_request_duration_seconds_bucket[5m]))) > ${LIMIT.gatewayBackendP95Seconds}`,
    for: '5m',
    severity: 'warning',
    summary: 'The model server behind the gateway {{ $labels.job }} answers slowly (p95 above 1 s)',
    description: 'The 95th percentile of the model server\'s answer time, as the gateway measured it over the last 5 minutes, is {{ $value | printf "%.3f" }} s.',
    runbook: 'mlinferencelatencyhigh',
    test: {
      series: [
        // Ten calls a minute, answered within 0.5 s for 10 minutes, then each in 1–2.5 s.
        { series: gatewayBackendBucket('0.5'), values: '0+10x10 100x30' },
        { series: gatewayBackendBucket('1'), values: '0+10x10 100x30' },
        { series: gatewayBackendBucket('2.5'), values: '0+10x40' },
        { series: gatewayBackendBucket('+Inf'), values: '0+10x40' },
      ],
      silentAt: '8m',
      firingAt: '30m',
      labels: gatewayJob,
      value: 1 + (2.5 - 1) * 0.95,
    },
  },
  {
    name: 'MLServiceDown',
    expr: 'sum by (job) (rate(gateway_upstream_errors_total{kind=~"unreachable|timeout"}[2m])) > 0 and on (job) sum by (job) (rate(gateway_backend_requests_total{status!="error"}[2m])) == 0',
    for: '1m',
    severity: 'critical',
    summary: 'The model server behind the gateway {{ $labels.job }} is down',
    description: 'For the last 2 minutes every call from the gateway to its model server failed ({{ $value | printf "%.2f" }} failed calls per second: unreachable or timed out) and none was answered.',
    runbook: 'mlservicedown',
    test: {
      series: [
        { series: `gateway_upstream_errors_total{job="model-gateway",instance="g1:8080",kind="unreachable"}`, values: '0x10 0+6x20' },
        { series: `gateway_backend_requests_total{job="model-gateway",instance="g1:8080",endpoint="/predict",status="200"}`, values: '0+60x10 600x20' },
      ],
      silentAt: '8m',
      firingAt: '20m',
      labels: gatewayJob,
      value: 0.1,
    },
  },
  {
    name: 'GatewayUnmappedAnswers',
    expr: `sum by (job) (rate(ml_gateway_unmapped_total[10m])) / (sum by (job) (rate(ml_gateway_unmapped_total[10m])) + sum by (job) (rate(ml_gateway_observed_total[10m]))) > ${LIMIT.gatewayUnmappedRatio}`,
    for: '10m',
    severity: 'warning',
    summary: 'The gateway {{ $labels.job }} cannot read more than 10 % of the answers it forwards',
    description: '{{ $value | humanizePercentage }} of the answered requests of mapped routes over the last 10 minutes could not be read by the gateway\'s mapping: they were forwarded unchanged, but their predictions are missing from the model metrics, drift and the audit log.',
    runbook: 'gatewayunmappedanswers',
    test: {
      series: [
        { series: `ml_gateway_observed_total{job="model-gateway",instance="g1:8080",endpoint="/predict"}`, values: '0+60x40' },
        { series: `ml_gateway_unmapped_total{job="model-gateway",instance="g1:8080",endpoint="/predict",reason="response_unreadable"}`, values: '0x10 0+20x30' },
      ],
      silentAt: '8m',
      firingAt: '35m',
      labels: gatewayJob,
      value: 20 / 80,
    },
  },
  {
    name: 'ModelReloadFailed',
    expr: 'increase(ml_model_reload_failures_total{job="modelwatch"}[10m]) > 0',
    for: '0m',
    severity: 'warning',
    summary: 'A promoted model version failed to load on {{ $labels.instance }}',
    description: '{{ $labels.instance }} failed {{ $value | printf "%.0f" }} time(s) in 10 minutes to load the version CURRENT points at ({{ $labels.reason }}); it keeps serving the previous version, so the promotion has not taken effect.',
    runbook: 'modelreloadfailed',
    console: (s) => s.each('ml_model_reload_failures_total').flatMap((c) => when(s.increase(c.column, 600), (v) => v > 0, c.labels)),
    test: { series: [{ series: 'ml_model_reload_failures_total{job="modelwatch",instance="m1:5000",reason="corrupt"}', values: '0x10 1x20' }], silentAt: '5m', firingAt: '15m', labels: { ...instance, reason: 'corrupt' }, value: 1 },
  },
];
