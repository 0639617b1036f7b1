/**
 * Turning a failed call to Elasticsearch or Kibana into an error that says what to do: which URL
 * could not be reached and why, that the credentials were refused, or which privilege is missing.
 */
import { SetupFailedError, SetupForbiddenError, SetupUnauthorizedError, SetupUnreachableError } from '../errors.js';
import { networkReason } from '../util/network-reason.js';

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

/**
 * The error for a server that could not be reached.
 *
 * @example throw unreachable(step, error, 30) // cannot reach Elasticsearch at http://…: connection refused; is it running? check --url
 */
export function unreachable(step: Step, error: unknown, timeoutSeconds: number): Error {
  return new SetupUnreachableError(step.service, step.url, networkReason(error, { timeout: `no answer within ${timeoutSeconds} s (--timeout)`, tls: 'pass the CA that signed it with --ca' }));
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
