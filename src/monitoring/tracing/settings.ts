/**
 * Whether and how to trace, read from OpenTelemetry's standard variables (the SDK's own names, so a
 * deployment configures modelwatch like any other instrumented service). Tracing is on only when an
 * OTLP endpoint is given: without one nothing of the SDK is loaded and the request path makes no
 * span. A value the SDK would quietly replace with its default (an unknown sampler, a ratio outside
 * 0..1) stops the start here instead, with the variable named: a typo must not turn into "every
 * request traced" at full traffic.
 */
import { ConfigError } from '../../errors.js';

/** OTEL_TRACES_SAMPLER's values (the specification's names). */
export const SAMPLER_NAMES = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;

/** One of {@link SAMPLER_NAMES}. */
export type SamplerName = (typeof SAMPLER_NAMES)[number];

/** What {@link readTracingSettings} found: where spans go and which requests are sampled. */
export interface TracingSettings {
  /** The OTLP/HTTP traces URL, e.g. http://collector:4318/v1/traces. */
  readonly tracesUrl: string;
  /** OTEL_SERVICE_NAME, when given (else the service's own name is the resource's service.name). */
  readonly serviceName?: string;
  readonly sampler: SamplerName;
  /** The share of root traces sampled by the ratio samplers (OTEL_TRACES_SAMPLER_ARG, default 1). */
  readonly ratio: number;
}

/** One OpenTelemetry variable modelwatch honours, for docs/configuration.md. */
export interface TracingVariable {
  readonly name: string;
  readonly default: string;
  readonly meaning: string;
}

/** The OTEL_* variables of `modelwatch serve` and `modelwatch gateway` (rendered into docs/configuration.md). */
export const TRACING_VARIABLES: readonly TracingVariable[] = [
  { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', default: '(unset: no tracing)', meaning: 'OTLP/HTTP receiver (an OpenTelemetry Collector, Jaeger, Tempo …), e.g. `http://otel-collector:4318`; spans go to `<endpoint>/v1/traces` as OTLP JSON. Unset, no SDK is loaded and no span is made.' },
  { name: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', default: '(unset)', meaning: 'The full traces URL, used as given; wins over OTEL_EXPORTER_OTLP_ENDPOINT.' },
  { name: 'OTEL_SERVICE_NAME', default: 'SERVICE_NAME (serve), `modelwatch-gateway` (gateway)', meaning: "The traces' `service.name`." },
  { name: 'OTEL_RESOURCE_ATTRIBUTES', default: '(unset)', meaning: 'More resource attributes, e.g. `deployment.environment=prod`.' },
  { name: 'OTEL_TRACES_SAMPLER', default: '`parentbased_always_on`', meaning: `Which requests are traced: ${SAMPLER_NAMES.map((n) => `\`${n}\``).join(', ')}. The parent-based ones follow a caller's sampled flag (its \`traceparent\`) and apply the rest to traces that start here. At high volume use \`parentbased_traceidratio\`.` },
  { name: 'OTEL_TRACES_SAMPLER_ARG', default: '`1`', meaning: 'The ratio (0 to 1) of the `traceidratio` samplers, e.g. `0.05`.' },
  { name: 'OTEL_TRACES_EXPORTER', default: '`otlp`', meaning: '`none` turns tracing off with an endpoint set; nothing else is accepted.' },
  { name: 'OTEL_SDK_DISABLED', default: '`false`', meaning: '`true` turns tracing off.' },
  { name: 'OTEL_EXPORTER_OTLP_HEADERS', default: '(unset)', meaning: 'Headers sent with every export, e.g. `authorization=Bearer abc` (read by the exporter; also `OTEL_EXPORTER_OTLP_TRACES_HEADERS`, `…_TIMEOUT`, `…_COMPRESSION`).' },
  { name: 'OTEL_BSP_SCHEDULE_DELAY, OTEL_BSP_MAX_QUEUE_SIZE, OTEL_BSP_MAX_EXPORT_BATCH_SIZE, OTEL_BSP_EXPORT_TIMEOUT', default: '`500`, `2048`, `512`, `30000`', meaning: 'The batch span processor: ms between exports (500 here, not the SDK\'s 5000: spans kept 5 s cost more, see performance.md), spans queued at most (more are dropped, never waited for), spans per export, ms an export may take.' },
];

type Env = Readonly<Record<string, string | undefined>>;

const value = (env: Env, name: string): string | undefined => {
  const text = env[name]?.trim();
  return text ? text : undefined;
};

/**
 * Reads the tracing settings, or undefined when tracing is off: no OTLP endpoint,
 * OTEL_SDK_DISABLED=true, or OTEL_TRACES_EXPORTER=none.
 *
 * @example
 * readTracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })?.tracesUrl // 'http://127.0.0.1:4318/v1/traces'
 * readTracingSettings({}) // undefined
 */
export function readTracingSettings(env: Env = process.env): TracingSettings | undefined {
  if (value(env, 'OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return undefined;
  const exporter = value(env, 'OTEL_TRACES_EXPORTER')?.toLowerCase();
  if (exporter === 'none') return undefined;
  if (exporter !== undefined && exporter !== 'otlp') throw new ConfigError('OTEL_TRACES_EXPORTER', exporter, 'otlp or none (spans are sent over OTLP/HTTP)');
  const tracesUrl = tracesUrlOf(env);
  if (tracesUrl === undefined) return undefined;
  const sampler = (value(env, 'OTEL_TRACES_SAMPLER') ?? 'parentbased_always_on').toLowerCase() as SamplerName;
  if (!SAMPLER_NAMES.includes(sampler)) throw new ConfigError('OTEL_TRACES_SAMPLER', sampler, `one of ${SAMPLER_NAMES.join(', ')}`);
  const ratioText = value(env, 'OTEL_TRACES_SAMPLER_ARG') ?? '1';
  const ratio = Number(ratioText);
  // Read (and checked) only for the ratio samplers, as the SDK does.
  if (sampler.endsWith('traceidratio') && (!Number.isFinite(ratio) || ratio < 0 || ratio > 1)) {
    throw new ConfigError('OTEL_TRACES_SAMPLER_ARG', ratioText, 'a ratio from 0 to 1, e.g. 0.1');
  }
  return { tracesUrl, serviceName: value(env, 'OTEL_SERVICE_NAME'), sampler, ratio: sampler.endsWith('traceidratio') ? ratio : 1 };
}

/** The traces URL: the per-signal variable as given, or the base endpoint with /v1/traces (the specification's rule). */
function tracesUrlOf(env: Env): string | undefined {
  const signal = value(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const base = value(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  const [name, url] = signal !== undefined ? ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', signal] : base !== undefined ? ['OTEL_EXPORTER_OTLP_ENDPOINT', `${base.replace(/\/+$/, '')}/v1/traces`] : [];
  if (name === undefined || url === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(name, signal ?? base ?? '', 'an http:// or https:// URL, e.g. http://otel-collector:4318');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ConfigError(name, signal ?? base ?? '', 'an http:// or https:// URL (OTLP/HTTP), e.g. http://otel-collector:4318');
  return parsed.href;
}
