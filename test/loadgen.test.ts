/**
 * The load generator against a tiny node:http stand-in for the service: rate, invalid share,
 * replay order, the summary's arithmetic, an unreachable URL, delayed feedback to POST /feedback
 * and injected drift. The stand-in validates rows with the service's own validator, so "malformed"
 * means malformed to the real schema; it echoes X-Request-Id as request_id like the service, and
 * records every label it is sent with its arrival time.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { Command, CommanderError } from 'commander';
import { registerLoadgenCommand } from '../src/cli/loadgen.js';
import { createRowValidator } from '../src/data/row-validation.js';
import { syntheticRows } from '../src/data/synthetic.js';
import { formatProgress, formatSummary, MALFORMED_KINDS, malformedRequest, runLoad, validRequest, type LoadSummary, type WireRequest } from '../src/loadgen/index.js';

const validate = createRowValidator(8);

/** 200 for a JSON body that is a valid row, 400 for anything else; `delayMs` holds every answer. */
function judge(contentType: string | undefined, body: string): number {
  if (contentType !== 'application/json') return 400;
  try {
    return validate(JSON.parse(body)) === undefined ? 200 : 400;
  } catch {
    return 400;
  }
}

interface Received {
  readonly body: string;
  readonly status: number;
  readonly requestId: string;
}

/** A label as the stand-in's POST /feedback received it. */
interface Label {
  readonly requestId: string;
  readonly actual: unknown;
  /** performance.now() on arrival: the test and the stand-in share one clock. */
  readonly at: number;
}

/** What POST /feedback answers; `destroy` hangs up without an answer. */
type FeedbackAnswer = { readonly status: number; readonly body: Record<string, unknown> } | 'destroy';

interface StandInOptions {
  /** Holds every /predict answer this long. */
  readonly delayMs?: number;
  /** Answers a label; by default 200 "joined", or "duplicate" the second time. */
  readonly feedback?: (label: Label) => FeedbackAnswer;
}

interface StandIn {
  readonly url: string;
  /** /predict requests in arrival order. */
  readonly received: Received[];
  /** /feedback requests in arrival order. */
  readonly labels: Label[];
  /** performance.now() at which each /predict answer went out, by request_id. */
  readonly answeredAt: Map<string, number>;
  close(): Promise<void>;
}

