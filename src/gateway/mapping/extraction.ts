/**
 * The small vocabulary every route reader shares: how it says "observed" and "not observed, because",
 * and the one entry point that takes both bodies as bytes (parsing them, refusing one too large).
 */
import type { Extraction, ExtractionContext, MappedRoute, ObservedOutput, RawRow, UnmappedReason } from './types.js';

/** A failed read, as every reader returns it. */
export type Unmapped = Extract<Extraction, { ok: false }>;

/**
 * A failed read.
 *
 * @example unmapped('features_not_found', 'nothing at /rows') // { ok: false, reason: 'features_not_found', detail: 'nothing at /rows' }
 */
export function unmapped(reason: UnmappedReason, detail: string): Unmapped {
  return { ok: false, reason, detail };
}

/** Rows and outputs observed; a `row_count_mismatch` when they differ in number. */
export function observed(rows: readonly RawRow[], outputs: readonly ObservedOutput[]): Extraction {
  if (rows.length !== outputs.length) return unmapped('row_count_mismatch', `${rows.length} row(s) in the request, ${outputs.length} prediction(s) in the response`);
  return { ok: true, observed: { rows, outputs } };
}

/**
 * `request_unreadable` / `response_unreadable` for a body that did not parse (the gateway hands
 * `undefined` for it), else undefined: the reader goes on.
 */
export function unreadable(request: unknown, response: unknown): Unmapped | undefined {
  if (request === undefined) return unmapped('request_unreadable', 'the request body is not JSON');
  if (response === undefined) return unmapped('response_unreadable', 'the response body is not JSON');
  return undefined;
}

/** A body as the gateway captured it: the bytes, or undefined when it kept none. */
export type CapturedBody = string | Uint8Array | undefined;

/** The parsed JSON of a body, or undefined when it is empty or not JSON. */
function parse(body: string | Uint8Array): unknown {
  const text = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const sizeOf = (body: string | Uint8Array) => (typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);

/**
 * Reads one answered request from its captured bodies: `body_too_large` when either is larger than
 * `maxBytes` (the gateway forwarded it but keeps no more for observing), `request_unreadable` /
 * `response_unreadable` when one is missing or not JSON, else what the route reads.
 *
 * @example readAnswered(route, '{"age": 30}', '{"prediction": 1}', {}, 1 << 20)
 */
export function readAnswered(route: MappedRoute, request: CapturedBody, response: CapturedBody, context: ExtractionContext, maxBytes: number): Extraction {
  for (const [body, side] of [[request, 'request'], [response, 'response']] as const) {
    if (body !== undefined && sizeOf(body) > maxBytes) return unmapped('body_too_large', `the ${side} body is larger than ${maxBytes} bytes`);
  }
  const parsedRequest = request === undefined ? undefined : parse(request);
  if (parsedRequest === undefined) return unmapped('request_unreadable', request === undefined ? 'no request body' : 'the request body is not JSON');
  const parsedResponse = response === undefined ? undefined : parse(response);
  if (parsedResponse === undefined) return unmapped('response_unreadable', response === undefined ? 'no response body' : 'the response body is not JSON');
  return route.extract(parsedRequest, parsedResponse, context);
}
