/**
 * Kubernetes manifests for many replicas (deploy/kubernetes/): the service's Deployment, Service,
 * PodDisruptionBudget, settings and shared model registry, the pipeline's daily CronJob, the
 * Filebeat DaemonSet that ships both's logs, and the Prometheus scrape configuration that finds the replicas. Objects are built with
 * kubernetes-models, so the compiler checks every field name and test/stack-kubernetes.test.ts
 * validates every object against Kubernetes' OpenAPI schema.
 */
import { generatedYamlDocuments } from '../generated-file.js';
import { filebeatConfigMap, filebeatDaemonSet } from './filebeat.js';
import { pipelineCronJob, trainingDataClaim } from './pipeline.js';
import { prometheusScrapeConfigMap } from './prometheus.js';
import { configMap, deployment, disruptionBudget, modelsClaim, namespace, service } from './server.js';

/** A kubernetes-models object: what the generator writes and the test validates. */
export interface KubernetesObject {
  readonly kind: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
  toJSON(): unknown;
  /** Throws when the object does not match Kubernetes' OpenAPI schema. */
  validate(): void;
}

/** A generated file: its objects, in apply order, and what its header says. */
interface ManifestFile {
  readonly objects: readonly KubernetesObject[];
  readonly comments: readonly string[];
}

/**
 * Every manifest file's objects, by path under deploy/kubernetes/.
 *
 * @example kubernetesManifests()['namespace.yaml'].objects[0].kind // 'Namespace'
 */
export function kubernetesManifests(): Record<string, ManifestFile> {
  return {
    'namespace.yaml': { objects: [namespace()], comments: ['Apply first: kubectl apply -f namespace.yaml, then kubectl apply -f . (docs/stack.md, "Kubernetes").'] },
    'modelwatch.yaml': {
      objects: [configMap(), modelsClaim(), deployment(), service(), disruptionBudget()],
      comments: [
        'The service: settings, the shared model registry (ReadWriteMany), replicas, Service and disruption budget.',
        'ADMIN_TOKEN is read from the Secret modelwatch-admin (key token) when it exists; no secret value is in this file.',
      ],
    },
    'pipeline-cronjob.yaml': {
      objects: [trainingDataClaim(), pipelineCronJob()],
      comments: ['The training pipeline, daily: `modelwatch pipeline run` on the training data volume, promoting into the shared registry.'],
    },
    'filebeat.yaml': {
      objects: [filebeatConfigMap(), filebeatDaemonSet()],
      comments: [
        'Log shipping: a Filebeat on every node ships the ECS lines the replicas write to stdout and the pipeline to stderr.',
        'It reads the Secret modelwatch-elasticsearch (keys password and ca.crt), which the operator creates; no secret value is in this file.',
      ],
    },
    'prometheus-scrape.yaml': {
      objects: [prometheusScrapeConfigMap()],
      comments: ["Prometheus's scrape job for the replicas (Kubernetes endpoints discovery); mount it where scrape_config_files points, or copy its list into your Prometheus's configuration."],
    },
  };
}

/**
 * The generated files, by path under deploy/kubernetes/.
 *
 * @example Object.keys(generateKubernetes()) // ['namespace.yaml', 'modelwatch.yaml', …]
 */
export function generateKubernetes(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(kubernetesManifests()).map(([path, { objects, comments }]) => [path, generatedYamlDocuments(objects.map((o) => o.toJSON()), comments)]),
  );
}
