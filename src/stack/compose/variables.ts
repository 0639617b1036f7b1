/**
 * The environment variables of the Compose stack, and its two modes.
 *
 * - **Local try-out** (no `.env`): `docker compose up -d` starts with nothing to write first. Every
 *   credential has a documented local default (`${NAME:-default}`), every port is published on
 *   127.0.0.1 only, and Alertmanager shows alerts in its UI until a pager or chat secret is given.
 * - **Production** (`cp .env.example .env`, then fill it in): `.env` sets COMPOSE_FILE to add
 *   docker-compose.production.yml, which turns every credential into a required variable
 *   (`${NAME:?message}`: Compose stops naming the first one missing), and COMPOSE_PROFILES to start
 *   the scheduled training pipeline.
 */
import { GENERATED_HEADER } from '../generated-file.js';

/** A credential: required in production, with a local default for the try-out. */
export interface ComposeVariable {
  readonly name: string;
  /** One line for .env.example: what it is and who uses it. */
  readonly purpose: string;
  /**
   * Its value in the local try-out, documented in docs/stack.md. Every port is on 127.0.0.1 there,
   * so only this host's users can use them. Empty: the feature is off until the variable is set.
   */
  readonly localDefault: string;
}

/** Credentials: required in production; local defaults in the try-out. */
export const REQUIRED_VARIABLES = [
  {
    name: 'ELASTIC_PASSWORD',
    purpose: "Password of Elasticsearch's `elastic` superuser, set when its data volume is first created; Filebeat, Grafana's log data source and the setup container log in with it.",
    localDefault: 'modelwatch-local-elastic',
  },
  {
    name: 'KIBANA_PASSWORD',
    purpose: 'Password the one-shot `kibana-password` service gives `kibana_system`, the user Kibana connects to Elasticsearch as (letters and digits only: it is sent in a JSON body by a shell script).',
    localDefault: 'modelwatchlocalkibana',
  },
  {
    name: 'KIBANA_ENCRYPTION_KEY',
    purpose: 'At least 32 random characters (e.g. `openssl rand -hex 32`): encrypts Kibana rules and other saved objects, sessions and reports.',
    localDefault: 'modelwatch-local-try-out-key-not-for-production',
  },
  { name: 'GF_SECURITY_ADMIN_PASSWORD', purpose: "Password of Grafana's `admin` user (there is no admin/admin).", localDefault: 'modelwatch-local-grafana' },
  { name: 'PAGERDUTY_ROUTING_KEY', purpose: 'PagerDuty Events v2 routing key: Alertmanager pages critical alerts with it.', localDefault: '' },
  { name: 'SLACK_WEBHOOK_URL', purpose: 'Slack incoming-webhook URL: Alertmanager posts warnings to #ml-alerts with it.', localDefault: '' },
] as const satisfies readonly ComposeVariable[];

/** A credential's name. */
export type RequiredVariable = (typeof REQUIRED_VARIABLES)[number]['name'];

/** Settings with a safe default, in both modes. */
export const OPTIONAL_VARIABLES = {
  PUBLISH_ADDRESS: { default: '127.0.0.1', purpose: 'Host address the ports are published on; 0.0.0.0 reaches them from other machines (production only, behind a firewall or proxy: the local defaults are public).' },
  ES_JAVA_OPTS: { default: '-Xms1g -Xmx1g', purpose: "Elasticsearch's JVM heap." },
  TRAINING_DATA_DIR: { default: './training-data', purpose: 'Host directory (relative to deploy/compose/) holding bank-full.csv, mounted read-only into the pipeline service.' },
  PIPELINE_INTERVAL_SECONDS: { default: '86400', purpose: 'Seconds between two runs of the scheduled pipeline (the first runs when it starts).' },
} as const;

/** Compose needs a project name for its volumes (modelwatch_grafana-data, …): the directory's would be "compose". */
export const PROJECT_NAME = 'modelwatch';

/** The production override, added by COMPOSE_FILE in .env. */
export const PRODUCTION_FILE = 'docker-compose.production.yml';

/** Profiles: the scheduled training pipeline is off in the try-out. */
export const PROFILES = { pipeline: 'pipeline' } as const;

/** `.env`'s lines that switch to production: the override file and the pipeline's profile. */
export const PRODUCTION_SWITCH = {
  COMPOSE_FILE: `docker-compose.yml:${PRODUCTION_FILE}`,
  COMPOSE_PROFILES: PROFILES.pipeline,
} as const;

function variable(name: RequiredVariable): ComposeVariable {
  return REQUIRED_VARIABLES.find((v) => v.name === name)!;
}

/**
 * The Compose reference to a credential in production: Compose stops when it is unset or empty.
 *
 * @example required('ELASTIC_PASSWORD') // '${ELASTIC_PASSWORD:?ELASTIC_PASSWORD is not set: …}'
 */
export function required(name: RequiredVariable): string {
  return `\${${name}:?${name} is not set: fill it in in .env (production mode, docs/stack.md)}`;
}

/**
 * The Compose reference to a credential in the local try-out: its documented local default.
 *
 * @example local('GF_SECURITY_ADMIN_PASSWORD') // '${GF_SECURITY_ADMIN_PASSWORD:-modelwatch-local-grafana}'
 */
export function local(name: RequiredVariable): string {
  return `\${${name}:-${variable(name).localDefault}}`;
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
 * deploy/compose/.env.example, the production switch: the override file and the pipeline's profile
 * on, every credential empty (to fill in), optional settings commented out at their defaults.
 *
 * @example envExample().includes('\nELASTIC_PASSWORD=\n') // true
 */
export function envExample(): string {
  const lines = [
    'Production: copy to .env (never committed) and fill in every empty value; `docker compose up` refuses to start while one is empty.',
    'Without a .env file the stack starts as a local try-out with documented local credentials (docs/stack.md).',
    '',
    `# Volumes and containers are named ${PROJECT_NAME}_… (the try-out's, without .env, are compose_…: a separate stack).`,
    `COMPOSE_PROJECT_NAME=${PROJECT_NAME}`,
    '',
    '# The production settings: every credential required, no synthetic first model, the scheduled pipeline on.',
    `COMPOSE_FILE=${PRODUCTION_SWITCH.COMPOSE_FILE}`,
    `COMPOSE_PROFILES=${PRODUCTION_SWITCH.COMPOSE_PROFILES}`,
  ];
  for (const { name, purpose } of REQUIRED_VARIABLES) lines.push('', `# ${purpose}`, `${name}=`);
  for (const [name, { default: value, purpose }] of Object.entries(OPTIONAL_VARIABLES)) lines.push('', `# ${purpose}`, `# ${name}=${value}`);
  return `${GENERATED_HEADER}${lines.map((line, i) => (i < 2 ? `# ${line}` : line)).join('\n')}\n`;
}
