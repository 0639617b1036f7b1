/**
 * Grafana: provisioned data sources (Prometheus, and Elasticsearch for the logs), a dashboard
 * provider, the dashboards, and the two Grafana-managed alerts of "ML Pipeline Production"
 * (alerting.ts). The admin password
 * is never in these files: Grafana reads GF_SECURITY_ADMIN_PASSWORD from the environment, and the
 * Elasticsearch password comes from ELASTICSEARCH_PASSWORD the same way.
 */
import { generatedYaml } from '../generated-file.js';
import { INDEX_PATTERN } from '../elasticsearch/generate.js';
import { serviceUrl, STACK_SERVICES } from '../services.js';
import { GRAFANA_ALERT_FOLDER, grafanaAlerting } from './alerting.js';
import { DASHBOARDS, dashboardJson } from './dashboards.js';

/**
 * The generated files, by path under deploy/grafana/.
 *
 * @example Object.keys(generateGrafana())
 */
export function generateGrafana(): Record<string, string> {
  const datasources = {
    apiVersion: 1,
    datasources: [
      { name: 'Prometheus', uid: 'prometheus', type: 'prometheus', access: 'proxy', url: serviceUrl(STACK_SERVICES.prometheus), isDefault: true, jsonData: { timeInterval: '15s' } },
      {
        name: 'Elasticsearch',
        uid: 'elasticsearch',
        type: 'elasticsearch',
        access: 'proxy',
        url: '${ELASTICSEARCH_URL}',
        basicAuth: true,
        basicAuthUser: '${ELASTICSEARCH_USERNAME}',
        secureJsonData: { basicAuthPassword: '${ELASTICSEARCH_PASSWORD}' },
        jsonData: { index: INDEX_PATTERN, timeField: '@timestamp', logMessageField: 'message', logLevelField: 'log.level' },
      },
    ],
  };
  const providers = {
    apiVersion: 1,
    providers: [{ name: 'modelwatch', folder: GRAFANA_ALERT_FOLDER, type: 'file', disableDeletion: true, options: { path: '/var/lib/grafana/dashboards' } }],
  };
  const files: Record<string, string> = {
    'provisioning/datasources/datasources.yml': generatedYaml(datasources),
    'provisioning/dashboards/modelwatch.yml': generatedYaml(providers),
    'provisioning/alerting/modelwatch.yml': generatedYaml(grafanaAlerting(), ['Grafana-managed alerts on the panels of "ML Pipeline Production", delivered to the stack\'s Alertmanager.']),
  };
  for (const spec of DASHBOARDS) files[`dashboards/${spec.uid}.json`] = `${JSON.stringify(dashboardJson(spec), null, 2)}\n`;
  return files;
}
