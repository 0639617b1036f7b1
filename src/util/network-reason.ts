/**
 * Why a connection to a server failed, in words a user can act on: shared by every client
 * modelwatch runs against a server it does not own (the setup commands, the pipeline's push).
 */

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_(VERIFY|GET_ISSUER)|ERR_TLS/;

/** Error codes of an error and of its causes (fetch wraps the socket error in `cause`). */
function codesOf(error: unknown): string[] {
  const codes: string[] = [];
  for (let e = error as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string') codes.push(e.code);
    if (typeof e.name === 'string') codes.push(e.name);
    // Some clients (Elasticsearch's) keep only the message ("connect ECONNREFUSED 127.0.0.1:9200").
    if (typeof e.message === 'string') codes.push(...(e.message.match(/\b[A-Z][A-Z0-9_]{4,}\b/g) ?? []));
    if (typeof e.message === 'string' && /certificate/i.test(e.message)) codes.push('CERT');
  }
  return codes;
}

/** What to tell the user for the failures whose remedy depends on the command. */
export interface NetworkReasonHints {
  /** For a timeout, e.g. "no answer within 30 s (--timeout)". */
  readonly timeout: string;
  /** Appended to an untrusted-certificate reason, e.g. "pass the CA that signed it with --ca". */
  readonly tls?: string;
}

/**
 * Why a connection failed, in words.
 *
 * @example networkReason(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), { timeout: 'no answer within 30 s' }) // 'connection refused'
 */
export function networkReason(error: unknown, hints: NetworkReasonHints): string {
  const codes = codesOf(error);
  const has = (...names: string[]) => codes.some((code) => names.includes(code));
  if (has('ECONNREFUSED')) return 'connection refused';
  if (has('ENOTFOUND', 'EAI_AGAIN')) return 'unknown host';
  if (has('TimeoutError', 'AbortError', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT')) return hints.timeout;
  const tls = codes.find((code) => TLS_CODES.test(code));
  if (tls) return `its TLS certificate is not trusted (${tls})${hints.tls ? `; ${hints.tls}` : ''}`;
  if (has('EPROTO', 'ERR_SSL_WRONG_VERSION_NUMBER')) return 'the TLS handshake failed (an https URL for a plain http port?)';
  if (has('ECONNRESET', 'UND_ERR_SOCKET')) return 'the connection was closed (an http URL for an https port?)';
  return error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
}
