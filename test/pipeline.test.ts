/**
 * The training pipeline against a real Pushgateway (Debian's `prometheus-pushgateway`, installed by
 * .ci/run): a successful run, then a run failing at each step in turn, a promotion the gate rejects,
 * and a Pushgateway that is down. What was pushed is read back from the Pushgateway's own API.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../bench/children.js';
import { writeLabelledCsv } from '../src/data/csv.js';
import { generateSynthetic } from '../src/data/synthetic.js';
import { ModelRegistry } from '../src/model/registry.js';
import { createProgress } from '../src/cli/progress.js';
import { createLogger } from '../src/monitoring/audit/logger.js';
import { PIPELINE_JOB, STEP_STATUS } from '../src/pipeline/metrics.js';
import { readTotals } from '../src/pipeline/state.js';
import { runPipeline, runPipelineStep, type PipelineResult } from '../src/pipeline/run.js';
import { readRunState, RunStateError } from '../src/pipeline/run-state.js';
import { pipelineSteps, STEP_NAMES, type PipelineContext, type StepName } from '../src/pipeline/steps.js';
import { CapturedLines, tempDir } from './helpers/fixtures.js';
import { skipUnlessTool } from './helpers/tools.js';

const missing = spawnSync('prometheus-pushgateway', ['--version']).error ? 'prometheus-pushgateway not found: apt-get install prometheus-pushgateway (.ci/run installs it)' : false;

/** One group of the Pushgateway's /api/v1/metrics answer. */
interface PushedGroup {
  labels: Record<string, string>;
  [metric: string]: unknown;
}
type PushedMetric = { type: string; metrics: { labels: Record<string, string>; value: string }[] };

