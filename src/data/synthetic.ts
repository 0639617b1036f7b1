/**
 * Seeded synthetic bank-marketing rows, calibrated to the real data.
 *
 * The real file cannot ship with the project, but tests, demos and the load generator need rows that
 * look like it. Generation is class-conditional: draw `y` from the class rate, then every feature
 * independently from that class's marginal. That reproduces the real marginals and base rate and
 * leaves a real signal for a model to learn (the classes differ in duration, poutcome, month...),
 * while the figures come from `synthetic-profile.ts`, which `scripts/calibrate-synthetic.ts`
 * computes from the real CSV. One exception to independence: previous and poutcome are drawn given
 * whether pdays says "never contacted", as in the real data (see {@link ContactHistory}).
 *
 * Drift: the real rows are chronological and the last tenth drifts hard (the subscription rate
 * jumps from about 5 % to about 47 %, and the job, housing, age and campaign mix moves). The profile
 * keeps that late period's class rate and its marginals for those features, and `drift` mixes them
 * in row by row.
 */
import { FEATURES, type Feature, type LabelledRow, type Row } from './schema.js';
import { SYNTHETIC_PROFILE } from './synthetic-profile.js';
import { createRandom, type Random } from '../util/random.js';

/** A value that on its own makes up a noticeable share of a class's rows (pdays = -1, say). */
export interface PointMass {
  readonly value: number;
  /** Share of all the class's rows, not of the remainder. */
  readonly share: number;
}

/** One numeric column's distribution within one class. */
export interface NumericMarginal {
  /**
   * Sampled exactly, because interpolating between quantiles would smear a spike such as
   * pdays = -1 (about 82 % of rows) or campaign = 1 into its neighbours.
   */
  readonly points: readonly PointMass[];
  /**
   * The other rows' values at the profile's `quantileProbs` (empty when the points cover every
   * row). Sampling interpolates linearly between neighbouring quantiles.
   */
  readonly quantiles: readonly number[];
  /** Round samples to whole numbers: the schema says so, or every observed value was whole. */
  readonly whole: boolean;
}

/** Every feature's marginal within one class (or only the drifting features, for the late part). */
export interface ClassMarginals {
  /** Category shares per categorical column, keyed by canonical category. */
  readonly categorical: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly numeric: Readonly<Record<string, NumericMarginal>>;
}

/** The class rate and both classes' marginals for one stretch of the real rows. */
export interface ProfilePart {
  /** How many real rows this part summarises. */
  readonly rows: number;
  /** Share of rows with y = 1. */
  readonly classRate: number;
  /** Index 0: y = 0 ("no"); index 1: y = 1 ("yes"). */
  readonly classes: readonly [ClassMarginals, ClassMarginals];
}

/**
 * In the real data pdays = -1 ("never contacted before") goes with previous = 0 and poutcome =
 * "unknown", without exception. Drawn independently, those three would make about 29 % of rows
 * impossible, so the profile keeps the dependent features' marginals separately for rows with and
 * without a previous contact, and they are drawn after `on`. Their overall marginals are unchanged.
 */
export interface ContactHistory {
  /** The conditioning feature and its "never" value: pdays and -1. */
  readonly on: string;
  readonly neverValue: number;
  /** Features drawn given it (previous, poutcome); they must come after `on` in schema order. */
  readonly features: readonly string[];
  /** Per class (index = y), marginals of `features` among rows where `on` is `neverValue`. */
  readonly never: readonly [ClassMarginals, ClassMarginals];
  /** Per class, marginals of `features` among the other rows. */
  readonly before: readonly [ClassMarginals, ClassMarginals];
}

/** The calibrated figures `generateSynthetic` draws from; written by `scripts/calibrate-synthetic.ts`. */
export interface SyntheticProfile {
  /** The real file the figures came from. */
  readonly source: { readonly file: string; readonly sha256: string; readonly rows: number };
  /** Cumulative probabilities, from 0 to 1, at which every `NumericMarginal.quantiles` is taken. */
  readonly quantileProbs: readonly number[];
  /** All real rows. */
  readonly base: ProfilePart;
  /** Features whose marginals the late part carries. */
  readonly driftFeatures: readonly string[];
  /** The last rows (`fromRow` onwards, 0-based), marginals for `driftFeatures` only. */
  readonly late: ProfilePart & { readonly fromRow: number };
  readonly contactHistory: ContactHistory;
}

