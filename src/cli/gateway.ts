/** `modelwatch gateway`: interface observability for a model someone else serves. */
import { Command, Option } from 'commander';
import { loadConfig } from '../config.js';
import { mappingFor } from '../gateway/mapping/routes.js';
import { readProfile } from '../gateway/profile/read-profile.js';
import { readVocabulary } from '../gateway/mapping/text-features.js';
import { createLogger } from '../monitoring/audit/logger.js';
import { createPrettyStream, wantsPrettyLogs } from '../monitoring/audit/pretty-stream.js';
import { buildGateway, GATEWAY_PREFIX, OBSERVE_MAX_BYTES } from '../gateway/app.js';
import { DEFAULT_GATEWAY_BODY_LIMIT } from '../gateway/body-limit.js';
import { PRESET_NAMES, type PresetName } from '../gateway/mapping/presets/index.js';
import { createTracing } from '../monitoring/tracing/tracing.js';
import { parseNumberOption, parseUrlOption, usageError } from './options.js';

interface GatewayFlags {
  upstream: string;
  port: number;
  host: string;
  preset: PresetName;
  timeout: number;
  prefix: string;
  maxInFlight: number;
  circuitFailures: number;
  circuitOpenSeconds: number;
  retries: number;
  reference?: string;
  mapping?: string;
  vocabulary?: string;
  observeMaxBytes: number;
  bodyLimit: number;
}

/**
 * Adds the `gateway` command.
 *
 * @example registerGatewayCommand(program); // modelwatch gateway --upstream http://127.0.0.1:8000 --preset flask
 */
