/**
 * The load generator's engine: an open-loop arrival schedule. Request i is due at start + i / rps
 * whatever the server is doing, because a generator that waits for answers (a closed loop, like
 * the seed's curl loop) slows down exactly when the server does and hides the queueing a real
 * population of clients would cause. A due synthetic request that would exceed the in-flight limit
 * is not queued (that would turn the loop closed again) but counted as dropped.
 *
 * A replay is the exception: it stands for a chronology (the file's order, the drift within it), and
 * a dropped row would be a hole in it. So a replay waits for a free slot instead, and its schedule
 * slips behind by as much as the server holds it up, which `maxLagMs` shows. With concurrency 1 the
 * service sees the rows strictly in file order.
 */
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { isBankHeader, readCsvHeader } from '../data/csv-table.js';
import type { ModelSchema } from '../data/model-schema.js';
import { createRandom } from '../util/random.js';
import { FeedbackSender } from './feedback.js';
import { MALFORMED_KINDS, malformedRequest, validRequest, type MalformedKind } from './malformed.js';
import { settingsOf } from './settings.js';
import { shareSchedule } from './share.js';
import { replaySource, schemaReplaySource, syntheticSource, type RowSource, type SourceRow } from './source.js';
import { Tally } from './tally.js';
import type { EndReason, LoadOptions, LoadSummary } from './types.js';

/** Distinct X-User-Id values, so the service's active-users gauge sees a plausible population. */
const SIMULATED_USERS = 100;

