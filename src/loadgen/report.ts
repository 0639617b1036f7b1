/** Human-readable lines for a load run: the live progress line and the final summary. */
import { MALFORMED_KINDS } from './malformed.js';
import type { LoadProgress, LoadSummary } from './types.js';

/** Beyond timer granularity and a GC pause: the generator, not the server, is the bottleneck. */
const LAG_WARNING_MS = 50;

/**
 * The one-line status rewritten each second on a terminal.
 *
 * @example formatProgress(p) // '12s  sent 240  ok 216  4xx 24  5xx 0  err 0  dropped 0  20 rps'
 */
export function formatProgress(p: LoadProgress): string {
  const extra = `${p.networkErrors ? `  err ${p.networkErrors}` : ''}${p.dropped ? `  dropped ${p.dropped}` : ''}`;
  return `${Math.round(p.elapsedSeconds)}s  sent ${p.sent}  ok ${p.ok}  4xx ${p.clientErrors}  5xx ${p.serverErrors}${extra}  ${p.currentRps} rps`;
}

/**
 * The final summary as aligned text.
 *
 * @example process.stdout.write(formatSummary(await runLoad(options)));
 */
export function formatSummary(s: LoadSummary): string {
  const ms = (v: number) => `${v.toFixed(v < 10 ? 2 : 1)} ms`;
  const malformed = MALFORMED_KINDS.filter((k) => s.malformed[k] > 0).map((k) => `${k} ${s.malformed[k]}`);
  const ended = s.endedBy === 'end-of-file' ? ' (replay reached the end of its file)' : s.endedBy === 'aborted' ? ' (stopped early)' : '';
  const lines = [
    `target        ${s.url} POST /predict, ${s.targetRps} rps for ${s.durationSeconds} s, ${s.source} rows${ended}`,
    `sent          ${s.sent} of ${s.scheduled} scheduled; dropped ${s.dropped}${s.dropped ? ' (due while the in-flight limit was reached)' : ''}`,
    `answers       ok ${s.ok}  4xx ${s.clientErrors}  5xx ${s.serverErrors}${s.otherStatus ? `  other ${s.otherStatus}` : ''}  network errors ${s.networkErrors}`,
    ...(malformed.length ? [`malformed     ${malformed.join(', ')}`] : []),
    `achieved      ${s.achievedRps.toFixed(1)} rps (${s.elapsedSeconds.toFixed(1)} s until the last answer)`,
    ...(s.maxLagMs > LAG_WARNING_MS ? [`schedule      sends ran up to ${s.maxLagMs.toFixed(0)} ms behind: the generator itself is short of CPU, so figures include its delays`] : []),
    s.latencyMs
      ? `latency       p50 ${ms(s.latencyMs.p50)}  p90 ${ms(s.latencyMs.p90)}  p99 ${ms(s.latencyMs.p99)}  max ${ms(s.latencyMs.max)}`
      : 'latency       n/a (no HTTP answers)',
    ...(s.firstNetworkError ? [`first error   ${s.firstNetworkError}`] : []),
  ];
  return `${lines.join('\n')}\n`;
}
