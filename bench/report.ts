/** The benchmark's printed output: the machine, one line per run, the table and the verdicts. */
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { SERVER_KEYS, type BenchSummary, type RoundSpread, type Run, type ServerKey } from './summary.js';

/** The machine the figures belong to. */
export interface Machine {
  readonly cores: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly platform: string;
  readonly memoryGb: number;
  /** 1-minute load average at the start: a busy shared machine shows here. */
  readonly loadAverage: number;
}

/** Human names of the servers. */
export const SERVER_NAMES: Readonly<Record<ServerKey, string>> = {
  a: 'a  bare node:http',
  b: 'b  modelwatch, everything on',
  c: 'c  modelwatch, everything off',
  d: 'd  modelwatch, monitoring off',
};

/**
 * Describes this machine.
 *
 * @example describeMachine().cores // 2
 */
export function describeMachine(): Machine {
  return {
    cores: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverage: Math.round(loadavg()[0] * 100) / 100,
  };
}

const fmt = (v: number, digits: number) => (Number.isNaN(v) ? 'n/a' : v.toFixed(digits));

const formatSpread = (s: RoundSpread) =>
  s.rounds.length === 0 ? 'n/a' : `${fmt(s.mean * 100, 1)} ± ${fmt(s.standardError * 100, 1)} %  (${s.rounds.map((v) => fmt(v * 100, 1)).join(', ')})`;

/**
 * One line per measured run.
 *
 * @example process.stdout.write(formatRun(run));
 */
export function formatRun(run: Run): string {
  const warn = run.failures > 0 ? `  WARNING: ${run.failures} failed requests` : '';
  return `round ${run.round}  ${SERVER_NAMES[run.server].padEnd(36)} ${fmt(run.rps, 0).padStart(7)} req/s  p50 ${fmt(run.p50Ms, 2)} ms  p99 ${fmt(run.p99Ms, 2)} ms  peak RSS ${fmt(run.peakRssMb, 0)} MB  CPU ${fmt(run.cpuUsPerRequest, 0)} µs/req${warn}\n`;
}

/**
 * The table of medians, the ratios and the PASS/FAIL lines.
 *
 * @example process.stdout.write(formatSummary(summarise(runs), rounds));
 */
export function formatSummary(summary: BenchSummary, rounds: number): string {
  const { medians, ratios, targets } = summary;
  const header = `${`median of ${rounds} round(s)`.padEnd(36)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'peak RSS MB'.padStart(12)} ${'CPU µs/req'.padStart(11)}`;
  const rows = SERVER_KEYS.filter((k) => !Number.isNaN(medians[k].rps)).map((k) => {
    const m = medians[k];
    return `${SERVER_NAMES[k].padEnd(36)} ${fmt(m.rps, 0).padStart(8)} ${fmt(m.p50Ms, 2).padStart(8)} ${fmt(m.p99Ms, 2).padStart(8)} ${fmt(m.peakRssMb, 0).padStart(12)} ${fmt(m.cpuUsPerRequest, 0).padStart(11)}`;
  });
  const verdicts = targets.map((t) => `${t.aim ? (t.pass ? 'met ' : 'not met') : t.pass ? 'PASS' : 'FAIL'}`.padEnd(8) + `${t.name}: ${fmt(t.value, 3)}`);
  return [
    '',
    header,
    ...rows,
    '',
    `b/a ${fmt(ratios.bOverA, 3)}   c/a ${fmt(ratios.cOverA, 3)}   (medians of per-round ratios)`,
    `metrics + audit:     cost 1 − d/c ${fmt(ratios.observabilityCost * 100, 1)} %   share of d's server CPU per request 1 − cpu(c)/cpu(d) ${fmt(ratios.observabilityCpuShare * 100, 1)} %`,
    `model monitoring:    cost 1 − b/d ${fmt(ratios.monitoringCost * 100, 1)} %   share of b's server CPU per request 1 − cpu(d)/cpu(b) ${fmt(ratios.monitoringCpuShare * 100, 1)} %`,
    `round by round (mean ± standard error; one process's speed varies, so a round is noisy):`,
    `  1 − d/c ${formatSpread(summary.spread.observabilityCost)}`,
    `  1 − b/d ${formatSpread(summary.spread.monitoringCost)}`,
    '',
    ...verdicts,
    '',
  ].join('\n');
}
