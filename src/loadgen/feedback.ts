/**
 * Delayed feedback: for a share of successful predictions, the true label is POSTed to /feedback a
 * fixed delay after the answer, as a system that learns outcomes later would. Labels go through a
 * pool of their own so they never hold a connection a prediction is due to use, and the pool has
 * as many connections as predictions may be in flight: the labels can never be sent slower than the
 * answers they follow. With one connection (concurrency 1) that pool is a FIFO, so labels reach the
 * service in the order of the predictions they belong to.
 */
import { Pool } from 'undici';
import { shareSchedule } from './share.js';
import type { FeedbackSummary } from './types.js';

/** Where and how labels are sent. */
export interface FeedbackTarget {
  readonly origin: string;
  /** `<url path>/feedback`. */
  readonly path: string;
  /** Share of successful predictions whose label is sent, 0..1; 0 turns feedback off. */
  readonly share: number;
  readonly delaySeconds: number;
  readonly connections: number;
  readonly timeoutMs: number;
  /** Once it fires, labels still waiting for their delay are skipped rather than sent. */
  readonly signal?: AbortSignal;
}

/** A label waiting for its delay. */
interface Waiting {
  timer: NodeJS.Timeout;
  release: () => void;
}

type Counts = { -readonly [K in keyof FeedbackSummary]: FeedbackSummary[K] };

/** The codes POST /feedback answers 404 with; a 404 without one is a service lacking the route. */
const NOT_FOUND_CODES = new Set(['MW_FEEDBACK_UNKNOWN_ID', 'MW_FEEDBACK_EXPIRED']);

/** The `status` or `code` field of a JSON answer, if it has one. */
function field(body: string, name: 'status' | 'code'): unknown {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)[name] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Sends the labels of one run and counts what the service made of them.
 *
 * @example
 * const feedback = new FeedbackSender({ origin: 'http://127.0.0.1:5000', path: '/feedback', share: 0.5, delaySeconds: 10, connections: 8, timeoutMs: 10_000 });
 * if (feedback.wants()) feedback.schedule('lgabc-17', 1);
 * await feedback.settled();
 * await feedback.close();
 */
export class FeedbackSender {
  private readonly counts: Counts = { scheduled: 0, sent: 0, joined: 0, duplicate: 0, notFound: 0, conflict: 0, clientErrors: 0, serverErrors: 0, networkErrors: 0, skipped: 0 };
  private readonly pool: Pool | undefined;
  private readonly pick: () => boolean;
  private readonly delayMs: number;
  private readonly waiting = new Set<Waiting>();
  private readonly pending = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly target: FeedbackTarget) {
    this.pick = shareSchedule(target.share);
    this.delayMs = target.delaySeconds * 1000;
    if (target.share > 0) {
      this.pool = new Pool(target.origin, {
        connections: target.connections,
        pipelining: 1,
        connectTimeout: target.timeoutMs,
        headersTimeout: target.timeoutMs,
        bodyTimeout: target.timeoutMs,
      });
    }
    if (target.signal?.aborted) this.stop();
    else target.signal?.addEventListener('abort', this.stop, { once: true });
  }

  /**
   * Whether this successful prediction's label is to be sent; call it exactly once per 2xx answer,
   * in the order they arrive, so the share comes out exact.
   *
   * @example if (feedback.wants()) feedback.schedule(requestId, row.actual);
   */
  wants(): boolean {
    return this.pool !== undefined && this.pick();
  }

  /**
   * Sends `actual` for `requestId` after the delay (at once when it is 0, keeping answer order).
   *
   * @example feedback.schedule('lgabc-17', 0);
   */
  schedule(requestId: string, actual: number): void {
    this.counts.scheduled++;
    if (this.stopped || this.pool === undefined) {
      this.counts.skipped++;
      return;
    }
    if (this.delayMs === 0) {
      this.track(this.post(this.pool, requestId, actual));
      return;
    }
    const pool = this.pool;
    const done = new Promise<void>((resolve) => {
      const entry: Waiting = {
        release: resolve,
        timer: setTimeout(() => {
          this.waiting.delete(entry);
          resolve(this.post(pool, requestId, actual));
        }, this.delayMs),
      };
      this.waiting.add(entry);
    });
    this.track(done);
  }

  /**
   * Sends nothing more: labels still waiting for their delay are counted as skipped. Labels already
   * on the wire are still awaited and counted.
   *
   * @example signal.addEventListener('abort', feedback.stop);
   */
  readonly stop = (): void => {
    this.stopped = true;
    for (const entry of this.waiting) {
      clearTimeout(entry.timer);
      this.counts.skipped++;
      entry.release();
    }
    this.waiting.clear();
  };

  /**
   * Resolves once every scheduled label has been answered, failed or skipped: at most the delay
   * plus one timeout after the last schedule.
   *
   * @example await feedback.settled();
   */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /**
   * The counts so far.
   *
   * @example feedback.summary().joined
   */
  summary(): FeedbackSummary {
    return { ...this.counts };
  }

  /**
   * Skips whatever is still waiting and closes the connections.
   *
   * @example await feedback.close();
   */
  async close(): Promise<void> {
    this.stop();
    this.target.signal?.removeEventListener('abort', this.stop);
    await Promise.allSettled([...this.pending]);
    await this.pool?.destroy();
  }

  private track(done: Promise<void>): void {
    this.pending.add(done);
    void done.then(() => this.pending.delete(done));
  }

  /** Never rejects: every label ends up in exactly one count. */
  private async post(pool: Pool, requestId: string, actual: number): Promise<void> {
    this.counts.sent++;
    try {
      const response = await pool.request({
        method: 'POST',
        path: this.target.path,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ request_id: requestId, actual }),
      });
      this.count(response.statusCode, await response.body.text());
    } catch {
      this.counts.networkErrors++;
    }
  }

  private count(status: number, body: string): void {
    const c = this.counts;
    if (status >= 200 && status < 300) {
      if (field(body, 'status') === 'duplicate') c.duplicate++;
      else c.joined++;
    } else if (status === 404) {
      const code = field(body, 'code');
      if (typeof code === 'string' && NOT_FOUND_CODES.has(code)) c.notFound++;
      else c.clientErrors++;
    } else if (status === 409) c.conflict++;
    else if (status >= 400 && status < 500) c.clientErrors++;
    else c.serverErrors++;
  }
}
