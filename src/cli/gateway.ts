/** `modelwatch gateway`: interface observability for a model someone else serves. */
import { Command, Option } from 'commander';
import { buildGateway, GATEWAY_PREFIX } from '../gateway/app.js';
import { PRESET_NAMES, type PresetName } from '../gateway/presets.js';
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
    .option('--prefix <path>', 'where the gateway\'s own endpoints live (metrics, health, ready, status)', parsePrefix, GATEWAY_PREFIX)
    .addHelpText('after', `\nThe gateway's own endpoints: <prefix>/metrics, <prefix>/health, <prefix>/ready, <prefix>/status.\nTraces: set OTEL_EXPORTER_OTLP_ENDPOINT (OTLP/HTTP) to send a server span per request and a client span per upstream call; traceparent is passed to the upstream. OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG choose the share sampled.\nExit codes: 0 stopped by SIGTERM or SIGINT; 1 failure; 2 a bad flag.\n`)
    .action(async (flags: GatewayFlags) => {
      // Traces only when OTEL_EXPORTER_OTLP_ENDPOINT (or the traces one) is set; a bad OTEL_* value stops here (exit 2).
      const tracing = await createTracing({ serviceName: 'modelwatch-gateway' });
      const { app } = await buildGateway({
        upstream: flags.upstream,
        preset: flags.preset,
        timeoutSeconds: flags.timeout,
        prefix: flags.prefix,
        maxInFlight: flags.maxInFlight,
        circuitFailures: flags.circuitFailures,
        circuitOpenSeconds: flags.circuitOpenSeconds,
        tracing,
      });
      const address = await app.listen({ port: flags.port, host: flags.host });
      process.stderr.write(`modelwatch gateway on ${address} in front of ${flags.upstream} (preset ${flags.preset}); metrics at ${address}${flags.prefix}/metrics\n`);
      if (tracing) process.stderr.write(`tracing: server and upstream-call spans, sampled ${tracing.description}\n`);
      await new Promise<void>((resolve) => {
        // The spans still buffered are sent once in-flight requests are done.
        const stop = () => void app.close().then(() => tracing?.shutdown()).then(resolve);
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
    });
}

function parsePrefix(value: string): string {
  if (!/^\/[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/.test(value)) throw usageError(`--prefix must be a path such as /-/modelwatch (no trailing slash), got "${value}"`);
  return value;
}
