/**
 * Hostile requests against every route: every error answer carries a code from src/errors.ts, none
 * is a 5xx, and none echoes more than a bounded excerpt of what was sent — in the answer or in the
 * audit log.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { loadConfig } from '../src/config.js';
import { ERROR_CODES, MAX_ECHO_CHARS } from '../src/errors.js';
import { startService, type RunningService } from '../src/server/serve.js';
import { SEED_BODY, tempDir, trainedRegistry } from './helpers/fixtures.js';

const TOKEN = 'hostile-test-admin-token';
/** The filler of every long hostile value: an answer must never hold a long run of it. */
const Z = (n: number) => 'Z'.repeat(n);
const LONG_ECHO = new RegExp(`Z{${2 * MAX_ECHO_CHARS + 1}}`);
/** Largest error answer accepted: a message of a few problems and at most 50 problems listed. */
const MAX_ERROR_BODY = 16 * 1024;

const deepArray = (n: number) => `${'['.repeat(n)}1${']'.repeat(n)}`;
const deepObject = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
const everyField = (value: string) => `{${Object.keys(SEED_BODY).map((k) => `"${k}":${value}`).join(',')}}`;

/** Bodies no client should send, as raw text (JSON or not). */
const HOSTILE_BODIES: Record<string, string> = {
  'deep array': deepArray(50_000),
  'deep object': deepObject(20_000),
  'deep value in every field': everyField(deepArray(2_000)),
  'long string in every field': everyField(`"${Z(5_000)}"`),
  'long keys': `{${Array.from({ length: 40 }, (_, i) => `"${Z(1_000)}${i}":1`).join(',')}}`,
  'many keys': `{${Array.from({ length: 5_000 }, (_, i) => `"k${i}":${i}`).join(',')}}`,
  'feedback with a deep actual': `{"request_id":"x","actual":${deepArray(20_000)}}`,
  'feedback with a deep id': `{"request_id":${deepObject(20_000)},"actual":1}`,
  'feedback with a long actual': `{"request_id":"x","actual":"${Z(5_000)}"}`,
  'feedback batch of deep items': `{"feedback":[${Array.from({ length: 20 }, () => deepArray(1_000)).join(',')}]}`,
  'batch of deep rows': `{"rows":[${Array.from({ length: 20 }, () => deepArray(1_000)).join(',')}]}`,
  'batch of long rows': `{"rows":[${Array.from({ length: 100 }, () => everyField(`"${Z(200)}"`)).join(',')}]}`,
  'admin version deep': `{"version":${deepArray(20_000)}}`,
  'admin version long': `{"version":"${Z(5_000)}"}`,
  'invalid JSON, long': `{"age":${Z(5_000)}`,
  'invalid JSON, truncated': '{"age": 30,',
  'not JSON at all': Z(5_000),
  'NUL bytes': '\u0000\u0000{}',
  'overflowing number': '{"age":1e999}',
  'prototype keys': '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}',
  null: 'null',
  'a bare string': `"${Z(5_000)}"`,
  'an empty array': '[]',
  'empty body': '',
  'over the body limit': `{"pad":"${Z(300_000)}"}`,
};

/** Content types and encodings that are not what the service takes. */
const HOSTILE_HEADERS: Record<string, Record<string, string>> = {
  'text/plain': { 'content-type': 'text/plain' },
  'form data': { 'content-type': 'application/x-www-form-urlencoded' },
  'a long content type': { 'content-type': `application/${Z(3_000)}` },
  'an unknown content encoding': { 'content-type': 'application/json', 'content-encoding': Z(3_000) },
  'gzip that is not gzip': { 'content-type': 'application/json', 'content-encoding': 'gzip' },
  'a long request id': { 'content-type': 'application/json', 'x-request-id': Z(3_000) },
};

const POST_ROUTES = ['/predict', '/predict/batch', '/feedback', '/feedback/batch', '/admin/reload'];
const GET_ROUTES = ['/health', '/ready', '/status', '/metrics', '/api/series', '/api/drift', '/api/alerts', '/api/logs', '/console', '/console/x.js'];
const HOSTILE_QUERIES = [`?range=${Z(3_000)}`, `?level=${Z(3_000)}`, `?request_id=${Z(3_000)}`, '?limit=-1&limit=2', `?prediction=${Z(3_000)}`, `?confidence_below=${Z(3_000)}`, '?range=%ZZ'];
const HOSTILE_PATHS = [`/predict/${Z(3_000)}`, '/predict%', `/${'%ZZ'.repeat(500)}`, `/admin/${Z(3_000)}`, `/api/${Z(3_000)}?x=${Z(3_000)}`];

