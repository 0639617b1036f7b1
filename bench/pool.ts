/**
 * `npm run bench:pool`: pools the rounds of several `npm run bench` runs from
 * bench/results/history.jsonl and checks the pooled figures against the bars. One run's median moves
 * by about ±4 points on this machine; the mean of many rounds, with its standard error, says more.
 *
 * Flags: --commit <prefix> (only runs of commits starting with it), --since <ISO date>, --last <n>
 * (the newest n after the other filters), --file <path> (default bench/results/history.jsonl).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pool, readHistory } from './history.js';
import { BARS, median, type RoundSpread } from './summary.js';

const { values } = parseArgs({
  options: {
    commit: { type: 'string' },
    since: { type: 'string' },
    last: { type: 'string' },
    file: { type: 'string', default: join('bench', 'results', 'history.jsonl') },
  },
});
let entries = readHistory(values.file);
if (values.commit) entries = entries.filter((e) => e.commit.startsWith(values.commit!));
if (values.since) {
  const since = Date.parse(values.since);
  if (Number.isNaN(since)) throw new Error(`--since takes an ISO date, got "${values.since}"`);
  entries = entries.filter((e) => Date.parse(e.date) >= since);
}
if (values.last) {
  const last = Number(values.last);
  if (!Number.isInteger(last) || last < 1) throw new Error(`--last takes a positive integer, got "${values.last}"`);
  entries = entries.slice(-last);
}
if (entries.length === 0) {
  process.stderr.write(`no runs in ${values.file} match; run \`npm run bench\` first\n`);
  process.exit(1);
}

const pct = (v: number) => (Number.isFinite(v) ? `${(v * 100).toFixed(1)} %` : 'n/a');
const ratio = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');
for (const e of entries) {
  process.stdout.write(
    `${e.date}  ${e.commit.padEnd(9)} ${String(e.rounds).padStart(2)} × ${e.seconds} s   b/a ${ratio(median(e.bOverA))}   1 − d/c ${pct(median(e.observabilityCost))}   1 − b/d ${pct(median(e.monitoringCost))}${e.note ? `   (${e.note})` : ''}\n`,
  );
}
const pooled = pool(entries);
const line = (name: string, s: RoundSpread, show: (v: number) => string, bar: string, pass: boolean) =>
  `${pass ? 'PASS' : 'FAIL'}    ${name}: mean ${show(s.mean)} ± ${show(s.standardError)} (median ${show(median(s.rounds))}) over ${s.rounds.length} rounds   bar ${bar}\n`;
process.stdout.write(`\npooled over ${pooled.runs} run(s), mean ± standard error of the per-round values:\n`);
if (pooled.bOverA.rounds.length) process.stdout.write(line('b/a', pooled.bOverA, ratio, `≥ ${BARS.bOverA}`, pooled.bOverA.mean >= BARS.bOverA));
if (pooled.observabilityCost.rounds.length) process.stdout.write(line('1 − d/c', pooled.observabilityCost, pct, `≤ ${pct(BARS.observabilityCost)}`, pooled.observabilityCost.mean <= BARS.observabilityCost));
if (pooled.monitoringCost.rounds.length) process.stdout.write(line('1 − b/d', pooled.monitoringCost, pct, `≤ ${pct(BARS.monitoringCost)}`, pooled.monitoringCost.mean <= BARS.monitoringCost));
