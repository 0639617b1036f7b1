/**
 * A route read by paths (what a mapping file declares): the rows, or the texts, at one path of the
 * request; each output at its own path of the response. A path with `*` reads one value per row; a
 * path without reads one, for a single-row body. Every path must read as many values as the request
 * has rows.
 */
import type { ModelSchema, Task } from '../../data/model-schema.js';
import { observed, unmapped, unreadable } from './extraction.js';
import { readPath, writePath, type JsonPath } from './json-path.js';
import { labelOf, numberOf, probabilitiesOf, probabilityOf, type MutableOutput } from './outputs.js';
import type { RouteTemplate } from './route-template.js';
import { rowsOf } from './rows.js';
import { textFeatures } from './text-features.js';
import type { Extraction, ExtractionContext, MappedRoute, RawRow } from './types.js';

/** The outputs a response path can hold. */
export const OUTPUT_FIELDS = ['label', 'probability', 'probabilities', 'confidence', 'value'] as const;
export type OutputField = (typeof OUTPUT_FIELDS)[number];

/** How a row is sent when the route is driven (`encode`): an object of features, or values in the model's order. */
export type RowShape = 'object' | 'array';

/** What a path-read route reads, compiled. */
export interface PathRouteSpec {
  readonly template: RouteTemplate;
  readonly method: string;
  /** Where the rows are; exactly one of `rows` and `text`. */
  readonly rows?: JsonPath;
  /** Where the texts are (a text model: rows are the features derived from each text). */
  readonly text?: JsonPath;
  /** How `encode` sends a row (default `object`). */
  readonly rowsAs?: RowShape;
  readonly response: Readonly<Partial<Record<OutputField, JsonPath>>>;
  readonly task?: Task;
  readonly classes?: readonly string[];
}

/** One output field of one row from the value its path read, or a message. */
function setOutput(out: MutableOutput, field: OutputField, value: unknown, classes: readonly string[] | undefined): string | undefined {
  switch (field) {
    case 'label': {
      const label = labelOf(value);
      if (typeof label === 'object') return label.problem;
      out.label = label;
      return undefined;
    }
    case 'probabilities': {
      const ps = probabilitiesOf(value, classes);
      if (typeof ps === 'string') return ps;
      out.probabilities = ps;
      return undefined;
    }
    case 'value': {
      const v = numberOf(value);
      if (v === undefined) return `${JSON.stringify(value) ?? 'undefined'} is not a number`;
      out.value = v;
      return undefined;
    }
    default: {
      const p = probabilityOf(value);
      if (typeof p === 'string') return p;
      out[field] = p;
      return undefined;
    }
  }
}

/** The rows of a request: its rows as sent, or each text's derived features. */
function requestRows(spec: PathRouteSpec, request: unknown, context: ExtractionContext): { ok: true; rows: RawRow[] } | Extract<Extraction, { ok: false }> {
  const path = (spec.text ?? spec.rows) as JsonPath;
  const read = readPath(path, request);
  if (!read.ok) return unmapped('features_not_found', `${spec.text ? 'texts' : 'rows'} at ${JSON.stringify(path.text)}: ${read.detail}`);
  if (!spec.text) return rowsOf(read.values, context, (i) => (read.batch ? `row ${i} at ${JSON.stringify(path.text)}` : `the row at ${JSON.stringify(path.text)}`));
  if (read.values.length === 0) return unmapped('features_not_found', 'no texts: the batch is empty');
  const rows: RawRow[] = new Array(read.values.length);
  for (let i = 0; i < read.values.length; i++) {
    const text = read.values[i];
    if (typeof text !== 'string') return unmapped('features_not_found', `text ${i} at ${JSON.stringify(path.text)} is not a string`);
    rows[i] = textFeatures(text, context.vocabulary);
  }
  return { ok: true, rows };
}

/** Reads one answered request by the spec's paths. */
function extractByPaths(spec: PathRouteSpec, request: unknown, response: unknown, given: ExtractionContext): Extraction {
  const bad = unreadable(request, response);
  if (bad) return bad;
  const context: ExtractionContext = { ...given, task: given.task ?? spec.task };
  const classes = given.classes ?? spec.classes;
  const rows = requestRows(spec, request, context);
  if (!rows.ok) return rows;
  const n = rows.rows.length;
  const outputs: MutableOutput[] = Array.from({ length: n }, () => ({}));
  for (const field of OUTPUT_FIELDS) {
    const path = spec.response[field];
    if (!path) continue;
    const read = readPath(path, response);
    if (!read.ok) return unmapped('prediction_not_found', `${field} at ${JSON.stringify(path.text)}: ${read.detail}`);
    if (read.values.length !== n) return unmapped('row_count_mismatch', `${n} row(s) in the request, ${read.values.length} ${field} value(s) at ${JSON.stringify(path.text)} in the response`);
    for (let i = 0; i < n; i++) {
      const problem = setOutput(outputs[i], field, read.values[i], classes);
      if (problem) return unmapped('prediction_not_found', `${field} ${read.batch ? `${i} ` : ''}at ${JSON.stringify(path.text)}: ${problem}`);
    }
  }
  return observed(rows.rows, outputs);
}

/**
 * The body that sends `rows` to a path-read route: the rows written where the route reads them
 * (see {@link writePath}), or undefined when that is ambiguous, when the route reads texts, or
 * when the template has a parameter `params` does not give.
 */
function encodeByPaths(spec: PathRouteSpec, rows: readonly RawRow[], schema: ModelSchema, params?: Readonly<Record<string, string>>): { path: string; body: unknown } | undefined {
  if (!spec.rows || rows.length === 0) return undefined;
  const path = spec.template.fill(params);
  if (path === undefined) return undefined;
  const values = spec.rowsAs === 'array' ? rows.map((r) => schema.features.map((f) => r[f.name] ?? null)) : rows;
  const body = writePath(spec.rows, values);
  return body === undefined ? undefined : { path, body };
}

/**
 * A route read by paths.
 *
 * @example pathRoute({ template: compileTemplate('/score'), method: 'POST', rows: compilePath('/instances/*'), response: { label: compilePath('/predictions/*') } })
 */
export function pathRoute(spec: PathRouteSpec): MappedRoute {
  return {
    endpoint: spec.template.endpoint,
    pattern: spec.template.pattern,
    method: spec.method,
    extract: (request, response, context) => extractByPaths(spec, request, response, context),
    encode: (rows, schema, params) => encodeByPaths(spec, rows, schema, params),
  };
}
