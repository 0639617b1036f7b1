/**
 * One run of the training pipeline, observed: an ECS line when each step starts and ends (in the
 * service's log family, `event.dataset` `<service>.pipeline`), progress on a terminal, and the run's
 * metrics pushed to a Pushgateway at the end. A Pushgateway that cannot be reached is reported and
 * leaves the run's outcome alone: the model was trained either way.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Progress } from '../util/progress.js';
import { ModelRegistry } from '../model/registry.js';
import { runSteps, type RunReport, type Step, type StepReport } from './dag.js';
import { pushMetrics, runMetrics, type PushResult } from './metrics.js';
import type { PromotionDecision } from './promotion.js';
import { saveRun } from './state.js';
import { pipelineSteps, type PipelineContext, type PipelineSettings, type StepName } from './steps.js';
import type { ValidationReport } from './validation/report.js';

/** The default pipeline name (the `pipeline` grouping label). */
export const DEFAULT_PIPELINE = 'bank-marketing';

/** Options of {@link runPipeline}. */
export interface PipelineRunOptions {
  readonly settings: PipelineSettings;
  readonly modelDir: string;
  readonly pipeline?: string;
  /** The `instance` grouping label; the host name by default. */
  readonly instance?: string;
  readonly pushgatewayUrl?: string;
  readonly log: Logger;
  readonly progress: Progress;
  /** A drill: make this step fail, to check that the failure is reported and alerted on. */
  readonly failAt?: StepName;
}

/** What a run did, as `modelwatch pipeline run --json` prints it. */
export interface PipelineResult {
  readonly pipeline: string;
  readonly run_id: string;
  readonly status: RunReport['status'];
  readonly failed_step?: string;
  readonly seconds: number;
  readonly steps: readonly StepReport[];
  readonly version?: string;
  readonly current?: string;
  readonly metrics?: { accuracy: number; precision: number; recall: number; f1: number; auc: number; log_loss: number };
  readonly compared_with?: { version: string; metrics: object };
  readonly promotion?: PromotionDecision;
  readonly validation?: ValidationReport;
  readonly push?: PushResult;
}

/** Wraps a step so it fails before doing anything (the `--fail-at` drill). */
function failing(step: Step<PipelineContext>): Step<PipelineContext> {
  return {
    ...step,
    run: async () => {
      throw new Error(`failure injected at step "${step.name}" (--fail-at ${step.name})`);
    },
  };
}

/**
 * Runs the pipeline once: steps, log lines, progress, state, push.
 *
 * @example const result = await runPipeline({ settings, modelDir: 'models', log: logger.pipeline, progress });
 */
