/**
 * The metrics half of the Compose stack: Prometheus, Alertmanager, Pushgateway, node-exporter and
 * Grafana, each reading its generated configuration from deploy/ (read-only) and keeping its state
 * in a named volume.
 */
import { posix } from 'node:path';
import { ALERTMANAGER_VARIANTS, SECRET_FILES, SECRETS_DIR } from '../alertmanager/generate.js';
import { PROMETHEUS_FILES } from '../prometheus/generate.js';
import { ELASTICSEARCH_URL, STACK_SERVICES } from '../services.js';
import { IMAGES, VOLUMES, dependsOn, generatedFile, healthcheck, longRunning, ports, shell, volume } from './common.js';
import { local } from './variables.js';

/** Prometheus keeps a week of samples; older data lives in snapshots. */
export const PROMETHEUS_RETENTION = '7d';

/** Where the Grafana container finds the CA that signed Elasticsearch's certificate. */
const GRAFANA_CA_DIR = '/etc/grafana/elastic-ca';

const healthy = (port: number, path: string) => healthcheck(`wget -q --spider http://localhost:${port}${path}`);

/**
 * Prometheus: 7-day retention, the admin API (for `POST /api/v1/admin/tsdb/snapshot` backups) and
 * the lifecycle API (`POST /-/reload` after regenerating the rules). The config, the rules and the
 * file_sd targets are mounted; targets/ names the second replica, `modelwatch-2`, and gateways/
 * the `modelwatch gateway` instances an operator adds.
 */
export function prometheusService() {
  const { prometheus } = STACK_SERVICES;
  const config = `/etc/prometheus/${PROMETHEUS_FILES.config}`;
  return {
    image: IMAGES.prometheus,
    command: [
      `--config.file=${config}`,
      '--storage.tsdb.path=/prometheus',
      `--storage.tsdb.retention.time=${PROMETHEUS_RETENTION}`,
      '--web.enable-admin-api',
      '--web.enable-lifecycle',
    ],
    volumes: [
      generatedFile(`prometheus/${PROMETHEUS_FILES.config}`, config),
      generatedFile('prometheus/rules', '/etc/prometheus/rules'),
      generatedFile(`prometheus/${posix.dirname(PROMETHEUS_FILES.fileSdTargets)}`, '/etc/prometheus/targets'),
      generatedFile(`prometheus/${posix.dirname(PROMETHEUS_FILES.gatewayTargets)}`, `/etc/prometheus/${posix.dirname(PROMETHEUS_FILES.gatewayTargets)}`),
      volume(VOLUMES.prometheus, '/prometheus'),
    ],
    ...ports(prometheus),
    healthcheck: healthy(prometheus.port, '/-/healthy'),
    ...longRunning(),
  };
}

/** Where Compose mounts deploy/alertmanager/, every variant of the configuration. */
export const ALERTMANAGER_CONFIG_DIR = '/etc/alertmanager/config';

/**
 * The entrypoint: writes each receiver secret that is set into a file on a tmpfs (on no disk, never
 * in the configuration), picks the configuration for the secrets given — the full routing with
 * both, alerts in the UI only with neither — and starts Alertmanager with it.
 */
export function alertmanagerEntrypoint(): string[] {
  const [pager, chat] = Object.keys(SECRET_FILES) as (keyof typeof SECRET_FILES)[];
  const writes = Object.entries(SECRET_FILES).map(([name, file]) => `if [ -n "$${name}" ]; then printf '%s' "$${name}" > ${file}; fi`);
  const key = (secrets: readonly string[]) => `${secrets.includes(pager) ? 'pager' : ''}-${secrets.includes(chat) ? 'chat' : ''}`;
  const choices = ALERTMANAGER_VARIANTS.map(({ file, secrets }) => `  ${key(secrets)}) config=${file} ;;`);
  return [
    '/bin/sh',
    '-c',
    shell([
      'set -e',
      'umask 077',
      ...writes,
      `case "\${${pager}:+pager}-\${${chat}:+chat}" in`,
      ...choices,
      'esac',
      'echo "alertmanager: routing with $config" >&2',
      `exec /bin/alertmanager --config.file=${ALERTMANAGER_CONFIG_DIR}/$config --storage.path=/alertmanager`,
    ]),
  ];
}

