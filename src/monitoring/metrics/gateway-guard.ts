/**
 * What the gateway's guard (src/gateway/upstream-guard.ts) holds right now, read at scrape time so
 * the hot path does no extra work: gateway_upstream_in_flight (calls to the model server waiting
 * for an answer, against --max-in-flight) and gateway_circuit_state{state} (1 for the breaker's
 * state, 0 for the others), so an open circuit shows even when no client is refused.
 */
import { Gauge, type Registry } from 'prom-client';
import type { CircuitState } from '../../gateway/upstream-guard.js';

const STATES: readonly CircuitState[] = ['closed', 'open', 'half_open'];

/**
 * Registers the two gauges, each read from `read` when Prometheus scrapes.
 *
 * @example registerGuardGauges(registry, () => ({ inFlight: guard.inFlight, circuit: guard.circuit }));
 */
export function registerGuardGauges(registry: Registry, read: () => { inFlight: number; circuit: CircuitState }): void {
  new Gauge({
    name: 'gateway_upstream_in_flight',
    help: 'Calls from the gateway to the model server waiting for an answer now (bounded by --max-in-flight).',
    registers: [registry],
    collect() {
      this.set(read().inFlight);
    },
  });
  new Gauge({
    name: 'gateway_circuit_state',
    help: 'The circuit breaker in front of the model server: 1 for its state now (closed, open, half_open), 0 for the others.',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const now = read().circuit;
      for (const state of STATES) this.labels({ state }).set(state === now ? 1 : 0);
    },
  });
}
