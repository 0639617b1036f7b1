/**
 * `npm run bench`: POST /predict throughput and latency of modelwatch against a bare node:http
 * server, per GUIDE §7. Four servers, each a child process started fresh for each round:
 *   a  bare node:http (reads the body, JSON.parse, constant answer)
 *   b  modelwatch with metrics, the audit log (to a file) and model monitoring on
 *   c  modelwatch with METRICS_ENABLED=false AUDIT_LOG=false MODEL_MONITORING=false
 *   d  modelwatch with metrics and the audit log on, MODEL_MONITORING=false
 * Each round starts all four fresh, then drives them in turns of --slice seconds (a, b, c, d, then
 * b, c, d, a, ...) until each has had --seconds, so a slow spell of the shared machine hits them
 * all alike; the report gives medians, per-round ratios and PASS/FAIL per target, and writes
 * bench/results/latest.json. Exit code 1 when a target fails.
 *
 * Flags: --rounds <n> (12), --seconds <s> (6), --slice <s> (1), --connections <n> (16), --warmup <s> (3),
 * --servers <list> (a,b,c,d; e.g. b,d to compare two configurations in more rounds),
 * --model <dir> (serve that registry's current version — e.g. an imported XGBoost model — instead
 * of training the default one), --body <file> (the JSON /predict body, for a model whose schema is
 * not bank-marketing's), --profile (CPU profiles of the modelwatch children into bench/results/profiles).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, killAllChildren, startServer, type ServerChild } from './children.js';
import type { Histogram } from 'hdr-histogram-js';
import { drive, driveInTurns, latencyHistogram, SEED_BODY } from './drive.js';
import { appendHistory, currentCommit, entryOf } from './history.js';
import { projectRoot, startModelwatch, SWITCHES, trainOnce } from './modelwatch-server.js';
import { describeMachine, formatRun, formatSummary, SERVER_NAMES } from './report.js';
import { SERVER_KEYS, summarise, type Run, type ServerKey } from './summary.js';


interface BenchOptions {
  readonly rounds: number;
  readonly seconds: number;
  readonly connections: number;
  readonly warmup: number;
  /** Seconds each server is driven before the next takes its turn. */
  readonly slice: number;
  readonly profile: boolean;
  readonly servers: readonly ServerKey[];
  /** A registry to serve instead of training the default model. */
  readonly model?: string;
  /** The /predict body sent. */
  readonly body: string;
}

function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      rounds: { type: 'string', default: '12' },
      seconds: { type: 'string', default: '6' },
      connections: { type: 'string', default: '16' },
      warmup: { type: 'string', default: '3' },
      slice: { type: 'string', default: '1' },
      profile: { type: 'boolean', default: false },
      servers: { type: 'string', default: SERVER_KEYS.join(',') },
      model: { type: 'string' },
      body: { type: 'string' },
    },
  });
  const int = (name: string, value: string, min: number, max: number) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer in ${min}..${max}, got "${value}"`);
    return n;
  };
  return {
    rounds: int('rounds', values.rounds, 1, 100),
    seconds: int('seconds', values.seconds, 1, 600),
    connections: int('connections', values.connections, 1, 1024),
    warmup: int('warmup', values.warmup, 0, 600),
    slice: int('slice', values.slice, 1, 600),
    profile: values.profile,
    servers: parseServers(values.servers),
    model: values.model,
    body: values.body ? JSON.stringify(JSON.parse(readFileSync(values.body, 'utf8'))) : SEED_BODY,
  };
}

function parseServers(list: string): ServerKey[] {
  const servers = list.split(',').map((s) => s.trim());
  const unknown = servers.filter((s) => !(SERVER_KEYS as readonly string[]).includes(s));
  if (unknown.length || servers.length === 0) throw new Error(`--servers takes a comma-separated subset of ${SERVER_KEYS.join(',')}, got "${list}"`);
  return SERVER_KEYS.filter((k) => servers.includes(k));
}

interface Context {
  readonly root: string;
  readonly tmp: string;
  readonly modelDir: string;
  readonly options: BenchOptions;
}

async function startFor(ctx: Context, server: ServerKey, logFile: string): Promise<ServerChild> {
  if (server === 'a') {
    const port = await freePort();
    const script = join(ctx.root, 'dist', 'bench', 'bare-server.js');
    return startServer({ name: SERVER_NAMES.a, args: [script], env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' }, cwd: ctx.root, port, readyTimeoutMs: 10_000 });
  }
  const nodeArgs = ctx.options.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(ctx.root, 'bench', 'results', 'profiles', server)}`] : [];
  return startModelwatch({ root: ctx.root, modelDir: ctx.modelDir, logFile, switches: SWITCHES[server], name: SERVER_NAMES[server], nodeArgs });
}

