/**
 * A route a preset declares in code: its template, and functions that read and build its bodies.
 * The reader is only called with two parsed bodies (`undefined`, a body that did not parse, is
 * answered here).
 */
import type { ModelSchema } from '../../data/model-schema.js';
import { unreadable } from './extraction.js';
import { compileTemplate, type RouteTemplate } from './route-template.js';
import type { Extraction, ExtractionContext, MappedRoute, RawRow } from './types.js';

/** Reads both parsed bodies of one answered request. */
export type BodyReader = (request: unknown, response: unknown, context: ExtractionContext) => Extraction;
/** Builds the body asking for predictions of `rows`, or undefined when it cannot. */
export type BodyWriter = (rows: readonly RawRow[], schema: ModelSchema) => unknown;

/**
 * A route of a preset.
 *
 * @example declareRoute('/predict', (request, response, context) => …, (rows) => (rows.length === 1 ? rows[0] : undefined))
 */
export function declareRoute(template: string, read: BodyReader, write?: BodyWriter, method = 'POST'): MappedRoute {
  const compiled: RouteTemplate = compileTemplate(template);
  return {
    endpoint: compiled.endpoint,
    pattern: compiled.pattern,
    method,
    extract: (request, response, context) => unreadable(request, response) ?? read(request, response, context),
    ...(write
      ? {
          encode(rows, schema, params) {
            const path = compiled.fill(params);
            const body = rows.length === 0 || path === undefined ? undefined : write(rows, schema);
            return body === undefined || path === undefined ? undefined : { path, body };
          },
        }
      : {}),
  };
}
