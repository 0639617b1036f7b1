/**
 * `modelwatch serve`: refuse an empty registry, or train a first model when asked (first-model.ts),
 * load the current version, listen,
 * switch to a newly promoted version while running (a watch of CURRENT, SIGHUP, POST /admin/reload;
 * see model-reloader.ts), and stop gracefully — on SIGTERM or SIGINT stop accepting, let in-flight
 * requests finish (up to SHUTDOWN_TIMEOUT_SECONDS), then flush every log line before exiting.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { ModelRegistry } from '../model/registry.js';
import { createLogger, type ServiceLogger } from '../monitoring/audit/logger.js';
import { createPrettyStream, wantsPrettyLogs } from '../monitoring/audit/pretty-stream.js';
import { createServiceMetrics, type ServiceMetrics } from '../monitoring/metrics/index.js';
import { createModelMonitor, type ModelMonitor } from '../monitoring/model-monitor.js';
import { createTracing, type Tracing } from '../monitoring/tracing/tracing.js';
import { buildApp } from './app.js';
import { assertModelToServe, bootstrapIfAsked } from './first-model.js';
import { ModelReloader } from './model-reloader.js';
import { ModelState } from './model-state.js';

/** A running service. */
export interface RunningService {
  readonly app: FastifyInstance;
  readonly url: string;
  readonly log: ServiceLogger;
  readonly metrics: ServiceMetrics;
  readonly state: ModelState;
  /** Absent when MODEL_MONITORING is off. */
  readonly monitor?: ModelMonitor;
  /** Hot reload; watching CURRENT unless MODEL_WATCH is off. */
  readonly reloader: ModelReloader;
  /** Traces, when the OTEL_* variables ask for them. */
  readonly tracing?: Tracing;
  /** Graceful stop: close, drain, flush. */
  close(): Promise<void>;
}

/**
 * Starts the service with a validated config.
 *
 * @example const service = await startService(loadConfig()); // listening on PORT
 */
export async function startService(config: Config, options: { log?: ServiceLogger; env?: Readonly<Record<string, string | undefined>> } = {}): Promise<RunningService> {
  const registry = new ModelRegistry(config.MODEL_DIR);
  assertModelToServe(registry, config);
  // Read before anything starts: a tracing variable that cannot be used stops the start, named.
  const tracing = await createTracing({ serviceName: config.SERVICE_NAME, env: options.env });
  // On a terminal (LOG_FORMAT=auto) the stdout lines are pretty; elsewhere they are the JSON as written.
  const pretty = config.LOG_STDOUT && wantsPrettyLogs(config.LOG_FORMAT, process.stdout.isTTY);
  const log =
    options.log ??
    createLogger({
      serviceName: config.SERVICE_NAME,
      level: config.LOG_LEVEL,
      stdout: config.LOG_STDOUT && !pretty,
      stream: pretty ? await createPrettyStream() : undefined,
      file: config.LOG_FILE,
      recentLines: config.CONSOLE_ENABLED ? config.CONSOLE_LOG_LINES : 0,
    });
  await bootstrapIfAsked(registry, config, log.service);
  const model = await registry.loadAsync();
  const metrics = createServiceMetrics({
    activeUsersWindowSeconds: config.ACTIVE_USERS_WINDOW_SECONDS,
    activeUsersMaxTracked: config.ACTIVE_USERS_MAX_TRACKED,
    logLinesDropped: log.droppedLines,
  });
  const monitor = config.MODEL_MONITORING ? createModelMonitor(config, metrics, config.AUDIT_LOG ? log.audit : undefined) : undefined;
  const state = new ModelState();
  state.onServe((serving) => {
    metrics.setServingModel(serving);
    monitor?.setModel(serving);
    if (monitor && !serving.baseline.predictions) {
      log.service.warn({ model_version: serving.version }, `model ${serving.version} predates prediction baselines: ml_prediction_drift_psi is not available until it is retrained`);
    }
  });
  state.serve(model);
  log.service.info({ model_version: model.version, model_type: model.type, load_seconds: model.loadSeconds }, `serving model ${model.version} (${model.type})`);
  monitor?.start(config.MONITOR_INTERVAL_SECONDS);
  const reloader = new ModelReloader({ registry, state, log: log.service, recordFailure: metrics.recordReloadFailure });
  const app = await buildApp({ config, state, metrics, log, monitor, reloader, tracing });
  const address = await app.listen({ port: config.PORT, host: config.HOST });
  // ECS defines `url` as an object: the address is `url.full`.
  log.service.info({ url: { full: address }, port: config.PORT }, `modelwatch listening on ${address}`);
  if (tracing) log.service.info(`tracing: a server span per request, sampled ${tracing.description}`);
  if (config.MODEL_WATCH) {
    reloader.watch(config.MODEL_WATCH_INTERVAL_SECONDS);
    log.service.info({ model_dir: registry.dir }, `watching ${registry.pointerFile} every ${config.MODEL_WATCH_INTERVAL_SECONDS} s for a newly promoted model version`);
  }
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      reloader.stop();
      await app.close();
      await reloader.idle();
      monitor?.stop();
      log.service.info('stopped: in-flight requests finished; flushing the log');
      // The last spans are sent while the log drains: a receiver that is slow delays neither.
      await Promise.all([log.drain(), tracing?.shutdown()]);
    })());
  return { app, url: address, log, metrics, state, monitor, reloader, tracing, close };
}

/**
 * Runs the service until a signal: the body of `modelwatch serve`.
 *
 * @example await runService(loadConfig());
 */
export async function runService(config: Config): Promise<void> {
  const service = await startService(config);
  const stop = (signal: string) => {
    service.log.service.info({ signal }, `${signal} received: no new connections; finishing in-flight requests`);
    const deadline = setTimeout(() => {
      service.log.service.error({ timeout_seconds: config.SHUTDOWN_TIMEOUT_SECONDS }, 'shutdown timed out; exiting with requests still open');
      service.log.flush();
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_SECONDS * 1000);
    deadline.unref();
    service.close().then(
      () => process.exit(0),
      (error: unknown) => {
        service.log.service.error({ err: error }, 'error while shutting down');
        service.log.flush();
        process.exit(1);
      },
    );
  };
  // A second signal while draining must not kill the process before the log is flushed.
  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) {
      service.log.service.warn({ signal }, `${signal} received again: still finishing in-flight requests and flushing the log`);
      return;
    }
    stopping = true;
    stop(signal);
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  // SIGHUP, the daemon convention for "re-read what you serve", reloads the model CURRENT names
  // (even a version the watch gave up on); it would otherwise end the process. Ignored while stopping.
  process.on('SIGHUP', () => {
    if (stopping) return;
    service.log.service.info({ signal: 'SIGHUP' }, 'SIGHUP received: reloading the current model version');
    void service.reloader.reload('sighup');
  });
}
