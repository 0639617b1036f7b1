/**
 * The request bodies the load generator sends: a row as JSON, or one of the malformed shapes real
 * clients produce. Every malformed kind is derived from the row that would have been sent, so a
 * run's request sequence is the same whatever the invalid share, and each kind breaks exactly one
 * rule the service checks (and the validation-failure metrics count by reason).
 */
import { FEATURES, type Row } from '../data/schema.js';

/** The malformed kinds, in the order a run cycles through them. */
export const MALFORMED_KINDS = [
  'missing-field',
  'wrong-type',
  'unknown-category',
  'out-of-range',
  'non-json',
  'wrong-content-type',
  'empty-body',
] as const;

/** One malformed kind. */
export type MalformedKind = (typeof MALFORMED_KINDS)[number];

/** What goes on the wire for one request. */
export interface WireRequest {
  readonly body: string;
  readonly contentType: string;
}

const JSON_TYPE = 'application/json';
const REQUIRED = FEATURES.filter((f) => f.required);
const REQUIRED_NUMERIC = FEATURES.filter((f) => f.required && f.kind === 'numeric');
const REQUIRED_CATEGORICAL = FEATURES.filter((f) => f.required && f.kind === 'categorical');

/**
 * A valid request for a row.
 *
 * @example validRequest({ age: 30, job: 'admin.' }) // { body: '{"age":30,"job":"admin."}', contentType: 'application/json' }
 */
export function validRequest(row: Row): WireRequest {
  return { body: JSON.stringify(row), contentType: JSON_TYPE };
}

/**
 * A malformed request derived from `row`. `n` rotates which field is broken, so a long run spreads
 * the failures over every required field rather than hammering one label.
 *
 * @example malformedRequest('out-of-range', row, 0).body // the row with "age": 101
 */
export function malformedRequest(kind: MalformedKind, row: Row, n = 0): WireRequest {
  const pick = <T>(list: readonly T[]): T => list[n % list.length];
  switch (kind) {
    case 'missing-field': {
      const copy = { ...row };
      delete copy[pick(REQUIRED).name];
      return validRequest(copy);
    }
    case 'wrong-type': {
      // A number sent as a string is the commonest client bug ("30" for 30).
      const feature = pick(REQUIRED_NUMERIC);
      return validRequest({ ...row, [feature.name]: String(row[feature.name] ?? feature.default) });
    }
    case 'unknown-category':
      return validRequest({ ...row, [pick(REQUIRED_CATEGORICAL).name]: 'not-a-category' });
    case 'out-of-range': {
      const feature = pick(REQUIRED_NUMERIC);
      return validRequest({ ...row, [feature.name]: feature.kind === 'numeric' ? feature.max + 1 : 0 });
    }
    case 'non-json':
      // A truncated body, as a client that gave up mid-write would send.
      return { body: JSON.stringify(row).slice(0, -1), contentType: JSON_TYPE };
    case 'wrong-content-type':
      return { body: JSON.stringify(row), contentType: 'text/plain' };
    case 'empty-body':
      return { body: '', contentType: JSON_TYPE };
  }
}
