/**
 * Filebeat: ships the service's NDJSON log (LOG_FILE) and the training pipeline's (--log-file) to
 * Elasticsearch through the write alias `ml-pipeline`, behind which ILM rolls over to a new index each day (ml-pipeline-YYYY.MM.DD-NNNNNN).
 * Lines are ECS JSON already, so they are decoded at the root as they are; the index template, ILM
 * policy and alias are modelwatch's own (`modelwatch setup elasticsearch`), so Filebeat's are
 * switched off.
 */
import { generatedYaml } from '../generated-file.js';
import { ILM_POLICY, RETENTION, WRITE_ALIAS } from '../elasticsearch/generate.js';
import { ELASTICSEARCH_URL } from '../services.js';

/** The shared log directory: the service and the pipeline write into it, Filebeat reads it. */
export const LOG_DIR = '/var/log/modelwatch';
/** What Filebeat reads there: every NDJSON file (the service's audit log, the pipeline's log). */
export const LOG_PATH = `${LOG_DIR}/*.ndjson`;
/** The training pipeline's log in that directory (`--log-file` of its steps). */
export const PIPELINE_LOG_FILE = `${LOG_DIR}/pipeline.ndjson`;
/** Where the CA that signed Elasticsearch's certificate is mounted in the Filebeat container. */
export const CA_CERT_PATH = '/usr/share/filebeat/certs/ca/ca.crt';
/**
 * Where Filebeat writes: the alias, never a dated name, so ILM (not Filebeat's clock) decides when a
 * new index starts. The alias must exist before the first line, or Elasticsearch would create a
 * plain index of that name in its place: Compose starts Filebeat after the setup container.
 */
export const FILEBEAT_INDEX = WRITE_ALIAS;

/** How every input decodes a line: ECS JSON, its fields at the root as they are. */
export function ndjsonParser() {
  return { ndjson: { target: '', overwrite_keys: true, add_error_key: true, expand_keys: true } };
}

/**
 * A Filebeat configuration for these inputs: output to the write alias over HTTPS with the stack's
 * CA, Filebeat's own template and ILM off (modelwatch installs its own), and these processors.
 */
export function filebeatConfig(inputs: readonly object[], processors: readonly object[] = []) {
  return {
    'filebeat.inputs': inputs,
    'output.elasticsearch': {
      // ${ELASTICSEARCH_URL:...}: Filebeat's own variable expansion, with the stack's address as default.
      hosts: [`\${ELASTICSEARCH_URL:${ELASTICSEARCH_URL}}`],
      username: '${ELASTICSEARCH_USERNAME:elastic}',
      password: '${ELASTICSEARCH_PASSWORD}',
      'ssl.certificate_authorities': [CA_CERT_PATH],
      index: FILEBEAT_INDEX,
    },
    // modelwatch installs its own template, ILM policy and alias (`modelwatch setup elasticsearch`).
    'setup.template.enabled': false,
    'setup.ilm.enabled': false,
    processors: [...processors, { add_host_metadata: { when: { not: { has_fields: ['host.hostname'] } } } }],
  };
}

/** The header comment of a generated Filebeat configuration. */
export const FILEBEAT_COMMENT = `Writes to the alias "${WRITE_ALIAS}"; the ILM policy "${ILM_POLICY}" rolls it over to a new index each day and deletes each index ${RETENTION} after rollover.`;

/**
 * The generated files, by path under deploy/filebeat/: the Compose stack's Filebeat, reading the
 * log files the service's replicas and the pipeline write into the shared log volume.
 *
 * @example generateFilebeat()['filebeat.yml']
 */
export function generateFilebeat(): Record<string, string> {
  const config = filebeatConfig([{ type: 'filestream', id: 'modelwatch', paths: [LOG_PATH], parsers: [ndjsonParser()] }]);
  return { 'filebeat.yml': generatedYaml(config, [FILEBEAT_COMMENT]) };
}
