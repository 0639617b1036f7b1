/**
 * Clients that hang up mid-request, over real sockets, against a real listening service: the service
 * keeps answering, and every request answered 200 has its audit line in LOG_FILE.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { startService } from '../src/server/serve.js';
import { SEED_BODY, sampleValue, tempDir, trainedRegistry } from './helpers/fixtures.js';

const BODY = JSON.stringify(SEED_BODY);

/** One raw HTTP/1.1 request, as bytes a socket writes. */
function rawRequest(id: string, path = '/predict', body = BODY): string {
  return `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Request-Id: ${id}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** How a client behaves; all but `read` hang up before (or while) the answer comes. */
type Behaviour = 'destroy-after-write' | 'reset-after-write' | 'destroy-mid-headers' | 'destroy-mid-body' | 'destroy-after-delay' | 'read';
const BEHAVIOURS: readonly Behaviour[] = ['destroy-after-write', 'reset-after-write', 'destroy-mid-headers', 'destroy-mid-body', 'destroy-after-delay', 'read'];

/** What a client saw: the status line's code, when it read one. */
function client(port: number, id: string, behaviour: Behaviour, random: () => number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let received = '';
    const finish = () => resolve(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ? Number(/^HTTP\/1\.1 (\d{3})/.exec(received)![1]) : undefined);
    socket.on('error', () => {}); // a reset is what some of these clients cause
    socket.on('close', finish);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      // One answer per connection: once its body is in, hang up.
      const headerEnd = received.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(received)?.[1];
      if (behaviour === 'read' && headerEnd >= 0 && length && received.length >= headerEnd + 4 + Number(length)) socket.end();
    });
    socket.on('connect', () => {
      const request = rawRequest(id);
      const headerEnd = request.indexOf('\r\n\r\n');
      switch (behaviour) {
        case 'destroy-after-write':
          socket.write(request);
          socket.destroy();
          break;
        case 'reset-after-write':
          socket.write(request, () => socket.resetAndDestroy());
          break;
        case 'destroy-mid-headers':
          socket.write(request.slice(0, 1 + Math.floor(random() * (headerEnd - 1))));
          socket.destroy();
          break;
        case 'destroy-mid-body':
          socket.write(request.slice(0, headerEnd + 4 + 1 + Math.floor(random() * (BODY.length - 2))));
          socket.destroy();
          break;
        case 'destroy-after-delay':
          socket.write(request);
          setTimeout(() => socket.destroy(), random() * 3);
          break;
        case 'read':
          socket.write(request);
          break;
      }
    });
  });
}

/** A deterministic generator (mulberry32), so a failure can be replayed. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A raw connection to the service, open: what it has received so far, and when it closes. */
async function openConnection(port: number): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
  return { socket, received: () => received, closed };
}

describe('clients hanging up mid-request', () => {
  test('hundreds of clients hang up at random points; the service still answers, and every 200 has its prediction line', async (t) => {
    const logFile = join(tempDir(), 'audit.ndjson');
    const config = loadConfig({ MODEL_DIR: trainedRegistry().dir, PORT: '0', HOST: '127.0.0.1', LOG_FILE: logFile, LOG_STDOUT: 'false' });
    const service = await startService(config);
    const port = (service.app.server.address() as { port: number }).port;
    const random = seeded(20261207);
    const seen = new Map<string, number | undefined>();
    const CLIENTS = 1200;
    const WAVE = 200;
    for (let start = 0; start < CLIENTS; start += WAVE) {
      const wave = Array.from({ length: WAVE }, (_, k) => {
        const i = start + k;
        const id = `hang-${i}`;
        const behaviour = BEHAVIOURS[i % BEHAVIOURS.length];
        return client(port, id, behaviour, random).then((status) => seen.set(id, status));
      });
      await Promise.all(wave);
    }
    // The service is alive and answers a normal request.
    const normal = await fetch(`${service.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'after-the-storm' }, body: BODY });
    assert.equal(normal.status, 200);
    assert.equal(((await normal.json()) as { request_id: string }).request_id, 'after-the-storm');
    const answered200 = [...seen].filter(([, status]) => status === 200).map(([id]) => id);
    assert.ok(answered200.length >= CLIENTS / BEHAVIOURS.length, `the clients that read got their answers (${answered200.length})`);
    const status = (await (await fetch(`${service.url}/status`)).json()) as { requests: { predictions: number } };
    await service.close();

    const lines = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const predicted = lines.filter((l) => l.message === 'prediction').map((l) => l.request_id as string);
    const logged = new Set(predicted);
    assert.equal(logged.size, predicted.length, 'one prediction line per request id');
    assert.deepEqual(answered200.filter((id) => !logged.has(id)), [], 'every request answered 200 has its prediction line');
    assert.ok(logged.has('after-the-storm'));
    // Answers made for clients already gone are recorded too: the model made those predictions.
    assert.ok(predicted.length > answered200.length, `predictions for clients that hung up are logged too (${predicted.length} lines, ${answered200.length} read)`);
    assert.equal(status.requests.predictions, predicted.length, 'every prediction counted is logged, and no other');
    const errors = lines.filter((l) => l.level === 'ERROR');
    assert.deepEqual(errors, [], 'nothing failed while recording');
    t.diagnostic(`${CLIENTS} clients: ${answered200.length} read a 200, all ${answered200.length} with their line; ${predicted.length} prediction lines in all (answers to clients already gone included); the service answered afterwards`);
  });

  test('a request in flight when the stop begins is answered, and its kept-alive connection does not hold the stop', async () => {
    const config = loadConfig({ MODEL_DIR: trainedRegistry().dir, PORT: '0', HOST: '127.0.0.1', LOG_STDOUT: 'false' });
    const service = await startService(config);
    const port = (service.app.server.address() as { port: number }).port;
    const { socket, received, closed } = await openConnection(port);
    const request = rawRequest('in-flight');
    socket.write(request.slice(0, request.length - 20));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const began = performance.now();
    const stopping = service.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The rest of the body, and nothing more: the client keeps the connection open, as clients do.
    socket.write(request.slice(request.length - 20));
    await stopping;
    const stoppedIn = performance.now() - began;
    await closed;
    assert.match(received(), /^HTTP\/1\.1 200 /, 'the request in flight is answered');
    assert.ok(stoppedIn < 5000, `stopped in ${Math.round(stoppedIn)} ms, within the default SHUTDOWN_TIMEOUT_SECONDS (10 s)`);
  });

  test('a request that arrives on an open connection while the service stops gets a coded 503', async () => {
    const config = loadConfig({ MODEL_DIR: trainedRegistry().dir, PORT: '0', HOST: '127.0.0.1', LOG_STDOUT: 'false' });
    const service = await startService(config);
    const port = (service.app.server.address() as { port: number }).port;
    const { socket, received, closed } = await openConnection(port);
    // The first request is in flight (half its body sent) when the stop begins.
    const first = rawRequest('in-flight');
    const cut = first.length - 20;
    socket.write(first.slice(0, cut));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stopping = service.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.write(first.slice(cut) + rawRequest('too-late'));
    await closed;
    await stopping;
    const answers = received().split(/(?=HTTP\/1\.1 )/);
    assert.match(answers[0], /^HTTP\/1\.1 200 /, 'the request in flight is finished');
    assert.match(answers[1] ?? '', /^HTTP\/1\.1 503 /, `the one after the stop began is refused: ${received().slice(0, 600)}`);
    const body = JSON.parse(answers[1].slice(answers[1].indexOf('\r\n\r\n') + 4)) as { code: string; request_id: string };
    assert.equal(body.code, 'MW_SHUTTING_DOWN');
    assert.equal(body.request_id, 'too-late');
    assert.match(answers[1], /connection: close/i);
    // Counted like any answer: the client saw a server error.
    const scrape = await service.metrics.registry.metrics();
    assert.equal(sampleValue(scrape, 'http_request_duration_seconds_count', { method: 'POST', route: '/predict', status_code: '503' }), 1, 'the refused request is in the metrics');
  });
});
