/**
 * Calibrates the synthetic data generator against the real bank-marketing file and writes
 * `src/data/synthetic-profile.ts`.
 *
 *   npx tsx scripts/calibrate-synthetic.ts /work/shared/data/bank-full.csv [out.ts]
 *
 * The real rows may not ship with the project, but aggregate figures may: the class rate, per class
 * the category shares and numeric quantiles (with spikes such as pdays = -1 kept as point masses),
 * and the same for the drifting features over the last tenth of the (chronological) rows. The
 * output has no timestamp, so re-running on the same data gives a byte-identical file.
 */
import { writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadLabelledCsv } from '../src/data/csv.js';
import { FEATURES, type Feature, type LabelledRow } from '../src/data/schema.js';
// Types only: the generator module imports the profile this script writes, so loading it at run
// time would fail whenever the profile is missing or out of date.
import type { ClassMarginals, ContactHistory, NumericMarginal, ProfilePart, SyntheticProfile } from '../src/data/synthetic.js';

/** Denser in the tails: heavy right tails (balance, duration) would otherwise inflate the mean. */
const QUANTILE_PROBS: readonly number[] = [
  0, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85,
  0.9, 0.95, 0.975, 0.99, 0.995, 0.999, 1,
];

/** A value holding at least this share of a class's rows is sampled as a point mass. */
const POINT_MASS_MIN_SHARE = 0.05;

/** The late, drifting stretch: the last tenth of the rows. */
const LATE_FRACTION = 0.1;

/** Features whose late-period marginals the profile keeps (they shift most in the real data). */
const DRIFT_FEATURES: readonly string[] = ['job', 'housing', 'age', 'campaign'];

/** pdays = -1 means "never contacted"; previous and poutcome are kept conditional on it. */
const CONTACT = { on: 'pdays', neverValue: -1, features: ['previous', 'poutcome'] } as const;

const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));

const round = (x: number, digits: number): number => Number(x.toFixed(digits)) + 0;

/** Type-7 quantile (linear between order statistics) of an ascending array. */
function quantile(sorted: Float64Array, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (h - lo);
}

function numericMarginal(values: readonly number[], schemaInteger: boolean): NumericMarginal {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  const points = [...counts]
    .filter(([, n]) => n / values.length >= POINT_MASS_MIN_SHARE)
    .sort(([a], [b]) => a - b)
    .map(([value, n]) => ({ value, share: round(n / values.length, 6) }));
  const pointValues = new Set(points.map((p) => p.value));
  const rest = Float64Array.from(values.filter((v) => !pointValues.has(v))).sort();
  return {
    points,
    quantiles: rest.length === 0 ? [] : QUANTILE_PROBS.map((p) => round(quantile(rest, p), 4)),
    whole: schemaInteger || values.every((v) => Number.isInteger(v)),
  };
}

function categoricalShares(values: readonly string[], categories: readonly string[]): Record<string, number> {
  const shares: Record<string, number> = {};
  for (const c of categories) shares[c] = round(values.filter((v) => v === c).length / values.length, 6);
  return shares;
}

function classMarginals(rows: readonly LabelledRow[], features: readonly Feature[]): ClassMarginals {
  const categorical: Record<string, Record<string, number>> = {};
  const numeric: Record<string, NumericMarginal> = {};
  for (const f of features) {
    const values = rows.map((r) => r.features[f.name]);
    if (f.kind === 'categorical') categorical[f.name] = categoricalShares(values as string[], f.categories);
    else numeric[f.name] = numericMarginal(values as number[], f.integer);
  }
  return { categorical, numeric };
}

function profilePart(rows: readonly LabelledRow[], features: readonly Feature[]): ProfilePart {
  const byClass = [rows.filter((r) => r.y === 0), rows.filter((r) => r.y === 1)];
  if (byClass[0].length === 0 || byClass[1].length === 0) throw new Error('both classes need rows to calibrate');
  return {
    rows: rows.length,
    classRate: round(byClass[1].length / rows.length, 6),
    classes: [classMarginals(byClass[0], features), classMarginals(byClass[1], features)],
  };
}

