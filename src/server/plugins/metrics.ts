/**
 * GET /metrics: Prometheus text format, or OpenMetrics when the scraper asks for it — and only
 * there, the latency histograms' exemplars (the trace id of a sampled request in that bucket).
 */
import type { FastifyInstance } from 'fastify';
import { Registry, type Metric, type OpenMetricsContentType } from 'prom-client';
import { FlushingRegistry } from '../../monitoring/metrics/index.js';

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
 * The registry's exposition in OpenMetrics 1.0, with exemplars.
 *
 * Histograms are written by a second registry in prom-client's OpenMetrics mode, which writes the
 * exemplars (and writes histograms exactly as the text format does otherwise); every other family
 * is the text format's, made OpenMetrics by {@link toOpenMetrics}. The registry itself stays in the
 * text format: prom-client's OpenMetrics mode renames counters in place (see toOpenMetrics).
 *
 * @example reply.type(OPENMETRICS_TYPE).send(await openMetricsOf(registry));
 */
export async function openMetricsOf(registry: Registry, histograms = openMetricsRegistry()): Promise<string> {
  if (registry instanceof FlushingRegistry) registry.flush();
  const parts: string[] = [];
  for (const metric of registry.getMetricsAsArray()) {
    // prom-client's types say an enum; the value is its name.
    if ((metric.type as unknown) !== 'histogram') {
      parts.push(await registry.getSingleMetricAsString(metric.name));
      continue;
    }
    // Registered afresh each time: a family the registry replaced is not the one written before.
    histograms.removeSingleMetric(metric.name);
    histograms.registerMetric(metric as unknown as Metric);
    parts.push(await histograms.getSingleMetricAsString(metric.name));
  }
  return toOpenMetrics(`${parts.join('\n')}\n`);
}

/** An empty registry in prom-client's OpenMetrics mode (a writer of single families). */
function openMetricsRegistry(): Registry<OpenMetricsContentType> {
  const registry = new Registry<OpenMetricsContentType>();
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  return registry;
}

/**
 * Registers GET /metrics.
 *
 * @example await app.register(registerMetricsRoute, { registry });
 */
export async function registerMetricsRoute(app: FastifyInstance, { registry }: { registry: Registry }): Promise<void> {
  const histograms = openMetricsRegistry();
  app.get('/metrics', async (request, reply) => {
    if (String(request.headers.accept ?? '').includes('application/openmetrics-text')) {
      return reply.type(OPENMETRICS_TYPE).send(await openMetricsOf(registry, histograms));
    }
    return reply.type(PROMETHEUS_TYPE).send(await registry.metrics());
  });
}
