/**
 * The Fastify application: one plugin per feature, wired from explicit dependencies so tests build
 * it with `app.inject()` and an injected registry, logger and model.
 */
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { BadUrlError, echo, ShuttingDownError } from '../errors.js';
import type { Config } from '../config.js';
import type { ServiceLogger } from '../monitoring/audit/logger.js';
import type { ServiceMetrics } from '../monitoring/metrics/index.js';
import type { ModelMonitor } from '../monitoring/model-monitor.js';
import type { Tracing } from '../monitoring/tracing/tracing.js';
import type { ModelReloader } from './model-reloader.js';
import type { ModelState } from './model-state.js';
import { registerAdminRoutes } from './plugins/admin.js';
import { registerConsolePage } from './plugins/console.js';
import { registerConsoleApi } from './plugins/console-api.js';
import { createFireDrill, fireDrillPlugin } from './plugins/drill.js';
import { contentEncoding } from './plugins/content-encoding.js';
import { answerClientError, errorHandling, REQUEST_TIMEOUT_SECONDS } from './plugins/errors.js';
import { registerFeedbackRoutes } from './plugins/feedback.js';
import { registerHealthRoutes } from './plugins/health.js';
import { registerMetricsRoute } from './plugins/metrics.js';
import { newRequestCounts, observability } from './plugins/observability.js';
import { registerOpenInferenceRoutes } from './plugins/open-inference.js';
import { openApiDocs } from './plugins/openapi.js';
import { registerPredictRoutes } from './plugins/predict.js';
import { requestTracing } from './plugins/tracing.js';
import { requestIdOf } from './request-id.js';

/** What the app is built from. */
export interface AppDependencies {
  readonly config: Config;
  readonly state: ModelState;
  readonly metrics: ServiceMetrics;
  readonly log: ServiceLogger;
  /** Drift, prediction store and live quality; absent when MODEL_MONITORING is off. */
  readonly monitor?: ModelMonitor;
  /** Hot reload, behind POST /admin/reload; the route exists only with both this and ADMIN_TOKEN. */
  readonly reloader?: Pick<ModelReloader, 'reload'>;
  /** The built console page (default dist/console); tests point it elsewhere. */
  readonly consoleDir?: string;
  /** A server span per request (OTEL_EXPORTER_OTLP_ENDPOINT set); absent: no span is made. */
  readonly tracing?: Tracing;
}


/**
 * Builds the app (not listening). Metrics are recorded on the request path only when
 * METRICS_ENABLED, audit lines only when AUDIT_LOG, drift and stored predictions only when a
 * monitor is given (MODEL_MONITORING); /metrics answers either way. With CONSOLE_ENABLED the web
 * console is served at /console, its data under /api/ (sampled on the monitor tick).
 *
 * @example
 * const app = await buildApp({ config, state, metrics, log });
 * const res = await app.inject({ method: 'GET', url: '/health' });
 */
