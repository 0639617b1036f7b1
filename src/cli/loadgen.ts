/**
 * `modelwatch loadgen`: steady synthetic or replayed traffic against POST /predict, optionally with
 * delayed labels to POST /feedback and synthetic drift injected mid-run, then a summary.
 * The engine (undici, hdr-histogram-js: about 30 MB of RSS) is imported when the command runs, so
 * `modelwatch serve`, which builds the same command tree, does not carry it.
 */
import { Command } from 'commander';
import { MALFORMED_KINDS } from '../loadgen/malformed.js';
import { combinationProblem, MAX_FEEDBACK_DELAY_SECONDS, type CombinedOption } from '../loadgen/settings.js';
import { defaultServiceUrl, parseNumberOption, serviceUrlOption } from './options.js';
import { createProgress } from './progress.js';

interface LoadgenFlags {
  url?: string;
  rps: number;
  duration: number;
  invalidShare: number;
  replay?: string;
  concurrency: number;
  seed: number;
  feedbackShare: number;
  feedbackDelay: number;
  drift: number;
  driftAt: number;
  json?: boolean;
}

/** The flags behind the engine's option names, so a combination error speaks the user's language. */
const FLAG_OF: Readonly<Record<CombinedOption, string>> = {
  replay: '--replay',
  durationSeconds: '--duration',
  feedbackShare: '--feedback-share',
  feedbackDelaySeconds: '--feedback-delay',
  drift: '--drift',
  driftAtSeconds: '--drift-at',
};

/**
 * Adds the `loadgen` command.
 *
 * @example registerLoadgenCommand(program); // modelwatch loadgen --rps 50 --duration 60 --feedback-share 0.5 --drift 1 --drift-at 30
 */
export function registerLoadgenCommand(program: Command): void {
  program
    .command('loadgen')
    .description(
      'Send POST /predict at a steady open-loop rate (requests are not held back when the server slows down; synthetic ones that would ' +
        'exceed --concurrency are counted as dropped, a replay waits instead), with synthetic rows or a replayed CSV, then print a summary. ' +
        'Optionally send the true labels of a share of the answers to POST /feedback after a delay, and switch the synthetic rows to drifted ones mid-run.',
    )
    .addOption(serviceUrlOption())
    .option('--rps <n>', 'requests per second', parseNumberOption('--rps', 0.1, 100_000), 20)
    .option('--duration <seconds>', 'how long to send', parseNumberOption('--duration', 0.1, 604_800), 30)
    .option('--invalid-share <share>', `share of malformed requests, cycling through: ${MALFORMED_KINDS.join(', ')}`, parseNumberOption('--invalid-share', 0, 1), 0)
    .option(
      '--replay <csv>',
      'send the rows of this labelled CSV in file order (stops at its end) instead of synthetic rows; a replay never drops a row: ' +
        'it waits for a free slot, so its schedule slips when the server is slow (with --concurrency 1 rows arrive strictly in order)',
    )
    .option('--concurrency <n>', 'most requests in flight (one keep-alive connection each)', parseNumberOption('--concurrency', 1, 10_000, true), 64)
    .option('--seed <n>', 'seed of the synthetic rows and simulated user ids', parseNumberOption('--seed', 0, 0xffffffff, true), 1)
    .option(
      '--feedback-share <share>',
      'share of successful predictions whose true label (the row\'s y) is POSTed to <url>/feedback, exactly, not at random',
      parseNumberOption('--feedback-share', 0, 1),
      0,
    )
    .option(
      '--feedback-delay <seconds>',
      'seconds between a prediction\'s answer and its label (the run waits for the last labels before its summary)',
      parseNumberOption('--feedback-delay', 0, MAX_FEEDBACK_DELAY_SECONDS),
      0,
    )
    .option('--drift <share>', 'share of synthetic rows drawn from the late, drifted period of the real data once drift starts (not with --replay)', parseNumberOption('--drift', 0, 1), 0)
    .option('--drift-at <seconds>', 'seconds into the run at which --drift starts; rows due earlier have no drift', parseNumberOption('--drift-at', 0, 604_800), 0)
    .option('--json', 'print the summary as one JSON object')
    .addHelpText(
      'after',
      '\nProgress is shown on stderr when it is a terminal. Exit code 1 when no request got an HTTP answer.\n' +
        'Examples:\n' +
        '  modelwatch loadgen --rps 50 --duration 60\n' +
        '  modelwatch loadgen --replay data/bank-full.csv --rps 200 --invalid-share 0.05 --json\n' +
        '  modelwatch loadgen --rps 50 --duration 300 --feedback-share 0.5 --feedback-delay 30 --drift 1 --drift-at 120\n' +
        '  modelwatch loadgen --replay data/bank-full.csv --rps 100 --concurrency 1 --feedback-share 1',
    )
    .action(async (flags: LoadgenFlags, command: Command) => {
      const problem = combinationProblem(
        {
          replay: flags.replay,
          durationSeconds: flags.duration,
          feedbackShare: flags.feedbackShare,
          feedbackDelaySeconds: flags.feedbackDelay,
          drift: flags.drift,
          driftAtSeconds: flags.driftAt,
        },
        (option) => FLAG_OF[option],
      );
      // A usage error like a bad value: commander prints it, the CLI exits 2 with a --help pointer.
      if (problem !== undefined) command.error(`error: ${problem}`, { exitCode: 2, code: 'commander.conflictingOption' });
      const { formatProgress, formatSummary, runLoad } = await import('../loadgen/index.js');
      const live = process.stderr.isTTY === true;
      const progress = createProgress(live);
      // Ctrl-C ends sending early (and skips the labels not sent yet) but still prints the summary.
      const stop = new AbortController();
      const onSigint = () => stop.abort();
      process.once('SIGINT', onSigint);
      try {
        const summary = await runLoad({
          url: flags.url ?? defaultServiceUrl(process.env),
          rps: flags.rps,
          durationSeconds: flags.duration,
          invalidShare: flags.invalidShare,
          replay: flags.replay,
          concurrency: flags.concurrency,
          seed: flags.seed,
          feedbackShare: flags.feedbackShare,
          feedbackDelaySeconds: flags.feedbackDelay,
          drift: flags.drift,
          driftAtSeconds: flags.driftAt,
          signal: stop.signal,
          onProgress: live ? (p) => progress.update(formatProgress(p)) : undefined,
        });
        if (live) {
          const labels = summary.feedbackShare > 0 ? `, ${summary.feedback.sent} labels sent (${summary.feedback.joined} joined)` : '';
          progress.done(`finished: ${summary.sent} sent${labels} in ${summary.elapsedSeconds.toFixed(1)} s`);
        }
        process.stdout.write(flags.json ? `${JSON.stringify(summary)}\n` : formatSummary(summary));
        if (summary.sent > 0 && summary.networkErrors === summary.sent) process.exitCode = 1;
      } finally {
        process.removeListener('SIGINT', onSigint);
      }
    });
}
