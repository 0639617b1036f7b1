/**
 * How Prometheus finds the replicas in a cluster: Kubernetes service discovery on the endpoints
 * of the `modelwatch` Service, instead of prometheus.yml's static list and file_sd. Job name,
 * interval, path and the instance relabelling come from the Prometheus generator, so the recording
 * rules and alerts (`job="modelwatch"`) work unchanged.
 *
 * A second job finds `modelwatch gateway` instances by a label on their Service.
 *
 * It is a ConfigMap so that `kubectl apply -f deploy/kubernetes/` accepts the whole directory; its
 * one key is a file in the format of Prometheus's `scrape_config_files` (and its list is what
 * kube-prometheus-stack's `additionalScrapeConfigs` takes).
 */
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { stringify } from 'yaml';
import { gatewayJob, instanceRelabelling, modelwatchJob } from '../prometheus/generate.js';
import { NAMES, NAMESPACE, metadata } from './common.js';
import { HTTP_PORT_NAME } from './server.js';

/** The ConfigMap's key: the scrape file's name where Prometheus mounts it. */
export const SCRAPE_FILE = 'modelwatch-scrape.yml';

/**
 * The scrape job: every ready and not-ready address of the Service's `http` port (a replica
 * loading its model still answers /metrics), with the pod's name kept as `pod`.
 */
export function kubernetesScrapeConfig() {
  return {
    ...modelwatchJob(),
    kubernetes_sd_configs: [{ role: 'endpoints', namespaces: { names: [NAMESPACE] } }],
    relabel_configs: [
      { source_labels: ['__meta_kubernetes_service_label_app_kubernetes_io_name'], regex: NAMES.app, action: 'keep' },
      { source_labels: ['__meta_kubernetes_endpoint_port_name'], regex: HTTP_PORT_NAME, action: 'keep' },
      { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
      ...instanceRelabelling(),
    ],
  };
}

/**
 * The gateway scrape job: every address of a Service labelled `modelwatch.io/gateway: "true"`,
 * on its port named `http`, in any namespace (a gateway runs beside its model server, not in
 * modelwatch's namespace), under prometheus.yml's gateway job name, interval and path.
 */
export function kubernetesGatewayScrapeConfig() {
  return {
    ...gatewayJob(),
    kubernetes_sd_configs: [{ role: 'endpoints' }],
    relabel_configs: [
      { source_labels: ['__meta_kubernetes_service_label_modelwatch_io_gateway'], regex: 'true', action: 'keep' },
      { source_labels: ['__meta_kubernetes_endpoint_port_name'], regex: HTTP_PORT_NAME, action: 'keep' },
      { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
      { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
      ...instanceRelabelling(),
    ],
  };
}

/** The scrape file as a ConfigMap. */
export function prometheusScrapeConfigMap(): ConfigMap {
  return new ConfigMap({
    metadata: metadata(NAMES.prometheusScrape, 'server'),
    data: { [SCRAPE_FILE]: stringify({ scrape_configs: [kubernetesScrapeConfig(), kubernetesGatewayScrapeConfig()] }, { lineWidth: 0 }) },
  });
}
