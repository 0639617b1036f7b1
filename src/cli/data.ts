/**
 * `modelwatch data ...`: fetch the real UCI file, or write a calibrated synthetic one.
 *
 * Human-facing progress and the closing summary go to stderr (through commander's configured output,
 * so tests and embedding programs can capture them) and never to stdout, which `generate --out -`
 * uses for data. With --json the result is one JSON object on stdout instead.
 * Bad option values throw commander's InvalidArgumentError, which commander turns into a usage
 * error; the errors carry exit code 2, the conventional code for misuse.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Command } from 'commander';
import { parseNumberOption, parseUrlOption as parseUrlOptionOf, usageError } from './options.js';
import { writeLabelledCsv, type CsvFormat } from '../data/csv.js';
import { DownloadError, UCI_URL, downloadBankMarketing, type DownloadProgress } from '../data/download.js';
import { SYNTHETIC_PROFILE } from '../data/synthetic-profile.js';
import { syntheticRows } from '../data/synthetic.js';
import type { LabelledRow } from '../data/schema.js';

const MAX_ROWS = 10_000_000;
const DEFAULT_DOWNLOAD_PATH = 'data/bank-full.csv';

/** Parses `--rows`: a whole number from 1 to 10,000,000. */
export const parseRowsOption = parseNumberOption('--rows', 1, MAX_ROWS, true);

/** Parses `--seed`: a whole number from 0 to 4294967295 (the PRNG keeps 32 bits). */
export const parseSeedOption = parseNumberOption('--seed', 0, 0xffffffff, true);

/** Parses `--drift`: a number from 0 (training-like) to 1 (like the real file's last tenth). */
export const parseDriftOption = parseNumberOption('--drift', 0, 1);

/**
 * Parses `--format`: `comma` or `semicolon` (UCI's original layout; `semicolon-quoted` also accepted).
 *
 * @example
 * parseFormatOption('semicolon'); // 'semicolon-quoted'
 */
export function parseFormatOption(value: string): CsvFormat {
  if (value === 'comma') return 'comma';
  if (value === 'semicolon' || value === 'semicolon-quoted') return 'semicolon-quoted';
  throw usageError(`--format must be "comma" or "semicolon", got "${value}"`);
}

/** Parses `--url`: an http, https or file URL. */
export const parseUrlOption = parseUrlOptionOf('--url', ['http:', 'https:', 'file:']);

/** Writes a line to the command's configured stderr. */
function stderr(command: Command): (line: string) => void {
  const write = command.configureOutput().writeErr ?? ((s: string) => process.stderr.write(s));
  return (line) => write(`${line}\n`);
}

