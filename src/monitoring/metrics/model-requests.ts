/**
 * Per-model-version request counts and latency: model_requests_total
 * {model_version,status} and model_latency_seconds{model_version}, plus ml_prediction_error_rate,
 * the share of predict requests in the last 5 minutes that got no prediction.
 */
import { Gauge, type Registry } from 'prom-client';
import { HotCounter, HotHistogram, type CounterChild, type HistogramChild } from './hot-path.js';
import { SlidingWindowRatio } from '../sliding-window.js';

/** Latency buckets from 1 ms to 2.5 s: a model call is milliseconds, a slow one stands out. */
export const MODEL_LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];

/** Records one predict request (single or batch). */
export type ModelRequestObserver = (modelVersion: string, ok: boolean, seconds: number, traceId?: string) => void;

/**
 * Registers the family. `modelVersion` is bounded: it comes from the registry, never from a request.
 *
 * @example createModelRequestMetrics(registry)('v3', true, 0.0009)
 */
export function createModelRequestMetrics(registry: Registry, errorWindowSeconds = 300, now: () => number = Date.now): ModelRequestObserver {
  const requests = new HotCounter({
    name: 'model_requests_total',
    help: 'Predict requests by model version and status (success or error).',
    labelNames: ['model_version', 'status'],
    registers: [registry],
  });
  const latency = new HotHistogram({
    name: 'model_latency_seconds',
    help: 'Predict request handling time by model version, in seconds.',
    labelNames: ['model_version'],
    buckets: MODEL_LATENCY_BUCKETS,
    registers: [registry],
  });
  const window = new SlidingWindowRatio(errorWindowSeconds, now);
  new Gauge({
    name: 'ml_prediction_error_rate',
    help: `Share of predict requests in the last ${errorWindowSeconds / 60} minutes that got no prediction (0..1).`,
    registers: [registry],
    collect() {
      this.set(window.ratio());
    },
  });
  const children = new Map<string, { ok: CounterChild; error: CounterChild; latency: HistogramChild }>();
  return (modelVersion, ok, seconds, traceId) => {
    let child = children.get(modelVersion);
    if (!child) {
      child = {
        ok: requests.child({ model_version: modelVersion, status: 'success' }),
        error: requests.child({ model_version: modelVersion, status: 'error' }),
        latency: latency.child({ model_version: modelVersion }),
      };
      children.set(modelVersion, child);
    }
    (ok ? child.ok : child.error).inc();
    child.latency.observe(seconds, traceId);
    window.record(!ok);
  };
}
