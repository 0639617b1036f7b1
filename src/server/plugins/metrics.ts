/** GET /metrics: Prometheus text format, or OpenMetrics when the scraper asks for it. */
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

const PROMETHEUS_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
const OPENMETRICS_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

/**
 * Converts prom-client's Prometheus text to OpenMetrics 1.0: counter families are named without
 * `_total` in HELP/TYPE (samples keep it), no blank lines, and a closing `# EOF`.
 *
 * Why not prom-client's own OpenMetrics mode: it renames counters in place on the shared registry,
 * so after one OpenMetrics scrape the Prometheus-format output loses its `_total` suffixes.
 *
 * @example toOpenMetrics('# TYPE a_total counter\na_total 1\n') // '# TYPE a counter\na_total 1\n# EOF\n'
 */
export function toOpenMetrics(text: string): string {
  const counters = new Set<string>();
  for (const match of text.matchAll(/^# TYPE (\S+)_total counter$/gm)) counters.add(match[1]);
  const lines = text.split('\n').filter((line) => line !== '');
  const out = lines.map((line) => {
    const meta = /^# (HELP|TYPE) (\S+)_total( .*)$/.exec(line);
    return meta && counters.has(meta[2]) ? `# ${meta[1]} ${meta[2]}${meta[3]}` : line;
  });
  return `${out.join('\n')}\n# EOF\n`;
}

/**
 * Registers GET /metrics.
 *
 * @example await app.register(registerMetricsRoute, { registry });
 */
export async function registerMetricsRoute(app: FastifyInstance, { registry }: { registry: Registry }): Promise<void> {
  app.get('/metrics', async (request, reply) => {
    const text = await registry.metrics();
    if (String(request.headers.accept ?? '').includes('application/openmetrics-text')) {
      return reply.type(OPENMETRICS_TYPE).send(toOpenMetrics(text));
    }
    return reply.type(PROMETHEUS_TYPE).send(text);
  });
}
