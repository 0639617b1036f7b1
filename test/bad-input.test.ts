import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { InjectOptions } from 'fastify';
import { SEED_BODY, sampleValue, testApp, type TestApp } from './helpers/fixtures.js';

type Inject = InjectOptions;

interface Case {
  readonly name: string;
  readonly request: Inject;
  readonly status: number;
  readonly code: string;
  readonly reason: string;
  /** Problems that must be listed: field and reason. */
  readonly problems?: readonly { field: string; reason: string; got?: unknown }[];
}

const json = (payload: unknown, url = '/predict'): Inject => ({ method: 'POST', url, payload: payload as object });
const raw = (payload: string, contentType?: string, url = '/predict'): Inject => ({ method: 'POST', url, payload, headers: contentType ? { 'content-type': contentType } : {} });
const without = (...fields: string[]) => Object.fromEntries(Object.entries(SEED_BODY).filter(([k]) => !fields.includes(k)));

const CASES: Case[] = [
  { name: 'missing fields', request: json(without('age', 'job')), status: 400, code: 'MW_INVALID_INPUT', reason: 'missing_field', problems: [{ field: 'age', reason: 'missing_field' }, { field: 'job', reason: 'missing_field' }] },
  { name: 'wrong types', request: json({ ...SEED_BODY, age: '30', housing: true }), status: 400, code: 'MW_INVALID_INPUT', reason: 'wrong_type', problems: [{ field: 'age', reason: 'wrong_type', got: '30' }, { field: 'housing', reason: 'wrong_type', got: true }] },
  { name: 'a non-integer where an integer is expected', request: json({ ...SEED_BODY, campaign: 2.5 }), status: 400, code: 'MW_INVALID_INPUT', reason: 'wrong_type', problems: [{ field: 'campaign', reason: 'wrong_type', got: 2.5 }] },
  { name: 'null for a field', request: json({ ...SEED_BODY, loan: null }), status: 400, code: 'MW_INVALID_INPUT', reason: 'wrong_type', problems: [{ field: 'loan', reason: 'wrong_type', got: null }] },
  { name: 'unknown categories', request: json({ ...SEED_BODY, job: 'astronaut', month: 'smarch' }), status: 400, code: 'MW_INVALID_INPUT', reason: 'unknown_category', problems: [{ field: 'job', reason: 'unknown_category', got: 'astronaut' }, { field: 'month', reason: 'unknown_category', got: 'smarch' }] },
  { name: 'out-of-range numbers', request: json({ ...SEED_BODY, age: 150, duration: -1 }), status: 400, code: 'MW_INVALID_INPUT', reason: 'out_of_range', problems: [{ field: 'age', reason: 'out_of_range', got: 150 }, { field: 'duration', reason: 'out_of_range', got: -1 }] },
  { name: 'non-finite numbers', request: raw('{"age":30,"job":"admin","marital":"single","education":"secondary","housing":"yes","loan":"no","duration":1e400,"campaign":2}', 'application/json'), status: 400, code: 'MW_INVALID_INPUT', reason: 'non_finite', problems: [{ field: 'duration', reason: 'non_finite' }] },
  { name: 'too many extra fields', request: json({ ...SEED_BODY, ...Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`extra${i}`, i])) }), status: 400, code: 'MW_INVALID_INPUT', reason: 'too_many_fields', problems: [{ field: '(body)', reason: 'too_many_fields' }] },
  { name: 'a JSON array instead of an object', request: raw('[1,2]', 'application/json'), status: 400, code: 'MW_INVALID_INPUT', reason: 'wrong_type', problems: [{ field: '(body)', reason: 'wrong_type', got: 'array' }] },
  { name: 'non-JSON', request: raw('{"age": 30,', 'application/json'), status: 400, code: 'MW_INVALID_JSON', reason: 'invalid_json' },
  { name: 'wrong content type', request: raw('age=30&job=admin', 'application/x-www-form-urlencoded'), status: 415, code: 'MW_UNSUPPORTED_MEDIA_TYPE', reason: 'unsupported_media_type' },
  { name: 'text/plain content type', request: raw(JSON.stringify(SEED_BODY), 'text/plain'), status: 415, code: 'MW_UNSUPPORTED_MEDIA_TYPE', reason: 'unsupported_media_type' },
  { name: 'empty body with a JSON content type', request: raw('', 'application/json'), status: 400, code: 'MW_EMPTY_BODY', reason: 'empty_body' },
  { name: 'empty body without a content type', request: { method: 'POST', url: '/predict' }, status: 400, code: 'MW_EMPTY_BODY', reason: 'empty_body' },
  { name: 'oversized body', request: raw(JSON.stringify({ ...SEED_BODY, pad: 'x'.repeat(5000) }), 'application/json'), status: 413, code: 'MW_BODY_TOO_LARGE', reason: 'body_too_large' },
  { name: 'oversized batch', request: json({ rows: [SEED_BODY, SEED_BODY, SEED_BODY, SEED_BODY] }, '/predict/batch'), status: 413, code: 'MW_BATCH_TOO_LARGE', reason: 'batch_too_large' },
  { name: 'a batch without rows', request: json({ items: [] }, '/predict/batch'), status: 400, code: 'MW_INVALID_BATCH', reason: 'invalid_batch' },
  { name: 'a batch with a bad row', request: json({ rows: [SEED_BODY, { ...SEED_BODY, age: -5 }] }, '/predict/batch'), status: 400, code: 'MW_INVALID_INPUT', reason: 'out_of_range', problems: [{ field: 'rows[1].age', reason: 'out_of_range', got: -5 }] },
];