/** One request first: a benchmark of 400s would measure the error path and mean nothing. */
async function checkAnswers(server: ServerChild, body: string): Promise<void> {
  const response = await fetch(`${server.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await response.text();
  if (response.status !== 200 || !text.includes('"prediction"')) throw new Error(`${server.name}: POST /predict answered ${response.status} ${text.slice(0, 300)}`);
}

/** A server started for one round, with what its slices have added up to so far. */
interface Contender {
  readonly server: ServerKey;
  readonly child: ServerChild;
  readonly logFile: string;
  readonly latency: Histogram;
  answers: number;
  seconds: number;
  failures: number;
  cpuSeconds: number;
}

async function startContender(ctx: Context, server: ServerKey, round: number): Promise<Contender> {
  const logFile = join(ctx.tmp, `log-${server}-${round}.ndjson`);
  const child = await startFor(ctx, server, logFile);
  await checkAnswers(child, ctx.options.body);
  return { server, child, logFile, latency: latencyHistogram(), answers: 0, seconds: 0, failures: 0, cpuSeconds: 0 };
}

/**
 * One round: fresh processes for every server, all started before any is measured; a warm-up each;
 * then the measured seconds in slices that take turns (a, b, c, d, then b, c, d, a, ...), so that
 * a spell in which this shared machine runs slower falls on every server alike. Idle servers cost
 * next to nothing while another is driven: a few timers, the fastest prom-client's event-loop delay
 * sampler every 10 ms.
 */
async function measureRound(ctx: Context, round: number): Promise<(Run & { auditLogMb: number })[]> {
  const { options } = ctx;
  const contenders: Contender[] = [];
  try {
    for (const server of options.servers) contenders.push(await startContender(ctx, server, round));
    const load = { connections: options.connections, path: '/predict', body: options.body };
    if (options.warmup > 0) for (const c of contenders) await drive(c.child.url, { ...load, seconds: options.warmup });
    const turns = Math.ceil(options.seconds / options.slice);
    const secondsOf = (turn: number) => Math.min(options.slice, options.seconds - turn * options.slice);
    const children = contenders.map((c) => c.child);
    await driveInTurns(children, turns, secondsOf, load, (i) => contenders[i].latency, ({ index, measurement, cpuSeconds }) => {
      const c = contenders[index];
      c.cpuSeconds += cpuSeconds;
      c.answers += measurement.answers;
      c.seconds += measurement.seconds;
      c.failures += measurement.failures;
    });
    return contenders.map((c) => ({
      round,
      server: c.server,
      rps: c.answers / c.seconds,
      p50Ms: c.latency.getValueAtPercentile(50) / 1000,
      p99Ms: c.latency.getValueAtPercentile(99) / 1000,
      answers: c.answers,
      failures: c.failures,
      seconds: c.seconds,
      peakRssMb: c.child.peakRssMb(),
      // CPU per answer is steadier than throughput on a shared machine: stolen time does not count.
      cpuUsPerRequest: (c.cpuSeconds * 1e6) / Math.max(1, c.answers),
      auditLogMb: existsSync(c.logFile) ? statSync(c.logFile).size / 2 ** 20 : 0,
    }));
  } finally {
    for (const c of contenders) {
      await c.child.stop();
      rmSync(c.logFile, { force: true });
    }
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const root = projectRoot();
  const tmp = mkdtempSync(join(tmpdir(), 'modelwatch-bench-'));
  const cleanUp = () => {
    killAllChildren();
    rmSync(tmp, { recursive: true, force: true });
  };
  process.on('exit', cleanUp);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      cleanUp();
      process.exit(130);
    });
  }
  const ctx: Context = { root, tmp, modelDir: options.model ?? join(tmp, 'models'), options };
  // Taken now: by the end the run has rewritten bench/results/latest.json, a tracked file.
  const commit = currentCommit(root);
  const machine = describeMachine();
  process.stdout.write(
    `machine: ${machine.cores} cores, ${machine.cpuModel}, ${machine.memoryGb} GB, ${machine.platform}, Node ${machine.node}, load average ${machine.loadAverage}\n` +
      `model: ${options.model ? `the current version of ${options.model}` : 'the default model, trained for this run'}\n` +
        `load: autocannon in this process, POST /predict with ${options.body === SEED_BODY ? "the seed's body" : options.body}, ${options.connections} connections on loopback; ` +
      `${options.warmup} s warm-up + ${options.seconds} s measured per server and round, in ${options.slice} s slices taking turns; ` +
        `${options.rounds} round(s) of ${options.servers.join(', ')}, fresh processes each round\n`,
  );
  if (!options.model) await trainOnce(root, ctx.modelDir, join(tmp, 'bootstrap.ndjson'));
  const runs: (Run & { auditLogMb: number })[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    for (const run of await measureRound(ctx, round)) {
      runs.push(run);
      process.stdout.write(formatRun(run));
    }
  }
  const summary = summarise(runs);
  process.stdout.write(formatSummary(summary, options.rounds));
  const auditMb = runs.filter((r) => r.server === 'b').map((r) => r.auditLogMb);
  process.stdout.write(`audit log of b: ${auditMb.map((mb) => `${mb.toFixed(1)} MB`).join(', ')} per run (checks it was really on)\n`);
  const resultsDir = join(root, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  // A partial run (--servers) does not replace the full run's record.
  const partial = options.servers.length < SERVER_KEYS.length;
  const file = join(resultsDir, partial ? `latest-${options.servers.join('')}.json` : 'latest.json');
  writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), machine, options, body: options.body, runs, ...summary }, null, 2)}\n`);
  process.stdout.write(`wrote ${file}\n`);
  const history = join(resultsDir, 'history.jsonl');
  const { rounds, seconds, slice, servers } = options;
  appendHistory(history, entryOf(summary, { date: new Date().toISOString(), commit, rounds, seconds, slice, servers }));
  process.stdout.write(`appended to ${history} (pool runs with \`npm run bench:pool\`)\n`);
  if (options.profile) process.stdout.write(`CPU profiles: ${join(resultsDir, 'profiles')}/{b,c,d}/*.cpuprofile\n`);
  if (runs.some((r) => r.failures > 0)) process.stdout.write('WARNING: some requests failed; see the per-run lines.\n');
  if (summary.targets.some((t) => !t.aim && !t.pass)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  killAllChildren();
  process.exitCode = 2;
});
