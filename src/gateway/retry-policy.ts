/**
 * When the gateway calls the upstream again: only for an idempotent request (RFC 9110 §9.2.2: the
 * same request twice has the effect of one) without a body to replay, only when the connection
 * failed before any answer (refused, reset, the socket closed) — never on an answer, whatever its
 * status: the client gets the upstream's answer unchanged — and only while nothing was sent to the
 * client (the forwarder, ./forward.ts, asks only for calls that got no answer and have no body).
 */

/** Methods whose repetition is harmless. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/** Socket errors that mean the request got no answer (undici's and Node's names). */
const CONNECTION_FAILED = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/** What the forwarder hands its `retryDelay` hook. */
interface RetryContext {
  readonly err?: (Error & { code?: string; cause?: { code?: string } }) | null;
  readonly req: { readonly method: string; readonly headers: Record<string, unknown> };
  readonly attempt: number;
}

/**
 * The forwarder's `retryDelay` hook: milliseconds to wait before the next attempt, or null for none.
 *
 * @example new Upstream(origin, { timeoutMs: 30_000, retryDelay: retryPolicy(1, metrics.retried) })
 */
export function retryPolicy(retries: number, onRetry: () => void): (context: RetryContext) => number | null {
  return ({ err, req, attempt }) => {
    if (!err || attempt >= retries || !IDEMPOTENT.has(req.method)) return null;
    const length = req.headers['content-length'];
    if ((length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined) return null;
    if (!CONNECTION_FAILED.has(err.cause?.code ?? err.code ?? '')) return null;
    onRetry();
    // A short pause, longer each time: a restarting server gets a moment, a client barely waits.
    return 25 * (attempt + 1);
  };
}
