/**
 * The Prometheus part of the stack, generated from the catalogue: scrape configuration, recording
 * and alert rules, and the `promtool test rules` file holding every alert's test case.
 */
import { posix } from 'node:path';
import { generatedYaml } from '../generated-file.js';
import { GATEWAY_PREFIX } from '../../gateway/app.js';
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
  gatewayTargets: 'gateways/model-gateway.json',
} as const;

/**
 * The job `modelwatch gateway` instances are scraped under: the catalogue's gateway alerts keep
 * whatever job they find, and the "API Gateway" dashboard picks one (this one by default).
 */
export const GATEWAY_JOB = 'model-gateway';


function annotations(alert: AlertRule, labels: Readonly<Record<string, string>>, value?: number) {
  const render = (template: string) => (value === undefined ? template : renderAnnotation(template, labels, value));
  return { summary: render(alert.summary), description: render(alert.description), runbook_url: `${RUNBOOK_BASE_URL}#${alert.runbook}` };
}

/**
 * How often Prometheus scrapes modelwatch and evaluates the rules. Together with the paging alert's
 * window and `for` and Alertmanager's group_wait for critical alerts, they decide how soon a page
 * follows the first failing request; {@link worstCasePageSeconds} adds them up and a test holds the
 * sum under the 2 minutes promised.
 */
export const INTERVALS = { modelwatchScrape: '10s', evaluation: '10s', otherScrapes: '15s' } as const;

/**
 * The longest time from the first failing predict request to Alertmanager sending the page, for an
 * error share `share` of requests above the paging threshold, with Prometheus' settings as given:
 *
 * - `scrape`: the 5xx series appears at the next scrape (it is created by the first error);
 * - `window × threshold / share`: errors must fill that much of the ratio's window, seen at…
 * - `scrape`: …the scrape after that;
 * - `evaluation`: the rule group's next evaluation makes the alert pending;
 * - `for`: it fires at the evaluation `for` later (evaluations fall on a fixed grid);
 * - `groupWait`: Alertmanager holds a new group that long before notifying.
 *
 * @example worstCasePageSeconds({ scrape: 10, evaluation: 10, window: 60, for: 30, groupWait: 10, threshold: 0.05, share: 0.1 }) // 100
 */
export function worstCasePageSeconds(t: { scrape: number; evaluation: number; window: number; for: number; groupWait: number; threshold: number; share: number }): number {
  return t.scrape + (t.window * t.threshold) / t.share + t.scrape + t.evaluation + t.for + t.groupWait;
}

/**
 * The modelwatch scrape job's name, interval and path: the same whichever way its replicas are
 * found (static list and file_sd here, Kubernetes discovery in deploy/kubernetes/), because the
 * recording rules and alerts select `job="modelwatch"`.
 */
export function modelwatchJob() {
  return { job_name: 'modelwatch', scrape_interval: INTERVALS.modelwatchScrape, metrics_path: '/metrics' };
}

/**
 * The gateway scrape job: `modelwatch gateway` serves its metrics under its own prefix
 * (`/-/modelwatch/metrics`), beside the model server's paths it forwards. Its targets come from
 * file_sd (gateways/*.json), since a gateway runs wherever its model server does.
 */
export function gatewayJob() {
  return { job_name: GATEWAY_JOB, scrape_interval: INTERVALS.modelwatchScrape, metrics_path: `${GATEWAY_PREFIX}/metrics` };
}

/** The instance label is the scraped address (host:port), the label every per-replica alert names. */
export function instanceRelabelling() {
  return [{ source_labels: ['__address__'], target_label: 'instance' }];
}

/**
 * prometheus.yml: modelwatch scraped every 10 s and rules evaluated every 10 s (what the paging
 * alert's 2-minute promise rests on), the rest every 15 s; modelwatch found by static list and
 * file_sd; Pushgateway, node-exporter, Alertmanager.
 */
function config() {
  return {
    global: { scrape_interval: INTERVALS.otherScrapes, evaluation_interval: INTERVALS.evaluation, external_labels: { monitor: 'modelwatch' } },
    rule_files: ['rules/*.yml'],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [hostPort(STACK_SERVICES.alertmanager)] }] }] },
    scrape_configs: [
      {
        ...modelwatchJob(),
        static_configs: [{ targets: [hostPort(STACK_SERVICES.modelwatch)] }],
        file_sd_configs: [{ files: ['targets/*.json'], refresh_interval: '1m' }],
        relabel_configs: instanceRelabelling(),
      },
      {
        ...gatewayJob(),
        file_sd_configs: [{ files: [`${posix.dirname(PROMETHEUS_FILES.gatewayTargets)}/*.json`], refresh_interval: '1m' }],
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
    tests: ALERTS.flatMap((alert) => {
      const labels = { ...(alert.test.labels ?? {}) };
      const cases = (alert.test.cases ?? []).map((c) => {
        const firing = c.firing;
        const caseLabels = { ...(firing?.labels ?? {}) };
        return {
          name: `${alert.name}: ${c.name}`,
          interval: c.interval ?? '1m',
          input_series: c.series.map((s) => ({ series: s.series, values: s.values })),
          alert_rule_test: [
            {
              eval_time: c.at,
              alertname: alert.name,
              exp_alerts: firing ? [{ exp_labels: { severity: alert.severity, service: SERVICE_LABEL, ...caseLabels }, exp_annotations: annotations(alert, caseLabels, firing.value) }] : [],
            },
          ],
        };
      });
      return [{
        name: alert.name,
        interval: alert.test.interval ?? '1m',
        input_series: alert.test.series.map((s) => ({ series: s.series, values: s.values })),
        alert_rule_test: [
          { eval_time: alert.test.silentAt, alertname: alert.name, exp_alerts: [] },
          {
            eval_time: alert.test.firingAt,
            alertname: alert.name,
            exp_alerts: [{ exp_labels: { severity: alert.severity, service: SERVICE_LABEL, ...labels }, exp_annotations: annotations(alert, labels, alert.test.value) }],
          },
        ],
      }, ...cases];
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
    // No gateway runs in the stack: its operator lists theirs here (host:port of each gateway).
    [PROMETHEUS_FILES.gatewayTargets]: '[]\n',
  };
}
