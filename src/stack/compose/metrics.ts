/**
 * The metrics half of the Compose stack: Prometheus, Alertmanager, Pushgateway, node-exporter and
 * Grafana, each reading its generated configuration from deploy/ (read-only) and keeping its state
 * in a named volume.
 */
import { SECRET_FILES, SECRETS_DIR } from '../alertmanager/generate.js';
import { PROMETHEUS_FILES } from '../prometheus/generate.js';
import { ELASTICSEARCH_URL, STACK_SERVICES } from '../services.js';
import { IMAGES, VOLUMES, dependsOn, generatedFile, healthcheck, longRunning, ports, shell, volume } from './common.js';
import { required } from './variables.js';

/** Prometheus keeps a week of samples (004); older data lives in snapshots. */
export const PROMETHEUS_RETENTION = '7d';

/** Where the Grafana container finds the CA that signed Elasticsearch's certificate. */
const GRAFANA_CA_DIR = '/etc/grafana/elastic-ca';

const healthy = (port: number, path: string) => healthcheck(`wget -q --spider http://localhost:${port}${path}`);

/**
 * Prometheus: 7-day retention, the admin API (for `POST /api/v1/admin/tsdb/snapshot`, the seed's
 * backup) and the lifecycle API (`POST /-/reload` after regenerating the rules). Only the config
 * and the rules are mounted: targets/ holds a second replica's file_sd example that a one-host
 * stack does not run, and an absent glob simply matches nothing.
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
      volume(VOLUMES.prometheus, '/prometheus'),
    ],
    ...ports(prometheus),
    healthcheck: healthy(prometheus.port, '/-/healthy'),
    ...longRunning(),
  };
}

/**
 * Alertmanager: the receivers read their secrets from files (never in alertmanager.yml); the
 * entrypoint writes them from the environment into a tmpfs, so they are on no disk, then starts
 * Alertmanager.
 */
export function alertmanagerService() {
  const { alertmanager } = STACK_SERVICES;
  const config = '/etc/alertmanager/alertmanager.yml';
  const writes = Object.entries(SECRET_FILES).map(([name, file]) => `printf '%s' "$${name}" > ${file}`);
  return {
    image: IMAGES.alertmanager,
    entrypoint: ['/bin/sh', '-c', shell(['set -e', 'umask 077', ...writes, `exec /bin/alertmanager --config.file=${config} --storage.path=/alertmanager`])],
    environment: Object.fromEntries(Object.keys(SECRET_FILES).map((name) => [name, required(name as keyof typeof SECRET_FILES)])),
    tmpfs: [SECRETS_DIR],
    volumes: [generatedFile('alertmanager/alertmanager.yml', config), volume(VOLUMES.alertmanager, '/alertmanager')],
    ...ports(alertmanager),
    healthcheck: healthy(alertmanager.port, '/-/healthy'),
    ...longRunning(),
  };
}

/**
 * Pushgateway for the training pipeline. Without persistence: Prometheus already keeps every value
 * it scraped, and the image's user cannot write a fresh volume.
 */
export function pushgatewayService() {
  const { pushgateway } = STACK_SERVICES;
  return { image: IMAGES.pushgateway, ...ports(pushgateway), healthcheck: healthy(pushgateway.port, '/-/healthy'), ...longRunning() };
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
      GF_SECURITY_ADMIN_PASSWORD: required('GF_SECURITY_ADMIN_PASSWORD'),
      GF_USERS_ALLOW_SIGN_UP: 'false',
      GF_ANALYTICS_REPORTING_ENABLED: 'false',
      ELASTICSEARCH_URL,
      ELASTICSEARCH_USERNAME: 'elastic',
      ELASTICSEARCH_PASSWORD: required('ELASTIC_PASSWORD'),
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
