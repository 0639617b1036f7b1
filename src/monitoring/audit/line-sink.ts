/**
 * Where log lines go: stdout and/or a file (and, in tests, any writable stream).
 *
 * Each line is encoded to UTF-8 as it comes, into the pending batch's buffer, and the batch is
 * handed to each destination's sonic-boom when it reaches BATCH_BYTES or every FLUSH_INTERVAL_MS,
 * whichever comes first; sonic-boom writes it from a libuv worker. At thousands of lines per second,
 * one write per line costs more than the lines themselves (sonic-boom re-measures its whole pending
 * buffer on every write); batching here makes it one write per ~130 lines, and the timer bounds how
 * long a line waits when traffic is low. Encoding each line at once, while its string is still in
 * the cache, measured ~300 ns per line less in isolation than appending it to a rope and encoding
 * the 64 KiB rope of some 4,000 pieces at hand-over, and no line's string outlives its write() call.
 *
 * Everything — pino's lines and the audit writer's — goes through one sink, so lines never interleave
 * mid-line. `drain()` waits for every pending and in-flight write to the file: graceful shutdown
 * awaits it, so no accepted line is lost there; a crash can lose at most the last FLUSH_INTERVAL_MS.
 * stdout is bounded instead (log-destinations.ts): a reader that stops reading costs dropped, counted
 * lines on stdout, never memory, a blocked shutdown or the file's lines.
 *
 * The same bytes go to every destination (sonic-boom in buffer mode), and to the console's log window
 * when one is kept (`keep`): it holds recent lines as these batches, so keeping them costs one array
 * slot per batch and nothing per line. (Keeping each line's string instead measured 6–8 µs per
 * request: every line, a rope of some 30 pieces, lived long enough to be promoted out of the young
 * generation.)
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import sonicBoomModule, { type SonicBoom } from 'sonic-boom';
import { ConfigError } from '../../errors.js';
import { boomDestination, openStdout, type LogDestination, type LogDestinationName } from './log-destinations.js';

// sonic-boom is CommonJS whose typings declare a named class; at run time the default export is it.
const SonicBoomClass = sonicBoomModule as unknown as typeof SonicBoom;

/** Bytes at which the pending batch is handed to the destinations. */
export const BATCH_BYTES = 65_536;
/** Room for the line that crosses BATCH_BYTES; a longer line is written as a batch of its own. */
const LINE_ROOM = 16_384;
/** Largest single write (sonic-boom splits above it; its default, 16 KiB, would split a batch). */
const MAX_WRITE = 1024 * 1024;
/** Longest time a line waits before it is handed over. */
export const FLUSH_INTERVAL_MS = 250;

/** Options of {@link createLineSink}. */
export interface LineSinkOptions {
  readonly stdout: boolean;
  readonly file?: string;
  /** Extra destination (tests capture lines here); written at the same moments as the others. */
  readonly stream?: NodeJS.WritableStream;
  /** Also given every batch as written, with how many lines it holds (the console's log window). */
  readonly keep?: BatchKeeper;
}

/** Something that keeps written batches (see recent-lines.ts). */
export interface BatchKeeper {
  /** A batch of complete lines, as the bytes written, and how many writes (lines) made it. */
  keep(batch: Buffer, lines: number): void;
}

/** A set of destinations written as one. */
export interface LineSink {
  /** Queues `text` (one or more complete lines, each ending in "\n"). */
  write(text: string): void;
  /** Resolves when everything queued so far is written (and fsynced where supported); stdout is waited for only while it takes bytes. */
  drain(): Promise<void>;
  /** Best-effort synchronous write-out, for paths that cannot wait (a fatal error, a timeout). */
  flushSync(): void;
  /** The lines accepted but not handed to the destinations yet (the newest). */
  pendingText(): string;
  /** Lines each destination dropped so far (ml_log_lines_dropped_total). */
  droppedLines(): Readonly<Record<LogDestinationName, number>>;
}

/**
 * Opens the destinations.
 *
 * @example
 * const sink = createLineSink({ stdout: true, file: 'logs/audit.ndjson' });
 * sink.write('{"message":"hello"}\n');
 * await sink.drain();
 */
export function createLineSink(options: LineSinkOptions): LineSink {
  const destinations: LogDestination[] = [];
  // minLength 1: write whatever is handed over at once (batching happens above), and keep sonic-boom's
  // flush(cb) waiting for in-flight writes (with minLength 0 it returns at once).
  const boom = (target: { fd: number; maxLength?: number } | { dest: string }) =>
    new SonicBoomClass({ ...target, append: true, mkdir: true, sync: false, minLength: 1, maxWrite: MAX_WRITE, contentMode: 'buffer' });
  if (options.stdout) destinations.push(openStdout(boom));
  if (options.file) {
    assertWritable(options.file);
    destinations.push(boomDestination('file', boom({ dest: options.file }), options.file));
  }
  const { stream: extra, keep } = options;
  let batch = Buffer.allocUnsafe(BATCH_BYTES + LINE_ROOM);
  let used = 0;
  let pendingLines = 0;
  const toDestinations = (bytes: Buffer, lines: number) => {
    for (const destination of destinations) destination.write(bytes, lines);
  };
  const toObservers = (bytes: Buffer, lines: number) => {
    keep?.keep(bytes, lines);
    extra?.write(bytes.toString('utf8'));
  };
  const writeBatch = (bytes: Buffer, lines: number) => {
    toDestinations(bytes, lines);
    toObservers(bytes, lines);
  };
  /** Takes the pending batch; the next one gets a fresh buffer (the destinations keep these bytes until written). */
  const takeBatch = (): { bytes: Buffer; lines: number } | undefined => {
    if (used === 0) return undefined;
    const taken = { bytes: batch.subarray(0, used), lines: pendingLines };
    batch = Buffer.allocUnsafe(BATCH_BYTES + LINE_ROOM);
    used = 0;
    pendingLines = 0;
    return taken;
  };
  const handOver = () => {
    const taken = takeBatch();
    if (taken) writeBatch(taken.bytes, taken.lines);
  };
  // A UTF-16 code unit never takes more than 3 bytes of UTF-8 (a surrogate pair takes 4 for 2).
  const fits = (text: string) => used + text.length * 3 <= batch.length;
  const timer = setInterval(handOver, FLUSH_INTERVAL_MS);
  timer.unref();
  return {
    write(text) {
      if (!fits(text)) {
        handOver();
        if (!fits(text)) {
          writeBatch(Buffer.from(text, 'utf8'), 1);
          return;
        }
      }
      used += batch.write(text, used, 'utf8');
      pendingLines++;
      if (used >= BATCH_BYTES) handOver();
    },
    pendingText: () => batch.toString('utf8', 0, used),
    drain: async () => {
      handOver();
      await Promise.all(destinations.map((d) => d.drain()));
    },
    flushSync() {
      const taken = takeBatch();
      for (const destination of destinations) destination.flushSync(taken?.bytes, taken?.lines ?? 0);
      if (taken) toObservers(taken.bytes, taken.lines);
    },
    droppedLines: () => {
      const dropped = { stdout: 0, file: 0 };
      for (const destination of destinations) dropped[destination.name] += destination.droppedLines;
      return dropped;
    },
  };
}

/**
 * Fails at start, naming the setting, when LOG_FILE cannot be appended to (a directory, no
 * permission), instead of losing every line later.
 */
function assertWritable(file: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    closeSync(openSync(file, 'a'));
  } catch (error) {
    throw new ConfigError('LOG_FILE', file, `a file that can be appended to (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}