async function startStandIn(options: StandInOptions = {}): Promise<StandIn> {
  const { delayMs = 0 } = options;
  const received: Received[] = [];
  const labels: Label[] = [];
  const answeredAt = new Map<string, number>();
  const joined = new Set<string>();
  const answerLabel = (label: Label): FeedbackAnswer => {
    const status = joined.has(label.requestId) ? 'duplicate' : 'joined';
    joined.add(label.requestId);
    return { status: 200, body: { request_id: label.requestId, status, predicted: 0, actual: label.actual, model_version: 'v1' } };
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const json = (status: number, payload: Record<string, unknown>) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
      if (req.method === 'POST' && req.url === '/feedback') {
        const parsed = JSON.parse(body) as { request_id: string; actual: unknown };
        const label: Label = { requestId: parsed.request_id, actual: parsed.actual, at: performance.now() };
        labels.push(label);
        const answer = (options.feedback ?? answerLabel)(label);
        if (answer === 'destroy') req.socket.destroy();
        else json(answer.status, answer.body);
        return;
      }
      const status = req.method === 'POST' && req.url === '/predict' ? judge(req.headers['content-type'], body) : 404;
      const requestId = String(req.headers['x-request-id']);
      received.push({ body, status, requestId });
      setTimeout(() => {
        answeredAt.set(requestId, performance.now());
        json(status, status === 200 ? { request_id: requestId, prediction: 0, label: 'no', confidence: 0.9, probability: 0.1, model_version: 'v1' } : { statusCode: status });
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    labels,
    answeredAt,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The slot in X-Request-Id "<run>-<slot>". */
const slotOf = (id: string) => Number(id.split('-').at(-1));

function assertAddsUp(s: LoadSummary): void {
  assert.equal(s.scheduled, s.sent + s.dropped, 'scheduled = sent + dropped');
  assert.equal(s.sent, s.ok + s.clientErrors + s.serverErrors + s.otherStatus + s.networkErrors, 'sent = every outcome');
  const f = s.feedback;
  assert.equal(f.scheduled, f.sent + f.skipped, 'feedback scheduled = sent + skipped');
  assert.equal(f.sent, f.joined + f.duplicate + f.notFound + f.conflict + f.clientErrors + f.serverErrors + f.networkErrors, 'feedback sent = every outcome');
}

const header = 'age,job,marital,education,default,balance,housing,loan,contact,day,month,duration,campaign,pdays,previous,poutcome,y';
const commaRows = [
  '58,management,married,tertiary,no,2143,yes,no,unknown,5,may,261,1,-1,0,unknown,no',
  '44,technician,single,secondary,no,29,yes,no,unknown,5,may,151,1,-1,0,unknown,no',
  '33,entrepreneur,married,secondary,no,2,yes,yes,unknown,5,may,76,1,-1,0,unknown,yes',
  '47,blue-collar,married,unknown,no,1506,yes,no,unknown,5,may,92,1,-1,0,unknown,no',
];
const ages = [58, 44, 33, 47];
/** Six rows whose labels are not all alike, to tell file order from any other. */
const labelledRows = [
  ...commaRows,
  '35,management,married,tertiary,no,231,yes,no,unknown,5,may,139,1,-1,0,unknown,yes',
  '28,management,single,tertiary,no,447,yes,yes,unknown,5,may,217,1,-1,0,unknown,yes',
];
const labelledAges = [58, 44, 33, 47, 35, 28];
const labelledYs = [0, 0, 1, 0, 1, 1];

describe('malformed requests', () => {
  const row = syntheticRows({ seed: 3, rows: 1 }).next().value!.features;
  const judged = (w: WireRequest) => judge(w.contentType, w.body);

  it('a valid request passes the service validator', () => {
    assert.equal(judged(validRequest(row)), 200);
  });

  for (const kind of MALFORMED_KINDS) {
    it(`${kind} is rejected for every field it rotates through`, () => {
      for (let n = 0; n < 8; n++) assert.equal(judged(malformedRequest(kind, row, n)), 400, `${kind} #${n}: ${malformedRequest(kind, row, n).body}`);
    });
  }
});

describe('runLoad', () => {
  let standIn: StandIn;
  let dir: string;
  before(async () => {
    standIn = await startStandIn();
    dir = await mkdtemp(join(tmpdir(), 'loadgen-'));
  });
  after(async () => {
    await standIn.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('holds the target rate, all valid', async () => {
    standIn.received.length = 0;
    const s = await runLoad({ url: standIn.url, rps: 50, durationSeconds: 2 });
    assertAddsUp(s);
    assert.equal(s.scheduled, 100);
    assert.equal(s.ok, 100);
    assert.equal(s.dropped, 0);
    assert.ok(Math.abs(s.achievedRps - 50) <= 5, `achieved ${s.achievedRps} rps`);
    assert.equal(s.endedBy, 'duration');
    assert.ok(s.latencyMs && s.latencyMs.p50 > 0 && s.latencyMs.p50 <= s.latencyMs.p99 && s.latencyMs.p99 <= s.latencyMs.max);
    assert.equal(standIn.received.length, 100);
  });

  it('sends the requested invalid share, every kind, each one rejected', async () => {
    standIn.received.length = 0;
    const s = await runLoad({ url: standIn.url, rps: 200, durationSeconds: 1, invalidShare: 0.3, seed: 5 });
    assertAddsUp(s);
    const malformed = MALFORMED_KINDS.reduce((sum, k) => sum + s.malformed[k], 0);
    assert.ok(Math.abs(malformed / s.sent - 0.3) <= 0.1, `invalid share ${malformed / s.sent}`);
    for (const kind of MALFORMED_KINDS) assert.ok(s.malformed[kind] > 0, `no ${kind} sent`);
    // The stand-in says 400 exactly to the malformed ones: none slipped through, no valid one was hit.
    assert.equal(s.clientErrors, malformed);
    assert.equal(s.ok, s.sent - malformed);
    assert.equal(standIn.received.filter((r) => r.status === 400).length, malformed);
  });

  const semicolon = (line: string) => line.split(',').map((v) => (/^-?\d/.test(v) ? v : `"${v}"`)).join(';');

  for (const format of ['comma', 'semicolon-quoted'] as const) {
    it(`replays a ${format} CSV in file order and stops at its end`, async () => {
      const file = join(dir, `${format}.csv`);
      const lines = format === 'comma' ? [header, ...commaRows] : [header, ...commaRows].map(semicolon);
      await writeFile(file, `${lines.join('\n')}\n`);
      standIn.received.length = 0;
      const s = await runLoad({ url: standIn.url, rps: 100, durationSeconds: 5, replay: file });
      assertAddsUp(s);
      assert.equal(s.endedBy, 'end-of-file');
      assert.equal(s.source, 'replay');
      assert.equal(s.sent, 4);
      assert.equal(s.ok, 4);
      // Requests travel on separate connections, so order by the slot in X-Request-Id "<run>-<slot>".
      const inOrder = [...standIn.received].sort((x, y) => slotOf(x.requestId) - slotOf(y.requestId));
      assert.deepEqual(inOrder.map((r) => slotOf(r.requestId)), [0, 1, 2, 3]);
      const bodies = inOrder.map((r) => JSON.parse(r.body) as Record<string, unknown>);
      assert.deepEqual(bodies.map((b) => b.age), ages);
      assert.equal(bodies[2].job, 'entrepreneur');
      assert.equal(bodies[0].balance, 2143);
    });
  }

  it('a replay file that does not exist fails before sending', async () => {
    standIn.received.length = 0;
    await assert.rejects(runLoad({ url: standIn.url, rps: 10, durationSeconds: 1, replay: join(dir, 'missing.csv') }), /ENOENT/);
    assert.equal(standIn.received.length, 0);
  });

  it('drops what would exceed the in-flight limit instead of slowing down', async () => {
    const slow = await startStandIn({ delayMs: 700 });
    try {
      const s = await runLoad({ url: slow.url, rps: 40, durationSeconds: 0.5, concurrency: 2 });
      assertAddsUp(s);
      assert.equal(s.scheduled, 20);
      assert.equal(s.sent, 2);
      assert.equal(s.dropped, 18);
      assert.equal(s.ok, 2);
    } finally {
      await slow.close();
    }
  });

  it('counts network errors when nothing listens', async () => {
    const gone = await startStandIn();
    await gone.close();
    const s = await runLoad({ url: gone.url, rps: 20, durationSeconds: 0.5 });
    assertAddsUp(s);
    assert.equal(s.networkErrors, s.sent);
    assert.ok(s.sent >= 9);
    assert.equal(s.latencyMs, null);
    assert.match(s.firstNetworkError ?? '', /ECONNREFUSED/);
  });

  it('rejects impossible options', async () => {
    await assert.rejects(runLoad({ url: 'ftp://127.0.0.1', rps: 1, durationSeconds: 1 }), RangeError);
    await assert.rejects(runLoad({ url: standIn.url, rps: 0, durationSeconds: 1 }), RangeError);
    await assert.rejects(runLoad({ url: standIn.url, rps: 1, durationSeconds: 1, invalidShare: 1.5 }), RangeError);
  });
});

describe('runLoad: delayed feedback', () => {
  let standIn: StandIn;
  let dir: string;
  before(async () => {
    standIn = await startStandIn();
    dir = await mkdtemp(join(tmpdir(), 'loadgen-feedback-'));
  });
  after(async () => {
    await standIn.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('labels exactly the requested share of successful predictions, each with its request_id and y', async () => {
    standIn.labels.length = 0;
    standIn.received.length = 0;
    const s = await runLoad({ url: standIn.url, rps: 100, durationSeconds: 1, invalidShare: 0.2, feedbackShare: 0.3, seed: 9 });
    assertAddsUp(s);
    assert.equal(s.ok, 80);
    // 30 % of the 80 answers that were 2xx, not of the 100 sent, and not "about" 24.
    assert.deepEqual(s.feedback, { scheduled: 24, sent: 24, joined: 24, duplicate: 0, notFound: 0, conflict: 0, clientErrors: 0, serverErrors: 0, networkErrors: 0, skipped: 0 });
    assert.equal(standIn.labels.length, 24);
    const answered = new Set(standIn.received.filter((r) => r.status === 200).map((r) => r.requestId));
    const rows = [...syntheticRows({ seed: 9, rows: 100 })];
    for (const label of standIn.labels) {
      assert.ok(answered.has(label.requestId), `${label.requestId} was not a successful prediction`);
      assert.equal(label.actual, rows[slotOf(label.requestId)].y, `label of ${label.requestId}`);
    }
    assert.equal(new Set(standIn.labels.map((l) => l.requestId)).size, 24, 'no prediction labelled twice');
    assert.match(formatSummary(s), /^feedback +labels of 30 % of ok answers, as each answer arrived: sent 24 of 24$/m);
    assert.match(formatSummary(s), /joined 24 {2}duplicate 0 {2}not found 0/);
  });

  it('sends a replay\'s labels in file order with concurrency 1', async () => {
    const file = join(dir, 'labelled.csv');
    await writeFile(file, `${[header, ...labelledRows].join('\n')}\n`);
    standIn.labels.length = 0;
    const s = await runLoad({ url: standIn.url, rps: 50, durationSeconds: 5, replay: file, concurrency: 1, feedbackShare: 1 });
    assertAddsUp(s);
    assert.equal(s.endedBy, 'end-of-file');
    assert.equal(s.feedback.joined, 6);
    // Arrival order at the service, not sorted: the labels must come in the order of the rows.
    assert.deepEqual(standIn.labels.map((l) => slotOf(l.requestId)), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(standIn.labels.map((l) => l.actual), labelledYs);
  });

  it('holds each label back for the delay after its answer, and waits for the last ones before returning', async () => {
    standIn.labels.length = 0;
    const delaySeconds = 0.3;
    const started = performance.now();
    const s = await runLoad({ url: standIn.url, rps: 40, durationSeconds: 0.5, feedbackShare: 0.5, feedbackDelaySeconds: delaySeconds });
    const took = performance.now() - started;
    assertAddsUp(s);
    assert.equal(s.feedback.scheduled, 10);
    assert.equal(s.feedback.joined, 10);
    assert.equal(standIn.labels.length, 10);
    for (const label of standIn.labels) {
      const answeredAt = standIn.answeredAt.get(label.requestId);
      assert.ok(answeredAt !== undefined, `${label.requestId} never answered`);
      const waited = label.at - answeredAt;
      // Node may fire a timer up to a millisecond early by performance.now(); a loaded machine fires it late.
      assert.ok(waited >= delaySeconds * 1000 - 2, `${label.requestId}: label ${waited.toFixed(1)} ms after the answer`);
      assert.ok(waited < delaySeconds * 1000 + 1000, `${label.requestId}: label ${waited.toFixed(1)} ms after the answer`);
    }
    assert.ok(took >= 500 + delaySeconds * 1000 - 50, `returned after ${took.toFixed(0)} ms, before the last label was due`);
    assert.match(formatSummary(s), /0\.3 s after each answer/);
  });

  it('counts what /feedback answers: joined, duplicate, not found, conflict, 4xx, 5xx, no answer', async () => {
    const answers: FeedbackAnswer[] = [
      { status: 200, body: { status: 'joined' } },
      { status: 200, body: { status: 'duplicate' } },
      { status: 404, body: { statusCode: 404, code: 'MW_FEEDBACK_UNKNOWN_ID', message: 'unknown' } },
      { status: 404, body: { statusCode: 404, code: 'MW_FEEDBACK_EXPIRED', message: 'expired' } },
      { status: 409, body: { statusCode: 409, code: 'MW_FEEDBACK_CONFLICT', message: 'conflict' } },
      { status: 400, body: { statusCode: 400, message: 'bad feedback' } },
      // What a service without the route answers: not a "not found" of the id.
      { status: 404, body: { statusCode: 404, error: 'Not Found', message: 'Route POST:/feedback not found' } },
      { status: 503, body: { statusCode: 503 } },
      'destroy',
    ];
    const picky = await startStandIn({ feedback: (label) => answers[slotOf(label.requestId) % answers.length] });
    try {
      const s = await runLoad({ url: picky.url, rps: 90, durationSeconds: 1, feedbackShare: 1 });
      assertAddsUp(s);
      assert.equal(s.ok, 90);
      assert.deepEqual(s.feedback, { scheduled: 90, sent: 90, joined: 10, duplicate: 10, notFound: 20, conflict: 10, clientErrors: 20, serverErrors: 10, networkErrors: 10, skipped: 0 });
    } finally {
      await picky.close();
    }
  });

  it('a service without POST /feedback is pointed out', async () => {
    const old = await startStandIn({ feedback: () => ({ status: 404, body: { statusCode: 404, error: 'Not Found' } }) });
    try {
      const s = await runLoad({ url: old.url, rps: 20, durationSeconds: 0.25, feedbackShare: 1 });
      assert.equal(s.feedback.clientErrors, 5);
      assert.match(formatSummary(s), /does this service version have POST \/feedback\?/);
    } finally {
      await old.close();
    }
  });

  it('a stop (Ctrl-C) sends no more labels and counts the waiting ones as skipped', async () => {
    standIn.labels.length = 0;
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 400);
    const started = performance.now();
    const s = await runLoad({ url: standIn.url, rps: 50, durationSeconds: 10, feedbackShare: 1, feedbackDelaySeconds: 5, drift: 1, driftAtSeconds: 3, signal: stop.signal });
    assertAddsUp(s);
    assert.equal(s.endedBy, 'aborted');
    assert.ok(performance.now() - started < 3000, 'waited for labels that were skipped');
    assert.ok(s.ok >= 15, `${s.ok} ok`);
    assert.equal(s.feedback.scheduled, s.ok);
    assert.equal(s.feedback.sent, 0);
    assert.equal(s.feedback.skipped, s.ok);
    assert.equal(standIn.labels.length, 0);
    assert.equal(s.driftStartedAtSlot, null, 'stopped before drift was due');
    assert.match(formatSummary(s), /skipped \d+ \(the run was stopped early: never sent\)/);
    assert.match(formatSummary(s), /the run ended before it started/);
  });

  it('shows labels sent and joined in the progress line', () => {
    const line = formatProgress({ elapsedSeconds: 12, sent: 240, ok: 240, clientErrors: 0, serverErrors: 0, networkErrors: 0, dropped: 0, currentRps: 20, feedback: { sent: 100, joined: 98 } });
    assert.match(line, /feedback sent 100 joined 98/);
    assert.doesNotMatch(formatProgress({ elapsedSeconds: 1, sent: 1, ok: 1, clientErrors: 0, serverErrors: 0, networkErrors: 0, dropped: 0, currentRps: 1 }), /feedback/);
  });
});

describe('runLoad: injected drift and chronological replay', () => {
  let standIn: StandIn;
  let dir: string;
  before(async () => {
    standIn = await startStandIn();
    dir = await mkdtemp(join(tmpdir(), 'loadgen-drift-'));
  });
  after(async () => {
    await standIn.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('switches to drifted rows at the slot due at driftAtSeconds', async () => {
    standIn.labels.length = 0;
    standIn.received.length = 0;
    // In-flight room for every slot: a stall of the machine (other test files run beside this one)
    // must not drop the slots whose labels the class rates below are counted on.
    const s = await runLoad({ url: standIn.url, rps: 400, durationSeconds: 1, drift: 1, driftAtSeconds: 0.5, feedbackShare: 1, seed: 11, concurrency: 400 });
    assertAddsUp(s);
    assert.equal(s.driftStartedAtSlot, 200);
    assert.equal(s.drift, 1);
    assert.equal(s.driftAtSeconds, 0.5);
    // Before the switch the rows are exactly a drift-free run's.
    const calm = [...syntheticRows({ seed: 11, rows: 200 })].map((r) => r.features);
    const bySlot = new Map(standIn.received.map((r) => [slotOf(r.requestId), JSON.parse(r.body) as Record<string, unknown>]));
    for (let slot = 0; slot < 200; slot++) if (bySlot.has(slot)) assert.deepEqual(bySlot.get(slot), calm[slot], `slot ${slot}`);
    // After it, the late period's class rate (about 47 % against 12 %) shows in the labels sent.
    const rate = (labels: Label[]) => labels.filter((l) => l.actual === 1).length / labels.length;
    const before = standIn.labels.filter((l) => slotOf(l.requestId) < 200);
    const afterSwitch = standIn.labels.filter((l) => slotOf(l.requestId) >= 200);
    assert.ok(before.length >= 150 && afterSwitch.length >= 150, `${before.length} + ${afterSwitch.length} labels`);
    assert.ok(rate(before) < 0.22, `y = 1 before the switch: ${rate(before)}`);
    assert.ok(rate(afterSwitch) > 0.35, `y = 1 after the switch: ${rate(afterSwitch)}`);
    assert.match(formatSummary(s), /^drift +100 % of rows from the late, drifted period after 0\.5 s: from slot 200 on$/m);
  });

  it('without drift the summary says so', async () => {
    const s = await runLoad({ url: standIn.url, rps: 20, durationSeconds: 0.25 });
    assert.equal(s.driftStartedAtSlot, null);
    assert.equal(s.drift, 0);
    assert.doesNotMatch(formatSummary(s), /^drift|^feedback/m);
  });

  it('a replay against a slow server waits instead of dropping, and keeps file order with concurrency 1', async () => {
    const slow = await startStandIn({ delayMs: 100 });
    try {
      const file = join(dir, 'chronological.csv');
      await writeFile(file, `${[header, ...labelledRows].join('\n')}\n`);
      const s = await runLoad({ url: slow.url, rps: 100, durationSeconds: 5, replay: file, concurrency: 1, feedbackShare: 1 });
      assertAddsUp(s);
      assert.equal(s.dropped, 0);
      assert.equal(s.sent, 6);
      assert.equal(s.endedBy, 'end-of-file');
      // In arrival order, not sorted: the service saw the file's order.
      assert.deepEqual(slow.received.map((r) => (JSON.parse(r.body) as { age: number }).age), labelledAges);
      assert.deepEqual(slow.received.map((r) => slotOf(r.requestId)), [0, 1, 2, 3, 4, 5]);
      assert.deepEqual(slow.labels.map((l) => l.actual), labelledYs);
      // The sixth row was due at 50 ms and could not go before five 100 ms answers: the schedule slipped.
      assert.ok(s.maxLagMs >= 400, `maxLagMs ${s.maxLagMs}`);
      assert.match(formatSummary(s), /a replay waits for a free slot rather than drop a row/);
    } finally {
      await slow.close();
    }
  });

  it('rejects drift with a replay, and options that cannot work together', async () => {
    const url = standIn.url;
    await assert.rejects(runLoad({ url, rps: 1, durationSeconds: 1, replay: 'x.csv', drift: 0.5 }), /drift cannot be combined with replay: a replay's drift is its file's own/);
    await assert.rejects(runLoad({ url, rps: 1, durationSeconds: 1, replay: 'x.csv', driftAtSeconds: 0.5 }), /driftAtSeconds cannot be combined with replay/);
    await assert.rejects(runLoad({ url, rps: 1, durationSeconds: 5, driftAtSeconds: 2 }), /give drift a share in \(0, 1\]/);
    await assert.rejects(runLoad({ url, rps: 1, durationSeconds: 5, drift: 1, driftAtSeconds: 5 }), /drift would never start/);
    await assert.rejects(runLoad({ url, rps: 1, durationSeconds: 1, feedbackDelaySeconds: 2 }), /feedbackShare is 0/);
    await assert.rejects(runLoad({ url, rps: 1, durationSeconds: 1, feedbackShare: 1.5 }), RangeError);
    await assert.rejects(runLoad({ url, rps: 1, durationSeconds: 1, feedbackShare: 1, feedbackDelaySeconds: -1 }), RangeError);
    await assert.rejects(runLoad({ url, rps: 1, durationSeconds: 1, drift: 2 }), RangeError);
  });
});

describe('modelwatch loadgen options', () => {
  const parse = async (...args: string[]) => {
    let stderr = '';
    const program = new Command('modelwatch').exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
    registerLoadgenCommand(program);
    for (const command of program.commands) command.exitOverride().configureOutput({ writeErr: (text) => (stderr += text), writeOut: () => undefined });
    try {
      await program.parseAsync(['loadgen', ...args], { from: 'user' });
    } catch (error) {
      if (error instanceof CommanderError) error.message = `${error.message} | ${stderr}`;
      throw error;
    }
  };
  const invalid = (error: unknown) => error instanceof CommanderError && error.code === 'commander.invalidArgument';
  const usage = (pattern: RegExp) => (error: unknown) => error instanceof CommanderError && error.exitCode === 2 && pattern.test(error.message);

  for (const args of [
    ['--rps', '0'],
    ['--duration', 'x'],
    ['--invalid-share', '1.5'],
    ['--concurrency', '2.5'],
    ['--seed', '-1'],
    ['--url', 'ftp://127.0.0.1'],
    ['--feedback-share', '1.5'],
    ['--feedback-share', 'half'],
    ['--feedback-delay', '-1'],
    ['--feedback-delay', '100000'],
    ['--drift', '2'],
    ['--drift', '-0.1'],
    ['--drift-at', 'x'],
  ]) {
    it(`rejects ${args.join(' ')} as a usage error`, async () => {
      await assert.rejects(parse(...args), invalid);
    });
  }

  it('rejects --drift and --drift-at with --replay, saying why and what to do', async () => {
    await assert.rejects(parse('--replay', 'x.csv', '--drift', '0.5'), usage(/--drift cannot be combined with --replay: a replay's drift is its file's own\. .*leave out --replay/));
    await assert.rejects(parse('--replay', 'x.csv', '--drift-at', '10'), usage(/--drift-at cannot be combined with --replay/));
  });

  it('rejects --drift-at without --drift, drift that would never start, and --feedback-delay without --feedback-share', async () => {
    await assert.rejects(parse('--drift-at', '10'), usage(/--drift-at says when drift starts, but --drift is 0/));
    await assert.rejects(parse('--drift', '1', '--drift-at', '30', '--duration', '30'), usage(/drift would never start: --drift-at 30 .*Lower --drift-at or raise --duration/));
    await assert.rejects(parse('--feedback-delay', '5'), usage(/--feedback-delay delays the labels --feedback-share sends/));
  });

  const CLI = ['--import', 'tsx', 'src/cli/main.ts', 'loadgen'];

  it('the command exits 2 for --drift with --replay and for a bad --feedback-share', () => {
    const conflict = spawnSync(process.execPath, [...CLI, '--replay', 'x.csv', '--drift', '0.5'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(conflict.status, 2, conflict.stderr);
    assert.match(conflict.stderr, /--drift cannot be combined with --replay/);
    assert.match(conflict.stderr, /--help for usage/);
    const bad = spawnSync(process.execPath, [...CLI, '--feedback-share', '2'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /--feedback-share must be a number in 0\.\.1, got "2"/);
  });

  it('--json includes the feedback counts and the drift slot', async () => {
    const standIn = await startStandIn();
    try {
      const args = [...CLI, '--url', standIn.url, '--rps', '20', '--duration', '0.5', '--feedback-share', '0.5', '--feedback-delay', '0.1', '--drift', '1', '--drift-at', '0.25', '--json'];
      // Not spawnSync: the stand-in answers from this process's event loop.
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      assert.equal(code, 0, stderr);
      const summary = JSON.parse(stdout) as LoadSummary;
      assert.equal(summary.ok, 10);
      assert.deepEqual(summary.feedback, { scheduled: 5, sent: 5, joined: 5, duplicate: 0, notFound: 0, conflict: 0, clientErrors: 0, serverErrors: 0, networkErrors: 0, skipped: 0 });
      assert.equal(summary.feedbackShare, 0.5);
      assert.equal(summary.feedbackDelaySeconds, 0.1);
      assert.equal(summary.driftStartedAtSlot, 5);
      assert.equal(standIn.labels.length, 5);
    } finally {
      await standIn.close();
    }
  });
});
