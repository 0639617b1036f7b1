/**
 * The gateway's model layer: every answered request of a mapped route — both bodies, kept as they
 * passed through — is read by the route's mapping into rows and outputs, then observed exactly as
 * the native server observes its own predictions: ml_predictions_total and its class and confidence
 * families, drift counts against the reference profile, an entry in the prediction store that
 * feedback joins by request id, and one audit line per prediction. Reading and observing happen in
 * batches after the answer is sent (util/deferred-batch.ts); nothing here touches the forwarded bytes.
 *
 * A body the mapping cannot read is counted in ml_gateway_unmapped_total{endpoint,reason}, and that
 * is all: the request was forwarded and answered unchanged.
 */
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import type { Logger } from 'pino';
import { inputHashFor } from '../../monitoring/audit/input-hash.js';
import type { ServiceLogger } from '../../monitoring/audit/logger.js';
import type { GatewayObservedMetrics } from '../../monitoring/metrics/gateway-observed.js';
import type { TextObserver } from '../../monitoring/metrics/gateway-text.js';
import type { ServiceMetrics } from '../../monitoring/metrics/index.js';
import type { ModelMonitor } from '../../monitoring/model-monitor.js';
import type { ServingModel } from '../../model/serving-model.js';
import type { PredictionRecord } from '../../server/request-outcome.js';
import { DeferredBatch } from '../../util/deferred-batch.js';
import { readAnswered } from '../mapping/extraction.js';
import type { ExtractionContext, MappedRoute, UnmappedReason } from '../mapping/types.js';
import { classLookup } from '../mapping/classes.js';
import { auditedInput, toRecords, type RecordModel } from './records.js';

/** One answered request of a mapped route, as the gateway kept it. */
export interface Exchange {
  readonly route: MappedRoute;
  readonly requestId: string;
  /** The request body as sent; undefined when it was larger than the gateway keeps. */
  readonly request: Buffer | undefined;
  readonly requestEncoding: string | undefined;
  /** The response body as answered; undefined when larger than the gateway keeps. */
  readonly response: Buffer | undefined;
  readonly responseEncoding: string | undefined;
  readonly status: number;
  /** Milliseconds from request to the end of the answer. */
  readonly durationMs: number;
  /** When it was answered, on the model monitor's clock. */
  readonly atMs: number;
  /** The request's trace, when tracing is on (the audit line carries it). */
  readonly trace?: { readonly traceId: string; readonly spanId: string };
}

/** What the observer writes to. */
export interface GatewayObserverOptions {
  readonly model: ServingModel;
  readonly context: ExtractionContext;
  /** The classes in the server's answer order, when a mapping gives them. */
  readonly serverClasses?: readonly string[];
  readonly counts: GatewayObservedMetrics;
  /** Absent when METRICS_ENABLED is false. */
  readonly metrics?: Pick<ServiceMetrics, 'observePrediction' | 'beforeCollect' | 'followPredictions'>;
  /** Drift and the prediction store; absent when MODEL_MONITORING is off. */
  readonly monitor?: Pick<ModelMonitor, 'observe' | 'beforeFlush'>;
  /** Absent when AUDIT_LOG is false. */
  readonly audit?: Pick<ServiceLogger, 'prediction' | 'beforeDrain'>;
  readonly rawInputs: boolean;
  /** Most bytes a compressed body may decode to before it is not observed (`body_too_large`). */
  readonly maxBytes: number;
  /**
   * Without a profile or the mapping's classes, class names are learned as they are first answered
   * (at most {@link MAX_LEARNED_CLASSES}) and counted by name; such predictions are not stored for
   * feedback, whose labels would have no fixed meaning.
   */
  readonly learnClasses: boolean;
  /** Where a failure to observe is reported. */
  readonly log?: Pick<Logger, 'error'>;
  /** A text model's input families (the rows are then the features derived from each text). */
  readonly observeText?: TextObserver;
}

/** Most class names learned without a profile (a server answering free text must not grow a label set). */
export const MAX_LEARNED_CLASSES = 50;

/**
 * Observes answered requests of mapped routes.
 *
 * @example const observer = new GatewayObserver({ model, context, counts, metrics, monitor, audit, rawInputs: false, learnClasses: false }); observer.push(exchange);
 */
export class GatewayObserver {
  private readonly queue = new DeferredBatch<Exchange>((exchange) => this.process(exchange));
  private readonly recordModel: RecordModel;
  private readonly learned: string[] = [];
  private readonly hash;
  /** Exchanges observed and not, since start (GET <prefix>/status). */
  readonly tally = { observed: 0, predictions: 0, unmapped: 0 };

