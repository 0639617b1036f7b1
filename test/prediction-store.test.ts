import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InMemoryPredictionStore, type LabelOutcome, type StoredPrediction } from '../src/monitoring/quality/index.js';
import { createRandom } from '../src/util/random.js';

const prediction = (overrides: Partial<StoredPrediction> = {}): StoredPrediction => ({
  predicted: 1,
  confidence: 0.75,
  modelVersion: 'v1',
  timeMs: 1_000,
  ...overrides,
});

describe('InMemoryPredictionStore label outcomes', () => {
  test('joined: the label meets its prediction, delay counted from the stored time', () => {
    const store = new InMemoryPredictionStore({ maxEntries: 10, ttlSeconds: 3600 });
    const stored = prediction({ predicted: 0, confidence: 0.6180339887498949, modelVersion: 'v7', timeMs: 5_000 });
    store.remember('a', stored);
    assert.deepEqual(store.label('a', 1, 95_500), { status: 'joined', prediction: stored, actual: 1, delaySeconds: 90.5 });
    assert.equal(store.labelled, 1);
  });

  test('duplicate: the same label again is idempotent and not counted again', () => {
    const store = new InMemoryPredictionStore({ maxEntries: 10, ttlSeconds: 3600 });
    store.remember('a', prediction());
    store.label('a', 0, 2_000);
    assert.deepEqual(store.label('a', 0, 3_000), { status: 'duplicate', prediction: prediction(), actual: 0 });
    assert.equal(store.labelled, 1);
  });

  test('conflict: a different label is refused and the first one stands', () => {
    const store = new InMemoryPredictionStore({ maxEntries: 10, ttlSeconds: 3600 });
    store.remember('a', prediction());
    store.label('a', 1, 2_000);
    assert.deepEqual(store.label('a', 0, 3_000), { status: 'conflict', prediction: prediction(), actual: 1, given: 0 });
    assert.deepEqual(store.label('a', 1, 4_000), { status: 'duplicate', prediction: prediction(), actual: 1 }, 'the first label is still the one held');
    assert.equal(store.labelled, 1);
  });

  test('expired: a label for a prediction older than the TTL is refused, and stays refused', () => {
    const store = new InMemoryPredictionStore({ maxEntries: 10, ttlSeconds: 60 });
    store.remember('a', prediction({ timeMs: 1_000 }));
    assert.deepEqual(store.label('a', 1, 71_000), { status: 'expired', ageSeconds: 70 });
    assert.deepEqual(store.label('a', 1, 72_000), { status: 'expired', ageSeconds: 71 }, 'still expired, not unknown');
    assert.equal(store.labelled, 0);
    assert.equal(store.size, 1);
  });

  test('unknown_id: an id never remembered', () => {
    const store = new InMemoryPredictionStore({ maxEntries: 10, ttlSeconds: 60 });
    store.remember('a', prediction());
    assert.deepEqual(store.label('b', 1, 2_000), { status: 'unknown_id' });
  });

  test('TTL boundary: an age of exactly ttlSeconds joins, one millisecond more expires', () => {
    const store = new InMemoryPredictionStore({ maxEntries: 10, ttlSeconds: 60 });
    store.remember('on-time', prediction({ timeMs: 1_000 }));
    store.remember('late', prediction({ timeMs: 1_000 }));
    assert.equal(store.label('on-time', 1, 61_000).status, 'joined');
    assert.deepEqual(store.label('late', 1, 61_001), { status: 'expired', ageSeconds: 60.001 });
  });

  test('a labelled prediction answers duplicate or conflict even past the TTL', () => {
    const store = new InMemoryPredictionStore({ maxEntries: 10, ttlSeconds: 60 });
    store.remember('a', prediction({ timeMs: 0 }));
    store.label('a', 1, 10_000);
    assert.equal(store.label('a', 1, 1_000_000).status, 'duplicate');
    assert.equal(store.label('a', 0, 1_000_000).status, 'conflict');
  });

  test('a label stamped before the prediction (clock stepped back) joins with delay 0', () => {
    const store = new InMemoryPredictionStore({ maxEntries: 10, ttlSeconds: 60 });
    store.remember('a', prediction({ timeMs: 5_000 }));
    const outcome = store.label('a', 1, 4_000);
    assert.equal(outcome.status === 'joined' && outcome.delaySeconds, 0);
  });

  test('a label that is not a finite number throws (the route checks it fits the model: a class index or a value)', () => {
    const store = new InMemoryPredictionStore({ maxEntries: 10, ttlSeconds: 60 });
    store.remember('a', prediction());
    assert.throws(() => store.label('a', Number.NaN, 2_000), RangeError);
    assert.throws(() => store.label('a', Number.POSITIVE_INFINITY, 2_000), RangeError);
    assert.throws(() => store.label('a', '1' as unknown as number, 2_000), RangeError);
    assert.throws(() => store.remember('b', { ...prediction(), predicted: -1 }), RangeError);
  });

  test('bad options throw', () => {
    assert.throws(() => new InMemoryPredictionStore({ maxEntries: 0, ttlSeconds: 60 }), RangeError);
    assert.throws(() => new InMemoryPredictionStore({ maxEntries: 1.5, ttlSeconds: 60 }), RangeError);
    assert.throws(() => new InMemoryPredictionStore({ maxEntries: 2 ** 24 + 1, ttlSeconds: 60 }), RangeError);
    assert.throws(() => new InMemoryPredictionStore({ maxEntries: 10, ttlSeconds: 0 }), RangeError);
    assert.throws(() => new InMemoryPredictionStore({ maxEntries: 10, ttlSeconds: Number.NaN }), RangeError);
  });
});

