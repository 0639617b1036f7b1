/**
 * The console's data, as JSON under /api/: panel series over a range, drift bin by bin, the alert
 * catalogue evaluated in-process, and a filtered window of recent log lines. The series are sampled
 * on the model monitor's tick (or, with monitoring off, on a timer of the same interval) and the
 * alerts evaluated after each sample, so all of it costs per tick and per console request, never
 * per prediction.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { DriftResponse, LogsResponse } from '../../console/api-types.js';
import { InvalidQueryError } from '../../errors.js';
import { InProcessAlerts } from '../../monitoring/alerts/in-process-alerts.js';
import { LEVEL_NAMES } from '../../monitoring/audit/logger.js';
import type { LogFilter, RecentLines } from '../../monitoring/audit/recent-lines.js';
import { PSI_CRITICAL, PSI_WARNING } from '../../monitoring/drift/drift-monitor.js';
import type { ModelMonitor } from '../../monitoring/model-monitor.js';
import { panelSeries } from '../../monitoring/series/panels.js';
import { RETENTION_SECONDS, SeriesSampler } from '../../monitoring/series/sampler.js';

/** Options of {@link registerConsoleApi}. */
export interface ConsoleApiOptions {
  readonly registry: Registry;
  /** Seconds between samples when there is no monitor tick to follow (MONITOR_INTERVAL_SECONDS). */
  readonly intervalSeconds: number;
  /** CONSOLE_ALERT_FOR_SCALE. */
  readonly forScale: number;
  /** Features whose PSI history the console keeps (the serving model's at start). */
  readonly featureNames?: readonly string[];
  /** A multiclass serving model's class names at start, whose shares the class panel shows. */
  readonly classNames?: readonly string[];
  /** Drift and its tick; absent when MODEL_MONITORING is off. */
  readonly monitor?: Pick<ModelMonitor, 'onTick' | 'now' | 'driftShares'>;
  /** The log window (CONSOLE_LOG_LINES); absent when the logger keeps none. */
  readonly recent?: RecentLines;
  /** Where firing alerts are written (the audit log); absent when AUDIT_LOG is off. */
  readonly audit?: Logger;
  /** Where a failed sample is reported (the service log). */
  readonly log: Logger;
}

/** Ranges whose answers are kept between two samples (a few pages, a few ranges each). */
const SERIES_CACHE_RANGES = 8;
/** Default and bounds of `limit` on /api/logs. */
const LOG_LIMIT = { default: 200, max: 1000 };
/** The seed's upper-case levels the log lines carry. */
const LEVELS = Object.values(LEVEL_NAMES);

type Query = Readonly<Record<string, unknown>>;

/** One string parameter, or undefined when absent; repeated or empty is an error. */
function param(query: Query, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new InvalidQueryError(name, JSON.stringify(value), 'one non-empty value');
  return value;
}

/**
 * Seconds of a range such as `90`, `90s`, `15m` or `1h`, between 1 minute and the retention.
 *
 * @example parseRange('15m') // 900
 */
export function parseRange(text: string): number | undefined {
  const match = /^(\d{1,7})([smh]?)$/.exec(text);
  if (!match) return undefined;
  const seconds = Number(match[1]) * ({ '': 1, s: 1, m: 60, h: 3600 } as const)[match[2] as '' | 's' | 'm' | 'h'];
  return seconds >= 60 && seconds <= RETENTION_SECONDS ? seconds : undefined;
}

