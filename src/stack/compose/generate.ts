/**
 * Docker Compose for one host (deploy/compose/): the service and its whole monitoring stack, with a
 * health check on every long-running container, `depends_on` conditions that order the start
 * (certificates, then Elasticsearch, then Kibana's user, Kibana, the setup container, Filebeat),
 * named volumes for every piece of state, and no default password: every secret is a required
 * variable (variables.ts) that `.env.example` lists empty.
 *
 * docker-compose 1.29 (Debian's, used by the tests) rejects the top-level `name:` key, so the
 * project name is COMPOSE_PROJECT_NAME in .env.
 */
import { generatedYaml } from '../generated-file.js';
import { MODELWATCH_IMAGE } from '../modelwatch-image.js';
import { ELASTICSEARCH_URL, STACK_SERVICES, serviceUrl } from '../services.js';
import { IMAGES, VOLUMES, CA_FILE_NAME, dependsOn, healthcheck, longRunning, oneShot, ports, shell, volume } from './common.js';
import { LOG_DIR, certsService, elasticsearchService, filebeatService, kibanaPasswordService, kibanaService } from './elastic.js';
import { alertmanagerService, grafanaService, nodeExporterService, prometheusService, pushgatewayService } from './metrics.js';
import { envExample, required } from './variables.js';

/** The service's audit log in the logs volume, which Filebeat mounts read-only. */
export const LOG_FILE = `${LOG_DIR}/audit.ndjson`;
/** The model registry's directory in the models volume. */
export const MODEL_DIR = MODELWATCH_IMAGE.modelDir;
/** Where the setup container finds the CA certificate. */
const SETUP_CA_DIR = '/etc/modelwatch/elastic-ca';

/** Both modelwatch containers run the image built from the repository's Dockerfile. */
function modelwatchImage() {
  return { image: IMAGES.modelwatch, build: { context: '../..', dockerfile: 'Dockerfile' } };
}

/**
 * The service. On a first start the registry is empty and it trains a model before it listens,
 * hence the long start period.
 */
function modelwatchService() {
  const { modelwatch } = STACK_SERVICES;
  return {
    ...modelwatchImage(),
    environment: { PORT: String(modelwatch.port), MODEL_DIR, LOG_FILE },
    volumes: [volume(VOLUMES.models, MODEL_DIR), volume(VOLUMES.logs, LOG_DIR)],
    ...ports(modelwatch),
    healthcheck: healthcheck(
      `node -e "fetch('http://localhost:${modelwatch.port}/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"`,
      { startPeriod: '120s' },
    ),
    ...longRunning(),
  };
}

/**
 * One-shot: `modelwatch setup` installs the ILM policy, index template and write alias, then
 * Kibana's data view, dashboards and rule, from the catalogue compiled into the image (the same objects as
 * deploy/elasticsearch/ and deploy/kibana/, so nothing is mounted). Credentials come from the
 * environment (ELASTICSEARCH_USERNAME and ELASTICSEARCH_PASSWORD), not flags, so they never show in
 * a process list.
 */
function setupService() {
  const { kibana } = STACK_SERVICES;
  return {
    ...modelwatchImage(),
    entrypoint: ['/bin/sh', '-c'],
    command: [
      shell([
        'set -e',
        `modelwatch setup elasticsearch --url "$ELASTICSEARCH_URL" --ca ${SETUP_CA_DIR}/${CA_FILE_NAME}`,
        'modelwatch setup kibana --url "$KIBANA_URL"',
      ]),
    ],
    environment: {
      ELASTICSEARCH_URL,
      ELASTICSEARCH_USERNAME: 'elastic',
      ELASTICSEARCH_PASSWORD: required('ELASTIC_PASSWORD'),
      KIBANA_URL: serviceUrl(kibana),
    },
    volumes: [volume(VOLUMES.ca, SETUP_CA_DIR, true)],
    depends_on: dependsOn({ elasticsearch: 'service_healthy', kibana: 'service_healthy' }),
    ...oneShot(),
  };
}

/** The Compose file, as an object: services in start order. */
export function composeFile() {
  return {
    services: {
      [STACK_SERVICES.modelwatch.host]: modelwatchService(),
      [STACK_SERVICES.prometheus.host]: prometheusService(),
      [STACK_SERVICES.alertmanager.host]: alertmanagerService(),
      [STACK_SERVICES.pushgateway.host]: pushgatewayService(),
      [STACK_SERVICES.nodeExporter.host]: nodeExporterService(),
      [STACK_SERVICES.grafana.host]: grafanaService(),
      certs: certsService(),
      [STACK_SERVICES.elasticsearch.host]: elasticsearchService(),
      'kibana-password': kibanaPasswordService(),
      [STACK_SERVICES.kibana.host]: kibanaService(),
      setup: setupService(),
      [STACK_SERVICES.filebeat.host]: filebeatService(LOG_DIR),
    },
    volumes: Object.fromEntries(Object.values(VOLUMES).map((name) => [name, {}])),
  };
}

/**
 * The generated files, by path under deploy/compose/.
 *
 * @example Object.keys(generateCompose()) // ['docker-compose.yml', '.env.example']
 */
export function generateCompose(): Record<string, string> {
  return {
    'docker-compose.yml': generatedYaml(composeFile(), [
      'Start: cp .env.example .env, fill in every empty value, then `docker compose up -d` here (docs/stack.md).',
    ]),
    '.env.example': envExample(),
  };
}
