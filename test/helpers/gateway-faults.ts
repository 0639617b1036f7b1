/**
 * Real processes for the gateway's fault tests: a misbehaving model server
 * (test/fixtures/fault-upstream.ts) and the built CLI's `modelwatch gateway` in front of it, each
 * its own child process, and a load generator of concurrent client loops that records every answer.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../bench/children.js';
import { spawnWatched, waitReady, type WatchedChild } from './processes.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The gateway's own endpoints' prefix (the default). */
export const PREFIX = '/-/modelwatch';
/** What the `error500` upstream answers, byte for byte. */
export const ERROR_BODY = '{"error":"model exploded","detail":[1,2,3],"note":"byte-identical through the gateway"}';

/** What the fault upstream does (see test/fixtures/fault-upstream.ts). */
export type UpstreamMode = 'ok' | 'error500' | 'silent' | 'garbage';

/** A running fault upstream. */
export interface Upstream {
  readonly url: string;
  readonly port: number;
  readonly process: ChildProcess;
  /** Most connections it had open at once (`silent` only). */
  maxConnections(): number;
  /** Resolves once the process has exited. */
  readonly exited: Promise<void>;
}

/**
 * Starts the fault upstream as a child process on `port` (a free one if not given) and waits for it
 * to listen.
 *
 * @example const upstream = await startUpstream('ok');
 */
export async function startUpstream(mode: UpstreamMode, port?: number): Promise<Upstream> {
  const listenOn = port ?? (await freePort());
  const child = spawn(process.execPath, [join(ROOT, 'test/fixtures/fault-upstream.ts'), mode, String(listenOn)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FAULT_BODY: ERROR_BODY } });
  let most = 0;
  let stderr = '';
  let buffered = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('ready ')) resolve();
        const open = /^connections (\d+)$/.exec(line);
        if (open) most = Math.max(most, Number(open[1]));
      }
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => (stderr += chunk));
    void exited.then(() => reject(new Error(`the ${mode} upstream exited before listening: ${stderr}`)));
  });
  await ready;
  return { url: `http://127.0.0.1:${listenOn}`, port: listenOn, process: child, maxConnections: () => most, exited };
}

/** A running `modelwatch gateway`. */
export interface Gateway {
  readonly url: string;
  readonly pid: number;
  readonly child: WatchedChild;
  /** SIGTERM, and waits for the exit. */
  stop(): Promise<void>;
}

/**
 * Starts the built CLI's `modelwatch gateway --upstream <upstream> <flags>` on a free port (with
 * `nodeOptions`, a flag to node itself, if given) and waits for its health endpoint.
 *
 * @example const gateway = await startGateway(upstream.url, ['--timeout', '1']);
 */
export async function startGateway(upstream: string, flags: readonly string[] = [], nodeOptions?: string): Promise<Gateway> {
  assert.ok(existsSync(join(ROOT, 'dist/src/cli/main.js')), 'run `npm run build` first (npm test does)');
  const port = await freePort();
  const child = spawnWatched(process.execPath, [...(nodeOptions ? [nodeOptions] : []), join(ROOT, 'bin/modelwatch.js'), 'gateway', '--upstream', upstream, '--port', String(port), '--host', '127.0.0.1', ...flags]);
  const url = `http://127.0.0.1:${port}`;
  await waitReady(child, `${url}${PREFIX}/health`);
  const exited = new Promise<void>((resolve) => (child.ended() !== undefined ? resolve() : child.process.once('exit', () => resolve())));
  return {
    url,
    pid: child.process.pid!,
    child,
    stop: async () => {
      if (child.ended() === undefined) child.process.kill('SIGTERM');
      await exited;
    },
  };
}

/** One answer a client got. */
export interface Answer {
  readonly status: number;
  readonly code?: string;
  readonly retryAfter: string | null;
  readonly ms: number;
  /** When it was sent and when answered (Date.now()). */
  readonly sent: number;
  readonly at: number;
  /** The body as received (kept only when `keepBodies`). */
  readonly body?: string;
  readonly headers?: Headers;
}

/** Options of {@link drive}. */
export interface LoadOptions {
  readonly url: string;
  readonly concurrency: number;
  /** Keeps going while this says so (checked before each request, with the answers so far). */
  readonly running: (answers: readonly Answer[]) => boolean;
  readonly path?: string;
  readonly body?: string;
  readonly keepBodies?: boolean;
}

/**
 * `concurrency` client loops POSTing `body` to `url + path` back to back until `running()` is false;
 * resolves with every answer (a failed connection is status 0).
 *
 * @example const answers = await drive({ url: gateway.url, concurrency: 16, running: () => Date.now() < end });
 */
export async function drive(options: LoadOptions): Promise<Answer[]> {
  const answers: Answer[] = [];
  const body = options.body ?? '{"age": 41, "job": "admin."}';
  const loop = async () => {
    while (options.running(answers)) {
      const started = performance.now();
      const sent = Date.now();
      try {
        const response = await fetch(`${options.url}${options.path ?? '/predict'}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        const text = await response.text();
        answers.push({
          status: response.status,
          code: response.status >= 400 ? codeOf(text) : undefined,
          retryAfter: response.headers.get('retry-after'),
          ms: performance.now() - started,
          sent,
          at: Date.now(),
          ...(options.keepBodies ? { body: text, headers: response.headers } : {}),
        });
      } catch {
        answers.push({ status: 0, retryAfter: null, ms: performance.now() - started, sent, at: Date.now() });
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, loop));
  return answers;
}

function codeOf(text: string): string | undefined {
  try {
    return (JSON.parse(text) as { code?: string }).code;
  } catch {
    return undefined;
  }
}

/** Counts of answers by "status code" (e.g. "502 MW_UPSTREAM_UNREACHABLE"). */
export function tally(answers: readonly Answer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of answers) {
    const key = a.code ? `${a.status} ${a.code}` : String(a.status);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/**
 * Polls the gateway's own endpoints (health and metrics) every `everyMs` while `running()`, and
 * resolves with each answer's status and time: they must keep answering, quickly, whatever the
 * model server does.
 */
export async function watchOwnEndpoints(url: string, running: () => boolean, everyMs = 50): Promise<{ path: string; status: number; ms: number }[]> {
  const seen: { path: string; status: number; ms: number }[] = [];
  while (running()) {
    for (const path of [`${PREFIX}/health`, `${PREFIX}/metrics`]) {
      const started = performance.now();
      const status = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(5000) }).then(async (r) => (await r.arrayBuffer(), r.status), () => 0);
      seen.push({ path, status, ms: performance.now() - started });
    }
    await sleep(everyMs);
  }
  return seen;
}

/**
 * The sum of a family's samples on the gateway's /metrics whose labels include all of `labels`.
 *
 * @example await metricSum(gateway.url, 'gateway_requests_refused_total', { reason: 'overloaded' })
 */
export async function metricSum(gatewayUrl: string, family: string, labels: Readonly<Record<string, string>> = {}): Promise<number> {
  const text = await (await fetch(`${gatewayUrl}${PREFIX}/metrics`)).text();
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${family}{`) || line.startsWith(`${family} `))
    .filter((line) => wanted.every((pair) => line.slice(0, line.lastIndexOf(' ')).includes(pair)))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

/** VmRSS of a process, in MiB (from /proc). */
export function rssMib(pid: number): number {
  return Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

/** The p-th percentile (0–100) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
