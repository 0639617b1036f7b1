/**
 * Real log lines of every kind modelwatch writes, for the tests that hold them against the index
 * template and against ECS: request lines (predictions with raw inputs, rejections with problems,
 * an unhandled error with its stack, feedback of every outcome, drift level changes, in-process
 * alerts firing), operational lines (a first start that trains a model, start, hot reloads that
 * switch, stay and fail, stop), the lines of `modelwatch serve` itself (SIGHUP, SIGTERM) and
 * the training pipeline's (a run that succeeds with a push that fails, and one that fails).
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createProgress } from '../../src/cli/progress.js';
import { loadConfig } from '../../src/config.js';
import { writeLabelledCsv } from '../../src/data/csv.js';
import { generateSynthetic, syntheticRows } from '../../src/data/synthetic.js';
import { ensureModel, syntheticTrainingSet } from '../../src/model/bootstrap.js';
import { ModelRegistry } from '../../src/model/registry.js';
import { trainModel } from '../../src/model/train.js';
import { createLogger } from '../../src/monitoring/audit/logger.js';
import { runPipeline } from '../../src/pipeline/run.js';
import { startService } from '../../src/server/serve.js';
import { CapturedLines, SEED_BODY, tempDir, testApp, trainedRegistry } from './fixtures.js';

/** A parsed log line. */
export type LogLine = Record<string, unknown>;

async function requestLines(): Promise<LogLine[]> {
  // `for` scaled to 0 lets the console's in-process alerts fire on the first evaluation.
  const t = await testApp({ AUDIT_RAW_INPUTS: 'true', DRIFT_WINDOW_SIZE: '200', DRIFT_MIN_SAMPLES: '200', PREDICTION_STORE_TTL_SECONDS: '1', CONSOLE_ALERT_FOR_SCALE: '0' });
  t.app.get('/test-unhandled-error', async () => {
    throw new TypeError('a bug, not bad input');
  });
  const rows = [...syntheticRows({ rows: 200, seed: 3, drift: 1 })];
  await t.app.inject({ method: 'POST', url: '/predict/batch', payload: { rows: rows.slice(0, 100).map((r) => r.features) }, headers: { 'x-request-id': 'es-a' } });
  await t.app.inject({ method: 'POST', url: '/predict/batch', payload: { rows: rows.slice(100).map((r) => r.features) }, headers: { 'x-request-id': 'es-b' } });
  await t.app.inject({ method: 'POST', url: '/predict', payload: { ...SEED_BODY, age: 5, job: 'astronaut' } });
  await t.app.inject({ method: 'POST', url: '/predict', payload: '{"age":', headers: { 'content-type': 'application/json' } });
  await t.app.inject({ method: 'GET', url: '/test-unhandled-error' });
  await t.app.inject({ method: 'POST', url: '/feedback', payload: { request_id: 'es-a:0', actual: 1 } });
  await t.app.inject({ method: 'POST', url: '/feedback', payload: { request_id: 'es-a:0', actual: 1 } });
  await t.app.inject({ method: 'POST', url: '/feedback', payload: { request_id: 'es-a:0', actual: 0 } });
  await t.app.inject({ method: 'POST', url: '/feedback', payload: { request_id: 'nope', actual: 0 } });
  await t.app.inject({ method: 'POST', url: '/feedback', payload: { actual: 3 } });
  t.monitor!.tick();
  await new Promise((resolve) => setTimeout(resolve, 1100));
  await t.app.inject({ method: 'POST', url: '/feedback', payload: { request_id: 'es-b:0', actual: 1 } });
  await t.app.close();
  await t.log.drain();
  return t.captured.lines;
}

