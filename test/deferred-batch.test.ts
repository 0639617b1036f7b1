import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { DeferredBatch } from '../src/util/deferred-batch.js';

test('a deferred batch processes in arrival order when full, on flush, and after its wait', async () => {
  const done: number[] = [];
  const batch = new DeferredBatch<number>((n) => done.push(n), 3, 20);
  batch.push(1);
  batch.push(2);
  assert.deepEqual(done, [], 'nothing before the batch fills');
  batch.push(3);
  assert.deepEqual(done, [1, 2, 3], 'a full batch is processed at once');
  batch.push(4);
  batch.flush();
  assert.deepEqual(done, [1, 2, 3, 4]);
  assert.equal(batch.pending, 0);
  batch.push(5);
  await sleep(60);
  assert.deepEqual(done, [1, 2, 3, 4, 5], 'a lone item waits at most maxWaitMs');
});

test('work queued while a batch is processed is processed in the same flush, and a nested flush is a no-op', () => {
  const done: string[] = [];
  const batch: DeferredBatch<string> = new DeferredBatch<string>((item) => {
    done.push(item);
    if (item === 'a') {
      batch.push('a-child');
      batch.flush();
    }
  }, 64);
  batch.push('a');
  batch.push('b');
  batch.flush();
  assert.deepEqual(done, ['a', 'b', 'a-child']);
  assert.equal(batch.pending, 0);
});
