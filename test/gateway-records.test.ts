/**
 * From a model server's answer to the records monitoring reads: classes by name or index, in the
 * server's order or the profile's, probabilities checked against the classes, batch rows named as
 * the native service names them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AUDITED_INPUT_LIMITS, auditedInput, toRecords, type RecordModel } from '../src/gateway/observe/records.js';

const binary: RecordModel = { schema: { task: 'binary', classes: ['no', 'yes'], features: [] }, threshold: 0.5 };

describe('toRecords', () => {
  test('a class by name, index or probability; confidence derived or absent', () => {
    const result = toRecords([{}, {}, {}, {}], [{ label: 'yes' }, { label: 0 }, { probability: 0.8 }, { label: '1', probability: 0.3 }], 'r', binary);
    assert.ok(result.ok);
    assert.deepEqual(result.records.map((r) => [r.requestId, r.prediction, r.label]), [['r:0', 1, 'yes'], ['r:1', 0, 'no'], ['r:2', 1, 'yes'], ['r:3', 1, 'yes']]);
    assert.ok(Number.isNaN(result.records[0].confidence), 'a class alone claims no confidence');
    assert.equal(result.records[2].confidence, 0.8);
    assert.ok(Math.abs(result.records[3].confidence - 0.3) < 1e-12, 'the server\'s class stands, with the probability it gave');
  });

  test('a server answering in another class order than the profile\'s: indexes and probabilities put in the profile\'s', () => {
    const model: RecordModel = { ...binary, serverClasses: ['yes', 'no'] };
    const result = toRecords([{}, {}], [{ probabilities: [0.9, 0.1] }, { label: 0 }], 'r', model);
    assert.ok(result.ok);
    assert.equal(result.records[0].label, 'yes');
    assert.equal(result.records[0].probability, 0.9);
    assert.equal(result.records[1].label, 'yes', 'index 0 is "yes" in the server\'s order');
  });

  test('probabilities that do not fit the classes, and an unknown class, are not observed', () => {
    const multi: RecordModel = { schema: { task: 'multiclass', classes: ['a', 'b', 'c'], features: [] }, threshold: 0.5 };
    const four = toRecords([{}], [{ probabilities: [0.1, 0.1, 0.1, 0.7] }], 'r', multi);
    assert.equal(four.ok ? 'ok' : four.reason, 'prediction_not_found');
    const three = toRecords([{}], [{ probabilities: [0.1, 0.1, 0.7] }], 'r', binary);
    assert.equal(three.ok ? 'ok' : three.reason, 'prediction_not_found');
    const unknown = toRecords([{}], [{ label: 'maybe' }], 'r', binary);
    assert.equal(unknown.ok ? 'ok' : unknown.reason, 'unknown_class');
  });

  test('a one-row batch of a route that always indexes its rows is named <id>:0', () => {
    const indexed = toRecords([{}], [{ label: 1 }], 'b-1', binary, true);
    const single = toRecords([{}], [{ label: 1 }], 'p-1', binary);
    assert.ok(indexed.ok && single.ok);
    assert.equal(indexed.records[0].requestId, 'b-1:0');
    assert.equal(single.records[0].requestId, 'p-1');
  });

  test('a raw input in an audit line: numbers and texts only, bounded, never a value nested deep', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 5000; i++) deep = [deep];
    const row = { age: 30, job: 'x'.repeat(5000), deep, flag: true, empty: null } as unknown as Parameters<typeof auditedInput>[0];
    const input = auditedInput(row);
    assert.deepEqual(Object.keys(input), ['age', 'job']);
    assert.equal((input.job as string).length, AUDITED_INPUT_LIMITS.chars);
    const wide = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`f${i}`, i]));
    assert.equal(Object.keys(auditedInput(wide)).length, AUDITED_INPUT_LIMITS.fields);
  });
});
