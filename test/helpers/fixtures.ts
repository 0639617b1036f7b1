/**
 * Shared test fixtures: a small trained model in a temporary registry (trained once per test
 * process), an app built around it with a captured log, and the seed's request body.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../../src/config.js';
import { syntheticTrainingSet } from '../../src/model/bootstrap.js';
import { ModelRegistry } from '../../src/model/registry.js';
import type { ServingModel } from '../../src/model/serving-model.js';
import { trainModel } from '../../src/model/train.js';
import { createLogger, type ServiceLogger } from '../../src/monitoring/audit/logger.js';
import { createServiceMetrics, type ServiceMetrics } from '../../src/monitoring/metrics/index.js';
import { createModelMonitor, type ModelMonitor } from '../../src/monitoring/model-monitor.js';
import { buildApp } from '../../src/server/app.js';
import { ModelState } from '../../src/server/model-state.js';

/** The body of the seed's curl example (000_a6e68bdc8b3a3add.txt). */
export const SEED_BODY = { age: 30, job: 'admin', marital: 'single', education: 'secondary', housing: 'yes', loan: 'no', duration: 200, campaign: 2 } as const;

/** A fresh temporary directory. */
export const tempDir = (prefix = 'modelwatch-test-') => mkdtempSync(join(tmpdir(), prefix));

let registryDir: string | undefined;

/**
 * A registry holding one small model (5,000 synthetic rows, 60 trees), trained on first use.
 *
 * @example const registry = trainedRegistry(); registry.load().version // 'v1'
 */
export function trainedRegistry(): ModelRegistry {
  if (!registryDir) {
    registryDir = tempDir('modelwatch-registry-');
    const { rows, sha256 } = syntheticTrainingSet(7, 5_000);
    const registry = new ModelRegistry(registryDir);
    const version = registry.register(trainModel({ rows, dataSha256: sha256, dataSource: 'synthetic(test)', params: { maxIter: 60 } }).artifact);
    registry.setCurrent(version);
  }
  return new ModelRegistry(registryDir);
}

/** Log lines captured from a logger, parsed. */
export class CapturedLines extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) this.lines.push(JSON.parse(line));
    done();
  }
}

/** An app around the test model, with its parts exposed. */
export interface TestApp {
  readonly app: FastifyInstance;
  readonly config: Config;
  readonly state: ModelState;
  readonly metrics: ServiceMetrics;
  readonly log: ServiceLogger;
  readonly captured: CapturedLines;
  /** Absent with MODEL_MONITORING=false; not started (tests call `tick()`). */
  readonly monitor?: ModelMonitor;
}

/**
 * Builds an app (not listening) with settings from `env`, the test model loaded unless `noModel`
 * (or `model` loaded instead, before the app is built, as a service starts with it).
 *
 * @example const { app } = await testApp({ BATCH_MAX_ROWS: '3' });
 */
export async function testApp(env: Record<string, string> = {}, options: { noModel?: boolean; now?: () => number; model?: ServingModel } = {}): Promise<TestApp> {
  const config = loadConfig({ MODEL_DIR: trainedRegistry().dir, ...env });
  const captured = new CapturedLines();
  const log = createLogger({ serviceName: config.SERVICE_NAME, level: 'info', stdout: false, stream: captured, recentLines: config.CONSOLE_ENABLED ? config.CONSOLE_LOG_LINES : 0 });
  const metrics = createServiceMetrics({ now: options.now, activeUsersWindowSeconds: config.ACTIVE_USERS_WINDOW_SECONDS, activeUsersMaxTracked: config.ACTIVE_USERS_MAX_TRACKED });
  const monitor = config.MODEL_MONITORING ? createModelMonitor(config, metrics, log.audit, options.now) : undefined;
  const state = new ModelState();
  state.onServe((model) => {
    metrics.setServingModel(model);
    monitor?.setModel(model);
  });
  if (options.model) state.serve(options.model);
  else if (!options.noModel) state.serve(trainedRegistry().load());
  const app = await buildApp({ config, state, metrics, log, monitor });
  return { app, config, state, metrics, log, captured, monitor };
}

/** The value of one sample in Prometheus text, or undefined. */
export function sampleValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const got = Object.fromEntries([...(match[3] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(match[4]);
  }
  return undefined;
}
