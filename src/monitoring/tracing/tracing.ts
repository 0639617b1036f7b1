/**
 * OpenTelemetry tracing for the service and the gateway: one tracer provider, made once at start
 * from the standard OTEL_* variables (settings.ts), whose spans a BatchSpanProcessor sends to an
 * OTLP/HTTP receiver (JSON) off the request path. When tracing is off {@link createTracing} answers
 * undefined before loading any of the SDK, and the request path has nothing to call.
 *
 * Nothing is registered globally (no global provider, propagator or context manager): the spans a
 * request makes are passed explicitly, so two apps in one process (tests) keep their traces apart
 * and nothing else in the process starts tracing by accident.
 */
import type { Attributes, Span, SpanKind, TextMapPropagator } from '@opentelemetry/api';
import { readTracingSettings, type SamplerName, type TracingSettings } from './settings.js';

/** The ids a request's audit lines and exemplars carry (ECS `trace.id` and `span.id`). */
export interface TraceIds {
  /** 32 lower-case hex digits. */
  readonly traceId: string;
  /** 16 lower-case hex digits: the request's server span. */
  readonly spanId: string;
  /** Whether the trace is sampled (recorded and exported): only then does an exemplar point at it. */
  readonly sampled: boolean;
}

/** Headers as Node gives them, and as they are handed to an upstream. */
export type HeaderCarrier = Record<string, string | string[] | number | undefined>;

/** The tracer of one process, with what a request needs from it. */
export interface Tracing {
  /** What was configured, for the start line (e.g. `parentbased_traceidratio 0.1 → http://…/v1/traces`). */
  readonly description: string;
  /**
   * A server span for an incoming request, the child of the caller's span when its `traceparent`
   * (W3C trace context) names one. `attributes` is called only for a span that is recorded: an
   * unsampled request builds none of them.
   */
  startServerSpan(name: string, headers: HeaderCarrier, attributes: () => Attributes): Span;
  /** A client span, child of `parent`, for a call this process makes. */
  startClientSpan(parent: Span, name: string, attributes: Attributes): Span;
  /** Writes `traceparent` (and `tracestate`) naming `span` into `headers`. */
  inject(span: Span, headers: HeaderCarrier): void;
  /** Sends the spans ended so far now instead of at the next batch (OTEL_BSP_SCHEDULE_DELAY, 5 s). */
  flush(): Promise<void>;
  /** Sends the spans still buffered and stops; resolves even if the receiver is gone. */
  shutdown(): Promise<void>;
}

/** Options of {@link createTracing}. */
export interface TracingOptions {
  /** The resource's `service.name` unless OTEL_SERVICE_NAME says otherwise. */
  readonly serviceName: string;
  /** Where the OTEL_* variables are read (default process.env; tests pass their own). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * The ids of a span, for the audit line and exemplars.
 *
 * @example traceIdsOf(span) // { traceId: '4bf9…', spanId: '00f0…', sampled: true }
 */
export function traceIdsOf(span: Span): TraceIds {
  const context = span.spanContext();
  // TraceFlags.SAMPLED is bit 0 (not imported, so this file loads no SDK code when tracing is off).
  return { traceId: context.traceId, spanId: context.spanId, sampled: (context.traceFlags & 1) === 1 };
}

/**
 * Starts tracing when the OTEL_* variables ask for it (an OTLP endpoint), else answers undefined
 * without loading the SDK. Throws a ConfigError (MW_CONFIG_INVALID) naming a variable that cannot be used.
 *
 * @example
 * const tracing = await createTracing({ serviceName: 'modelwatch' }); // OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4318
 * const span = tracing?.startServerSpan('POST /predict', request.headers, () => ({ 'http.route': '/predict' }));
 * span?.end();
 * await tracing?.shutdown();
 */
export async function createTracing(options: TracingOptions): Promise<Tracing | undefined> {
  const settings = readTracingSettings(options.env);
  if (!settings) return undefined;
  // Loaded only now: a process that does not trace never loads the SDK.
  const [api, core, base, exporterModule, resources] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/core'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  const resource = resources
    .defaultResource()
    .merge(resources.resourceFromAttributes({ 'service.name': options.serviceName }))
    // OTEL_RESOURCE_ATTRIBUTES (e.g. deployment.environment=prod), then OTEL_SERVICE_NAME over all.
    .merge(resources.detectResources({ detectors: [resources.envDetector] }))
    .merge(settings.serviceName ? resources.resourceFromAttributes({ 'service.name': settings.serviceName }) : resources.emptyResource());
  const exporter = new exporterModule.OTLPTraceExporter({ url: settings.tracesUrl });
  const provider = new base.BasicTracerProvider({
    resource,
    sampler: samplerOf(base, settings),
    // Queue size, batch size and timeout come from OTEL_BSP_* when set (the SDK reads them). The
    // delay between exports too, but its default here is 500 ms, not the SDK's 5 s: a span that
    // waits 5 s in the queue outlives V8's young generation and is promoted, and at 5 % sampling
    // that cost ~19 µs of CPU per request against ~7 µs at 500 ms (bench/tracing-cost.ts).
    spanProcessors: [new base.BatchSpanProcessor(exporter, { scheduledDelayMillis: process.env.OTEL_BSP_SCHEDULE_DELAY ? undefined : DEFAULT_EXPORT_DELAY_MS })],
  });
  const tracer = provider.getTracer('modelwatch');
  const propagator: TextMapPropagator = new core.W3CTraceContextPropagator();
  const SERVER = api.SpanKind.SERVER as SpanKind;
  const CLIENT = api.SpanKind.CLIENT as SpanKind;
  return {
    description: `${settings.sampler}${settings.sampler.endsWith('traceidratio') ? ` ${settings.ratio}` : ''} → ${settings.tracesUrl}`,
    startServerSpan(name, headers, attributes) {
      const parent = propagator.extract(api.ROOT_CONTEXT, headers, api.defaultTextMapGetter);
      const span = tracer.startSpan(name, { kind: SERVER }, parent);
      if (span.isRecording()) span.setAttributes(attributes());
      return span;
    },
    startClientSpan(parent, name, attributes) {
      return tracer.startSpan(name, { kind: CLIENT, attributes }, api.trace.setSpan(api.ROOT_CONTEXT, parent));
    },
    inject(span, headers) {
      propagator.inject(api.trace.setSpan(api.ROOT_CONTEXT, span), headers, api.defaultTextMapSetter);
    },
    flush: () => provider.forceFlush(),
    async shutdown() {
      try {
        await provider.shutdown();
      } catch {
        // A receiver that is gone loses the last batch; stopping must not fail for it.
      }
    },
  };
}

/** Milliseconds between two exports unless OTEL_BSP_SCHEDULE_DELAY says otherwise. */
const DEFAULT_EXPORT_DELAY_MS = 500;

/** The SDK's sampler for the configured name and ratio. */
function samplerOf(base: typeof import('@opentelemetry/sdk-trace-base'), settings: TracingSettings) {
  const name: SamplerName = settings.sampler;
  const root = name.endsWith('traceidratio') ? new base.TraceIdRatioBasedSampler(settings.ratio) : name.endsWith('always_off') ? new base.AlwaysOffSampler() : new base.AlwaysOnSampler();
  // A parent-based sampler follows the caller's decision (its traceparent's sampled flag) and
  // applies `root` only to traces that start here.
  return name.startsWith('parentbased_') ? new base.ParentBasedSampler({ root }) : root;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's trace and server span; null when tracing is off. */
    traceIds: TraceIds | null;
  }
}