async function operationalLines(): Promise<LogLine[]> {
  const captured = new CapturedLines();
  const log = createLogger({ serviceName: 'ml-pipeline', level: 'info', stdout: false, stream: captured });
  // A first start on an empty registry trains a model (progress every 100 trees, then the holdout).
  const data = join(tempDir(), 'first.csv');
  await writeLabelledCsv(data, generateSynthetic({ rows: 600, seed: 5 }));
  await ensureModel(new ModelRegistry(tempDir()), { trainData: data, seed: 1, log: log.service });
  // A service on a registry of its own: reloads that switch, find the version already serving, and fail.
  const registry = new ModelRegistry(tempDir('modelwatch-lines-'));
  mkdirSync(registry.versionsDir, { recursive: true });
  copyFileSync(trainedRegistry().fileOf('v1'), registry.fileOf('v1'));
  registry.setCurrent('v1');
  const config = loadConfig({}, { PORT: 0, HOST: '127.0.0.1', MODEL_DIR: registry.dir, LOG_STDOUT: false, MODEL_WATCH: false });
  const service = await startService(config, { log });
  try {
    const { rows, sha256 } = syntheticTrainingSet(8, 1_000);
    registry.register(trainModel({ rows, dataSha256: sha256, dataSource: 'synthetic(lines)', params: { maxIter: 10 } }).artifact);
    await service.reloader.reload('admin', 'v2');
    await service.reloader.reload('sighup');
    // CURRENT naming a version that is not there: the reload fails, v2 keeps serving.
    writeFileSync(registry.pointerFile, 'v9\n');
    await service.reloader.reload('sighup');
  } finally {
    await service.close();
  }
  return captured.lines;
}

/** `modelwatch serve` as its own process: listening, SIGHUP, SIGTERM. */
async function processLines(): Promise<LogLine[]> {
  const logFile = join(tempDir(), 'serve.ndjson');
  // Paths from this file, not the working directory: a test run from elsewhere finds the CLI and tsx.
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts'), 'serve', '--port', '0', '--host', '127.0.0.1'], {
    cwd: root,
    env: { ...process.env, MODEL_DIR: trainedRegistry().dir, LOG_FILE: logFile, LOG_STDOUT: 'false', MODEL_WATCH: 'false' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const written = () => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  const until = async (pattern: RegExp) => {
    for (const started = Date.now(); !pattern.test(written()); await new Promise((resolve) => setTimeout(resolve, 50))) {
      if (Date.now() - started > 30_000) throw new Error(`modelwatch serve wrote no ${pattern} in 30 s: ${written()}`);
    }
  };
  try {
    await until(/listening on/);
    child.kill('SIGHUP');
    await until(/reload \(sighup\)/);
    child.kill('SIGTERM');
    if ((await exited) !== 0) throw new Error('modelwatch serve did not stop cleanly');
  } finally {
    child.kill('SIGKILL');
  }
  return written().trim().split('\n').map((line) => JSON.parse(line) as LogLine);
}

async function pipelineLines(): Promise<LogLine[]> {
  const captured = new CapturedLines();
  const log = createLogger({ serviceName: 'ml-pipeline', level: 'info', stdout: false, stream: captured });
  const data = join(tempDir(), 'train.csv');
  await writeLabelledCsv(data, generateSynthetic({ rows: 1000, seed: 9 }));
  const settings = { data, seed: 1, testShare: 0.2, tolerance: 0.005, maxIterations: 10 };
  const modelDir = tempDir();
  await runPipeline({ settings, modelDir, log: log.pipeline, progress: createProgress(false), pushgatewayUrl: 'http://127.0.0.1:1' });
  await runPipeline({ settings, modelDir, log: log.pipeline, progress: createProgress(false), failAt: 'validate' });
  await log.drain();
  return captured.lines;
}

let collected: Promise<LogLine[]> | undefined;
/**
 * Every kind of line, written once per test process.
 *
 * @example const lines = await everyKindOfLogLine(); lines.some((l) => l.message === 'prediction') // true
 */
export function everyKindOfLogLine(): Promise<LogLine[]> {
  collected ??= (async () => [...(await requestLines()), ...(await operationalLines()), ...(await processLines()), ...(await pipelineLines())])();
  return collected;
}
