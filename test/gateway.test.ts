/**
 * Gateway mode in front of a real modelwatch server: answers byte-identical to the upstream's,
 * X-Request-Id honoured or generated and passed on, the gateway_* families with bounded endpoints,
 * and the upstream's faults answered by the gateway itself — 502 when it cannot be reached, 504
 * when it does not answer — while the gateway's own endpoints keep working.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../src/config.js';
import { buildGateway, GATEWAY_PREFIX } from '../src/gateway/app.js';
import { startService, type RunningService } from '../src/server/serve.js';
import { closedPort, silentServer } from './helpers/fake-elastic.js';
import { SEED_BODY, sampleValue, trainedRegistry } from './helpers/fixtures.js';

async function gatewayTo(upstream: string, timeoutSeconds = 5, guard: { maxInFlight?: number; circuitFailures?: number } = {}): Promise<{ app: FastifyInstance; url: string }> {
  const { app } = await buildGateway({ upstream, preset: 'native', timeoutSeconds, prefix: GATEWAY_PREFIX, ...guard });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url };
}

const post = (url: string, body: string, headers: Record<string, string> = {}) => fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

describe('modelwatch gateway in front of a modelwatch server', () => {
  let upstream: RunningService;
  let gateway: { app: FastifyInstance; url: string };
  before(async () => {
    upstream = await startService(loadConfig({}, { PORT: 0, HOST: '127.0.0.1', MODEL_DIR: trainedRegistry().dir, LOG_STDOUT: false }));
    gateway = await gatewayTo(upstream.url);
  });
  after(async () => {
    await gateway?.app.close();
    await upstream?.close();
  });

  test('answers are the upstream\'s, byte for byte: a prediction, a rejection, an unknown path', async () => {
    const body = JSON.stringify(SEED_BODY);
    const direct = await post(upstream.url, body, { 'x-request-id': 'same-1' });
    const through = await post(gateway.url, body, { 'x-request-id': 'same-1' });
    assert.equal(through.status, 200);
    assert.equal(await through.text(), await direct.text());
    const bad = JSON.stringify({ age: 'x' });
    const badDirect = await post(upstream.url, bad, { 'x-request-id': 'bad-1' });
    const badThrough = await post(gateway.url, bad, { 'x-request-id': 'bad-1' });
    assert.equal(badThrough.status, 400);
    assert.equal(await badThrough.text(), await badDirect.text());
    const missing = await fetch(`${gateway.url}/no/such/path`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { code: string }).code, 'MW_ROUTE_NOT_FOUND', "the upstream's own 404");
  });

  test('X-Request-Id: generated when absent, passed to the upstream, and answered', async () => {
    const response = await post(gateway.url, JSON.stringify(SEED_BODY));
    const id = response.headers.get('x-request-id');
    assert.ok(id && id.length > 0);
    assert.equal(((await response.json()) as { request_id: string }).request_id, id, 'the upstream answered under the id the gateway gave it');
  });

  test('the gateway_* families, endpoints bounded to the preset\'s routes; its own endpoints under the prefix', async () => {
    const text = await (await fetch(`${gateway.url}${GATEWAY_PREFIX}/metrics`)).text();
    assert.ok(sampleValue(text, 'gateway_http_requests_total', { method: 'POST', endpoint: '/predict', status: '200' })! >= 2);
    assert.equal(sampleValue(text, 'gateway_http_requests_total', { method: 'POST', endpoint: '/predict', status: '400' }), 1);
    assert.equal(sampleValue(text, 'gateway_http_requests_total', { method: 'GET', endpoint: 'other', status: '404' }), 1);
    assert.ok(sampleValue(text, 'gateway_backend_requests_total', { endpoint: '/predict', status: '200' })! >= 2);
    assert.ok(sampleValue(text, 'gateway_http_request_duration_seconds_count', { method: 'POST', endpoint: '/predict' })! >= 3);
    assert.ok(sampleValue(text, 'gateway_backend_request_duration_seconds_count')! >= 4);
    assert.equal(sampleValue(text, 'gateway_upstream_errors_total', { kind: 'unreachable' }), 0);
    assert.equal((await fetch(`${gateway.url}${GATEWAY_PREFIX}/ready`)).status, 200);
    const status = (await (await fetch(`${gateway.url}${GATEWAY_PREFIX}/status`)).json()) as { endpoints: string[] };
    assert.deepEqual(status.endpoints, ['/predict', '/predict/batch']);
  });
});

describe('modelwatch gateway when the upstream fails', () => {
  test('an upstream nobody listens on: 502 naming it, not ready, still healthy, counted', async () => {
    const gateway = await gatewayTo(`http://127.0.0.1:${await closedPort()}`);
    try {
      const response = await post(gateway.url, JSON.stringify(SEED_BODY));
      assert.equal(response.status, 502);
      const body = (await response.json()) as { code: string; message: string };
      assert.equal(body.code, 'MW_UPSTREAM_UNREACHABLE');
      assert.match(body.message, /could not be reached/);
      assert.equal((await fetch(`${gateway.url}${GATEWAY_PREFIX}/health`)).status, 200);
      assert.equal((await fetch(`${gateway.url}${GATEWAY_PREFIX}/ready`)).status, 503);
      const text = await (await fetch(`${gateway.url}${GATEWAY_PREFIX}/metrics`)).text();
      assert.equal(sampleValue(text, 'gateway_upstream_errors_total', { kind: 'unreachable' }), 1);
      assert.equal(sampleValue(text, 'gateway_backend_requests_total', { endpoint: '/predict', status: 'error' }), 1);
      assert.equal(sampleValue(text, 'gateway_http_requests_total', { method: 'POST', endpoint: '/predict', status: '502' }), 1);
    } finally {
      await gateway.app.close();
    }
  });

  test('an upstream that accepts and never answers: 504 after --timeout', async () => {
    const silent = await silentServer();
    const gateway = await gatewayTo(silent.url, 0.5);
    try {
      const started = Date.now();
      const response = await post(gateway.url, JSON.stringify(SEED_BODY));
      assert.equal(response.status, 504);
      assert.equal(((await response.json()) as { code: string }).code, 'MW_UPSTREAM_TIMEOUT');
      assert.ok(Date.now() - started < 5000, 'answered within the timeout, not hanging');
      const text = await (await fetch(`${gateway.url}${GATEWAY_PREFIX}/metrics`)).text();
      assert.equal(sampleValue(text, 'gateway_upstream_errors_total', { kind: 'timeout' }), 1);
    } finally {
      await gateway.app.close();
      await silent.close();
    }
  });

  test('after consecutive failures the circuit opens: 503 with Retry-After at once, the upstream left alone', async () => {
    const gateway = await gatewayTo(`http://127.0.0.1:${await closedPort()}`, 5, { circuitFailures: 2 });
    try {
      for (let i = 0; i < 2; i++) assert.equal((await post(gateway.url, JSON.stringify(SEED_BODY))).status, 502);
      const refused = await post(gateway.url, JSON.stringify(SEED_BODY));
      assert.equal(refused.status, 503);
      assert.ok(Number(refused.headers.get('retry-after')) >= 1);
      assert.equal(((await refused.json()) as { code: string }).code, 'MW_UPSTREAM_CIRCUIT_OPEN');
      const text = await (await fetch(`${gateway.url}${GATEWAY_PREFIX}/metrics`)).text();
      assert.equal(sampleValue(text, 'gateway_requests_refused_total', { reason: 'circuit_open' }), 1);
      assert.equal(sampleValue(text, 'gateway_upstream_errors_total', { kind: 'unreachable' }), 2, 'the refused request never reached for the upstream');
      assert.equal(((await (await fetch(`${gateway.url}${GATEWAY_PREFIX}/status`)).json()) as { circuit: string }).circuit, 'open');
    } finally {
      await gateway.app.close();
    }
  });

  test('beyond --max-in-flight calls waiting on the upstream, 503 at once instead of a growing queue', async () => {
    const silent = await silentServer();
    const gateway = await gatewayTo(silent.url, 2, { maxInFlight: 1 });
    try {
      const waiting = post(gateway.url, JSON.stringify(SEED_BODY));
      await new Promise((resolve) => setTimeout(resolve, 200));
      const started = Date.now();
      const refused = await post(gateway.url, JSON.stringify(SEED_BODY));
      assert.equal(refused.status, 503);
      assert.equal(((await refused.json()) as { code: string }).code, 'MW_GATEWAY_OVERLOADED');
      assert.ok(Date.now() - started < 1000, 'refused at once');
      assert.equal((await waiting).status, 504, 'the call in flight still ends in its own time');
      const text = await (await fetch(`${gateway.url}${GATEWAY_PREFIX}/metrics`)).text();
      assert.equal(sampleValue(text, 'gateway_requests_refused_total', { reason: 'overloaded' }), 1);
    } finally {
      await gateway.app.close();
      await silent.close();
    }
  });
});
