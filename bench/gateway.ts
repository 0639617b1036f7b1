/**
 * `npm run bench:gateway`: what `modelwatch gateway` adds in front of a model server. Each round
 * starts three fresh child processes: a bare node:http server (bench/bare-server.ts, the upstream),
 * the floor proxy in front of it (bench/bare-proxy.ts: node:http and the gateway's own undici call,
 * nothing else) and the gateway in front of it. It drives POST /predict at the upstream directly,
 * through the floor proxy and through the gateway, in turns of --slice seconds, so a slow spell of
 * the shared machine hits all three alike. It reports, per round and as medians, the throughput
 * ratio (through / direct), the latency each proxy adds at p50 and p99, and the CPU each server and
 * the load generator (autocannon, in this process) spend per request.
 *
 * The load is a closed loop: each connection sends its next request when the last is answered, so
 * with 16 connections the three processes and the load generator saturate the machine together and
 * the latency is mostly the queue that saturation builds (connections / throughput). With
 * --connections 1 no request ever waits behind another: the latency is the time one request takes.
 *
 * Flags: --rounds <n> (6), --seconds <s> (6), --slice <s> (1), --connections <n> (16), --warmup <s> (2).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, killAllChildren, startServer, type ServerChild } from './children.js';
import { drive, driveInTurns, latencyHistogram, SEED_BODY } from './drive.js';
import { projectRoot } from './modelwatch-server.js';
import { describeMachine } from './report.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '6' },
    seconds: { type: 'string', default: '6' },
    slice: { type: 'string', default: '1' },
    connections: { type: 'string', default: '16' },
    warmup: { type: 'string', default: '2' },
  },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const slice = Number(values.slice);
const connections = Number(values.connections);
const warmup = Number(values.warmup);
const root = projectRoot();
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The upstream, the floor proxy and the gateway, in the order they are reported. */
const NAMES = ['direct', 'floor proxy', 'gateway'] as const;

async function startTrio(): Promise<ServerChild[]> {
  const upstreamPort = await freePort();
  const upstream = await startServer({ name: 'bare upstream', args: [join(root, 'dist', 'bench', 'bare-server.js')], env: { ...process.env, PORT: String(upstreamPort) }, cwd: root, port: upstreamPort, readyTimeoutMs: 10_000 });
  const floorPort = await freePort();
  const floor = await startServer({ name: 'floor proxy', args: [join(root, 'dist', 'bench', 'bare-proxy.js')], env: { ...process.env, PORT: String(floorPort), UPSTREAM: upstream.url }, cwd: root, port: floorPort, readyTimeoutMs: 10_000 });
  const gatewayPort = await freePort();
  const gateway = await startServer({
    name: 'gateway',
    args: [join(root, 'bin', 'modelwatch.js'), 'gateway', '--upstream', upstream.url, '--port', String(gatewayPort), '--host', '127.0.0.1', '--preset', 'native'],
    env: process.env,
    cwd: root,
    port: gatewayPort,
    readyTimeoutMs: 20_000,
  });
  // Another process could have taken a port between freePort's probe and the child's bind, and
  // answered /ready in its place: check that the gateway there is this one, in front of this upstream.
  const status = (await (await fetch(`${gateway.url}/-/modelwatch/status`)).json()) as { upstream?: string };
  if (status.upstream !== upstream.url) throw new Error(`the server on ${gateway.url} is not the gateway just started (its upstream: ${status.upstream})`);
  return [upstream, floor, gateway];
}

/** One server's figures in one round. */
interface Figures {
  rps: number;
  p50: number;
  p99: number;
  /** The server's own CPU per request, µs. */
  cpuUs: number;
  /** The upstream's CPU per request while this server was driven, µs (for the direct turns, its own). */
  upstreamCpuUs: number;
  /** The load generator's (this process's) CPU per request, µs. */
  loaderCpuUs: number;
}

