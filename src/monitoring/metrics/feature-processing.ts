/** ml_feature_processing_seconds: time to validate, complete and encode a request's features. */
import type { Registry } from 'prom-client';
import { HotHistogram } from './hot-path.js';

/** Encoding takes microseconds; buckets reach down to 1 µs so the histogram says something. */
export const FEATURE_PROCESSING_BUCKETS = [0.000001, 0.0000025, 0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.01];

/**
 * Registers the family and returns the observer.
 *
 * @example createFeatureProcessingMetrics(registry)(0.000004)
 */
export function createFeatureProcessingMetrics(registry: Registry): (seconds: number) => void {
  const histogram = new HotHistogram({
    name: 'ml_feature_processing_seconds',
    help: 'Time to validate and encode the features of one request, in seconds.',
    buckets: FEATURE_PROCESSING_BUCKETS,
    registers: [registry],
  }).child({});
  return (seconds) => histogram.observe(seconds);
}
