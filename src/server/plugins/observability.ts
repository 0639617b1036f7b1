/**
 * The observability hook: after a response is sent, record its metrics, count its drift, keep its
 * predictions for ground truth and write its audit lines. Work here does not delay the answer the
 * client is waiting for; it is O(1) per prediction, and done in batches.
 *
 * A request is recorded when its response closes, not when it finishes (when-answered.ts): an answer
 * whose client hung up first never finishes, and the prediction it made would have no audit line, no
 * metrics and no drift count. Recording never throws out of here: a failure is logged and the other requests of the batch are
 * still recorded, the audit line first.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Row } from '../../data/schema.js';
import type { InputProblem } from '../../errors.js';
import { inputHashFor } from '../../monitoring/audit/input-hash.js';
import type { ServiceLogger } from '../../monitoring/audit/logger.js';
import type { ServiceMetrics } from '../../monitoring/metrics/index.js';
import type { ModelMonitor } from '../../monitoring/model-monitor.js';
import type { TraceIds } from '../../monitoring/tracing/tracing.js';
import type { ModelState } from '../model-state.js';
import { PREDICT_ROUTES } from './predict.js';
import { whenAnswered } from '../when-answered.js';
import { DeferredBatch } from '../../util/deferred-batch.js';
import type { PredictionRecord, RequestOutcome } from '../request-outcome.js';

/** Options of {@link observability}. */
export interface ObservabilityOptions {
  readonly state: ModelState;
  /** Absent when METRICS_ENABLED is false. */
  readonly metrics?: ServiceMetrics;
  /** Absent when AUDIT_LOG is false. */
  readonly audit?: Pick<ServiceLogger, 'audit' | 'prediction' | 'beforeDrain'>;
  /** Drift counts and the prediction store; absent when MODEL_MONITORING is off. */
  readonly monitor?: Pick<ModelMonitor, 'observe' | 'beforeFlush' | 'now'>;
  readonly rawInputs: boolean;
  readonly redactFields: readonly string[];
  /** Plain tallies for /status, kept even when metrics are off. */
  readonly counts: RequestCounts;
  /** Where a failure to record is reported (the service log). */
  readonly log?: Pick<Logger, 'error'>;
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

/**
 * Registers the recording of every answered request for the whole app.
 *
 * @example await app.register(observability, { state, metrics, audit: log, rawInputs: false, redactFields: [], counts });
 */
export const observability = fp<ObservabilityOptions>(async (app: FastifyInstance, options) => {
  const { state, metrics, audit, monitor } = options;
  const redact = new Set(options.redactFields);
  app.decorateRequest('outcome', null);
  // Set by the tracing plugin (plugins/tracing.ts) when tracing is on.
  app.decorateRequest('traceIds', null);

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

  const auditPrediction = (route: string, outcome: RequestOutcome & { kind: 'predicted' }, record: PredictionRecord, durationMs: number, trace: TraceIds | null) => {
    audit!.prediction({
      request_id: record.requestId,
      endpoint: route,
      prediction: record.prediction,
      confidence: record.confidence,
      probability: record.probability,
      // The class name on a multiclass line only: a binary line stays byte for byte what it was.
      label: record.probabilities ? record.label : undefined,
      value: record.value,
      duration: durationMs,
      model_type: outcome.modelType,
      model_version: outcome.modelVersion,
      input_hash: inputHashFor(outcome.model.schema.features)(record.row),
      // A property that is sometimes absent (a spread of {}) cost a copy of the record per line.
      input: options.rawInputs ? rawInput(record.row) : undefined,
      trace_id: trace?.traceId,
      span_id: trace?.spanId,
    });
  };

  const auditRejection = (o: Observation, outcome: RequestOutcome & { kind: 'rejected' }) => {
    audit!.audit.warn(
      {
        request_id: o.requestId,
        endpoint: o.route,
        duration: o.durationMs,
        model_version: o.modelVersion,
        model_type: o.modelType,
        error: { code: outcome.code, type: outcome.reason, message: outcome.message },
        ...(outcome.problems ? { problems: outcome.problems.map(auditedProblem) } : {}),
        http: { response: { status_code: o.statusCode } },
        event: { action: o.route.startsWith('/feedback') ? 'feedback' : 'predict', outcome: 'failure' },
        ...(o.trace ? { trace: { id: o.trace.traceId }, span: { id: o.trace.spanId } } : {}),
      },
      'request rejected',
    );
  };

  /** Records one answered request: audit lines, then metrics, drift and store. */
  const record = (o: Observation) => {
    const { outcome, route } = o;
    // The audit line first, guarded on its own: whatever fails after it cannot take it away.
    if (audit && outcome) {
      try {
        if (outcome.kind === 'predicted') for (const p of outcome.predictions) auditPrediction(route, outcome, p, o.durationMs, o.trace);
        else auditRejection(o, outcome);
      } catch (error) {
        recordingFailed(error, o);
      }
    }
    try {
      const isPredict = PREDICT_ROUTES.has(route) && o.method === 'POST';
      if (metrics) {
        // An exemplar names a trace only when it was sampled: an unsampled one was never stored.
        const exemplar = o.trace?.sampled ? o.trace.traceId : undefined;
        metrics.observeHttpRequest(o.method, route, o.statusCode, o.durationMs / 1000, exemplar);
        if (isPredict) {
          const version = outcome?.kind === 'predicted' ? outcome.modelVersion : (o.modelVersion ?? 'none');
          metrics.observeModelRequest(version, outcome?.kind === 'predicted', o.durationMs / 1000, exemplar);
          metrics.touchClient(o.client);
          if (outcome?.kind === 'predicted') for (const p of outcome.predictions) metrics.observePrediction(p.prediction, p.confidence, p.value);
        }
        if (outcome?.kind === 'rejected') for (const reason of new Set([outcome.reason, ...(outcome.problems ?? []).map((p) => p.reason)])) metrics.recordRejection(reason, route);
      }
      if (monitor && outcome?.kind === 'predicted') for (const p of outcome.predictions) monitor.observe(p, outcome.modelVersion, o.atMs);
    } catch (error) {
      recordingFailed(error, o);
    }
  };

  // A bug that fails every request would otherwise write a line per request: one line per
  // FAILURE_LOG_INTERVAL_MS at most, with the number of failures since the last one.
  let failures = 0;
  let lastFailureLog = -Infinity;
  const recordingFailed = (error: unknown, o: Observation) => {
    failures++;
    const now = performance.now();
    if (now - lastFailureLog < FAILURE_LOG_INTERVAL_MS) return;
    lastFailureLog = now;
    // Only fields the log's index template maps (request_id, endpoint, error.*); the count goes in the text.
    options.log?.error({ err: error, request_id: o.requestId, endpoint: o.route }, `recording an answered request failed (${failures} since the last such line); the other requests are still recorded`);
    failures = 0;
  };

  // Recording waits for a batch (util/deferred-batch.ts); whatever reads its results flushes first:
  // a scrape, a drained log, the model monitor, closing the app.
  const queue = new DeferredBatch<Observation>(record);
  const flush = () => queue.flush();
  metrics?.beforeCollect(flush);
  audit?.beforeDrain(flush);
  monitor?.beforeFlush(flush);
  app.addHook('onClose', (_instance, done) => {
    flush();
    done();
  });

  const observe = (request: FastifyRequest, reply: FastifyReply, durationMs: number) => {
    // routeOptions is a getter that builds a fresh object: read it once per request.
    const route = request.routeOptions.url ?? 'unmatched';
    const outcome = request.outcome;
    const { counts } = options;
    counts.total++;
    if (reply.statusCode >= 500) counts.server_errors++;
    if (PREDICT_ROUTES.has(route) && request.method === 'POST') counts.predict_requests++;
    if (outcome?.kind === 'predicted') counts.predictions += outcome.predictions.length;
    else if (outcome?.kind === 'rejected') counts.rejected++;
    if (metrics || monitor || (audit && outcome)) {
      const user = request.headers['x-user-id'];
      queue.push({
        requestId: request.id,
        method: request.method,
        route,
        statusCode: reply.statusCode,
        durationMs,
        outcome,
        // The address is undefined when the socket is gone and was never read (see rememberPeer).
        client: typeof user === 'string' && user ? user : request.ip,
        modelVersion: state.current?.version,
        modelType: state.current?.type,
        atMs: monitor ? monitor.now() : 0,
        trace: request.traceIds,
      });
    }
  };

  app.addHook('onRequest', (request, reply, done) => {
    whenAnswered(request, reply, options.log, 'recording an answered request', (durationMs) => observe(request, reply, durationMs));
    done();
  });

  // socket.remoteAddress asks the kernel for the peer and is undefined once the socket is closed,
  // unless it was asked before (Node keeps the answer): asked once when a connection opens, the
  // address of a client that hangs up mid-request is still known when its request is recorded.
  app.server.on('connection', rememberPeer);
});

const rememberPeer = (socket: Socket) => {
  void socket.remoteAddress;
};

/** Shortest time between two lines about failures to record. */
const FAILURE_LOG_INTERVAL_MS = 10_000;

/** What the hook keeps of a request for recording later. */
interface Observation {
  readonly requestId: string;
  readonly method: string;
  readonly route: string;
  readonly statusCode: number;
  readonly durationMs: number;
  readonly outcome: RequestOutcome | null;
  /** X-User-Id, else the remote address (ml_active_users); undefined when neither is known. */
  readonly client: string | undefined;
  /** The model serving when the request was answered. */
  readonly modelVersion: string | undefined;
  readonly modelType: string | undefined;
  /** When it was answered, on the model monitor's clock (0 without a monitor). */
  readonly atMs: number;
  /** Its trace and server span, when tracing is on. */
  readonly trace: TraceIds | null;
}