export function registerGatewayCommand(program: Command): void {
  program
    .command('gateway')
    .description(
      'Stand in front of a model server someone else runs (BentoML, KServe, MLServer, Triton, a Flask or FastAPI app, another modelwatch): every request is forwarded unchanged and answered with the upstream\'s answer, ' +
        'and the gateway_* metrics (requests, latency, upstream calls and failures) are served under the prefix, with /health, /ready (the upstream answers) and /status. ' +
        'An upstream that cannot be reached is answered 502 (MW_UPSTREAM_UNREACHABLE), one too slow 504 (MW_UPSTREAM_TIMEOUT).',
    )
    .requiredOption('--upstream <url>', 'the model server\'s base URL, e.g. http://127.0.0.1:8000', parseUrlOption('--upstream', ['http:', 'https:']))
    .option('--port <port>', 'TCP port to listen on', parseNumberOption('--port', 0, 65_535, true), 8080)
    .option('--host <host>', 'interface to bind', '0.0.0.0')
    .addOption(new Option('--preset <name>', 'what the upstream speaks: which paths are its model endpoints (the `endpoint` label; any other path is "other")').choices(PRESET_NAMES).default('native'))
    .option('--timeout <seconds>', 'how long to wait for the upstream to connect and answer', parseNumberOption('--timeout', 0.1, 3600), 30)
    .option('--max-in-flight <n>', 'most calls to the model server in flight at once; beyond, 503 with Retry-After', parseNumberOption('--max-in-flight', 1, 100_000, true), 256)
    .option('--circuit-failures <n>', 'failed calls in a row (unreachable, timeout, reset) that pause calls to the model server; 0 turns the breaker off', parseNumberOption('--circuit-failures', 0, 10_000, true), 5)
    .option('--circuit-open-seconds <s>', 'how long calls stay paused before one probe goes through', parseNumberOption('--circuit-open-seconds', 0.1, 3600), 10)
    .option('--retries <n>', 'calls made again when the connection to the model server failed before any answer (idempotent requests without a body only)', parseNumberOption('--retries', 0, 10, true), 1)
    .option('--mapping <file>', 'a mapping file (JSON): per route, where the features are in the request and the prediction in the answer; instead of the preset\'s (docs/gateway.md, "Mappings and presets")')
    .option('--reference <profile.json>', 'a reference profile (modelwatch profile): drift of every feature and of the predictions against it, and the label-free accuracy estimate')
    .option('--vocabulary <file>', 'a text model\'s vocabulary, one token per line: the share of out-of-vocabulary tokens is observed')
    .option('--observe-max-bytes <n>', 'largest request or response body kept for observing; larger ones are forwarded and counted as not observed', parseNumberOption('--observe-max-bytes', 1024, 1024 ** 3, true), OBSERVE_MAX_BYTES)
    .option('--body-limit <bytes>', 'largest request body passed to the model server; beyond, 413 (MW_GATEWAY_BODY_TOO_LARGE)', parseNumberOption('--body-limit', 1, 2 ** 40, true), DEFAULT_GATEWAY_BODY_LIMIT)
    .option('--prefix <path>', 'where the gateway\'s own endpoints live (metrics, health, ready, status)', parsePrefix, GATEWAY_PREFIX)
    .addHelpText('after', `\nThe gateway's own endpoints: <prefix>/metrics, <prefix>/health, <prefix>/ready, <prefix>/status, POST <prefix>/feedback and <prefix>/feedback/batch (labels joined by X-Request-Id).\nSettings of the service apply (LOG_FILE, AUDIT_LOG, MODEL_MONITORING, DRIFT_*, PREDICTION_STORE_*, MONITOR_INTERVAL_SECONDS; docs/configuration.md).\nTraces: set OTEL_EXPORTER_OTLP_ENDPOINT (OTLP/HTTP) to send a server span per request and a client span per upstream call; traceparent is passed to the upstream. OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG choose the share sampled.\nExit codes: 0 stopped by SIGTERM or SIGINT; 1 failure; 2 a bad flag.\n`)
    .action(async (flags: GatewayFlags) => {
      // The service's own settings apply: where audit lines go (LOG_FILE, AUDIT_LOG, LOG_STDOUT),
      // monitoring windows, the prediction store's size and TTL.
      const config = loadConfig();
      const profile = flags.reference ? readProfile(flags.reference) : undefined;
      const pretty = config.LOG_STDOUT && wantsPrettyLogs(config.LOG_FORMAT, process.stdout.isTTY);
      const log = createLogger({ serviceName: config.SERVICE_NAME, level: config.LOG_LEVEL, stdout: config.LOG_STDOUT && !pretty, stream: pretty ? await createPrettyStream() : undefined, file: config.LOG_FILE });
      // Traces only when OTEL_EXPORTER_OTLP_ENDPOINT (or the traces one) is set; a bad OTEL_* value stops here (exit 2).
      const tracing = await createTracing({ serviceName: 'modelwatch-gateway' });
      const { app } = await buildGateway({
        config,
        log,
        upstream: flags.upstream,
        preset: flags.preset,
        timeoutSeconds: flags.timeout,
        prefix: flags.prefix,
        maxInFlight: flags.maxInFlight,
        circuitFailures: flags.circuitFailures,
        circuitOpenSeconds: flags.circuitOpenSeconds,
        retries: flags.retries,
        observeMaxBytes: flags.observeMaxBytes,
        profile,
        mapping: flags.mapping ? mappingFor({ file: flags.mapping }) : undefined,
        vocabulary: flags.vocabulary ? readVocabulary(flags.vocabulary) : profile?.text?.vocabulary ? new Set(profile.text.vocabulary) : undefined,
        bodyLimit: flags.bodyLimit,
        tracing,
      });
      const address = await app.listen({ port: flags.port, host: flags.host });
      process.stderr.write(`modelwatch gateway on ${address} in front of ${flags.upstream} (preset ${flags.preset}); metrics at ${address}${flags.prefix}/metrics\n`);
      if (tracing) process.stderr.write(`tracing: server and upstream-call spans, sampled ${tracing.description}\n`);
      log.service.info({ url: { full: address } }, `modelwatch gateway listening on ${address} in front of ${flags.upstream}`);
      await new Promise<void>((resolve) => {
        // In-flight requests finish, what was observed is written, then every log line and span.
        const stop = () => void app.close().then(() => log.drain()).then(() => tracing?.shutdown()).then(resolve);
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
    });
}

function parsePrefix(value: string): string {
  if (!/^\/[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/.test(value)) throw usageError(`--prefix must be a path such as /-/modelwatch (no trailing slash), got "${value}"`);
  return value;
}
