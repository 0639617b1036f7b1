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
import { orderSteps, runSteps, type RunReport, type Step, type StepHooks, type StepReport } from './dag.js';
import { pushMetrics, runMetrics, type PushResult } from './metrics.js';
import type { PromotionDecision } from './promotion.js';
import { readRunState, restoreContext, RunStateError, saveContext, writeRunState, type SavedSettings } from './run-state.js';
import { checkGivenSettings, type GivenSettings } from './run-settings.js';
import { saveRun } from './state.js';
import { pipelineSteps, STEP_HANDOVER, STEP_OUTPUTS, type PipelineContext, type PipelineSettings, type StepName } from './steps.js';
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

/** The log lines and progress around each step. */
function stepHooks(log: Logger, progress: Progress): StepHooks {
  return {
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
  };
}

/** What every run shares: its name, id, log and registry. */
interface RunScope {
  readonly pipeline: string;
  readonly runId: string;
  readonly log: Logger;
  readonly registry: ModelRegistry;
}

function logRunStart(scope: RunScope, data: string): void {
  scope.log.info({ 'event.action': 'pipeline_run_start', 'pipeline.input': data }, `pipeline ${scope.pipeline} run ${scope.runId} started on ${data}`);
}

/** The end of a run, whole or step by step: promotion line, totals, push, last line, result. */
async function finishRun(scope: RunScope, options: Omit<PipelineRunOptions, 'settings'>, context: PipelineContext, report: RunReport): Promise<PipelineResult> {
  const { log, pipeline, runId } = scope;
  const { progress } = options;
  const instance = options.instance ?? hostname();
  const promotion = context.promotion;
  if (promotion) {
    const line = { 'event.action': 'model_promotion', 'promotion.outcome': promotion.outcome, 'promotion.reason': promotion.reason, model_version: context.version };
    if (promotion.outcome === 'promoted') log.info(line, `${context.version} promoted: ${promotion.reason}`);
    else log.warn(line, `${context.version} registered but not promoted: ${promotion.reason}`);
  }
  if (context.championNote) log.warn({ 'event.action': 'model_promotion' }, context.championNote);

  const ingested = report.steps.find((s) => s.name === 'ingest')?.rows ?? 0;
  const totals = saveRun(scope.registry.dir, pipeline, { runId, rows: ingested, promotion: promotion?.outcome, success: report.status === 'success' });
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
  return { ...result(scope, context, report), ...(push ? { push } : {}) };
}

/** The result of a run, or of the steps run so far. */
function result(scope: RunScope, context: PipelineContext, report: RunReport): PipelineResult {
  const m = context.evaluation?.metrics;
  const current = scope.registry.currentVersion();
  return {
    pipeline: scope.pipeline,
    run_id: scope.runId,
    status: report.status,
    ...(report.failedStep ? { failed_step: report.failedStep } : {}),
    seconds: report.seconds,
    steps: report.steps,
    ...(context.version ? { version: context.version } : {}),
    ...(current ? { current } : {}),
    ...(m ? { metrics: { accuracy: m.accuracy, precision: m.precision, recall: m.recall, f1: m.f1, auc: m.auc, log_loss: m.logLoss } } : {}),
    ...(context.champion ? { compared_with: context.champion } : {}),
    ...(context.promotion ? { promotion: context.promotion } : {}),
    ...(context.validation ? { validation: context.validation } : {}),
  };
}

/**
 * Runs the pipeline once: steps, log lines, progress, state, push.
 *
 * @example const result = await runPipeline({ settings, modelDir: 'models', log: logger.pipeline, progress });
 */
export async function runPipeline(options: PipelineRunOptions): Promise<PipelineResult> {
  const pipeline = options.pipeline ?? DEFAULT_PIPELINE;
  const runId = randomUUID();
  const registry = new ModelRegistry(options.modelDir);
  const { progress } = options;
  // Progress inside a step (boosting iterations) goes to the same reporter as the steps' lines.
  const context: PipelineContext = { settings: { ...options.settings, onProgress: (text) => progress.update(text) }, registry, runId };
  const scope: RunScope = { pipeline, runId, registry, log: options.log.child({ 'pipeline.name': pipeline, 'pipeline.run_id': runId }) };
  const steps = pipelineSteps().map((step) => (step.name === options.failAt ? failing(step) : step));

  logRunStart(scope, options.settings.data);
  const report = await runSteps(steps, context, stepHooks(scope.log, progress));
  return finishRun(scope, options, context, report);
}

/** Options of {@link runPipelineStep}: those of a whole run, the step and the run's directory. */
export interface PipelineStepOptions extends Omit<PipelineRunOptions, 'settings'> {
  /** The settings the first step starts the run with (`data` is required then); later steps use the run's. */
  readonly settings: Omit<PipelineSettings, 'data'> & { readonly data?: string };
  /** What this step's command line or environment set explicitly: a later step refuses a value that differs from the run's. */
  readonly given?: GivenSettings;
  readonly step: StepName;
  /** Where the steps of one run leave their output for the next (run-state.ts). */
  readonly runDir: string;
}