/** Alertmanager: the configuration chosen by its entrypoint from the receiver secrets given. */
export function alertmanagerService() {
  const { alertmanager } = STACK_SERVICES;
  return {
    image: IMAGES.alertmanager,
    entrypoint: alertmanagerEntrypoint(),
    environment: Object.fromEntries(Object.keys(SECRET_FILES).map((name) => [name, local(name as keyof typeof SECRET_FILES)])),
    tmpfs: [SECRETS_DIR],
    volumes: [generatedFile('alertmanager', ALERTMANAGER_CONFIG_DIR), volume(VOLUMES.alertmanager, '/alertmanager')],
    ...ports(alertmanager),
    healthcheck: healthy(alertmanager.port, '/-/healthy'),
    ...longRunning(),
  };
}

/**
 * Where the Pushgateway keeps its persistence file: the image's own working directory, owned by
 * its user, so a fresh named volume mounted there is writable by it (Docker copies the ownership).
 */
export const PUSHGATEWAY_DATA_DIR = '/pushgateway';

/**
 * Pushgateway for the training pipeline, with a persistence file on a volume: a pipeline pushes
 * once a day, so a Pushgateway restarted without it would serve nothing until the next run — the
 * training dashboards go blank and PipelineNoRecentSuccess loses the last success time. It writes
 * the file every minute and when it stops, and reads it back when it starts.
 */
export function pushgatewayService() {
  const { pushgateway } = STACK_SERVICES;
  return {
    image: IMAGES.pushgateway,
    command: [`--persistence.file=${PUSHGATEWAY_DATA_DIR}/metrics.db`, '--persistence.interval=1m'],
    volumes: [volume(VOLUMES.pushgateway, PUSHGATEWAY_DATA_DIR)],
    ...ports(pushgateway),
    healthcheck: healthy(pushgateway.port, '/-/healthy'),
    ...longRunning(),
  };
}

/**
 * node-exporter: the host's CPU, memory and file systems through a read-only view of `/`. Not
 * published: only Prometheus reads it. It stays on the stack's network (not the host's) so
 * Prometheus reaches it by name; network metrics are therefore the container's own.
 */
export function nodeExporterService() {
  const { nodeExporter } = STACK_SERVICES;
  return {
    image: IMAGES.nodeExporter,
    command: ['--path.rootfs=/host'],
    pid: 'host',
    volumes: ['/:/host:ro,rslave'],
    ...ports(nodeExporter, false),
    healthcheck: healthy(nodeExporter.port, '/'),
    ...longRunning(),
  };
}

/**
 * Grafana: provisioned data sources, dashboards and alerting from deploy/grafana/; the admin
 * password and the Elasticsearch credentials from the environment. Grafana is a Go program, so
 * SSL_CERT_DIR adds the stack's CA to the system roots for the HTTPS Elasticsearch data source.
 */
export function grafanaService() {
  const { grafana } = STACK_SERVICES;
  return {
    image: IMAGES.grafana,
    environment: {
      GF_SECURITY_ADMIN_USER: 'admin',
      GF_SECURITY_ADMIN_PASSWORD: local('GF_SECURITY_ADMIN_PASSWORD'),
      GF_USERS_ALLOW_SIGN_UP: 'false',
      GF_ANALYTICS_REPORTING_ENABLED: 'false',
      ELASTICSEARCH_URL,
      ELASTICSEARCH_USERNAME: 'elastic',
      ELASTICSEARCH_PASSWORD: local('ELASTIC_PASSWORD'),
      SSL_CERT_DIR: `/etc/ssl/certs:${GRAFANA_CA_DIR}`,
    },
    volumes: [
      generatedFile('grafana/provisioning', '/etc/grafana/provisioning'),
      generatedFile('grafana/dashboards', '/var/lib/grafana/dashboards'),
      volume(VOLUMES.grafana, '/var/lib/grafana'),
      volume(VOLUMES.ca, GRAFANA_CA_DIR, true),
    ],
    // The CA must be in place before Grafana first loads its trusted roots (once per process).
    depends_on: dependsOn({ prometheus: 'service_healthy', certs: 'service_completed_successfully' }),
    ...ports(grafana),
    healthcheck: healthy(grafana.port, '/api/health'),
    ...longRunning(),
  };
}
