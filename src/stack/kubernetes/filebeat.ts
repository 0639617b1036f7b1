/**
 * Log shipping in a cluster: a Filebeat DaemonSet reads the container logs of this namespace's pods
 * on every node — the service's replicas, which write their ECS lines to stdout, and the pipeline's
 * Job pods, which write theirs to stderr (the container parser reads both streams) — and ships them to Elasticsearch like the Compose stack's Filebeat. A DaemonSet
 * rather than a sidecar: a Job's pod would never complete while a sidecar runs, and a node's
 * container logs outlive a pod that finished or crashed before a sidecar could read them.
 *
 * The kubelet keeps each container's log as `/var/log/containers/<pod>_<namespace>_<container>-<id>.log`,
 * a link into /var/log/pods/, so both directories are mounted (read-only) and the glob selects this
 * namespace by name. Lines that are not modelwatch's ECS lines (a run's closing summary, a crash
 * trace) carry no `event.dataset` and are dropped.
 */
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { stringify } from 'yaml';
import { IMAGES } from '../compose/common.js';
import { CA_CERT_PATH, FILEBEAT_COMMENT, filebeatConfig, ndjsonParser } from '../filebeat/generate.js';
import { ELASTICSEARCH_URL } from '../services.js';
import { NAMES, NAMESPACE, labels, metadata, selector } from './common.js';

/** Where the kubelet links every container's log. */
export const CONTAINER_LOG_DIR = '/var/log/containers';
/** Where those links point. */
export const POD_LOG_DIR = '/var/log/pods';
/** The container logs of this namespace's pods. */
export const CONTAINER_LOG_GLOB = `${CONTAINER_LOG_DIR}/*_${NAMESPACE}_*.log`;
/** Where the configuration is mounted in the Filebeat container. */
export const FILEBEAT_CONFIG_DIR = '/etc/filebeat';
/** The ConfigMap key holding the configuration. */
export const FILEBEAT_CONFIG_KEY = 'filebeat.yml';
/** The Filebeat container's name (its log file name contains it). */
export const FILEBEAT_CONTAINER = 'filebeat';
/** Filebeat's registry (what it has read) on the node, so a restarted pod does not ship lines twice. */
const DATA_DIR = '/usr/share/filebeat/data';

/** The configuration: this namespace's container logs, ECS lines only. */
export function kubernetesFilebeatConfig() {
  return filebeatConfig(
    [
      {
        type: 'filestream',
        id: 'modelwatch-containers',
        paths: [CONTAINER_LOG_GLOB],
        // The runtime's framing first (CRI or Docker JSON), then the ECS line inside it.
        parsers: [{ container: { stream: 'all', format: 'auto' } }, ndjsonParser()],
        // Filebeat's own container is in this namespace too: its lines are not shipped.
        prospector: { scanner: { symlinks: true, exclude_files: [`_${NAMESPACE}_${FILEBEAT_CONTAINER}-[0-9a-f]+\\.log$`] } },
      },
    ],
    [{ drop_event: { when: { not: { has_fields: ['event.dataset'] } } } }],
  );
}

/** The configuration as a ConfigMap. */
export function filebeatConfigMap(): ConfigMap {
  return new ConfigMap({
    metadata: metadata(NAMES.filebeat, 'logs'),
    data: { [FILEBEAT_CONFIG_KEY]: `# ${FILEBEAT_COMMENT}\n${stringify(kubernetesFilebeatConfig(), { lineWidth: 0 })}` },
  });
}

/**
 * One Filebeat per node. It runs as root (uid 0) because the container logs belong to root, but
 * with every capability dropped, no privilege escalation and a read-only root file system; the
 * `elastic` password and the CA come from the Secret the operator creates (docs/stack.md).
 */
export function filebeatDaemonSet(): DaemonSet {
  const caDir = CA_CERT_PATH.slice(0, CA_CERT_PATH.lastIndexOf('/'));
  const caFile = CA_CERT_PATH.slice(CA_CERT_PATH.lastIndexOf('/') + 1);
  return new DaemonSet({
    metadata: metadata(NAMES.filebeat, 'logs'),
    spec: {
      selector: { matchLabels: selector('logs') },
      template: {
        metadata: { labels: labels('logs') },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: { runAsUser: 0, runAsGroup: 0, seccompProfile: { type: 'RuntimeDefault' } },
          terminationGracePeriodSeconds: 30,
          containers: [
            {
              name: FILEBEAT_CONTAINER,
              image: IMAGES.filebeat,
              imagePullPolicy: 'IfNotPresent',
              args: ['-e', '--strict.perms=false', '-c', `${FILEBEAT_CONFIG_DIR}/${FILEBEAT_CONFIG_KEY}`, '--path.data', DATA_DIR],
              env: [
                { name: 'ELASTICSEARCH_URL', value: ELASTICSEARCH_URL },
                { name: 'ELASTICSEARCH_USERNAME', value: 'elastic' },
                { name: 'ELASTICSEARCH_PASSWORD', valueFrom: { secretKeyRef: { name: NAMES.elasticsearchSecret, key: 'password' } } },
              ],
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              resources: { requests: { cpu: '50m', memory: '100Mi' }, limits: { cpu: '500m', memory: '300Mi' } },
              volumeMounts: [
                { name: 'config', mountPath: FILEBEAT_CONFIG_DIR, readOnly: true },
                { name: 'container-logs', mountPath: CONTAINER_LOG_DIR, readOnly: true },
                { name: 'pod-logs', mountPath: POD_LOG_DIR, readOnly: true },
                { name: 'ca', mountPath: caDir, readOnly: true },
                { name: 'data', mountPath: DATA_DIR },
              ],
            },
          ],
          volumes: [
            { name: 'config', configMap: { name: NAMES.filebeat } },
            { name: 'container-logs', hostPath: { path: CONTAINER_LOG_DIR, type: 'Directory' } },
            { name: 'pod-logs', hostPath: { path: POD_LOG_DIR, type: 'Directory' } },
            { name: 'ca', secret: { secretName: NAMES.elasticsearchSecret, items: [{ key: caFile, path: caFile }] } },
            { name: 'data', hostPath: { path: `/var/lib/${NAMES.filebeat}`, type: 'DirectoryOrCreate' } },
          ],
        },
      },
    },
  });
}
