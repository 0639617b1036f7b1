/** The gateway's bound on calls in flight and its circuit breaker, on a clock the test moves. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UpstreamGuard } from '../src/gateway/upstream-guard.js';

describe('UpstreamGuard', () => {
  test('refuses beyond maxInFlight, and admits again once a call ends', () => {
    const guard = new UpstreamGuard({ maxInFlight: 2, failureThreshold: 5, openSeconds: 10 });
    assert.equal(guard.admit(), undefined);
    assert.equal(guard.admit(), undefined);
    assert.deepEqual(guard.admit(), { reason: 'overloaded', retryAfterSeconds: 1 });
    guard.done(true);
    assert.equal(guard.admit(), undefined);
    assert.equal(guard.inFlight, 2);
  });

  test('opens after failureThreshold failures in a row, probes once when the time is up, closes on an answer', () => {
    let now = 0;
    const guard = new UpstreamGuard({ maxInFlight: 100, failureThreshold: 3, openSeconds: 10, now: () => now });
    for (let i = 0; i < 2; i++) {
      guard.admit();
      guard.done(false);
    }
    guard.admit();
    guard.done(true); // an answer in between: the count starts again
    for (let i = 0; i < 3; i++) {
      assert.equal(guard.admit(), undefined);
      guard.done(false);
    }
    assert.equal(guard.circuit, 'open');
    now = 4000;
    assert.deepEqual(guard.admit(), { reason: 'circuit_open', retryAfterSeconds: 6 });
    now = 10_000;
    assert.equal(guard.circuit, 'half_open');
    assert.equal(guard.admit(), undefined, 'one probe');
    assert.deepEqual(guard.admit(), { reason: 'circuit_open', retryAfterSeconds: 1 }, 'only one');
    guard.done(true);
    assert.equal(guard.circuit, 'closed');
    assert.equal(guard.admit(), undefined);
  });

  test('a failed probe reopens the circuit for another openSeconds; a probe whose client left is sent again', () => {
    let now = 0;
    const guard = new UpstreamGuard({ maxInFlight: 100, failureThreshold: 1, openSeconds: 5, now: () => now });
    guard.admit();
    guard.done(false);
    now = 5000;
    assert.equal(guard.admit(), undefined);
    guard.release();
    assert.equal(guard.circuit, 'half_open', 'nothing judged');
    assert.equal(guard.admit(), undefined);
    guard.done(false);
    assert.equal(guard.circuit, 'open');
    now = 9000;
    assert.equal(guard.circuit, 'open');
    now = 10_000;
    assert.equal(guard.circuit, 'half_open');
  });

  test('failureThreshold 0: the breaker is off', () => {
    const guard = new UpstreamGuard({ maxInFlight: 100, failureThreshold: 0, openSeconds: 5 });
    for (let i = 0; i < 50; i++) {
      assert.equal(guard.admit(), undefined);
      guard.done(false);
    }
    assert.equal(guard.circuit, 'closed');
  });
});