export async function runPipeline(options: PipelineRunOptions): Promise<PipelineResult> {
  const pipeline = options.pipeline ?? DEFAULT_PIPELINE;
  const instance = options.instance ?? hostname();
  const runId = randomUUID();
  const registry = new ModelRegistry(options.modelDir);
  const { progress } = options;
  // Progress inside a step (boosting iterations) goes to the same reporter as the steps' lines.
  const context: PipelineContext = { settings: { ...options.settings, onProgress: (text) => progress.update(text) }, registry };
  const log = options.log.child({ 'pipeline.name': pipeline, 'pipeline.run_id': runId });
  const steps = pipelineSteps().map((step) => (step.name === options.failAt ? failing(step) : step));

  log.info({ 'event.action': 'pipeline_run_start', 'pipeline.input': options.settings.data }, `pipeline ${pipeline} run ${runId} started on ${options.settings.data}`);
  const report = await runSteps(steps, context, {
    onStart(step, index, total) {
      progress.line(`[${index + 1}/${total}] ${step} …`);
      log.info({ 'event.action': 'pipeline_step_start', 'pipeline.step': step }, `step ${step} started`);
    },
    onEnd(step, index, total) {
      const fields = { 'event.action': 'pipeline_step_end', 'pipeline.step': step.name, 'pipeline.status': step.status, 'event.duration': Math.round(step.seconds * 1e9), ...(step.rows !== undefined ? { 'pipeline.rows': step.rows } : {}) };
      if (step.status === 'succeeded') {
        log.info({ ...fields, 'event.outcome': 'success' }, `step ${step.name} succeeded in ${step.seconds.toFixed(2)} s${step.rows !== undefined ? ` (${step.rows} rows)` : ''}`);
        progress.done(`[${index + 1}/${total}] ${step.name} ✓ ${step.seconds.toFixed(2)} s${step.rows !== undefined ? `, ${step.rows} rows` : ''}`);
      } else if (step.status === 'failed') {
        log.error({ ...fields, 'event.outcome': 'failure', 'error.message': step.error?.message, 'pipeline.input': step.error?.input, ...(step.error?.code ? { 'error.code': step.error.code } : {}) }, `step ${step.name} failed: ${step.error?.message}`);
        progress.done(`[${index + 1}/${total}] ${step.name} ✗ ${step.error?.message} (input: ${step.error?.input})`);
      } else {
        log.warn({ ...fields, 'event.outcome': 'unknown' }, `step ${step.name} skipped: it needs ${step.skippedBecause}, which failed`);
        progress.line(`[${index + 1}/${total}] ${step.name} skipped (needs ${step.skippedBecause})`);
      }
    },
  });

  const promotion = context.promotion;
  if (promotion) {
    const line = { 'event.action': 'model_promotion', 'promotion.outcome': promotion.outcome, 'promotion.reason': promotion.reason, model_version: context.version };
    if (promotion.outcome === 'promoted') log.info(line, `${context.version} promoted: ${promotion.reason}`);
    else log.warn(line, `${context.version} registered but not promoted: ${promotion.reason}`);
  }
  if (context.championNote) log.warn({ 'event.action': 'model_promotion' }, context.championNote);

  const ingested = report.steps.find((s) => s.name === 'ingest')?.rows ?? 0;
  const totals = saveRun(options.modelDir, pipeline, { rows: ingested, promotion: promotion?.outcome, success: report.status === 'success' });
  const evaluation = context.evaluation;
  const training = evaluation && context.trainSeconds !== undefined ? { modelVersion: context.version ?? 'unregistered', accuracy: evaluation.metrics.accuracy, logLoss: evaluation.metrics.logLoss, seconds: context.trainSeconds } : undefined;
  let push: PushResult | undefined;
  if (options.pushgatewayUrl) {
    push = await pushMetrics(options.pushgatewayUrl, runMetrics(report, totals, training), { pipeline, instance });
    if (push.ok) log.info({ 'event.action': 'pipeline_push', 'url.full': push.url }, `metrics pushed to ${push.url}`);
    else {
      log.warn({ 'event.action': 'pipeline_push', 'url.full': push.url, 'error.message': push.error }, `${push.error}; the run's outcome stands`);
      progress.line(`warning: ${push.error} (the run's outcome stands)`);
    }
  }
  const outcome = report.status === 'success' ? 'success' : 'failure';
  const end = { 'event.action': 'pipeline_run_end', 'event.outcome': outcome, 'event.duration': Math.round(report.seconds * 1e9), 'pipeline.status': report.status };
  if (report.status === 'success') log.info(end, `pipeline ${pipeline} run ${runId} succeeded in ${report.seconds.toFixed(1)} s`);
  else log.error({ ...end, 'pipeline.step': report.failedStep }, `pipeline ${pipeline} run ${runId} failed at step ${report.failedStep}`);

  const m = evaluation?.metrics;
  return {
    pipeline,
    run_id: runId,
    status: report.status,
    ...(report.failedStep ? { failed_step: report.failedStep } : {}),
    seconds: report.seconds,
    steps: report.steps,
    ...(context.version ? { version: context.version } : {}),
    ...(registry.currentVersion() ? { current: registry.currentVersion() } : {}),
    ...(m ? { metrics: { accuracy: m.accuracy, precision: m.precision, recall: m.recall, f1: m.f1, auc: m.auc, log_loss: m.logLoss } } : {}),
    ...(context.champion ? { compared_with: context.champion } : {}),
    ...(promotion ? { promotion } : {}),
    ...(context.validation ? { validation: context.validation } : {}),
    ...(push ? { push } : {}),
  };
}