export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const { config, state, metrics, log, monitor, reloader } = deps;
  const app = Fastify({
    logger: false,
    bodyLimit: config.BODY_LIMIT_BYTES,
    genReqId: requestIdOf,
    requestIdHeader: false,
    requestTimeout: REQUEST_TIMEOUT_SECONDS * 1000,
    // While closing, requests on connections still open get a coded 503 from the onRequest hook below
    // (Fastify's own 503 has no code).
    return503OnClosing: false,
    // Malformed HTTP, oversized headers and timeouts, answered in the coded shape too.
    clientErrorHandler: answerClientError,
    // Bodies are read field by field into fresh rows (completeRow) and never merged into other
    // objects, so a "__proto__" key is inert here; skipping secure-json-parse's scan saves ~2 µs.
    onProtoPoisoning: 'ignore',
    onConstructorPoisoning: 'ignore',
    // A URL Fastify cannot decode never reaches the router; answer it in the same coded shape.
    frameworkErrors: (error, request, frameworkReply) => {
      const reply = frameworkReply as unknown as FastifyReply;
      reply.header('x-request-id', request.id);
      const coded = new BadUrlError(echo(error.message));
      return reply.code(400).send({ statusCode: 400, code: coded.code, error: 'Bad Request', message: coded.message, request_id: request.id });
    },
  });
  // Only JSON is accepted: without this a text/plain body would reach the handlers as a string.
  app.removeContentTypeParser('text/plain');
  // Once a stop begins, requests that still arrive on open connections are refused, coded.
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    // The server's close waits for every connection to end. One whose answer is sent after the stop
    // began stays open, kept alive, until keepAliveTimeout (72 s): far past SHUTDOWN_TIMEOUT_SECONDS.
    // Read when each answer finishes, so from now on an idle connection ends within about a second.
    app.server.keepAliveTimeout = 1;
    done();
  });
  // Set before the handler runs, so every answer — errors and 404s included — echoes the id.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  const counts = newRequestCounts();
  await app.register(errorHandling, { bodyLimit: config.BODY_LIMIT_BYTES, log: log.service });
  await app.register(contentEncoding, { bodyLimit: config.BODY_LIMIT_BYTES });
  // Before every route: the OpenAPI document lists the routes added after it.
  await app.register(openApiDocs, { state, maxExtraFields: config.PREDICT_MAX_EXTRA_FIELDS, batchMaxRows: config.BATCH_MAX_ROWS });
  await app.register(observability, {
    state,
    metrics: config.METRICS_ENABLED ? metrics : undefined,
    audit: config.AUDIT_LOG ? log : undefined,
    monitor,
    rawInputs: config.AUDIT_RAW_INPUTS,
    redactFields: config.AUDIT_REDACT_FIELDS.split(',').map((f) => f.trim()).filter(Boolean),
    counts,
    log: log.service,
  });
  // Before the refusal below, so a request refused while closing has its span too.
  if (deps.tracing) await app.register(requestTracing, { tracing: deps.tracing });
  // After observability's onRequest hook (hooks run in the order they are added), so a refused request
  // is counted like any other answer: a client that gets this 503 saw a server error, and a rolling
  // deploy that makes many of them must show in http_request_duration_seconds and GET /status.
  app.addHook('onRequest', (_request, reply, done) => {
    if (!closing) return done();
    reply.header('connection', 'close');
    done(new ShuttingDownError());
  });
  // The fire drill hooks the predict routes as they are added, so it is registered before them.
  if (config.ADMIN_TOKEN) {
    const drill = createFireDrill(log.service);
    // Wired even when METRICS_ENABLED is false: that flag stops recording on the request path, and
    // ml_drill_active costs nothing there (it is read at scrape time), while /metrics still answers —
    // a 0 there during a drill would tell whoever looks that the errors are an incident.
    metrics.drill.watchDrill(() => drill.active);
    await app.register(fireDrillPlugin, {
      token: config.ADMIN_TOKEN,
      drill,
      metrics: config.METRICS_ENABLED ? metrics.drill : undefined,
      audit: config.AUDIT_LOG ? log.audit : undefined,
      log: log.service,
    });
  }
  await app.register(registerPredictRoutes, {
    state,
    maxExtraFields: config.PREDICT_MAX_EXTRA_FIELDS,
    batchMaxRows: config.BATCH_MAX_ROWS,
    observeFeatureProcessing: config.METRICS_ENABLED ? metrics.observeFeatureProcessing : undefined,
  });
  await app.register(registerOpenInferenceRoutes, {
    state,
    modelName: config.MODEL_NAME,
    maxExtraFields: config.PREDICT_MAX_EXTRA_FIELDS,
    batchMaxRows: config.BATCH_MAX_ROWS,
    observeFeatureProcessing: config.METRICS_ENABLED ? metrics.observeFeatureProcessing : undefined,
  });
  await app.register(registerFeedbackRoutes, { monitor, state, batchMaxItems: config.FEEDBACK_BATCH_MAX_ITEMS, ttlSeconds: config.PREDICTION_STORE_TTL_SECONDS });
  await app.register(registerHealthRoutes, { state, serviceName: config.SERVICE_NAME, startedAt: Date.now(), counts, monitor });
  await app.register(registerMetricsRoute, { registry: metrics.registry });
  if (config.ADMIN_TOKEN && reloader) await app.register(registerAdminRoutes, { token: config.ADMIN_TOKEN, reloader });
  if (config.CONSOLE_ENABLED) {
    await app.register(registerConsoleApi, {
      registry: metrics.registry,
      intervalSeconds: config.MONITOR_INTERVAL_SECONDS,
      forScale: config.CONSOLE_ALERT_FOR_SCALE,
      featureNames: state.current?.schema.features.map((f) => f.name),
      classNames: state.current?.schema.task === 'multiclass' ? state.current.schema.classes : undefined,
      monitor,
      recent: log.recent,
      audit: config.AUDIT_LOG ? log.audit : undefined,
      log: log.service,
    });
    await app.register(registerConsolePage, { dir: deps.consoleDir });
  }
  return app;
}
