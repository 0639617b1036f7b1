/**
 * Server child processes for the benchmark: start, wait until /ready answers 200, read peak RSS,
 * stop. Every child is tracked so that an error or Ctrl-C in the bench never leaves a server
 * running and holding a port.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const live = new Set<ChildProcess>();

/**
 * Kills every child still running, at once; for exit and signal handlers, so synchronous.
 *
 * @example process.on('exit', killAllChildren);
 */
export function killAllChildren(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

/** Where freePort looks first: above the well-known and registered ports most services use. */
const LOWEST_PORT = 20_000;
/** Ports this process handed out, never handed out twice (the child may not have bound it yet). */
const handedOut = new Set<number>();

/**
 * The low end of the kernel's ephemeral range (outgoing connections take their local port from it),
 * from /proc/sys/net/ipv4/ip_local_port_range; Linux's default where that file is unreadable.
 */
function lowestEphemeralPort(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 1024 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

/** Resolves with whether `port` could be bound on 127.0.0.1 just now (the probe is closed again). */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' || error.code === 'EACCES' ? resolve(false) : reject(error)));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/**
 * A TCP port free right now on 127.0.0.1, for a child process to listen on. It is drawn at random
 * from below the kernel's ephemeral range (20000 up to the range's start): a port the kernel picks
 * (listen on 0) comes from that range, where every outgoing connection of every process also takes
 * its local port, so between this probe and the child's bind another socket could take it and the
 * child (Prometheus, Alertmanager) would exit. Below the range only another listener can collide;
 * a taken port is skipped and another drawn.
 *
 * @example const port = await freePort();
 */
export async function freePort(): Promise<number> {
  const high = lowestEphemeralPort();
  const low = high - LOWEST_PORT >= 1000 ? LOWEST_PORT : 1024;
  for (let attempt = 0; attempt < 100 && high - low >= 100; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (handedOut.has(port) || !(await bindable(port))) continue;
    handedOut.add(port);
    return port;
  }
  // No room below the range (an unusual ip_local_port_range): let the kernel pick.
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** What to start. */
export interface ChildSpec {
  readonly name: string;
  /** Arguments to `node` (script first, or flags then script). */
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly port: number;
  /** How long /ready may take; a first modelwatch start trains a model. */
  readonly readyTimeoutMs: number;
}

/** A started, ready server. */
export interface ServerChild {
  readonly name: string;
  readonly pid: number;
  readonly url: string;
  /** Peak resident set size so far in MB (VmHWM), or NaN where /proc is unavailable. */
  peakRssMb(): number;
  /** CPU time (user + system) used so far in seconds, or NaN where /proc is unavailable. */
  cpuSeconds(): number;
  /** SIGTERM, then SIGKILL after 10 s; resolves when the process is gone. */
  stop(): Promise<void>;
}

/**
 * Spawns `node <args>` with stdout discarded and stderr kept (its tail explains a failed start),
 * and resolves once GET /ready answers 200.
 *
 * @example const server = await startServer({ name: 'bare', args: ['dist/bench/bare-server.js'], env, cwd, port, readyTimeoutMs: 10_000 });
 */
export async function startServer(spec: ChildSpec): Promise<ServerChild> {
  const child = spawn(process.execPath, [...spec.args], { cwd: spec.cwd, env: spec.env, stdio: ['ignore', 'ignore', 'pipe'] });
  live.add(child);
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then(() => live.delete(child));
  const url = `http://127.0.0.1:${spec.port}`;
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${spec.name}: could not start node`);

  const server: ServerChild = {
    name: spec.name,
    pid,
    url,
    peakRssMb: () => readPeakRssMb(pid),
    cpuSeconds: () => readCpuSeconds(pid),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  try {
    await waitReady(url, spec.readyTimeoutMs, exited);
  } catch (error) {
    await server.stop();
    const tail = stderr.trim() ? `\n--- stderr of ${spec.name} ---\n${stderr.trim()}` : '';
    throw new Error(`${spec.name}: ${error instanceof Error ? error.message : String(error)}${tail}`, { cause: error });
  }
  return server;
}

async function waitReady(url: string, timeoutMs: number, exited: Promise<number | null>): Promise<void> {
  let gone: number | null | undefined;
  void exited.then((code) => (gone = code));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gone !== undefined) throw new Error(`exited with code ${gone} before it was ready`);
    try {
      const response = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not ready after ${timeoutMs / 1000} s`);
}

/** VmHWM ("high water mark") of /proc/<pid>/status: the peak RSS over the process's life. */
function readPeakRssMb(pid: number): number {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

let clockTicks: number | undefined;

/** utime + stime of /proc/<pid>/stat (fields 14 and 15, in clock ticks). */
function readCpuSeconds(pid: number): number {
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces, so count fields from after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return Number.NaN;
  }
}
