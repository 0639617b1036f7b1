/** ml_app_memory_bytes: resident set size of the service, read at scrape time. */
import { Gauge, type Registry } from 'prom-client';

/**
 * Registers the gauge. RSS is what the OOM killer and a container limit see, so it is the memory
 * figure the dashboards' "Memory Usage" panel and the memory-spike alert want.
 *
 * @example registerMemoryMetrics(registry)
 */
export function registerMemoryMetrics(registry: Registry): void {
  new Gauge({
    name: 'ml_app_memory_bytes',
    help: 'Resident set size of the modelwatch process, in bytes.',
    registers: [registry],
    collect() {
      this.set(process.memoryUsage.rss());
    },
  });
}
