/** ml_active_users: distinct clients in the last window (X-User-Id, else the remote address). */
import { Gauge, type Registry } from 'prom-client';
import { RecentClients } from '../recent-clients.js';

/**
 * Registers the gauge, computed at scrape time, and returns the per-request recorder.
 *
 * @example createActiveUserMetrics(registry, 300, 10_000)('alice')
 */
export function createActiveUserMetrics(registry: Registry, windowSeconds: number, maxTracked: number, now: () => number = Date.now): (client: string | undefined) => void {
  const clients = new RecentClients(windowSeconds * 1000, maxTracked, now);
  new Gauge({
    name: 'ml_active_users',
    help: `Distinct clients (X-User-Id header, else remote address) in the last ${windowSeconds} s; saturates at ACTIVE_USERS_MAX_TRACKED.`,
    registers: [registry],
    collect() {
      this.set(clients.count());
    },
  });
  return (client) => clients.touch(client);
}
