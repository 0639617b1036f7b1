/**
 * The places log batches are written to, each behind one small interface so the sink (line-sink.ts)
 * treats them alike: a file, and stdout.
 *
 * stdout is one destination among several, and nobody promises to read it: a pipe whose reader
 * stopped (a stuck log shipper, a parent that never reads) fills in 64 KiB. sonic-boom writes from a
 * libuv worker thread with a blocking write(2), so on a full pipe that thread blocks for good: every
 * later batch queues behind it in memory (measured +262 MiB in 20 s under load) and the process can
 * no longer exit — even process.exit() waits for the worker threads. So stdout, when it is a pipe or
 * a socket, is written through Node's own non-blocking stream (process.stdout), and what waits for it
 * is bounded: beyond STDOUT_MAX_PENDING_BYTES a batch is dropped and its lines counted (the
 * ml_log_lines_dropped_total metric), never queued, and shutdown waits for stdout only while it
 * makes progress. The file destination is not bounded: LOG_FILE is the complete record.
 */
import { once } from 'node:events';
import { fstatSync, writeSync } from 'node:fs';
import type { SonicBoom } from 'sonic-boom';

/** The destinations whose dropped lines are counted (the `destination` label). */
export const LOG_DESTINATIONS = ['stdout', 'file'] as const;
export type LogDestinationName = (typeof LOG_DESTINATIONS)[number];

/** Most bytes that may wait for stdout; a batch that would exceed it is dropped (~16,000 audit lines). */
export const STDOUT_MAX_PENDING_BYTES = 8 * 1024 * 1024;
/** On drain, stdout is given up on once it has taken nothing for this long. */
export const STDOUT_STALL_MS = 1000;

/** One place batches go. */
export interface LogDestination {
  readonly name: LogDestinationName;
  /** Queues a batch of `lines` complete lines; drops it (and counts the lines) when it cannot wait. */
  write(bytes: Buffer, lines: number): void;
  /** Resolves when what was queued is written, or, for stdout, when it stopped taking anything. */
  drain(): Promise<void>;
  /** Best effort, synchronous: what is queued, then `newest` (a batch of `lines` lines). */
  flushSync(newest: Buffer | undefined, lines: number): void;
  /** Lines dropped so far: not queued (stdout full) or written after the destination failed. */
  readonly droppedLines: number;
}

/** Reports a failed destination once, on stderr (the log itself may be what failed). */
const reportFailure = (name: string, error: Error) =>
  process.stderr.write(`modelwatch: log destination ${name} failed (${error.message}); no more lines are written there\n`);

/**
 * A sonic-boom destination (a file; stdout when it is a file or a terminal). With `maxPending`, a
 * batch that would make sonic-boom hold more than that is dropped and counted.
 *
 * @example boomDestination('file', new SonicBoom({ dest: 'logs/audit.ndjson', contentMode: 'buffer' }), 'logs/audit.ndjson')
 */
export function boomDestination(name: LogDestinationName, boom: SonicBoom, label: string): LogDestination {
  let failed = false;
  let dropped = 0;
  let droppedNow = false;
  // An unhandled 'error' would end the process: a failing destination is dropped, the service goes on.
  boom.on('error', (error: Error) => {
    if (failed) return;
    failed = true;
    reportFailure(label, error);
  });
  // Emitted inside write() when maxLength would be exceeded.
  boom.on('drop', () => {
    droppedNow = true;
  });
  const fd = () => (boom as unknown as { fd: number }).fd;
  return {
    name,
    get droppedLines() {
      return dropped;
    },
    write(bytes, lines) {
      if (failed) {
        dropped += lines;
        return;
      }
      // In buffer mode sonic-boom takes the bytes as they are (its typings only name strings).
      boom.write(bytes as unknown as string);
      if (droppedNow) {
        droppedNow = false;
        dropped += lines;
      }
    },
    async drain() {
      if (failed) return;
      // A file opened asynchronously may not be open yet. fsync errors are ignored, as sonic-boom
      // does: a pipe or terminal cannot be fsynced and its data is already written.
      if (fd() < 0) await once(boom, 'ready');
      await new Promise<void>((resolve) => boom.flush(() => resolve()));
    },
    flushSync(newest, lines) {
      if (failed) {
        dropped += lines;
        return;
      }
      try {
        boom.flushSync(); // what sonic-boom holds and is not writing right now
      } catch {
        // not open yet, already closed, or mid-write: what it holds is beyond this path
      }
      // The newest batch is written here, synchronously: handed to sonic-boom it would become an
      // asynchronous write that a process about to exit may never finish.
      if (newest) writeFully(fd(), newest);
    },
  };
}

