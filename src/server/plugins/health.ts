/** GET /health (alive), GET /ready (a model is loaded) and GET /status (what is serving, and how). */
import type { FastifyInstance } from 'fastify';
import type { ModelSchema } from '../../data/model-schema.js';
import type { ModelMonitor } from '../../monitoring/model-monitor.js';
import type { ModelState } from '../model-state.js';
import type { RequestCounts } from './observability.js';

/** Options of {@link registerHealthRoutes}. */
export interface HealthRouteOptions {
  readonly state: ModelState;
  readonly serviceName: string;
  readonly startedAt: number;
  /** Request tallies for /status. */
  readonly counts: Readonly<RequestCounts>;
  /** Drift and quality for /status; absent when MODEL_MONITORING is off. */
  readonly monitor?: Pick<ModelMonitor, 'snapshot'>;
}

/**
 * Registers the health and status routes.
 *
 * @example await app.register(registerHealthRoutes, { state, serviceName: 'ml-pipeline', startedAt: Date.now(), counts });
 */
export async function registerHealthRoutes(app: FastifyInstance, options: HealthRouteOptions): Promise<void> {
  const { state } = options;
  app.get('/health', async () => ({ status: 'ok', service: options.serviceName }));

  app.get('/ready', async (_request, reply) => {
    const model = state.current;
    if (!model) return reply.code(503).send({ status: 'loading', ready: false });
    return { status: 'ready', ready: true, model_version: model.version };
  });

  app.get('/status', async () => {
    const model = state.current;
    const memory = process.memoryUsage();
    return {
      status: model ? 'ready' : 'loading',
      service: options.serviceName,
      uptime_seconds: (Date.now() - options.startedAt) / 1000,
      model: model
        ? { version: model.version, type: model.type, created_at: model.createdAt, load_seconds: model.loadSeconds, holdout: model.holdout, schema: schemaSummary(model.schema) }
        : null,
      requests: { ...options.counts },
      ...monitoring(options.monitor, model?.holdout),
      memory: { rss_bytes: memory.rss, heap_used_bytes: memory.heapUsed, heap_total_bytes: memory.heapTotal, external_bytes: memory.external },
      node: process.version,
    };
  });
}

/**
 * The model layer of /status: drift per feature with the most moved bins, and holdout, live and
 * estimated quality side by side (the estimate never replaces the other two: it cannot see a change
 * in how inputs relate to the outcome).
 */
function monitoring(monitor: HealthRouteOptions['monitor'], holdout: object | undefined) {
  if (!monitor) return { monitoring: 'off' as const };
  const { drift, quality, feedback } = monitor.snapshot();
  return { drift, quality: { holdout: holdout ?? null, ...quality }, feedback };
}

/**
 * What a client needs to call the model: task, classes, target and each feature with what it
 * accepts (the full schema, minus the prose).
 */
function schemaSummary(schema: ModelSchema) {
  return {
    task: schema.task,
    classes: schema.classes,
    target: schema.target.name,
    features: schema.features.map((f) =>
      f.kind === 'numeric'
        ? { name: f.name, kind: f.kind, integer: f.integer, min: f.min, max: f.max, required: f.required, default: f.default }
        : { name: f.name, kind: f.kind, categories: f.categories, required: f.required, default: f.default },
    ),
  };
}
