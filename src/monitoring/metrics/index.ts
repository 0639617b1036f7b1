/**
 * All of the service's metric families on one injected registry (never prom-client's global one,
 * so tests and several apps in one process stay apart).
 */
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { RejectionReason } from '../../errors.js';
import { createActiveUserMetrics } from './active-users.js';
import { createDrillMetrics, type DrillMetrics } from './drill.js';
import { createFeatureProcessingMetrics } from './feature-processing.js';
import { createHttpRequestMetrics } from './http-requests.js';
import { registerLogLinesDroppedMetrics, type DroppedLineCounts } from './log-lines-dropped.js';
import { registerMemoryMetrics } from './memory.js';
import { registerResourceLimitMetrics } from './resource-limits.js';
import { createModelQualityMetrics, type LiveQuality, type ModelFacts } from './model-quality.js';
import { createModelReloadMetrics, type ReloadFailureReason } from './model-reload.js';
import { createModelRequestMetrics } from './model-requests.js';
import { createPredictionMetrics, type PredictionModelFacts } from './predictions.js';
import { createValidationFailureMetrics } from './validation-failures.js';

/** The recorders the request path and the model loader call. */
export interface ServiceMetrics {
  readonly registry: Registry;
  /** `traceId`, when given, is kept as the latency bucket's exemplar (OpenMetrics output). */
  observeHttpRequest(method: string, route: string, statusCode: number, seconds: number, traceId?: string): void;
  /** Counts one prediction: its class index (0..C−1) and confidence, or a regression's value. */
  observePrediction(predictionClass: number, confidence: number, value?: number): void;
  observeModelRequest(modelVersion: string, ok: boolean, seconds: number, traceId?: string): void;
  observeFeatureProcessing(seconds: number): void;
  recordRejection(reason: RejectionReason, endpoint: string): void;
  touchClient(client: string | undefined): void;
  /** Publishes a newly serving version: its facts, load time and the time of this success; the prediction family follows its task. */
  setServingModel(model: ModelFacts & PredictionModelFacts): void;
  /** Follows a task and classes for the prediction family alone (a gateway's model, whose quality facts may be unknown). */
  followPredictions(model: PredictionModelFacts): void;
  /** Counts a version that failed to load while the old one kept serving. */
  recordReloadFailure(reason: ReloadFailureReason): void;
  setLiveQuality(modelVersion: string, live: LiveQuality | undefined): void;
  /** The fire drill's counters (POST /admin/drill). */
  readonly drill: DrillMetrics;
  /** Runs `hook` before every read of the registry (a flush of deferred recording). */
  beforeCollect(hook: () => void): void;
}

/**
 * A registry that runs hooks before it is read, so recording deferred to batches is complete in
 * every scrape.
 */
export class FlushingRegistry extends Registry {
  private readonly hooks: (() => void)[] = [];

  /** Adds a hook run before every read. */
  beforeCollect(hook: () => void): void {
    this.hooks.push(hook);
  }

  /** Runs the hooks without reading: for readers of single metrics (the console's sampler). */
  flush(): void {
    for (const hook of this.hooks) hook();
  }

  override async metrics(): Promise<string> {
    this.flush();
    return super.metrics();
  }

  override async getMetricsAsJSON() {
    this.flush();
    return super.getMetricsAsJSON();
  }
}

/** Options of {@link createServiceMetrics}. */
export interface ServiceMetricsOptions {
  readonly registry?: Registry;
  readonly activeUsersWindowSeconds?: number;
  readonly activeUsersMaxTracked?: number;
  /** Route templates that count validation failures. */
  readonly endpoints?: readonly string[];
  /** Clock in ms, injectable for tests of the windows. */
  readonly now?: () => number;
  /** The log's dropped lines per destination (ml_log_lines_dropped_total); 0 without. */
  readonly logLinesDropped?: DroppedLineCounts;
}

/**
 * Creates every metric family on a registry of its own (plus Node's default process metrics).
 *
 * @example
 * const metrics = createServiceMetrics();
 * metrics.observePrediction(1, 0.91);
 * await metrics.registry.metrics();
 */
export function createServiceMetrics(options: ServiceMetricsOptions = {}): ServiceMetrics {
  const registry = options.registry ?? new FlushingRegistry();
  const now = options.now ?? Date.now;
  collectDefaultMetrics({ register: registry });
  // prom-client names three gauges with the counter suffix `_total`, which `promtool check metrics`
  // reports as a problem; what they count (handles, requests, resources) is in the event-loop lag
  // and process metrics already.
  for (const misnamed of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(misnamed);
  registerMemoryMetrics(registry);
  registerResourceLimitMetrics(registry);
  registerLogLinesDroppedMetrics(registry, options.logLinesDropped);
  const quality = createModelQualityMetrics(registry);
  const reload = createModelReloadMetrics(registry);
  const predictions = createPredictionMetrics(registry);
  return {
    registry,
    observeHttpRequest: createHttpRequestMetrics(registry),
    observePrediction: predictions.observe,
    observeModelRequest: createModelRequestMetrics(registry, 300, now),
    observeFeatureProcessing: createFeatureProcessingMetrics(registry),
    recordRejection: createValidationFailureMetrics(registry, options.endpoints ?? ['/predict', '/predict/batch', '/feedback', '/feedback/batch']),
    touchClient: createActiveUserMetrics(registry, options.activeUsersWindowSeconds ?? 300, options.activeUsersMaxTracked ?? 10_000, now),
    setServingModel: (model) => {
      quality.setServingModel(model);
      predictions.setModel(model);
      reload.recordModelServed(now());
    },
    followPredictions: predictions.setModel,
    recordReloadFailure: reload.recordReloadFailure,
    setLiveQuality: quality.setLiveQuality,
    drill: createDrillMetrics(registry),
    // A registry passed in (tests, a shared one) is read as it is.
    beforeCollect: (hook) => {
      if (registry instanceof FlushingRegistry) registry.beforeCollect(hook);
    },
  };
}
