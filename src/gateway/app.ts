/**
 * Gateway mode: modelwatch in front of a model that someone else serves. Every request is
 * forwarded to the upstream unchanged — bodies streamed through, connections kept alive by
 * @fastify/reply-from's undici pool — and its answer returned unchanged, with X-Request-Id honoured
 * or generated and passed on. The gateway's own endpoints live under a prefix no model server uses
 * (`/-/modelwatch/` by default): metrics, health, readiness (the upstream answers), status. What the
 * gateway cannot reach or wait for it answers itself, with a coded 502 or 504 that says so.
 */
import { performance } from 'node:perf_hooks';
import replyFrom from '@fastify/reply-from';
import { STATUS_CODES } from 'node:http';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { GatewayOverloadedError, UpstreamCircuitOpenError, UpstreamTimeoutError, UpstreamUnreachableError } from '../errors.js';
import { createGatewayMetrics, type UpstreamErrorKind } from '../monitoring/metrics/gateway.js';
import { requestIdOf } from '../server/request-id.js';
import type { Tracing } from '../monitoring/tracing/tracing.js';
import { endpointOf, PRESETS, type PresetName } from './presets.js';
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
  /** Clock in ms (tests inject one). */
  readonly now?: () => number;
  /** Server and upstream-call spans, traceparent passed on (OTEL_EXPORTER_OTLP_ENDPOINT set); absent: none. */
  readonly tracing?: Tracing;
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

declare module 'fastify' {
  interface FastifyRequest {
    gatewayTiming: Timing | null;
  }
}

/**
 * Builds the gateway (not listening).
 *
 * @example const gateway = await buildGateway({ upstream: 'http://127.0.0.1:8000', preset: 'flask', timeoutSeconds: 30, prefix: '/-/modelwatch' });
 */
export async function buildGateway(options: GatewayOptions): Promise<{ app: FastifyInstance; registry: Registry }> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics = createGatewayMetrics(registry);
  const declared = PRESETS[options.preset];
  const upstream = new URL(options.upstream);
  const timeoutMs = options.timeoutSeconds * 1000;
  const guard = new UpstreamGuard({ maxInFlight: options.maxInFlight ?? 256, failureThreshold: options.circuitFailures ?? 5, openSeconds: options.circuitOpenSeconds ?? 10, now: options.now });
  const app = Fastify({ logger: false, genReqId: requestIdOf, requestIdHeader: false, bodyLimit: 64 * 1024 * 1024 });
  await app.register(replyFrom, {
    base: upstream.origin,
    undici: { connections: options.connections ?? 128, pipelining: 1, connectTimeout: timeoutMs, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, keepAliveTimeout: 30_000 },
    disableRequestLogging: true,
  });
  // Bodies are not parsed: the stream is handed to the upstream as it arrives.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  app.decorateRequest('gatewayTiming', null);
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
    preset: options.preset,
    endpoints: declared.map((d) => d.endpoint),
    timeout_seconds: options.timeoutSeconds,
    circuit: guard.circuit,
    in_flight: guard.inFlight,
    model_observability: 'not yet: this gateway gives interface metrics; model-level metrics need a mapping and a reference profile',
  }));

  /** The gateway's own answer in the service's coded error shape, the request id beside it. */
  const answer = (reply: FastifyReply, error: FastifyError, headers: Record<string, string> = {}) => {
    const status = error.statusCode!;
    return reply
      .code(status)
      .headers({ 'x-request-id': reply.request.id, ...headers })
      .send({ statusCode: status, code: error.code, error: STATUS_CODES[status], message: error.message, request_id: reply.request.id });
  };

  const failed = (kind: UpstreamErrorKind, reply: FastifyReply) => {
    const timing = reply.request.gatewayTiming;
    if (timing) timing.answered = false;
    metrics.upstreamError(kind);
    traces?.upstreamFailed(reply.request, kind);
    if (timing) metrics.backend(timing.endpoint, 'error', (performance.now() - timing.upstreamStarted) / 1000);
    const error = kind === 'timeout' ? new UpstreamTimeoutError(upstream.origin, options.timeoutSeconds) : new UpstreamUnreachableError(upstream.origin, kind === 'reset' ? 'it closed the connection' : 'connection refused or host not found');
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
    const refusal = guard.admit();
    if (refusal) return refuse(reply, refusal);
    // Once per admitted call, whatever happens: the response closes after the answer, an error, or
    // a client gone before the upstream answered (then nothing is judged).
    reply.raw.once('close', () => (timing.answered === undefined ? guard.release() : guard.done(timing.answered)));
    return reply.from(request.url, {
      timeout: timeoutMs,
      rewriteRequestHeaders: (_req, headers) => {
        const sent = { ...headers, 'x-request-id': request.id };
        traces?.toUpstream(request, sent, upstream);
        return sent;
      },
      onResponse: (_req, res, upstreamResponse) => {
        timing.answered = true;
        traces?.upstreamAnswered(request, upstreamResponse.statusCode ?? 0);
        metrics.backend(timing.endpoint, upstreamResponse.statusCode ?? 0, (performance.now() - timing.upstreamStarted) / 1000);
        res.header('x-request-id', request.id);
        res.send(upstreamResponse.stream);
      },
      onError: (_res, { error }) => failed(kindOf(error as UpstreamFailure), reply),
    });
  };
  app.all('/*', forward);
  app.all('/', forward);

  app.addHook('onResponse', async (request, reply) => {
    const timing = request.gatewayTiming;
    if (timing) metrics.request(request.method, timing.endpoint, reply.statusCode, (performance.now() - timing.started) / 1000);
  });
  return { app, registry };
}

/** An error reply-from reports for an upstream call, with its code and the socket error under it. */
type UpstreamFailure = Error & { code?: string; cause?: { code?: string } };

/** The kind of an upstream failure as reply-from reports it (its own codes, or the socket's). */
function kindOf(error: UpstreamFailure): UpstreamErrorKind {
  const code = error.cause?.code ?? error.code ?? '';
  if (/TIMEOUT/.test(error.code ?? '') || /TIMEOUT/.test(code)) return 'timeout';
  if (['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN'].includes(code) || error.code === 'FST_REPLY_FROM_SERVICE_UNAVAILABLE') return 'unreachable';
  if (['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE'].includes(code) || error.code === 'ECONNRESET') return 'reset';
  return 'other';
}

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