const machine = describeMachine();
process.stdout.write(
  `machine: ${machine.cores} cores, ${machine.cpuModel}, Node ${machine.node}, load average ${machine.loadAverage}\n` +
    `load: POST /predict, ${connections} connections on loopback, closed loop, ${warmup} s warm-up + ${seconds} s per server and round in ${slice} s turns, ${rounds} rounds\n`,
);
const perRound: Figures[][] = [];
const fmt = (v: number, digits = 2) => v.toFixed(digits);
try {
  for (let round = 1; round <= rounds; round++) {
    const servers = await startTrio();
    const upstream = servers[0];
    const load = { connections, path: '/predict', body: SEED_BODY };
    for (const server of servers) if (warmup > 0) await drive(server.url, { ...load, seconds: warmup });
    const histograms = servers.map(() => latencyHistogram());
    const totals = servers.map(() => ({ answers: 0, failures: 0, cpu: 0, upstreamCpu: 0, loaderCpu: 0 }));
    // The upstream's and this process's CPU are read at every turn's end and charged to that turn.
    let upstreamCpu = upstream.cpuSeconds();
    let loaderCpu = process.cpuUsage();
    await driveInTurns(servers, Math.ceil(seconds / slice), () => slice, load, (i) => histograms[i], ({ index, measurement, cpuSeconds }) => {
      const total = totals[index];
      total.answers += measurement.answers;
      total.failures += measurement.failures;
      total.cpu += cpuSeconds;
      const upstreamNow = upstream.cpuSeconds();
      total.upstreamCpu += upstreamNow - upstreamCpu;
      upstreamCpu = upstreamNow;
      const loader = process.cpuUsage(loaderCpu);
      total.loaderCpu += (loader.user + loader.system) / 1e6;
      loaderCpu = process.cpuUsage();
    });
    const figures = servers.map((_, i): Figures => {
      const t = totals[i];
      const perRequest = (cpu: number) => (cpu / t.answers) * 1e6;
      return { rps: t.answers / seconds, p50: histograms[i].getValueAtPercentile(50) / 1000, p99: histograms[i].getValueAtPercentile(99) / 1000, cpuUs: perRequest(t.cpu), upstreamCpuUs: perRequest(t.upstreamCpu), loaderCpuUs: perRequest(t.loaderCpu) };
    });
    const [direct] = figures;
    const failures = totals.map((t) => t.failures);
    // A round with failed requests (a child that died, a port taken over) measured something else.
    if (failures.every((n) => n === 0)) perRound.push(figures);
    process.stdout.write(
      `round ${round}  ` +
        figures.map((f, i) => `${NAMES[i]} ${fmt(f.rps, 0)} req/s p50 ${fmt(f.p50)} p99 ${fmt(f.p99)} ms CPU ${fmt(f.cpuUs, 0)} µs/req` + (i > 0 ? ` (ratio ${fmt(f.rps / direct.rps, 3)}, +p50 ${fmt(f.p50 - direct.p50)}, +p99 ${fmt(f.p99 - direct.p99)} ms)` : '')).join('  |  ') +
        (failures.some((n) => n > 0) ? `  (failures: ${failures.join(' / ')}; round left out)` : '') +
        '\n',
    );
    for (const server of servers.reverse()) await server.stop();
  }
  if (perRound.length === 0) throw new Error('every round had failed requests: nothing to report');
  const column = (i: number, pick: (f: Figures, direct: Figures) => number) => median(perRound.map((figures) => pick(figures[i], figures[0])));
  process.stdout.write(`\nmedian of ${perRound.length} rounds (ratios and added latencies: medians of the per-round values)\n`);
  process.stdout.write('| | req/s | p50 ms | p99 ms | through / direct | added p50 ms | added p99 ms | server CPU µs/req | upstream CPU µs/req | load generator CPU µs/req |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n');
  for (let i = 0; i < NAMES.length; i++) {
    const cells = [
      fmt(column(i, (f) => f.rps), 0),
      fmt(column(i, (f) => f.p50)),
      fmt(column(i, (f) => f.p99)),
      i === 0 ? '' : fmt(column(i, (f, d) => f.rps / d.rps), 3),
      i === 0 ? '' : fmt(column(i, (f, d) => f.p50 - d.p50)),
      i === 0 ? '' : fmt(column(i, (f, d) => f.p99 - d.p99)),
      fmt(column(i, (f) => f.cpuUs), 0),
      i === 0 ? '' : fmt(column(i, (f) => f.upstreamCpuUs), 0),
      fmt(column(i, (f) => f.loaderCpuUs), 0),
    ];
    process.stdout.write(`| ${NAMES[i]} | ${cells.join(' | ')} |\n`);
  }
  const addedP99 = column(2, (f, d) => f.p99 - d.p99);
  process.stdout.write(`\ngateway: added p99 ${fmt(addedP99)} ms (target ≤ 2 ms): ${addedP99 <= 2 ? 'met' : 'NOT met'}\n`);
} finally {
  killAllChildren();
}
