/**
 * What Flask, FastAPI and BentoML apps take and answer with JSON: a request of one row object —
 * `{"age": 30, "job": "admin."}` — or a list of them, or the row's values wrapped as
 * `{"features": [30, "admin."]}` (the same under `data`, `inputs`, `instances` or `rows`, or a list
 * of such rows); an answer of one prediction per row in any shape outputs.ts reads.
 */
import { unmapped, type Unmapped } from '../extraction.js';
import { outputsOf } from '../outputs.js';
import { isObject, jsonType, rowsOf } from '../rows.js';
import type { Extraction, ExtractionContext, RawRow } from '../types.js';

/** Keys a request may wrap its row (or rows) in, when it is the body's only key. */
export const ROW_WRAPPERS: readonly string[] = ['features', 'data', 'inputs', 'instances', 'rows'];

const isRowValue = (v: unknown) => Array.isArray(v) || isObject(v);

/** One row of values, or a list of rows, from an array the body holds. */
function rowsOfList(list: readonly unknown[], context: ExtractionContext, where: string) {
  if (list.length > 0 && list.every(isRowValue)) return rowsOf(list, context, (i) => `${where}[${i}]`);
  return rowsOf([list], context, () => where);
}

/**
 * The rows of a request body of row objects (see the module comment).
 *
 * @example rowsOfRowObjects([{ age: 30 }, { age: 41 }], {}) // { ok: true, rows: [{ age: 30 }, { age: 41 }] }
 */
export function rowsOfRowObjects(body: unknown, context: ExtractionContext): { ok: true; rows: RawRow[] } | Unmapped {
  if (Array.isArray(body)) return rowsOfList(body, context, 'the body');
  if (!isObject(body)) return unmapped('request_unreadable', `the request body is a ${jsonType(body)}, not a row object or a list of them`);
  const keys = Object.keys(body);
  if (keys.length === 1 && ROW_WRAPPERS.includes(keys[0]) && Array.isArray(body[keys[0]])) return rowsOfList(body[keys[0]] as unknown[], context, keys[0]);
  if (keys.length === 0) return unmapped('features_not_found', 'the request body is an empty object');
  return { ok: true, rows: [body] };
}

/** Reads a row-objects request and its answer. */
export function readRowObjects(request: unknown, response: unknown, context: ExtractionContext): Extraction {
  const rows = rowsOfRowObjects(request, context);
  if (!rows.ok) return rows;
  const outputs = outputsOf(response, rows.rows.length, context, context.classes);
  return outputs.ok ? { ok: true, observed: { rows: rows.rows, outputs: outputs.outputs } } : outputs;
}

/** One row sent as its object; such a server takes no batch it obviously understands. */
export const writeOneRowObject = (rows: readonly RawRow[]): unknown => (rows.length === 1 ? rows[0] : undefined);
