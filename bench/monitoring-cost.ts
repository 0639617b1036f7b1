/**
 * `npm run bench:monitoring`: what model monitoring (drift, the prediction store, live quality)
 * costs per request in the running service, measured by switching it on and off every second in one
 * process under constant load. A script, not a test.
 *
 * Why this exists beside `npm run bench`: on a shared 2-vCPU machine two server processes measured
 * a minute apart differ by more than the few percent to be measured (one configuration's CPU per
 * request moved between 53 and 79 µs across rounds). Alternating within one process every second
 * and pairing neighbouring phases cancels those slow swings; the trimmed mean of the paired
 * differences is the cost.
 *
 * The server is built in this process (CPU per request is `process.cpuUsage()` over the answers of
 * each phase); autocannon runs in a child process so its work is not counted.
 * Flags: --seconds <s> (100), --model-dir <dir> (trains a small model in a temporary one if absent),
 * --switch monitoring|observability|console (observability switches the request-path metrics and
 * the prediction audit line instead: the core issue's observability cost, measured the same way;
 * console switches the web console: keeping each log line in its window, sampling the series and
 * evaluating the alerts on the tick, and serving an open page's refreshes — from a second child, at
 * the start of every on-phase, i.e. every 2 s, 2.5 times the page's default — so its cost is what
 * an open console costs); --parts lines,series,page switches only some of these three).
 */
import { fork } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { syntheticTrainingSet } from '../src/model/bootstrap.js';
import { ModelRegistry } from '../src/model/registry.js';
import { trainModel } from '../src/model/train.js';
import { createLogger } from '../src/monitoring/audit/logger.js';
import { createServiceMetrics } from '../src/monitoring/metrics/index.js';
import { createModelMonitor, type ModelMonitor } from '../src/monitoring/model-monitor.js';
import { buildApp } from '../src/server/app.js';
import { registerConsolePage } from '../src/server/plugins/console.js';
import { registerConsoleApi } from '../src/server/plugins/console-api.js';
import { ModelState } from '../src/server/model-state.js';
import { drive, SEED_BODY } from './drive.js';
import { describeMachine } from './report.js';

/** Phases left out at the start (JIT warm-up, the store filling). */
const WARMUP_PHASES = 6;

if (process.argv[2] === '--load') {
  await drive(process.argv[3], { connections: 16, path: '/predict', body: SEED_BODY, seconds: Number(process.argv[4]) });
  process.exit(0);
}
if (process.argv[2] === '--console') {
  // An open console: the page once, then one refresh (its four requests) whenever the parent asks.
  const base = process.argv[3];
  const get = async (path: string) => (await fetch(`${base}${path}`, { headers: { 'accept-encoding': 'gzip' } })).arrayBuffer();
  await Promise.all(['/console', '/console/console.js', '/console/console.css'].map(get));
  process.on('message', () => {
    void Promise.all(['/api/series?range=1h', '/api/drift', '/api/alerts', '/api/logs?limit=100'].map(get));
  });
  process.on('disconnect', () => process.exit(0));
  // This child only answers the parent; the IPC channel keeps it alive until the parent lets go.
  await new Promise(() => {});
}

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '100' }, 'model-dir': { type: 'string' }, switch: { type: 'string', default: 'monitoring' }, parts: { type: 'string', default: 'lines,series,page' } },
});
/** --switch console --parts: which of the console's costs are switched (the others stay off). */
const parts = new Set(values.parts.split(','));
const target = values.switch;
if (target !== 'monitoring' && target !== 'observability' && target !== 'console') throw new Error(`--switch takes monitoring, observability or console, got ${target}`);
const seconds = Number(values.seconds);
if (!Number.isInteger(seconds) || seconds < 20) throw new Error(`--seconds must be an integer ≥ 20, got ${values.seconds}`);
const scratch = mkdtempSync(join(tmpdir(), 'modelwatch-monitoring-cost-'));
const modelDir = values['model-dir'] ?? join(scratch, 'models');
const registry = new ModelRegistry(modelDir);
if (!registry.currentVersion()) {
  process.stderr.write('training a model on 45,211 synthetic rows into a temporary registry...\n');
  const { rows, sha256 } = syntheticTrainingSet(42);
  registry.setCurrent(registry.register(trainModel({ rows, dataSha256: sha256, dataSource: 'synthetic(seed=42)' }).artifact));
}

// The service as `modelwatch serve` builds it, everything on, except that the app's monitor is a
// switch in front of the real one.
// The console is built into the app by buildApp for the monitoring and observability switches, as
// `modelwatch serve` runs; for the console switch it is registered below, behind the switch.
const config = loadConfig({ MODEL_DIR: modelDir, LOG_STDOUT: 'false', LOG_FILE: join(scratch, 'audit.ndjson'), CONSOLE_ENABLED: String(target !== 'console') });
const log = createLogger({ serviceName: config.SERVICE_NAME, level: config.LOG_LEVEL, stdout: false, file: config.LOG_FILE, recentLines: config.CONSOLE_LOG_LINES });
const metrics = createServiceMetrics();
const monitor = createModelMonitor(config, metrics, log.audit);
const state = new ModelState();
state.onServe((model) => {
  metrics.setServingModel(model);
  monitor.setModel(model);
});
state.serve(registry.load());
monitor.start(config.MONITOR_INTERVAL_SECONDS);
let on = true;
const switched: Pick<ModelMonitor, 'observe' | 'beforeFlush' | 'now'> = {
  observe: (record, version, timeMs) => {
    if (on) monitor.observe(record, version, timeMs);
  },
  now: monitor.now,
  beforeFlush: (upstream) => monitor.beforeFlush(upstream),
};
// --switch observability: the request-path metrics and the prediction audit line instead.
const gated =
  <A extends unknown[]>(record: (...args: A) => void) =>
  (...args: A): void => {
    if (on) record(...args);
  };
