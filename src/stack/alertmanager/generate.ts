/**
 * Alertmanager's configuration, generated with the rules it routes: critical alerts page
 * (PagerDuty), warnings go to chat (Slack); alerts are grouped per alert and job; and inhibition
 * keeps one cause from paging many times — ModelwatchDown silences every other modelwatch alert
 * (their data stopped with it), a critical drift alert silences the warning for the same feature.
 *
 * Secrets are not in the file: the receivers read them from files (`routing_key_file`,
 * `api_url_file`) that the deployment writes from the environment variables PAGERDUTY_ROUTING_KEY
 * and SLACK_WEBHOOK_URL (Docker or Kubernetes secrets).
 *
 * Alertmanager cannot make a receiver depend on whether its secret exists, so there is one file per
 * set of secrets given: `alertmanager.yml` with both (the production routing), one with the pager
 * only, one with chat only, and one with neither, whose receiver sends nothing — alerts are then
 * only seen in Alertmanager's UI and API. Compose's entrypoint picks the file (ALERTMANAGER_VARIANTS).
 */
import { generatedYaml } from '../generated-file.js';
import { ALERTS, SERVICE_LABEL } from '../catalogue/alerts.js';
import { GRAFANA_ALERTS } from '../grafana/alerting.js';

/** Where the receivers' secrets are mounted. */
export const SECRETS_DIR = '/etc/alertmanager/secrets';

/** Each receiver secret's file, by the environment variable the deployment writes it from. */
export const SECRET_FILES = {
  PAGERDUTY_ROUTING_KEY: `${SECRETS_DIR}/pagerduty-routing-key`,
  SLACK_WEBHOOK_URL: `${SECRETS_DIR}/slack-webhook-url`,
} as const;

/** A receiver secret's variable. */
export type ReceiverSecret = keyof typeof SECRET_FILES;

/** The receiver that sends nothing: alerts stay visible in Alertmanager's UI and API. */
export const UI_ONLY_RECEIVER = 'ui-only';

/** The generated files, by the secrets they need; the first is the production routing. */
export const ALERTMANAGER_VARIANTS = [
  { file: 'alertmanager.yml', secrets: ['PAGERDUTY_ROUTING_KEY', 'SLACK_WEBHOOK_URL'] },
  { file: 'alertmanager-pager-only.yml', secrets: ['PAGERDUTY_ROUTING_KEY'] },
  { file: 'alertmanager-chat-only.yml', secrets: ['SLACK_WEBHOOK_URL'] },
  { file: 'alertmanager-ui-only.yml', secrets: [] },
] as const satisfies readonly { file: string; secrets: readonly ReceiverSecret[] }[];

/**
 * The Slack message of a group. A group holds every alert of one name and job — two drifting
 * features, two failing replicas — whose summaries differ, so `.CommonAnnotations` would be empty:
 * the title names the group (never empty) and the text lists each alert's own annotations.
 */
export const SLACK_MESSAGE = {
  title: '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .GroupLabels.alertname }}',
  text:
    '{{ range .Alerts }}{{ if eq .Status "firing" }}:red_circle:{{ else }}:white_check_mark:{{ end }} *{{ .Annotations.summary }}*\n' +
    '{{ .Annotations.description }} <{{ .Annotations.runbook_url }}|runbook>\n{{ end }}',
} as const;

const RECEIVERS = {
  pager: { name: 'pager', pagerduty_configs: [{ routing_key_file: SECRET_FILES.PAGERDUTY_ROUTING_KEY, send_resolved: true }] },
  chat: { name: 'chat', slack_configs: [{ api_url_file: SECRET_FILES.SLACK_WEBHOOK_URL, channel: '#ml-alerts', send_resolved: true, ...SLACK_MESSAGE }] },
  ui: { name: UI_ONLY_RECEIVER },
};

/**
 * One inhibit rule per Grafana-managed alert: while the Prometheus alert it mirrors fires, the
 * Grafana alert (named by its title, as Grafana sends it) is muted, so a team running both is
 * paged once. They are compared on `instance` when the Prometheus alert has one; a fleet-wide
 * alert (no instance) mutes its mirror on every instance.
 *
 * @example grafanaMirrorInhibitions()[0] // { source_matchers: ['alertname="LowLiveAccuracy"', …], target_matchers: ['alertname="Model Accuracy Alert"', …] }
 */
export function grafanaMirrorInhibitions(): { source_matchers: string[]; target_matchers: string[]; equal?: string[] }[] {
  return GRAFANA_ALERTS.map((grafana) => {
    const mirrored = ALERTS.find((a) => a.name === grafana.mirrors);
    if (!mirrored) throw new Error(`Grafana alert "${grafana.title}" mirrors ${grafana.mirrors}, which is not in the catalogue`);
    const service = `service="${SERVICE_LABEL}"`;
    const perInstance = mirrored.test.labels?.instance !== undefined;
    return {
      source_matchers: [`alertname="${mirrored.name}"`, service],
      target_matchers: [`alertname="${grafana.title}"`, service],
      ...(perInstance ? { equal: ['instance'] } : {}),
    };
  });
}

/**
 * The configuration for a set of secrets: critical alerts page when there is a pager, warnings (and
 * everything else) go to chat when there is one; with chat alone, critical alerts go to chat too.
 */
function config(secrets: readonly ReceiverSecret[]) {
  const pager = secrets.includes('PAGERDUTY_ROUTING_KEY');
  const chat = secrets.includes('SLACK_WEBHOOK_URL');
  const fallback = chat ? 'chat' : UI_ONLY_RECEIVER;
  return {
    global: { resolve_timeout: '5m' },
    route: {
      receiver: fallback,
      group_by: ['alertname', 'job'],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '4h',
      routes: [
        { matchers: ['severity="critical"'], receiver: pager ? 'pager' : fallback, group_wait: '10s', repeat_interval: '1h' },
        { matchers: ['severity="warning"'], receiver: fallback },
      ],
    },
    receivers: [...(pager ? [RECEIVERS.pager] : []), ...(chat ? [RECEIVERS.chat] : []), ...(!chat ? [RECEIVERS.ui] : [])],
    inhibit_rules: [
      { source_matchers: ['alertname="ModelwatchDown"'], target_matchers: [`service="${SERVICE_LABEL}"`, 'alertname!="ModelwatchDown"'] },
      { source_matchers: ['alertname="FeatureDriftCritical"'], target_matchers: ['alertname="FeatureDriftWarning"'], equal: ['feature'] },
      ...grafanaMirrorInhibitions(),
    ],
  };
}

/**
 * The generated Alertmanager files, by path under deploy/alertmanager/.
 *
 * @example generateAlertmanager()['alertmanager.yml']
 */
export function generateAlertmanager(): Record<string, string> {
  return Object.fromEntries(
    ALERTMANAGER_VARIANTS.map(({ file, secrets }) => [
      file,
      generatedYaml(config(secrets), secrets.length === 2 ? [] : [`For when only ${secrets.length === 0 ? 'no receiver secret' : secrets.join(', ')} is given: alertmanager.yml is the full routing.`]),
    ]),
  );
}
