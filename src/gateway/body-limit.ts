/**
 * The gateway's bound on a request body. Bodies are streamed to the model server unparsed, so
 * Fastify's own body limit (which applies to bodies it parses) never sees them: a body announced
 * larger than the bound (Content-Length) is refused before any call, and a chunked body, whose size
 * nobody announced, is counted on its way through and cut off one chunk past the bound. Only
 * chunked bodies pay for the counting; Node's parser never reads past a Content-Length.
 */
import { Transform, type Readable } from 'node:stream';
import type { IncomingHttpHeaders } from 'node:http';
import { GatewayBodyTooLargeError } from '../errors.js';

/** The default bound on a request body through the gateway: 64 MiB. */
export const DEFAULT_GATEWAY_BODY_LIMIT = 64 * 1024 * 1024;

/**
 * Whether the request's Content-Length announces more than `limit` bytes.
 *
 * @example announcedOver({ 'content-length': '100' }, 64) // true
 */
export function announcedOver(headers: IncomingHttpHeaders, limit: number): boolean {
  const length = headers['content-length'];
  return length !== undefined && Number(length) > limit;
}

/**
 * `payload` passed on as it arrives, unless it has a Content-Length (then as it is): past `limit`
 * bytes the returned stream fails with MW_GATEWAY_BODY_TOO_LARGE (which aborts the upstream call
 * reading it), `onOver` being told first; the rest of the client's body is read and dropped.
 *
 * @example done(null, limitedBody(request.headers, payload, limit, () => overLimit.add(request)));
 */
export function limitedBody(headers: IncomingHttpHeaders, payload: Readable, limit: number, onOver: () => void): Readable {
  if (headers['content-length'] !== undefined) return payload;
  let seen = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen <= limit) return callback(null, chunk);
      onOver();
      // The rest of the client's body is read and dropped, as Node does with a body nobody reads.
      payload.unpipe(counted);
      payload.resume();
      callback(new GatewayBodyTooLargeError(limit));
    },
  });
  payload.once('error', (error) => counted.destroy(error));
  return payload.pipe(counted);
}
