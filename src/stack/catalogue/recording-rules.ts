/**
 * Recording rules: the aggregations dashboards and alerts share, summed over every replica. PSI and
 * live quality are computed here from the counters each replica exports (bin counts, the confusion
 * matrix), so they are right for the whole fleet, not one process. Both are per `model_version`:
 * a version's counts only mean something against that version's baseline, and accuracy summed over
 * two versions describes neither.
 */
import { ConfigSchema } from '../../config.js';
import { predictShare } from './alerts.js';

/** One recording rule. */
export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  /** What it is, for docs and the generated file's comments. */
  readonly help: string;
}

/** A group of rules evaluated together. */
export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly RecordingRule[];
}

/** ε of the PSI epsilon rule; the same as the service's (src/monitoring/drift/psi.ts). */
const EPSILON = '0.0001';

/**
 * Fewest predictions of a version, all replicas, in the hour before fleet PSI is recorded for it:
 * the service's DRIFT_MIN_SAMPLES default, for the same reason (PSI of a handful of rows always
 * looks drifted — an empty bin alone adds about 0.1). Right after a promotion the new version has
 * few counts; without this floor its first minutes would raise drift alerts on any traffic.
 */
export const FLEET_DRIFT_MIN_PREDICTIONS = ConfigSchema.properties.DRIFT_MIN_SAMPLES.default;

/**
 * PSI over the last hour of a family of bin counters against its baseline shares.
 *
 * Every aggregation keeps `model_version`, and counts meet only the baseline of the version that
 * binned them: each version cuts its own bins at its own training quantiles, so the old version's
 * counts against the new version's shares read as drift (seen: PSI 0.8 on stationary traffic after
 * a promotion). Across a promotion the new version's PSI is therefore over its own counts only,
 * however few minutes old. The old version's counters stop growing at the swap and its baseline
 * series end (stale) with it; `and on (model_version, …) <baseline>` drops its shares and PSI at
 * once, instead of an hour later when its counts leave the window. A version still served by some
 * replica (a rolling update) keeps its own PSI.
 */
function psiRules(family: 'feature' | 'prediction', by: 'feature' | 'signal'): RecordingRule[] {
  const share = `ml:${family}_bin_share:ratio_1h`;
  const counts = `increase(ml_${family}_bin_total[1h])`;
  const served = `ml_${family}_baseline_share`;
  const baseline = `clamp_min(max by (model_version, ${by}, bin) (${served}), ${EPSILON})`;
  return [
    {
      record: share,
      expr: `sum by (model_version, ${by}, bin) (${counts}) / on (model_version, ${by}) group_left sum by (model_version, ${by}) (${counts}) and on (model_version, ${by}, bin) ${served}`,
      help: `Share of each ${family === 'feature' ? 'feature' : 'model-output'} bin over the last hour, all replicas, per model version still served (counts of one version only).`,
    },
    {
      record: `ml:${family}_drift_psi:1h`,
      expr:
        `sum by (model_version, ${by}) ((clamp_min(${share}, ${EPSILON}) - on (model_version, ${by}, bin) ${baseline}) * on (model_version, ${by}, bin) ln(clamp_min(${share}, ${EPSILON}) / on (model_version, ${by}, bin) ${baseline}))` +
        ` and on (model_version, ${by}) sum by (model_version, ${by}) (${counts}) >= ${FLEET_DRIFT_MIN_PREDICTIONS}`,
      help: `PSI of each ${by} over the last hour against the training baseline of the same model version, all replicas (shares floored at ε = ${EPSILON}; recorded once the version has ${FLEET_DRIFT_MIN_PREDICTIONS} predictions in the hour).`,
    },
  ];
}

/**
 * Fewest labelled predictions of one model version in the hour before fleet live quality is
 * recorded: the service's QUALITY_MIN_LABELS default, for the same reason as the drift floor. Right
 * after a promotion the new version has a handful of labels; 2 right of 3 is "accuracy 0.67", and
 * without this floor that would page as LowLiveAccuracy.
 */
export const FLEET_QUALITY_MIN_LABELS = ConfigSchema.properties.QUALITY_MIN_LABELS.default;
/** Keeps a quality series only for versions with enough labels in the hour. */
const withEnoughLabels = ` and on (model_version) sum by (model_version) (increase(ml_feedback_total[1h])) >= ${FLEET_QUALITY_MIN_LABELS}`;

/** Joined labels of a regression model over the last hour, per model version, all replicas. */
const regressionLabels = 'sum by (model_version) (increase(ml_feedback_regression_total[1h]))';
/** Keeps a regression quality series only for versions with enough labels in the hour. */
const withEnoughValues = ` and on (model_version) ${regressionLabels} >= ${FLEET_QUALITY_MIN_LABELS}`;

/** Joined labels of one confusion cell over the last hour, per model version, all replicas. */
const confusion = (predicted: 0 | 1, actual: 0 | 1) => `sum by (model_version) (increase(ml_feedback_total{predicted_class="${predicted}",actual_class="${actual}"}[1h]))`;

