/**
 * Gateway mode: modelwatch in front of a model that someone else serves. Every request is
 * forwarded to the upstream unchanged — bodies streamed through, connections kept alive by an
 * undici pool (./forward.ts) — and its answer returned unchanged, with X-Request-Id honoured
 * or generated and passed on. The gateway's own endpoints live under a prefix no model server uses
 * (`/-/modelwatch/` by default): metrics, health, readiness (the upstream answers), status and
 * feedback. Each answered request of a route the mapping declares is observed after it is sent
 * (./observe/): its bodies kept on the way through, read into predictions, counted, audited and
 * stored for ground truth like the native service's own. What the gateway cannot reach or wait for
 * it answers itself, with a coded 502 or 504 that says so.
 */
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import { loadConfig, type Config } from '../config.js';
import { GatewayBodyTooLargeError, GatewayOverloadedError, UpstreamCircuitOpenError, UpstreamTimeoutError, UpstreamUnreachableError } from '../errors.js';
import { createLogger, type ServiceLogger } from '../monitoring/audit/logger.js';
import { createGatewayMetrics, type UpstreamErrorKind } from '../monitoring/metrics/gateway.js';
import { registerGuardGauges } from '../monitoring/metrics/gateway-guard.js';
import { createServiceMetrics } from '../monitoring/metrics/index.js';
import { requestIdOf } from '../server/request-id.js';
import { announcedOver, DEFAULT_GATEWAY_BODY_LIMIT, limitedBody } from './body-limit.js';
import { kindOf, Upstream, type UpstreamFailure } from './forward.js';
import type { Mapping, MappedRoute } from './mapping/types.js';
import { captureRequest, copyResponse, KeepBudget } from './observe/body-capture.js';
import { createModelLayer, type ModelLayer } from './observe/model-layer.js';
import type { ReferenceProfile } from './profile/types.js';
import { PRESETS, type PresetName } from './mapping/presets/index.js';
import { endpointOf } from './mapping/routes.js';
import { retryPolicy } from './retry-policy.js';
import type { Tracing } from '../monitoring/tracing/tracing.js';
import { traceGateway } from './tracing.js';
import { UpstreamGuard, type Refusal } from './upstream-guard.js';

/** What the gateway is built from. */
export interface GatewayOptions {
  /** The model server's base URL, e.g. http://127.0.0.1:8000. */
  readonly upstream: string;
  readonly preset: PresetName;
  /** Seconds to wait for the upstream's answer (connect and response headers). */
  readonly timeoutSeconds: number;
  /** Where the gateway's own endpoints live. */
  readonly prefix: string;
  /** Most upstream connections (undici's pool). */
  readonly connections?: number;
  /** Most calls to the upstream in flight at once; beyond, 503 MW_GATEWAY_OVERLOADED (default 256). */
  readonly maxInFlight?: number;
  /** Failed calls in a row that open the circuit (default 5; 0: no breaker). */
  readonly circuitFailures?: number;
  /** Seconds an open circuit waits before a probe (default 10). */
  readonly circuitOpenSeconds?: number;
  /** Attempts after the first for an idempotent request without a body whose connection failed (default 1). */
  readonly retries?: number;
  /** Largest request body in bytes; beyond, 413 MW_GATEWAY_BODY_TOO_LARGE (default 64 MiB). */
  readonly bodyLimit?: number;
  /** Clock in ms (tests inject one). */
  readonly now?: () => number;
  /** Server and upstream-call spans, traceparent passed on (OTEL_EXPORTER_OTLP_ENDPOINT set); absent: none. */
  readonly tracing?: Tracing;
  /** How to read the model's requests and answers (default: the preset's mapping). */
  readonly mapping?: Mapping;
  /** What live traffic is compared with: feature and prediction baselines (`modelwatch profile`). */
  readonly profile?: ReferenceProfile;
  /** A text model's vocabulary (lower-cased tokens). */
  readonly vocabulary?: ReadonlySet<string>;
  /** The service's settings — logs, monitoring windows, the prediction store (default: from an empty environment). */
  readonly config?: Config;
  /** The audit and service log (default: one made from `config`). */
  readonly log?: ServiceLogger;
  /** Most bytes of a request or response body kept for observing (default 1 MiB); larger ones are forwarded, not observed. */
  readonly observeMaxBytes?: number;
}

