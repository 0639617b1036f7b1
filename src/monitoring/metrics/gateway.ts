/**
 * The gateway families, with the names and labels API-gateway dashboards and alerts already query:
 * gateway_http_requests_total{method,endpoint,status} and
 * gateway_http_request_duration_seconds{method,endpoint} for what clients asked of the gateway,
 * gateway_backend_requests_total{endpoint,status} and gateway_backend_request_duration_seconds for
 * what the gateway asked of the model server behind it, and gateway_upstream_errors_total{kind}
 * for the calls that got no answer. `endpoint` is bounded: a route the preset declares, or "other".
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import { HTTP_BUCKETS } from './http-requests.js';

/** Why an upstream call got no answer: the bounded `kind` of gateway_upstream_errors_total. */
export const UPSTREAM_ERROR_KINDS = ['unreachable', 'timeout', 'reset', 'other'] as const;
export type UpstreamErrorKind = (typeof UPSTREAM_ERROR_KINDS)[number];

/** Recorders of the gateway families. */
export interface GatewayMetrics {
  /** One request a client made of the gateway, answered with `status` after `seconds`. */
  request(method: string, endpoint: string, status: number, seconds: number): void;
  /** One call to the upstream, answered with `status` (or "error" when it was not) after `seconds`. */
  backend(endpoint: string, status: number | 'error', seconds: number): void;
  /** An upstream call that got no answer. */
  upstreamError(kind: UpstreamErrorKind): void;
  /** A call made again after its connection failed (an idempotent request without a body). */
  retried(): void;
  /** A request answered 503 by the gateway without calling the upstream. */
  refused(reason: 'overloaded' | 'circuit_open'): void;
}

/**
 * Registers the families.
 *
 * @example const metrics = createGatewayMetrics(registry); metrics.request('POST', '/predict', 200, 0.004);
 */
export function createGatewayMetrics(registry: Registry): GatewayMetrics {
  const requests = new Counter({ name: 'gateway_http_requests_total', help: 'Requests clients made of the gateway, by method, endpoint (a declared route or "other") and status.', labelNames: ['method', 'endpoint', 'status'] as const, registers: [registry] });
  const durations = new Histogram({ name: 'gateway_http_request_duration_seconds', help: 'Time from a request reaching the gateway to its answer leaving it, in seconds, by method and endpoint.', labelNames: ['method', 'endpoint'] as const, buckets: HTTP_BUCKETS, registers: [registry] });
  const backend = new Counter({ name: 'gateway_backend_requests_total', help: 'Calls from the gateway to the model server, by endpoint and the status it answered ("error" when it did not answer).', labelNames: ['endpoint', 'status'] as const, registers: [registry] });
  const backendDurations = new Histogram({ name: 'gateway_backend_request_duration_seconds', help: 'Time the model server took to answer the gateway (to its response headers), in seconds.', buckets: HTTP_BUCKETS, registers: [registry] });
  const errors = new Counter({ name: 'gateway_upstream_errors_total', help: 'Upstream calls that got no answer, by kind: unreachable (refused, unknown host), timeout, reset (closed mid-answer), other.', labelNames: ['kind'] as const, registers: [registry] });
  for (const kind of UPSTREAM_ERROR_KINDS) errors.labels({ kind }).inc(0);
  const refusals = new Counter({ name: 'gateway_requests_refused_total', help: 'Requests the gateway answered 503 without calling the model server: overloaded (too many calls in flight) or circuit_open (after consecutive failures).', labelNames: ['reason'] as const, registers: [registry] });
  for (const reason of ['overloaded', 'circuit_open'] as const) refusals.labels({ reason }).inc(0);
  const retries = new Counter({ name: 'gateway_upstream_retries_total', help: 'Upstream calls made again because the connection failed before any answer (idempotent requests without a body only).', registers: [registry] });
  return {
    retried: () => retries.inc(),
    request(method, endpoint, status, seconds) {
      requests.labels({ method, endpoint, status: String(status) }).inc();
      durations.labels({ method, endpoint }).observe(seconds);
    },
    backend(endpoint, status, seconds) {
      backend.labels({ endpoint, status: String(status) }).inc();
      backendDurations.observe(seconds);
    },
    upstreamError(kind) {
      errors.labels({ kind }).inc();
    },
    refused(reason) {
      refusals.labels({ reason }).inc();
    },
  };
}