describe('bad input gets a 4xx that names each problem and is counted', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp({ BATCH_MAX_ROWS: '3', BODY_LIMIT_BYTES: '4096', PREDICT_MAX_EXTRA_FIELDS: '8' });
  });
  after(() => t.app.close());

  for (const c of CASES) {
    test(c.name, async () => {
      const endpoint = String(c.request.url);
      const before = sampleValue(await t.metrics.registry.metrics(), 'ml_input_validation_failures_total', { reason: c.reason, endpoint }) ?? 0;
      const res = await t.app.inject(c.request);
      assert.equal(res.statusCode, c.status, res.body);
      const body = res.json();
      assert.equal(body.code, c.code);
      assert.equal(body.statusCode, c.status);
      assert.ok(typeof body.message === 'string' && body.message.length > 10, 'a message a person can act on');
      assert.equal(body.request_id, res.headers['x-request-id']);
      for (const expected of c.problems ?? []) {
        const found = body.problems?.find((p: { field: string }) => p.field === expected.field);
        assert.ok(found, `problem for ${expected.field} listed in ${JSON.stringify(body.problems)}`);
        assert.equal(found.reason, expected.reason);
        assert.ok(found.expected, 'says what was expected');
        if ('got' in expected) assert.deepEqual(found.got, expected.got);
      }
      const afterCount = sampleValue(await t.metrics.registry.metrics(), 'ml_input_validation_failures_total', { reason: c.reason, endpoint });
      assert.equal(afterCount, before + 1, `ml_input_validation_failures_total{reason="${c.reason}"} counted`);
    });
  }

  test('every problem of a request is listed at once', async () => {
    const res = await t.app.inject(json({ age: 'old', job: 'astronaut', marital: 'single', education: 'secondary', housing: 'yes', loan: 'no', duration: 99999 }));
    const fields = res.json().problems.map((p: { field: string }) => p.field).sort();
    assert.deepEqual(fields, ['age', 'campaign', 'duration', 'job']);
  });

  test('a batch with thousands of problems lists at most 50 of them, counts the rest and names five in the message', async () => {
    const roomy = await testApp({ BATCH_MAX_ROWS: '100' });
    const bad = { age: 'x', job: 1, marital: 2, education: 3, housing: 4, loan: 5, duration: 'y', campaign: 'z' };
    const res = await roomy.app.inject(json({ rows: Array.from({ length: 100 }, () => bad) }, '/predict/batch'));
    assert.equal(res.statusCode, 400);
    const body = res.json();
    assert.equal(body.code, 'MW_INVALID_INPUT');
    assert.equal(body.problems.length, 50);
    assert.equal(body.problems_omitted, 750);
    assert.match(body.message, /and 795 more \(see problems\)$/);
    assert.ok(res.body.length < 16_384, `bounded: ${res.body.length} bytes`);
    await roomy.app.close();
  });

  test('the limit counts unknown fields only, whatever the number of features sent', async () => {
    const unknown = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`x${i}`, i]));
    assert.equal((await t.app.inject(json({ ...SEED_BODY, ...unknown(8) }))).statusCode, 200);
    const res = await t.app.inject(json({ ...SEED_BODY, ...unknown(9) }));
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().problems[0].reason, 'too_many_fields');
    assert.match(res.json().problems[0].got, /^9 unknown fields/);
  });

  test('a deeply nested value is named by its type, and the answer keeps its coded shape', async () => {
    const deep = `${'['.repeat(20_000)}1${']'.repeat(20_000)}`;
    const roomy = await testApp(); // the default body limit, so 40 KB of brackets get through
    const res = await roomy.app.inject(raw(`{"age":${deep},"job":"admin","marital":"single","education":"secondary","housing":"yes","loan":"no","duration":200,"campaign":2}`, 'application/json'));
    assert.equal(res.statusCode, 400);
    const body = res.json();
    assert.equal(body.code, 'MW_INVALID_INPUT');
    assert.equal(body.request_id, res.headers['x-request-id']);
    assert.deepEqual(body.problems[0], { field: 'age', reason: 'wrong_type', expected: 'an integer in 18..100', got: 'array' });
    await roomy.app.close();
  });

  test('a JSON null body is not an empty body', async () => {
    const single = await t.app.inject(raw('null', 'application/json'));
    assert.equal(single.statusCode, 400);
    assert.equal(single.json().code, 'MW_INVALID_INPUT');
    assert.equal(single.json().problems[0].got, 'null');
    const batch = await t.app.inject(raw('null', 'application/json', '/predict/batch'));
    assert.equal(batch.statusCode, 400);
    assert.equal(batch.json().code, 'MW_INVALID_BATCH');
  });

  test('a URL that cannot be decoded gets a coded 400 with a request id', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/predict%', payload: SEED_BODY });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().code, 'MW_BAD_URL');
    assert.equal(res.json().request_id, res.headers['x-request-id']);
  });

  test('a 4xx the HTTP layer raises without a modelwatch code keeps its status and gets MW_BAD_REQUEST, bounded', async () => {
    const other = await testApp();
    other.app.get('/raises-405', () => {
      throw Object.assign(new Error(`method refused: ${'Z'.repeat(5000)}`), { statusCode: 405, code: 'FST_ERR_SOMETHING' });
    });
    const res = await other.app.inject({ method: 'GET', url: '/raises-405' });
    assert.equal(res.statusCode, 405);
    assert.equal(res.json().code, 'MW_BAD_REQUEST');
    assert.equal(res.json().statusCode, 405);
    assert.ok(res.body.length < 500, `the message is cut (${res.body.length} bytes)`);
    await other.app.close();
  });

  test('a few unknown fields are tolerated and ignored', async () => {
    const res = await t.app.inject(json({ ...SEED_BODY, client_ref: 'abc', note: 'x' }));
    assert.equal(res.statusCode, 200);
  });

  test('unknown routes get a coded 404, and rejections are audited', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/nope?x=1' });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().code, 'MW_ROUTE_NOT_FOUND');
    t.log.flush();
    const rejected = t.captured.lines.filter((l) => l.message === 'request rejected');
    assert.ok(rejected.length >= CASES.length);
    assert.ok(rejected.every((l) => l.level === 'WARNING' && (l.error as { code: string }).code.startsWith('MW_')));
  });
});
