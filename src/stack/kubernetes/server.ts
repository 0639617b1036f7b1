/**
 * The prediction service in a cluster: replicas behind one Service, all serving from one model
 * registry on a ReadWriteMany volume. The pipeline promotes a version by moving the registry's
 * CURRENT pointer; each replica watches it (MODEL_WATCH) and switches on its own, so a promotion
 * needs no rollout.
 */
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Service } from 'kubernetes-models/v1/Service';
import { STACK_SERVICES } from '../services.js';
import { NAMES, NAMESPACE, containerBasics, metadata, podBasics, selector, settings, sharedMounts, sharedVolumes } from './common.js';

/** Replicas of the service; the PodDisruptionBudget keeps at least one while nodes are drained. */
export const REPLICAS = 2;

/** The container port's name: the Service, the probes and Prometheus's discovery refer to it. */
export const HTTP_PORT_NAME = 'http';

/** The routes the kubelet probes (src/server/plugins/health.ts). */
export const PROBE_PATHS = {
  /** Answers 200 once the process listens: a failing liveness probe restarts the container. */
  health: '/health',
  /** 503 until a model is loaded: only ready replicas receive traffic. */
  ready: '/ready',
} as const;

/** The namespace, first in the apply order. */
export function namespace(): Namespace {
  return new Namespace({ metadata: { name: NAMESPACE, labels: { 'app.kubernetes.io/part-of': NAMES.app } } });
}

/** The settings both workloads read as environment variables (nothing secret). */
export function configMap(): ConfigMap {
  return new ConfigMap({ metadata: metadata(NAMES.config, 'server'), data: settings() as Record<string, string> });
}

/**
 * The model registry, shared by every replica and the pipeline. ReadWriteMany because pods on
 * different nodes mount it at once (the pipeline writes, the replicas read); a ReadWriteOnce
 * volume would pin them all to one node. The storage class is the cluster's default, which must
 * offer ReadWriteMany (NFS, CephFS, EFS, Azure Files, Filestore, …).
 */
export function modelsClaim(): PersistentVolumeClaim {
  return new PersistentVolumeClaim({
    metadata: metadata(NAMES.modelsClaim, 'server'),
    spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '1Gi' } } },
  });
}

/**
 * The service's pods. A replica trains no model of its own (no BOOTSTRAP_MODEL): with an empty
 * registry it listens, answers /health and stays unready until the pipeline promotes a version.
 * The startup probe still allows five minutes before liveness takes over, for a large model's load.
 */
export function deployment(): Deployment {
  const httpGet = (path: string) => ({ path, port: HTTP_PORT_NAME });
  return new Deployment({
    metadata: metadata(NAMES.app, 'server'),
    spec: {
      replicas: REPLICAS,
      selector: { matchLabels: selector('server') },
      // Never below the desired count while rolling: a new pod must be ready before an old one goes.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: metadata(NAMES.app, 'server').labels },
        spec: {
          ...podBasics(),
          // Longer than SHUTDOWN_TIMEOUT_SECONDS (10) plus the preStop pause.
          terminationGracePeriodSeconds: 30,
          topologySpreadConstraints: [
            { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector('server') } },
          ],
          containers: [
            {
              name: NAMES.app,
              ...containerBasics(),
              args: ['serve'],
              env: [
                // Optional: without the Secret POST /admin/reload answers 404, and hot reload still works.
                { name: 'ADMIN_TOKEN', valueFrom: { secretKeyRef: { name: NAMES.adminSecret, key: 'token', optional: true } } },
              ],
              ports: [{ name: HTTP_PORT_NAME, containerPort: STACK_SERVICES.modelwatch.port, protocol: 'TCP' }],
              startupProbe: { httpGet: httpGet(PROBE_PATHS.health), periodSeconds: 10, failureThreshold: 30, timeoutSeconds: 5 },
              readinessProbe: { httpGet: httpGet(PROBE_PATHS.ready), periodSeconds: 5, failureThreshold: 3, timeoutSeconds: 5 },
              livenessProbe: { httpGet: httpGet(PROBE_PATHS.health), periodSeconds: 15, failureThreshold: 4, timeoutSeconds: 5 },
              // Endpoints are removed asynchronously: keep serving a few seconds after SIGTERM is due,
              // so requests already routed here are not refused (`sleep` is in the Debian image).
              lifecycle: { preStop: { exec: { command: ['sleep', '5'] } } },
              // Measured: ~90 MB RSS idle, ~135 MB under load, ~220 MB while training on 45,211 rows (a first start).
              resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
              volumeMounts: sharedMounts(),
            },
          ],
          volumes: sharedVolumes(),
        },
      },
    },
  });
}

/** The replicas behind one name and port, as Compose calls it: `modelwatch:5000`. */
export function service(): Service {
  const { modelwatch } = STACK_SERVICES;
  return new Service({
    metadata: metadata(modelwatch.host, 'server'),
    spec: {
      type: 'ClusterIP',
      selector: selector('server'),
      ports: [{ name: HTTP_PORT_NAME, port: modelwatch.port, targetPort: HTTP_PORT_NAME, protocol: 'TCP' }],
    },
  });
}

/** A node drain evicts one replica at a time and never the last one. */
export function disruptionBudget(): PodDisruptionBudget {
  return new PodDisruptionBudget({
    metadata: metadata(NAMES.app, 'server'),
    spec: { minAvailable: 1, selector: { matchLabels: selector('server') } },
  });
}
