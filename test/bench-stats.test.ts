import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { appendHistory, pool, readHistory, type HistoryEntry } from '../bench/history.js';
import { spreadOf } from '../bench/summary.js';
import { tempDir } from './helpers/fixtures.js';

const entry = (costs: number[], note?: string): HistoryEntry => ({
  date: '2026-11-22T00:00:00.000Z',
  commit: 'abc1234',
  rounds: costs.length,
  seconds: 6,
  slice: 1,
  servers: ['a', 'b', 'c', 'd'],
  bOverA: costs.map(() => 0.4),
  observabilityCost: costs,
  monitoringCost: costs.map((c) => c / 10),
  ...(note ? { note } : {}),
});

describe('benchmark statistics', () => {
  test('mean and standard error of per-round values, with rounds that had no value left out', () => {
    const s = spreadOf([0.1, 0.2, Number.NaN, 0.3]);
    assert.deepEqual(s.rounds, [0.1, 0.2, 0.3]);
    assert.ok(Math.abs(s.mean - 0.2) < 1e-12);
    assert.ok(Math.abs(s.standardError - Math.sqrt(0.01 / 3)) < 1e-12, `standard error ${s.standardError}`);
    assert.ok(Number.isNaN(spreadOf([0.5]).standardError), 'one round has no standard error');
  });

  test('runs appended to the history read back, and pooling spreads over all their rounds', () => {
    const file = join(tempDir(), 'history.jsonl');
    assert.deepEqual(readHistory(file), [], 'no file is an empty history');
    appendHistory(file, entry([0.1, 0.2]));
    appendHistory(file, entry([0.3, 0.4, 0.5], 'by hand'));
    const runs = readHistory(file);
    assert.equal(runs.length, 2);
    assert.equal(runs[1].note, 'by hand');
    const pooled = pool(runs);
    assert.equal(pooled.runs, 2);
    assert.equal(pooled.observabilityCost.rounds.length, 5);
    assert.ok(Math.abs(pooled.observabilityCost.mean - 0.3) < 1e-12);
    assert.ok(Math.abs(pooled.monitoringCost.mean - 0.03) < 1e-12);
  });
});
