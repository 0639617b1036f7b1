/**
 * `modelwatch drill`: starts (or with `--stop` ends) a fire drill on a running service through
 * `POST /admin/drill`, so a team can watch its alerts fire and reach its receivers. The token is
 * ADMIN_TOKEN, from the environment or `--token`. A service that cannot be reached, a refused token
 * or a service without ADMIN_TOKEN exit with code 1 and say which; bad flags exit with 2.
 */
import { Command } from 'commander';
import { DRILL_LIMITS, type DrillReport } from '../server/plugins/drill.js';
import { networkReason } from '../util/network-reason.js';
import { defaultServiceUrl, parseNumberOption, serviceUrlOption } from './options.js';

interface DrillFlags {
  url?: string;
  token?: string;
  errorShare: number;
  latencyMs: number;
  seconds: number;
  stop?: boolean;
  json?: boolean;
  timeout: number;
}

/** What the service answered: the drill's state, or a coded error. */
type Answer = DrillReport & { status?: string; code?: string; message?: string };

/**
 * Calls the drill endpoint and returns its answer; a failure is an Error whose message says what to do.
 *
 * @example await callDrill('http://localhost:5000/', 'secret', 'POST', { error_share: 0.1, extra_latency_ms: 0, seconds: 300 });
 */
export async function callDrill(url: string, token: string, method: 'POST' | 'DELETE', body?: Record<string, number>, timeoutMs = 10_000): Promise<Answer> {
  const target = new URL('admin/drill', url.endsWith('/') ? url : `${url}/`);
  let response: Response;
  try {
    response = await fetch(target, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new Error(`cannot reach modelwatch at ${target.origin}: ${networkReason(error, { timeout: `no answer within ${timeoutMs / 1000} s` })}; is it running? check --url`, { cause: error });
  }
  const text = await response.text();
  let answer: Answer;
  try {
    answer = JSON.parse(text) as Answer;
  } catch {
    throw new Error(`${target.href} answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
  if (response.status === 404 && answer.code === 'MW_ROUTE_NOT_FOUND') throw new Error(`${target.origin} has no fire drill: start the service with ADMIN_TOKEN set`);
  if (!response.ok) throw new Error(`${target.href} answered ${response.status} ${answer.code ?? ''}: ${answer.message ?? text}`);
  return answer;
}

const percent = (share: number) => `${Math.round(share * 1000) / 10} %`;

/**
 * Adds the `drill` command.
 *
 * @example registerDrillCommand(program); // modelwatch drill --url http://localhost:5000 --error-share 0.1 --seconds 300
 */
export function registerDrillCommand(program: Command): void {
  program
    .command('drill')
    .description('Fire drill: make a share of /predict answer 503 MW_DRILL_INJECTED and/or add latency on a running service for a while (POST /admin/drill), to prove alerting works end to end. --stop ends it early.')
    .addOption(serviceUrlOption())
    .option('--token <token>', 'the admin bearer token (env ADMIN_TOKEN)')
    .option('--error-share <share>', 'share of predict requests to fail with 503, 0..1', parseNumberOption('--error-share', 0, 1), 0.1)
    .option('--latency-ms <ms>', `milliseconds to add to every predict request, 0..${DRILL_LIMITS.maxLatencyMs}`, parseNumberOption('--latency-ms', 0, DRILL_LIMITS.maxLatencyMs), 0)
    .option('--seconds <s>', `how long the drill runs, 1..${DRILL_LIMITS.maxSeconds}`, parseNumberOption('--seconds', 1, DRILL_LIMITS.maxSeconds), DRILL_LIMITS.defaultSeconds)
    .option('--stop', 'end the running drill now (DELETE /admin/drill)')
    .option('--timeout <s>', 'seconds to wait for the service', parseNumberOption('--timeout', 0.1, 600), 10)
    .option('--json', "print the service's answer as JSON")
    .addHelpText(
      'after',
      '\nExamples:\n  ADMIN_TOKEN=… modelwatch drill --url http://localhost:5000 --error-share 0.1 --seconds 300\n  ADMIN_TOKEN=… modelwatch drill --latency-ms 800 --error-share 0 --seconds 600\n  ADMIN_TOKEN=… modelwatch drill --stop\n\nWith --error-share 0.1 the critical HighRequestErrorRatio alert reaches Alertmanager within 2 minutes\n(docs/runbooks.md, "Fire drill").\n',
    )
    .action(async (flags: DrillFlags, command: Command) => {
      const token = flags.token ?? process.env.ADMIN_TOKEN;
      if (!token) command.error('error: no admin token: pass --token or set ADMIN_TOKEN (the service must run with the same ADMIN_TOKEN)', { exitCode: 2, code: 'commander.missingArgument' });
      if (!flags.stop && flags.errorShare === 0 && flags.latencyMs === 0) command.error('error: --error-share and --latency-ms are both 0: a drill that does nothing proves nothing', { exitCode: 2, code: 'commander.conflictingOption' });
      const url = flags.url ?? defaultServiceUrl(process.env);
      const answer = flags.stop
        ? await callDrill(url, token, 'DELETE', undefined, flags.timeout * 1000)
        : await callDrill(url, token, 'POST', { error_share: flags.errorShare, extra_latency_ms: flags.latencyMs, seconds: flags.seconds }, flags.timeout * 1000);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(answer)}\n`);
      } else if (flags.stop) {
        process.stdout.write(answer.status === 'stopped' ? `fire drill stopped: ${answer.drilled.error} requests failed, ${answer.drilled.latency} delayed\n` : 'no fire drill was running\n');
      } else {
        process.stdout.write(`fire drill running until ${answer.ends_at}: ${percent(answer.error_share)} of predict requests answer 503 MW_DRILL_INJECTED, ${answer.extra_latency_ms} ms added to each\n`);
      }
    });
}