/** The recorded share of predict requests failing with a server error (5xx) over 5 minutes. */
export const SERVER_ERROR_RATIO_RULE = 'job:predict_server_error_ratio:rate5m';

/** Every recording rule, in groups. */
export const RULE_GROUPS: readonly RuleGroup[] = [
  {
    name: 'modelwatch.requests',
    rules: [
      { record: 'job:http_requests:rate5m', expr: 'sum by (job) (rate(http_request_duration_seconds_count{job="modelwatch"}[5m]))', help: 'HTTP requests per second, all routes and replicas.' },
      {
        record: 'job:model_request_error_ratio:rate5m',
        expr: 'sum by (job) (rate(model_requests_total{job="modelwatch",status="error"}[5m])) / sum by (job) (rate(model_requests_total{job="modelwatch"}[5m]))',
        help: 'Share of predict requests that got no prediction (any non-2xx, rejected input included), all replicas.',
      },
      {
        record: SERVER_ERROR_RATIO_RULE,
        // What the error alerts and the error budget count: a client's bad input (4xx) is not a failure of the service.
        expr: predictShare('5..', '5m'),
        help: 'Share of predict requests answered with a server error (5xx, no prediction), all replicas: what the error panels show and the error alerts compare.',
      },
      {
        record: 'job:http_request_duration_seconds:p95_5m',
        expr: 'histogram_quantile(0.95, sum by (job, le) (rate(http_request_duration_seconds_bucket{job="modelwatch"}[5m])))',
        help: '95th percentile of request latency, all replicas.',
      },
      {
        record: 'job:http_request_duration_seconds:p99_5m',
        expr: 'histogram_quantile(0.99, sum by (job, le) (rate(http_request_duration_seconds_bucket{job="modelwatch"}[5m])))',
        help: '99th percentile of request latency, all replicas.',
      },
      {
        record: 'job:model_latency_seconds:p99_5m',
        expr: 'histogram_quantile(0.99, sum by (job, le) (rate(model_latency_seconds_bucket{job="modelwatch"}[5m])))',
        help: '99th percentile of predict latency (model_latency_seconds), all replicas.',
      },
      { record: 'job:ml_predictions:per_minute', expr: 'sum by (job) (rate(ml_predictions_total{job="modelwatch"}[5m])) * 60', help: 'Predictions per minute, all replicas.' },
    ],
  },
  { name: 'modelwatch.drift', rules: [...psiRules('feature', 'feature'), ...psiRules('prediction', 'signal')] },
  {
    name: 'modelwatch.quality',
    rules: [
      // The diagonal counter, not the confusion cells "0"/"1": the same figure for a binary model,
      // and the only one PromQL can give for a multiclass model's C classes.
      { record: 'ml:model_accuracy:live_1h', expr: `sum by (model_version) (increase(ml_feedback_correct_total[1h])) / sum by (model_version) (increase(ml_feedback_total[1h]))${withEnoughLabels}`, help: `Accuracy of the labelled predictions of the last hour per model version that made them, any number of classes, all replicas (recorded once the version has ${FLEET_QUALITY_MIN_LABELS} labels in the hour).` },
      { record: 'ml:model_precision:live_1h', expr: `${confusion(1, 1)} / (${confusion(1, 1)} + ${confusion(1, 0)})${withEnoughLabels}`, help: 'Precision for class 1 over the last hour per model version, all replicas.' },
      { record: 'ml:model_recall:live_1h', expr: `${confusion(1, 1)} / (${confusion(1, 1)} + ${confusion(0, 1)})${withEnoughLabels}`, help: 'Recall for class 1 over the last hour per model version, all replicas.' },
      {
        record: 'ml:model_f1_score:live_1h',
        expr: '2 * ml:model_precision:live_1h * ml:model_recall:live_1h / (ml:model_precision:live_1h + ml:model_recall:live_1h)',
        help: 'F1 for class 1 over the last hour per model version, all replicas.',
      },
      {
        record: 'ml:model_mae:live_1h',
        expr: `sum by (model_version) (increase(ml_feedback_absolute_error_total[1h])) / ${regressionLabels}${withEnoughValues}`,
        help: `Mean absolute error of a regression model's labelled predictions of the last hour per model version, all replicas (recorded once the version has ${FLEET_QUALITY_MIN_LABELS} labels in the hour).`,
      },
      {
        record: 'ml:model_rmse:live_1h',
        expr: `sqrt(sum by (model_version) (increase(ml_feedback_squared_error_total[1h])) / ${regressionLabels})${withEnoughValues}`,
        help: `Root mean squared error of a regression model's labelled predictions of the last hour per model version, all replicas (recorded once the version has ${FLEET_QUALITY_MIN_LABELS} labels in the hour).`,
      },
    ],
  },
];
