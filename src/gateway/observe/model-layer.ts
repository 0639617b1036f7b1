/**
 * The model and audit layers of a gateway, built from the same settings and parts as the native
 * service's: the model monitor (drift against the reference profile, the prediction store, live
 * quality, the label-free estimate), the prediction metric families, the audit log, and
 * `POST <prefix>/feedback` joining labels by request id — fed by the {@link GatewayObserver} instead
 * of a model the process runs itself.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.js';
import { echo, RouteNotFoundError } from '../../errors.js';
import type { ServiceLogger } from '../../monitoring/audit/logger.js';
import { createGatewayObservedMetrics } from '../../monitoring/metrics/gateway-observed.js';
import { createGatewayTextMetrics } from '../../monitoring/metrics/gateway-text.js';
import type { ServiceMetrics } from '../../monitoring/metrics/index.js';
import { createModelMonitor, type ModelMonitor } from '../../monitoring/model-monitor.js';
import { ModelState } from '../../server/model-state.js';
import { errorHandling } from '../../server/plugins/errors.js';
import { registerFeedbackRoutes } from '../../server/plugins/feedback.js';
import type { Mapping } from '../mapping/types.js';
import type { ReferenceProfile } from '../profile/types.js';
import { GatewayObserver } from './observer.js';
import { missingCapabilities, referenceModel } from './reference-model.js';

/** The settings the model layer reads (the service's own, from the environment). */
export type ModelLayerConfig = Pick<
  Config,
  | 'METRICS_ENABLED' | 'AUDIT_LOG' | 'AUDIT_RAW_INPUTS' | 'MODEL_MONITORING' | 'MONITOR_INTERVAL_SECONDS' | 'FEEDBACK_BATCH_MAX_ITEMS' | 'PREDICTION_STORE_TTL_SECONDS'
  | 'DRIFT_WINDOW_SIZE' | 'DRIFT_WINDOW_SECONDS' | 'DRIFT_MIN_SAMPLES' | 'PREDICTION_STORE_MAX_ENTRIES' | 'QUALITY_WINDOW_SIZE' | 'QUALITY_MIN_LABELS' | 'BODY_LIMIT_BYTES'
>;

/** What the model layer is built from. */
export interface ModelLayerOptions {
  readonly config: ModelLayerConfig;
  readonly mapping: Mapping;
  readonly profile?: ReferenceProfile;
  /** A text model's vocabulary (the out-of-vocabulary share is measured against it). */
  readonly vocabulary?: ReadonlySet<string>;
  readonly metrics: ServiceMetrics;
  readonly log: ServiceLogger;
  /** Most bytes of a body observed (a compressed one, once decoded). */
  readonly observeMaxBytes: number;
  /** Clock in ms (tests inject one). */
  readonly now?: () => number;
}

/** A gateway's model layer. */
export interface ModelLayer {
  readonly observer: GatewayObserver;
  readonly monitor?: ModelMonitor;
  /** The model layer of GET <prefix>/status. */
  status(): Record<string, unknown>;
  /** Registers POST <prefix>/feedback and /feedback/batch (JSON bodies, coded errors) on `app`. */
  registerRoutes(app: FastifyInstance, prefix: string): Promise<void>;
  /** Observes what is queued and stops the monitor's timer. */
  stop(): void;
}

/**
 * Builds the model layer (its monitor ticking).
 *
 * @example const layer = createModelLayer({ config, mapping, profile, metrics, log }); observer = layer.observer;
 */
export function createModelLayer(options: ModelLayerOptions): ModelLayer {
  const { config, mapping, profile, metrics, log } = options;
  const model = referenceModel(mapping, profile);
  const learnClasses = !profile && !mapping.classes && mapping.text === true;
  if (profile?.reference_quality) metrics.setServingModel(model);
  else metrics.followPredictions(model);
  const monitor = config.MODEL_MONITORING && !learnClasses ? createModelMonitor(config, metrics, config.AUDIT_LOG ? log.audit : undefined, options.now) : undefined;
  const state = new ModelState();
  if (monitor) state.onServe((serving) => monitor.setModel(serving));
  state.serve(model);
  monitor?.start(config.MONITOR_INTERVAL_SECONDS);
  const observer = new GatewayObserver({
    model,
    // Answers are read in the server's class order (the mapping's), then put in the profile's.
    context: { featureNames: profile?.schema.features.map((f) => f.name), classes: learnClasses ? undefined : (mapping.classes ?? model.schema.classes), task: learnClasses ? undefined : model.schema.task, vocabulary: options.vocabulary },
    serverClasses: mapping.classes,
    counts: createGatewayObservedMetrics(metrics.registry),
    metrics: config.METRICS_ENABLED ? metrics : undefined,
    monitor,
    audit: config.AUDIT_LOG ? log : undefined,
    rawInputs: config.AUDIT_RAW_INPUTS,
    maxBytes: options.observeMaxBytes,
    learnClasses,
    log: log.service,
    observeText: mapping.text && config.METRICS_ENABLED ? createGatewayTextMetrics(metrics.registry) : undefined,
  });
  return {
    observer,
    monitor,
    status() {
      const snapshot = monitor?.snapshot();
      return {
        model_version: model.version,
        profile: profile ? { name: profile.name, version: profile.version, created_at: profile.created_at, source: profile.source } : null,
        task: model.schema.task,
        classes: learnClasses ? 'learned from answers (no profile, no classes in the mapping)' : model.schema.classes,
        features: model.schema.features.map((f) => f.name),
        observed: observer.tally,
        cannot_without_profile: missingCapabilities(profile),
        ...(learnClasses ? { feedback: 'off: without a profile or the mapping\'s classes a label has no fixed class to join' } : {}),
        ...(snapshot ? { drift: snapshot.drift, quality: { reference: profile?.reference_quality ?? null, ...snapshot.quality }, store: snapshot.feedback } : { monitoring: 'off' }),
      };
    },
    async registerRoutes(app, prefix) {
      await app.register(
        async (scope) => {
          // The gateway forwards raw bodies; its own routes read JSON, with the service's coded errors.
          // JSON only (another type is a coded 415), as the service's own /feedback.
          scope.removeAllContentTypeParsers();
          scope.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: config.BODY_LIMIT_BYTES }, scope.getDefaultJsonParser('ignore', 'ignore'));
          await scope.register(errorHandling, { bodyLimit: config.BODY_LIMIT_BYTES, log: log.service });
          await scope.register(registerFeedbackRoutes, { monitor, state, batchMaxItems: config.FEEDBACK_BATCH_MAX_ITEMS, ttlSeconds: config.PREDICTION_STORE_TTL_SECONDS });
          // The prefix is the gateway's: a path under it that is none of its routes is not forwarded.
          scope.all('/*', async (request) => {
            throw new RouteNotFoundError(request.method, echo(request.url.split('?')[0]));
          });
        },
        { prefix },
      );
    },
    stop() {
      observer.flush();
      monitor?.stop();
    },
  };
}
