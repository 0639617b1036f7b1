/**
 * Per-feature binners for the live side of drift detection: they put a served value into the same
 * bin the training baseline counted it in (same result as `numericBin` / `categoricalBin` in
 * model/baseline.ts), but with the lookups prepared once per model so that binning every feature of
 * every prediction stays cheap on the hot path.
 */
import { FEATURES, type Feature } from '../../data/schema.js';
import { UNSEEN_CATEGORY, type CategoricalBaseline, type FeatureBaseline, type NumericBaseline, type TrainingBaseline } from '../../model/baseline.js';
import { firstEdgeAtOrAbove } from '../../util/search.js';
import { MAX_BINS_PER_SIGNAL } from './drift-window.js';

/** A monitored signal's bins and their expected shares. */
export interface SignalBins {
  readonly name: string;
  /** Bin labels, as in the baseline (bounded, stable: fit for a metric label). */
  readonly labels: readonly string[];
  /** Expected share per bin. */
  readonly shares: readonly number[];
}

/** A feature's bins plus the function that bins a live value. */
export interface FeatureBinner extends SignalBins {
  /**
   * The bin of `value`. A value of the wrong type does not throw (it cannot be allowed to fail a
   * prediction): a non-number for a numeric feature is treated as NaN and lands in the last bin, a
   * non-string for a categorical feature lands in "__unseen__".
   */
  bin(value: number | string): number;
}

function checkBins(name: string, baseline: FeatureBaseline): void {
  const bins = baseline.labels.length;
  if (bins === 0 || bins > MAX_BINS_PER_SIGNAL) throw new RangeError(`feature ${name} has ${bins} bins; a drift signal needs 1 to ${MAX_BINS_PER_SIGNAL}`);
  if (baseline.shares.length !== bins) throw new RangeError(`feature ${name} has ${bins} bin labels but ${baseline.shares.length} shares`);
}

/**
 * A binner for a numeric baseline: point masses first (a linear scan, there are only a few), then a
 * binary search over the interval edges.
 *
 * @example
 * const pdays = numericBinner('pdays', model.baseline.features.pdays as NumericBaseline);
 * pdays.bin(-1); // 0, the "=-1" point mass
 */
export function numericBinner(name: string, baseline: NumericBaseline): FeatureBinner {
  checkBins(name, baseline);
  const points = Float64Array.from(baseline.points);
  const edges = Float64Array.from(baseline.upperEdges);
  if (points.length + edges.length + 1 !== baseline.labels.length) {
    throw new RangeError(`feature ${name}: ${points.length} points and ${edges.length} edges do not make ${baseline.labels.length} bins`);
  }
  const pointCount = points.length;
  return {
    name,
    labels: baseline.labels,
    shares: baseline.shares,
    bin(value) {
      const x = typeof value === 'number' ? value : Number.NaN;
      for (let i = 0; i < pointCount; i++) if (points[i] === x) return i;
      return pointCount + firstEdgeAtOrAbove(edges, x);
    },
  };
}

/**
 * A binner for a categorical baseline: a Map from category to bin; anything else (including the
 * literal "__unseen__" and values of the wrong type) goes to the last, unseen bin.
 *
 * @example
 * const job = categoricalBinner('job', model.baseline.features.job as CategoricalBaseline);
 * job.bin('astronaut'); // job.labels.length - 1
 */
export function categoricalBinner(name: string, baseline: CategoricalBaseline): FeatureBinner {
  checkBins(name, baseline);
  const unseen = baseline.labels.length - 1;
  if (baseline.labels[unseen] !== UNSEEN_CATEGORY) throw new RangeError(`feature ${name}: the last bin must be "${UNSEEN_CATEGORY}"`);
  const index = new Map<string, number>();
  // First occurrence wins, as with indexOf in categoricalBin.
  for (let i = 0; i < unseen; i++) if (!index.has(baseline.labels[i])) index.set(baseline.labels[i], i);
  return {
    name,
    labels: baseline.labels,
    shares: baseline.shares,
    bin(value) {
      return typeof value === 'string' ? (index.get(value) ?? unseen) : unseen;
    },
  };
}

/**
 * One binner per feature of the model's schema (the bank-marketing columns by default), in order, so that bin vectors can be indexed by feature
 * position. Throws naming the feature when the baseline lacks it or has the wrong kind for it (an
 * artifact from an older schema must fail at load, not bin garbage).
 *
 * @example
 * const binners = createFeatureBinners(model.baseline);
 * const bins = binners.map((b) => b.bin(row[b.name]));
 */
export function createFeatureBinners(baseline: TrainingBaseline, features: readonly Feature[] = FEATURES): FeatureBinner[] {
  return features.map((feature) => {
    const featureBaseline = Object.hasOwn(baseline.features, feature.name) ? baseline.features[feature.name] : undefined;
    if (featureBaseline === undefined) throw new Error(`the training baseline has no bins for feature ${feature.name}`);
    if (featureBaseline.kind !== feature.kind) {
      throw new Error(`the training baseline bins feature ${feature.name} as ${featureBaseline.kind}, the schema says ${feature.kind}`);
    }
    return featureBaseline.kind === 'numeric' ? numericBinner(feature.name, featureBaseline) : categoricalBinner(feature.name, featureBaseline);
  });
}
