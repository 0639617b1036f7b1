/**
 * What a client may choose as a request id (the X-Request-Id header, the `id` of an Open Inference
 * Protocol request): a raw string that reaches logs, response headers and the prediction store, so
 * it is bounded and restricted to characters that need no escaping anywhere.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** 1–128 characters of `A-Z a-z 0-9 . _ : -`. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** The rule of {@link REQUEST_ID_PATTERN} in words, for error messages and docs. */
export const REQUEST_ID_RULE = '1-128 characters of A-Z a-z 0-9 . _ : -';

/**
 * Whether `value` is a request id a client may choose.
 *
 * @example isWellFormedRequestId('abc-1') // true
 * @example isWellFormedRequestId('a b') // false
 */
export function isWellFormedRequestId(value: unknown): value is string {
  return typeof value === 'string' && REQUEST_ID_PATTERN.test(value);
}

/**
 * Honours a well-formed X-Request-Id and generates one otherwise; a client's id is a raw string, so
 * it is bounded and restricted before it reaches logs and response headers.
 *
 * @example requestIdOf({ headers: { 'x-request-id': 'abc-1' } } as IncomingMessage) // 'abc-1'
 */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return isWellFormedRequestId(given) ? given : randomUUID();
}
