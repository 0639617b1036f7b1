/**
 * Docker Compose for one host (deploy/compose/): the service (two replicas) and its whole monitoring
 * stack, with a health check on every long-running container, `depends_on` conditions that order the
 * start (certificates, then Elasticsearch, then Kibana's user, Kibana, the setup container, Filebeat)
 * and named volumes for every piece of state; the scheduled training pipeline in a profile.
 *
 * Two modes (variables.ts): without `.env` a local try-out — documented local credentials, ports
 * on 127.0.0.1, a first model trained on synthetic data, alerts in Alertmanager's UI; with the
 * `.env` made from `.env.example`, production — docker-compose.production.yml makes every credential
 * required and turns the synthetic first model off, and the pipeline's profile is on.
 *
 * docker-compose 1.29 (Debian's, used by the tests) rejects the top-level `name:` key, so the
 * project name is COMPOSE_PROJECT_NAME in .env.
 */
import { PROMOTION_REJECTED_EXIT_CODE } from '../../pipeline/promotion.js';
import { generatedYaml } from '../generated-file.js';
import { MODELWATCH_IMAGE } from '../modelwatch-image.js';
import { ELASTICSEARCH_URL, STACK_SERVICES, serviceUrl } from '../services.js';
import { IMAGES, VOLUMES, CA_FILE_NAME, dependsOn, healthcheck, longRunning, oneShot, ports, shell, volume } from './common.js';
import { LOG_DIR, certsService, elasticsearchService, filebeatService, kibanaPasswordService, kibanaService } from './elastic.js';
import { alertmanagerService, grafanaService, nodeExporterService, prometheusService, pushgatewayService } from './metrics.js';
import { PIPELINE_LOG_FILE } from '../filebeat/generate.js';
import { TRAINING_DATA_DIR, TRAINING_DATA_FILE } from '../kubernetes/pipeline.js';
import { PRODUCTION_FILE, PROFILES, REQUIRED_VARIABLES, envExample, local, optional, required } from './variables.js';

/** The service's audit log in the logs volume, which Filebeat mounts read-only. */
export const LOG_FILE = `${LOG_DIR}/audit.ndjson`;
/** The second replica: the Compose service the Prometheus file_sd targets (deploy/prometheus/targets/) name. */
export const SECOND_REPLICA = { host: 'modelwatch-2', logFile: `${LOG_DIR}/audit-2.ndjson` } as const;
/** The scheduled pipeline's service, in its profile. */
export const PIPELINE_SERVICE = 'pipeline';
/**
 * The setting that makes `modelwatch serve` train a first model on synthetic data when the registry
 * is empty: on in the try-out (so `docker compose up -d` serves something at once), off in
 * production, where the pipeline trains the first model on the real data.
 */
export const BOOTSTRAP_SETTING = 'BOOTSTRAP_MODEL';
/** The model registry's directory in the models volume. */
export const MODEL_DIR = MODELWATCH_IMAGE.modelDir;
/** Where the setup container finds the CA certificate. */
const SETUP_CA_DIR = '/etc/modelwatch/elastic-ca';

/** Both modelwatch containers run the image built from the repository's Dockerfile. */
function modelwatchImage() {
  return { image: IMAGES.modelwatch, build: { context: '../..', dockerfile: 'Dockerfile' } };
}

/** What both replicas share: the image, the registry (followed: MODEL_WATCH), the logs volume. */
function replica(logFile: string) {
  const { modelwatch } = STACK_SERVICES;
  return {
    ...modelwatchImage(),
    // A version the pipeline promotes is picked up by every replica within MODEL_WATCH_INTERVAL_SECONDS.
    environment: { PORT: String(modelwatch.port), MODEL_DIR, LOG_FILE: logFile, MODEL_WATCH: 'true' } as Record<string, string>,
    volumes: [volume(VOLUMES.models, MODEL_DIR), volume(VOLUMES.logs, LOG_DIR)],
    healthcheck: healthcheck(
      `node -e "fetch('http://localhost:${modelwatch.port}/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"`,
      { startPeriod: '120s' },
    ),
    ...longRunning(),
  };
}

/**
 * The service, published. In the try-out, on a first start the registry is empty and it trains a
 * model on synthetic data before it listens, hence the long start period.
 */
function modelwatchService() {
  const base = replica(LOG_FILE);
  return { ...base, environment: { ...base.environment, [BOOTSTRAP_SETTING]: 'true' }, ...ports(STACK_SERVICES.modelwatch) };
}

/**
 * The second replica, scraped through file_sd, reachable only inside the stack. It starts once the
 * first is healthy, so that only one of them ever trains the try-out's first model.
 */
function secondReplicaService() {
  return { ...replica(SECOND_REPLICA.logFile), ...ports(STACK_SERVICES.modelwatch, false), depends_on: dependsOn({ [STACK_SERVICES.modelwatch.host]: 'service_healthy' }) };
}

