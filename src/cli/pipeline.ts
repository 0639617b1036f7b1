/**
 * `modelwatch pipeline run`: the observed training pipeline (ingest → validate → split → train →
 * evaluate → register → promote), for Airflow, cron or a Kubernetes CronJob to call: the whole run at
 * once, or one step at a time with `--only <step> --run-dir <dir>` (each step a task of its own,
 * sharing the run's state through the directory).
 *
 * Output: the result on stdout — a summary, or with --json one JSON object — and nothing else;
 * progress lines on stderr when it is a terminal (quiet otherwise); ECS log lines to --log-file (or
 * LOG_FILE) when set and, when stderr is not a terminal and --json is not given, to stderr (where
 * container and scheduler logs are collected). Exit code 0 when the run succeeded and its version
 * is current, 1 when a step failed, 2 for bad flags or, with --only, a run directory whose state
 * refuses the step (no readable run.json, earlier steps not succeeded, the run over, a setting that
 * differs from the run's), 3 when the run succeeded but the promotion gate rejected the new version
 * (it is registered, not current): a scheduler or script sees that the model it asked for is not
 * the one serving.
 */
import { Command, Option } from 'commander';
import { loadConfig, type Config } from '../config.js';
import { createLogger } from '../monitoring/audit/logger.js';
import { DEFAULT_PIPELINE, runPipeline, runPipelineStep, type PipelineResult } from '../pipeline/run.js';
import { RunStateError } from '../pipeline/run-state.js';
import type { GivenSettings } from '../pipeline/run-settings.js';
import { PROMOTION_REJECTED_EXIT_CODE } from '../pipeline/promotion.js';
import { STEP_NAMES, type StepName } from '../pipeline/steps.js';
import { DEFAULT_RULE_ACTIONS, formatReport, parseRuleActions, RULE_DESCRIPTIONS, RULE_IDS, RuleConfigError } from '../pipeline/validation/index.js';
import { parseNumberOption, parseUrlOption, usageError } from './options.js';
import { createProgress } from './progress.js';

export { PROMOTION_REJECTED_EXIT_CODE };

interface RunFlags {
  data?: string;
  modelDir?: string;
  seed?: string;
  testShare: number;
  tolerance?: number;
  pushgatewayUrl?: string;
  pipeline: string;
  rules?: string;
  failAt?: StepName;
  maxIterations?: number;
  only?: StepName;
  runDir?: string;
  logFile?: string;
  json?: boolean;
}

function parseRules(value: string): string {
  try {
    parseRuleActions(value);
  } catch (error) {
    if (error instanceof RuleConfigError) throw usageError(`--rules: ${error.message}`);
    throw error;
  }
  return value;
}

/** A setting from the environment counts as given when the variable is set (and not empty), as loadConfig reads it. */
const inEnv = (name: string): boolean => (process.env[name] ?? '') !== '';

/** The settings this command line (or its environment) set explicitly, which a later step compares with its run's. */
function givenSettings(flags: RunFlags, config: Config, command: Command): GivenSettings {
  const fromCli = (name: string) => command.getOptionValueSource(name) === 'cli';
  return {
    ...(flags.data !== undefined ? { data: flags.data } : {}),
    ...(flags.seed !== undefined || inEnv('SEED') ? { seed: config.SEED } : {}),
    ...(fromCli('testShare') ? { testShare: flags.testShare } : {}),
    ...(flags.tolerance !== undefined || inEnv('PROMOTION_TOLERANCE') ? { tolerance: config.PROMOTION_TOLERANCE } : {}),
    ...(flags.rules !== undefined ? { rules: flags.rules } : {}),
    ...(flags.maxIterations !== undefined ? { maxIterations: flags.maxIterations } : {}),
    ...(flags.modelDir !== undefined || inEnv('MODEL_DIR') ? { modelDir: config.MODEL_DIR } : {}),
    ...(fromCli('pipeline') ? { pipeline: flags.pipeline } : {}),
  };
}

