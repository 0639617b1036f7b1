/** Human-readable lines for a load run: the live progress line and the final summary. */
import { MALFORMED_KINDS } from './malformed.js';
import type { FeedbackSummary, LoadProgress, LoadSummary } from './types.js';

/** Beyond timer granularity and a GC pause: the generator, not the server, is the bottleneck. */
const LAG_WARNING_MS = 50;

/** At most two decimals, without trailing zeros: 12.5, 33.33, 50. */
const round = (value: number) => Math.round(value * 100) / 100;

/**
 * The one-line status rewritten each second on a terminal.
 *
 * @example formatProgress(p) // '12s  sent 240  ok 216  4xx 24  5xx 0  err 3  dropped 2  feedback sent 100 joined 98  20 rps'
 */
export function formatProgress(p: LoadProgress): string {
  const labels = p.feedback ? `  feedback sent ${p.feedback.sent} joined ${p.feedback.joined}` : '';
  const extra = `${p.networkErrors ? `  err ${p.networkErrors}` : ''}${p.dropped ? `  dropped ${p.dropped}` : ''}${labels}`;
  return `${Math.round(p.elapsedSeconds)}s  sent ${p.sent}  ok ${p.ok}  4xx ${p.clientErrors}  5xx ${p.serverErrors}${extra}  ${p.currentRps} rps`;
}

/** The feedback lines of the summary: what was sent, then what the service made of it. */
function feedbackLines(s: LoadSummary): string[] {
  const f: FeedbackSummary = s.feedback;
  const when = s.feedbackDelaySeconds > 0 ? `${s.feedbackDelaySeconds} s after each answer` : 'as each answer arrived';
  const skipped = f.skipped ? `; skipped ${f.skipped} (the run was stopped early: never sent)` : '';
  const lines = [
    `feedback      labels of ${round(s.feedbackShare * 100)} % of ok answers, ${when}: sent ${f.sent} of ${f.scheduled}${skipped}`,
    `  answers     joined ${f.joined}  duplicate ${f.duplicate}  not found ${f.notFound}  conflict ${f.conflict}  4xx ${f.clientErrors}  5xx ${f.serverErrors}  network errors ${f.networkErrors}`,
  ];
  if (f.clientErrors > 0 && f.joined + f.duplicate + f.notFound + f.conflict === 0) {
    lines.push('  hint        every label was refused: does this service version have POST /feedback?');
  }
  return lines;
}

/** The drift line: when drift was due and whether the run got there. */
function driftLine(s: LoadSummary): string {
  const started = s.driftStartedAtSlot === null ? 'the run ended before it started' : `from slot ${s.driftStartedAtSlot} on`;
  return `drift         ${round(s.drift * 100)} % of rows from the late, drifted period after ${s.driftAtSeconds} s: ${started}`;
}


/** Why sends ran late: a replay waits for a free slot by design; synthetic traffic only when short of CPU. */
function lagLine(s: LoadSummary): string {
  const why =
    s.source === 'replay'
      ? 'a replay waits for a free slot rather than drop a row, so the server set the pace (more concurrency keeps the schedule)'
      : 'the generator itself is short of CPU, so figures include its delays';
  return `schedule      sends ran up to ${s.maxLagMs.toFixed(0)} ms behind: ${why}`;
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
    ...(s.drift > 0 ? [driftLine(s)] : []),
    `achieved      ${s.achievedRps.toFixed(1)} rps (${s.elapsedSeconds.toFixed(1)} s until the last answer)`,
    ...(s.maxLagMs > LAG_WARNING_MS ? [lagLine(s)] : []),
    s.latencyMs
      ? `latency       p50 ${ms(s.latencyMs.p50)}  p90 ${ms(s.latencyMs.p90)}  p99 ${ms(s.latencyMs.p99)}  max ${ms(s.latencyMs.max)}`
      : 'latency       n/a (no HTTP answers)',
    ...(s.firstNetworkError ? [`first error   ${s.firstNetworkError}`] : []),
    ...(s.feedbackShare > 0 ? feedbackLines(s) : []),
  ];
  return `${lines.join('\n')}\n`;
}