/** The `instance` the Compose pipeline service pushes under, whichever container runs it. */
export const COMPOSE_PIPELINE_INSTANCE = 'compose-pipeline';

/**
 * The training pipeline, scheduled (profile `pipeline`): a run when it starts, then one every
 * PIPELINE_INTERVAL_SECONDS, on the CSV in TRAINING_DATA_DIR, promoting into the registry the
 * replicas follow. Its ECS lines go to a file in the logs volume, which Filebeat ships with the
 * service's; its JSON report per run to the container's log. Healthy while a run has finished
 * within two intervals.
 */
function pipelineService() {
  const { pushgateway } = STACK_SERVICES;
  const stateDir = `${MODEL_DIR}/pipelines`;
  return {
    ...modelwatchImage(),
    profiles: [PROFILES.pipeline],
    entrypoint: ['/bin/sh', '-c'],
    command: [
      shell([
        'while :; do',
        `  modelwatch pipeline run --data ${TRAINING_DATA_FILE} --log-file ${PIPELINE_LOG_FILE} --json; code=$?`,
        `  case $code in 0) ;; ${PROMOTION_REJECTED_EXIT_CODE}) echo "promotion gate kept the current model (exit ${PROMOTION_REJECTED_EXIT_CODE}): see ${PIPELINE_LOG_FILE}" >&2 ;; *) echo "pipeline run failed (exit $code): see ${PIPELINE_LOG_FILE}" >&2 ;; esac`,
        '  sleep "$PIPELINE_INTERVAL_SECONDS"',
        'done',
      ]),
    ],
    // A stable instance: the container id (its host name) changes whenever it is recreated, and
    // each new one would leave the last one's Pushgateway group behind to keep alerts firing.
    environment: { MODEL_DIR, PUSHGATEWAY_URL: serviceUrl(pushgateway), PIPELINE_INSTANCE: COMPOSE_PIPELINE_INSTANCE, PIPELINE_INTERVAL_SECONDS: optional('PIPELINE_INTERVAL_SECONDS') },
    volumes: [volume(VOLUMES.models, MODEL_DIR), volume(VOLUMES.logs, LOG_DIR), `${optional('TRAINING_DATA_DIR')}:${TRAINING_DATA_DIR}:ro`],
    depends_on: dependsOn({ [pushgateway.host]: 'service_healthy' }),
    healthcheck: healthcheck(`find ${stateDir} -name '*.json' -mmin -$(( 2 * PIPELINE_INTERVAL_SECONDS / 60 )) | grep -q .`, { startPeriod: '1h', interval: '5m' }),
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
      ELASTICSEARCH_PASSWORD: local('ELASTIC_PASSWORD'),
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
      [SECOND_REPLICA.host]: secondReplicaService(),
      [PIPELINE_SERVICE]: pipelineService(),
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
 * docker-compose.production.yml, merged over the main file by COMPOSE_FILE in .env: every credential
 * becomes required (Compose merges `environment` key by key), and the replicas train no synthetic
 * first model — the pipeline trains it on the real data.
 */
export function productionOverride() {
  const locals = new Map<string, string>(REQUIRED_VARIABLES.map(({ name }) => [local(name), required(name)]));
  const services: Record<string, { environment: Record<string, string> }> = {};
  for (const [name, service] of Object.entries(composeFile().services)) {
    const base: Record<string, string> = (service as { environment?: Record<string, string> }).environment ?? {};
    const environment: Record<string, string> = Object.fromEntries(Object.entries(base).flatMap(([key, value]) => (locals.has(value) ? [[key, locals.get(value)!]] : [])));
    if (BOOTSTRAP_SETTING in base) environment[BOOTSTRAP_SETTING] = 'false';
    if (Object.keys(environment).length > 0) services[name] = { environment };
  }
  return { services };
}

/**
 * The generated files, by path under deploy/compose/.
 *
 * @example Object.keys(generateCompose()) // ['docker-compose.yml', 'docker-compose.production.yml', '.env.example']
 */
export function generateCompose(): Record<string, string> {
  return {
    'docker-compose.yml': generatedYaml(composeFile(), [
      'Local try-out: `docker compose up -d` here, nothing to write first: local credentials (docs/stack.md), ports on 127.0.0.1,',
      'alerts in Alertmanager\'s UI until PAGERDUTY_ROUTING_KEY or SLACK_WEBHOOK_URL is set. Production: cp .env.example .env and fill it in.',
    ]),
    [PRODUCTION_FILE]: generatedYaml(productionOverride(), [
      'Production: merged over docker-compose.yml when .env (from .env.example) sets COMPOSE_FILE; every credential is required.',
    ]),
    '.env.example': envExample(),
  };
}
