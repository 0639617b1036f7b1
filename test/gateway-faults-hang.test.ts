/**
 * A model server that accepts connections, reads every request and never answers, behind the
 * built CLI's `modelwatch gateway`, each its own process: each call is a 504 MW_UPSTREAM_TIMEOUT
 * after --timeout; beyond --max-in-flight calls a client gets 503 MW_GATEWAY_OVERLOADED at once
 * instead of a queue; the model server never holds more connections than that bound; and the
 * gateway's resident memory stays bounded over thousands of requests with bodies. The breaker is
 * off here (--circuit-failures 0): with it, timeouts would open the circuit and hide the bound.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { drive, metricSum, percentile, PREFIX, rssMib, startGateway, startUpstream, tally, watchOwnEndpoints, type Gateway, type Upstream } from './helpers/gateway-faults.js';

const TIMEOUT_SECONDS = 1;
const MAX_IN_FLIGHT = 20;

describe('the gateway in front of a model server that never answers', () => {
  let upstream: Upstream;
  let gateway: Gateway;
  before(async () => {
    upstream = await startUpstream('silent');
    // A capped old space: V8 otherwise grows its heap lazily by 100 MiB or more under a burst of
    // garbage, which an RSS bound cannot tell from requests held. Capped, memory held without bound
    // ends the process (out of memory) and the bound measures what is kept.
    gateway = await startGateway(upstream.url, ['--timeout', String(TIMEOUT_SECONDS), '--max-in-flight', String(MAX_IN_FLIGHT), '--circuit-failures', '0'], '--max-old-space-size=128');
  });
  after(async () => {
    await gateway?.stop();
    upstream?.process.kill('SIGKILL');
  });

  test(`each call is a 504 MW_UPSTREAM_TIMEOUT after --timeout ${TIMEOUT_SECONDS} s, counted as a timeout`, async () => {
    const end = Date.now() + 2500;
    const answers = await drive({ url: gateway.url, concurrency: MAX_IN_FLIGHT / 2, running: () => Date.now() < end });
    assert.deepEqual(tally(answers), { '504 MW_UPSTREAM_TIMEOUT': answers.length });
    assert.ok(answers.length >= MAX_IN_FLIGHT / 2, String(answers.length));
    const times = answers.map((a) => a.ms);
    // Not before the timeout; and not long after it (a loaded machine gets a second of slack).
    assert.ok(Math.min(...times) >= TIMEOUT_SECONDS * 1000 - 50, `fastest ${Math.min(...times).toFixed(0)} ms`);
    assert.ok(Math.max(...times) < TIMEOUT_SECONDS * 1000 + 1500, `slowest ${Math.max(...times).toFixed(0)} ms`);
    assert.equal(await metricSum(gateway.url, 'gateway_upstream_errors_total', { kind: 'timeout' }), answers.length);
  });

  test(`beyond --max-in-flight ${MAX_IN_FLIGHT}: 503 MW_GATEWAY_OVERLOADED at once, the model server never holds more, and the gateway's memory stays bounded over thousands of requests`, async (t) => {
    const body = JSON.stringify({ padding: 'x'.repeat(16 * 1024) });
    let loading = true;
    const answers: Awaited<ReturnType<typeof drive>>[] = [];
    const inFlight: number[] = [];
    const inFlightGauge: number[] = [];
    const own = watchOwnEndpoints(gateway.url, () => loading, 100);
    const sampler = (async () => {
      while (loading) {
        inFlight.push(((await (await fetch(`${gateway.url}${PREFIX}/status`)).json()) as { in_flight: number }).in_flight);
        inFlightGauge.push(await metricSum(gateway.url, 'gateway_upstream_in_flight'));
        await sleep(50);
      }
    })();
    // A warm-up round, then the RSS the bound is measured from, then rounds of thousands more.
    const round = async (requests: number) => {
      let sent = 0;
      answers.push(await drive({ url: gateway.url, concurrency: 64, body, running: () => sent++ < requests }));
    };
    await round(2000);
    const warm = rssMib(gateway.pid);
    const trend: number[] = [];
    for (let i = 0; i < 3; i++) {
      await round(3000);
      trend.push(rssMib(gateway.pid));
    }
    const final = trend.at(-1)!;
    loading = false;
    await sampler;
    const ownAnswers = await own;
    const all = answers.flat();
    const counts = tally(all);
    t.diagnostic(`${all.length} requests: ${JSON.stringify(counts)}; gateway RSS ${warm.toFixed(1)} MiB after warm-up, then ${trend.map((x) => x.toFixed(1)).join(', ')} MiB after each 3000 more; in flight at most ${Math.max(...inFlight)}; the model server held at most ${upstream.maxConnections()} connections`);
    assert.ok(all.length >= 11_000);
    assert.deepEqual(Object.keys(counts).sort(), ['503 MW_GATEWAY_OVERLOADED', '504 MW_UPSTREAM_TIMEOUT']);
    assert.ok(counts['503 MW_GATEWAY_OVERLOADED'] > 10_000, 'most are refused, at once');
    const refused = all.filter((a) => a.code === 'MW_GATEWAY_OVERLOADED');
    assert.ok(refused.every((a) => a.retryAfter === '1'), 'Retry-After: 1');
    assert.ok(percentile(refused.map((a) => a.ms), 50) < 200, `refused at once: p50 ${percentile(refused.map((a) => a.ms), 50).toFixed(1)} ms`);
    assert.ok(Math.max(...inFlight) <= MAX_IN_FLIGHT, `in flight ${Math.max(...inFlight)}`);
    assert.ok(Math.max(...inFlightGauge) <= MAX_IN_FLIGHT && Math.max(...inFlightGauge) >= MAX_IN_FLIGHT / 2, `gateway_upstream_in_flight reached ${Math.max(...inFlightGauge)}`);
    // The model server may see a timed-out call's connection close just after the next one opens
    // (both reach its event loop in the same turn): a few over the bound, never a queue's worth.
    assert.ok(upstream.maxConnections() <= MAX_IN_FLIGHT + 4, `the model server held ${upstream.maxConnections()} connections`);
    assert.equal(await metricSum(gateway.url, 'gateway_requests_refused_total', { reason: 'overloaded' }), counts['503 MW_GATEWAY_OVERLOADED']);
    // Bodies of refused requests are discarded, not kept; calls waiting are bounded: memory is flat.
    assert.ok(final - warm < 40, `RSS grew ${(final - warm).toFixed(1)} MiB over ${all.length - answers[0].length} requests`);
    assert.ok(final < 250, `RSS ${final.toFixed(1)} MiB`);
    assert.deepEqual(ownAnswers.filter((a) => a.status !== 200), [], 'health and metrics answer throughout');
    assert.equal(gateway.child.ended(), undefined, 'the gateway is still running (not out of memory)');
  });
});
