import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Counter, Histogram, Registry } from 'prom-client';
import { HotCounter, HotHistogram } from '../src/monitoring/metrics/hot-path.js';

describe('hot-path metric families', () => {
  test('a histogram exposes exactly what prom-client exposes for the same observations', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const buckets = [0.001, 0.01, 0.1, 1];
    const hot = new HotHistogram({ name: 'x_seconds', help: 'X.', labelNames: ['route'], buckets, registers: [ours] });
    const reference = new Histogram({ name: 'x_seconds', help: 'X.', labelNames: ['route'], buckets, registers: [theirs] });
    const values = [0.0005, 0.001, 0.002, 0.05, 0.1, 0.5, 3, 0.01];
    for (const [i, v] of values.entries()) {
      const route = i % 2 ? '/a' : '/b';
      hot.child({ route }).observe(v);
      reference.observe({ route }, v);
    }
    assert.equal(await ours.metrics(), await theirs.metrics());
  });

  test('a counter exposes exactly what prom-client exposes', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const hot = new HotCounter({ name: 'y_total', help: 'Y.', labelNames: ['status'], registers: [ours] });
    const reference = new Counter({ name: 'y_total', help: 'Y.', labelNames: ['status'], registers: [theirs] });
    hot.child({ status: 'ok' }).inc();
    hot.child({ status: 'ok' }).inc(2);
    hot.child({ status: 'error' }).inc();
    reference.inc({ status: 'ok' }, 3);
    reference.inc({ status: 'error' });
    assert.equal(await ours.metrics(), await theirs.metrics());
  });

  test('names and label sets are validated; NaN is ignored; reset zeroes bound children', async () => {
    const registry = new Registry();
    assert.throws(() => new HotCounter({ name: 'bad-name', help: 'B.', registers: [registry] }), /invalid metric name/);
    assert.throws(() => new HotCounter({ name: 'ok_total', help: 'B.', labelNames: ['__x'], registers: [registry] }), /invalid label name/);
    const h = new HotHistogram({ name: 'z', help: 'Z.', labelNames: ['a'], buckets: [1], registers: [registry] });
    assert.throws(() => h.child({} as { a: string }), /needs labels a/);
    const child = h.child({ a: 'x' });
    child.observe(Number.NaN);
    child.observe(2);
    assert.match(await registry.metrics(), /^z_sum\{a="x"\} 2$/m);
    registry.resetMetrics();
    child.observe(0.5);
    assert.match(await registry.metrics(), /^z_count\{a="x"\} 1$/m);
  });
});
