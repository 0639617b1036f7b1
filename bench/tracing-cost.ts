/**
 * `node dist/bench/tracing-cost.js`: what OpenTelemetry tracing costs modelwatch per request. Three
 * `modelwatch serve` children with everything else off (METRICS_ENABLED, AUDIT_LOG and
 * MODEL_MONITORING false, so the span is the only difference): tracing off (no
 * OTEL_EXPORTER_OTLP_ENDPOINT), on with `parentbased_traceidratio` at --ratio (default 0.05), and on
 * with every request sampled. Spans go to an OTLP/HTTP sink in this process that counts them. The
 * three are driven in 1-second turns (as `npm run bench` does) for --turns turns of POST /predict
 * at 16 connections, in --rounds rounds of fresh processes (one process of a configuration can be
 * 20 % faster than another, docs/performance.md); the report gives requests per second and server
 * CPU per request, the median over every turn of every round.
 *
 * Flags: --rounds <n> (5), --turns <n> (6), --ratio <r> (0.05), --connections <n> (16).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { killAllChildren, type ServerChild } from './children.js';
import { driveInTurns, SEED_BODY } from './drive.js';
import { projectRoot, startModelwatch, SWITCHES, trainOnce } from './modelwatch-server.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, turns: { type: 'string', default: '6' }, ratio: { type: 'string', default: '0.05' }, connections: { type: 'string', default: '16' } } });
const rounds = Number(values.rounds);
const turns = Number(values.turns);
const connections = Number(values.connections);

let spans = 0;
const sink = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { resourceSpans?: { scopeSpans?: { spans?: unknown[] }[] }[] };
    for (const rs of body.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) spans += ss.spans?.length ?? 0;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
const endpoint = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;

const root = projectRoot();
const tmp = mkdtempSync(join(tmpdir(), 'modelwatch-tracing-bench-'));
const configurations: { name: string; env: Record<string, string | undefined> }[] = [
  { name: 'tracing off', env: { OTEL_EXPORTER_OTLP_ENDPOINT: undefined } },
  { name: `sampled ${values.ratio}`, env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: values.ratio } },
  { name: 'every request sampled', env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_TRACES_SAMPLER: 'always_on' } },
];
try {
  const modelDir = join(tmp, 'models');
  await trainOnce(root, modelDir, join(tmp, 'bootstrap.ndjson'));
  const load = { connections, path: '/predict', body: SEED_BODY };
  const perTurn = configurations.map(() => ({ rps: [] as number[], cpuUs: [] as number[] }));
  for (let round = 0; round < rounds; round++) {
    const servers: ServerChild[] = [];
    for (const [i, c] of configurations.entries()) {
      // The child inherits this process's environment as it is when it starts.
      for (const [key, value] of Object.entries(c.env)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
      servers.push(await startModelwatch({ root, modelDir, logFile: join(tmp, `${round}-${i}.ndjson`), switches: SWITCHES.c, name: c.name }));
    }
    // Warm-up, then the measured turns.
    await driveInTurns(servers, 2, () => 1, load, () => undefined, () => {});
    await driveInTurns(servers, turns, () => 1, load, () => undefined, ({ index, measurement, cpuSeconds }) => {
      perTurn[index].rps.push(measurement.rps);
      perTurn[index].cpuUs.push((cpuSeconds * 1e6) / Math.max(1, measurement.answers));
    });
    for (const server of servers) await server.stop();
    process.stderr.write(`round ${round + 1} of ${rounds} done\n`);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`\nmedian of ${rounds} rounds × ${turns} 1-s turns, ${connections} connections, everything else off   req/s   server CPU µs/req`);
  for (const [i, c] of configurations.entries()) console.log(`${c.name.padEnd(72)} ${String(Math.round(median(perTurn[i].rps))).padStart(6)}   ${median(perTurn[i].cpuUs).toFixed(1).padStart(6)}`);
  console.log(`spans received by the sink: ${spans}`);
} finally {
  killAllChildren();
  sink.close();
  rmSync(tmp, { recursive: true, force: true });
}
