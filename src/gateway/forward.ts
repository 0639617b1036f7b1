/**
 * The gateway's call to the model server: one request forwarded over a pool of kept-alive
 * connections with undici's `stream()` API, the upstream's status, headers and body handed back as
 * they arrive. `stream()` is undici's API for proxies: the body is written straight into the
 * Writable the caller gives for it (the client's response), with back-pressure, and no Readable is
 * built in between. It replaced @fastify/reply-from (which calls undici's `request()`, then pipes
 * the body Readable through Fastify's reply): the same pool, a third of the CPU per request less
 * (docs/performance.md, "The gateway in front of a bare server").
 */
import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Readable, Writable } from 'node:stream';
import { Pool } from 'undici';
import type { UpstreamErrorKind } from '../monitoring/metrics/gateway.js';

/** One request to forward, as the client sent it. */
export interface UpstreamCall {
  readonly method: string;
  /** Path and query string, e.g. `/predict?x=1`. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The body as it arrives (streamed, unparsed), or the whole of it; null when there is none. */
  readonly body: Readable | Buffer | string | null;
  /** Headers set on the forwarded request over the client's (e.g. the X-Request-Id the gateway chose). */
  readonly set?: Readonly<Record<string, string>>;
}

/** What the caller does with the upstream's answer. */
export interface ForwardHooks {
  /**
   * The upstream answered (its status and headers, hop-by-hop headers removed): returns where its
   * body goes, usually the client's response with this head written. Called at most once.
   */
  onResponse(statusCode: number, headers: OutgoingHttpHeaders): Writable;
  /**
   * The upstream gave no answer (`kind` for gateway_upstream_errors_total). Called at most once,
   * never after onResponse (a body broken off midway destroys the Writable instead), and not after
   * the caller aborted.
   */
  onError(kind: UpstreamErrorKind, error: UpstreamFailure): void;
}

/** Options of {@link Upstream}. */
export interface UpstreamOptions {
  /** Milliseconds to connect, to wait for the response headers, and between body chunks. */
  readonly timeoutMs: number;
  /** Most connections to the upstream (default 128). */
  readonly connections?: number;
  /**
   * Whether to send a call again after it failed without an answer: milliseconds to wait first, or
   * null for no (default: never). Asked only for calls without a body, which can be sent again.
   */
  readonly retryDelay?: (context: RetryContext) => number | null;
}

/** What {@link UpstreamOptions.retryDelay} is asked with. */
export interface RetryContext {
  readonly err: UpstreamFailure;
  /** The request as the client sent it. */
  readonly req: { readonly method: string; readonly headers: IncomingHttpHeaders };
  /** Attempts made after the first so far. */
  readonly attempt: number;
}

/** A call in flight: abort() stops it when the client has gone away (onError is then not called). */
export interface ForwardedCall {
  abort(): void;
}

/**
 * Headers that belong to one connection, not to the message (RFC 9110 §7.6.1), plus `expect` (Node's
 * server has already answered 100-continue) and `host` (set to the upstream's): not forwarded.
 */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'expect', 'host']);

/**
 * The message's headers without the hop-by-hop ones, nor any the Connection header names.
 *
 * @example endToEnd({ connection: 'keep-alive', 'content-type': 'application/json' }) // { 'content-type': 'application/json' }
 */
export function endToEnd(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const named = headers.connection;
  const listed = typeof named === 'string' && named !== 'keep-alive' && named !== 'close' ? new Set(named.toLowerCase().split(',').map((name) => name.trim())) : null;
  const kept: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || HOP_BY_HOP.has(name) || listed?.has(name)) continue;
    kept[name] = value;
  }
  return kept;
}

/** An error undici reports for a call, with its code and, for socket errors, the cause under it. */
export type UpstreamFailure = Error & { code?: string; cause?: { code?: string } };

/**
 * The kind of an upstream failure, from undici's codes or the socket's.
 *
 * @example kindOf(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })) // 'unreachable'
 */
export function kindOf(error: UpstreamFailure): UpstreamErrorKind {
  const code = error.code ?? '';
  const cause = error.cause?.code ?? '';
  if (/TIMEOUT/.test(code) || /TIMEOUT/.test(cause)) return 'timeout';
  if (['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'].includes(code) || ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH'].includes(cause)) return 'unreachable';
  if (['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'].includes(code) || ['ECONNRESET', 'EPIPE'].includes(cause)) return 'reset';
  return 'other';
}

/**
 * The model server, behind a pool of kept-alive connections.
 *
 * @example
 * const upstream = new Upstream('http://127.0.0.1:8000', { timeoutMs: 30_000 });
 * upstream.forward({ method: 'POST', url: '/predict', headers, body: req }, {
 *   onResponse: (status, headers) => res.writeHead(status, headers),
 *   onError: (kind) => res.writeHead(502).end(kind),
 * });
 */
export class Upstream {
  private readonly pool: Pool;
  private readonly host: string;
  private readonly timeoutMs: number;
  private readonly retryDelay: UpstreamOptions['retryDelay'];

  constructor(origin: string, options: UpstreamOptions) {
    this.host = new URL(origin).host;
    this.timeoutMs = options.timeoutMs;
    this.retryDelay = options.retryDelay;
    // keepAliveTimeout: how long an idle connection is kept when the upstream does not say (its own
    // Keep-Alive: timeout= hint wins), so a burst after a pause does not pay new connections.
    this.pool = new Pool(origin, { connections: options.connections ?? 128, pipelining: 1, connectTimeout: options.timeoutMs, keepAliveTimeout: 30_000 });
  }

  /** Sends `call` to the upstream; its answer goes to `hooks`. */
  forward(call: UpstreamCall, hooks: ForwardHooks): ForwardedCall {
    const headers = endToEnd(call.headers);
    headers.host = this.host;
    if (call.set) Object.assign(headers, call.set);
    // With no body to send, a content-length the client gave would not match what is sent.
    if (call.body === null) delete headers['content-length'];
    // An EventEmitter is the lightest signal undici accepts: an AbortController per call costs more.
    const signal = new EventEmitter();
    let aborted = false;
    let answered = false;
    let retryTimer: NodeJS.Timeout | undefined;
    const send = (attempt: number) =>
      this.pool.stream(
        { path: call.url, method: call.method, headers, body: call.body, headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs, signal },
        ({ statusCode, headers: upstreamHeaders }) => {
          answered = true;
          return hooks.onResponse(statusCode, endToEnd(upstreamHeaders));
        },
        (error) => {
          if (!error || answered || aborted) return;
          const failure = error as UpstreamFailure;
          // Only a call without a body can be sent again: a stream, once read, is gone.
          const delay = call.body === null ? this.retryDelay?.({ err: failure, req: call, attempt }) : null;
          if (delay !== null && delay !== undefined) retryTimer = setTimeout(() => send(attempt + 1), delay);
          else hooks.onError(kindOf(failure), failure);
        },
      );
    send(0);
    return {
      abort: () => {
        if (aborted) return;
        aborted = true;
        clearTimeout(retryTimer);
        signal.emit('abort');
      },
    };
  }

  /** Closes every connection at once (calls still in flight fail). */
  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
