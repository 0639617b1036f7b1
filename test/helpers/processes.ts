/**
 * Outside programs a test starts (Prometheus, Alertmanager): spawned with their stderr kept, so a
 * failed start says why, and waited for until ready, failing at once if one exits first. A test that
 * went on with a child not ready would fail later with a message about something else (no alert).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

/** How much of a child's stderr is kept: its last lines say why it stopped. */
const STDERR_TAIL_CHARS = 4096;

/** A started program, its stderr's tail and how it ended (if it has). */
export interface WatchedChild {
  readonly name: string;
  readonly process: ChildProcess;
  /** The last few KB of its stderr. */
  stderrTail(): string;
  /** Its exit code or signal once it has exited, else undefined. */
  ended(): string | undefined;
}

/**
 * Spawns `command args` with stdin and stdout ignored and stderr piped (its last 4 KB kept), in
 * this process's environment or `options.env`.
 *
 * @example const prometheus = spawnWatched('prometheus', ['--config.file=p.yml']);
 */
export function spawnWatched(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv } = {}): WatchedChild {
  const child = spawn(command, [...args], { stdio: ['ignore', 'ignore', 'pipe'], env: options.env });
  let tail = '';
  let end: string | undefined;
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => (tail = (tail + chunk).slice(-STDERR_TAIL_CHARS)));
  child.on('error', (error) => (end ??= `could not start: ${error.message}`));
  child.on('exit', (code, signal) => (end ??= signal ? `signal ${signal}` : `exit code ${code}`));
  return { name: command, process: child, stderrTail: () => tail, ended: () => end };
}

/**
 * Resolves once GET `url` answers 2xx; throws with the child's stderr tail if the child exits first
 * or `budgetMs` passes.
 *
 * @example await waitReady(prometheus, `http://127.0.0.1:${port}/-/ready`);
 */
export async function waitReady(child: WatchedChild, url: string, budgetMs = 30_000): Promise<void> {
  const deadline = Date.now() + budgetMs;
  let last: string;
  for (;;) {
    const ended = child.ended();
    if (ended !== undefined) throw new Error(`${child.name} ended (${ended}) before ${url} was ready\n--- stderr of ${child.name} ---\n${child.stderrTail()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) throw new Error(`${child.name} not ready at ${url} within ${budgetMs / 1000} s (last: ${last})\n--- stderr of ${child.name} ---\n${child.stderrTail()}`);
    await sleep(100);
  }
}
