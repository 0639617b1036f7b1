/** The load generator's options, checked once and completed with their defaults. */
import type { LoadOptions } from './types.js';

/** Validated options with defaults applied. */
export interface Settings {
  readonly base: URL;
  /** Where predictions go: `<url path>/predict`. */
  readonly path: string;
  /** Where labels go: `<url path>/feedback`. */
  readonly feedbackPath: string;
  readonly rps: number;
  readonly durationSeconds: number;
  readonly invalidShare: number;
  readonly concurrency: number;
  readonly seed: number;
  readonly timeoutMs: number;
  readonly feedbackShare: number;
  readonly feedbackDelaySeconds: number;
  readonly drift: number;
  readonly driftAtSeconds: number;
}

/**
 * Longest feedback delay: a day. Node clamps a timer beyond about 24.8 days to 1 ms, and a load run
 * held open longer than a day for its last labels is a mistake rather than a plan.
 */
export const MAX_FEEDBACK_DELAY_SECONDS = 86_400;

/** The options whose combinations are checked, under the names the caller knows them by. */
export type CombinedOption = 'replay' | 'durationSeconds' | 'feedbackShare' | 'feedbackDelaySeconds' | 'drift' | 'driftAtSeconds';

/** The values {@link combinationProblem} looks at. */
export interface CombinedValues {
  readonly replay?: string;
  readonly durationSeconds: number;
  readonly feedbackShare: number;
  readonly feedbackDelaySeconds: number;
  readonly drift: number;
  readonly driftAtSeconds: number;
}

/**
 * Options that are each valid but make no sense together, described with what to do instead.
 * `name` spells an option the way the caller wrote it (`--drift-at` for the CLI, `driftAtSeconds`
 * for code), so both get the same rules in their own words.
 *
 * @example combinationProblem({ replay: 'a.csv', durationSeconds: 30, feedbackShare: 0, feedbackDelaySeconds: 0, drift: 1, driftAtSeconds: 0 }, (o) => o)
 * // 'drift cannot be combined with replay: ...'
 */
export function combinationProblem(v: CombinedValues, name: (option: CombinedOption) => string): string | undefined {
  if (v.replay !== undefined && (v.drift > 0 || v.driftAtSeconds > 0)) {
    return `${name(v.drift > 0 ? 'drift' : 'driftAtSeconds')} cannot be combined with ${name('replay')}: a replay's drift is its file's own. Replay a later stretch of the file to see drift, or leave out ${name('replay')} to inject synthetic drift.`;
  }
  if (v.driftAtSeconds > 0 && v.drift === 0) {
    return `${name('driftAtSeconds')} says when drift starts, but ${name('drift')} is 0: give ${name('drift')} a share in (0, 1] too.`;
  }
  if (v.drift > 0 && v.driftAtSeconds >= v.durationSeconds) {
    return `drift would never start: ${name('driftAtSeconds')} ${v.driftAtSeconds} is not before the end of the run (${name('durationSeconds')} ${v.durationSeconds}). Lower ${name('driftAtSeconds')} or raise ${name('durationSeconds')}.`;
  }
  if (v.feedbackDelaySeconds > 0 && v.feedbackShare === 0) {
    return `${name('feedbackDelaySeconds')} delays the labels ${name('feedbackShare')} sends, but ${name('feedbackShare')} is 0: give it a share in (0, 1] too.`;
  }
  return undefined;
}

/**
 * Applies defaults and checks ranges; programmatic callers get a RangeError naming the option (the
 * CLI has already rejected bad flags with a usage error).
 *
 * @example settingsOf({ url: 'http://127.0.0.1:5000/api', rps: 20, durationSeconds: 30 }).path // '/api/predict'
 */
export function settingsOf(options: LoadOptions): Settings {
  const { rps, durationSeconds, invalidShare = 0, concurrency = 64, seed = 1, timeoutMs = 10_000 } = options;
  const { feedbackShare = 0, feedbackDelaySeconds = 0, drift = 0, driftAtSeconds = 0 } = options;
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
  if (!(feedbackShare >= 0 && feedbackShare <= 1)) throw new RangeError(`feedbackShare must be in 0..1, got ${feedbackShare}`);
  if (!(feedbackDelaySeconds >= 0 && feedbackDelaySeconds <= MAX_FEEDBACK_DELAY_SECONDS)) {
    throw new RangeError(`feedbackDelaySeconds must be in 0..${MAX_FEEDBACK_DELAY_SECONDS}, got ${feedbackDelaySeconds}`);
  }
  if (!(drift >= 0 && drift <= 1)) throw new RangeError(`drift must be in 0..1, got ${drift}`);
  if (!(Number.isFinite(driftAtSeconds) && driftAtSeconds >= 0)) throw new RangeError(`driftAtSeconds must be a number of seconds >= 0, got ${driftAtSeconds}`);
  const problem = combinationProblem({ replay: options.replay, durationSeconds, feedbackShare, feedbackDelaySeconds, drift, driftAtSeconds }, (option) => option);
  if (problem !== undefined) throw new RangeError(problem);
  // A base URL with a path prefix (behind a gateway) keeps it: http://host/api -> /api/predict.
  const prefix = base.pathname.replace(/\/+$/, '');
  return {
    base,
    path: `${prefix}/predict`,
    feedbackPath: `${prefix}/feedback`,
    rps,
    durationSeconds,
    invalidShare,
    concurrency,
    seed,
    timeoutMs,
    feedbackShare,
    feedbackDelaySeconds,
    drift,
    driftAtSeconds,
  };
}
