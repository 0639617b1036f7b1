/**
 * The gateway's forwarding (src/gateway/forward.ts) against plain node:http upstreams that show
 * what they receive: bodies streamed both ways without being held back, the message's headers
 * kept and the connection's dropped, and a client that leaves before the answer releasing its
 * place and dropping the upstream call.
 */
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { buildGateway, GATEWAY_PREFIX } from '../src/gateway/app.js';
import { endToEnd, kindOf } from '../src/gateway/forward.js';
import { sampleValue } from './helpers/fixtures.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function upstreamWith(handler: Handler): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function gatewayTo(upstream: string, timeoutSeconds = 5) {
  const { app } = await buildGateway({ upstream, preset: 'native', timeoutSeconds, prefix: GATEWAY_PREFIX });
  return { app, url: await app.listen({ port: 0, host: '127.0.0.1' }) };
}

const closers: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close();
});

async function pair(handler: Handler, timeoutSeconds?: number) {
  const upstream = await upstreamWith(handler);
  closers.push(() => new Promise((resolve) => upstream.server.close(resolve)), () => Promise.resolve(upstream.server.closeAllConnections()));
  const gateway = await gatewayTo(upstream.url, timeoutSeconds);
  closers.push(() => gateway.app.close());
  return gateway;
}

describe('gateway forwarding', () => {
  test('the answer streams through: its first part reaches the client before the upstream has written the rest', async () => {
    let finish: (() => void) | undefined;
    const gateway = await pair((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first part;');
      finish = () => res.end('second part');
    });
    const response = await fetch(`${gateway.url}/stream`);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    const first = await reader.read();
    assert.equal(decoder.decode(first.value), 'first part;', 'the first part arrived on its own');
    assert.ok(finish, 'the upstream is still holding the rest');
    finish();
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += decoder.decode(chunk.value);
    assert.equal(rest, 'second part');
  });

  test('a large chunked request body arrives byte for byte, with path, query and the message\'s headers; hop-by-hop headers stay behind', async () => {
    const received: { url?: string; headers?: IncomingMessage['headers']; bytes?: Buffer } = {};
    const gateway = await pair((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        Object.assign(received, { url: req.url, headers: req.headers, bytes: Buffer.concat(chunks) });
        res.writeHead(201, [['set-cookie', 'a=1'], ['set-cookie', 'b=2'], ['x-model', 'm1'], ['connection', 'keep-alive, x-secret'], ['x-secret', 'hop']]);
        res.end('stored');
      });
    });
    const body = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = (i * 7) % 251;
    const answer = await new Promise<{ status: number; headers: IncomingMessage['headers']; text: string }>((resolve, reject) => {
      const req = httpRequest(`${gateway.url}/v2/models/m/infer?verbose=1`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream', 'x-custom': 'kept', 'x-request-id': 'fwd-1', connection: 'keep-alive, x-drop', 'x-drop': 'hop' } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
      });
      req.on('error', reject);
      // Written in pieces with no content-length: sent chunked.
      for (let offset = 0; offset < body.length; offset += 256 * 1024) req.write(body.subarray(offset, offset + 256 * 1024));
      req.end();
    });
    assert.equal(received.url, '/v2/models/m/infer?verbose=1');
    assert.ok(received.bytes!.equals(body), 'the body arrived byte for byte');
    assert.equal(received.headers!['x-custom'], 'kept');
    assert.equal(received.headers!['x-request-id'], 'fwd-1');
    assert.equal(received.headers!['x-drop'], undefined, 'a header the client\'s Connection names is not forwarded');
    assert.equal(answer.status, 201);
    assert.equal(answer.text, 'stored');
    assert.deepEqual(answer.headers['set-cookie'], ['a=1', 'b=2'], 'repeated headers kept apart');
    assert.equal(answer.headers['x-model'], 'm1');
    assert.equal(answer.headers['x-request-id'], 'fwd-1');
    assert.equal(answer.headers['x-secret'], undefined, 'a header the upstream\'s Connection names is not returned');
  });

  test('a client that leaves before the answer: the upstream call is dropped, its place released, nothing judged', async () => {
    let upstreamSawClose!: () => void;
    const closed = new Promise<void>((resolve) => (upstreamSawClose = resolve));
    const gateway = await pair((req) => req.socket.once('close', upstreamSawClose), 30);
    const controller = new AbortController();
    const pending = fetch(`${gateway.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}', signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 200));
    controller.abort();
    await assert.rejects(pending);
    await closed;
    const status = (await (await fetch(`${gateway.url}${GATEWAY_PREFIX}/status`)).json()) as { in_flight: number; circuit: string };
    assert.equal(status.in_flight, 0);
    assert.equal(status.circuit, 'closed');
    const text = await (await fetch(`${gateway.url}${GATEWAY_PREFIX}/metrics`)).text();
    assert.equal(sampleValue(text, 'gateway_upstream_errors_total', { kind: 'timeout' }), 0, 'not counted as an upstream failure');
  });
});

describe('forward.ts helpers', () => {
  test('endToEnd drops hop-by-hop headers and those the Connection header names', () => {
    assert.deepEqual(endToEnd({ connection: 'Keep-Alive, X-Trace', 'keep-alive': 'timeout=5', 'x-trace': '1', 'transfer-encoding': 'chunked', host: 'a', expect: '100-continue', 'content-type': 'text/plain', 'set-cookie': ['a', 'b'] }), { 'content-type': 'text/plain', 'set-cookie': ['a', 'b'] });
  });

  test('kindOf names what undici and the socket report', () => {
    const error = (code: string, cause?: string) => Object.assign(new Error(code), { code, cause: cause ? { code: cause } : undefined });
    assert.equal(kindOf(error('ECONNREFUSED')), 'unreachable');
    assert.equal(kindOf(error('UND_ERR_HEADERS_TIMEOUT')), 'timeout');
    assert.equal(kindOf(error('UND_ERR_CONNECT_TIMEOUT')), 'timeout');
    assert.equal(kindOf(error('UND_ERR_SOCKET', 'ECONNRESET')), 'reset');
    assert.equal(kindOf(error('ERR_SOMETHING')), 'other');
  });
});
