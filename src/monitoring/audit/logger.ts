/**
 * The service's log: Elastic Common Schema JSON lines through pino and @elastic/ecs-pino-format, to
 * stdout and, when LOG_FILE is set, appended to a file. Writes go through sonic-boom in async mode:
 * a line is serialised on the request path, then buffered and written by the event loop (while one
 * write is in flight the next lines gather into one), so a slow disk or pipe never blocks a request. `flush()` drains every buffer synchronously, which is what a
 * graceful shutdown calls so no accepted line is lost.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ecsFormat } from '@elastic/ecs-pino-format';
import { pino, type Logger, type DestinationStream } from 'pino';

/** Seed-compatible upper-case levels, written as `level` beside ECS's `log.level`. */
const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARNING', 50: 'ERROR', 60: 'CRITICAL' };

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
  /** Writes out everything buffered, synchronously. Safe to call more than once. */
  flush(): void;
}

/**
 * Creates the ECS logger.
 *
 * @example
 * const log = createLogger({ serviceName: 'ml-pipeline', level: 'info', stdout: true, file: 'logs/audit.ndjson' });
 * log.audit.info({ request_id: 'abc', prediction: 1 }, 'prediction');
 * log.flush();
 */
export function createLogger(options: LoggerOptions): ServiceLogger {
  const booms: ReturnType<typeof pino.destination>[] = [];
  const streams: { stream: DestinationStream; level: pino.Level }[] = [];
  const level = options.level as pino.Level;
  if (options.stdout) booms.push(pino.destination({ dest: 1, sync: false, minLength: 0 }));
  if (options.file) {
    mkdirSync(dirname(options.file), { recursive: true });
    booms.push(pino.destination({ dest: options.file, append: true, sync: false, minLength: 0, mkdir: true }));
  }
  for (const boom of booms) streams.push({ stream: boom as unknown as DestinationStream, level });
  if (options.stream) streams.push({ stream: options.stream as unknown as DestinationStream, level });
  // eventDataset '' keeps ecs-pino-format from binding a static event.dataset: each child sets its own.
  const ecs = ecsFormat({ serviceName: options.serviceName, eventDataset: '', convertErr: true });
  const destination = streams.length === 1 ? streams[0].stream : pino.multistream(streams);
  const root = pino(
    {
      ...ecs,
      level,
      mixin: (_obj: object, num: number) => ({ level: LEVEL_NAMES[num] ?? 'INFO' }),
    },
    streams.length ? destination : pino.destination('/dev/null'),
  );
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
    audit: root.child({ 'event.dataset': `${options.serviceName}.audit` }),
    service: root.child({ 'event.dataset': `${options.serviceName}.service` }),
    flush,
  };
}
