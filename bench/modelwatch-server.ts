/**
 * Starting modelwatch for a benchmark: where the project is, what each configuration switches on,
 * and the one start that trains the model every later start loads. Shared by `npm run bench` and
 * `npm run bench:spread`.
 */
import { join } from 'node:path';
import { packageRoot } from '../src/util/package-root.js';
import { freePort, startServer, type ServerChild } from './children.js';

/**
 * The project's directory, whether this runs from dist/bench or bench.
 *
 * @example const root = projectRoot();
 */
export const projectRoot = (): string => packageRoot(import.meta.url);

/** What a modelwatch configuration switches on. */
export interface Switches {
  /** Request metrics and the audit log. */
  readonly observability: boolean;
  /** Drift, the prediction store and live quality. */
  readonly monitoring: boolean;
}

/** The benchmark's modelwatch configurations: b everything on, c everything off, d monitoring off. */
export const SWITCHES = {
  b: { observability: true, monitoring: true },
  c: { observability: false, monitoring: false },
  d: { observability: true, monitoring: false },
} as const satisfies Record<string, Switches>;

/** Options of {@link startModelwatch}. */
export interface ModelwatchStart {
  readonly root: string;
  readonly modelDir: string;
  readonly logFile: string;
  readonly switches: Switches;
  readonly name: string;
  /** Flags to node before the script (e.g. --cpu-prof). */
  readonly nodeArgs?: readonly string[];
  /** 30 s unless given: a first start on an empty registry trains, and needs more. */
  readonly readyTimeoutMs?: number;
  /** Pass `serve --bootstrap`: train a first model when the registry is empty (serve refuses one otherwise). */
  readonly bootstrap?: boolean;
}

/**
 * Starts `modelwatch serve` on a free port, audit lines to `logFile` only, and waits until ready.
 *
 * @example const d = await startModelwatch({ root, modelDir, logFile, switches: SWITCHES.d, name: 'd' });
 */
export async function startModelwatch(start: ModelwatchStart): Promise<ServerChild> {
  const port = await freePort();
  const { observability, monitoring } = start.switches;
  return startServer({
    name: start.name,
    args: [...(start.nodeArgs ?? []), join(start.root, 'bin', 'modelwatch.js'), 'serve', ...(start.bootstrap ? ['--bootstrap'] : [])],
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      MODEL_DIR: start.modelDir,
      LOG_FILE: start.logFile,
      LOG_STDOUT: 'false',
      LOG_LEVEL: 'info',
      METRICS_ENABLED: String(observability),
      AUDIT_LOG: String(observability),
      MODEL_MONITORING: String(monitoring),
    },
    cwd: start.root,
    port,
    readyTimeoutMs: start.readyTimeoutMs ?? 30_000,
  });
}

/**
 * Starts modelwatch once on an empty `modelDir` with `--bootstrap`, so that it trains the model every
 * later start loads, then stops it.
 *
 * @example await trainOnce(root, join(tmp, 'models'), join(tmp, 'bootstrap.ndjson'));
 */
export async function trainOnce(root: string, modelDir: string, logFile: string): Promise<void> {
  process.stderr.write('training a model once into a temporary MODEL_DIR (about 10 s)...\n');
  const child = await startModelwatch({ root, modelDir, logFile, switches: SWITCHES.c, name: 'modelwatch (first start, training)', readyTimeoutMs: 300_000, bootstrap: true });
  await child.stop();
}