/** Options for {@link generateSynthetic} and {@link syntheticRows}. */
export interface SyntheticOptions {
  /** How many rows; `generateSynthetic` defaults to the real file's size, `syntheticRows` to endless. */
  readonly rows?: number;
  /** PRNG seed; the same seed and options always give the same rows. Default 1. */
  readonly seed?: number;
  /** 0 = like the whole real file, 1 = like its last tenth; each row picks the late profile with this probability. Default 0. */
  readonly drift?: number;
  /** Figures to draw from; defaults to the committed calibrated profile. */
  readonly profile?: SyntheticProfile;
}

/** A sampler for one feature within one class; `row` holds the features drawn so far. */
type Sampler = (rng: Random, row: Row) => number | string;

/** Per class, one sampler per feature in schema order. */
type ClassSamplers = readonly [readonly Sampler[], readonly Sampler[]];

interface CompiledProfile {
  readonly baseRate: number;
  readonly lateRate: number;
  readonly base: ClassSamplers;
  /** Like `base`, with the drifting features' samplers swapped for the late ones. */
  readonly late: ClassSamplers;
}

/** Profiles are immutable, so each is compiled into samplers once. */
const compiled = new WeakMap<SyntheticProfile, CompiledProfile>();

function categoricalSampler(name: string, categories: readonly string[], shares: Readonly<Record<string, number>> | undefined): Sampler {
  if (shares === undefined) throw new Error(`synthetic profile has no shares for ${name}`);
  // A cumulative table makes each draw one uniform number and a short scan.
  const cumulative: number[] = [];
  let total = 0;
  for (const c of categories) cumulative.push((total += shares[c] ?? 0));
  if (!(total > 0)) throw new Error(`synthetic profile gives ${name} no category with a positive share`);
  const last = categories.length - 1;
  return (rng) => {
    const u = rng.next() * total;
    for (let i = 0; i < last; i++) if (u < cumulative[i]) return categories[i];
    return categories[last];
  };
}

/** Inverse CDF of the non-point part: linear between neighbouring quantiles. */
function interpolate(probs: readonly number[], quantiles: readonly number[], p: number): number {
  let i = 1;
  while (i < probs.length - 1 && probs[i] <= p) i++;
  const p0 = probs[i - 1];
  const span = probs[i] - p0;
  const t = span > 0 ? (p - p0) / span : 0;
  return quantiles[i - 1] + (quantiles[i] - quantiles[i - 1]) * t;
}

function numericSampler(feature: Feature, marginal: NumericMarginal | undefined, probs: readonly number[]): Sampler {
  if (feature.kind !== 'numeric') throw new Error(`${feature.name} is not numeric`);
  if (marginal === undefined) throw new Error(`synthetic profile has no marginal for ${feature.name}`);
  if (marginal.quantiles.length > 0 && marginal.quantiles.length !== probs.length) {
    throw new Error(`synthetic profile: ${feature.name} has ${marginal.quantiles.length} quantiles for ${probs.length} probabilities`);
  }
  const { points, quantiles, whole } = marginal;
  const rest = 1 - points.reduce((sum, p) => sum + p.share, 0);
  const pointValues = new Set(points.map((p) => p.value));
  const { min, max } = feature;
  const fromRest = (p: number): number => {
    const x = interpolate(probs, quantiles, Math.min(p, 1));
    const value = whole ? Math.round(x) : Math.round(x * 100) / 100;
    return Math.min(max, Math.max(min, value));
  };
  return (rng) => {
    // One uniform draw serves both choices: below the point shares it picks a point, above them it
    // is rescaled into the remainder's quantile range.
    let u = rng.next();
    for (const p of points) {
      if (u < p.share) return p.value;
      u -= p.share;
    }
    if (quantiles.length === 0 || rest <= 0) return points[points.length - 1].value;
    let value = fromRest(u / rest);
    // Interpolating 17..19 and rounding can land on a point value such as day 18, which the
    // remainder excludes by construction; redrawing (rejection sampling) keeps its shares exact.
    for (let tries = 0; pointValues.has(value) && tries < 16; tries++) value = fromRest(rng.next());
    return value;
  };
}

