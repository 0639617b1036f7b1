/**
 * The logs half of the Compose stack, the way Elastic runs it with security on: a one-shot step
 * makes a CA and Elasticsearch's certificate (TLS on HTTP and transport), Elasticsearch starts with
 * the `elastic` password from the environment, a second one-shot gives `kibana_system` its password,
 * then Kibana and Filebeat connect over HTTPS trusting that CA.
 */
import { CA_CERT_PATH, LOG_PATH } from '../filebeat/generate.js';
import { ELASTICSEARCH_URL, STACK_SERVICES } from '../services.js';
import { CA_FILE_NAME, IMAGES, VOLUMES, dependsOn, generatedFile, healthcheck, longRunning, oneShot, ports, shell, volume } from './common.js';
import { local, optional } from './variables.js';

/** Elasticsearch's home in its image; its settings resolve paths from config/ below it. */
const ES_HOME = '/usr/share/elasticsearch';
/** Where snapshots are written (`path.repo`); a named volume, so they outlive the container. */
export const SNAPSHOT_PATH = `${ES_HOME}/snapshots`;
/** Where the ca volume is mounted in the one-shots. */
const CA_DIR = '/ca';
/** The uid Elasticsearch runs as in its image. */
const ES_UID = 1000;

const esUrl = ELASTICSEARCH_URL;

/** Retries a command every 5 s for up to 10 minutes, then fails the one-shot with a message. */
function retry(command: string, what: string): string[] {
  return [
    'tries=0',
    `until ${command}; do`,
    `  tries=$((tries + 1)); [ "$tries" -lt 120 ] || { echo "gave up: ${what}" >&2; exit 1; }; sleep 5`,
    'done',
  ];
}

/**
 * One-shot: a CA and a certificate for `elasticsearch` (and localhost, for its health check) with
 * elasticsearch-certutil, kept in a named volume and made once; the CA certificate alone is copied
 * to the ca volume the clients mount. It also hands the snapshot volume to Elasticsearch's user
 * (Docker creates fresh volumes owned by root).
 */
export function certsService() {
  const certs = 'config/certs';
  const instances = `instances:\\n  - name: elasticsearch\\n    dns: [${STACK_SERVICES.elasticsearch.host}, localhost]\\n    ip: [127.0.0.1]\\n`;
  const script = [
    'set -eu',
    `if [ ! -f ${certs}/ca/ca.crt ]; then`,
    `  bin/elasticsearch-certutil ca --silent --pem --out ${certs}/ca.zip`,
    `  unzip -q -o ${certs}/ca.zip -d ${certs}`,
    'fi',
    `if [ ! -f ${certs}/elasticsearch/elasticsearch.crt ]; then`,
    `  printf '${instances}' > ${certs}/instances.yml`,
    `  bin/elasticsearch-certutil cert --silent --pem --in ${certs}/instances.yml --ca-cert ${certs}/ca/ca.crt --ca-key ${certs}/ca/ca.key --out ${certs}/certs.zip`,
    `  unzip -q -o ${certs}/certs.zip -d ${certs}`,
    'fi',
    // Elasticsearch runs as uid 1000, gid 0: group-readable keys, nobody else.
    `chown -R root:root ${certs}`,
    `find ${certs} -type d -exec chmod 750 {} +`,
    `find ${certs} -type f -exec chmod 640 {} +`,
    `chown ${ES_UID}:0 ${SNAPSHOT_PATH}`,
    `install -m 644 ${certs}/ca/ca.crt ${CA_DIR}/${CA_FILE_NAME}`,
    'echo "certificates ready"',
  ];
  return {
    image: IMAGES.elasticsearch,
    user: '0',
    command: ['bash', '-c', shell(script)],
    volumes: [volume(VOLUMES.certs, `${ES_HOME}/${certs}`), volume(VOLUMES.ca, CA_DIR), volume(VOLUMES.snapshots, SNAPSHOT_PATH)],
    ...oneShot(),
  };
}

/** Elasticsearch, one node, security on: TLS on HTTP and transport, `elastic`'s password from ELASTIC_PASSWORD. */
export function elasticsearchService() {
  const tls = (layer: 'http' | 'transport') => ({
    [`xpack.security.${layer}.ssl.enabled`]: 'true',
    [`xpack.security.${layer}.ssl.key`]: 'certs/elasticsearch/elasticsearch.key',
    [`xpack.security.${layer}.ssl.certificate`]: 'certs/elasticsearch/elasticsearch.crt',
    [`xpack.security.${layer}.ssl.certificate_authorities`]: 'certs/ca/ca.crt',
  });
  return {
    image: IMAGES.elasticsearch,
    environment: {
      'node.name': STACK_SERVICES.elasticsearch.host,
      'cluster.name': 'modelwatch',
      'discovery.type': 'single-node',
      ELASTIC_PASSWORD: local('ELASTIC_PASSWORD'),
      'xpack.security.enabled': 'true',
      ...tls('http'),
      ...tls('transport'),
      'xpack.security.transport.ssl.verification_mode': 'certificate',
      'xpack.license.self_generated.type': 'basic',
      'path.repo': SNAPSHOT_PATH,
      ES_JAVA_OPTS: optional('ES_JAVA_OPTS'),
    },
    volumes: [volume(VOLUMES.elasticsearch, `${ES_HOME}/data`), volume(VOLUMES.snapshots, SNAPSHOT_PATH), volume(VOLUMES.certs, `${ES_HOME}/config/certs`, true)],
    ulimits: { nofile: { soft: 65536, hard: 65536 } },
    depends_on: dependsOn({ certs: 'service_completed_successfully' }),
    ...ports(STACK_SERVICES.elasticsearch),
    healthcheck: healthcheck(
      `curl -fsS --cacert config/certs/ca/ca.crt -u "elastic:$ELASTIC_PASSWORD" "https://localhost:${STACK_SERVICES.elasticsearch.port}/_cluster/health?wait_for_status=yellow&timeout=5s" >/dev/null`,
      { startPeriod: '60s', retries: 10 },
    ),
    ...longRunning(),
  };
}

