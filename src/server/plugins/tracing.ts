/**
 * A server span per request when tracing is on (registered only then): named `POST /predict`
 * (method and route template), with the HTTP semantic-convention attributes, the child of the
 * caller's span when its `traceparent` names one. Its ids are put on the request for the audit
 * line (`trace.id`, `span.id`) and the latency exemplars (observability.ts).
 *
 * The span ends when the response closes, like the recording of the request (when-answered.ts),
 * so an answer whose client hung up still ends its span.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { traceIdsOf, type Tracing } from '../../monitoring/tracing/tracing.js';

/** SpanStatusCode.ERROR of @opentelemetry/api (a number, so the plugin loads no SDK code). */
const SPAN_STATUS_ERROR = 2;

/**
 * Registers the server span of every request.
 *
 * @example if (tracing) await app.register(requestTracing, { tracing });
 */
export const requestTracing = fp<{ tracing: Tracing }>(async (app: FastifyInstance, { tracing }) => {
  app.addHook('onRequest', (request, reply, done) => {
    const method = request.method;
    // routeOptions is a getter that builds a fresh object: read it once.
    const route = request.routeOptions.url;
    const span = tracing.startServerSpan(route ? `${method} ${route}` : method, request.headers, () => {
      const query = request.url.indexOf('?');
      return {
        'http.request.method': method,
        'url.path': query < 0 ? request.url : request.url.slice(0, query),
        'url.scheme': 'http',
        ...(route ? { 'http.route': route } : {}),
        // The id of the response's X-Request-Id and the audit line's request_id: from a trace to its lines.
        'modelwatch.request_id': request.id,
      };
    });
    request.traceIds = traceIdsOf(span);
    // An unsampled span records nothing: no outcome to add, and ending it does nothing.
    if (!span.isRecording()) return done();
    reply.raw.once('close', () => {
      const status = reply.statusCode;
      span.setAttribute('http.response.status_code', status);
      if (!reply.raw.writableEnded) span.setAttribute('error.type', 'client_closed');
      else if (status >= 500) {
        span.setAttribute('error.type', String(status));
        span.setStatus({ code: SPAN_STATUS_ERROR });
      }
      span.end();
    });
    done();
  });
});