describe('hostile input, every route', () => {
  let service: RunningService;
  let logFile: string;
  const answers: { name: string; status: number; body: string; requestId?: string }[] = [];

  before(async () => {
    logFile = join(tempDir(), 'audit.ndjson');
    service = await startService(
      loadConfig({
        MODEL_DIR: trainedRegistry().dir, PORT: '0', HOST: '127.0.0.1', LOG_FILE: logFile, LOG_STDOUT: 'false', MODEL_WATCH: 'false',
        ADMIN_TOKEN: TOKEN, CONSOLE_ENABLED: 'true', AUDIT_RAW_INPUTS: 'true',
      }),
    );
    const inject = async (name: string, method: 'GET' | 'POST', url: string, payload?: string | Buffer, headers: Record<string, string> = {}) => {
      const res = await service.app.inject({ method, url, payload, headers: { authorization: `Bearer ${TOKEN}`, ...headers } });
      answers.push({ name: `${method} ${url.slice(0, 60)} ${name}`, status: res.statusCode, body: res.body, requestId: res.headers['x-request-id'] as string | undefined });
    };
    for (const url of POST_ROUTES) {
      for (const [name, body] of Object.entries(HOSTILE_BODIES)) await inject(name, 'POST', url, body, { 'content-type': 'application/json' });
      for (const [name, headers] of Object.entries(HOSTILE_HEADERS)) await inject(name, 'POST', url, JSON.stringify(SEED_BODY), headers);
      await inject('gzip of a deep array', 'POST', url, gzipSync(deepArray(100_000)), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    }
    for (const url of GET_ROUTES) for (const query of HOSTILE_QUERIES) await inject('query', 'GET', `${url}${query}`);
    // Bodies no parser reads (a GET, a content type refused before parsing) still go through decoding.
    for (const url of ['/health', '/predict']) {
      for (const contentType of ['application/json', 'text/plain']) {
        await inject('corrupt gzip nobody parses', url === '/health' ? 'GET' : 'POST', url, Z(5_000), { 'content-type': contentType, 'content-encoding': 'gzip' });
      }
    }
    for (const url of HOSTILE_PATHS) {
      await inject('path', 'GET', url);
      await inject('path', 'POST', url, JSON.stringify(SEED_BODY), { 'content-type': 'application/json' });
    }
  });
  after(() => service.close());

  test('every error answer is coded, never a 5xx, and bounded in size', () => {
    const errors = answers.filter((a) => a.status >= 400);
    assert.ok(errors.length > 150, `${errors.length} error answers checked`);
    for (const a of errors) {
      assert.ok(a.status < 500, `${a.name}: no 5xx (${a.status} ${a.body.slice(0, 200)})`);
      const body = JSON.parse(a.body) as { code?: string; statusCode?: number; message?: string; request_id?: string };
      assert.ok(body.code && body.code in ERROR_CODES, `${a.name}: a code from src/errors.ts (${a.body.slice(0, 200)})`);
      assert.equal(body.statusCode, a.status, a.name);
      assert.ok(typeof body.message === 'string' && body.message.length > 10, `${a.name}: a message`);
      assert.equal(body.request_id, a.requestId, `${a.name}: the request id`);
      assert.ok(a.body.length <= MAX_ERROR_BODY, `${a.name}: ${a.body.length} bytes`);
      assert.doesNotMatch(a.body, LONG_ECHO, `${a.name}: echoes at most an excerpt`);
    }
  });

  test('the audit log stays bounded too, and nothing failed while recording', async () => {
    await service.log.drain();
    const lines = readFileSync(logFile, 'utf8').trim().split('\n');
    const rejected = lines.filter((l) => l.includes('"request rejected"'));
    assert.ok(rejected.length > 100, `${rejected.length} rejections logged`);
    for (const line of lines) {
      assert.ok(line.length <= 2 * MAX_ERROR_BODY, `a line of ${line.length} characters`);
      assert.doesNotMatch(line, LONG_ECHO);
    }
    assert.deepEqual(lines.filter((l) => l.includes('"level":"ERROR"')), [], 'no recording or handler failure');
  });

  test('what Node refuses before any route (malformed HTTP, oversized headers) is coded too', async () => {
    const port = (service.app.server.address() as { port: number }).port;
    const raw = (text: string) =>
      new Promise<string>((resolve) => {
        let received = '';
        const socket = connect(port, '127.0.0.1', () => socket.write(text));
        socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
        socket.on('error', () => {});
        socket.on('close', () => resolve(received));
      });
    for (const [name, text, status] of [
      ['garbage', `${Z(100)}\r\n\r\n`, 400],
      ['a bad header', 'POST /predict HTTP/1.1\r\nHost: x\r\nBad Header: \u0001\r\n\r\n', 400],
      ['oversized headers', `GET /health HTTP/1.1\r\nHost: x\r\nX-Pad: ${Z(20_000)}\r\n\r\n`, 431],
      ['a bad content length', 'POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n', 400],
    ] as const) {
      const answer = await raw(text);
      assert.match(answer, new RegExp(`^HTTP/1\\.1 ${status} `), `${name}: ${answer.slice(0, 100)}`);
      const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { code: string; statusCode: number };
      assert.ok(body.code in ERROR_CODES, `${name}: coded (${body.code})`);
      assert.equal(body.statusCode, status);
      assert.doesNotMatch(answer, LONG_ECHO);
    }
    const res = await fetch(`${service.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(SEED_BODY) });
    assert.equal(res.status, 200, 'and the service still answers');
  });
});
