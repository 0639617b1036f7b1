/**
 * The environment variables of the Compose stack. Secrets have no default anywhere: the file uses
 * Compose's required-variable form `${NAME:?message}`, so `docker compose up` (and `config`) stops
 * naming the first one missing, and `.env.example` lists them all with empty values.
 */
import { GENERATED_HEADER } from '../generated-file.js';

/** A variable the operator sets in deploy/compose/.env. */
export interface ComposeVariable {
  readonly name: string;
  /** One line for .env.example: what it is and who uses it. */
  readonly purpose: string;
}

/** Secrets: Compose refuses to start while one is unset or empty. */
export const REQUIRED_VARIABLES = [
  { name: 'ELASTIC_PASSWORD', purpose: "Password of Elasticsearch's `elastic` superuser, set when its data volume is first created; Filebeat, Grafana's log data source and the setup container log in with it." },
  { name: 'KIBANA_PASSWORD', purpose: 'Password the certs step gives `kibana_system`, the user Kibana connects to Elasticsearch as (letters and digits only: it is sent in a JSON body by a shell script).' },
  { name: 'KIBANA_ENCRYPTION_KEY', purpose: 'At least 32 random characters (e.g. `openssl rand -hex 32`): encrypts Kibana rules and other saved objects, sessions and reports.' },
  { name: 'GF_SECURITY_ADMIN_PASSWORD', purpose: "Password of Grafana's `admin` user (there is no admin/admin)." },
  { name: 'PAGERDUTY_ROUTING_KEY', purpose: 'PagerDuty Events v2 routing key: Alertmanager pages critical alerts with it.' },
  { name: 'SLACK_WEBHOOK_URL', purpose: 'Slack incoming-webhook URL: Alertmanager posts warnings to #ml-alerts with it.' },
] as const satisfies readonly ComposeVariable[];

/** A required variable's name. */
export type RequiredVariable = (typeof REQUIRED_VARIABLES)[number]['name'];

/** Settings with a safe default. */
export const OPTIONAL_VARIABLES = {
  PUBLISH_ADDRESS: { default: '127.0.0.1', purpose: 'Host address the ports are published on; 0.0.0.0 reaches them from other machines (put a firewall or proxy in front).' },
  ES_JAVA_OPTS: { default: '-Xms1g -Xmx1g', purpose: "Elasticsearch's JVM heap." },
} as const;

/** Compose needs a project name for its volumes (modelwatch_grafana-data, …): the directory's would be "compose". */
export const PROJECT_NAME = 'modelwatch';

/**
 * The Compose reference to a required variable.
 *
 * @example required('ELASTIC_PASSWORD') // '${ELASTIC_PASSWORD:?ELASTIC_PASSWORD is not set: …}'
 */
export function required(name: RequiredVariable): string {
  return `\${${name}:?${name} is not set: copy .env.example to .env and fill it in}`;
}

/**
 * The Compose reference to an optional variable, with its default.
 *
 * @example optional('PUBLISH_ADDRESS') // '${PUBLISH_ADDRESS:-127.0.0.1}'
 */
export function optional(name: keyof typeof OPTIONAL_VARIABLES): string {
  return `\${${name}:-${OPTIONAL_VARIABLES[name].default}}`;
}

/**
 * deploy/compose/.env.example: every variable, secrets empty, optional ones commented out at their
 * defaults.
 *
 * @example envExample().includes('\nELASTIC_PASSWORD=\n') // true
 */
export function envExample(): string {
  const lines = [
    'Copy to .env (never committed) and fill in every empty value; `docker compose up` refuses to start while one is empty.',
    '',
    `# Volumes and containers are named ${PROJECT_NAME}_…`,
    `COMPOSE_PROJECT_NAME=${PROJECT_NAME}`,
  ];
  for (const { name, purpose } of REQUIRED_VARIABLES) lines.push('', `# ${purpose}`, `${name}=`);
  for (const [name, { default: value, purpose }] of Object.entries(OPTIONAL_VARIABLES)) lines.push('', `# ${purpose}`, `# ${name}=${value}`);
  return `${GENERATED_HEADER}# ${lines[0]}\n${lines.slice(1).join('\n')}\n`;
}
