/**
 * From runs to verdicts: medians per server, ratios per round, and the targets. Ratios are taken
 * within a round (servers measured minutes apart on the same noisy machine) and then the median
 * over rounds, which cancels slow drifts of the machine that a ratio of medians would keep.
 */
import type { Measurement } from './drive.js';

/**
 * The servers: a bare node:http, b modelwatch with everything on, c modelwatch with metrics, audit
 * log and model monitoring off, d modelwatch with metrics and audit log on but model monitoring off.
 */
export type ServerKey = 'a' | 'b' | 'c' | 'd';

/** Every server, in the order each round runs them. */
export const SERVER_KEYS: readonly ServerKey[] = ['a', 'b', 'c', 'd'];

/** One measured run. */
export interface Run extends Measurement {
  readonly round: number;
  readonly server: ServerKey;
  readonly peakRssMb: number;
  /** Server CPU time per answer during the measurement, in microseconds. */
  readonly cpuUsPerRequest: number;
}

/** Medians over rounds for one server. */
export interface ServerMedians {
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly peakRssMb: number;
  readonly cpuUsPerRequest: number;
}

/** A checked target. */
export interface TargetResult {
  readonly name: string;
  readonly value: number;
  readonly pass: boolean;
  /** Informational aims (GUIDE §7) are reported but do not fail the run. */
  readonly aim: boolean;
}

/** Everything the report prints. */
export interface BenchSummary {
  readonly medians: Readonly<Record<ServerKey, ServerMedians>>;
  readonly ratios: {
    readonly bOverA: number;
    readonly cOverA: number;
    /** 1 − d/c: throughput cost of metrics and the audit log. */
    readonly observabilityCost: number;
    /** 1 − cpu(c)/cpu(d) per request: their share of d's CPU, robust to a noisy machine. */
    readonly observabilityCpuShare: number;
    /** 1 − b/d: throughput cost of drift, the prediction store and live quality. */
    readonly monitoringCost: number;
    /** 1 − cpu(d)/cpu(b) per request: their share of b's CPU. */
    readonly monitoringCpuShare: number;
  };
  /** b/a and the two costs round by round, with their mean and its standard error: how far a median can be trusted. */
  readonly spread: {
    readonly bOverA: RoundSpread;
    readonly observabilityCost: RoundSpread;
    readonly monitoringCost: RoundSpread;
  };
  readonly targets: readonly TargetResult[];
}

/** The issues' bars on the three ratios: b/a at least, the two costs at most. */
export const BARS = { bOverA: 0.35, observabilityCost: 0.15, monitoringCost: 0.05 } as const;

/** A per-round figure over all rounds. */
export interface RoundSpread {
  readonly rounds: readonly number[];
  readonly mean: number;
  /** Standard error of the mean (NaN with fewer than two rounds). */
  readonly standardError: number;
}

/**
 * Mean and standard error of per-round values.
 *
 * @example spreadOf([0.1, 0.2, 0.3]).mean // 0.2
 */
export function spreadOf(rounds: readonly number[]): RoundSpread {
  // A ratio over a server left out of the run (--servers) is NaN in every round: no values.
  const values = rounds.filter((v) => Number.isFinite(v));
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1);
  return { rounds: values, mean, standardError: values.length > 1 ? Math.sqrt(variance / values.length) : Number.NaN };
}

/**
 * Median of a list (mean of the middle two for an even count).
 *
 * @example median([3, 1, 2]) // 2
 */
export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((x, y) => x - y);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Summarises the runs and checks the targets.
 *
 * @example const { ratios, targets } = summarise(runs);
 */
export function summarise(runs: readonly Run[]): BenchSummary {
  const of = (server: ServerKey) => runs.filter((r) => r.server === server);
  const mediansOf = (server: ServerKey): ServerMedians => {
    const list = of(server);
    return {
      rps: median(list.map((r) => r.rps)),
      p50Ms: median(list.map((r) => r.p50Ms)),
      p99Ms: median(list.map((r) => r.p99Ms)),
      peakRssMb: median(list.map((r) => r.peakRssMb)),
      cpuUsPerRequest: median(list.map((r) => r.cpuUsPerRequest)),
    };
  };
  const rounds = [...new Set(runs.map((r) => r.round))];
  const byRound = (f: (x: Record<ServerKey, number>) => number, field: 'rps' | 'cpuUsPerRequest' = 'rps') =>
    rounds.map((round) => {
      const values = Object.fromEntries(runs.filter((r) => r.round === round).map((r) => [r.server, r[field]])) as Record<ServerKey, number>;
      return f(values);
    });
  const perRound = (f: (x: Record<ServerKey, number>) => number, field: 'rps' | 'cpuUsPerRequest' = 'rps') => median(byRound(f, field));
  const medians = { a: mediansOf('a'), b: mediansOf('b'), c: mediansOf('c'), d: mediansOf('d') };
  const spread = {
    bOverA: spreadOf(byRound((x) => x.b / x.a)),
    observabilityCost: spreadOf(byRound((x) => 1 - x.d / x.c)),
    monitoringCost: spreadOf(byRound((x) => 1 - x.b / x.d)),
  };
  const ratios = {
    bOverA: median(spread.bOverA.rounds),
    cOverA: perRound((x) => x.c / x.a),
    observabilityCost: median(spread.observabilityCost.rounds),
    observabilityCpuShare: perRound((x) => 1 - x.c / x.d, 'cpuUsPerRequest'),
    monitoringCost: median(spread.monitoringCost.rounds),
    monitoringCpuShare: perRound((x) => 1 - x.d / x.b, 'cpuUsPerRequest'),
  };
  const targets: TargetResult[] = [
    { name: 'b/a ≥ 0.35 (throughput with everything on vs bare node:http)', value: ratios.bOverA, pass: ratios.bOverA >= BARS.bOverA, aim: false },
    { name: 'p99 of b < 10 ms', value: medians.b.p99Ms, pass: medians.b.p99Ms < 10, aim: false },
    { name: '1 − d/c ≤ 0.15 (cost of metrics + audit log)', value: ratios.observabilityCost, pass: ratios.observabilityCost <= BARS.observabilityCost, aim: false },
    { name: '1 − b/d ≤ 0.05 (cost of drift + prediction store + live quality)', value: ratios.monitoringCost, pass: ratios.monitoringCost <= BARS.monitoringCost, aim: false },
    { name: 'peak RSS of b < 150 MB', value: medians.b.peakRssMb, pass: medians.b.peakRssMb < 150, aim: false },
    { name: 'aim: b/a ≥ 1.08 (the Go net/http service of GUIDE §7)', value: ratios.bOverA, pass: ratios.bOverA >= 1.08, aim: true },
    { name: 'aim: p99 of b ≤ 5 ms', value: medians.b.p99Ms, pass: medians.b.p99Ms <= 5, aim: true },
  ];
  // A target over a server left out of the run (--servers) is not judged.
  return { medians, ratios, spread, targets: targets.filter((t) => !Number.isNaN(t.value)) };
}
