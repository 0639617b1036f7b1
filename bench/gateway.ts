/**
 * `npm run bench:gateway`: what `modelwatch gateway` adds in front of a model server. Each round
 * starts a bare node:http server (bench/bare-server.ts, the upstream) and a gateway in front of it,
 * both fresh child processes, and drives POST /predict at the upstream directly and through the
 * gateway in turns of --slice seconds, so a slow spell of the shared machine hits both alike. It
 * reports, per round and as medians, the throughput ratio (through / direct) and the latency the
 * gateway adds at p50 and p99.
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

async function startPair(): Promise<[ServerChild, ServerChild]> {
  const upstreamPort = await freePort();
  const upstream = await startServer({ name: 'bare upstream', args: [join(root, 'dist', 'bench', 'bare-server.js')], env: { ...process.env, PORT: String(upstreamPort) }, cwd: root, port: upstreamPort, readyTimeoutMs: 10_000 });
  const gatewayPort = await freePort();
  const gateway = await startServer({
    name: 'gateway',
    args: [join(root, 'bin', 'modelwatch.js'), 'gateway', '--upstream', upstream.url, '--port', String(gatewayPort), '--host', '127.0.0.1', '--preset', 'native'],
    env: process.env,
    cwd: root,
    port: gatewayPort,
    readyTimeoutMs: 20_000,
  });
  return [upstream, gateway];
}

const machine = describeMachine();
process.stdout.write(
  `machine: ${machine.cores} cores, ${machine.cpuModel}, Node ${machine.node}, load average ${machine.loadAverage}\n` +
    `load: POST /predict, ${connections} connections on loopback, ${warmup} s warm-up + ${seconds} s per server and round in ${slice} s turns, ${rounds} rounds\n`,
);
const ratios: number[] = [];
const addedP50: number[] = [];
const addedP99: number[] = [];
try {
  for (let round = 1; round <= rounds; round++) {
    const servers = await startPair();
    const load = { connections, path: '/predict', body: SEED_BODY };
    for (const server of servers) if (warmup > 0) await drive(server.url, { ...load, seconds: warmup });
    const histograms = [latencyHistogram(), latencyHistogram()];
    const answers = [0, 0];
    const failures = [0, 0];
    await driveInTurns(servers, Math.ceil(seconds / slice), () => slice, load, (i) => histograms[i], ({ index, measurement }) => {
      answers[index] += measurement.answers;
      failures[index] += measurement.failures;
    });
    const [direct, through] = [0, 1].map((i) => ({ rps: answers[i] / seconds, p50: histograms[i].getValueAtPercentile(50) / 1000, p99: histograms[i].getValueAtPercentile(99) / 1000 }));
    ratios.push(through.rps / direct.rps);
    addedP50.push(through.p50 - direct.p50);
    addedP99.push(through.p99 - direct.p99);
    process.stdout.write(
      `round ${round}  direct ${direct.rps.toFixed(0)} req/s p50 ${direct.p50.toFixed(2)} ms p99 ${direct.p99.toFixed(2)} ms  |  through the gateway ${through.rps.toFixed(0)} req/s p50 ${through.p50.toFixed(2)} ms p99 ${through.p99.toFixed(2)} ms` +
        `  |  ratio ${(through.rps / direct.rps).toFixed(3)}, added p50 ${(through.p50 - direct.p50).toFixed(2)} ms, p99 ${(through.p99 - direct.p99).toFixed(2)} ms${failures[0] + failures[1] ? `  (failures: ${failures.join(' / ')})` : ''}\n`,
    );
    for (const server of servers) await server.stop();
  }
  process.stdout.write(`\nmedian of ${rounds} rounds: throughput through / direct ${median(ratios).toFixed(3)}; added latency p50 ${median(addedP50).toFixed(2)} ms, p99 ${median(addedP99).toFixed(2)} ms (target: added p99 ≤ 2 ms)\n`);
} finally {
  killAllChildren();
}
