/**
 * Alertmanager's configuration, generated with the rules it routes: critical alerts page
 * (PagerDuty), warnings go to chat (Slack); alerts are grouped per alert and job; and inhibition
 * keeps one cause from paging many times — ModelwatchDown silences every other modelwatch alert
 * (their data stopped with it), a critical drift alert silences the warning for the same feature.
 *
 * Secrets are not in the file: the receivers read them from files (`routing_key_file`,
 * `api_url_file`) that the deployment writes from the environment variables PAGERDUTY_ROUTING_KEY
 * and SLACK_WEBHOOK_URL (Docker or Kubernetes secrets).
 */
import { generatedYaml } from '../generated-file.js';
import { SERVICE_LABEL } from '../catalogue/alerts.js';

/** Where the receivers' secrets are mounted. */
export const SECRETS_DIR = '/etc/alertmanager/secrets';

/** Each receiver secret's file, by the environment variable the deployment writes it from. */
export const SECRET_FILES = {
  PAGERDUTY_ROUTING_KEY: `${SECRETS_DIR}/pagerduty-routing-key`,
  SLACK_WEBHOOK_URL: `${SECRETS_DIR}/slack-webhook-url`,
} as const;


/**
 * The generated Alertmanager files, by path under deploy/alertmanager/.
 *
 * @example generateAlertmanager()['alertmanager.yml']
 */
export function generateAlertmanager(): Record<string, string> {
  const config = {
    global: { resolve_timeout: '5m' },
    route: {
      receiver: 'chat',
      group_by: ['alertname', 'job'],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '4h',
      routes: [
        { matchers: ['severity="critical"'], receiver: 'pager', group_wait: '10s', repeat_interval: '1h' },
        { matchers: ['severity="warning"'], receiver: 'chat' },
      ],
    },
    receivers: [
      { name: 'pager', pagerduty_configs: [{ routing_key_file: SECRET_FILES.PAGERDUTY_ROUTING_KEY, send_resolved: true }] },
      { name: 'chat', slack_configs: [{ api_url_file: SECRET_FILES.SLACK_WEBHOOK_URL, channel: '#ml-alerts', send_resolved: true, title: '{{ .CommonAnnotations.summary }}', text: '{{ .CommonAnnotations.description }} {{ .CommonAnnotations.runbook_url }}' }] },
    ],
    inhibit_rules: [
      { source_matchers: ['alertname="ModelwatchDown"'], target_matchers: [`service="${SERVICE_LABEL}"`, 'alertname!="ModelwatchDown"'] },
      { source_matchers: ['alertname="FeatureDriftCritical"'], target_matchers: ['alertname="FeatureDriftWarning"'], equal: ['feature'] },
    ],
  };
  return { 'alertmanager.yml': generatedYaml(config) };
}