describe('InMemoryPredictionStore bounds', () => {
  test('at capacity the oldest prediction is evicted first and counted when unlabelled', () => {
    const store = new InMemoryPredictionStore({ maxEntries: 3, ttlSeconds: 3600 });
    for (const id of ['a', 'b', 'c']) store.remember(id, prediction());
    store.label('b', 1, 2_000);
    store.remember('d', prediction());
    assert.deepEqual(store.label('a', 1, 2_000), { status: 'unknown_id' }, 'a was the oldest');
    assert.equal(store.evictedUnlabelled, 1);
    store.remember('e', prediction());
    assert.equal(store.evictedUnlabelled, 1, 'b left labelled: not counted');
    assert.equal(store.labelled, 0, 'and no longer held');
    assert.equal(store.size, 3);
    assert.equal(store.label('c', 0, 2_000).status, 'joined');
  });

  test('reusing an id replaces the prediction and its label, and the id lives a full ring turn again', () => {
    const store = new InMemoryPredictionStore({ maxEntries: 3, ttlSeconds: 3600 });
    store.remember('a', prediction({ predicted: 1 }));
    store.label('a', 1, 2_000);
    store.remember('b', prediction());
    store.remember('a', prediction({ predicted: 0, timeMs: 3_000 }));
    assert.equal(store.size, 2);
    assert.equal(store.labelled, 0, 'the old label went with the old prediction');
    assert.deepEqual(store.label('a', 0, 4_000), { status: 'joined', prediction: prediction({ predicted: 0, timeMs: 3_000 }), actual: 0, delaySeconds: 1 });
    store.remember('c', prediction());
    store.remember('d', prediction());
    assert.equal(store.label('a', 0, 5_000).status, 'duplicate', 'a took a fresh slot, so b and the empty slot went first');
    assert.equal(store.label('b', 0, 5_000).status, 'unknown_id');
    assert.equal(store.evictedUnlabelled, 1);
  });

  test('model versions are recycled once no prediction holds them', () => {
    const store = new InMemoryPredictionStore({ maxEntries: 4, ttlSeconds: 3600 });
    for (let i = 0; i < 100_000; i++) store.remember(`r${i % 6}`, prediction({ modelVersion: `v${i}`, timeMs: i }));
    const outcome = store.label('r3', 1, 100_000);
    assert.equal(outcome.status === 'joined' && outcome.prediction.modelVersion, 'v99999');
  });

  test('past 65,535 distinct versions held at once, further ones read back as (unknown)', () => {
    const store = new InMemoryPredictionStore({ maxEntries: 70_000, ttlSeconds: 3600 });
    for (let i = 0; i < 70_000; i++) store.remember(`r${i}`, prediction({ modelVersion: `v${i}` }));
    const versionOf = (id: string): string | false => {
      const outcome = store.label(id, 1, 2_000);
      return outcome.status === 'joined' && outcome.prediction.modelVersion;
    };
    assert.equal(versionOf('r65534'), 'v65534');
    assert.equal(versionOf('r65535'), '(unknown)');
    // Evicting the first versions frees their indices for new ones.
    for (let i = 0; i < 10; i++) store.remember(`s${i}`, prediction({ modelVersion: `w${i}` }));
    assert.equal(versionOf('s9'), 'w9');
  });
});

