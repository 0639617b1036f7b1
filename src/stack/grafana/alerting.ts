/**
 * Two alerts created in Grafana itself ("Panel → Alert → Create Alert Rule"), for a team that works from Grafana,
 * as Grafana-managed alert rules in file-provisioning form (Grafana 10+): each queries Prometheus
 * with the panel's own expression, reduces each series to its last value and compares it with the
 * threshold, evaluated every minute with the `for` of the Prometheus alert it mirrors. They are attached to their panel of "ML
 * Pipeline Production", labelled like the Prometheus alerts, and delivered to the same
 * Alertmanager, so a Grafana-only team and a Prometheus team get one routing, one inhibition.
 *
 * Grafana expands `$VAR` from the environment in provisioned labels and settings but not in
 * annotations (grafana/grafana#54975), so templates such as `{{ $labels.instance }}` live in
 * annotations only.
 *
 * Each names the catalogue alert it mirrors; a test holds the threshold and `for` of the two in
 * step, and the live test runs the query against a real Prometheus.
 */
import { LIMIT, predictShare, SERVICE_LABEL } from '../catalogue/alerts.js';
import { RUNBOOK_BASE_URL } from '../prometheus/generate.js';
import { serviceUrl, STACK_SERVICES } from '../services.js';
import { ML_PIPELINE_PRODUCTION } from './dashboards.js';

/** One Grafana-managed alert, described once. */
export interface GrafanaAlertSpec {
  readonly uid: string;
  /** The alert's name in Grafana. */
  readonly title: string;
  /** The condition: `expr` compared with `threshold`. */
  readonly expr: string;
  readonly comparison: 'lt' | 'gt';
  readonly threshold: number;
  readonly for: string;
  readonly severity: 'critical' | 'warning';
  /** The panel of "ML Pipeline Production" it belongs to. */
  readonly panel: string;
  /** The Prometheus alert of the catalogue with the same meaning. */
  readonly mirrors: string;
  readonly runbook: string;
  readonly summary: string;
  /**
   * What a reader of the notification needs, in words: Grafana's template of the firing value
   * (`$values.B.Value`, the reduced query) and the labels — never the query itself.
   */
  readonly description: string;
}

/** The two Grafana-managed alerts. */
export const GRAFANA_ALERTS: readonly GrafanaAlertSpec[] = [
  {
    uid: 'ml-model-accuracy',
    title: 'Model Accuracy Alert',
    // Live accuracy only, like LowLiveAccuracy: the panel also shows the holdout figure of each
    // version, measured once at training time, which says nothing about today's predictions.
    expr: 'ml_model_accuracy{source="live"}',
    comparison: 'lt',
    threshold: LIMIT.liveAccuracy,
    for: '5m',
    severity: 'critical',
    panel: 'Model Accuracy',
    mirrors: 'LowLiveAccuracy',
    runbook: 'lowliveaccuracy',
    summary: 'Live accuracy of {{ $labels.model_version }} is below 0.90 on {{ $labels.instance }}',
    description: 'Live accuracy of {{ $labels.model_version }} on {{ $labels.instance }} (its last labelled predictions, from /feedback) is {{ humanizePercentage $values.B.Value }}: below 90 % for 5 minutes.',
  },
  {
    uid: 'ml-high-error-rate',
    title: 'High Error Rate Alert',
    // Server failures only (5xx, no prediction), like the Prometheus alert it mirrors: a client's bad
    // input (4xx) is a warning of its own (InputRejectionSpike), never a page.
    expr: predictShare('5..', '5m', 'job, instance'),
    comparison: 'gt',
    threshold: LIMIT.predictionErrorRate,
    for: '2m',
    severity: 'critical',
    panel: 'Error Rate',
    mirrors: 'HighPredictionErrorRate',
    runbook: 'highpredictionerrorrate',
    summary: 'More than 10 % of predictions fail on {{ $labels.instance }}',
    description: '{{ humanizePercentage $values.B.Value }} of the predict requests of the last 5 minutes on {{ $labels.instance }} got a server error (5xx, no prediction): above 10 % for 2 minutes. Rejected input (4xx) is not counted.',
  },
];

/** The folder and group the rules live in; the dashboards' provider uses the same folder name. */
export const GRAFANA_ALERT_FOLDER = 'modelwatch';
const CONTACT_POINT = 'modelwatch-alertmanager';
/** Where Grafana delivers its alerts: the stack's Alertmanager. */
export const ALERTMANAGER_URL = serviceUrl(STACK_SERVICES.alertmanager);

function rule(spec: GrafanaAlertSpec) {
  const panelId = ML_PIPELINE_PRODUCTION.panels.findIndex((p) => p.title === spec.panel) + 1;
  if (panelId === 0) throw new Error(`Grafana alert ${spec.uid}: no panel "${spec.panel}" on ${ML_PIPELINE_PRODUCTION.title}`);
  return {
    uid: spec.uid,
    title: spec.title,
    condition: 'C',
    data: [
      { refId: 'A', relativeTimeRange: { from: 600, to: 0 }, datasourceUid: 'prometheus', model: { refId: 'A', expr: spec.expr, instant: true, intervalMs: 1000, maxDataPoints: 43200 } },
      { refId: 'B', relativeTimeRange: { from: 0, to: 0 }, datasourceUid: '__expr__', model: { refId: 'B', type: 'reduce', expression: 'A', reducer: 'last' } },
      {
        refId: 'C',
        relativeTimeRange: { from: 0, to: 0 },
        datasourceUid: '__expr__',
        model: { refId: 'C', type: 'threshold', expression: 'B', conditions: [{ evaluator: { type: spec.comparison, params: [spec.threshold] } }] },
      },
    ],
    dashboardUid: ML_PIPELINE_PRODUCTION.uid,
    panelId,
    // No data is not an alert here (a fresh service has no live accuracy yet); ModelwatchDown
    // covers a silent service. A query error is.
    noDataState: 'OK',
    execErrState: 'Error',
    for: spec.for,
    annotations: { summary: spec.summary, description: spec.description, runbook_url: `${RUNBOOK_BASE_URL}#${spec.runbook}` },
    labels: { severity: spec.severity, service: SERVICE_LABEL },
    isPaused: false,
  };
}

/**
 * The alerting provisioning file: the rule group, a contact point that forwards to the stack's
 * Alertmanager, and the notification policy that sends everything there.
 *
 * @example grafanaAlerting().groups[0].rules.length // 2
 */
export function grafanaAlerting() {
  return {
    apiVersion: 1,
    groups: [{ orgId: 1, name: 'ml-pipeline-production', folder: GRAFANA_ALERT_FOLDER, interval: '1m', rules: GRAFANA_ALERTS.map(rule) }],
    contactPoints: [{ orgId: 1, name: CONTACT_POINT, receivers: [{ uid: CONTACT_POINT, type: 'prometheus-alertmanager', settings: { url: ALERTMANAGER_URL }, disableResolveMessage: false }] }],
    policies: [{ orgId: 1, receiver: CONTACT_POINT, group_by: ['alertname', 'grafana_folder'] }],
  };
}
