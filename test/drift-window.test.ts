/**
 * DriftWindow against a brute-force recomputation over the surviving observations, and the feature
 * binners against the reference numericBin / categoricalBin of model/baseline.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FEATURES, type Row } from '../src/data/schema.js';
import { compileRowBinning } from '../src/monitoring/drift/compile-binning.js';
import { categoricalBin, numericBin, type CategoricalBaseline, type NumericBaseline, type TrainingBaseline } from '../src/model/baseline.js';
import { DriftWindow, createFeatureBinners, categoricalBinner, numericBinner } from '../src/monitoring/drift/index.js';
import { createRandom } from '../src/util/random.js';
import { trainedRegistry } from './helpers/fixtures.js';

interface Observation {
  readonly bins: readonly number[];
  readonly time: number;
  readonly value: number;
}

/** The window's contents recomputed from scratch. */
function bruteForce(kept: readonly Observation[], binsPerSignal: readonly number[]): { counts: number[][]; sum: number } {
  const counts = binsPerSignal.map((bins) => new Array<number>(bins).fill(0));
  let sum = 0;
  for (const o of kept) {
    o.bins.forEach((bin, s) => counts[s][bin]++);
    sum += o.value;
  }
  return { counts, sum };
}

function assertMatches(window: DriftWindow, kept: readonly Observation[], binsPerSignal: readonly number[], step: number): void {
  const expected = bruteForce(kept, binsPerSignal);
  assert.equal(window.size, kept.length, `size at step ${step}`);
  for (let s = 0; s < binsPerSignal.length; s++) assert.deepEqual([...window.counts(s)], expected.counts[s], `signal ${s} at step ${step}`);
  assert.ok(Math.abs(window.valueSum - expected.sum) < 1e-9, `value sum at step ${step}: ${window.valueSum} vs ${expected.sum}`);
  if (kept.length === 0) assert.ok(Number.isNaN(window.meanValue()));
  else assert.ok(Math.abs(window.meanValue() - expected.sum / kept.length) < 1e-12, `mean at step ${step}`);
}

test('count and time eviction keep exactly the counts of the surviving observations (randomised)', () => {
  const rng = createRandom(20240611);
  const binsPerSignal = [4, 1, 7, 255, 2];
  const capacity = 37;
  const maxAgeMs = 500;
  const window = new DriftWindow(binsPerSignal, capacity, maxAgeMs);
  let kept: Observation[] = [];
  let now = 1_000_000;
  let countEvictions = 0;
  let ageEvictions = 0;
  for (let step = 0; step < 20_000; step++) {
    const op = rng.next();
    if (op < 0.75) {
      // Mostly forward in time, now and then a step back; busy stretches (the window fills up and
      // evicts by count) alternate with quiet ones (observations age out first).
      const busy = Math.floor(step / 2000) % 2 === 0;
      now += rng.next() < 0.05 ? -rng.int(30) : rng.int(busy ? 5 : 60);
      const o: Observation = { bins: binsPerSignal.map((b) => rng.int(b)), time: now, value: rng.next() };
      window.add(o.bins, o.time, o.value);
      // The reference semantics: drop what is older than time − maxAge from the old end, then the
      // oldest if full, then append.
      while (kept.length && kept[0].time < now - maxAgeMs) {
        kept.shift();
        ageEvictions++;
      }
      if (kept.length === capacity) {
        kept.shift();
        countEvictions++;
      }
      kept.push(o);
    } else if (op < 0.97) {
      const cutoff = now - rng.int(600);
      let expectedEvicted = 0;
      while (kept.length && kept[0].time < cutoff) {
        kept.shift();
        expectedEvicted++;
      }
      assert.equal(window.evictOlderThan(cutoff), expectedEvicted, `evicted at step ${step}`);
    } else if (op < 0.995) {
      now += rng.int(300);
      let expectedExpired = 0;
      while (kept.length && kept[0].time < now - maxAgeMs) {
        kept.shift();
        expectedExpired++;
      }
      assert.equal(window.expire(now), expectedExpired, `expired at step ${step}`);
    } else {
      window.clear();
      kept = [];
    }
    assertMatches(window, kept, binsPerSignal, step);
  }
  assert.ok(countEvictions > 1000 && ageEvictions > 1000, `both evictions exercised: ${countEvictions} by count, ${ageEvictions} by age`);
});

test('counts are views (no copy) and bad input is refused before anything changes', () => {
  const window = new DriftWindow([3, 2], 4, 1000);
  const view = window.counts(0);
  window.add([2, 1], 0, 0.9);
  assert.deepEqual([...view], [0, 0, 1]);
  assert.equal(window.counts(0), view);
  assert.throws(() => window.add([3, 0], 1, 0.5), RangeError);
  assert.throws(() => window.add([0, -1], 1, 0.5), RangeError);
  assert.throws(() => window.add([0], 1, 0.5), RangeError);
  assert.throws(() => window.add([0, 0], 1, Number.NaN), RangeError);
  assert.throws(() => window.counts(2), RangeError);
  assert.equal(window.size, 1);
  assert.deepEqual([...window.counts(1)], [0, 1]);
  assert.throws(() => new DriftWindow([256], 4, 1000), RangeError);
  assert.throws(() => new DriftWindow([0], 4, 1000), RangeError);
  assert.throws(() => new DriftWindow([2], 0, 1000), RangeError);
});

