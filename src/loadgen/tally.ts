/**
 * Counting outcomes and latencies during a run. Latencies go into an HDR histogram in microseconds:
 * fixed memory whatever the run length, and percentiles accurate to 0.1 % (3 significant digits).
 */
import { build, type Histogram } from 'hdr-histogram-js';
import { MALFORMED_KINDS, type MalformedKind } from './malformed.js';
import type { LatencySummary } from './types.js';

/** One hour, in microseconds: anything slower is clamped rather than dropped. */
const MAX_TRACKABLE_US = 3_600_000_000;

/** Mutable counters of one run. */
export class Tally {
  scheduled = 0;
  sent = 0;
  ok = 0;
  clientErrors = 0;
  serverErrors = 0;
  otherStatus = 0;
  networkErrors = 0;
  dropped = 0;
  inFlight = 0;
  firstNetworkError: string | undefined;
  readonly malformed: Record<MalformedKind, number> = Object.fromEntries(MALFORMED_KINDS.map((k) => [k, 0])) as Record<MalformedKind, number>;
  private readonly latency: Histogram = build({ lowestDiscernibleValue: 1, highestTrackableValue: MAX_TRACKABLE_US, numberOfSignificantValueDigits: 3 });

  /** Counts an HTTP answer and its latency. */
  answered(status: number, milliseconds: number): void {
    if (status >= 200 && status < 300) this.ok++;
    else if (status >= 400 && status < 500) this.clientErrors++;
    else if (status >= 500) this.serverErrors++;
    else this.otherStatus++;
    this.latency.recordValue(Math.min(MAX_TRACKABLE_US, Math.max(1, Math.round(milliseconds * 1000))));
  }

  /** Counts a request that got no HTTP answer. */
  failed(error: unknown): void {
    this.networkErrors++;
    this.firstNetworkError ??= describeError(error);
  }

  /** Requests that have finished one way or the other. */
  get completed(): number {
    return this.ok + this.clientErrors + this.serverErrors + this.otherStatus + this.networkErrors;
  }

  /** Percentiles in milliseconds, or `null` before the first answer. */
  latencySummary(): LatencySummary | null {
    const h = this.latency;
    if (h.totalCount === 0) return null;
    const ms = (us: number) => Math.round(us) / 1000;
    return { p50: ms(h.getValueAtPercentile(50)), p90: ms(h.getValueAtPercentile(90)), p99: ms(h.getValueAtPercentile(99)), max: ms(h.maxValue) };
  }
}

/** "ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:5000" rather than a bare "fetch failed". */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
}
