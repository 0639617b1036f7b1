/**
 * A small JSON client for Kibana's HTTP API (Kibana has no official Node client): basic auth, the
 * `kbn-xsrf` header every write needs, an optional CA, a timeout, and errors that say what to do.
 */
import { Agent, fetch, type FormData } from 'undici';
import type { SetupConnection } from './connection.js';
import { answerError, unreachable, type Step } from './http-errors.js';

/** A Kibana answer: its status and parsed body. */
export interface KibanaAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** Calls Kibana; `close()` releases the connection pool. */
export interface KibanaClient {
  /**
   * One call. A 2xx (or a 404 where `missingOk`) is returned; anything else throws a setup error
   * describing `step`.
   */
  request(step: Pick<Step, 'action' | 'privilege'>, method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown, missingOk?: boolean): Promise<KibanaAnswer>;
  close(): Promise<void>;
}

const isForm = (body: unknown): body is FormData => typeof body === 'object' && body !== null && (body as { [Symbol.toStringTag]?: string })[Symbol.toStringTag] === 'FormData';

/**
 * A client for the Kibana at `conn.url`.
 *
 * @example const kibana = kibanaClient(conn); await kibana.request(step, 'GET', 'api/status');
 */
export function kibanaClient(conn: SetupConnection): KibanaClient {
  // Paths are relative, so a Kibana behind a base path (server.basePath) works: keep its slash.
  const base = conn.url.endsWith('/') ? conn.url : `${conn.url}/`;
  const dispatcher = new Agent(conn.ca ? { connect: { ca: conn.ca } } : {});
  const authorization = conn.password !== undefined ? `Basic ${Buffer.from(`${conn.username}:${conn.password}`).toString('base64')}` : undefined;
  return {
    async request(partial, method, path, body, missingOk = false) {
      const step: Step = { service: 'Kibana', url: conn.url, username: conn.username, ...partial };
      const headers: Record<string, string> = { 'kbn-xsrf': 'true', accept: 'application/json' };
      if (authorization) headers.authorization = authorization;
      if (body !== undefined && !isForm(body)) headers['content-type'] = 'application/json';
      let response;
      let text: string;
      try {
        response = await fetch(new URL(path, base), {
          method,
          headers,
          body: body === undefined ? undefined : isForm(body) ? body : JSON.stringify(body),
          dispatcher,
          signal: AbortSignal.timeout(conn.timeoutSeconds * 1000),
        });
        text = await response.text();
      } catch (error) {
        throw unreachable(step, error, conn.timeoutSeconds);
      }
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // Not JSON (a proxy's error page): the text is the reason.
      }
      if ((response.status >= 200 && response.status < 300) || (missingOk && response.status === 404)) return { status: response.status, body: parsed };
      const message = typeof parsed === 'object' && parsed !== null ? (parsed as { message?: string }).message : text.slice(0, 300);
      throw answerError(step, response.status, message ?? '');
    },
    close: () => dispatcher.close(),
  };
}
