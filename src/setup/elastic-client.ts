/**
 * The official Elasticsearch client as `modelwatch setup elasticsearch` uses it: one attempt per
 * call, and every failure turned into a setup error that says what to do (see http-errors.ts).
 *
 * The client is the 8.x line: it speaks to Elasticsearch 8 and, through REST compatibility, 9; a
 * 9.x client would be refused by an 8.x cluster.
 */
import { Client, errors } from '@elastic/elasticsearch';
import { SetupFailedError } from '../errors.js';
import type { SetupConnection } from './connection.js';
import { answerError, unreachable, type Step } from './http-errors.js';

/** A connected client and the helpers each setup step calls it through. */
export interface ElasticSetupClient {
  readonly client: Client;
  /** Describes a call for its error messages: what it does and the privilege it needs. */
  readonly step: (action: string, privilege: string) => Step;
  /** Runs one call; a 404 is "there is none" (undefined) where `missingOk`, any other failure a setup error. */
  readonly call: <T>(step: Step, run: () => Promise<T>, missingOk?: boolean) => Promise<T | undefined>;
  readonly close: () => Promise<void>;
}

/**
 * A client for the Elasticsearch at `conn.url`.
 *
 * @example const es = elasticSetupClient(conn); await es.call(es.step('read …', 'the monitor privilege'), () => es.client.info());
 */
export function elasticSetupClient(conn: SetupConnection): ElasticSetupClient {
  const client = new Client({
    node: conn.url,
    ...(conn.password !== undefined ? { auth: { username: conn.username, password: conn.password } } : {}),
    ...(conn.ca ? { tls: { ca: conn.ca } } : {}),
    requestTimeout: conn.timeoutSeconds * 1000,
    // A setup is run by hand or by a deploy step that retries as a whole: fail fast and say why.
    maxRetries: 0,
  });
  return {
    client,
    step: (action, privilege) => ({ service: 'Elasticsearch', url: conn.url, username: conn.username, action, privilege }),
    call: async <T>(s: Step, run: () => Promise<T>, missingOk = false): Promise<T | undefined> => {
      try {
        return await run();
      } catch (error) {
        if (error instanceof errors.ResponseError) {
          if (missingOk && error.statusCode === 404) return undefined;
          // Most errors answer `{ error: { reason } }`; a missing alias answers `{ error: "alias [x] missing" }`.
          const body = error.body as { error?: { reason?: string } | string } | undefined;
          const reason = typeof body?.error === 'string' ? body.error : (body?.error?.reason ?? error.message);
          throw answerError(s, error.statusCode ?? 0, reason);
        }
        if (error instanceof errors.ProductNotSupportedError) throw new SetupFailedError('Elasticsearch', s.action, `the server at ${conn.url} is not Elasticsearch (no x-elastic-product header)`);
        if (error instanceof errors.ConnectionError || error instanceof errors.TimeoutError) throw unreachable(s, error, conn.timeoutSeconds);
        throw error;
      }
    },
    close: () => client.close(),
  };
}
