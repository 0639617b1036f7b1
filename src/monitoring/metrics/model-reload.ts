/**
 * The hot-reload family: ml_model_reload_failures_total{reason} and
 * ml_model_reload_last_success_timestamp_seconds. Together they answer "is a promoted version
 * stuck?": failures rising while the last success stays old. (The load time of the version that is
 * serving is ml_model_load_seconds, in model-quality.ts.)
 */
import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * Why a version failed to load: the bounded `reason` label.
 *
 * - `not_found`: CURRENT is missing or empty, or names a version whose file is absent;
 * - `corrupt`: the file is not valid JSON, fails its checksum, is of a format this modelwatch cannot
 *   read, or holds another version than its name says;
 * - `io_error`: the file or the pointer could not be read or written (permissions, a failing volume).
 */
export const RELOAD_FAILURE_REASONS = ['not_found', 'corrupt', 'io_error'] as const;
export type ReloadFailureReason = (typeof RELOAD_FAILURE_REASONS)[number];

/** Recorders of the family. */
export interface ModelReloadRecorders {
  /** Counts a version that failed to load; the serving one stays. */
  recordReloadFailure(reason: ReloadFailureReason): void;
  /** Notes that a version started serving (the first load counts too). */
  recordModelServed(timeMs?: number): void;
}

/**
 * Registers the family, every reason pre-set to 0 so `increase()` sees the first failure.
 *
 * @example const reload = createModelReloadMetrics(registry); reload.recordReloadFailure('corrupt');
 */
export function createModelReloadMetrics(registry: Registry): ModelReloadRecorders {
  const failures = new Counter({
    name: 'ml_model_reload_failures_total',
    help: 'Model versions that failed to load while the service ran (the serving version stayed), by reason.',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  for (const reason of RELOAD_FAILURE_REASONS) failures.labels({ reason }).inc(0);
  const lastSuccess = new Gauge({
    name: 'ml_model_reload_last_success_timestamp_seconds',
    help: 'When the serving model version was last loaded successfully (at start or by a reload), in Unix seconds.',
    registers: [registry],
  });
  return {
    recordReloadFailure: (reason) => failures.labels({ reason }).inc(),
    recordModelServed: (timeMs = Date.now()) => lastSuccess.set(timeMs / 1000),
  };
}
