/**
 * What the service's Deployment and the pipeline's CronJob share: the namespace, the labels, the
 * settings ConfigMap, the model registry's volume and the locked-down pod and container security.
 * Both run the same image against the same registry, so the registry path, the user and the
 * settings come from one place. Every helper returns a fresh object: the YAML writer would turn a
 * shared one into an anchor and alias, which is valid YAML but unreadable in a manifest.
 */
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { SettingName } from '../../config.js';
import { MODELWATCH_IMAGE } from '../modelwatch-image.js';
import { STACK_SERVICES, serviceUrl } from '../services.js';

/** The namespace every object lives in. */
export const NAMESPACE = 'modelwatch';

/** Object names, referenced across files. */
export const NAMES = {
  app: 'modelwatch',
  config: 'modelwatch-config',
  /** The shared model registry. */
  modelsClaim: 'modelwatch-models',
  /** The labelled CSV the pipeline trains on. */
  trainingDataClaim: 'modelwatch-training-data',
  /** The Secret the operator creates (the manifests only reference it). */
  adminSecret: 'modelwatch-admin',
  pipeline: 'modelwatch-pipeline',
  prometheusScrape: 'modelwatch-prometheus-scrape',
  /** The log shipper: DaemonSet and its configuration. */
  filebeat: 'modelwatch-filebeat',
  /** The Secret the operator creates for Filebeat: keys `password` (the `elastic` user's) and `ca.crt`. */
  elasticsearchSecret: 'modelwatch-elasticsearch',
} as const;

/** Which program a pod runs: the long-running service, the daily pipeline or the log shipper. */
export type Component = 'server' | 'pipeline' | 'logs';

/**
 * The labels of an object or pod. `component` keeps the pipeline's pods out of the Service and
 * the PodDisruptionBudget, which select the server's by both labels.
 *
 * @example labels('server') // { 'app.kubernetes.io/name': 'modelwatch', 'app.kubernetes.io/component': 'server', … }
 */
export function labels(component: Component): Record<string, string> {
  return { ...selector(component), 'app.kubernetes.io/part-of': NAMES.app };
}

/** The labels a Service, Deployment or PodDisruptionBudget selects pods by. */
export function selector(component: Component): Record<string, string> {
  return { 'app.kubernetes.io/name': NAMES.app, 'app.kubernetes.io/component': component };
}

/** Metadata of a namespaced object. */
export function metadata(name: string, component: Component) {
  return { name, namespace: NAMESPACE, labels: labels(component) };
}

/**
 * The non-secret settings both workloads read (envFrom), typed by setting name so that only real
 * settings of src/config.ts can be listed. MODEL_DIR is the image's own, where the registry's
 * volume is mounted; PUSHGATEWAY_URL assumes a Pushgateway Service of that name in this namespace
 * (docs/stack.md says how to point it elsewhere).
 */
export function settings(): Partial<Record<SettingName, string>> {
  return {
    PORT: String(STACK_SERVICES.modelwatch.port),
    MODEL_DIR: MODELWATCH_IMAGE.modelDir,
    // Every replica switches to a version the pipeline promotes within MODEL_WATCH_INTERVAL_SECONDS.
    MODEL_WATCH: 'true',
    PUSHGATEWAY_URL: serviceUrl(STACK_SERVICES.pushgateway),
    LOG_LEVEL: 'info',
  };
}

/** Where a pod's writable scratch space is mounted: the root file system is read-only. */
const TMP_DIR = '/tmp';

/** The registry volume and a scratch /tmp, for a pod spec's `volumes`. */
export function sharedVolumes(): NonNullable<IPodSpec['volumes']> {
  return [
    { name: 'models', persistentVolumeClaim: { claimName: NAMES.modelsClaim } },
    { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
  ];
}

/** The mounts of {@link sharedVolumes}: the registry at MODEL_DIR, scratch at /tmp. */
export function sharedMounts(): NonNullable<IContainer['volumeMounts']> {
  return [
    { name: 'models', mountPath: MODELWATCH_IMAGE.modelDir },
    { name: 'tmp', mountPath: TMP_DIR },
  ];
}

/**
 * The pod-level part shared by both workloads: the image's unprivileged user by number, fsGroup so
 * a fresh volume is writable by it, the runtime's default seccomp profile, and no API token (the
 * service never calls the Kubernetes API).
 */
export function podBasics(): Pick<IPodSpec, 'securityContext' | 'automountServiceAccountToken' | 'enableServiceLinks'> {
  const { uid } = MODELWATCH_IMAGE;
  return {
    securityContext: {
      runAsNonRoot: true,
      runAsUser: uid,
      runAsGroup: uid,
      fsGroup: uid,
      // Re-owning a large registry on every start would slow it; only a fresh volume needs it.
      fsGroupChangePolicy: 'OnRootMismatch',
      seccompProfile: { type: 'RuntimeDefault' },
    },
    automountServiceAccountToken: false,
    // Service links inject <NAME>_PORT variables; a Service named "modelwatch" would set
    // MODELWATCH_PORT and similar into the environment for no use.
    enableServiceLinks: false,
  };
}

/**
 * The container-level part shared by both workloads: the image, the settings, and a container
 * that cannot gain privileges or write outside its volumes.
 */
export function containerBasics(): Pick<IContainer, 'image' | 'imagePullPolicy' | 'envFrom' | 'securityContext'> {
  return {
    image: MODELWATCH_IMAGE.name,
    imagePullPolicy: 'IfNotPresent',
    envFrom: [{ configMapRef: { name: NAMES.config } }],
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
  };
}
