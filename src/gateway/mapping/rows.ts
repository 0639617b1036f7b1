/**
 * Rows as request bodies carry them: an object of feature → value, or an array of values in the
 * model's feature order (named by the context's feature names, else `f0`, `f1`, …).
 */
import { unmapped, type Unmapped } from './extraction.js';
import type { ExtractionContext, RawRow } from './types.js';

/** A JSON value's type, as messages name it. */
export const jsonType = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

/** Whether a value is a JSON object (not an array, not null). */
export const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * One row from the value a request holds for it, or a message saying why it is none.
 *
 * @example rowOf([30, 'admin.'], { featureNames: ['age', 'job'] }) // { age: 30, job: 'admin.' }
 * @example rowOf([30, 'admin.'], {}) // { f0: 30, f1: 'admin.' }
 */
export function rowOf(value: unknown, context: ExtractionContext): RawRow | string {
  if (isObject(value)) return value;
  if (!Array.isArray(value)) return `a ${jsonType(value)}, not an object of features or an array of values`;
  const names = context.featureNames;
  if (names && names.length !== value.length) return `${value.length} values, but the model has ${names.length} features (${names.join(', ')})`;
  const row: RawRow = {};
  for (let i = 0; i < value.length; i++) row[names ? names[i] : `f${i}`] = value[i];
  return row;
}

/**
 * Every row of a request: `features_not_found` naming the first value that is no row (`where` names
 * a row for messages, e.g. `i => \`/rows/${i}\``), or saying the batch is empty.
 */
export function rowsOf(values: readonly unknown[], context: ExtractionContext, where: (index: number) => string): { ok: true; rows: RawRow[] } | Unmapped {
  if (values.length === 0) return unmapped('features_not_found', 'no rows: the batch is empty');
  const rows: RawRow[] = new Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const row = rowOf(values[i], context);
    if (typeof row === 'string') return unmapped('features_not_found', `${where(i)} is ${row}`);
    rows[i] = row;
  }
  return { ok: true, rows };
}