const kib = (bytes: number): string => (bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${Math.round(bytes / 1024)} KiB`);
const count = (n: number): string => n.toLocaleString('en-US');

/** Turns download events into a handful of lines: each 10 %, or each 256 KiB when the size is unknown. */
function downloadReporter(log: (line: string) => void): (p: DownloadProgress) => void {
  let lastStep = -1;
  return (p) => {
    if (p.phase === 'connect') log(`downloading ${p.url}`);
    else if (p.phase === 'extract') log(`extracting ${p.entry}`);
    else if (p.phase === 'verify') log(`checking ${p.path} against the schema`);
    else {
      const step = p.totalBytes ? Math.floor((p.receivedBytes / p.totalBytes) * 10) : Math.floor(p.receivedBytes / (256 * 1024));
      if (step === lastStep) return;
      lastStep = step;
      const percent = p.totalBytes ? ` of ${kib(p.totalBytes)} (${Math.round((p.receivedBytes / p.totalBytes) * 100)} %)` : '';
      log(`  ${kib(p.receivedBytes)}${percent}`);
    }
  };
}

function registerDownload(data: Command): void {
  data
    .command('download')
    .description(
      'Download the UCI bank-marketing archive, extract bank-full.csv (45,211 labelled rows) and check every row against the schema.',
    )
    .option('--url <url>', 'archive to fetch (http, https, or file:// for a copy fetched elsewhere)', parseUrlOption, UCI_URL)
    .option('--out <file>', 'where to write the CSV (directories are created)', DEFAULT_DOWNLOAD_PATH)
    .option('--json', 'print one JSON object on stdout: path, rows, positives, format, sha256, archive_bytes, url')
    .addHelpText(
      'after',
      `\nWithout internet access this fails with exit code 1; download ${UCI_URL}\n` +
        'elsewhere and pass it as --url file:///path/to/bank+marketing.zip, or extract bank-full.csv yourself.',
    )
    .action(async (opts: { url: string; out: string; json?: boolean }, command: Command) => {
      const log = stderr(command);
      try {
        const result = await downloadBankMarketing({ url: opts.url, dest: opts.out, onProgress: downloadReporter(log) });
        log(
          `wrote ${result.path}: ${count(result.rows)} rows (${count(result.positives)} yes), ` +
            `${result.format} format, sha256 ${result.sha256}`,
        );
        if (opts.json) {
          const { path, rows, positives, format, sha256, archiveBytes } = result;
          process.stdout.write(`${JSON.stringify({ path, rows, positives, format, sha256, archive_bytes: archiveBytes, url: opts.url })}\n`);
        }
      } catch (err) {
        if (!(err instanceof DownloadError)) throw err;
        command.error(`error: ${err.message}`, { exitCode: 1, code: 'modelwatch.downloadFailed' });
      }
    });
}

/** Passes rows through, counting them and reporting every 10 % of the total. */
function* counted(rows: Iterable<LabelledRow>, total: number, log: (line: string) => void, tally: { rows: number; yes: number }): Generator<LabelledRow> {
  const every = Math.max(1, Math.ceil(total / 10));
  for (const row of rows) {
    yield row;
    tally.rows++;
    tally.yes += row.y;
    if (total >= 100_000 && tally.rows % every === 0 && tally.rows < total) log(`  ${count(tally.rows)} rows`);
  }
}

interface GenerateOptions {
  out: string;
  rows: number;
  seed: number;
  drift: number;
  format: CsvFormat;
  json?: boolean;
}

async function runGenerate(opts: GenerateOptions, command: Command): Promise<void> {
  const log = stderr(command);
  const toStdout = opts.out === '-';
  if (toStdout && opts.json) command.error('error: --json prints its result on stdout, which --out - uses for the data: write to a file, or drop --json', { exitCode: 2, code: 'commander.conflictingOption' });
  log(`generating ${count(opts.rows)} synthetic rows (seed ${opts.seed}, drift ${opts.drift}) into ${toStdout ? 'stdout' : opts.out}, ${opts.format} format`);
  const started = performance.now();
  const tally = { rows: 0, yes: 0 };
  const rows = counted(syntheticRows({ rows: opts.rows, seed: opts.seed, drift: opts.drift }), opts.rows, log, tally);
  try {
    if (!toStdout) await mkdir(dirname(opts.out), { recursive: true });
    await writeLabelledCsv(toStdout ? process.stdout : opts.out, rows, opts.format);
  } catch (err) {
    command.error(`error: could not write ${opts.out}: ${err instanceof Error ? err.message : String(err)}`, { exitCode: 1, code: 'modelwatch.writeFailed' });
  }
  const seconds = (performance.now() - started) / 1000;
  log(`wrote ${count(tally.rows)} rows, ${count(tally.yes)} yes (${((tally.yes / Math.max(1, tally.rows)) * 100).toFixed(1)} %) in ${seconds.toFixed(2)} s`);
  if (opts.json) {
    const result = { path: opts.out, rows: tally.rows, positives: tally.yes, format: opts.format, seed: opts.seed, drift: opts.drift, seconds };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  }
}

function registerGenerate(data: Command): void {
  data
    .command('generate')
    .description(
      'Write a seeded synthetic data set with the bank-marketing schema. Each row draws y from the real class rate, then every ' +
        `feature from that class's real marginals (calibrated on ${SYNTHETIC_PROFILE.source.file}), so a model trained on it learns a real signal.`,
    )
    .requiredOption('--out <file>', 'CSV file to write ("-" for stdout)')
    .option('--rows <n>', 'number of rows', parseRowsOption, SYNTHETIC_PROFILE.source.rows)
    .option('--seed <n>', 'PRNG seed; the same seed and options give the same file', parseSeedOption, 1)
    .option(
      '--drift <fraction>',
      `0 = like the whole real file (${(SYNTHETIC_PROFILE.base.classRate * 100).toFixed(1)} % yes); 1 = like its last tenth ` +
        `(${(SYNTHETIC_PROFILE.late.classRate * 100).toFixed(1)} % yes, shifted job, housing, age and campaign mix); values between mix the two per row`,
      parseDriftOption,
      0,
    )
    .option('--format <format>', 'comma (plain) or semicolon (UCI\'s original, strings in double quotes)', parseFormatOption, 'comma' as CsvFormat)
    .option('--json', 'print one JSON object on stdout: path, rows, positives, format, seed, drift, seconds (not with --out -)')
    .addHelpText('after', '\nExamples:\n  modelwatch data generate --out synthetic.csv\n  modelwatch data generate --out drifted.csv --rows 10000 --seed 7 --drift 1')
    .action(runGenerate);
}

/**
 * Adds the `data download` and `data generate` commands to a commander program.
 *
 * @example
 * const program = new Command('modelwatch');
 * registerDataCommands(program);
 * await program.parseAsync(['data', 'generate', '--out', 'synthetic.csv', '--rows', '1000'], { from: 'user' });
 */
export function registerDataCommands(program: Command): void {
  const data = program
    .command('data')
    .description('Get the real UCI bank-marketing data, or generate a synthetic set with the same schema.');
  registerDownload(data);
  registerGenerate(data);
}