/** The default of {@link GatewayOptions.observeMaxBytes}: prediction bodies are far smaller. */
export const OBSERVE_MAX_BYTES = 1024 * 1024;

/**
 * Most bytes of bodies kept for observing at once, across all requests in flight (or four times
 * `observeMaxBytes`, if more): past it, bodies are forwarded and counted as not observed.
 */
export const OBSERVE_BUDGET_BYTES = 64 * 1024 * 1024;

/** A built gateway. */
export interface Gateway {
  readonly app: FastifyInstance;
  readonly registry: Registry;
  readonly log: ServiceLogger;
  /** The model and audit layers: what the mapping reads of each answered request. */
  readonly model: ModelLayer;
}

/** The gateway's own endpoints' default prefix: `-` is no path segment a model server uses. */
export const GATEWAY_PREFIX = '/-/modelwatch';

/** When a request reached the gateway and when its upstream call began (for the two latency families). */
interface Timing {
  started: number;
  upstreamStarted: number;
  endpoint: string;
  /** The upstream call's outcome once known: answered (any status) or not. */
  answered?: boolean;
}

/** What the gateway keeps of a request of an observed route. */
interface Kept {
  readonly route: MappedRoute;
  /** The body as sent; undefined when larger than the gateway keeps. */
  body: Buffer | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    gatewayTiming: Timing | null;
    gatewayKept: Kept | null;
  }
}

const NO_BODY = Buffer.alloc(0);

/**
 * Builds the gateway (not listening).
 *
 * @example const gateway = await buildGateway({ upstream: 'http://127.0.0.1:8000', preset: 'flask', timeoutSeconds: 30, prefix: '/-/modelwatch' });
 */
