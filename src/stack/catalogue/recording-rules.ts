/**
 * Recording rules: the aggregations dashboards and alerts share, summed over every replica. PSI and
 * live quality are computed here from the counters each replica exports (bin counts, the confusion
 * matrix), so they are right for the whole fleet, not one process.
 */

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

/** PSI over the last hour of a family of bin counters against its baseline shares. */
function psiRules(family: 'feature' | 'prediction', by: 'feature' | 'signal'): RecordingRule[] {
  const share = `ml:${family}_bin_share:ratio_1h`;
  const baseline = `clamp_min(max by (${by}, bin) (ml_${family}_baseline_share), ${EPSILON})`;
  return [
    {
      record: share,
      expr: `sum by (${by}, bin) (increase(ml_${family}_bin_total[1h])) / on (${by}) group_left sum by (${by}) (increase(ml_${family}_bin_total[1h]))`,
      help: `Share of each ${family === 'feature' ? 'feature' : 'model-output'} bin over the last hour, all replicas.`,
    },
    {
      record: `ml:${family}_drift_psi:1h`,
      expr: `sum by (${by}) ((clamp_min(${share}, ${EPSILON}) - ${baseline}) * ln(clamp_min(${share}, ${EPSILON}) / ${baseline}))`,
      help: `PSI of each ${by} over the last hour against the training baseline, all replicas (shares floored at ε = ${EPSILON}).`,
    },
  ];
}

const confusion = (predicted: 0 | 1, actual: 0 | 1) => `sum(increase(ml_feedback_total{predicted_class="${predicted}",actual_class="${actual}"}[1h]))`;

/** Every recording rule, in groups. */
export const RULE_GROUPS: readonly RuleGroup[] = [
  {
    name: 'modelwatch.requests',
    rules: [
      { record: 'job:http_requests:rate5m', expr: 'sum by (job) (rate(http_request_duration_seconds_count{job="modelwatch"}[5m]))', help: 'HTTP requests per second, all routes and replicas.' },
      {
        record: 'job:model_request_error_ratio:rate5m',
        expr: 'sum by (job) (rate(model_requests_total{job="modelwatch",status="error"}[5m])) / sum by (job) (rate(model_requests_total{job="modelwatch"}[5m]))',
        help: 'Share of predict requests that got no prediction (any non-2xx), all replicas.',
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
        help: "99th percentile of predict latency (001's histogram), all replicas.",
      },
      { record: 'job:ml_predictions:per_minute', expr: 'sum by (job) (rate(ml_predictions_total{job="modelwatch"}[5m])) * 60', help: 'Predictions per minute, all replicas.' },
    ],
  },
  { name: 'modelwatch.drift', rules: [...psiRules('feature', 'feature'), ...psiRules('prediction', 'signal')] },
  {
    name: 'modelwatch.quality',
    rules: [
      { record: 'ml:model_accuracy:live_1h', expr: `(${confusion(0, 0)} + ${confusion(1, 1)}) / sum(increase(ml_feedback_total[1h]))`, help: 'Accuracy of the labelled predictions of the last hour, all replicas.' },
      { record: 'ml:model_precision:live_1h', expr: `${confusion(1, 1)} / (${confusion(1, 1)} + ${confusion(1, 0)})`, help: 'Precision for class 1 over the last hour, all replicas.' },
      { record: 'ml:model_recall:live_1h', expr: `${confusion(1, 1)} / (${confusion(1, 1)} + ${confusion(0, 1)})`, help: 'Recall for class 1 over the last hour, all replicas.' },
      {
        record: 'ml:model_f1_score:live_1h',
        expr: '2 * ml:model_precision:live_1h * ml:model_recall:live_1h / (ml:model_precision:live_1h + ml:model_recall:live_1h)',
        help: 'F1 for class 1 over the last hour, all replicas.',
      },
    ],
  },
];
