/**
 * The service's log: Elastic Common Schema JSON lines through pino and @elastic/ecs-pino-format, to
 * stdout and, when LOG_FILE is set, appended to a file. Writes go through sonic-boom in async mode:
 * a line is serialised on the request path into a memory buffer; the buffer is written out by a
 * libuv worker once it holds BATCH_BYTES, or every FLUSH_INTERVAL_MS, whichever comes first. At
 * thousands of lines per second one write per line costs more in thread hand-offs than the lines
 * themselves; batching makes it one write per ~15 lines, and the timer bounds how long a line waits
 * when traffic is low. Graceful shutdown awaits `drain()`, which waits for every buffered and
 * in-flight write, so no accepted line is lost; a crash can lose at most the last FLUSH_INTERVAL_MS.
 */
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { ecsFormat } from '@elastic/ecs-pino-format';
import { pino, type Logger, type DestinationStream } from 'pino';

/** Seed-compatible upper-case levels, written as `level` beside ECS's `log.level`. */
const LEVEL_NAMES: Record<string, string> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARNING', error: 'ERROR', fatal: 'CRITICAL' };

/** Buffer size at which a destination writes. */
export const BATCH_BYTES = 8_192; // below sonic-boom's maxWrite (16 KiB)
/** Longest time a line waits in the buffer. */
export const FLUSH_INTERVAL_MS = 250;

/** The ECS version @elastic/ecs-pino-format writes; audit lines carry the same. */
const ECS_VERSION = '8.10.0';

const formatLevel = (label: string) => ({ 'log.level': label, level: LEVEL_NAMES[label] ?? label.toUpperCase() });

/** pino timestamp function writing `@timestamp`, formatting the ISO string once per millisecond. */
function cachedIsoTimestamp(): () => string {
  let lastMs = -1;
  let text = '';
  return () => {
    const now = Date.now();
    if (now !== lastMs) {
      lastMs = now;
      text = `,"@timestamp":"${new Date(now).toISOString()}"`;
    }
    return text;
  };
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  readonly serviceName: string;
  readonly level: string;
  readonly stdout: boolean;
  readonly file?: string;
  /** Extra destination (tests capture lines here). */
  readonly stream?: NodeJS.WritableStream;
}

/** A logger and the means to drain it. */
export interface ServiceLogger {
  /** Root logger; use {@link ServiceLogger.audit} or {@link ServiceLogger.service}. */
  readonly root: Logger;
  /** Audit lines: one per prediction and per rejected request (`event.dataset` = `<service>.audit`). */
  readonly audit: Logger;
  /** Operational lines: start, model load, shutdown (`event.dataset` = `<service>.service`). */
  readonly service: Logger;
  /**
   * Waits until every accepted line is written (and fsynced where the destination supports it),
   * then stops the flush timer. Graceful shutdown awaits this before exiting.
   */
  drain(): Promise<void>;
  /** Best-effort synchronous write-out, for paths that cannot wait (a fatal error, a timeout). */
  flush(): void;
}

/**
 * Creates the ECS logger.
 *
 * @example
 * const log = createLogger({ serviceName: 'ml-pipeline', level: 'info', stdout: true, file: 'logs/audit.ndjson' });
 * log.audit.info({ request_id: 'abc', prediction: 1 }, 'prediction');
 * await log.drain();
 */
export function createLogger(options: LoggerOptions): ServiceLogger {
  const booms: ReturnType<typeof pino.destination>[] = [];
  const streams: { stream: DestinationStream; level: pino.Level }[] = [];
  const level = options.level as pino.Level;
  if (options.stdout) booms.push(pino.destination({ dest: 1, sync: false, minLength: BATCH_BYTES }));
  if (options.file) {
    mkdirSync(dirname(options.file), { recursive: true });
    booms.push(pino.destination({ dest: options.file, append: true, sync: false, minLength: BATCH_BYTES, mkdir: true }));
  }
  for (const boom of booms) streams.push({ stream: boom as unknown as DestinationStream, level });
  if (options.stream) streams.push({ stream: options.stream as unknown as DestinationStream, level });
  const destination = streams.length === 0 ? pino.destination('/dev/null') : streams.length === 1 ? streams[0].stream : pino.multistream(streams);
  // Operational lines go through @elastic/ecs-pino-format in full (it converts `err` to ECS error
  // fields). eventDataset '' keeps it from binding a static event.dataset: each child sets its own.
  const ecs = ecsFormat({ serviceName: options.serviceName, eventDataset: '', convertErr: true });
  const root = pino({ ...ecs, level, formatters: { ...ecs.formatters, level: formatLevel } }, destination);
  // Audit lines are the hot path: the same ECS fields, bound once, but without the formatter's
  // per-line object copy (audit lines carry no err/req/res to convert) and without a fresh ISO
  // string per line — the two showed up as a fifth of a /predict request's audit cost in a profile.
  const auditRoot = pino(
    {
      level,
      messageKey: ecs.messageKey,
      timestamp: cachedIsoTimestamp(),
      formatters: { level: formatLevel },
      base: { 'process.pid': process.pid, 'host.hostname': hostname(), 'ecs.version': ECS_VERSION, 'service.name': options.serviceName },
    },
    destination,
  );
  // Writes out what traffic too low to fill a batch left behind; unref'd so it never keeps the
  // process alive.
  const timer = booms.length === 0 ? undefined : setInterval(() => {
      for (const boom of booms) {
        try {
          boom.flush();
        } catch {
          // a destroyed destination (after shutdown) has nothing to write
        }
      }
    }, FLUSH_INTERVAL_MS);
  timer?.unref();
  const flush = () => {
    for (const boom of booms) {
      try {
        boom.flushSync();
      } catch {
        // a closed or broken destination has nothing left to drain
      }
    }
  };
  return {
    root,
    audit: auditRoot.child({ 'event.dataset': `${options.serviceName}.audit` }),
    service: root.child({ 'event.dataset': `${options.serviceName}.service` }),
    flush,
    drain: async () => {
      clearInterval(timer);
      await Promise.all(booms.map(drainDestination));
    },
  };
}

type Destination = ReturnType<typeof pino.destination>;

/**
 * Resolves once everything `boom` has buffered or in flight is written. A file opened asynchronously
 * may not be open yet, so it waits for 'ready' first. fsync errors are ignored, as sonic-boom does:
 * a pipe or terminal cannot be fsynced and its data is already written.
 */
async function drainDestination(boom: Destination): Promise<void> {
  if ((boom as unknown as { fd: number }).fd < 0) await once(boom, 'ready');
  await new Promise<void>((resolve) => boom.flush(() => resolve()));
}
