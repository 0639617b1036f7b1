/**
 * The observability hook: after a response is sent, record its metrics, count its drift, keep its
 * predictions for ground truth and write its audit lines. Work here does not delay the answer the
 * client is waiting for; it is O(1) per prediction.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Row } from '../../data/schema.js';
import type { InputProblem } from '../../errors.js';
import { inputHash } from '../../monitoring/audit/input-hash.js';
import type { ServiceLogger } from '../../monitoring/audit/logger.js';
import type { ServiceMetrics } from '../../monitoring/metrics/index.js';
import type { ModelMonitor } from '../../monitoring/model-monitor.js';
import type { ModelState } from '../model-state.js';
import type { PredictionRecord, RequestOutcome } from '../request-outcome.js';

/** Options of {@link observability}. */
export interface ObservabilityOptions {
  readonly state: ModelState;
  /** Absent when METRICS_ENABLED is false. */
  readonly metrics?: ServiceMetrics;
  /** Absent when AUDIT_LOG is false. */
  readonly audit?: Pick<ServiceLogger, 'audit' | 'prediction'>;
  /** Drift counts and the prediction store; absent when MODEL_MONITORING is off. */
  readonly monitor?: Pick<ModelMonitor, 'observe'>;
  readonly rawInputs: boolean;
  readonly redactFields: readonly string[];
  /** Plain tallies for /status, kept even when metrics are off. */
  readonly counts: RequestCounts;
}

/** Tallies since start, shown by GET /status. */
export interface RequestCounts {
  total: number;
  predict_requests: number;
  predictions: number;
  rejected: number;
  server_errors: number;
}

/** Fresh, zeroed tallies. */
export const newRequestCounts = (): RequestCounts => ({ total: 0, predict_requests: 0, predictions: 0, rejected: 0, server_errors: 0 });

const PREDICT_ROUTES = new Set(['/predict', '/predict/batch']);

/**
 * Registers the onResponse hook for the whole app.
 *
 * @example await app.register(observability, { state, metrics, audit: log, rawInputs: false, redactFields: [], counts });
 */
export const observability = fp<ObservabilityOptions>(async (app: FastifyInstance, options) => {
  const { state, metrics, audit, monitor } = options;
  const redact = new Set(options.redactFields);
  app.decorateRequest('outcome', null);

  const rawInput = (row: Row): Row => {
    const copy: Row = { ...row };
    for (const field of redact) if (field in copy) copy[field] = '[redacted]';
    return copy;
  };

  // What a client sent is an input like any other: in the audit log it is echoed only when raw
  // inputs are logged, and never for a redacted field ("rows[3].balance" is the field balance).
  const auditedProblem = (p: InputProblem): InputProblem => {
    if (!('got' in p)) return p;
    const field = p.field.slice(p.field.lastIndexOf('.') + 1);
    if (!options.rawInputs) return { field: p.field, reason: p.reason, expected: p.expected };
    return redact.has(field) ? { ...p, got: '[redacted]' } : p;
  };

  const auditPrediction = (route: string, outcome: RequestOutcome & { kind: 'predicted' }, record: PredictionRecord, durationMs: number) => {
    audit!.prediction({
      request_id: record.requestId,
      endpoint: route,
      prediction: record.prediction,
      confidence: record.confidence,
      probability: record.probability,
      duration: durationMs,
      model_type: outcome.modelType,
      model_version: outcome.modelVersion,
      input_hash: inputHash(record.row),
      ...(options.rawInputs ? { input: rawInput(record.row) } : {}),
    });
  };

  const auditRejection = (request: FastifyRequest, route: string, outcome: RequestOutcome & { kind: 'rejected' }, statusCode: number, durationMs: number) => {
    audit!.audit.warn(
      {
        request_id: request.id,
        endpoint: route,
        duration: durationMs,
        model_version: state.current?.version,
        model_type: state.current?.type,
        error: { code: outcome.code, type: outcome.reason, message: outcome.message },
        ...(outcome.problems ? { problems: outcome.problems.map(auditedProblem) } : {}),
        http: { response: { status_code: statusCode } },
        event: { action: route.startsWith('/feedback') ? 'feedback' : 'predict', outcome: 'failure' },
      },
      'request rejected',
    );
  };

  app.addHook('onResponse', (request, reply, done) => {
    // routeOptions is a getter that builds a fresh object: read it once per request.
    const route = request.routeOptions.url ?? 'unmatched';
    const durationMs = reply.elapsedTime;
    const seconds = durationMs / 1000;
    const outcome = request.outcome;
    const isPredict = PREDICT_ROUTES.has(route) && request.method === 'POST';
    const { counts } = options;
    counts.total++;
    if (reply.statusCode >= 500) counts.server_errors++;
    if (isPredict) counts.predict_requests++;
    if (outcome?.kind === 'predicted') counts.predictions += outcome.predictions.length;
    else if (outcome?.kind === 'rejected') counts.rejected++;
    if (metrics) {
      metrics.observeHttpRequest(request.method, route, reply.statusCode, seconds);
      if (isPredict) {
        const version = outcome?.kind === 'predicted' ? outcome.modelVersion : (state.current?.version ?? 'none');
        metrics.observeModelRequest(version, outcome?.kind === 'predicted', seconds);
        const user = request.headers['x-user-id'];
        metrics.touchClient(typeof user === 'string' && user ? user : request.ip);
        if (outcome?.kind === 'predicted') for (const p of outcome.predictions) metrics.observePrediction(p.prediction, p.confidence);
      }
      if (outcome?.kind === 'rejected') for (const reason of new Set([outcome.reason, ...(outcome.problems ?? []).map((p) => p.reason)])) metrics.recordRejection(reason, route);
    }
    if (monitor && outcome?.kind === 'predicted') for (const p of outcome.predictions) monitor.observe(p, outcome.modelVersion);
    if (audit && outcome) {
      if (outcome.kind === 'predicted') for (const p of outcome.predictions) auditPrediction(route, outcome, p, durationMs);
      else auditRejection(request, route, outcome, reply.statusCode, durationMs);
    }
    done();
  });
});
