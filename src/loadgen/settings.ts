/** The load generator's options, checked once and completed with their defaults. */
import type { LoadOptions } from './types.js';

/** Validated options with defaults applied. */
export interface Settings {
  readonly base: URL;
  readonly path: string;
  readonly rps: number;
  readonly durationSeconds: number;
  readonly invalidShare: number;
  readonly concurrency: number;
  readonly seed: number;
  readonly timeoutMs: number;
}

/**
 * Applies defaults and checks ranges; programmatic callers get a RangeError naming the option (the
 * CLI has already rejected bad flags with a usage error).
 *
 * @example settingsOf({ url: 'http://127.0.0.1:5000/api', rps: 20, durationSeconds: 30 }).path // '/api/predict'
 */
export function settingsOf(options: LoadOptions): Settings {
  const { rps, durationSeconds, invalidShare = 0, concurrency = 64, seed = 1, timeoutMs = 10_000 } = options;
  let base: URL;
  try {
    base = new URL(options.url);
  } catch {
    throw new RangeError(`url must be an http:// or https:// URL, got "${options.url}"`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new RangeError(`url must be an http:// or https:// URL, got "${options.url}"`);
  if (!(Number.isFinite(rps) && rps > 0)) throw new RangeError(`rps must be a positive number, got ${rps}`);
  if (!(Number.isFinite(durationSeconds) && durationSeconds > 0)) throw new RangeError(`durationSeconds must be a positive number, got ${durationSeconds}`);
  if (!(invalidShare >= 0 && invalidShare <= 1)) throw new RangeError(`invalidShare must be in 0..1, got ${invalidShare}`);
  if (!(Number.isInteger(concurrency) && concurrency >= 1)) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be positive, got ${timeoutMs}`);
  // A base URL with a path prefix (behind a gateway) keeps it: http://host/api -> /api/predict.
  const path = `${base.pathname.replace(/\/+$/, '')}/predict`;
  return { base, path, rps, durationSeconds, invalidShare, concurrency, seed, timeoutMs };
}
