/**
 * The load generator's engine: an open-loop arrival schedule. Request i is due at start + i / rps
 * whatever the server is doing, because a generator that waits for answers (a closed loop, like
 * the seed's curl loop) slows down exactly when the server does and hides the queueing a real
 * population of clients would cause. A due request that would exceed the in-flight limit is not
 * queued (that would turn the loop closed again) but counted as dropped.
 */
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { createRandom } from '../util/random.js';
import { MALFORMED_KINDS, malformedRequest, validRequest, type MalformedKind } from './malformed.js';
import { settingsOf } from './settings.js';
import { replaySource, syntheticSource, type RowSource } from './source.js';
import { Tally } from './tally.js';
import type { EndReason, LoadOptions, LoadSummary } from './types.js';

/** Distinct X-User-Id values, so the service's active-users gauge sees a plausible population. */
const SIMULATED_USERS = 100;

/**
 * Decides which slots carry a malformed request: a credit accumulator rather than a coin flip, so
 * the share is exact even over a few dozen requests, and the kinds take turns.
 */
function malformedSchedule(share: number): () => MalformedKind | undefined {
  let credit = 0;
  let turn = 0;
  return () => {
    credit += share;
    if (credit < 1 - 1e-9) return undefined;
    credit -= 1;
    return MALFORMED_KINDS[turn++ % MALFORMED_KINDS.length];
  };
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Waits `ms`, or less if the signal fires. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Sends POST /predict at a steady rate for a while and summarises what came back.
 *
 * @example
 * const summary = await runLoad({ url: 'http://127.0.0.1:5000', rps: 50, durationSeconds: 10, invalidShare: 0.1 });
 * console.log(summary.ok, summary.latencyMs?.p99);
 */
export async function runLoad(options: LoadOptions): Promise<LoadSummary> {
  const s = settingsOf(options);
  const source: RowSource = options.replay !== undefined ? replaySource(options.replay) : syntheticSource(s.seed);
  // One connection per allowed in-flight request: requests never wait inside the pool, so the
  // latency measured is the server's, not a client-side queue's.
  const pool = new Pool(s.base.origin, {
    connections: s.concurrency,
    pipelining: 1,
    connectTimeout: s.timeoutMs,
    headersTimeout: s.timeoutMs,
    bodyTimeout: s.timeoutMs,
  });
  const tally = new Tally();
  const pending = new Set<Promise<void>>();
  const users = createRandom(s.seed + 1);
  const nextMalformed = malformedSchedule(s.invalidShare);
  // X-Request-Id "<run>-<slot>" ties each audit line to this run and to the request's place in it.
  const runId = `lg${Date.now().toString(36)}`;
  const { signal, onProgress } = options;
  let ticker: NodeJS.Timeout | undefined;

  const send = (row: Record<string, number | string>, slot: number): void => {
    tally.scheduled++;
    const kind = nextMalformed();
    const user = `user-${users.int(SIMULATED_USERS)}`;
    if (tally.inFlight >= s.concurrency) {
      tally.dropped++;
      return;
    }
    const wire = kind === undefined ? validRequest(row) : malformedRequest(kind, row, slot);
    if (kind !== undefined) tally.malformed[kind]++;
    tally.sent++;
    tally.inFlight++;
    const started = performance.now();
    const request = pool
      .request({ method: 'POST', path: s.path, headers: { 'content-type': wire.contentType, 'x-request-id': `${runId}-${slot}`, 'x-user-id': user }, body: wire.body })
      .then(
        async (response) => {
          // Latency runs to the last byte of the answer, as a client experiences it.
          await response.body.dump();
          tally.answered(response.statusCode, performance.now() - started);
        },
        (error: unknown) => tally.failed(error),
      )
      .catch((error: unknown) => tally.failed(error))
      .finally(() => {
        tally.inFlight--;
        pending.delete(request);
      });
    pending.add(request);
  };

  try {
    // The first row is read before the clock starts, so a missing or bad replay file fails fast.
    let row = await source.next();
    const t0 = performance.now();
    const interval = 1000 / s.rps;
    const slots = Math.max(1, Math.ceil(s.rps * s.durationSeconds - 1e-9));
    let lastSentAt = t0;
    let maxLagMs = 0;
    if (onProgress) {
      let sentAtLastTick = 0;
      ticker = setInterval(() => {
        const { sent, ok, clientErrors, serverErrors, networkErrors, dropped } = tally;
        onProgress({ elapsedSeconds: (performance.now() - t0) / 1000, sent, ok, clientErrors, serverErrors, networkErrors, dropped, currentRps: sent - sentAtLastTick });
        sentAtLastTick = sent;
      }, 1000);
      ticker.unref();
    }
    let slot = 0;
    let endedBy: EndReason = 'duration';
    for (;;) {
      const due = Math.min(slots, Math.floor((performance.now() - t0) / interval) + 1);
      // Late wake-ups (timer granularity, a busy event loop) send every overdue slot at once.
      for (; slot < due && row !== undefined; slot++) {
        send(row, slot);
        lastSentAt = performance.now();
        maxLagMs = Math.max(maxLagMs, lastSentAt - t0 - slot * interval);
        row = await source.next();
      }
      if (slot >= slots) break;
      if (row === undefined) {
        endedBy = 'end-of-file';
        break;
      }
      if (signal?.aborted) {
        endedBy = 'aborted';
        break;
      }
      await pause(Math.max(0, slot * interval - (performance.now() - t0)), signal);
    }
    // The window spans one interval per slot used; if sending fell behind, it runs to the last send.
    const windowMs = Math.max(slot * interval, lastSentAt - t0 + interval);
    while (pending.size > 0) await Promise.all([...pending]);
    const elapsedSeconds = round((performance.now() - t0) / 1000, 3);
    return {
      url: s.base.href,
      source: source.kind,
      targetRps: s.rps,
      durationSeconds: s.durationSeconds,
      endedBy,
      scheduled: tally.scheduled,
      sent: tally.sent,
      ok: tally.ok,
      clientErrors: tally.clientErrors,
      serverErrors: tally.serverErrors,
      otherStatus: tally.otherStatus,
      networkErrors: tally.networkErrors,
      dropped: tally.dropped,
      malformed: { ...tally.malformed },
      maxLagMs: round(maxLagMs, 1),
      achievedRps: round(tally.sent / (windowMs / 1000), 2),
      elapsedSeconds,
      latencyMs: tally.latencySummary(),
      ...(tally.firstNetworkError === undefined ? {} : { firstNetworkError: tally.firstNetworkError }),
    };
  } finally {
    if (ticker) clearInterval(ticker);
    await Promise.allSettled([...pending]);
    await source.close();
    await pool.destroy();
  }
}