function contactHistory(rows: readonly LabelledRow[]): ContactHistory {
  const features = FEATURES.filter((f) => (CONTACT.features as readonly string[]).includes(f.name));
  const split = (never: boolean): [ClassMarginals, ClassMarginals] => {
    const pick = (y: 0 | 1): ClassMarginals => {
      const subset = rows.filter((r) => r.y === y && (r.features[CONTACT.on] === CONTACT.neverValue) === never);
      if (subset.length === 0) throw new Error(`no rows with y=${y} and ${CONTACT.on}${never ? '=' : '!='}${CONTACT.neverValue}`);
      return classMarginals(subset, features);
    };
    return [pick(0), pick(1)];
  };
  return { ...CONTACT, never: split(true), before: split(false) };
}

/**
 * Summarises the real rows (in their original order) into a synthetic profile.
 *
 * @example
 * const profile = buildProfile(rows, { file: 'bank-full.csv', sha256, rows: rows.length });
 */
function buildProfile(rows: readonly LabelledRow[], source: SyntheticProfile['source']): SyntheticProfile {
  const fromRow = Math.floor(rows.length * (1 - LATE_FRACTION));
  const drifting = FEATURES.filter((f) => DRIFT_FEATURES.includes(f.name));
  return {
    source,
    quantileProbs: QUANTILE_PROBS,
    base: profilePart(rows, FEATURES),
    driftFeatures: DRIFT_FEATURES,
    late: { fromRow, ...profilePart(rows.slice(fromRow), drifting) },
    contactHistory: contactHistory(rows),
  };
}

const isPrimitive = (v: unknown): boolean => v === null || typeof v !== 'object';
const key = (k: string): string => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k));

/** TypeScript source for a JSON-like value: short or primitive-only parts on one line, the rest indented. */
function toSource(value: unknown, indent = ''): string {
  if (isPrimitive(value)) return JSON.stringify(value);
  const inner = indent + '  ';
  if (Array.isArray(value)) {
    const parts = value.map((v) => toSource(v, inner));
    const oneLine = `[${parts.join(', ')}]`;
    return value.every(isPrimitive) || oneLine.length <= 100 ? oneLine : `[\n${parts.map((p) => inner + p).join(',\n')},\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${key(k)}: ${toSource(v, inner)}`);
  const oneLine = `{ ${entries.join(', ')} }`;
  return oneLine.length <= 100 ? oneLine : `{\n${entries.map((e) => inner + e).join(',\n')},\n${indent}}`;
}

/**
 * The generated module's full text, header included.
 *
 * @example
 * writeFileSync('src/data/synthetic-profile.ts', renderProfileModule(profile));
 */
function renderProfileModule(profile: SyntheticProfile): string {
  const { file, sha256, rows } = profile.source;
  return `/**
 * GENERATED FILE - do not edit by hand.
 *
 * Written by scripts/calibrate-synthetic.ts from ${file} (${rows} rows, sha256 ${sha256}).
 * Regenerate with:
 *
 *   npx tsx scripts/calibrate-synthetic.ts /work/shared/data/bank-full.csv
 *
 * (or any copy of UCI's bank-full.csv, in either CSV layout). It holds aggregate figures only (class
 * rates, category shares, quantiles), never rows of the real data, which may not be committed.
 */
import type { SyntheticProfile } from './synthetic.js';

export const SYNTHETIC_PROFILE: SyntheticProfile = ${toSource(profile)};
`;
}

async function main(argv: readonly string[]): Promise<void> {
  const input = resolve(argv[0] ?? resolve(repoRoot, '../shared/data/bank-full.csv'));
  const output = resolve(argv[1] ?? resolve(repoRoot, 'src/data/synthetic-profile.ts'));
  const { rows, sha256 } = await loadLabelledCsv(input);
  const profile = buildProfile(rows, { file: basename(input), sha256, rows: rows.length });
  writeFileSync(output, renderProfileModule(profile));
  process.stderr.write(
    `wrote ${output}: ${rows.length} rows, class rate ${profile.base.classRate}; ` +
      `last ${profile.late.rows} rows (from row ${profile.late.fromRow}) class rate ${profile.late.classRate}\n`,
  );
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`calibrate-synthetic: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
