import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { brotliCompressSync, createGunzip, deflateSync, gzipSync } from 'node:zlib';
import { decodedBody } from '../src/server/plugins/content-encoding.js';
import { SEED_BODY, sampleValue, testApp, type TestApp } from './helpers/fixtures.js';

const JSON_BODY = Buffer.from(JSON.stringify(SEED_BODY));

describe('Content-Encoding of request bodies', () => {
  let t: TestApp;
  let plain: { prediction: number; probability: number };
  before(async () => {
    t = await testApp({ BODY_LIMIT_BYTES: '65536' });
    plain = (await t.app.inject({ method: 'POST', url: '/predict', payload: SEED_BODY })).json();
  });
  after(() => t.app.close());

  const post = (payload: Buffer, encoding: string, url = '/predict') =>
    t.app.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json', 'content-encoding': encoding } });

  for (const [encoding, encode] of [
    ['gzip', gzipSync],
    ['x-gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
    ['identity', (b: Buffer) => b],
    ['GZIP, identity', gzipSync],
  ] as const) {
    test(`a body encoded with ${encoding} is decoded and predicted like the plain one`, async () => {
      const res = await post(encode(JSON_BODY), encoding);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().probability, plain.probability);
    });
  }

  test('a batch sent gzipped is decoded too', async () => {
    const res = await post(gzipSync(Buffer.from(JSON.stringify({ rows: [SEED_BODY, SEED_BODY] }))), 'gzip', '/predict/batch');
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().predictions.length, 2);
  });

  test('plain JSON labelled gzip is a coded 400, never parsed as JSON', async () => {
    const before = sampleValue(await t.metrics.registry.metrics(), 'ml_input_validation_failures_total', { reason: 'invalid_encoding', endpoint: '/predict' });
    const res = await post(JSON_BODY, 'gzip');
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().code, 'MW_INVALID_CONTENT_ENCODING');
    assert.match(res.json().message, /not valid gzip/);
    assert.equal(res.json().request_id, res.headers['x-request-id']);
    const afterCount = sampleValue(await t.metrics.registry.metrics(), 'ml_input_validation_failures_total', { reason: 'invalid_encoding', endpoint: '/predict' });
    assert.equal(afterCount, (before ?? 0) + 1, 'counted as a rejection');
  });

  test('a truncated gzip body is a coded 400', async () => {
    const gz = gzipSync(JSON_BODY);
    const res = await post(gz.subarray(0, gz.length - 10), 'gzip');
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().code, 'MW_INVALID_CONTENT_ENCODING');
  });

  // `constructor`, `__proto__`, `tostring`: names an object literal would find on Object itself.
  for (const encoding of ['compress', 'zstd', 'gzip, br', 'x'.repeat(3000), 'constructor', '__proto__', 'tostring', 'hasOwnProperty']) {
    test(`Content-Encoding "${encoding.slice(0, 20)}" is a coded 415 that names it, bounded`, async () => {
      const res = await post(JSON_BODY, encoding);
      assert.equal(res.statusCode, 415);
      assert.equal(res.json().code, 'MW_UNSUPPORTED_CONTENT_ENCODING');
      assert.ok(res.json().message.includes(encoding.slice(0, 50)));
      assert.ok(res.body.length < 600, `the echo is bounded (${res.body.length} bytes)`);
    });
  }

  test('a zip bomb is a 413 on its decoded size, and decoding stops there', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, ' ')); // 64 MiB of spaces, ~64 KiB gzipped
    assert.ok(bomb.length < 65536, `the compressed bomb fits the body limit (${bomb.length} bytes)`);
    const rssBefore = process.memoryUsage.rss();
    const res = await post(bomb, 'gzip');
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().code, 'MW_BODY_TOO_LARGE');
    assert.ok(process.memoryUsage.rss() - rssBefore < 32 * 1024 * 1024, 'the decoded bomb was never held');
  });

  test('decoding a zip bomb stops near the limit: the decoder inflates a sliver of its 64 MiB, then is destroyed', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, ' '));
    const limit = 65536;
    const decoder = createGunzip();
    // Every byte the decoder inflates passes here; this listener also keeps it flowing, so a decoder
    // left running after the body failed would inflate the whole bomb and count it.
    let inflated = 0;
    decoder.on('data', (chunk: Buffer) => (inflated += chunk.length));
    const closed = once(decoder, 'close');
    const body = decodedBody(Readable.from([bomb]), decoder, 'gzip', limit);
    const failure = once(body, 'error');
    body.resume();
    const [error] = (await failure) as [{ code?: string }];
    assert.equal(error.code, 'MW_BODY_TOO_LARGE');
    await Promise.race([closed, sleep(5000)]);
    assert.ok(decoder.destroyed, 'the decoder was destroyed when the body failed');
    assert.ok(inflated < 1024 * 1024, `${inflated} bytes inflated of the bomb's ${64 * 1024 * 1024} (limit ${limit})`);
  });

  test('a body whose compressed size exceeds the limit is refused before decoding', async () => {
    const noise = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7919) % 251));
    const res = await post(gzipSync(noise), 'gzip');
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().code, 'MW_BODY_TOO_LARGE');
  });
});
