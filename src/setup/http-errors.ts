/**
 * Turning a failed call to Elasticsearch or Kibana into an error that says what to do: which URL
 * could not be reached and why, that the credentials were refused, or which privilege is missing.
 */
import { SetupFailedError, SetupForbiddenError, SetupUnauthorizedError, SetupUnreachableError } from '../errors.js';

/** The server a step talks to. */
export type Service = 'Elasticsearch' | 'Kibana';

/** One call of a setup, described for its error messages. */
export interface Step {
  readonly service: Service;
  readonly url: string;
  readonly username: string;
  /** What the call does, as in "… refused to <action>". */
  readonly action: string;
  /** What the user needs for it, as in "it needs <privilege>". */
  readonly privilege: string;
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_(VERIFY|GET_ISSUER)|ERR_TLS/;

/** Error codes of an error and of its causes (fetch wraps the socket error in `cause`). */
function codesOf(error: unknown): string[] {
  const codes: string[] = [];
  for (let e = error as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string') codes.push(e.code);
    if (typeof e.name === 'string') codes.push(e.name);
    // The Elasticsearch client keeps only the message ("connect ECONNREFUSED 127.0.0.1:9200").
    if (typeof e.message === 'string') codes.push(...(e.message.match(/\b[A-Z][A-Z0-9_]{4,}\b/g) ?? []));
    if (typeof e.message === 'string' && /certificate/i.test(e.message)) codes.push('CERT');
  }
  return codes;
}

/**
 * Why a connection failed, in words.
 *
 * @example networkReason(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 30) // 'connection refused'
 */
export function networkReason(error: unknown, timeoutSeconds: number): string {
  const codes = codesOf(error);
  const has = (...names: string[]) => codes.some((code) => names.includes(code));
  if (has('ECONNREFUSED')) return 'connection refused';
  if (has('ENOTFOUND', 'EAI_AGAIN')) return 'unknown host';
  if (has('TimeoutError', 'AbortError', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT')) return `no answer within ${timeoutSeconds} s (--timeout)`;
  const tls = codes.find((code) => TLS_CODES.test(code));
  if (tls) return `its TLS certificate is not trusted (${tls}); pass the CA that signed it with --ca`;
  if (has('EPROTO', 'ERR_SSL_WRONG_VERSION_NUMBER')) return 'the TLS handshake failed (an https URL for a plain http port?)';
  if (has('ECONNRESET', 'UND_ERR_SOCKET')) return 'the connection was closed (an http URL for an https port?)';
  return error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
}

/**
 * The error for a server that could not be reached.
 *
 * @example throw unreachable(step, error, 30) // cannot reach Elasticsearch at http://…: connection refused; is it running? check --url
 */
export function unreachable(step: Step, error: unknown, timeoutSeconds: number): Error {
  return new SetupUnreachableError(step.service, step.url, networkReason(error, timeoutSeconds));
}

/**
 * The error for an error answer: 401 points at the credentials, 403 names the missing privilege,
 * anything else quotes the server's reason.
 *
 * @example throw answerError(step, 403, 'action [cluster:admin/ilm/put] is unauthorized …')
 */
export function answerError(step: Step, status: number, reason: string): Error {
  if (status === 401) return new SetupUnauthorizedError(step.service, step.url, reason || 'no reason given');
  if (status === 403) return new SetupForbiddenError(step.service, step.action, `user ${step.username} needs ${step.privilege}${reason ? ` (${reason})` : ''}`);
  return new SetupFailedError(step.service, step.action, `HTTP ${status}${reason ? `: ${reason}` : ''}`);
}