/**
 * A destination on a non-blocking stream (process.stdout on a pipe or socket): at most `maxPending`
 * bytes wait for it, the rest is dropped and counted; drain gives up once it stalls for `stallMs`.
 *
 * @example streamDestination('stdout', process.stdout, 1) // fd 1, for synchronous writes on a fatal path
 */
export function streamDestination(
  name: LogDestinationName,
  stream: NodeJS.WritableStream & { readonly writableLength: number },
  fd: number | undefined,
  maxPending = STDOUT_MAX_PENDING_BYTES,
  stallMs = STDOUT_STALL_MS,
): LogDestination {
  let failed = false;
  let dropped = 0;
  stream.on('error', (error: Error) => {
    if (failed) return;
    failed = true;
    reportFailure(name, error);
  });
  return {
    name,
    get droppedLines() {
      return dropped;
    },
    write(bytes, lines) {
      if (failed || stream.writableLength + bytes.length > maxPending) {
        dropped += lines;
        return;
      }
      stream.write(bytes);
    },
    drain: () =>
      new Promise<void>((resolve) => {
        if (failed || stream.writableLength === 0) return resolve();
        let before = stream.writableLength;
        const done = () => {
          clearInterval(watch);
          stream.removeListener('drain', check);
          resolve();
        };
        const check = () => {
          if (failed || stream.writableLength === 0) done();
        };
        // 'drain' comes only after a write that returned false; the watch also notices a stall.
        const watch = setInterval(() => {
          const now = stream.writableLength;
          if (failed || now === 0 || now >= before) done();
          before = now;
        }, stallMs);
        watch.unref();
        stream.on('drain', check);
      }),
    flushSync(newest, lines) {
      if (!newest) return;
      // Written at once only when nothing waits ahead of it (else lines would be reordered); on a
      // non-blocking pipe that is full this writes what fits.
      if (!failed && stream.writableLength === 0 && fd !== undefined) writeFully(fd, newest);
      else this.write(newest, lines);
    },
  };
}

/**
 * stdout as a destination: Node's non-blocking stream when fd 1 is a pipe or socket, else (a file,
 * a terminal) sonic-boom with its queue bounded the same way.
 *
 * @example const stdout = openStdout((options) => new SonicBoom(options));
 */
export function openStdout(makeBoom: (options: { fd: number; maxLength: number }) => SonicBoom): LogDestination {
  let pipe = false;
  try {
    const stat = fstatSync(1);
    pipe = stat.isFIFO() || stat.isSocket();
  } catch {
    // fd 1 closed: sonic-boom reports the failure once and the lines are counted as dropped
  }
  if (pipe) return streamDestination('stdout', process.stdout, 1);
  return boomDestination('stdout', makeBoom({ fd: 1, maxLength: STDOUT_MAX_PENDING_BYTES }), 'stdout');
}

/** Best effort: all of `bytes` to `fd`, or as much as a failing, full or unopened destination takes. */
function writeFully(fd: number, bytes: Buffer): void {
  try {
    for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset);
  } catch {
    // not open yet, closed, or full: nothing this path can still save
  }
}