/** Brute force: keeps every remembered entry with its call number; an entry lives `capacity` calls. */
class ModelStore {
  private readonly entries = new Map<string, { call: number; prediction: StoredPrediction; actual?: 0 | 1 }>();
  private calls = 0;
  evictedUnlabelled = 0;

  constructor(
    private readonly capacity: number,
    private readonly ttlMs: number,
  ) {}

  remember(id: string, prediction: StoredPrediction): void {
    this.entries.delete(id);
    this.entries.set(id, { call: this.calls, prediction });
    this.calls++;
    for (const [key, entry] of this.entries) {
      if (entry.call > this.calls - 1 - this.capacity) continue;
      if (entry.actual === undefined) this.evictedUnlabelled++;
      this.entries.delete(key);
    }
  }

  label(id: string, actual: 0 | 1, nowMs: number): LabelOutcome {
    const entry = this.entries.get(id);
    if (entry === undefined) return { status: 'unknown_id' };
    const { prediction } = entry;
    if (entry.actual !== undefined) {
      return entry.actual === actual ? { status: 'duplicate', prediction, actual } : { status: 'conflict', prediction, actual: entry.actual, given: actual };
    }
    const ageMs = nowMs - prediction.timeMs;
    if (ageMs > this.ttlMs) return { status: 'expired', ageSeconds: ageMs / 1000 };
    entry.actual = actual;
    return { status: 'joined', prediction, actual, delaySeconds: Math.max(0, ageMs) / 1000 };
  }

  get size(): number {
    return this.entries.size;
  }

  get labelled(): number {
    let n = 0;
    for (const entry of this.entries.values()) if (entry.actual !== undefined) n++;
    return n;
  }
}

describe('InMemoryPredictionStore against a brute-force model', () => {
  for (const seed of [1, 2, 3]) {
    test(`5,000 random remembers and labels agree, seed ${seed}`, () => {
      const rng = createRandom(seed);
      const capacity = 1 + rng.int(20);
      const ttlSeconds = 5;
      const store = new InMemoryPredictionStore({ maxEntries: capacity, ttlSeconds });
      const model = new ModelStore(capacity, ttlSeconds * 1000);
      const ids = Array.from({ length: capacity * 2 }, (_, i) => `id-${i}`);
      let now = 0;
      for (let step = 0; step < 5_000; step++) {
        now += rng.int(800);
        const id = ids[rng.int(ids.length)];
        if (rng.next() < 0.5) {
          const stored: StoredPrediction = {
            predicted: rng.int(2) as 0 | 1,
            confidence: 0.5 + rng.next() / 2,
            modelVersion: `v${rng.int(3)}`,
            // Sometimes stamped in the past, so some labels find their prediction already expired.
            timeMs: now - rng.int(6_000),
          };
          store.remember(id, stored);
          model.remember(id, stored);
        } else {
          const actual = rng.int(2) as 0 | 1;
          assert.deepEqual(store.label(id, actual, now), model.label(id, actual, now), `step ${step}: label ${id}`);
        }
        assert.equal(store.size, model.size, `step ${step}: size`);
        assert.equal(store.labelled, model.labelled, `step ${step}: labelled`);
        assert.equal(store.evictedUnlabelled, model.evictedUnlabelled, `step ${step}: evictedUnlabelled`);
      }
    });
  }
});