test('the running value sum stays exact over many evictions', () => {
  const rng = createRandom(3);
  const window = new DriftWindow([1], 10, Number.POSITIVE_INFINITY);
  const values: number[] = [];
  for (let i = 0; i < 100_000; i++) {
    // Values of very different magnitudes make a naive running sum drift fastest.
    const value = rng.next() < 0.5 ? rng.next() * 1e6 : rng.next() * 1e-6;
    window.add([0], i, value);
    values.push(value);
  }
  const last = values.slice(-10);
  const exact = last.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(window.valueSum - exact) <= 1e-6 * exact, `${window.valueSum} vs ${exact}`);
});

/** Values that probe every edge of a numeric baseline, plus random and out-of-range ones. */
function probeValues(baseline: NumericBaseline, min: number, max: number, rng: ReturnType<typeof createRandom>): number[] {
  const values = [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, Number.NaN, -0, 0, min - 1, max + 1, min - 1e9, max + 1e9];
  for (const x of [...baseline.points, ...baseline.upperEdges]) values.push(x, x - 1, x + 1, x - 1e-9, x + 1e-9, x + 0.5);
  const span = max - min;
  for (let i = 0; i < 3000; i++) {
    const x = min - span * 0.1 + rng.next() * span * 1.2;
    values.push(x, Math.round(x));
  }
  return values;
}

test('the binners and the compiled row binning agree with numericBin / categoricalBin on the trained model\'s baseline', () => {
  const baseline = trainedRegistry().load().baseline;
  const binners = createFeatureBinners(baseline);
  const binRow = compileRowBinning(binners, baseline.features);
  const out = new Uint8Array(binners.length);
  const compiled = (slot: number, value: unknown) => {
    binRow({ [binners[slot].name]: value } as Row, out);
    return out[slot];
  };
  assert.deepEqual(binners.map((b) => b.name), FEATURES.map((f) => f.name));
  const rng = createRandom(11);
  let checked = 0;
  for (const [i, feature] of FEATURES.entries()) {
    const binner = binners[i];
    const featureBaseline = baseline.features[feature.name];
    assert.equal(binner.labels, featureBaseline.labels);
    assert.equal(binner.shares, featureBaseline.shares);
    if (feature.kind === 'numeric') {
      const numeric = featureBaseline as NumericBaseline;
      for (const v of probeValues(numeric, feature.min, feature.max, rng)) {
        assert.equal(binner.bin(v), numericBin(numeric, v), `${feature.name} = ${v}`);
        assert.equal(compiled(i, v), numericBin(numeric, v), `compiled ${feature.name} = ${v}`);
        checked++;
      }
      // A string where a number belongs is binned as NaN: the last bin.
      assert.equal(binner.bin('42'), numeric.labels.length - 1);
      assert.equal(compiled(i, '42'), numeric.labels.length - 1);
    } else {
      const categorical = featureBaseline as CategoricalBaseline;
      const unseen = categorical.labels.length - 1;
      for (const v of [...feature.categories, '__unseen__', 'never-seen', '', 'ADMIN.', 'admin', ...Object.keys(feature.aliases ?? {})]) {
        assert.equal(binner.bin(v), categoricalBin(categorical, v), `${feature.name} = ${v}`);
        assert.equal(compiled(i, v), categoricalBin(categorical, v), `compiled ${feature.name} = ${v}`);
        checked++;
      }
      assert.equal(binner.bin('never-seen'), unseen);
      assert.equal(binner.bin(3), unseen);
      assert.equal(compiled(i, 3), unseen);
      assert.equal(compiled(i, undefined), unseen);
    }
  }
  assert.ok(checked > 40_000, `checked ${checked} values`);
});

test('createFeatureBinners names the feature a baseline lacks or bins as the wrong kind', () => {
  const baseline = trainedRegistry().load().baseline;
  const { pdays: _dropped, ...rest } = baseline.features;
  const missing: TrainingBaseline = { ...baseline, features: rest };
  assert.throws(() => createFeatureBinners(missing), /pdays/);
  const wrongKind: TrainingBaseline = { ...baseline, features: { ...baseline.features, age: baseline.features.job } };
  assert.throws(() => createFeatureBinners(wrongKind), /age/);
});

test('a feature with more than 255 bins is refused at construction', () => {
  const labels = [...Array.from({ length: 255 }, (_, i) => `c${i}`), '__unseen__'];
  const shares = labels.map(() => 1 / labels.length);
  assert.throws(() => categoricalBinner('wide', { kind: 'categorical', labels, shares }), /wide.*256 bins/);
  assert.doesNotThrow(() => categoricalBinner('ok', { kind: 'categorical', labels: labels.slice(1), shares: shares.slice(1) }));
  const upperEdges = Array.from({ length: 255 }, (_, i) => i);
  const numericLabels = [...upperEdges.map(String), 'top'];
  assert.throws(() => numericBinner('wide', { kind: 'numeric', points: [], upperEdges, labels: numericLabels, shares: numericLabels.map(() => 0) }), RangeError);
});
