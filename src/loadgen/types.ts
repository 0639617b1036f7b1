/** The load generator's options and its result, shared by the runner, the report and the CLI. */
import type { MalformedKind } from './malformed.js';

/** Options of {@link runLoad}. */
export interface LoadOptions {
  /** Base URL of the service; requests go to `<url>/predict`. */
  readonly url: string;
  /** Target arrival rate, requests per second. */
  readonly rps: number;
  /** How long to send, in seconds (a replay also stops at the end of its file). */
  readonly durationSeconds: number;
  /** Share of requests that are malformed, 0..1. Default 0. */
  readonly invalidShare?: number;
  /** Labelled CSV whose rows are sent in file order instead of synthetic rows. */
  readonly replay?: string;
  /** Most requests in flight; a request due while this many are open is dropped. Default 64. */
  readonly concurrency?: number;
  /** Seed of the synthetic rows and the simulated user ids. Default 1. */
  readonly seed?: number;
  /** Per-request timeout in milliseconds (a timeout counts as a network error). Default 10,000. */
  readonly timeoutMs?: number;
  /** Called about once a second while sending. */
  readonly onProgress?: (progress: LoadProgress) => void;
  /** Stops sending early (Ctrl-C); in-flight requests are still awaited and counted. */
  readonly signal?: AbortSignal;
}

/** A running tally, for the once-a-second progress line. */
export interface LoadProgress {
  readonly elapsedSeconds: number;
  readonly sent: number;
  readonly ok: number;
  readonly clientErrors: number;
  readonly serverErrors: number;
  readonly networkErrors: number;
  readonly dropped: number;
  /** Requests sent during the last second. */
  readonly currentRps: number;
}

/** Latency percentiles in milliseconds over every request that got an HTTP answer. */
export interface LatencySummary {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** Why sending stopped. */
export type EndReason = 'duration' | 'end-of-file' | 'aborted';

/**
 * The result of a run. The counts add up: `scheduled = sent + dropped` and
 * `sent = ok + clientErrors + serverErrors + otherStatus + networkErrors`.
 */
export interface LoadSummary {
  readonly url: string;
  readonly source: 'synthetic' | 'replay';
  readonly targetRps: number;
  readonly durationSeconds: number;
  readonly endedBy: EndReason;
  /** Arrival slots that came due. */
  readonly scheduled: number;
  /** Requests actually sent. */
  readonly sent: number;
  /** 2xx answers. */
  readonly ok: number;
  /** 4xx answers. */
  readonly clientErrors: number;
  /** 5xx answers. */
  readonly serverErrors: number;
  /** 1xx and 3xx answers (none expected). */
  readonly otherStatus: number;
  /** Connection refused or reset, timeouts: no HTTP answer at all. */
  readonly networkErrors: number;
  /** Slots not sent because `concurrency` requests were already in flight. */
  readonly dropped: number;
  /** Malformed requests sent, per kind. */
  readonly malformed: Readonly<Record<MalformedKind, number>>;
  /**
   * Worst delay of a send behind its slot, in ms. Timer granularity gives a few ms; much more means
   * the generator itself (its CPU, its event loop) could not keep the schedule.
   */
  readonly maxLagMs: number;
  /** Sent requests per second over the sending window. */
  readonly achievedRps: number;
  /** Seconds from the first slot until the last answer. */
  readonly elapsedSeconds: number;
  /** `null` when no request got an HTTP answer. */
  readonly latencyMs: LatencySummary | null;
  /** The first network error's message, to tell "nothing listening" from a timeout. */
  readonly firstNetworkError?: string;
}