/** The filter and limit of /api/logs from its query. */
function logQuery(query: Query): { filter: LogFilter; limit: number } {
  const level = param(query, 'level');
  if (level !== undefined && !LEVELS.includes(level.toUpperCase())) throw new InvalidQueryError('level', level, `one of ${LEVELS.join(', ')}`);
  const requestId = param(query, 'request_id');
  if (requestId !== undefined && requestId.length > 256) throw new InvalidQueryError('request_id', `${requestId.slice(0, 32)}…`, 'at most 256 characters');
  const prediction = param(query, 'prediction');
  if (prediction !== undefined && prediction !== '0' && prediction !== '1') throw new InvalidQueryError('prediction', prediction, '0 or 1');
  const below = param(query, 'confidence_below');
  const confidenceBelow = below === undefined ? undefined : Number(below);
  if (confidenceBelow !== undefined && !Number.isFinite(confidenceBelow)) throw new InvalidQueryError('confidence_below', below, 'a number');
  const traceId = param(query, 'trace_id')?.toLowerCase();
  if (traceId !== undefined && !/^[0-9a-f]{32}$/.test(traceId)) throw new InvalidQueryError('trace_id', traceId.slice(0, 40), 'a trace id: 32 hex digits');
  const limitText = param(query, 'limit');
  const limit = limitText === undefined ? LOG_LIMIT.default : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > LOG_LIMIT.max) throw new InvalidQueryError('limit', limitText, `an integer in 1..${LOG_LIMIT.max}`);
  return {
    filter: { level, requestId, prediction: prediction === undefined ? undefined : (Number(prediction) as 0 | 1), confidenceBelow, endpoint: param(query, 'endpoint'), traceId },
    limit,
  };
}

/**
 * Registers /api/series, /api/drift, /api/alerts and /api/logs, and starts sampling.
 *
 * @example await app.register(registerConsoleApi, { registry, intervalSeconds: 5, forScale: 1, monitor, recent: log.recent, audit: log.audit, log: log.service });
 */
export async function registerConsoleApi(app: FastifyInstance, options: ConsoleApiOptions): Promise<void> {
  const { monitor, recent } = options;
  const sampler = new SeriesSampler({ registry: options.registry, intervalSeconds: options.intervalSeconds, featureNames: options.featureNames, classNames: options.classNames, now: monitor?.now });
  const alerts = new InProcessAlerts({ forScale: options.forScale, audit: options.audit });
  sampler.onSample((view, at) => alerts.evaluate(view, at));
  const onError = (error: unknown) => options.log.error({ err: error }, 'the console could not sample its time series');
  const sample = () => void sampler.sample().catch(onError);
  let unsubscribe: (() => void) | undefined;
  if (monitor) unsubscribe = monitor.onTick(sample);
  else sampler.start(onError);
  // A first sample at start, so the page has a point before the first tick.
  app.addHook('onReady', async () => sampler.sample().catch(onError));
  app.addHook('onClose', async () => {
    unsubscribe?.();
    sampler.stop();
  });

  // The series change only when a sample is taken: every page refreshing between two ticks gets
  // the same answer, computed and serialised once per range.
  const seriesCache = new Map<number, string>();
  sampler.onSample(() => seriesCache.clear());
  app.get('/api/series', async (request, reply) => {
    const text = param(request.query as Query, 'range') ?? '15m';
    const range = parseRange(text);
    if (range === undefined) throw new InvalidQueryError('range', text, `a duration from 1m to ${RETENTION_SECONDS / 60}m, e.g. 300, 5m, 1h`);
    let body = seriesCache.get(range);
    if (body === undefined) {
      body = JSON.stringify(panelSeries(sampler, range));
      if (seriesCache.size >= SERIES_CACHE_RANGES) seriesCache.clear();
      seriesCache.set(range, body);
    }
    return reply.type('application/json; charset=utf-8').send(body);
  });

  app.get('/api/drift', async (): Promise<DriftResponse> => {
    const thresholds = { warning: PSI_WARNING, critical: PSI_CRITICAL };
    if (!monitor) return { model_version: null, window_predictions: 0, window_size: 0, min_samples: 0, thresholds, signals: [] };
    return { ...monitor.driftShares(), thresholds };
  });

  app.get('/api/alerts', async () => alerts.report());

  app.get('/api/logs', async (request): Promise<LogsResponse> => {
    const { filter, limit } = logQuery(request.query as Query);
    if (!recent) return { capacity: 0, held: 0, matched: 0, lines: [] };
    const { held, matched, lines } = recent.query(filter, limit);
    return { capacity: recent.capacity, held, matched, lines };
  });
}
