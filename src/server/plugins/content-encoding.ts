/**
 * Request bodies sent with a Content-Encoding: gzip (and x-gzip), deflate and br are decoded before
 * the JSON parser sees them, and BODY_LIMIT_BYTES applies to the *decoded* size, so a small
 * compressed body that inflates to gigabytes (a zip bomb) is a 413 after one chunk over the limit,
 * not an out-of-memory. `identity` is no coding. Any other coding, or several at once, is a 415; a
 * body that does not decode (corrupt, truncated) is a coded 400. Encoded bytes never reach the JSON
 * parser as if they were JSON.
 *
 * A request without Content-Encoding costs one header lookup here.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { BodyTooLargeError, echo, InvalidContentEncodingError, UnsupportedContentEncodingError } from '../../errors.js';

/**
 * The codings decoded, by their Content-Encoding token. A Map, not an object literal: the token is
 * the client's, and `constructor` or `__proto__` looked up on an object finds Object's own members
 * (a "decoder" that crashed the process when the body was piped into it).
 */
const DECODERS: ReadonlyMap<string, () => NodeJS.ReadWriteStream> = new Map([
  ['gzip', createGunzip],
  ['x-gzip', createGunzip],
  ['deflate', createInflate],
  ['br', createBrotliDecompress],
]);

/** Options of {@link contentEncoding}. */
export interface ContentEncodingOptions {
  /** BODY_LIMIT_BYTES: the largest decoded body. */
  readonly bodyLimit: number;
}

/**
 * Passes decoded bytes on, counting them, and fails with MW_BODY_TOO_LARGE past the limit. Fastify
 * checks bodyLimit on the decoded bytes too, but only as the parser collects them: this stops the
 * decompression itself one chunk past the limit, so a zip bomb is never inflated further.
 * (`deflate` is the zlib-wrapped form RFC 9110 names; raw deflate streams are refused as corrupt.)
 * Fastify reads `receivedEncodedLength` to check the bytes received against Content-Length.
 */
class LimitedBody extends Transform {
  receivedEncodedLength = 0;
  private decoded = 0;

  constructor(private readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.decoded += chunk.length;
    if (this.decoded > this.limit) callback(new BodyTooLargeError(this.limit));
    else callback(null, chunk);
  }
}

/**
 * Registers the decoding for the whole app.
 *
 * @example await app.register(contentEncoding, { bodyLimit: 262_144 });
 */
export const contentEncoding = fp<ContentEncodingOptions>(async (app: FastifyInstance, { bodyLimit }) => {
  app.addHook('preParsing', (request, _reply, payload, done) => {
    const header: unknown = request.headers['content-encoding'];
    if (header === undefined) return done(null, payload);
    const codings = String(header).split(',').map((c) => c.trim().toLowerCase()).filter((c) => c !== '' && c !== 'identity');
    if (codings.length === 0) return done(null, payload);
    const decoder = codings.length === 1 ? DECODERS.get(codings[0]) : undefined;
    if (!decoder) return done(new UnsupportedContentEncodingError(JSON.stringify(echo(String(header)))), payload);
    done(null, decodedBody(payload, decoder(), codings[0], bodyLimit));
  });
});

/**
 * `payload` through `decoder` into a body that fails with MW_BODY_TOO_LARGE past `limit` decoded
 * bytes; decoding stops (the decoder is destroyed) as soon as the body fails or closes. Exported so
 * a test can count what the decoder inflated.
 *
 * @example const body = decodedBody(request.raw, createGunzip(), 'gzip', 262_144);
 */
export function decodedBody(payload: Readable, decoder: NodeJS.ReadWriteStream, coding: string, limit: number): Transform & { receivedEncodedLength: number } {
  const body = new LimitedBody(limit);
  const count = (chunk: Buffer) => {
    body.receivedEncodedLength += chunk.length;
  };
  payload.on('data', count);
  payload.pipe(decoder).pipe(body);
  // zlib's messages name the fault ("incorrect header check", "unexpected end of file"), not the input.
  decoder.on('error', (error: Error) => body.destroy(new InvalidContentEncodingError(coding, error.message)));
  payload.on('error', (error: Error) => body.destroy(error));
  // The parser reports the body's errors; where no parser reads it (a GET, a content type refused
  // before parsing) an 'error' without a listener would end the process.
  body.on('error', () => {});
  body.on('close', () => {
    payload.removeListener('data', count);
    payload.unpipe(decoder as NodeJS.WritableStream);
    // Stops the decompression of whatever is still queued (a bomb past the limit).
    (decoder as unknown as { destroy(): void }).destroy();
  });
  return body;
}