/**
 * One-shot: gives `kibana_system` (the user Kibana connects as) the password KIBANA_PASSWORD. The
 * built-in user's password can only be set through the API of a running cluster, hence its own
 * step between Elasticsearch and Kibana; setting it again on each `up` is harmless.
 */
export function kibanaPasswordService() {
  const body = '{"password":"\'"$KIBANA_PASSWORD"\'"}';
  const script = [
    'set -eu',
    ...retry(
      `curl -fsS -X POST --cacert ${CA_DIR}/${CA_FILE_NAME} -u "elastic:$ELASTIC_PASSWORD" -H 'Content-Type: application/json' ${esUrl}/_security/user/kibana_system/_password -d '${body}' >/dev/null`,
      'could not set the kibana_system password (is ELASTIC_PASSWORD the one the data volume was created with?)',
    ),
    'echo "kibana_system password set"',
  ];
  return {
    image: IMAGES.elasticsearch,
    command: ['bash', '-c', shell(script)],
    environment: { ELASTIC_PASSWORD: local('ELASTIC_PASSWORD'), KIBANA_PASSWORD: local('KIBANA_PASSWORD') },
    volumes: [volume(VOLUMES.ca, CA_DIR, true)],
    depends_on: dependsOn({ elasticsearch: 'service_healthy' }),
    ...oneShot(),
  };
}

/**
 * Kibana as `kibana_system`, trusting the stack's CA. Its health check accepts 401: with security
 * on, an anonymous /api/status is refused once Kibana is up, and answered 503 until then.
 */
export function kibanaService() {
  const { kibana } = STACK_SERVICES;
  const key = local('KIBANA_ENCRYPTION_KEY');
  return {
    image: IMAGES.kibana,
    environment: {
      SERVERNAME: kibana.host,
      ELASTICSEARCH_HOSTS: esUrl,
      ELASTICSEARCH_USERNAME: 'kibana_system',
      ELASTICSEARCH_PASSWORD: local('KIBANA_PASSWORD'),
      ELASTICSEARCH_SSL_CERTIFICATEAUTHORITIES: `config/certs/ca/${CA_FILE_NAME}`,
      // Rules and connectors are encrypted saved objects: without a stable key Kibana cannot create them.
      XPACK_ENCRYPTEDSAVEDOBJECTS_ENCRYPTIONKEY: key,
      XPACK_SECURITY_ENCRYPTIONKEY: key,
      XPACK_REPORTING_ENCRYPTIONKEY: key,
    },
    volumes: [volume(VOLUMES.kibana, '/usr/share/kibana/data'), volume(VOLUMES.ca, '/usr/share/kibana/config/certs/ca', true)],
    depends_on: dependsOn({ elasticsearch: 'service_healthy', 'kibana-password': 'service_completed_successfully' }),
    ...ports(kibana),
    healthcheck: healthcheck(`curl -s -o /dev/null -w '%{http_code}' http://localhost:${kibana.port}/api/status | grep -qE '^(200|401)$'`, { startPeriod: '120s', retries: 10 }),
    ...longRunning(),
  };
}

/**
 * Filebeat ships the service's log volume (read-only) to Elasticsearch. It starts after the setup
 * container installed modelwatch's ILM policy, index template and write alias: Filebeat writes to
 * the alias, so a line shipped earlier would create a plain index of that name, with guessed
 * mappings and no lifecycle, and setup would then refuse to put the alias in its place. `--strict.perms=false`
 * because the bind-mounted filebeat.yml belongs to the host's user, not root. Its HTTP endpoint
 * (loopback only) is its health check.
 */
export function filebeatService(logDir: string) {
  const { filebeat } = STACK_SERVICES;
  const caDir = CA_CERT_PATH.slice(0, CA_CERT_PATH.lastIndexOf('/'));
  return {
    image: IMAGES.filebeat,
    command: ['filebeat', '-e', '--strict.perms=false', '-E', 'http.enabled=true', '-E', 'http.host=localhost', '-E', `http.port=${filebeat.port}`],
    environment: { ELASTICSEARCH_URL: esUrl, ELASTICSEARCH_USERNAME: 'elastic', ELASTICSEARCH_PASSWORD: local('ELASTIC_PASSWORD') },
    volumes: [
      generatedFile('filebeat/filebeat.yml', '/usr/share/filebeat/filebeat.yml'),
      volume(VOLUMES.logs, logDir, true),
      volume(VOLUMES.ca, caDir, true),
      volume(VOLUMES.filebeat, '/usr/share/filebeat/data'),
    ],
    depends_on: dependsOn({ elasticsearch: 'service_healthy', setup: 'service_completed_successfully' }),
    healthcheck: healthcheck(`curl -fsS http://localhost:${filebeat.port}/ >/dev/null`),
    ...longRunning(),
  };
}

/** Filebeat reads `LOG_PATH`; the service writes into the same directory. */
export const LOG_DIR = LOG_PATH.slice(0, LOG_PATH.lastIndexOf('/'));