describe('modelwatch pipeline run, observed through a real Pushgateway', { skip: skipUnlessTool(missing) }, () => {
  const dir = tempDir('modelwatch-pipeline-');
  const data = join(dir, 'train.csv');
  let gateway: ChildProcess;
  let gatewayUrl: string;

  /** Runs the pipeline in-process with a captured log. */
  const run = async (options: { modelDir: string; failAt?: StepName; data?: string; maxIterations?: number; pipeline?: string; url?: string; instance?: string }) => {
    const lines = new CapturedLines();
    const logger = createLogger({ serviceName: 'ml-pipeline', level: 'info', stdout: false, stream: lines });
    const result = await runPipeline({
      settings: { data: options.data ?? data, seed: 42, testShare: 0.2, tolerance: 0.005, maxIterations: options.maxIterations ?? 40 },
      modelDir: options.modelDir,
      pipeline: options.pipeline ?? 'bank-marketing',
      instance: options.instance ?? 'ci',
      pushgatewayUrl: options.url ?? gatewayUrl,
      log: logger.pipeline,
      progress: createProgress(false),
      failAt: options.failAt,
    });
    await logger.drain();
    return { result, lines: lines.lines };
  };

  /** The metrics of one grouping, by name. */
  const pushed = async (grouping: Record<string, string>): Promise<Record<string, PushedMetric>> => {
    const body = (await (await fetch(`${gatewayUrl}/api/v1/metrics`)).json()) as { data: PushedGroup[] };
    const group = body.data.find((g) => Object.entries(grouping).every(([k, v]) => g.labels[k] === v));
    assert.ok(group, `a group ${JSON.stringify(grouping)} on the Pushgateway (groups: ${JSON.stringify(body.data.map((g) => g.labels))})`);
    return group as unknown as Record<string, PushedMetric>;
  };
  const value = (metrics: Record<string, PushedMetric>, name: string, labels: Record<string, string> = {}) => {
    const sample = metrics[name]?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels[k] === v));
    return sample === undefined ? undefined : Number(sample.value);
  };
  const stepStatuses = (metrics: Record<string, PushedMetric>) => Object.fromEntries(STEP_NAMES.map((step) => [step, value(metrics, 'pipeline_step_status', { step })]));

  before(async () => {
    await writeLabelledCsv(data, generateSynthetic({ rows: 3000, seed: 5 }));
    const port = await freePort();
    gatewayUrl = `http://127.0.0.1:${port}`;
    gateway = spawn('prometheus-pushgateway', [`--web.listen-address=127.0.0.1:${port}`, `--persistence.file=${join(dir, 'pushgateway.data')}`], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      if ((await fetch(`${gatewayUrl}/-/ready`).catch(() => undefined))?.ok) return;
      await sleep(100);
    }
    assert.fail('the Pushgateway did not become ready');
  });

  after(() => {
    gateway?.kill('SIGTERM');
  });

  const grouping = { job: PIPELINE_JOB, pipeline: 'bank-marketing', instance: 'ci' };
  const modelDir = join(dir, 'models');
  let first: PipelineResult;

  test('a successful run registers and promotes a version and pushes every series', async () => {
    const { result, lines } = await run({ modelDir });
    first = result;
    assert.equal(result.status, 'success', JSON.stringify(result.steps));
    assert.equal(result.version, 'v1');
    assert.equal(result.promotion?.outcome, 'promoted');
    assert.equal(new ModelRegistry(modelDir).currentVersion(), 'v1');
    assert.deepEqual(result.push, { ok: true, url: gatewayUrl });

    const metrics = await pushed(grouping);
    assert.deepEqual(stepStatuses(metrics), Object.fromEntries(STEP_NAMES.map((s) => [s, STEP_STATUS.succeeded])));
    for (const step of result.steps) {
      const seconds = value(metrics, 'pipeline_step_duration_seconds', { step: step.name })!;
      assert.ok(Math.abs(seconds - step.seconds) < 1e-9, `${step.name}: pushed ${seconds}, ran ${step.seconds}`);
    }
    assert.ok(value(metrics, 'pipeline_step_duration_seconds', { step: 'train' })! > 0);
    assert.equal(value(metrics, 'pipeline_run_status'), 1);
    assert.equal(value(metrics, 'pipeline_rows_processed_total'), 3000);
    assert.equal(metrics.pipeline_rows_processed_total.type, 'COUNTER');
    assert.equal(value(metrics, 'model_promotion_total', { outcome: 'promoted' }), 1);
    assert.equal(value(metrics, 'model_promotion_total', { outcome: 'rejected' }), 0);
    assert.equal(value(metrics, 'model_training_accuracy', { model_version: 'v1' }), result.metrics!.accuracy);
    // Users query training figures as model_training_accuracy{job="model-training"}: the job is
    // that literal name, the pipeline a label of its own.
    const samples = metrics.model_training_accuracy.metrics.map((m) => m.labels);
    assert.deepEqual(samples.map((l) => [l.job, l.pipeline]), [['model-training', 'bank-marketing']]);
    assert.equal(value(metrics, 'model_training_loss', { model_version: 'v1' }), result.metrics!.log_loss);
    assert.ok(value(metrics, 'model_training_duration_seconds', { model_version: 'v1' })! > 0);
    const lastSuccess = value(metrics, 'pipeline_last_success_timestamp_seconds')!;
    assert.ok(Math.abs(lastSuccess - Date.now() / 1000) < 60, `last success ${lastSuccess}`);

    // An ECS line when each step starts and ends, in the service's log family.
    const stepLines = lines.filter((l) => l['event.action'] === 'pipeline_step_end');
    assert.deepEqual(stepLines.map((l) => [l['pipeline.step'], l['event.outcome']]), STEP_NAMES.map((s) => [s, 'success']));
    assert.ok(lines.every((l) => l['event.dataset'] === 'ml-pipeline.pipeline' && l['pipeline.run_id'] === result.run_id));
    assert.equal(lines.filter((l) => l['event.action'] === 'pipeline_step_start').length, STEP_NAMES.length);
    assert.equal(stepLines.find((l) => l['pipeline.step'] === 'ingest')!['pipeline.rows'], 3000);
  });

  for (const [index, step] of STEP_NAMES.entries()) {
    test(`a run failing at ${step} reports it, skips what follows and keeps the last success`, async () => {
      const before = value(await pushed(grouping), 'pipeline_last_success_timestamp_seconds');
      const { result, lines } = await run({ modelDir, failAt: step });
      assert.equal(result.status, 'failure');
      assert.equal(result.failed_step, step);
      const failed = result.steps.find((s) => s.name === step)!;
      assert.match(failed.error!.message, new RegExp(`failure injected at step "${step}"`));
      assert.ok(failed.error!.input.length > 0, 'the report names the input');

      const metrics = await pushed(grouping);
      const expected = Object.fromEntries(STEP_NAMES.map((s, i) => [s, i < index ? STEP_STATUS.succeeded : i === index ? STEP_STATUS.failed : STEP_STATUS.skipped]));
      assert.deepEqual(stepStatuses(metrics), expected);
      assert.equal(value(metrics, 'pipeline_run_status'), 0);
      assert.equal(value(metrics, 'pipeline_last_success_timestamp_seconds'), before, 'a failed run leaves the last success alone');
      const errorLine = lines.find((l) => l['event.action'] === 'pipeline_step_end' && l['event.outcome'] === 'failure');
      assert.equal(errorLine?.['pipeline.step'], step);
      assert.equal(errorLine?.level, 'ERROR');
      // Nothing after the failure ran: no new version unless register had already succeeded.
      assert.equal(new ModelRegistry(modelDir).currentVersion(), 'v1');
    });
  }

  test('real faults stop the run where they happen: a missing file at ingest, a broken file at validate', async () => {
    const missingFile = await run({ modelDir, data: join(dir, 'nope.csv') });
    assert.equal(missingFile.result.failed_step, 'ingest');
    assert.match(missingFile.result.steps[0].error!.message, /ENOENT.*nope\.csv/);

    const broken = join(dir, 'broken.csv');
    const [header, ...rows] = readFileSync(data, 'utf8').split('\n');
    writeFileSync(broken, [header.split(',').filter((c) => c !== 'housing').join(','), ...rows].join('\n'));
    const bad = await run({ modelDir, data: broken });
    assert.equal(bad.result.failed_step, 'validate');
    assert.match(bad.result.steps[1].error!.message, /housing/);
    assert.ok(bad.result.validation!.violations.some((v) => v.rule === 'schema.columns'));
  });

  test('ingest counts a last row that has no final newline', async () => {
    const oneRow = join(dir, 'one-row.csv');
    const [header, first] = readFileSync(data, 'utf8').split('\n');
    writeFileSync(oneRow, `${header}\n${first}`);
    const ingest = pipelineSteps().find((step) => step.name === 'ingest')!;
    const context: PipelineContext = { settings: { data: oneRow, seed: 1, testShare: 0.2, tolerance: 0.005 }, registry: new ModelRegistry(modelDir) };
    assert.deepEqual(await ingest.run(context), { rows: 1 });
  });

  test('a worse model is registered but not promoted, and the rejection is counted', async () => {
    const before = value(await pushed(grouping), 'model_promotion_total', { outcome: 'rejected' })!;
    const { result, lines } = await run({ modelDir, maxIterations: 1 });
    assert.equal(result.status, 'success');
    assert.equal(result.promotion?.outcome, 'rejected', JSON.stringify(result.promotion));
    assert.match(result.promotion!.reason, /worse than v1 on the same holdout/);
    const registry = new ModelRegistry(modelDir);
    assert.equal(registry.currentVersion(), 'v1');
    assert.ok(registry.list().some((e) => e.version === result.version), 'registered all the same');
    assert.equal(value(await pushed(grouping), 'model_promotion_total', { outcome: 'rejected' }), before + 1);
    assert.ok(lines.some((l) => l['event.action'] === 'model_promotion' && l['promotion.outcome'] === 'rejected' && l.level === 'WARNING'));
    // The same data and seed as the first run: equal on every metric, so within tolerance.
    const again = await run({ modelDir });
    assert.equal(again.result.promotion?.outcome, 'promoted', JSON.stringify(again.result.promotion));
    assert.equal(again.result.compared_with?.version, 'v1');
    assert.equal((again.result.compared_with?.metrics as { accuracy: number }).accuracy, first.metrics!.accuracy, 'v1 scored on the same holdout as its own run');
  });

  test('two pipelines, or two hosts, push to groups of their own', async () => {
    await run({ modelDir: join(dir, 'other'), pipeline: 'other', instance: 'host-b' });
    const mine = await pushed(grouping);
    const theirs = await pushed({ job: PIPELINE_JOB, pipeline: 'other', instance: 'host-b' });
    assert.equal(value(theirs, 'pipeline_rows_processed_total'), 3000);
    assert.ok(value(mine, 'pipeline_rows_processed_total')! > 3000, 'the first pipeline keeps its own total');
  });

  test('a Pushgateway that cannot be reached is reported and does not fail the run', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const { result, lines } = await run({ modelDir: join(dir, 'unreachable'), url: closed });
    assert.equal(result.status, 'success');
    assert.equal(result.push?.ok, false);
    assert.match((result.push as { error: string }).error, /cannot push to the Pushgateway at .*connection refused/);
    assert.ok(lines.some((l) => l['event.action'] === 'pipeline_push' && l.level === 'WARNING'));
  });

  /** One step in-process, as `pipeline run --only <step> --run-dir <dir>` runs it. */
  const runStep = async (step: StepName, options: { modelDir: string; runDir: string; failAt?: StepName; pipeline: string }) => {
    const lines = new CapturedLines();
    const logger = createLogger({ serviceName: 'ml-pipeline', level: 'info', stdout: false, stream: lines });
    const result = await runPipelineStep({
      settings: { data, seed: 42, testShare: 0.2, tolerance: 0.005, maxIterations: 40 },
      modelDir: options.modelDir,
      pipeline: options.pipeline,
      instance: 'ci',
      pushgatewayUrl: gatewayUrl,
      log: logger.pipeline,
      progress: createProgress(false),
      failAt: options.failAt,
      step,
      runDir: options.runDir,
    });
    await logger.drain();
    return { result, lines: lines.lines };
  };
  const groups = async () => ((await (await fetch(`${gatewayUrl}/api/v1/metrics`)).json()) as { data: PushedGroup[] }).data.map((g) => g.labels.pipeline);

  test('one step per process (--only/--run-dir) is the same run as a whole one, pushed once, at its end', async () => {
    const whole = await run({ modelDir: join(dir, 'whole'), pipeline: 'whole' });
    const runDir = join(dir, 'runs', 'stepwise');
    const stepModels = join(dir, 'stepwise');
    const runIds = new Set<string>();
    let last: PipelineResult | undefined;
    for (const step of STEP_NAMES) {
      const { result, lines } = await runStep(step, { modelDir: stepModels, runDir, pipeline: 'stepwise' });
      assert.equal(result.status, 'success', `${step}: ${JSON.stringify(result.steps)}`);
      assert.deepEqual(result.steps.map((s) => s.name), STEP_NAMES.slice(0, STEP_NAMES.indexOf(step) + 1));
      assert.deepEqual(lines.filter((l) => l['event.action'] === 'pipeline_step_end').map((l) => l['pipeline.step']), [step]);
      for (const line of lines) runIds.add(String(line['pipeline.run_id']));
      if (step !== 'promote') assert.ok(!(await groups()).includes('stepwise'), `nothing is pushed before the run ends (after ${step})`);
      last = result;
    }
    assert.equal(runIds.size, 1, 'every step logs under one run id');
    // The trees, split and evaluation came through the run directory unchanged.
    assert.deepEqual(last!.metrics, whole.result.metrics);
    assert.equal(last!.version, 'v1');
    assert.equal(new ModelRegistry(stepModels).currentVersion(), 'v1');
    const metrics = await pushed({ job: PIPELINE_JOB, pipeline: 'stepwise', instance: 'ci' });
    assert.deepEqual(stepStatuses(metrics), Object.fromEntries(STEP_NAMES.map((s) => [s, STEP_STATUS.succeeded])));
    assert.equal(value(metrics, 'pipeline_run_status'), 1);
    assert.equal(value(metrics, 'pipeline_rows_processed_total'), 3000);
    // A finished run keeps its reports, not its rows and trees.
    const state = readRunState(runDir)!;
    assert.equal(state.steps.length, STEP_NAMES.length);
    assert.equal(state.context.split, undefined);
    assert.equal(state.context.fitted, undefined);
  });

  test('a failed step ends the run as failed; retried, it goes on from the saved state', async () => {
    const runDir = join(dir, 'runs', 'retried');
    const models = join(dir, 'retried');
    for (const step of ['ingest', 'validate', 'split'] as const) await runStep(step, { modelDir: models, runDir, pipeline: 'retried' });
    const failed = await runStep('train', { modelDir: models, runDir, pipeline: 'retried', failAt: 'train' });
    assert.equal(failed.result.status, 'failure');
    assert.equal(failed.result.failed_step, 'train');
    const metrics = await pushed({ job: PIPELINE_JOB, pipeline: 'retried', instance: 'ci' });
    assert.deepEqual(stepStatuses(metrics), { ingest: 1, validate: 1, split: 1, train: 0, evaluate: -1, register: -1, promote: -1 });
    assert.equal(value(metrics, 'pipeline_run_status'), 0);
    await assert.rejects(runStep('evaluate', { modelDir: models, runDir, pipeline: 'retried' }), (error: Error) => error instanceof RunStateError && /needs train, which has not succeeded/.test(error.message));
    for (const step of ['train', 'evaluate', 'register', 'promote'] as const) {
      const { result } = await runStep(step, { modelDir: models, runDir, pipeline: 'retried' });
      assert.equal(result.status, 'success', step);
    }
    const retried = await pushed({ job: PIPELINE_JOB, pipeline: 'retried', instance: 'ci' });
    assert.equal(value(retried, 'pipeline_run_status'), 1);
    // Failed, then retried to success: one run, its rows and its promotion counted once.
    assert.equal(value(retried, 'pipeline_rows_processed_total'), 3000);
    assert.equal(value(retried, 'model_promotion_total', { outcome: 'promoted' }), 1);
    const totals = readTotals(models, 'retried');
    assert.equal(totals.runs, 1);
    assert.equal(totals.rowsProcessed, 3000);
    assert.ok(totals.lastSuccessAt! >= totals.lastRunAt);
    assert.equal(new ModelRegistry(models).currentVersion(), 'v1');
    await assert.rejects(runStep('split', { modelDir: models, runDir: join(dir, 'runs', 'never-started'), pipeline: 'retried' }), /holds no run: run its first step \(ingest\)/);
  });

  test('register is idempotent per run: run again, or retried after a crash before run.json was saved, it returns the same version', async () => {
    const runDir = join(dir, 'runs', 'register-twice');
    const models = join(dir, 'register-twice');
    for (const step of ['ingest', 'validate', 'split', 'train', 'evaluate'] as const) await runStep(step, { modelDir: models, runDir, pipeline: 'register-twice' });
    const beforeRegister = readFileSync(join(runDir, 'run.json'));
    assert.equal((await runStep('register', { modelDir: models, runDir, pipeline: 'register-twice' })).result.version, 'v1');
    assert.equal((await runStep('register', { modelDir: models, runDir, pipeline: 'register-twice' })).result.version, 'v1', 'run again');
    // A process killed after the registry write but before run.json's: the directory still says evaluate came last.
    writeFileSync(join(runDir, 'run.json'), beforeRegister);
    assert.equal((await runStep('register', { modelDir: models, runDir, pipeline: 'register-twice' })).result.version, 'v1', 'retried after a crash');
    const registry = new ModelRegistry(models);
    assert.deepEqual(registry.list().map((e) => e.version), ['v1']);
    assert.equal(registry.read('v1').artifact.training.pipeline_run_id, readRunState(runDir)!.runId);
  });

  test('a run that is over refuses every step but ingest: exit 2, nothing counted or pushed', async () => {
    const runDir = join(dir, 'runs', 'over');
    const models = join(dir, 'over');
    for (const step of STEP_NAMES) await runStep(step, { modelDir: models, runDir, pipeline: 'over' });
    const pushTime = async () => value(await pushed({ job: PIPELINE_JOB, pipeline: 'over', instance: 'ci' }), 'push_time_seconds');
    const pushedAt = await pushTime();
    assert.ok(pushedAt! > 0, 'the run was pushed once');
    const ended = readRunState(runDir)!.runId;
    const totals = readTotals(models, 'over');
    assert.equal(totals.runs, 1);
    for (const step of ['promote', 'evaluate', 'validate'] as const) {
      const cli = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'pipeline', 'run', '--data', data, '--model-dir', models, '--pipeline', 'over', '--only', step, '--run-dir', runDir], { encoding: 'utf8', env: { ...process.env, PUSHGATEWAY_URL: gatewayUrl } });
      assert.equal(cli.status, 2, `${step}: ${cli.stderr}`);
      assert.match(cli.stderr, /run [0-9a-f-]+ in .* is over .*; start a new one with ingest/);
    }
    assert.deepEqual(readTotals(models, 'over'), totals, 'nothing counted');
    assert.equal(await pushTime(), pushedAt, 'nothing pushed');
    assert.equal((await runStep('ingest', { modelDir: models, runDir, pipeline: 'over' })).result.status, 'success', 'ingest starts a new run');
    assert.notEqual(readRunState(runDir)!.runId, ended);
  });

  test('a step run again starts from what the steps before it left; split again after train asks for validate first', async () => {
    const runDir = join(dir, 'runs', 'rerun');
    const opts = { modelDir: join(dir, 'rerun'), runDir, pipeline: 'rerun' };
    for (const step of ['ingest', 'validate', 'split'] as const) await runStep(step, opts);
    const again = await runStep('split', opts);
    assert.equal(again.result.status, 'success', JSON.stringify(again.result.steps));
    for (const step of ['train', 'evaluate'] as const) await runStep(step, opts);
    assert.ok(readRunState(runDir)!.context.evaluation, 'evaluate left its evaluation');
    await assert.rejects(runStep('split', opts), (error: Error) => error instanceof RunStateError && /needs the rows step validate left.*run validate again first/.test(error.message));
    await runStep('validate', opts);
    const state = readRunState(runDir)!;
    assert.deepEqual(state.steps.map((s) => s.name), ['ingest', 'validate']);
    for (const key of ['split', 'fitted', 'trainSeconds', 'evaluation', 'version'] as const) assert.equal(state.context[key], undefined, `${key} cleared with the steps that left it`);
    for (const step of ['split', 'train', 'evaluate', 'register', 'promote'] as const) assert.equal((await runStep(step, opts)).result.status, 'success', step);
    assert.equal(new ModelRegistry(opts.modelDir).currentVersion(), 'v1');
  });

  test('later steps use the settings and registry the run started with: --data optional, a different value refused (exit 2)', () => {
    const runDir = join(dir, 'runs', 'settings');
    const models = join(dir, 'settings-models');
    const other = join(dir, 'settings-other');
    const step = (step: StepName, ...flags: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'pipeline', 'run', '--only', step, '--run-dir', runDir, '--json', ...flags], { encoding: 'utf8', env: { ...process.env, MODEL_DIR: '', SEED: '', PUSHGATEWAY_URL: '', PROMOTION_TOLERANCE: '' } });
    const noData = step('ingest', '--model-dir', models);
    assert.equal(noData.status, 2, noData.stderr);
    assert.match(noData.stderr, /--data <csv>' not specified \(ingest starts the run/);
    assert.equal(step('ingest', '--data', data, '--model-dir', models, '--max-iterations', '20').status, 0);
    assert.equal(readRunState(runDir)!.modelDir, models, 'run.json keeps the registry');
    const validate = step('validate');
    assert.equal(validate.status, 0, validate.stderr);
    const refused: [string[], RegExp][] = [
      [['--model-dir', other], /--model-dir \(env MODEL_DIR\) is ".*settings-other", but run [0-9a-f-]+ in .* was started with ".*settings-models"/],
      [['--seed', '7'], /--seed \(env SEED\) is 7, but run .* was started with 42/],
      [['--data', join(dir, 'other.csv')], /--data is ".*other.csv", but run .* was started with ".*train.csv"/],
      [['--max-iterations', '30'], /--max-iterations is 30, but .* started with 20/],
    ];
    for (const [flags, message] of refused) {
      const result = step('split', ...flags);
      assert.equal(result.status, 2, `${flags.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.match(result.stderr, /start a new run with ingest/);
    }
    assert.equal(readRunState(runDir)!.steps.length, 2, 'a refused step leaves the run as it was');
    const same = step('split', '--data', data, '--model-dir', models, '--seed', '42');
    assert.equal(same.status, 0, `the same values are accepted: ${same.stderr}`);
    for (const name of ['train', 'evaluate', 'register', 'promote'] as const) assert.equal(step(name).status, 0, name);
    assert.equal(new ModelRegistry(models).currentVersion(), 'v1');
    assert.equal(new ModelRegistry(other).list().length, 0, 'nothing went to the other registry');
    // A run directory with no run, or a run.json that cannot be read: exit 2, naming the problem.
    const empty = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'pipeline', 'run', '--only', 'validate', '--run-dir', join(dir, 'runs', 'none')], { encoding: 'utf8' });
    assert.equal(empty.status, 2, empty.stderr);
    assert.match(empty.stderr, /holds no run: run its first step \(ingest\)/);
    writeFileSync(join(runDir, 'run.json'), '{"runId":');
    const corrupt = step('validate');
    assert.equal(corrupt.status, 2, corrupt.stderr);
    assert.match(corrupt.stderr, /run\.json cannot be read .*start the run again from its first step/);
  });

  test('the CLI exits 1 on a failed run, names the step, prints JSON with --json and pushes under PIPELINE_INSTANCE', async () => {
    const cli = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'pipeline', 'run', '--data', data, '--model-dir', join(dir, 'cli'), '--pipeline', 'cli-drill', '--max-iterations', '20', '--fail-at', 'train', '--json'], { encoding: 'utf8', env: { ...process.env, PUSHGATEWAY_URL: gatewayUrl, PIPELINE_INSTANCE: 'nightly-cron' } });
    assert.equal(cli.status, 1, cli.stderr);
    const out = JSON.parse(cli.stdout) as PipelineResult;
    assert.equal(out.failed_step, 'train');
    assert.deepEqual(out.steps.map((s) => s.status), ['succeeded', 'succeeded', 'succeeded', 'failed', 'skipped', 'skipped', 'skipped']);
    // The group is named by the setting, not by this host: the next run replaces it.
    assert.equal(value(await pushed({ job: PIPELINE_JOB, pipeline: 'cli-drill', instance: 'nightly-cron' }), 'pipeline_run_status'), 0);
    const usage = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'pipeline', 'run', '--data', data, '--rules', 'class_balance=maybe'], { encoding: 'utf8' });
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /--rules/);
  });
});

describe('modelwatch model list | promote | rollback', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'model', ...args], { encoding: 'utf8' });

  test('lists versions, promotes by hand, and rolls back through the recorded history', async () => {
    const dir = tempDir('modelwatch-model-cli-');
    const data = join(dir, 'train.csv');
    await writeLabelledCsv(data, generateSynthetic({ rows: 1000, seed: 8 }));
    const modelDir = join(dir, 'models');
    for (let i = 0; i < 2; i++) {
      const logger = createLogger({ serviceName: 'ml-pipeline', level: 'info', stdout: false, stream: new CapturedLines() });
      const { status } = await runPipeline({ settings: { data, seed: 3, testShare: 0.2, tolerance: 0.005, maxIterations: 10 }, modelDir, log: logger.pipeline, progress: createProgress(false) });
      assert.equal(status, 'success');
    }
    const list = JSON.parse(cli('list', '--model-dir', modelDir, '--json').stdout) as { version: string; current: boolean; accuracy: number }[];
    assert.deepEqual(list.map((v) => [v.version, v.current]), [['v1', false], ['v2', true]]);
    assert.ok(list.every((v) => v.accuracy > 0.5));
    assert.match(cli('list', '--model-dir', modelDir).stdout, /^\* v2 /m);

    let step = cli('rollback', '--model-dir', modelDir);
    assert.equal(step.status, 0, step.stderr);
    assert.match(step.stdout, /rolled back from v2 to v1/);
    step = cli('rollback', '--model-dir', modelDir);
    assert.equal(step.status, 1);
    assert.match(step.stderr, /nothing to roll back to: v1 is the first version/);
    step = cli('promote', 'v2', '--model-dir', modelDir);
    assert.equal(step.status, 0, step.stderr);
    assert.match(step.stdout, /v2 is now current \(was v1\)/);
    step = cli('promote', 'v9', '--model-dir', modelDir);
    assert.equal(step.status, 1);
    assert.match(step.stderr, /v9 is not in the registry/);
    const registry = new ModelRegistry(modelDir);
    assert.equal(registry.currentVersion(), 'v2');
    assert.deepEqual(registry.history().map((c) => [c.from, c.to, c.by]), [[null, 'v1', 'pipeline'], ['v1', 'v2', 'pipeline'], ['v2', 'v1', 'rollback'], ['v1', 'v2', 'promote']]);
    // A corrupt version is refused before it can become current.
    writeFileSync(registry.fileOf('v1'), '{"not": "an artifact"}');
    step = cli('promote', 'v1', '--model-dir', modelDir);
    assert.equal(step.status, 1);
    assert.equal(registry.currentVersion(), 'v2');
  });
});