export async function buildGateway(options: GatewayOptions): Promise<Gateway> {
  const config = options.config ?? loadConfig({});
  const log = options.log ?? createLogger({ serviceName: config.SERVICE_NAME, level: config.LOG_LEVEL, stdout: config.LOG_STDOUT, file: config.LOG_FILE });
  const service = createServiceMetrics({ logLinesDropped: log.droppedLines });
  const registry = service.registry;
  const metrics = createGatewayMetrics(registry);
  const mapping = options.mapping ?? PRESETS[options.preset];
  const declared = mapping.routes;
  const bodyLimit = options.bodyLimit ?? DEFAULT_GATEWAY_BODY_LIMIT;
  // A body kept whole for observing is sent upstream from the copy, so none is kept past --body-limit.
  const keepLimit = Math.min(options.observeMaxBytes ?? OBSERVE_MAX_BYTES, bodyLimit);
  const model = createModelLayer({ config, mapping, profile: options.profile, vocabulary: options.vocabulary, metrics: service, log, observeMaxBytes: keepLimit, now: options.now });
  const keepBudget = new KeepBudget(Math.max(OBSERVE_BUDGET_BYTES, 4 * keepLimit));
  /** The mapped route that observes `method` on `path`, if any. */
  const observedRoute = (method: string, path: string) => mapping.routes.find((r) => r.method === method && r.pattern.test(path));
  const upstream = new URL(options.upstream);
  const timeoutMs = options.timeoutSeconds * 1000;
  const guard = new UpstreamGuard({ maxInFlight: options.maxInFlight ?? 256, failureThreshold: options.circuitFailures ?? 5, openSeconds: options.circuitOpenSeconds ?? 10, now: options.now });
  registerGuardGauges(registry, () => ({ inFlight: guard.inFlight, circuit: guard.circuit }));
  const app = Fastify({ logger: false, genReqId: requestIdOf, requestIdHeader: false, bodyLimit });
  const calls = new Upstream(upstream.origin, { timeoutMs, connections: options.connections, retryDelay: retryPolicy(options.retries ?? 1, metrics.retried) });
  // After the server has closed (every request answered), so no call in flight is cut.
  app.addHook('onClose', () => calls.close());
  // Bodies are not parsed: the stream is handed to the upstream as it arrives — except on a route
  // the mapping observes, whose (small) body is kept to be read after the answer, and forwarded from the copy.
  // Either way within --body-limit (body-limit.ts): a body announced larger is not read (the handler
  // answers 413), and a chunked one is cut off at the bound, its call aborted and remembered here.
  app.removeAllContentTypeParsers();
  const overLimit = new WeakSet<FastifyRequest>();
  app.addContentTypeParser('*', (request, payload, done) => {
    if (announcedOver(request.headers, bodyLimit)) return done(null, payload);
    const limited = (body: Readable) => limitedBody(request.headers, body, bodyLimit, () => overLimit.add(request));
    const route = observedRoute(request.method, request.url.split('?', 1)[0]);
    if (!route) return done(null, limited(payload));
    captureRequest(payload, keepLimit, keepBudget, (error, captured) => {
      request.gatewayKept = { route, body: captured?.kept };
      if (captured) request.raw.once('close', captured.release);
      done(error, captured && (captured.kept ?? limited(captured.forward)));
    });
  });
  app.decorateRequest('gatewayTiming', null);
  app.decorateRequest('gatewayKept', null);
  await model.registerRoutes(app, options.prefix);
  app.addHook('onClose', async () => {
    model.stop();
  });
  // The request's trace and server span ids (request.traceIds) when tracing is on.
  app.decorateRequest('traceIds', null);
  const traces = options.tracing ? traceGateway(app, options.tracing, declared) : undefined;

  const own = (path: string) => `${options.prefix}${path}`;
  app.get(own('/metrics'), async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  app.get(own('/health'), async () => ({ status: 'ok' }));
  app.get(own('/ready'), async (_request, reply) => {
    const reachable = await upstreamAnswers(upstream, Math.min(timeoutMs, 5000));
    return reply.code(reachable ? 200 : 503).send({ status: reachable ? 'ready' : 'upstream unreachable', ready: reachable, upstream: upstream.origin });
  });
  app.get(own('/status'), async () => ({
    mode: 'gateway',
    upstream: upstream.origin,
    preset: options.mapping ? null : options.preset,
    mapping: mapping.name,
    endpoints: declared.map((d) => d.endpoint),
    timeout_seconds: options.timeoutSeconds,
    circuit: guard.circuit,
    in_flight: guard.inFlight,
    model: model.status(),
  }));

  /** The gateway's own answer in the service's coded error shape, the request id beside it. */
  const answer = (reply: FastifyReply, error: FastifyError, headers: Record<string, string> = {}) => {
    const status = error.statusCode!;
    return reply
      .code(status)
      .headers({ 'x-request-id': reply.request.id, ...headers })
      .send({ statusCode: status, code: error.code, error: STATUS_CODES[status], message: error.message, request_id: reply.request.id });
  };

  const failed = (failure: UpstreamFailure, reply: FastifyReply) => {
    const kind = kindOf(failure);
    const timing = reply.request.gatewayTiming;
    if (timing) timing.answered = false;
    metrics.upstreamError(kind);
    traces?.upstreamFailed(reply.request, kind);
    if (timing) metrics.backend(timing.endpoint, 'error', (performance.now() - timing.upstreamStarted) / 1000);
    const error = kind === 'timeout' ? new UpstreamTimeoutError(upstream.origin, options.timeoutSeconds) : new UpstreamUnreachableError(upstream.origin, UNANSWERED[kind] ?? `its answer could not be read: ${failure.message}`);
    answer(reply, error);
  };

  const refuse = (reply: FastifyReply, refusal: Refusal) => {
    metrics.refused(refusal.reason);
    const error = refusal.reason === 'overloaded' ? new GatewayOverloadedError(guard.inFlight) : new UpstreamCircuitOpenError(upstream.origin, options.circuitFailures ?? 5, refusal.retryAfterSeconds);
    return answer(reply, error, { 'retry-after': String(refusal.retryAfterSeconds) });
  };

  const forward = (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?', 1)[0];
    const timing: Timing = { started: performance.now(), upstreamStarted: performance.now(), endpoint: endpointOf(declared, path) };
    request.gatewayTiming = timing;
    if (announcedOver(request.headers, bodyLimit)) return answer(reply, new GatewayBodyTooLargeError(bodyLimit));
    const refusal = guard.admit();
    if (refusal) return refuse(reply, refusal);
    const set: Record<string, string> = { 'x-request-id': request.id };
    traces?.toUpstream(request, set, upstream);
    const call = calls.forward(
      { method: request.method, url: request.url, headers: request.headers, body: bodyToForward(request), set },
      {
        onResponse: (status, headers) => {
          timing.answered = true;
          traces?.upstreamAnswered(request, status);
          metrics.backend(timing.endpoint, status, (performance.now() - timing.upstreamStarted) / 1000);
          // The upstream's head and body go to the client as they are; Fastify's onResponse hooks
          // still run when the response finishes.
          reply.hijack();
          headers['x-request-id'] = request.id;
          const client = reply.raw.writeHead(status, headers);
          const kept = observed(request);
          if (!kept || status < 200 || status >= 300) return client;
          // An observed answer is copied on its way to the client.
          return copyResponse(client, keepLimit, keepBudget, (response) =>
            model.observer.push({
              route: kept.route,
              requestId: request.id,
              request: kept.body,
              requestEncoding: headerOf(request.headers['content-encoding']),
              response,
              responseEncoding: headerOf(headers['content-encoding']),
              status,
              durationMs: performance.now() - timing.started,
              atMs: model.monitor ? model.monitor.now() : Date.now(),
              trace: request.traceIds ?? undefined,
            }),
          );
        },
        // A body cut off at the bound aborts the call: the client's fault, not the model server's.
        onError: (_kind, error) => (overLimit.has(request) ? answer(reply, new GatewayBodyTooLargeError(bodyLimit)) : failed(error, reply)),
      },
    );
    // Once per admitted call, whatever happens: the response closes after the answer, an error, or
    // a client gone before the answer was sent (then the upstream call is dropped, and judged only
    // if the upstream had answered).
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) call.abort();
      if (timing.answered === undefined) guard.release();
      else guard.done(timing.answered);
    });
  };
  app.all('/*', forward);
  app.all('/', forward);

  /**
   * What to send upstream: a body kept whole for observing goes as that Buffer (undici writes it
   * with the head, where a stream replaying it costs a Readable and its ticks); any other as the
   * stream Fastify's parser handed over (bounded by --body-limit), or nothing.
   */
  const bodyToForward = (request: FastifyRequest): Readable | Buffer | null => {
    // A kept body is within --body-limit: no more than it is kept (keepLimit).
    const kept = request.gatewayKept?.body;
    if (kept !== undefined) return kept;
    return (request.body as Readable | undefined) ?? null;
  };

  /** What was kept of an observed request: a request without a body has an empty one. */
  const observed = (request: FastifyRequest): Kept | undefined => {
    if (request.gatewayKept) return request.gatewayKept;
    const route = observedRoute(request.method, request.url.split('?', 1)[0]);
    return route ? { route, body: NO_BODY } : undefined;
  };

  app.addHook('onResponse', async (request, reply) => {
    const timing = request.gatewayTiming;
    if (timing) metrics.request(request.method, timing.endpoint, reply.statusCode, (performance.now() - timing.started) / 1000);
  });
  return { app, registry, log, model };
}

const headerOf = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/** What a 502 says happened, by kind (`other`: the error's own message, e.g. undici's "Response does not match the HTTP/1.1 protocol" for an answer that is not HTTP). */
const UNANSWERED: Partial<Record<UpstreamErrorKind, string>> = { reset: 'it closed the connection', unreachable: 'connection refused or host not found' };

/** Whether the upstream answers at all (any HTTP status counts: it is up). */
async function upstreamAnswers(upstream: URL, timeoutMs: number): Promise<boolean> {
  try {
    const response = await fetch(upstream, { method: 'GET', signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return true;
  } catch {
    return false;
  }
}
