/**
 * `npm run bench:spread`: how much processes of the SAME configuration differ on this machine — the
 * noise floor under `npm run bench`'s ratios. Starts several modelwatch processes (by default two
 * with everything off and two with metrics and audit on, like the benchmark's c and d), warms each
 * up, then drives them in 1 s turns for --slices turns each, so every process meets the same spells
 * of the shared machine, and prints each process's server CPU per request and requests/s.
 *
 * Flags: --servers <list> (c,d,c,d; c = everything off, d = metrics + audit, b = everything on),
 * --rounds <n> (3; fresh processes each round), --slices <n> (10), --pin <cpu> (pin the servers and
 * all their threads to this CPU with `taskset`; run the bench itself under `taskset -c <another>`).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { killAllChildren, type ServerChild } from './children.js';
import { drive, driveInTurns, SEED_BODY } from './drive.js';
import { projectRoot, startModelwatch, SWITCHES, trainOnce } from './modelwatch-server.js';

const { values } = parseArgs({
  options: { servers: { type: 'string', default: 'c,d,c,d' }, rounds: { type: 'string', default: '3' }, slices: { type: 'string', default: '10' }, pin: { type: 'string' } },
});
const isServer = (s: string): s is 'b' | 'c' | 'd' => s === 'b' || s === 'c' || s === 'd';
const servers = values.servers.split(',').map((s) => s.trim());
if (!servers.every(isServer)) throw new Error(`--servers takes b, c and d, got ${values.servers}`);
const rounds = Number(values.rounds);
const slices = Number(values.slices);
if (!Number.isInteger(rounds) || rounds < 1 || !Number.isInteger(slices) || slices < 1) throw new Error('--rounds and --slices take positive integers');

const root = projectRoot();
const tmp = mkdtempSync(join(tmpdir(), 'modelwatch-spread-'));
const modelDir = join(tmp, 'models');
process.on('exit', () => {
  killAllChildren();
  rmSync(tmp, { recursive: true, force: true });
});

const start = (server: 'b' | 'c' | 'd', index: number): Promise<ServerChild> =>
  startModelwatch({ root, modelDir, logFile: join(tmp, `log-${index}.ndjson`), switches: SWITCHES[server], name: `${server}#${index}` });

await trainOnce(root, modelDir, join(tmp, 'bootstrap.ndjson'));
const load = { connections: 16, path: '/predict', body: SEED_BODY };
for (let round = 1; round <= rounds; round++) {
  const children = await Promise.all(servers.map((server, i) => start(server, i)));
  if (values.pin) for (const child of children) execFileSync('taskset', ['-a', '-p', '-c', values.pin, String(child.pid)], { stdio: 'ignore' });
  const cpu = children.map(() => 0);
  const answers = children.map(() => 0);
  for (const child of children) await drive(child.url, { ...load, seconds: 3 });
  await driveInTurns(children, slices, () => 1, load, () => undefined, ({ index, measurement, cpuSeconds }) => {
    answers[index] += measurement.answers;
    cpu[index] += cpuSeconds;
  });
  const cells = children.map((child, k) => `${child.name} ${((cpu[k] * 1e6) / answers[k]).toFixed(1)} µs/req ${(answers[k] / slices).toFixed(0)} req/s`);
  process.stdout.write(`round ${round}: ${cells.join('  |  ')}\n`);
  for (const child of children) await child.stop();
}