/** The readable end of a run: each step, the validation findings, the promotion. */
function summary(result: PipelineResult): string {
  const lines = [`pipeline ${result.pipeline} run ${result.run_id}: ${result.status}${result.failed_step ? ` at step ${result.failed_step}` : ''} in ${result.seconds.toFixed(1)} s`];
  for (const step of result.steps) {
    const detail = step.status === 'failed' ? `: ${step.error?.message} (input: ${step.error?.input})` : step.status === 'skipped' ? ` (needs ${step.skippedBecause})` : ` ${step.seconds.toFixed(2)} s${step.rows !== undefined ? `, ${step.rows} rows` : ''}`;
    lines.push(`  ${step.name.padEnd(9)} ${step.status}${detail}`);
  }
  if (result.validation && result.validation.violations.length > 0) lines.push('', formatReport(result.validation));
  if (result.metrics) lines.push(`holdout: accuracy ${result.metrics.accuracy.toFixed(4)}  auc ${result.metrics.auc.toFixed(4)}  f1 ${result.metrics.f1.toFixed(4)}`);
  if (result.promotion) lines.push(`${result.version} ${result.promotion.outcome}: ${result.promotion.reason}`);
  if (result.push && !result.push.ok) lines.push(`warning: ${result.push.error}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Adds the `pipeline` command group.
 *
 * @example registerPipelineCommands(program); // modelwatch pipeline run --data bank-full.csv
 */
export function registerPipelineCommands(program: Command): void {
  const pipeline = program.command('pipeline').description('The observed training pipeline.');
  pipeline
    .command('run')
    .description('Run ingest → validate → split → train → evaluate → register → promote once, logging each step and pushing metrics to a Pushgateway.')
    .option('--data <csv>', 'labelled CSV to train on (UCI format); required, except with --only for a step after ingest (the run keeps the file its first step was given)')
    .option('--model-dir <dir>', 'model registry directory (env MODEL_DIR, default "models")')
    .option('--seed <n>', 'seed for the split and the trees (env SEED, default 42)')
    .option('--test-share <share>', 'share of rows held out for evaluation', parseNumberOption('--test-share', 0.05, 0.5), 0.2)
    .option('--tolerance <t>', "how much worse than the current version's accuracy, AUC and F1 a new version may be and still be promoted (env PROMOTION_TOLERANCE, default 0.005)", parseNumberOption('--tolerance', 0, 0.999))
    .option('--pushgateway-url <url>', 'Pushgateway to push the run metrics to (env PUSHGATEWAY_URL; none: no push)', parseUrlOption('--pushgateway-url', ['http:', 'https:']))
    .option('--pipeline <name>', 'pipeline name (the `pipeline` grouping label)', DEFAULT_PIPELINE)
    .option('--rules <spec>', 'fail or warn per validation rule, e.g. "class_balance=fail,row_count=warn"', parseRules)
    .addOption(new Option('--fail-at <step>', 'drill: make this step fail, to check that failures are reported and alerted on').choices(STEP_NAMES))
    .option('--max-iterations <n>', 'boosting iterations at most (default: the tuned default)', parseNumberOption('--max-iterations', 1, 10_000, true))
    .addOption(new Option('--only <step>', 'run this one step of the run kept in --run-dir (its earlier steps must have succeeded there; the first step starts the run)').choices(STEP_NAMES))
    .option('--run-dir <dir>', 'with --only: the directory where the steps of one run leave their output for the next')
    .option('--log-file <file>', 'append the ECS log lines to this file (env LOG_FILE)')
    .option('--json', 'print one JSON object describing the run')
    .addHelpText('after', `\nExit codes: 0 the new version is current; 1 a step failed; 2 bad flags, or with --only: no readable run.json in --run-dir, a step whose earlier steps have not succeeded there, a run that is over (promote succeeded: start a new one with ingest), or a setting that differs from the run's; ${PROMOTION_REJECTED_EXIT_CODE} the promotion gate rejected the new version (registered, not current).\n\nValidation rules (--rules), with their default action:\n${RULE_IDS.map((id) => `  ${id.padEnd(16)} ${DEFAULT_RULE_ACTIONS[id].padEnd(5)} ${RULE_DESCRIPTIONS[id]}`).join('\n')}\n`)
    .action(async (flags: RunFlags, command: Command) => {
      if ((flags.only === undefined) !== (flags.runDir === undefined)) command.error('error: --only and --run-dir go together: one step of the run kept in that directory', { exitCode: 2, code: 'modelwatch.usage' });
      if (flags.data === undefined && (flags.only === undefined || flags.only === STEP_NAMES[0])) command.error(`error: required option '--data <csv>' not specified${flags.only ? ` (${flags.only} starts the run; later steps use its file)` : ''}`, { exitCode: 2, code: 'modelwatch.usage' });
      const config = loadConfig(process.env, { MODEL_DIR: flags.modelDir, SEED: flags.seed, PROMOTION_TOLERANCE: flags.tolerance, PUSHGATEWAY_URL: flags.pushgatewayUrl, LOG_FILE: flags.logFile });
      // stdout carries the result (the summary, or the JSON a scheduler reads): the ECS lines go to
      // stderr, where container and scheduler logs collect them too, and not on a terminal, where
      // the progress lines are.
      const logger = createLogger({ serviceName: config.SERVICE_NAME, level: config.LOG_LEVEL, stdout: false, file: config.LOG_FILE, ...(!flags.json && !process.stderr.isTTY ? { stream: process.stderr } : {}) });
      const progress = createProgress(process.stderr.isTTY === true);
      const options = {
        settings: {
          data: flags.data ?? '',
          seed: config.SEED,
          testShare: flags.testShare,
          tolerance: config.PROMOTION_TOLERANCE,
          rules: flags.rules,
          maxIterations: flags.maxIterations,
        },
        modelDir: config.MODEL_DIR,
        pipeline: flags.pipeline,
        pushgatewayUrl: config.PUSHGATEWAY_URL,
        instance: config.PIPELINE_INSTANCE,
        log: logger.pipeline,
        progress,
        failAt: flags.failAt,
      };
      let result: PipelineResult;
      try {
        result = flags.only && flags.runDir ? await runPipelineStep({ ...options, settings: { ...options.settings, data: flags.data }, given: givenSettings(flags, config, command), step: flags.only, runDir: flags.runDir }) : await runPipeline(options);
      } catch (error) {
        await logger.drain();
        if (error instanceof RunStateError) command.error(`error: ${error.message}`, { exitCode: 2, code: 'modelwatch.runState' });
        throw error;
      }
      await logger.drain();
      process.stdout.write(flags.json ? `${JSON.stringify(result)}\n` : summary(result));
      if (result.status === 'failure') process.exitCode = 1;
      else if (result.promotion?.outcome === 'rejected') process.exitCode = PROMOTION_REJECTED_EXIT_CODE;
    });
}
