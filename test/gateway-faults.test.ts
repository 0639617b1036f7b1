/**
 * The gateway under load while its model server fails, every part a real process: the built CLI's
 * `modelwatch gateway`, a model server (test/fixtures/fault-upstream.ts) that is killed mid-load,
 * answers bytes that are not HTTP, or answers 500s, and concurrent client loops. Whatever the model
 * server does, clients get the coded 502/503 the gateway promises (or the model server's own answer,
 * unchanged), the gateway's own endpoints keep answering quickly, and a body over --body-limit is a
 * coded 413. The model server that never answers is test/gateway-faults-hang.test.ts; the alert
 * reaching Alertmanager, test/gateway-alert-e2e.test.ts.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import { drive, ERROR_BODY, type Answer, metricSum, percentile, PREFIX, startGateway, startUpstream, tally, watchOwnEndpoints, type Gateway, type Upstream } from './helpers/gateway-faults.js';

const CONCURRENCY = 16;

/** Waits until `condition` holds, polling; fails after `budgetMs` (a loaded machine is slow, not this slow). */
async function until(condition: () => boolean, budgetMs = 30_000): Promise<void> {
  const deadline = Date.now() + budgetMs;
  while (!condition()) {
    assert.ok(Date.now() < deadline, `not within ${budgetMs / 1000} s: ${condition.toString()}`);
    await sleep(50);
  }
}

/** A load that runs until `count` answers, or 30 s. */
const enough = (count: number) => {
  const deadline = Date.now() + 30_000;
  return (answers: readonly Answer[]) => answers.length < count && Date.now() < deadline;
};

