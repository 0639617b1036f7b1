/**
 * The Prometheus part of the stack, generated from the catalogue: scrape configuration, recording
 * and alert rules, and the `promtool test rules` file holding every alert's test case.
 */
import { generatedYaml } from '../generated-file.js';
import { ALERTS, SERVICE_LABEL, type AlertRule } from '../catalogue/alerts.js';
import { RULE_GROUPS } from '../catalogue/recording-rules.js';
import { renderAnnotation } from './annotations.js';
import { STACK_SERVICES, hostPort } from '../services.js';

/** Where the runbook of each alert lives; deployments point it at their copy of docs/runbooks.md. */
export const RUNBOOK_BASE_URL = 'https://github.com/modelwatch/modelwatch/blob/main/docs/runbooks.md';

/** Paths under deploy/prometheus/, relative to it. */
export const PROMETHEUS_FILES = {
  config: 'prometheus.yml',
  recordingRules: 'rules/modelwatch-recording.yml',
  alertRules: 'rules/modelwatch-alerts.yml',
  alertTests: 'tests/modelwatch-alerts.test.yml',
  fileSdTargets: 'targets/modelwatch.json',
} as const;


function annotations(alert: AlertRule, labels: Readonly<Record<string, string>>, value?: number) {
  const render = (template: string) => (value === undefined ? template : renderAnnotation(template, labels, value));
  return { summary: render(alert.summary), description: render(alert.description), runbook_url: `${RUNBOOK_BASE_URL}#${alert.runbook}` };
}

/**
 * The modelwatch scrape job's name, interval and path: the same whichever way its replicas are
 * found (static list and file_sd here, Kubernetes discovery in deploy/kubernetes/), because the
 * recording rules and alerts select `job="modelwatch"`.
 */
export function modelwatchJob() {
  return { job_name: 'modelwatch', scrape_interval: '15s', metrics_path: '/metrics' };
}

/** 001's relabelling: the instance label is the scraped address. */
export function instanceRelabelling() {
  return [{ source_labels: ['__address__'], target_label: 'instance' }];
}

/** prometheus.yml: 15 s scrapes (004), modelwatch by static list and file_sd, Pushgateway, node-exporter, Alertmanager. */
function config() {
  return {
    global: { scrape_interval: '15s', evaluation_interval: '15s', external_labels: { monitor: 'modelwatch' } },
    rule_files: ['rules/*.yml'],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [hostPort(STACK_SERVICES.alertmanager)] }] }] },
    scrape_configs: [
      {
        ...modelwatchJob(),
        static_configs: [{ targets: [hostPort(STACK_SERVICES.modelwatch)] }],
        file_sd_configs: [{ files: ['targets/*.json'], refresh_interval: '1m' }],
        relabel_configs: instanceRelabelling(),
      },
      { job_name: 'pushgateway', honor_labels: true, static_configs: [{ targets: [hostPort(STACK_SERVICES.pushgateway)] }] },
      { job_name: 'node-exporter', static_configs: [{ targets: [hostPort(STACK_SERVICES.nodeExporter)] }] },
      { job_name: 'prometheus', static_configs: [{ targets: ['localhost:9090'] }] },
    ],
  };
}

function recordingRules() {
  return { groups: RULE_GROUPS.map((group) => ({ name: group.name, rules: group.rules.map((r) => ({ record: r.record, expr: r.expr })) })) };
}

function alertRules() {
  return {
    groups: [
      {
        name: 'modelwatch.alerts',
        rules: ALERTS.map((alert) => ({ alert: alert.name, expr: alert.expr, for: alert.for, labels: { severity: alert.severity, service: SERVICE_LABEL }, annotations: annotations(alert, {}) })),
      },
    ],
  };
}

function alertTests() {
  return {
    rule_files: [`../${PROMETHEUS_FILES.recordingRules}`, `../${PROMETHEUS_FILES.alertRules}`],
    evaluation_interval: '1m',
    tests: ALERTS.map((alert) => {
      const labels = { ...(alert.test.labels ?? {}) };
      return {
        name: alert.name,
        interval: '1m',
        input_series: alert.test.series.map((s) => ({ series: s.series, values: s.values })),
        alert_rule_test: [
          { eval_time: alert.test.silentAt, alertname: alert.name, exp_alerts: [] },
          {
            eval_time: alert.test.firingAt,
            alertname: alert.name,
            exp_alerts: [{ exp_labels: { severity: alert.severity, service: SERVICE_LABEL, ...labels }, exp_annotations: annotations(alert, labels, alert.test.value) }],
          },
        ],
      };
    }),
  };
}

/**
 * Every generated Prometheus file, by its path under deploy/prometheus/.
 *
 * @example generatePrometheus()['prometheus.yml'] // 'global:\n  scrape_interval: 15s …'
 */
export function generatePrometheus(): Record<string, string> {
  return {
    [PROMETHEUS_FILES.config]: generatedYaml(config()),
    [PROMETHEUS_FILES.recordingRules]: generatedYaml(recordingRules()),
    [PROMETHEUS_FILES.alertRules]: generatedYaml(alertRules()),
    [PROMETHEUS_FILES.alertTests]: generatedYaml(alertTests()),
    [PROMETHEUS_FILES.fileSdTargets]: `${JSON.stringify([{ targets: ['modelwatch-2:5000'], labels: { replica: '2' } }], null, 2)}\n`,
  };
}
