import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inputHash } from '../src/monitoring/audit/input-hash.js';
import { RecentClients } from '../src/monitoring/recent-clients.js';
import { SlidingWindowRatio } from '../src/monitoring/sliding-window.js';
import { completeRow } from '../src/data/row-validation.js';
import { SEED_BODY } from './helpers/fixtures.js';

describe('in-process windows', () => {
  test('RecentClients counts distinct clients in the window and saturates at the cap', () => {
    let now = 0;
    const clients = new RecentClients(1000, 3, () => now);
    for (const c of ['a', 'b', 'a', 'c']) clients.touch(c);
    assert.equal(clients.count(), 3);
    clients.touch('d');
    assert.equal(clients.count(), 3, 'the cap holds');
    assert.equal(clients.saturated, true);
    now = 1500;
    clients.touch('d');
    assert.equal(clients.count(), 1, 'a, b, c expired; d made room for itself');
    assert.equal(clients.saturated, false);
    clients.touch('x'.repeat(500));
    assert.equal(clients.count(), 2, 'long ids are truncated, not rejected');
  });

  test('RecentClients ignores a client with no name (the address of a socket already closed) instead of throwing', () => {
    const clients = new RecentClients(1000, 3, () => 0);
    clients.touch('a');
    assert.doesNotThrow(() => clients.touch(undefined));
    assert.doesNotThrow(() => clients.touch(''));
    assert.equal(clients.count(), 1);
  });

  test('SlidingWindowRatio forgets events older than the window', () => {
    let now = 0;
    const window = new SlidingWindowRatio(10, () => now);
    window.record(true);
    window.record(false);
    assert.equal(window.ratio(), 0.5);
    now = 9_000;
    window.record(false);
    assert.deepEqual(window.counts(), { total: 3, hits: 1 });
    now = 10_500;
    assert.deepEqual(window.counts(), { total: 1, hits: 0 }, 'second 0 left the window');
    now = 100_000;
    assert.equal(window.ratio(), 0, 'no events: ratio 0, not NaN');
  });
});

describe('input_hash', () => {
  test('equal rows hash equal; any changed field changes the hash', () => {
    const row = completeRow({ ...SEED_BODY });
    const hash = inputHash(row);
    assert.match(hash, /^[0-9a-f]{16}$/);
    assert.equal(inputHash(completeRow({ ...SEED_BODY, job: 'admin.' })), hash, 'aliases resolve first');
    const seen = new Set([hash]);
    for (const change of [{ age: 31 }, { job: 'retired' }, { duration: 200.5 }, { pdays: 0 }, { month: 'jun' }, { balance: -1 }]) {
      const other = inputHash(completeRow({ ...SEED_BODY, ...change }));
      assert.ok(!seen.has(other), `changing ${JSON.stringify(change)} changes the hash`);
      seen.add(other);
    }
  });
});
