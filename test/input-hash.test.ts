import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { readLabelledRows } from '../src/data/csv.js';
import { FEATURE_NAMES, type Row } from '../src/data/schema.js';
import { inputHash } from '../src/monitoring/audit/input-hash.js';

const REAL_FILE = fileURLToPath(new URL('../../shared/data/bank-full.csv', import.meta.url));

/** The hash as a plain loop over the schema's features: the reference the compiled code must match. */
function referenceHash(row: Row): string {
  const float = new Float64Array(1);
  const words = new Uint32Array(float.buffer);
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  const mix = (k: number) => {
    h1 = Math.imul(h1 ^ k, 2654435761);
    h2 = Math.imul(h2 ^ k, 1597334677);
  };
  for (const name of FEATURE_NAMES) {
    const value = row[name];
    if (typeof value === 'number') {
      float[0] = value;
      mix(words[0]);
      mix(words[1]);
    } else {
      for (let c = 0; c < value.length; c++) mix(value.charCodeAt(c));
    }
    mix(0x1f);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h2 >>> 0).toString(16).padStart(8, '0') + (h1 >>> 0).toString(16).padStart(8, '0');
}

/** The seed's body completed with the documented defaults. */
const SAMPLE: Row = { age: 30, job: 'admin.', marital: 'single', education: 'secondary', default: 'no', balance: 448, housing: 'yes', loan: 'no', contact: 'cellular', day: 16, month: 'may', duration: 200, campaign: 2, pdays: -1, previous: 0, poutcome: 'unknown' };

describe('input_hash', () => {
  test('the compiled hash equals the reference loop on 5,000 rows of the real data, and on unusual values', async () => {
    assert.ok(existsSync(REAL_FILE), `real data not found at ${REAL_FILE}`);
    const hashes = new Set<string>();
    let rows = 0;
    for await (const { features } of readLabelledRows(REAL_FILE, { limit: 5000 })) {
      const hash = inputHash(features);
      assert.equal(hash, referenceHash(features));
      hashes.add(hash);
      rows++;
    }
    assert.equal(rows, 5000);
    assert.ok(hashes.size > 4900, `distinct rows give distinct hashes (${hashes.size} of 5000)`);
    const changes: Row[] = [{ balance: -0 }, { balance: 1e300 }, { duration: 0.1 }, { job: 'ünïcödé' }, { job: '' }];
    for (const change of changes) {
      const row: Row = { ...SAMPLE, ...change };
      assert.equal(inputHash(row), referenceHash(row), JSON.stringify(change));
    }
  });
});
