/** Reading a mapping's result in tests: what it observed, or why it could not. */
import assert from 'node:assert/strict';
import type { Extraction } from '../../src/gateway/mapping/types.js';

/** The rows and outputs of a successful read (fails the test otherwise, with the reason). */
export function observedOf(extraction: Extraction) {
  assert.ok(extraction.ok, extraction.ok ? '' : `${extraction.reason}: ${extraction.detail}`);
  return extraction.observed;
}

/** The reason and detail of a failed read (fails the test if it succeeded). */
export function failureOf(extraction: Extraction) {
  assert.ok(!extraction.ok, 'expected the read to fail');
  return extraction;
}