  constructor(private readonly options: GatewayObserverOptions) {
    const { model } = options;
    this.recordModel = options.learnClasses ? { threshold: model.threshold, schema: { ...model.schema, task: 'multiclass', classes: this.learned } } : { schema: model.schema, threshold: model.threshold, serverClasses: options.serverClasses };
    this.hash = inputHashFor(model.schema.features);
    const flush = () => this.queue.flush();
    options.metrics?.beforeCollect(flush);
    options.monitor?.beforeFlush(flush);
    options.audit?.beforeDrain(flush);
  }

  /** Queues one answered request (O(1)); it is read and observed in the next batch. */
  push(exchange: Exchange): void {
    this.queue.push(exchange);
  }

  /** Observes everything queued. */
  flush(): void {
    this.queue.flush();
  }

  private process(exchange: Exchange): void {
    try {
      const reason = this.observe(exchange);
      if (reason) {
        this.tally.unmapped++;
        this.options.counts.unmapped(exchange.route.endpoint, reason);
      }
    } catch (error) {
      this.options.log?.error({ err: error, request_id: exchange.requestId, endpoint: exchange.route.endpoint }, 'observing an answered request failed; it was forwarded and answered');
    }
  }

  /** Observes one exchange; returns why it could not, if it could not. */
  private observe(exchange: Exchange): UnmappedReason | undefined {
    // Only answers are predictions: an error the upstream or the gateway answered is in gateway_* already.
    if (exchange.status < 200 || exchange.status >= 300) return undefined;
    if (!exchange.request || !exchange.response) return 'body_too_large';
    const request = decoded(exchange.request, exchange.requestEncoding, this.options.maxBytes);
    const response = decoded(exchange.response, exchange.responseEncoding, this.options.maxBytes);
    if (request === TOO_LARGE || response === TOO_LARGE) return 'body_too_large';
    const extraction = readAnswered(exchange.route, request, response, this.options.context, Number.POSITIVE_INFINITY);
    if (!extraction.ok) return extraction.reason;
    if (this.options.learnClasses) this.learn(extraction.observed.outputs);
    if (this.options.observeText) for (const row of extraction.observed.rows) this.options.observeText(Number(row.text_length), Number(row.token_count), row.oov_share === undefined ? undefined : Number(row.oov_share));
    const result = toRecords(extraction.observed.rows, extraction.observed.outputs, exchange.requestId, this.recordModel, exchange.route.indexedRows === true);
    if (!result.ok) return result.reason;
    this.tally.observed++;
    this.tally.predictions += result.records.length;
    this.options.counts.observed(exchange.route.endpoint);
    for (const record of result.records) this.record(record, exchange);
    return undefined;
  }

  private record(record: PredictionRecord, exchange: Exchange): void {
    const { model, metrics, monitor, audit } = this.options;
    if (audit) {
      audit.prediction({
        request_id: record.requestId,
        endpoint: exchange.route.endpoint,
        prediction: record.prediction,
        confidence: record.confidence,
        probability: record.probability,
        label: model.schema.task === 'multiclass' || this.options.learnClasses ? record.label : undefined,
        value: record.value,
        duration: exchange.durationMs,
        model_type: model.type,
        model_version: model.version,
        input_hash: this.hash(record.row),
        input: this.options.rawInputs ? auditedInput(record.row) : undefined,
        trace_id: exchange.trace?.traceId,
        span_id: exchange.trace?.spanId,
      });
    }
    metrics?.observePrediction(record.prediction, record.confidence, record.value);
    if (!this.options.learnClasses) monitor?.observe(record, model.version, exchange.atMs);
  }

  /** Adds class names first answered now (bounded), and tells the prediction family. */
  private learn(outputs: readonly { readonly label?: string | number }[]): void {
    let known = classLookup(this.learned);
    let grew = false;
    for (const out of outputs) {
      if (out.label === undefined || this.learned.length >= MAX_LEARNED_CLASSES) continue;
      if (known(String(out.label)) !== undefined) continue;
      this.learned.push(String(out.label));
      known = classLookup(this.learned);
      grew = true;
    }
    if (grew) this.options.metrics?.followPredictions({ schema: { task: 'multiclass', classes: [...this.learned] } });
  }
}

/** What {@link decoded} answers for a body that decodes to more than it may. */
const TOO_LARGE = Symbol('too large');

/**
 * A body as sent, decoded when the client or server compressed it — to at most `maxBytes` (a small
 * compressed body can decode to a gigabyte) — or undefined when it does not decode.
 */
function decoded(body: Buffer, encoding: string | undefined, maxBytes: number): Buffer | undefined | typeof TOO_LARGE {
  const options = { maxOutputLength: maxBytes };
  try {
    return encoding === 'gzip' || encoding === 'x-gzip' ? gunzipSync(body, options) : encoding === 'br' ? brotliDecompressSync(body, options) : encoding === 'deflate' ? inflateSync(body, options) : body;
  } catch (error) {
    return (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' ? TOO_LARGE : undefined;
  }
}
