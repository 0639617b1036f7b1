/**
 * `modelwatch loadgen`: steady synthetic or replayed traffic against POST /predict, then a summary.
 * The engine (undici, hdr-histogram-js: about 30 MB of RSS) is imported when the command runs, so
 * `modelwatch serve`, which builds the same command tree, does not carry it.
 */
import { Command } from 'commander';
import { MALFORMED_KINDS } from '../loadgen/malformed.js';
import { parseNumberOption, parseUrlOption } from './options.js';
import { createProgress } from './progress.js';

interface LoadgenFlags {
  url: string;
  rps: number;
  duration: number;
  invalidShare: number;
  replay?: string;
  concurrency: number;
  seed: number;
  json?: boolean;
}

/** Parses `--url`: an http or https base URL. */
export const parseBaseUrl = parseUrlOption('--url', ['http:', 'https:']);

/**
 * Adds the `loadgen` command.
 *
 * @example registerLoadgenCommand(program); // modelwatch loadgen --rps 50 --duration 60 --invalid-share 0.05
 */
export function registerLoadgenCommand(program: Command): void {
  program
    .command('loadgen')
    .description(
      'Send POST /predict at a steady open-loop rate (requests are not held back when the server slows down; those that would ' +
        'exceed --concurrency are counted as dropped), with synthetic rows or a replayed CSV, then print a summary.',
    )
    .option('--url <url>', 'base URL of the service', parseBaseUrl, 'http://127.0.0.1:5000')
    .option('--rps <n>', 'requests per second', parseNumberOption('--rps', 0.1, 100_000), 20)
    .option('--duration <seconds>', 'how long to send', parseNumberOption('--duration', 0.1, 604_800), 30)
    .option('--invalid-share <share>', `share of malformed requests, cycling through: ${MALFORMED_KINDS.join(', ')}`, parseNumberOption('--invalid-share', 0, 1), 0)
    .option('--replay <csv>', 'send the rows of this labelled CSV in file order (stops at its end) instead of synthetic rows')
    .option('--concurrency <n>', 'most requests in flight (one keep-alive connection each)', parseNumberOption('--concurrency', 1, 10_000, true), 64)
    .option('--seed <n>', 'seed of the synthetic rows and simulated user ids', parseNumberOption('--seed', 0, 0xffffffff, true), 1)
    .option('--json', 'print the summary as one JSON object')
    .addHelpText(
      'after',
      '\nProgress is shown on stderr when it is a terminal. Exit code 1 when no request got an HTTP answer.\n' +
        'Examples:\n  modelwatch loadgen --rps 50 --duration 60\n  modelwatch loadgen --replay data/bank-full.csv --rps 200 --invalid-share 0.05 --json',
    )
    .action(async (flags: LoadgenFlags) => {
      const { formatProgress, formatSummary, runLoad } = await import('../loadgen/index.js');
      const live = process.stderr.isTTY === true;
      const progress = createProgress(live);
      // Ctrl-C ends sending early but still prints the summary of what was sent.
      const stop = new AbortController();
      const onSigint = () => stop.abort();
      process.once('SIGINT', onSigint);
      try {
        const summary = await runLoad({
          url: flags.url,
          rps: flags.rps,
          durationSeconds: flags.duration,
          invalidShare: flags.invalidShare,
          replay: flags.replay,
          concurrency: flags.concurrency,
          seed: flags.seed,
          signal: stop.signal,
          onProgress: live ? (p) => progress.update(formatProgress(p)) : undefined,
        });
        if (live) progress.done(`finished: ${summary.sent} sent in ${summary.elapsedSeconds.toFixed(1)} s`);
        process.stdout.write(flags.json ? `${JSON.stringify(summary)}\n` : formatSummary(summary));
        if (summary.sent > 0 && summary.networkErrors === summary.sent) process.exitCode = 1;
      } finally {
        process.removeListener('SIGINT', onSigint);
      }
    });
}
