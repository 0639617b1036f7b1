/**
 * The pipeline's metric family, pushed to a Pushgateway at the end of every run (a batch job is gone
 * before Prometheus could scrape it).
 *
 * Grouping: job `model-training`, plus `pipeline` and `instance`, so two pipelines — or the same
 * one on two hosts — never overwrite each other, while a pipeline's next run on the same host does
 * replace its last one. The job is the name users query training figures by
 * (`model_training_accuracy{job="model-training"}`); which pipeline pushed is the `pipeline` label. Pushes use POST, which replaces only the metric names pushed: every run
 * pushes every step's status and duration, but the training gauges only when a model was trained,
 * so a run that fails early does not wipe the last trained model's figures.
 *
 * The `_total` counters must grow across runs, which are separate processes; their running totals
 * are kept with the registry (state.ts) and pushed whole.
 */
import { Counter, Gauge, Pushgateway, Registry } from 'prom-client';
import { networkReason } from '../util/network-reason.js';
import type { RunReport } from './dag.js';
import type { PipelineTotals } from './state.js';

/**
 * The Pushgateway job of every pipeline push: what dashboards and alerts select training metrics by
 * (`model_training_accuracy{job="model-training"}`), whichever pipeline pushed them.
 */
export const PIPELINE_JOB = 'model-training';

/** pipeline_step_status values. */
export const STEP_STATUS = { succeeded: 1, failed: 0, skipped: -1 } as const;

/** The trained model's figures, when the run trained one. */
export interface TrainingFigures {
  readonly modelVersion: string;
  readonly accuracy: number;
  readonly logLoss: number;
  readonly seconds: number;
}

/**
 * A registry holding one run's metrics.
 *
 * @example await pushMetrics(url, runMetrics(report, totals, training), { pipeline: 'bank-marketing', instance: 'host1' });
 */
export function runMetrics(report: RunReport, totals: PipelineTotals, training: TrainingFigures | undefined): Registry {
  const registry = new Registry();
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) => new Gauge<L>({ name, help, labelNames, registers: [registry] });
  const duration = gauge('pipeline_step_duration_seconds', 'Wall time of each step of the last run, in seconds (0 for a skipped step).', ['step']);
  const status = gauge('pipeline_step_status', 'Outcome of each step of the last run: 1 succeeded, 0 failed, -1 skipped (a step it needs failed).', ['step']);
  for (const step of report.steps) {
    duration.set({ step: step.name }, step.seconds);
    status.set({ step: step.name }, STEP_STATUS[step.status]);
  }
  gauge('pipeline_run_status', 'Outcome of the last run: 1 success, 0 failure.').set(report.status === 'success' ? 1 : 0);
  gauge('pipeline_run_duration_seconds', 'Wall time of the last run, in seconds.').set(report.seconds);
  gauge('pipeline_last_run_timestamp_seconds', 'When the last run ended (Unix seconds).').set(totals.lastRunAt);
  if (totals.lastSuccessAt !== undefined) gauge('pipeline_last_success_timestamp_seconds', 'When the last successful run ended (Unix seconds).').set(totals.lastSuccessAt);
  // Counters that live across runs: this registry is new in this process, so adding the running
  // total once makes the counter read exactly that total.
  new Counter({ name: 'pipeline_rows_processed_total', help: 'Rows read by the ingest step, over all runs of this pipeline.', registers: [registry] }).inc(totals.rowsProcessed);
  const promotions = new Counter({ name: 'model_promotion_total', help: 'Promotion decisions over all runs: promoted (made current) or rejected by the gate (registered only).', labelNames: ['outcome'], registers: [registry] });
  for (const [outcome, n] of Object.entries(totals.promotions)) promotions.inc({ outcome }, n);
  if (training) {
    const labels = { model_version: training.modelVersion };
    gauge('model_training_accuracy', 'Holdout accuracy of the model trained by the last run that trained one.', ['model_version']).set(labels, training.accuracy);
    gauge('model_training_loss', 'Holdout log loss of the model trained by the last run that trained one.', ['model_version']).set(labels, training.logLoss);
    gauge('model_training_duration_seconds', 'Time the train step took to fit that model, in seconds.', ['model_version']).set(labels, training.seconds);
  }
  return registry;
}

/** Result of a push: a Pushgateway that cannot be reached is reported, never thrown. */
export type PushResult = { readonly ok: true; readonly url: string } | { readonly ok: false; readonly url: string; readonly error: string };

/**
 * POSTs the registry's metrics to the Pushgateway under the pipeline's grouping.
 *
 * @example const result = await pushMetrics('http://pushgateway:9091', registry, { pipeline: 'bank-marketing', instance: 'host1' });
 */
export async function pushMetrics(url: string, registry: Registry, grouping: { pipeline: string; instance: string }, timeoutMs = 5000): Promise<PushResult> {
  const gateway = new Pushgateway(url, { timeout: timeoutMs }, registry);
  try {
    await gateway.pushAdd({ jobName: PIPELINE_JOB, groupings: grouping });
    return { ok: true, url };
  } catch (error) {
    const why = networkReason(error, { timeout: `no answer within ${timeoutMs / 1000} s` });
    return { ok: false, url, error: `cannot push to the Pushgateway at ${url}: ${why}` };
  }
}
