/** http_request_duration_seconds: every HTTP request by method, route template and status code. */
import type { Registry } from 'prom-client';
import { HotHistogram, type HistogramChild } from './hot-path.js';

/** Buckets from 0.5 ms to 10 s: the service answers in about a millisecond; alerts look at 0.5 s and 1 s. */
export const HTTP_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Registers the family and returns an observer that caches one bound child per label set.
 *
 * @example
 * const observe = createHttpRequestMetrics(registry);
 * observe('POST', '/predict', 200, 0.0012);
 * observe('POST', '/predict', 200, 0.0012, '4bf92f3577b34da6a3ce929d0e0e4736'); // with its trace as the exemplar
 */
export function createHttpRequestMetrics(registry: Registry): (method: string, route: string, statusCode: number, seconds: number, traceId?: string) => void {
  const histogram = new HotHistogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency in seconds, by method, route template and status code.',
    labelNames: ['method', 'route', 'status_code'],
    buckets: HTTP_BUCKETS,
    registers: [registry],
  });
  // Nested by route, method and status: no key string is built per request (building one, and
  // turning the status into text, allocated and hashed a fresh string on every call).
  const children = new Map<string, Map<string, Map<number, HistogramChild>>>();
  return (method, route, statusCode, seconds, traceId) => {
    let byMethod = children.get(route);
    if (!byMethod) children.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map()));
    let child = byStatus.get(statusCode);
    if (!child) {
      child = histogram.child({ method, route, status_code: String(statusCode) });
      byStatus.set(statusCode, child);
    }
    child.observe(seconds, traceId);
  };
}