const switchedMetrics: typeof metrics = {
  ...metrics,
  observeHttpRequest: gated(metrics.observeHttpRequest),
  observeModelRequest: gated(metrics.observeModelRequest),
  observeFeatureProcessing: gated(metrics.observeFeatureProcessing),
  observePrediction: gated(metrics.observePrediction),
  touchClient: gated(metrics.touchClient),
};
const switchedLog: typeof log = { ...log, prediction: gated(log.prediction) };
const app =
  target === 'monitoring'
    ? await buildApp({ config, state, metrics, log, monitor: switched as ModelMonitor })
    : target === 'observability'
      ? await buildApp({ config, state, metrics: switchedMetrics, log: switchedLog, monitor })
      : await buildApp({ config, state, metrics, log, monitor });
if (target === 'console') {
  // --switch console: the log window keeps the written batches, and the sampler runs on the tick,
  // only when on.
  const recent = log.recent!;
  const keep = recent.keep.bind(recent);
  recent.keep = (batch, lines) => {
    if (on && parts.has('lines')) keep(batch, lines);
  };
  const consoleMonitor = { onTick: (listener: () => void) => monitor.onTick(() => on && parts.has('series') && listener()), now: monitor.now, driftShares: () => monitor.driftShares() };
  await app.register(registerConsoleApi, { registry: metrics.registry, intervalSeconds: config.MONITOR_INTERVAL_SECONDS, forScale: 1, monitor: consoleMonitor, recent, audit: log.audit, log: log.service });
  await app.register(registerConsolePage, {});
}
let answers = 0;
app.addHook('onResponse', (_request, _reply, done) => {
  answers++;
  done();
});
const url = await app.listen({ port: 0, host: '127.0.0.1' });
const machine = describeMachine();
process.stdout.write(`machine: ${machine.cores} cores, ${machine.cpuModel}, Node ${machine.node}; ${seconds} s of load, ${target} switched every second\n`);

const phases: { on: boolean; usPerAnswer: number }[] = [];
let cpu = process.cpuUsage();
let counted = answers;
const browser = target === 'console' && parts.has('page') ? fork(fileURLToPath(import.meta.url), ['--console', url], { execArgv: process.execArgv }) : undefined;
const timer = setInterval(() => {
  const used = process.cpuUsage(cpu);
  phases.push({ on, usPerAnswer: (used.user + used.system) / Math.max(1, answers - counted) });
  cpu = process.cpuUsage();
  counted = answers;
  on = !on;
  if (on) browser?.send('refresh');
}, 1000);

const load = fork(fileURLToPath(import.meta.url), ['--load', url, String(seconds)], { execArgv: process.execArgv });
load.on('exit', async () => {
  clearInterval(timer);
  browser?.disconnect();
  const sample = target === 'console' ? (await app.inject({ url: '/api/series?range=1m' })).json<{ last_sample_seconds: number }>().last_sample_seconds : undefined;
  await app.close();
  monitor.stop();
  await log.drain();
  const measured = phases.slice(WARMUP_PHASES);
  const differences: number[] = [];
  for (let i = 0; i + 1 < measured.length; i += 2) {
    const [first, second] = [measured[i], measured[i + 1]];
    differences.push(first.on ? first.usPerAnswer - second.usPerAnswer : second.usPerAnswer - first.usPerAnswer);
  }
  const trimmedMean = (list: number[]) => {
    const sorted = [...list].sort((x, y) => x - y);
    const cut = Math.floor(sorted.length * 0.2);
    const kept = sorted.slice(cut, sorted.length - cut);
    return kept.reduce((sum, v) => sum + v, 0) / kept.length;
  };
  const onUs = trimmedMean(measured.filter((p) => p.on).map((p) => p.usPerAnswer));
  const cost = trimmedMean(differences);
  process.stdout.write(
    `server CPU per request, trimmed means over ${measured.length} phases: ${target} on ${onUs.toFixed(1)} µs, off ${trimmedMean(measured.filter((p) => !p.on).map((p) => p.usPerAnswer)).toFixed(1)} µs\n` +
      (sample === undefined ? '' : `the console's last sample of the series (and evaluation of the alerts) took ${(sample * 1e6).toFixed(0)} µs, once per ${config.MONITOR_INTERVAL_SECONDS} s tick\n`) +
      `cost of ${{ monitoring: 'model monitoring', observability: 'request metrics + prediction audit lines', console: 'the web console (log window, series and alerts on the tick, an open page refreshing every 2 s)' }[target]}: ${cost.toFixed(2)} µs per request (trimmed mean of ${differences.length} paired differences) = ${((cost / onUs) * 100).toFixed(1)} % of the CPU per request with it on\n`,
  );
  process.exit(0);
});
