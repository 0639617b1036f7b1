/**
 * The gateway's traces, when tracing is on: a server span per request (the child of the caller's
 * span when its `traceparent` names one) and, for a forwarded request, a client span for the
 * upstream call, the server span's child. The upstream request carries `traceparent` (and
 * `tracestate`) naming the client span, so the model server's own spans join the same trace.
 *
 * app.ts calls these hooks from three places (the request, the upstream headers, the upstream's
 * answer or failure) and nothing else changes there. The request's ids are on `request.traceIds`
 * (trace id and server span id) for its audit line.
 */
import type { Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { traceIdsOf, type HeaderCarrier, type Tracing } from '../monitoring/tracing/tracing.js';
import { endpointOf, OTHER_ENDPOINT } from './mapping/routes.js';
import type { MappedRoute } from './mapping/types.js';

/** SpanStatusCode.ERROR of @opentelemetry/api. */
const SPAN_STATUS_ERROR = 2;

/** What app.ts calls. */
export interface GatewayTracing {
  /** Starts the upstream call's client span and writes `traceparent` naming it into `headers` (the copy sent upstream). */
  toUpstream(request: FastifyRequest, headers: HeaderCarrier, upstream: URL): void;
  /** The upstream answered with `statusCode`. */
  upstreamAnswered(request: FastifyRequest, statusCode: number): void;
  /** The upstream call failed (`kind` as in gateway_upstream_errors_total). */
  upstreamFailed(request: FastifyRequest, kind: string): void;
}

interface Spans {
  server: Span;
  client?: Span;
}

const spansOf = new WeakMap<FastifyRequest, Spans>();

/** Ends the request's client span once, after `describe` adds its outcome (nothing without one). */
function endClient(request: FastifyRequest, describe: (client: Span) => void): void {
  const spans = spansOf.get(request);
  if (!spans?.client) return;
  describe(spans.client);
  spans.client.end();
  spans.client = undefined;
}

/**
 * Adds the server span of every request to `app` and returns the hooks for the upstream call.
 *
 * @example
 * const traces = tracing ? traceGateway(app, tracing) : undefined;
 * traces?.toUpstream(request, headersToSend, upstream);
 */
export function traceGateway(app: FastifyInstance, tracing: Tracing, declared: readonly Pick<MappedRoute, 'endpoint' | 'pattern'>[]): GatewayTracing {
  app.addHook('onRequest', (request, reply, done) => {
    const method = request.method;
    const query = request.url.indexOf('?');
    const path = query < 0 ? request.url : request.url.slice(0, query);
    // Forwarded requests match the catch-all routes: their route is the preset's endpoint
    // (`/v2/models/:name/infer`), and a path no endpoint declares has none (the span is named by
    // its method alone, never by a raw path). The gateway's own endpoints have their own routes.
    const own = request.routeOptions.url;
    const endpoint = own === undefined || own === '/*' || own === '/' ? endpointOf(declared, path) : own;
    const route = endpoint === OTHER_ENDPOINT ? undefined : endpoint;
    const server = tracing.startServerSpan(route ? `${method} ${route}` : method, request.headers, () => ({
      'http.request.method': method,
      'url.path': path,
      'url.scheme': 'http',
      ...(route ? { 'http.route': route } : {}),
      'modelwatch.request_id': request.id,
    }));
    spansOf.set(request, { server });
    request.traceIds = traceIdsOf(server);
    reply.raw.once('close', () => {
      const status = reply.statusCode;
      server.setAttribute('http.response.status_code', status);
      if (!reply.raw.writableEnded) server.setAttribute('error.type', 'client_closed');
      else if (status >= 500) {
        server.setAttribute('error.type', String(status));
        server.setStatus({ code: SPAN_STATUS_ERROR });
      }
      // A client gone before the upstream answered leaves the client span open: end it too.
      endClient(request, (client) => client.setAttribute('error.type', 'client_closed'));
      server.end();
    });
    done();
  });

  return {
    toUpstream(request, headers, url) {
      const spans = spansOf.get(request);
      if (!spans) return;
      const method = request.method;
      spans.client = tracing.startClientSpan(spans.server, method, {
        'http.request.method': method,
        'server.address': url.hostname,
        'server.port': Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
        'url.full': `${url.origin}${request.url}`,
      });
      // The caller's traceparent (if any) is replaced by the one naming this call.
      tracing.inject(spans.client, headers);
    },
    upstreamAnswered(request, statusCode) {
      endClient(request, (client) => {
        client.setAttribute('http.response.status_code', statusCode);
        if (statusCode >= 400) {
          client.setAttribute('error.type', String(statusCode));
          client.setStatus({ code: SPAN_STATUS_ERROR });
        }
      });
    },
    upstreamFailed(request, kind) {
      endClient(request, (client) => {
        client.setAttribute('error.type', kind);
        client.setStatus({ code: SPAN_STATUS_ERROR, message: `upstream ${kind}` });
      });
    },
  };
}