/**
 * Runs one step of a run whose earlier steps ran in other processes, reading and saving the run's
 * state in `runDir`. The first step starts the run (afresh, if the directory held an earlier
 * attempt); every other step needs the steps before it to have succeeded in the same directory.
 * The run's settings, registry directory included, are those its first step was given: a later
 * step needs no `data` and refuses a `given` setting that differs (RunStateError). A run ends with its last step, or with a
 * failed one: only then are its totals saved, its metrics pushed and `pipeline_run_end` logged,
 * exactly as for a whole run, the steps that could not run reported as skipped.
 *
 * @throws RunStateError when a step it needs has not succeeded in `runDir`, or when the run there is
 *   over (its last step succeeded): only the first step, which starts a new run, is accepted then.
 * @example await runPipelineStep({ ...options, step: 'train', runDir: '/var/lib/modelwatch/runs/2026-12-07' });
 */
export async function runPipelineStep(options: PipelineStepOptions): Promise<PipelineResult> {
  const all = orderSteps(pipelineSteps());
  const index = all.findIndex((s) => s.name === options.step);
  const step = all[index];
  const first = index === 0;
  const saved = first ? undefined : readRunState(options.runDir);
  if (!first && !saved) throw new RunStateError(`${options.runDir} holds no run: run its first step (${all[0].name}) with this --run-dir first`);
  // A run that succeeded to its last step is over: running a step of it again would end it a second
  // time (counted, pushed) or fail on the rows and trees it no longer keeps. A failed run stays open to retries.
  if (saved && saved.steps.find((s) => s.name === all[all.length - 1].name)?.status === 'succeeded') {
    throw new RunStateError(`run ${saved.runId} in ${options.runDir} is over (it ended with ${all[all.length - 1].name}); start a new one with ${all[0].name}`);
  }
  const pending = step.needs.filter((need) => saved?.steps.find((s) => s.name === need)?.status !== 'succeeded');
  if (pending.length > 0) throw new RunStateError(`step ${step.name} needs ${pending.join(', ')}, which has not succeeded in ${options.runDir}: run it first`);

  if (saved) checkGivenSettings(saved, options.given ?? {}, options.runDir);
  const data = options.settings.data;
  if (!saved && !data) throw new RunStateError(`step ${step.name} starts the run and needs the data file (--data)`);

  const pipeline = saved?.pipeline ?? options.pipeline ?? DEFAULT_PIPELINE;
  const runId = saved?.runId ?? randomUUID();
  const settings: SavedSettings = saved?.settings ?? withoutProgress({ ...options.settings, data: data! });
  const modelDir = saved?.modelDir ?? options.modelDir;
  const registry = new ModelRegistry(modelDir);
  const { progress } = options;
  const context = restoreContext(saved?.context ?? {}, { ...settings, onProgress: (text) => progress.update(text) }, registry, runId);
  // Running a step again starts from what the steps before it left: its own and later outputs go.
  for (const later of all.slice(index)) for (const key of STEP_OUTPUTS[later.name as StepName]) delete context[key];
  const lost = step.needs.flatMap((need) => STEP_HANDOVER[need as StepName].filter((key) => context[key] === undefined).map((key) => ({ need, key })));
  if (lost.length > 0) {
    const { need, key } = lost[0];
    throw new RunStateError(`step ${step.name} needs the ${key} step ${need} left, which ${options.runDir} no longer keeps (the validated rows are kept only until train has succeeded): run ${need} again first`);
  }
  const scope: RunScope = { pipeline, runId, registry, log: options.log.child({ 'pipeline.name': pipeline, 'pipeline.run_id': runId }) };

  if (first) logRunStart(scope, settings.data);
  const runnable = { ...(step.name === options.failAt ? failing(step) : step), needs: [] };
  const hooks = stepHooks(scope.log, progress);
  const ran = await runSteps([runnable], context, {
    onStart: (name) => hooks.onStart?.(name, index, all.length),
    onEnd: (report) => hooks.onEnd?.(report, index, all.length),
  });
  // This step's report replaces any earlier attempt's, and the steps after it are to run again.
  const before = (saved?.steps ?? []).filter((s) => all.findIndex((a) => a.name === s.name) < index);
  const stepReport = ran.steps[0];
  const failed = stepReport.status === 'failed';
  const last = index === all.length - 1;
  const skipped: StepReport[] = failed ? all.slice(index + 1).map((s) => ({ name: s.name, status: 'skipped', seconds: 0, skippedBecause: step.name })) : [];
  const steps = [...before, stepReport, ...skipped];
  const seconds = steps.reduce((sum, s) => sum + s.seconds, 0);
  const report: RunReport = { status: failed ? 'failure' : 'success', seconds, steps, ...(failed ? { failedStep: step.name } : {}) };
  const over = failed || last;
  writeRunState(options.runDir, { runId, pipeline, settings, modelDir, steps: [...before, stepReport], context: saveContext(context, over && !failed) });
  return over ? finishRun(scope, options, context, report) : result(scope, context, report);
}

function withoutProgress(settings: PipelineSettings): SavedSettings {
  const { onProgress: _progress, ...rest } = settings;
  return rest;
}
