/**
 * Filebeat: ships the service's NDJSON log (LOG_FILE) to Elasticsearch, one index a day
 * (ml-pipeline-YYYY.MM.DD). Lines are ECS JSON already, so they are decoded at the root as they
 * are; the index template and ILM policy are modelwatch's own (deploy/elasticsearch/), so Filebeat's
 * are switched off.
 */
import { generatedYaml } from '../generated-file.js';
import { ILM_POLICY, INDEX_PATTERN } from '../elasticsearch/generate.js';

/** Where the service's log is mounted in the Filebeat container. */
export const LOG_PATH = '/var/log/modelwatch/*.ndjson';
/** Where the CA that signed Elasticsearch's certificate is mounted in the Filebeat container. */
export const CA_CERT_PATH = '/usr/share/filebeat/certs/ca/ca.crt';
/** The daily index, matching the template's pattern. */
export const DAILY_INDEX = `${INDEX_PATTERN.replace('*', '')}%{+yyyy.MM.dd}`;


/**
 * The generated files, by path under deploy/filebeat/.
 *
 * @example generateFilebeat()['filebeat.yml']
 */
export function generateFilebeat(): Record<string, string> {
  const config = {
    'filebeat.inputs': [
      {
        type: 'filestream',
        id: 'modelwatch',
        paths: [LOG_PATH],
        parsers: [{ ndjson: { target: '', overwrite_keys: true, add_error_key: true, expand_keys: true } }],
      },
    ],
    'output.elasticsearch': {
      hosts: ['${ELASTICSEARCH_URL:https://elasticsearch:9200}'],
      username: '${ELASTICSEARCH_USERNAME:elastic}',
      password: '${ELASTICSEARCH_PASSWORD}',
      'ssl.certificate_authorities': [CA_CERT_PATH],
      index: DAILY_INDEX,
    },
    // modelwatch installs its own template and ILM policy (`modelwatch setup elasticsearch`).
    'setup.template.enabled': false,
    'setup.ilm.enabled': false,
    processors: [{ add_host_metadata: { when: { not: { has_fields: ['host.hostname'] } } } }],
  };
  return { 'filebeat.yml': generatedYaml(config, [`A new index each day; the ILM policy "${ILM_POLICY}" deletes them after 30 days.`]) };
}
