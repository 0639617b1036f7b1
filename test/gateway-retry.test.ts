/**
 * The gateway's retries: a connection that fails before any answer is tried once more for an
 * idempotent request without a body, never for a POST, and never on an answer — a 503 from the
 * upstream reaches the client unchanged (the proxy library would otherwise retry a GET's 503 up to
 * ten times on its own).
 */
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { buildGateway, GATEWAY_PREFIX, type Gateway } from '../src/gateway/app.js';
import { sampleValue } from './helpers/fixtures.js';

describe('gateway retries', () => {
  let upstream: Server;
  let gateway: Gateway;
  let url: string;
  /** Requests seen by the upstream, and how many of the next ones to drop before answering. */
  const seen: string[] = [];
  let dropNext = 0;
  before(async () => {
    upstream = createServer((socket: Socket) => {
      socket.on('data', (chunk) => {
        const line = chunk.toString('latin1').split('\r\n', 1)[0];
        seen.push(line);
        if (dropNext > 0) {
          dropNext--;
          socket.destroy();
          return;
        }
        const body = line.includes('/busy') ? 'busy' : 'ok';
        const status = line.includes('/busy') ? '503 Service Unavailable' : '200 OK';
        socket.write(`HTTP/1.1 ${status}\r\ncontent-length: ${body.length}\r\nretry-after: 0\r\n\r\n${body}`);
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const { port } = upstream.address() as { port: number };
    gateway = await buildGateway({ upstream: `http://127.0.0.1:${port}`, preset: 'native', timeoutSeconds: 5, prefix: GATEWAY_PREFIX, circuitFailures: 0, config: loadConfig({}, { LOG_STDOUT: false }) });
    url = await gateway.app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await gateway?.app.close();
    upstream?.close();
  });

  const retried = async () => sampleValue(await (await fetch(`${url}${GATEWAY_PREFIX}/metrics`)).text(), 'gateway_upstream_retries_total');

  test('a GET whose connection failed is tried once more and answered', async () => {
    seen.length = 0;
    dropNext = 1;
    const response = await fetch(`${url}/health`);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'ok');
    assert.equal(seen.length, 2, 'the upstream saw it twice');
    assert.equal(await retried(), 1);
  });

  test('a GET failing twice is not tried a third time: 502', async () => {
    seen.length = 0;
    dropNext = 2;
    const response = await fetch(`${url}/health`);
    assert.equal(response.status, 502);
    assert.equal(seen.length, 2);
    assert.equal(await retried(), 2);
  });

  test('a POST is never retried: 502 after one attempt', async () => {
    seen.length = 0;
    dropNext = 1;
    const response = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    assert.equal(response.status, 502);
    assert.equal(seen.length, 1);
    assert.equal(await retried(), 2);
  });

  test('an answer is never retried: a GET answered 503 reaches the client once, unchanged', async () => {
    seen.length = 0;
    const response = await fetch(`${url}/busy`);
    assert.equal(response.status, 503);
    assert.equal(await response.text(), 'busy');
    assert.equal(seen.length, 1);
  });
});
