/** ml_input_validation_failures_total{reason,endpoint}: every rejected request, by a bounded reason. */
import { Counter, type Registry } from 'prom-client';
import { REJECTION_REASONS, type RejectionReason } from '../../errors.js';

/**
 * Registers the family with every reason pre-set to 0 (so `rate()` sees the series from the first
 * scrape) and returns the recorder. `endpoint` is a route template, never a raw URL.
 *
 * @example createValidationFailureMetrics(registry, ['/predict'])('out_of_range', '/predict')
 */
export function createValidationFailureMetrics(registry: Registry, endpoints: readonly string[]): (reason: RejectionReason, endpoint: string) => void {
  const counter = new Counter({
    name: 'ml_input_validation_failures_total',
    help: 'Requests rejected with a 4xx, by reason and endpoint.',
    labelNames: ['reason', 'endpoint'] as const,
    registers: [registry],
  });
  for (const endpoint of endpoints) for (const reason of REJECTION_REASONS) counter.labels({ reason, endpoint }).inc(0);
  return (reason, endpoint) => counter.labels({ reason, endpoint }).inc();
}
