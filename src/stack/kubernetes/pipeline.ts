/**
 * The training pipeline as a Kubernetes CronJob: once a day, `modelwatch pipeline run` in the
 * service's image, writing to the same registry volume the replicas serve from. A promotion moves
 * the registry's CURRENT pointer, which every replica picks up on its own (MODEL_WATCH).
 */
import { PROMOTION_REJECTED_EXIT_CODE } from '../../pipeline/promotion.js';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { NAMES, containerBasics, labels, metadata, podBasics, sharedMounts, sharedVolumes } from './common.js';

/** Where the training data volume is mounted in the pipeline's pod. */
export const TRAINING_DATA_DIR = '/data';
/** The labelled CSV the pipeline trains on (UCI's bank-full.csv, or a file of the same format). */
export const TRAINING_DATA_FILE = `${TRAINING_DATA_DIR}/bank-full.csv`;

/**
 * The command line after the image's entrypoint (`modelwatch`). Without --json, and with stderr not
 * a terminal, the run writes its ECS lines to stderr and its readable summary to stdout: the
 * container log holds both streams, so `kubectl logs` shows both and the Filebeat DaemonSet ships
 * the ECS lines (filebeat.ts). PUSHGATEWAY_URL and MODEL_DIR come from the ConfigMap.
 */
export const PIPELINE_ARGS = ['pipeline', 'run', '--data', TRAINING_DATA_FILE] as const;

/** The `instance` the CronJob's runs push under: the CronJob's name, the same for every run. */
export const PIPELINE_INSTANCE = NAMES.pipeline;

/** Every day at 03:00 UTC, off peak. */
export const PIPELINE_SCHEDULE = '0 3 * * *';

/**
 * Exit codes after which a retry cannot help: 1 is a failed step (bad data, a rejected
 * validation rule; already reported to the Pushgateway and alerted on), 2 bad flags or settings, 3
 * the promotion gate kept the current model (a retry would only register another version it rejects).
 */
export const FINAL_EXIT_CODES = [1, 2, PROMOTION_REJECTED_EXIT_CODE];

/**
 * The training data: a volume the operator fills (docs/stack.md, "Kubernetes"). ReadWriteOnce is
 * enough: Forbid keeps to one pipeline pod at a time, and it only reads.
 */
export function trainingDataClaim(): PersistentVolumeClaim {
  return new PersistentVolumeClaim({
    metadata: metadata(NAMES.trainingDataClaim, 'pipeline'),
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  });
}

/**
 * The daily run. Exit codes 1, 2 and 3 ({@link FINAL_EXIT_CODES}) end the Job at once through the
 * pod failure policy; a pod lost to a node drain or preemption is started again without counting;
 * any other failure (an OOM kill, a crash) is retried once (`backoffLimit: 1`).
 */
export function pipelineCronJob(): CronJob {
  return new CronJob({
    metadata: metadata(NAMES.pipeline, 'pipeline'),
    spec: {
      schedule: PIPELINE_SCHEDULE,
      timeZone: 'Etc/UTC',
      // Two runs at once would race for the registry's next version and its CURRENT pointer.
      concurrencyPolicy: 'Forbid',
      // A run missed by more than an hour (the controller was down) waits for the next day.
      startingDeadlineSeconds: 3600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        metadata: { labels: labels('pipeline') },
        spec: {
          backoffLimit: 1,
          activeDeadlineSeconds: 3600,
          podFailurePolicy: {
            rules: [
              { action: 'FailJob', onExitCodes: { containerName: NAMES.pipeline, operator: 'In', values: FINAL_EXIT_CODES } },
              { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
            ],
          },
          template: {
            metadata: { labels: labels('pipeline') },
            spec: {
              ...podBasics(),
              restartPolicy: 'Never',
              containers: [
                {
                  name: NAMES.pipeline,
                  ...containerBasics(),
                  args: [...PIPELINE_ARGS],
                  // Every run's pod has a new name: pushed under it, each run would leave a
                  // Pushgateway group behind that no later run replaces (an old failure would
                  // keep PipelineRunFailed firing). One stable instance per CronJob.
                  env: [{ name: 'PIPELINE_INSTANCE', value: PIPELINE_INSTANCE }],
                  // Measured: ~220 MB RSS training on 45,211 rows in about 6 s of one core.
                  resources: { requests: { cpu: '500m', memory: '384Mi' }, limits: { cpu: '2', memory: '1Gi' } },
                  volumeMounts: [...sharedMounts(), { name: 'training-data', mountPath: TRAINING_DATA_DIR, readOnly: true }],
                },
              ],
              volumes: [...sharedVolumes(), { name: 'training-data', persistentVolumeClaim: { claimName: NAMES.trainingDataClaim, readOnly: true } }],
            },
          },
        },
      },
    },
  });
}
