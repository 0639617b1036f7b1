/**
 * What the gateway observed of the model behind it: ml_gateway_observed_total{endpoint} counts the
 * answered requests its mapping read (their predictions then count in ml_predictions_total like the
 * native server's), ml_gateway_unmapped_total{endpoint,reason} those it could not read — forwarded
 * anyway: the gateway never breaks traffic because it could not observe it. A rise of the second is
 * a mapping that no longer fits what the model server speaks.
 */
import { Counter, type Registry } from 'prom-client';
import type { UnmappedReason } from '../../gateway/mapping/types.js';

/** Recorders of the family. */
export interface GatewayObservedMetrics {
  observed(endpoint: string): void;
  unmapped(endpoint: string, reason: UnmappedReason): void;
}

/**
 * Registers the families.
 *
 * @example createGatewayObservedMetrics(registry).unmapped('/predict', 'response_unreadable');
 */
export function createGatewayObservedMetrics(registry: Registry): GatewayObservedMetrics {
  const observed = new Counter({ name: 'ml_gateway_observed_total', help: 'Answered requests whose bodies the gateway\'s mapping read into predictions, by endpoint.', labelNames: ['endpoint'] as const, registers: [registry] });
  const unmapped = new Counter({
    name: 'ml_gateway_unmapped_total',
    help: 'Answered requests the gateway forwarded but could not observe, by endpoint and reason (request_unreadable, response_unreadable, features_not_found, prediction_not_found, row_count_mismatch, body_too_large, unknown_class).',
    labelNames: ['endpoint', 'reason'] as const,
    registers: [registry],
  });
  return {
    observed: (endpoint) => observed.labels({ endpoint }).inc(),
    unmapped: (endpoint, reason) => unmapped.labels({ endpoint, reason }).inc(),
  };
}
