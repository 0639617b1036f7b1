import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IdIndex } from '../src/monitoring/quality/id-index.js';
import { createRandom } from '../src/util/random.js';

test('the id index agrees with a Map through random inserts and removals (long probe chains, wrap-around)', () => {
  for (const capacity of [1, 7, 64, 1000]) {
    const index = new IdIndex(capacity);
    const truth = new Map<string, number>();
    const holder: (string | undefined)[] = new Array(capacity).fill(undefined);
    const rng = createRandom(capacity);
    for (let step = 0; step < 20_000; step++) {
      const id = `req-${rng.int(capacity * 3)}`;
      const slot = rng.int(capacity);
      if (truth.has(id)) {
        const held = truth.get(id)!;
        index.remove(held);
        truth.delete(id);
        holder[held] = undefined;
      } else {
        const previous = holder[slot];
        if (previous !== undefined) {
          index.remove(slot);
          truth.delete(previous);
        }
        index.insert(id, slot);
        truth.set(id, slot);
        holder[slot] = id;
      }
      if (step % 97 === 0) {
        for (let k = 0; k < capacity * 3; k++) assert.equal(index.find(`req-${k}`), truth.get(`req-${k}`) ?? -1, `capacity ${capacity}, step ${step}, req-${k}`);
      }
    }
  }
});