/** Decides which slots carry a malformed request (an exact share), the kinds taking turns. */
function malformedSchedule(share: number): () => MalformedKind | undefined {
  const picked = shareSchedule(share);
  let turn = 0;
  return () => (picked() ? MALFORMED_KINDS[turn++ % MALFORMED_KINDS.length] : undefined);
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

/** The `request_id` a /predict answer carries: the id the service will know the prediction by. */
function answeredRequestId(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    const id = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>).request_id : undefined;
    return typeof id === 'string' && id !== '' ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Sends POST /predict at a steady rate for a while and summarises what came back; optionally sends
 * the true labels of a share of the answers to POST /feedback, and injects drift part-way through.
 *
 * @example
 * const summary = await runLoad({ url: 'http://127.0.0.1:5000', rps: 50, durationSeconds: 60, feedbackShare: 0.5, feedbackDelaySeconds: 5, drift: 1, driftAtSeconds: 30 });
 * console.log(summary.ok, summary.latencyMs?.p99, summary.feedback.joined, summary.driftStartedAtSlot); // ..., ..., ..., 1500
 */
export async function runLoad(options: LoadOptions): Promise<LoadSummary> {
  const s = settingsOf(options);
  const { signal, onProgress } = options;
  // Drift starts with the first slot due at or after driftAtSeconds: a slot, not a clock reading, so
  // the same options always switch at the same row whatever the timers did.
  const driftSlot = s.drift > 0 ? Math.ceil(s.driftAtSeconds * s.rps - 1e-9) : undefined;
  const source: RowSource = options.replay === undefined ? syntheticSource(s.seed, driftSlot === undefined ? undefined : { share: s.drift, fromRow: driftSlot }) : await replaySourceFor(options.replay, s.base);
  const waitsForSlot = source.kind === 'replay';
  // One connection per allowed in-flight request: requests never wait inside the pool, so the
  // latency measured is the server's, not a client-side queue's.
  const pool = new Pool(s.base.origin, {
    connections: s.concurrency,
    pipelining: 1,
    connectTimeout: s.timeoutMs,
    headersTimeout: s.timeoutMs,
    bodyTimeout: s.timeoutMs,
  });
  const feedback = new FeedbackSender({
    origin: s.base.origin,
    path: s.feedbackPath,
    share: s.feedbackShare,
    delaySeconds: s.feedbackDelaySeconds,
    connections: s.concurrency,
    timeoutMs: s.timeoutMs,
    signal,
  });
  const tally = new Tally();
  const pending = new Set<Promise<void>>();
  const users = createRandom(s.seed + 1);
  const nextMalformed = malformedSchedule(s.invalidShare);
  // X-Request-Id "<run>-<slot>" ties each audit line to this run and to the request's place in it.
  const runId = `lg${Date.now().toString(36)}`;
  let ticker: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<void>((resolve) => {
    onAbort = resolve;
    if (signal?.aborted) resolve();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });

  const send = (row: SourceRow, slot: number): void => {
    tally.scheduled++;
    const kind = nextMalformed();
    const user = `user-${users.int(SIMULATED_USERS)}`;
    if (tally.inFlight >= s.concurrency) {
      tally.dropped++;
      return;
    }
    const wire = kind === undefined ? validRequest(row.features) : malformedRequest(kind, row.features, slot);
    if (kind !== undefined) tally.malformed[kind]++;
    tally.sent++;
    tally.inFlight++;
    const requestId = `${runId}-${slot}`;
    const started = performance.now();
    const request = pool
      .request({ method: 'POST', path: s.path, headers: { 'content-type': wire.contentType, 'x-request-id': requestId, 'x-user-id': user }, body: wire.body })
      .then(
        async (response) => {
          const labelled = response.statusCode >= 200 && response.statusCode < 300 && feedback.wants();
          // Latency runs to the last byte of the answer, as a client experiences it. The body is
          // only parsed when its request_id is needed for a label.
          const answer = labelled ? await response.body.text() : await response.body.dump().then(() => '');
          tally.answered(response.statusCode, performance.now() - started);
          if (labelled) feedback.schedule(answeredRequestId(answer) ?? requestId, row.actual);
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
        const labels = s.feedbackShare > 0 ? feedback.summary() : undefined;
        onProgress({
          elapsedSeconds: (performance.now() - t0) / 1000,
          sent,
          ok,
          clientErrors,
          serverErrors,
          networkErrors,
          dropped,
          currentRps: sent - sentAtLastTick,
          feedback: labels && { sent: labels.sent, joined: labels.joined },
        });
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
        while (waitsForSlot && tally.inFlight >= s.concurrency && !signal?.aborted) await Promise.race([...pending, aborted]);
        if (signal?.aborted) break;
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
    // Labels are at most feedbackDelaySeconds (plus a timeout) behind the last answer.
    await feedback.settled();
    return {
      url: s.base.href,
      source: source.kind,
      targetRps: s.rps,
      durationSeconds: s.durationSeconds,
      endedBy,
      feedbackShare: s.feedbackShare,
      feedbackDelaySeconds: s.feedbackDelaySeconds,
      drift: s.drift,
      driftAtSeconds: s.driftAtSeconds,
      driftStartedAtSlot: driftSlot !== undefined && slot > driftSlot ? driftSlot : null,
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
      feedback: feedback.summary(),
    };
  } finally {
    if (ticker) clearInterval(ticker);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    await Promise.allSettled([...pending]);
    await feedback.close();
    await source.close();
    await pool.destroy();
  }
}

/**
 * The source of a replay: the bank-marketing loader for its file (and for a file it cannot read,
 * which it then names), any other CSV by the serving model's schema.
 */
async function replaySourceFor(file: string, base: URL): Promise<RowSource> {
  const header = readCsvHeader(file);
  return header === undefined || isBankHeader(header) ? replaySource(file) : schemaReplaySource(file, await servedSchema(base));
}

/**
 * The serving model's schema, as GET /status reports it: what a replay of a CSV other than the
 * bank-marketing file is read by.
 *
 * @throws Error saying the service could not be asked, or serves no model yet.
 */
async function servedSchema(base: URL): Promise<ModelSchema> {
  const url = new URL('/status', base);
  let status: { model?: { schema?: { task: ModelSchema['task']; classes: string[]; target: string; features: ModelSchema['features'] } } | null };
  try {
    const response = await fetch(url);
    status = (await response.json()) as typeof status;
  } catch (error) {
    throw new Error(`cannot read the serving model's schema from ${url} to replay a CSV by it: ${(error as Error).message}`, { cause: error });
  }
  const schema = status.model?.schema;
  if (!schema) throw new Error(`${url} reports no serving model: a CSV other than bank-marketing is replayed by the serving model's schema`);
  return { features: schema.features, task: schema.task, classes: schema.classes, target: { name: schema.target } };
}
