/**
 * Scoring reference rows through the model server itself: the rows go in batches to the first route
 * of the mapping that can be driven (`MappedRoute.encode`), and each answer is read back with the
 * same route's `extract` — the code the gateway reads live answers with, so the profile's baseline of
 * outputs is what the gateway will compare live outputs against, read the same way.
 *
 * Batches go one after another on a kept-alive connection: a profile is built once, and a model
 * server should not see a burst it was not sized for.
 */
import type { ModelSchema } from '../../data/model-schema.js';
import { ProfileUpstreamError } from '../../errors.js';
import type { ExtractionContext, MappedRoute, Mapping, ObservedOutput, RawRow } from '../mapping/types.js';

/** How to reach the model server. */
export interface UpstreamScoringOptions {
  /** The server's base URL (a path in it is kept: `http://host/api` + `/predict`). */
  readonly upstream: string;
  readonly mapping: Mapping;
  /** Rows per request (a route that takes one row at a time is sent one per request). */
  readonly batchSize: number;
  /** Values of the route's path parameters, e.g. `{ name: 'iris' }` for `/v2/models/:name/infer`. */
  readonly params?: Readonly<Record<string, string>>;
  /** Seconds to wait for each answer. */
  readonly timeoutSeconds: number;
  /** Called after each batch with the rows scored so far and the total. */
  readonly onProgress?: (scored: number, total: number) => void;
}

/** The answers, and the route that gave them. */
export interface UpstreamScores {
  readonly outputs: readonly ObservedOutput[];
  readonly route: MappedRoute;
}

/**
 * Asks the model server for predictions of every row and reads them back.
 *
 * @throws ProfileUpstreamError naming the URL and the problem: no route that can be driven, the
 *   server unreachable or too slow, an error status, an answer that is not JSON, an answer the
 *   mapping cannot read or that holds another number of predictions than rows sent.
 * @example const { outputs } = await scoreThroughUpstream(rows, schema, context, { upstream: 'http://127.0.0.1:8000', mapping, batchSize: 100, timeoutSeconds: 30 });
 */
export async function scoreThroughUpstream(rows: readonly RawRow[], schema: ModelSchema, context: ExtractionContext, options: UpstreamScoringOptions): Promise<UpstreamScores> {
  const base = options.upstream.replace(/\/+$/, '');
  const fail = (problem: string): never => {
    throw new ProfileUpstreamError(base, problem);
  };
  // A route that takes a batch is preferred; one that takes a single row (a Flask app's /predict) is
  // sent the rows one by one.
  const batched = drivableRoute(options.mapping, rows.slice(0, options.batchSize), schema, options.params);
  const route =
    batched ??
    drivableRoute(options.mapping, rows.slice(0, 1), schema, options.params) ??
    fail(`the mapping ${options.mapping.name} has no route that can be asked for predictions${options.params ? '' : ' (a route with a parameter such as :name needs --model-name)'}; give the model's predictions with --predictions-column instead`);
  const batchSize = batched ? options.batchSize : 1;
  const outputs: ObservedOutput[] = [];
  for (let start = 0; start < rows.length; start += batchSize) {
    const batch = rows.slice(start, start + batchSize);
    const request = route.encode!(batch, schema, options.params) ?? fail(`route ${route.endpoint} cannot encode rows ${start + 1}..${start + batch.length}`);
    const url = `${base}${request.path}`;
    const at = `rows ${start + 1}..${start + batch.length}, POST ${request.path}`;
    const answer = await post(url, request.body, options.timeoutSeconds).catch((error: Error) => fail(`${at}: ${error.message}`));
    if (answer.status < 200 || answer.status > 299) fail(`${at}: answered ${answer.status}: ${answer.text.slice(0, 300)}`);
    let response: unknown;
    try {
      response = JSON.parse(answer.text);
    } catch {
      fail(`${at}: answered something that is not JSON: ${answer.text.slice(0, 200)}`);
    }
    const extraction = route.extract(request.body, response, context);
    if (!extraction.ok) fail(`${at}: the mapping ${options.mapping.name} could not read the answer (${extraction.reason}): ${extraction.detail}`);
    else {
      if (extraction.observed.outputs.length !== batch.length) fail(`${at}: ${batch.length} rows sent, ${extraction.observed.outputs.length} predictions in the answer`);
      outputs.push(...extraction.observed.outputs);
    }
    options.onProgress?.(outputs.length, rows.length);
  }
  return { outputs, route };
}

/** The first route that can encode rows (a route whose `encode` answers undefined cannot). */
function drivableRoute(mapping: Mapping, sample: readonly RawRow[], schema: ModelSchema, params: UpstreamScoringOptions['params']): MappedRoute | undefined {
  return mapping.routes.find((route) => route.encode !== undefined && route.encode(sample, schema, params) !== undefined);
}

/** POSTs JSON and reads the whole answer; a network failure or timeout is an Error saying which. */
async function post(url: string, body: unknown, timeoutSeconds: number): Promise<{ status: number; text: string }> {
  try {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutSeconds * 1000) });
    return { status: response.status, text: await response.text() };
  } catch (error) {
    const e = error as Error & { cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError') throw new Error(`no answer within ${timeoutSeconds} s (--timeout)`, { cause: error });
    const cause = e.cause?.code ?? e.cause?.message ?? e.message;
    throw new Error(`cannot reach ${url} (${cause}); is the model server running?`, { cause: error });
  }
}
