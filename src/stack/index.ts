/**
 * The monitoring stack as code: every file under deploy/ that the catalogue generates, by its path
 * under deploy/.
 */
import { generateAirflow } from './airflow/generate.js';
import { generateAlertmanager } from './alertmanager/generate.js';
import { generateCompose } from './compose/generate.js';
import { generateElasticsearch } from './elasticsearch/generate.js';
import { generateFilebeat } from './filebeat/generate.js';
import { generateGrafana } from './grafana/generate.js';
import { generateKibana } from './kibana/generate.js';
import { generateKubernetes } from './kubernetes/generate.js';
import { generatePrometheus } from './prometheus/generate.js';

/**
 * Every generated file, keyed by its path under deploy/.
 *
 * @example Object.keys(generateStack()) // ['prometheus/prometheus.yml', …]
 */
export function generateStack(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [path, text] of Object.entries(generatePrometheus())) files[`prometheus/${path}`] = text;
  for (const [path, text] of Object.entries(generateAlertmanager())) files[`alertmanager/${path}`] = text;
  for (const [path, text] of Object.entries(generateElasticsearch())) files[`elasticsearch/${path}`] = text;
  for (const [path, text] of Object.entries(generateFilebeat())) files[`filebeat/${path}`] = text;
  for (const [path, text] of Object.entries(generateGrafana())) files[`grafana/${path}`] = text;
  for (const [path, text] of Object.entries(generateCompose())) files[`compose/${path}`] = text;
  for (const [path, text] of Object.entries(generateKibana())) files[`kibana/${path}`] = text;
  for (const [path, text] of Object.entries(generateKubernetes())) files[`kubernetes/${path}`] = text;
  for (const [path, text] of Object.entries(generateAirflow())) files[`airflow/${path}`] = text;
  return files;
}
