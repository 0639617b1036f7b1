/**
 * Keeping a copy of the bodies that pass through the gateway, for the observer to read after the
 * answer is sent, without changing a byte or holding more than a bound in memory: a request body is
 * gathered up to `limit` bytes (a prediction request is small) and forwarded from the copy; past the
 * limit it is forwarded as a stream and not kept. A response body is copied chunk by chunk as it
 * is written to the client, up to the same limit. Every kept byte is also taken from one
 * {@link KeepBudget} for the whole gateway, so a flood of clients each holding a large upload open
 * cannot make the copies grow without bound: past the budget, bodies are forwarded and not kept.
 *
 * An upload past the limit is joined to its forwarded stream with `pipeline`, not `pipe`, so a client
 * that goes away mid-upload ends the upstream call too (with `pipe` the connection waited forever).
 */
import { PassThrough, pipeline, Writable, type Readable } from 'node:stream';

/** The bytes of bodies kept at once, across every request in flight. */
export class KeepBudget {
  private used = 0;

  /** @example const budget = new KeepBudget(64 * 1024 * 1024); */
  constructor(readonly max: number) {}

  /** Bytes kept now. */
  get inUse(): number {
    return this.used;
  }

  /** Takes `bytes` if they fit, and says whether they did. */
  take(bytes: number): boolean {
    if (this.used + bytes > this.max) return false;
    this.used += bytes;
    return true;
  }

  /** Gives back bytes taken. */
  give(bytes: number): void {
    this.used -= bytes;
  }
}

/**
 * A request body gathered for observing (then forwarded from that Buffer), or — past the limit or
 * the budget — not kept, and the stream to forward instead.
 */
export type CapturedRequest =
  | { readonly kept: Buffer; readonly forward?: undefined; /** Gives the kept bytes back to the budget (once the exchange is over). */ release(): void }
  | { readonly kept: undefined; readonly forward: Readable; release(): void };

const ignore = () => undefined;

/**
 * Gathers `payload` up to `limit` bytes. Within the limit (and the budget), `kept` is the whole body
 * (sent upstream as it is); past it, `forward` carries what was read and then the rest, and nothing
 * is kept.
 *
 * @example captureRequest(request.raw, 1 << 20, budget, (error, captured) => done(error, captured.forward));
 */
export function captureRequest(payload: Readable, limit: number, budget: KeepBudget, done: (error: Error | null, captured?: CapturedRequest) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  const cleanup = () => {
    payload.off('data', onData);
    payload.off('end', onEnd);
    payload.off('error', onError);
  };
  const onData = (chunk: Buffer) => {
    if (size + chunk.length <= limit && budget.take(chunk.length)) {
      size += chunk.length;
      chunks.push(chunk);
      return;
    }
    // Not to be kept: what was read goes first, the rest streams behind it.
    cleanup();
    budget.give(size);
    payload.pause();
    const forward = new PassThrough();
    for (const c of chunks) forward.write(c);
    forward.write(chunk);
    chunks.length = 0;
    pipeline(payload, forward, ignore);
    done(null, { kept: undefined, forward, release: ignore });
  };
  const onEnd = () => {
    cleanup();
    const kept = Buffer.concat(chunks, size);
    let released = false;
    const release = () => {
      if (!released) budget.give(size);
      released = true;
    };
    done(null, { kept, release });
  };
  const onError = (error: Error) => {
    cleanup();
    budget.give(size);
    done(error);
  };
  payload.on('data', onData);
  payload.on('end', onEnd);
  payload.on('error', onError);
}

/**
 * The destination to give the upstream's answer body instead of `client`: every chunk is written on
 * to `client` (with its back-pressure) and copied, up to `limit` bytes within the budget; `onEnd` gets
 * the copy once the body ended — undefined when it was not kept; nothing when it failed or was cut
 * short. One Writable, not a pass-through piped on: each `pipeline` costs an AbortController, and its
 * abort a DOMException with a stack, per request (measured: about a tenth of the gateway's CPU).
 *
 * @example return copyResponse(reply.raw, 1 << 20, budget, (body) => observer.push({ ..., response: body }));
 */
export function copyResponse(client: Writable, limit: number, budget: KeepBudget, onEnd: (body: Buffer | undefined) => void): Writable {
  const chunks: Buffer[] = [];
  let size = 0;
  let keeping = true;
  const stopKeeping = () => {
    budget.give(size);
    chunks.length = 0;
    keeping = false;
  };
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (keeping && size + chunk.length <= limit && budget.take(chunk.length)) {
        size += chunk.length;
        chunks.push(chunk);
      } else if (keeping) stopKeeping();
      if (client.write(chunk)) callback();
      else client.once('drain', () => callback());
    },
    final(callback) {
      client.end();
      const body = keeping ? Buffer.concat(chunks, size) : undefined;
      if (keeping) stopKeeping();
      onEnd(body);
      callback();
    },
    destroy(error, callback) {
      if (keeping) stopKeeping();
      // The upstream's answer failed mid-body: the client's answer cannot be completed either.
      if (error && !client.writableFinished) client.destroy(error);
      callback(error);
    },
  });
}