describe('the gateway while its model server fails under load', () => {
  const stops: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const stop of stops.reverse()) await stop();
  });
  const upstreamOf = async (mode: Parameters<typeof startUpstream>[0], port?: number) => {
    const upstream = await startUpstream(mode, port);
    stops.push(async () => {
      upstream.process.kill('SIGKILL');
      await upstream.exited;
    });
    return upstream;
  };
  const gatewayOf = async (upstream: Upstream, flags: string[] = []) => {
    const gateway = await startGateway(upstream.url, flags);
    stops.push(() => gateway.stop());
    return gateway;
  };

  test('upstream SIGKILLed mid-load: 502 then 503 circuit open with Retry-After, own endpoints answer throughout, and after a restart on the same port the probe closes the circuit and 200s resume', async (t) => {
    const upstream = await upstreamOf('ok');
    const gateway: Gateway = await gatewayOf(upstream, ['--circuit-failures', '5', '--circuit-open-seconds', '1', '--timeout', '2']);
    let loading = true;
    let live: readonly Answer[] = [];
    const load = drive({ url: gateway.url, concurrency: CONCURRENCY, running: (answers) => ((live = answers), loading) });
    const own = watchOwnEndpoints(gateway.url, () => loading);
    // Load first: 50 answers (a loaded machine may take a few seconds to give them).
    await until(() => live.length >= 50);
    const killedAt = Date.now();
    upstream.process.kill('SIGKILL');
    await upstream.exited;
    const goneAt = Date.now();
    // Down for a few open periods of the circuit: refused calls, probes that fail and reopen it.
    // The breaker's gauge says open (or half-open, probing) while it is.
    const states = new Set<string>();
    for (const until = Date.now() + 3000; Date.now() < until; await sleep(100)) {
      for (const state of ['closed', 'open', 'half_open']) if ((await metricSum(gateway.url, 'gateway_circuit_state', { state })) === 1) states.add(state);
    }
    const restartedAt = Date.now();
    await upstreamOf('ok', upstream.port);
    // The circuit opens for 1 s at a time: the next probe after the restart closes it.
    let closedAt: number | undefined;
    for (let i = 0; i < 100 && closedAt === undefined; i++) {
      await sleep(100);
      if (((await (await fetch(`${gateway.url}${PREFIX}/status`)).json()) as { circuit: string }).circuit === 'closed') closedAt = Date.now();
    }
    await until(() => closedAt !== undefined && live.filter((a) => a.sent > closedAt!).length >= 50);
    loading = false;
    const answers = await load;
    const ownAnswers = await own;

    const before = answers.filter((a) => a.at < killedAt);
    // Sent once the model server was gone and answered before it was back (a loaded machine may
    // deliver an answer given before the kill later than that: the time sent decides).
    const down = answers.filter((a) => a.sent > goneAt && a.at < restartedAt);
    const recovered = answers.filter((a) => closedAt !== undefined && a.sent > closedAt);
    t.diagnostic(`before ${JSON.stringify(tally(before))}, down ${JSON.stringify(tally(down))}, after the restart ${JSON.stringify(tally(recovered))}`);
    assert.ok(before.length >= 50 && before.every((a) => a.status === 200), `before the kill every answer is 200: ${JSON.stringify(tally(before))}`);
    // While the model server is gone: only the gateway's own coded answers, never a hang or a 500.
    const expected = new Set(['502 MW_UPSTREAM_UNREACHABLE', '503 MW_UPSTREAM_CIRCUIT_OPEN']);
    assert.deepEqual(Object.keys(tally(down)).filter((k) => !expected.has(k)), [], JSON.stringify(tally(down)));
    assert.ok((tally(down)['503 MW_UPSTREAM_CIRCUIT_OPEN'] ?? 0) > 10 * (tally(down)['502 MW_UPSTREAM_UNREACHABLE'] ?? 0), 'the breaker opened and refused most calls at once');
    assert.ok(tally(answers)['502 MW_UPSTREAM_UNREACHABLE'] > 0, 'the calls that found it gone are 502');
    for (const a of answers.filter((x) => x.code === 'MW_UPSTREAM_CIRCUIT_OPEN')) assert.match(a.retryAfter ?? '', /^[1-9]\d*$/, 'a 503 circuit open says when to retry');
    assert.ok(percentile(down.map((a) => a.ms), 99) < 1000, `refusals are quick: p99 ${percentile(down.map((a) => a.ms), 99).toFixed(1)} ms`);
    assert.ok(closedAt !== undefined, 'the circuit closed after the restart');
    assert.ok(states.has('open'), `gateway_circuit_state showed ${[...states].join(', ')} while the model server was down`);
    assert.equal(await metricSum(gateway.url, 'gateway_circuit_state', { state: 'closed' }), 1);
    assert.ok(recovered.length >= 50 && recovered.every((a) => a.status === 200), `200s resume: ${JSON.stringify(tally(recovered))}`);
    // The gateway's own endpoints answered throughout, quickly.
    assert.ok(ownAnswers.length > 40);
    assert.deepEqual(ownAnswers.filter((a) => a.status !== 200), [], 'health and metrics always 200');
    const slowest = Math.max(...ownAnswers.map((a) => a.ms));
    t.diagnostic(`own endpoints: ${ownAnswers.length} answers, p99 ${percentile(ownAnswers.map((a) => a.ms), 99).toFixed(1)} ms, slowest ${slowest.toFixed(1)} ms`);
    // Quick, and never waiting on the model server: a blocked answer would take the 2 s --timeout.
    assert.ok(percentile(ownAnswers.map((a) => a.ms), 50) < 250, `median ${percentile(ownAnswers.map((a) => a.ms), 50).toFixed(1)} ms`);
    assert.ok(slowest < 2000, `health and metrics answer within the model server's timeout on a loaded machine: slowest ${slowest.toFixed(1)} ms`);
    // Counted: the failures by kind, and the refusals.
    assert.ok((await metricSum(gateway.url, 'gateway_upstream_errors_total')) > 0);
    assert.equal(await metricSum(gateway.url, 'gateway_requests_refused_total', { reason: 'circuit_open' }), tally(answers)['503 MW_UPSTREAM_CIRCUIT_OPEN']);
  });

  test('upstream answering bytes that are not HTTP: 502 MW_UPSTREAM_UNREACHABLE, and the gateway keeps serving', async () => {
    const upstream = await upstreamOf('garbage');
    const gateway = await gatewayOf(upstream, ['--circuit-failures', '0']);
    const answers = await drive({ url: gateway.url, concurrency: CONCURRENCY, running: enough(200), keepBodies: true });
    assert.ok(answers.length >= 200);
    assert.deepEqual(tally(answers), { '502 MW_UPSTREAM_UNREACHABLE': answers.length });
    const body = JSON.parse(answers[0].body!) as { message: string; request_id: string };
    assert.match(body.message, new RegExp(upstream.url.replace(/[.:/]/g, '\\$&')), 'the 502 names the model server');
    assert.match(body.message, /its answer could not be read: Response does not match the HTTP\/1\.1 protocol/, 'and says what it did');
    assert.equal(answers[0].headers!.get('x-request-id'), body.request_id);
    assert.equal(await metricSum(gateway.url, 'gateway_backend_requests_total', { status: 'error' }), answers.length);
    assert.equal(await metricSum(gateway.url, 'gateway_upstream_errors_total', { kind: 'other' }), answers.length);
    assert.equal((await fetch(`${gateway.url}${PREFIX}/health`)).status, 200);
  });

  test("upstream answering 500s: passed through byte-identical, counted as 500 on both sides, and the breaker stays closed (it answered)", async () => {
    const upstream = await upstreamOf('error500');
    const gateway = await gatewayOf(upstream, ['--circuit-failures', '5']);
    const answers = await drive({ url: gateway.url, concurrency: CONCURRENCY, running: enough(200), keepBodies: true });
    assert.ok(answers.length >= 200);
    for (const a of answers) {
      assert.equal(a.status, 500);
      assert.equal(a.body, ERROR_BODY, 'the body, byte for byte');
      assert.equal(a.headers!.get('x-upstream-fault'), 'yes');
      assert.equal(a.headers!.get('content-type'), 'application/json');
    }
    assert.equal(await metricSum(gateway.url, 'gateway_http_requests_total', { status: '500' }), answers.length);
    assert.equal(await metricSum(gateway.url, 'gateway_backend_requests_total', { status: '500' }), answers.length);
    assert.equal(await metricSum(gateway.url, 'gateway_upstream_errors_total'), 0, 'an answer is not an upstream error');
    assert.equal(((await (await fetch(`${gateway.url}${PREFIX}/status`)).json()) as { circuit: string }).circuit, 'closed');
  });

  test('a body over --body-limit: 413 MW_GATEWAY_BODY_TOO_LARGE, announced or chunked, while other clients keep getting 200', async () => {
    const upstream = await upstreamOf('ok');
    const limit = 1024 * 1024;
    const gateway = await gatewayOf(upstream, ['--body-limit', String(limit)]);
    let loading = true;
    let bigDone = Number.POSITIVE_INFINITY;
    // Other clients throughout, and at least 20 answers of theirs after the large bodies.
    const load = drive({ url: gateway.url, concurrency: 8, running: (answers) => loading || answers.filter((a) => a.sent > bigDone).length < 20 });
    const big = Buffer.alloc(limit + 1, 0x20);
    const announced = await fetch(`${gateway.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    // Chunked (no length announced): on a route the preset observes (its body is kept for reading)
    // and on one it does not (streamed straight through).
    const sendChunked = (path: string) => {
      const chunks = [big.subarray(0, limit / 2), big.subarray(limit / 2), Buffer.alloc(1024, 0x20)];
      return fetch(`${gateway.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: new ReadableStream({ pull: (c) => (chunks.length ? c.enqueue(chunks.shift()!) : c.close()) }),
        duplex: 'half',
      } as RequestInit);
    };
    const chunked = await sendChunked('/predict');
    const chunkedElsewhere = await sendChunked('/not/observed');
    const atLimit = await fetch(`${gateway.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big.subarray(0, limit) });
    bigDone = Date.now();
    loading = false;
    const others = await load;
    for (const response of [announced, chunked, chunkedElsewhere]) {
      assert.equal(response.status, 413);
      const body = (await response.json()) as { code: string; message: string; request_id: string };
      assert.equal(body.code, 'MW_GATEWAY_BODY_TOO_LARGE');
      assert.match(body.message, new RegExp(`${limit} bytes`));
      assert.equal(response.headers.get('x-request-id'), body.request_id);
    }
    assert.equal(atLimit.status, 200, 'a body of exactly the limit goes through');
    await atLimit.arrayBuffer();
    assert.ok(others.filter((a) => a.sent > bigDone).length >= 20 && others.every((a) => a.status === 200), JSON.stringify(tally(others)));
    assert.equal(await metricSum(gateway.url, 'gateway_http_requests_total', { status: '413' }), 3);
    assert.equal(await metricSum(gateway.url, 'gateway_upstream_errors_total'), 0, 'a client\'s body is not the model server failing');
    assert.equal(((await (await fetch(`${gateway.url}${PREFIX}/status`)).json()) as { in_flight: number }).in_flight, 0, 'the aborted call left the in-flight count');
  });
});
