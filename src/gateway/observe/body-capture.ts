/**
 * Keeping a copy of the bodies that pass through the gateway, for the observer to read after the
 * answer is sent, without changing a byte or holding more than a bound in memory: a request body is
 * gathered up to `limit` bytes (a prediction request is small) and forwarded from the copy; past the
 * limit it is forwarded as a stream and not kept. A response body is copied chunk by chunk as it
 * streams to the client, up to the same limit.
 */
import { PassThrough, Readable, Transform } from 'node:stream';

/** A request body gathered for observing, or — past the limit — the stream to forward instead. */
export type CapturedRequest = { readonly kept: Buffer; readonly forward: Readable } | { readonly kept: undefined; readonly forward: Readable };

/**
 * Gathers `payload` up to `limit` bytes. Within the limit, `kept` is the whole body and `forward`
 * replays it; past it, `forward` carries what was read and then the rest, and nothing is kept.
 *
 * @example captureRequest(request.raw, 1 << 20, (error, captured) => done(error, captured.forward));
 */
export function captureRequest(payload: Readable, limit: number, done: (error: Error | null, captured?: CapturedRequest) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  const cleanup = () => {
    payload.off('data', onData);
    payload.off('end', onEnd);
    payload.off('error', onError);
  };
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    chunks.push(chunk);
    if (size <= limit) return;
    // Too large to keep: what was read goes first, the rest streams behind it.
    cleanup();
    payload.pause();
    const forward = new PassThrough();
    for (const c of chunks) forward.write(c);
    chunks.length = 0;
    payload.pipe(forward);
    done(null, { kept: undefined, forward });
  };
  const onEnd = () => {
    cleanup();
    const kept = Buffer.concat(chunks, size);
    done(null, { kept, forward: Readable.from([kept]) });
  };
  const onError = (error: Error) => {
    cleanup();
    done(error);
  };
  payload.on('data', onData);
  payload.on('end', onEnd);
  payload.on('error', onError);
}

/**
 * The stream to send instead of `stream`: the same bytes, and a copy of them (up to `limit` bytes)
 * handed to `onEnd` once the body ended — undefined when it was larger than the limit; nothing when
 * it failed or was cut short. (A 'data' listener on the original would start its flow before the
 * reply pipes it, and the client could miss the first chunks.)
 *
 * @example reply.send(copyResponse(upstream.stream, 1 << 20, (body) => observer.push({ ..., response: body })));
 */
export function copyResponse(stream: Readable, limit: number, onEnd: (body: Buffer | undefined) => void): Readable {
  const chunks: Buffer[] = [];
  let size = 0;
  const copy = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else chunks.length = 0;
      callback(null, chunk);
    },
    flush(callback) {
      onEnd(size <= limit ? Buffer.concat(chunks, size) : undefined);
      callback();
    },
  });
  stream.once('error', (error) => copy.destroy(error));
  return stream.pipe(copy);
}
