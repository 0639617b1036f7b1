/** The row readers every inference route shares: compiled once per schema, read by the model's own. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ModelRegistry } from '../src/model/registry.js';
import { createRowReaders } from '../src/server/predict-rows.js';
import { SEED_BODY, trainedRegistry } from './helpers/fixtures.js';

describe('createRowReaders', () => {
  test('a version loaded again (new objects, the same schema) reuses the compiled reader; another schema gets its own', () => {
    const registry: ModelRegistry = trainedRegistry();
    const first = registry.load();
    const again = registry.load();
    assert.notEqual(first.schema.features, again.schema.features, 'each load builds its own schema objects');
    const readers = createRowReaders(8);
    assert.equal(readers.of(first), readers.of(again));
    const other = { ...first, schema: { ...first.schema, features: first.schema.features.slice(0, 3) } };
    assert.notEqual(readers.of(other), readers.of(first));
    // And each reads by its own schema: the three-column model needs only those three.
    assert.deepEqual(Object.keys(readers.of(other).read([{ age: 30, job: 'admin', marital: 'single' }], () => '')[0]), ['age', 'job', 'marital']);
    assert.throws(() => readers.of(first).read([{ age: 30, job: 'admin', marital: 'single' }], () => ''), { code: 'MW_INVALID_INPUT' });
    assert.equal(readers.of(first).read([SEED_BODY], () => '')[0].job, 'admin.');
  });
});
