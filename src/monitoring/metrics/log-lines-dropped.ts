/**
 * ml_log_lines_dropped_total{destination}: log lines a destination did not get — stdout that could not
 * keep up (more than 8 MiB waiting: a reader that stopped reading) or a destination that failed (a
 * closed pipe, a full disk). The sink keeps the counts; they are read at scrape time.
 */
import { Counter, type Registry } from 'prom-client';
import { LOG_DESTINATIONS, type LogDestinationName } from '../audit/log-destinations.js';

/** Where the counts come from: the logger's running totals per destination. */
export type DroppedLineCounts = () => Readonly<Record<LogDestinationName, number>>;

/**
 * Registers the counter, every destination pre-set to 0, advanced at each scrape by what the sink
 * dropped since the last one. Without a source (a registry built for tests) it stays at 0.
 *
 * @example registerLogLinesDroppedMetrics(registry, log.droppedLines)
 */
export function registerLogLinesDroppedMetrics(registry: Registry, source?: DroppedLineCounts): void {
  const reported: Record<LogDestinationName, number> = { stdout: 0, file: 0 };
  const counter = new Counter({
    name: 'ml_log_lines_dropped_total',
    help: 'Log lines not written to a destination: stdout that could not keep up (its bounded queue was full), or a destination that failed. LOG_FILE is never dropped for stdout.',
    labelNames: ['destination'] as const,
    registers: [registry],
    collect() {
      if (!source) return;
      const now = source();
      for (const destination of LOG_DESTINATIONS) {
        const delta = now[destination] - reported[destination];
        if (delta > 0) {
          this.inc({ destination }, delta);
          reported[destination] = now[destination];
        }
      }
    },
  });
  for (const destination of LOG_DESTINATIONS) counter.inc({ destination }, 0);
}
