/**
 * The service's log: Elastic Common Schema JSON lines, one per event, to stdout and, when LOG_FILE
 * is set, appended to a file (see line-sink.ts for how lines are batched off the request path).
 *
 * Operational lines and rejected-request lines go through pino with @elastic/ecs-pino-format.
 * Prediction lines — one per request at full traffic — go through a schema-compiled writer with the
 * same ECS fields (prediction-line.ts). `event.dataset` tells the kinds apart: `<service>.audit` for
 * request lines, `<service>.service` for operational ones, `<service>.pipeline` for the training
 * pipeline's.
 */
import { hostname } from 'node:os';
import { ecsFormat } from '@elastic/ecs-pino-format';
import { pino, type Logger } from 'pino';
import { createLineSink } from './line-sink.js';
import type { LogDestinationName } from './log-destinations.js';
import { cachedIsoTime, createPredictionLineWriter, ECS_VERSION, type PredictionAuditRecord } from './prediction-line.js';
import { RecentLines } from './recent-lines.js';

/** Upper-case, Python-logging-style levels, written as `level` beside ECS's `log.level` (what the Kibana error rule and `level:ERROR` searches filter on). */
export const LEVEL_NAMES: Readonly<Record<string, string>> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARNING', error: 'ERROR', fatal: 'CRITICAL' };

const formatLevel = (label: string) => ({ 'log.level': label, level: LEVEL_NAMES[label] ?? label.toUpperCase() });

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  readonly serviceName: string;
  readonly level: string;
  readonly stdout: boolean;
  readonly file?: string;
  /** Extra destination, written as each batch is handed over (tests capture lines here; `pipeline run` passes stderr). */
  readonly stream?: NodeJS.WritableStream;
  /** Keep the last this many lines in memory for the console's log explorer (0 or absent: none). */
  readonly recentLines?: number;
}

/** A logger and the means to drain it. */
export interface ServiceLogger {
  /** Request lines other than predictions, e.g. rejected requests (`event.dataset` = `<service>.audit`). */
  readonly audit: Logger;
  /** Operational lines: start, model load, shutdown (`event.dataset` = `<service>.service`). */
  readonly service: Logger;
  /** Training-pipeline lines: runs and steps (`event.dataset` = `<service>.pipeline`). */
  readonly pipeline: Logger;
  /** Writes one prediction's audit line (level INFO, `event.dataset` = `<service>.audit`). */
  readonly prediction: (record: PredictionAuditRecord) => void;
  /** Resolves when every accepted line is written; graceful shutdown awaits it. */
  drain(): Promise<void>;
  /** Runs `hook` before every drain or flush (lines deferred to a batch are written first). */
  beforeDrain(hook: () => void): void;
  /** Best-effort synchronous write-out, for paths that cannot wait (a fatal error, a timeout). */
  flush(): void;
  /** The last lines written, when `recentLines` was asked for (the console's log explorer). */
  readonly recent?: RecentLines;
  /** Lines each destination dropped so far: stdout that could not keep up, a destination that failed. */
  droppedLines(): Readonly<Record<LogDestinationName, number>>;
}

/**
 * Creates the ECS logger.
 *
 * @example
 * const log = createLogger({ serviceName: 'ml-pipeline', level: 'info', stdout: true, file: 'logs/audit.ndjson' });
 * log.service.info({ port: 5000 }, 'listening');
 * await log.drain();
 */
export function createLogger(options: LoggerOptions): ServiceLogger {
  const recent = options.recentLines ? new RecentLines(options.recentLines) : undefined;
  const sink = createLineSink({ ...options, keep: recent });
  recent?.readPendingFrom(sink.pendingText);
  const destination = { write: (line: string) => sink.write(line) };
  const level = options.level as pino.Level;
  // eventDataset '' keeps ecs-pino-format from binding a static event.dataset: each child sets its own.
  const ecs = ecsFormat({ serviceName: options.serviceName, eventDataset: '', convertErr: true });
  const root = pino({ ...ecs, level, formatters: { ...ecs.formatters, level: formatLevel } }, destination);
  // Rejected requests come in bursts when a client misbehaves: the same ECS fields bound once, without
  // the formatter's per-line object copy (these lines carry no err/req/res to convert).
  const now = cachedIsoTime();
  const auditRoot = pino(
    {
      level,
      messageKey: ecs.messageKey,
      timestamp: () => `,"@timestamp":"${now()}"`,
      formatters: { level: formatLevel },
      base: { 'process.pid': process.pid, 'host.hostname': hostname(), 'ecs.version': ECS_VERSION, 'service.name': options.serviceName },
    },
    destination,
  );
  const infoEnabled = auditRoot.isLevelEnabled('info');
  const writePrediction = createPredictionLineWriter(sink, options.serviceName);
  const drainHooks: (() => void)[] = [];
  // The console's log explorer shows a request's lines as soon as it is answered.
  recent?.beforeQuery(() => {
    for (const hook of drainHooks) hook();
  });
  return {
    audit: auditRoot.child({ 'event.dataset': `${options.serviceName}.audit` }),
    service: root.child({ 'event.dataset': `${options.serviceName}.service` }),
    pipeline: root.child({ 'event.dataset': `${options.serviceName}.pipeline` }),
    prediction: infoEnabled ? writePrediction : () => {},
    drain: () => {
      for (const hook of drainHooks) hook();
      return sink.drain();
    },
    beforeDrain: (hook) => {
      drainHooks.push(hook);
    },
    flush: () => {
      for (const hook of drainHooks) hook();
      sink.flushSync();
    },
    recent,
    droppedLines: sink.droppedLines,
  };
}