function samplerFor(feature: Feature, marginals: ClassMarginals, probs: readonly number[]): Sampler {
  return feature.kind === 'categorical'
    ? categoricalSampler(feature.name, feature.categories, marginals.categorical[feature.name])
    : numericSampler(feature, marginals.numeric[feature.name], probs);
}

/** Draws a contact-history feature from the "never" or "before" marginals, by the row's `on` value. */
function contactSampler(feature: Feature, history: ContactHistory, y: 0 | 1, probs: readonly number[]): Sampler {
  const never = samplerFor(feature, history.never[y], probs);
  const before = samplerFor(feature, history.before[y], probs);
  const { on, neverValue } = history;
  return (rng, row) => (row[on] === neverValue ? never(rng, row) : before(rng, row));
}

function compile(profile: SyntheticProfile): CompiledProfile {
  const cached = compiled.get(profile);
  if (cached) return cached;
  const probs = profile.quantileProbs;
  const history = profile.contactHistory;
  const order = FEATURES.map((f) => f.name);
  if (history.features.some((name) => order.indexOf(name) <= order.indexOf(history.on))) {
    throw new Error(`synthetic profile: ${history.features.join(', ')} must come after ${history.on} in the schema`);
  }
  const forClass = (y: 0 | 1, drifting: boolean): Sampler[] =>
    FEATURES.map((f) => {
      if (history.features.includes(f.name)) return contactSampler(f, history, y, probs);
      const part = drifting && profile.driftFeatures.includes(f.name) ? profile.late : profile.base;
      return samplerFor(f, part.classes[y], probs);
    });
  const result: CompiledProfile = {
    baseRate: profile.base.classRate,
    lateRate: profile.late.classRate,
    base: [forClass(0, false), forClass(1, false)],
    late: [forClass(0, true), forClass(1, true)],
  };
  compiled.set(profile, result);
  return result;
}

function checkOptions(opts: SyntheticOptions): void {
  const { rows, seed, drift } = opts;
  if (rows !== undefined && !(Number.isInteger(rows) && rows >= 0)) throw new RangeError(`rows must be a non-negative integer, got ${rows}`);
  if (seed !== undefined && !Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  if (drift !== undefined && !(drift >= 0 && drift <= 1)) throw new RangeError(`drift must be a number in [0, 1], got ${drift}`);
}

/**
 * Streams synthetic rows; endless when `rows` is undefined, which suits a load generator. The
 * same seed and options give the same sequence, and a prefix of a longer run equals a shorter run.
 *
 * @example
 * const source = syntheticRows({ seed: 7, drift: 0.5 });
 * const first = source.next().value; // a LabelledRow
 */
export function* syntheticRows(opts: SyntheticOptions = {}): Generator<LabelledRow, void, undefined> {
  checkOptions(opts);
  const { rows, seed = 1, drift = 0, profile = SYNTHETIC_PROFILE } = opts;
  const model = compile(profile);
  const rng = createRandom(seed);
  for (let n = 0; rows === undefined || n < rows; n++) {
    // Draw the source even when drift is 0 or 1, so runs that differ only in drift share a stream.
    const late = rng.next() < drift;
    const y: 0 | 1 = rng.next() < (late ? model.lateRate : model.baseRate) ? 1 : 0;
    const samplers = (late ? model.late : model.base)[y];
    const features: Row = {};
    for (let i = 0; i < FEATURES.length; i++) features[FEATURES[i].name] = samplers[i](rng, features);
    yield { features, y };
  }
}

/**
 * Generates a synthetic data set in memory: by default as many rows as the real file, seed 1, no drift.
 *
 * @example
 * const rows = generateSynthetic({ rows: 10_000, seed: 42 });
 * const drifted = generateSynthetic({ rows: 10_000, seed: 42, drift: 1 }); // class rate near the late rows'
 */
export function generateSynthetic(opts: SyntheticOptions = {}): LabelledRow[] {
  checkOptions(opts);
  const profile = opts.profile ?? SYNTHETIC_PROFILE;
  return [...syntheticRows({ ...opts, rows: opts.rows ?? profile.source.rows })];
}
