/**
 * Every run of `npm run bench`, one JSON line each in bench/results/history.jsonl: when, which
 * commit, how it was run, and each cost round by round. One run's median moves by about ±4 points
 * on this machine (docs/performance.md), so a verdict that close to a bar wants several runs pooled:
 * `npm run bench:pool` does that from this file.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { spreadOf, type BenchSummary, type RoundSpread } from './summary.js';

/** One run's line in the history. */
export interface HistoryEntry {
  readonly date: string;
  /** `git rev-parse --short HEAD`, with `+` when the working tree had changes; `unknown` outside git. */
  readonly commit: string;
  readonly rounds: number;
  readonly seconds: number;
  readonly slice: number;
  readonly servers: readonly string[];
  /** Per-round values of the judged ratios (NaN-free; absent when a server was left out). */
  readonly bOverA: readonly number[];
  readonly observabilityCost: readonly number[];
  readonly monitoringCost: readonly number[];
  /** Anything a reader should know (e.g. an entry added by hand from a run's printed output). */
  readonly note?: string;
}

/**
 * The commit the working tree is at, marked `+` when it has uncommitted changes.
 *
 * @example currentCommit('/work/main') // 'd7af917+'
 */
export function currentCommit(root: string): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head}+` : head;
  } catch {
    return 'unknown';
  }
}

/**
 * Appends one run to the history file.
 *
 * @example appendHistory('bench/results/history.jsonl', entryOf(summary, { ... }));
 */
export function appendHistory(file: string, entry: HistoryEntry): void {
  appendFileSync(file, `${JSON.stringify(entry)}\n`);
}

/**
 * The history entry of a finished run.
 *
 * @example entryOf(summary, { date, commit, rounds: 12, seconds: 6, slice: 1, servers: ['a', 'b', 'c', 'd'] })
 */
export function entryOf(summary: BenchSummary, run: Omit<HistoryEntry, 'bOverA' | 'observabilityCost' | 'monitoringCost'>): HistoryEntry {
  return { ...run, bOverA: summary.spread.bOverA.rounds, observabilityCost: summary.spread.observabilityCost.rounds, monitoringCost: summary.spread.monitoringCost.rounds };
}

/**
 * Reads the history (an absent file is an empty history).
 *
 * @example readHistory('bench/results/history.jsonl').length
 */
export function readHistory(file: string): HistoryEntry[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as HistoryEntry);
}

/** The three ratios pooled over several runs' rounds. */
export interface Pooled {
  readonly runs: number;
  readonly bOverA: RoundSpread;
  readonly observabilityCost: RoundSpread;
  readonly monitoringCost: RoundSpread;
}

/**
 * Pools the rounds of `entries`.
 *
 * @example pool(readHistory(file).filter((e) => e.commit.startsWith('d7af917')))
 */
export function pool(entries: readonly HistoryEntry[]): Pooled {
  return {
    runs: entries.length,
    bOverA: spreadOf(entries.flatMap((e) => e.bOverA)),
    observabilityCost: spreadOf(entries.flatMap((e) => e.observabilityCost)),
    monitoringCost: spreadOf(entries.flatMap((e) => e.monitoringCost)),
  };
}
