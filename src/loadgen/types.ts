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
  /**
   * Labelled CSV whose rows are sent in file order instead of synthetic rows. A replay never drops a
   * row: while `concurrency` requests are in flight it waits for one to finish, so its schedule slips
   * behind (see `maxLagMs`) rather than leaving gaps in the file's chronology.
   */
  readonly replay?: string;
  /**
   * Most requests in flight. Synthetic traffic drops a request due while this many are open; a
   * replay waits instead. Default 64.
   */
  readonly concurrency?: number;
  /**
   * Share of successful predictions (2xx) whose true label (the row's `y`) is then sent to
   * `<url>/feedback`, 0..1. Exact, not a coin flip: 0.3 labels 3 answers in every 10. Default 0.
   */
  readonly feedbackShare?: number;
  /** Seconds between a prediction's answer and the POST of its label, 0..86,400. Default 0. */
  readonly feedbackDelaySeconds?: number;
  /**
   * Share of synthetic rows drawn from the late, drifted period of the real data once drift has
   * started, 0..1 (see `syntheticRows`). Not with `replay`: a replay's drift is its file's own. Default 0.
   */
  readonly drift?: number;
  /** Seconds into the run at which `drift` starts; rows due before it are drawn without drift. Default 0. */
  readonly driftAtSeconds?: number;
  /** Seed of the synthetic rows and the simulated user ids. Default 1. */
  readonly seed?: number;
  /** Per-request timeout in milliseconds (a timeout counts as a network error). Default 10,000. */
  readonly timeoutMs?: number;
  /** Called about once a second while sending. */
  readonly onProgress?: (progress: LoadProgress) => void;
  /**
   * Stops sending early (Ctrl-C); in-flight requests (predictions and feedback) are still awaited
   * and counted, and feedback not yet sent is counted as skipped.
   */
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
  /** Labels sent so far and how many the service joined; only when `feedbackShare` > 0. */
  readonly feedback?: { readonly sent: number; readonly joined: number };
}

/**
 * What became of the labels sent to POST /feedback. The counts add up: `scheduled = sent + skipped`
 * and `sent = joined + duplicate + notFound + conflict + clientErrors + serverErrors + networkErrors`.
 */
export interface FeedbackSummary {
  /** Successful predictions picked to have their label sent. */
  readonly scheduled: number;
  /** Labels actually POSTed. */
  readonly sent: number;
  /** 200 "joined": the service matched the label to its prediction. */
  readonly joined: number;
  /** 200 "duplicate": the same label had already been joined. */
  readonly duplicate: number;
  /** 404 MW_FEEDBACK_UNKNOWN_ID or MW_FEEDBACK_EXPIRED: the service no longer (or never) knew the request id. */
  readonly notFound: number;
  /** 409 MW_FEEDBACK_CONFLICT: a different label had already been joined. */
  readonly conflict: number;
  /** Other 4xx answers, including a 404 without a feedback code (a service without POST /feedback). */
  readonly clientErrors: number;
  /** 5xx answers, and the 1xx/3xx the service never gives. */
  readonly serverErrors: number;
  /** Connection refused or reset, timeouts: no HTTP answer at all. */
  readonly networkErrors: number;
  /** Labels still waiting for their delay when the run was stopped early (Ctrl-C): never sent. */
  readonly skipped: number;
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
  readonly feedbackShare: number;
  readonly feedbackDelaySeconds: number;
  readonly drift: number;
  readonly driftAtSeconds: number;
  /** The first slot whose row was drawn with `drift`; `null` without drift or when the run ended before it. */
  readonly driftStartedAtSlot: number | null;
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
  /** Slots not sent because `concurrency` requests were already in flight (always 0 for a replay, which waits). */
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
  /** The labels sent to POST /feedback (all zero when `feedbackShare` is 0). */
  readonly feedback: FeedbackSummary;
}
