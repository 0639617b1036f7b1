/**
 * The training baseline a model version carries for drift detection: per feature, the bins and the
 * share of training rows in each, and the class shares. Bins are fixed at training time so that the
 * live distribution is always counted against the same reference (PSI needs identical bins).
 *
 * Numeric bins: values that alone hold at least `1 / bins` of the rows (pdays = -1, previous = 0,
 * campaign = 1) are point masses with a bin of their own; the remaining values are cut at quantiles
 * into open-ended intervals, so a value far outside the training range still lands in an outer bin.
 */
import { FEATURES, type Feature, type Row } from '../data/schema.js';
import { firstEdgeAtOrAbove } from '../util/search.js';

/** Baseline of a numeric feature. Bin i < points.length is the point mass points[i]; then intervals. */
export interface NumericBaseline {
  readonly kind: 'numeric';
  /** Values with a bin of their own. */
  readonly points: readonly number[];
  /** Upper bounds (inclusive) of the interval bins; the last interval is open to +Infinity. */
  readonly upperEdges: readonly number[];
  /** Bin labels, bounded and stable, used as the `bin` label of ml_feature_bin_total. */
  readonly labels: readonly string[];
  /** Share of training rows per bin; sums to 1. */
  readonly shares: readonly number[];
}

/** Baseline of a categorical feature; the last bin is "__unseen__" for categories not in training. */
export interface CategoricalBaseline {
  readonly kind: 'categorical';
  readonly labels: readonly string[];
  readonly shares: readonly number[];
}

export type FeatureBaseline = NumericBaseline | CategoricalBaseline;

/**
 * What the model's own output looked like on the holdout rows — data it had not seen, so a
 * serving distribution that matches the holdout's is the expected one (training-row predictions
 * are more confident than any served ones will be).
 */
export interface PredictionBaseline {
  /** Share of predictions of class 0 and of class 1. */
  readonly classShares: readonly [number, number];
  /** Confidence (probability of the predicted class, 0.5..1) in fixed bins. */
  readonly confidence: NumericBaseline;
}

/** Everything drift detection compares against. */
export interface TrainingBaseline {
  readonly rows: number;
  readonly features: Readonly<Record<string, FeatureBaseline>>;
  /** Share of class 0 and class 1 in the training labels. */
  readonly classShares: readonly [number, number];
  /** Holdout prediction distribution; absent in artifacts written before it existed. */
  readonly predictions?: PredictionBaseline;
}

/** Upper edges of the confidence bins: the ml_prediction_confidence histogram's buckets above 0.5, so drift and histogram share ranges. */
export const CONFIDENCE_EDGES = [0.6, 0.7, 0.8, 0.9, 0.95, 0.99] as const;

/**
 * The prediction baseline from holdout probabilities of class 1 and the decision threshold.
 *
 * @example buildPredictionBaseline(holdoutProba, 0.5).classShares // e.g. [0.93, 0.07]
 */
export function buildPredictionBaseline(proba: ArrayLike<number>, threshold: number): PredictionBaseline {
  const upperEdges = [...CONFIDENCE_EDGES];
  const labels = [`[0.5,${upperEdges[0]}]`, ...upperEdges.slice(1).map((edge, i) => `(${upperEdges[i]},${edge}]`), `(${upperEdges.at(-1)},1]`];
  const confidence: NumericBaseline = { kind: 'numeric', points: [], upperEdges, labels, shares: [] };
  const counts = new Array<number>(labels.length).fill(0);
  let positives = 0;
  for (let i = 0; i < proba.length; i++) {
    const predicted = proba[i] >= threshold;
    if (predicted) positives++;
    counts[numericBin(confidence, predicted ? proba[i] : 1 - proba[i])]++;
  }
  const n = proba.length;
  const p1 = n ? positives / n : 0;
  return { classShares: [1 - p1, p1], confidence: { ...confidence, shares: counts.map((c) => (n ? c / n : 0)) } };
}

/** The label of the bucket that collects categories never seen in training. */
export const UNSEEN_CATEGORY = '__unseen__';

/**
 * Computes the baseline of every feature of a schema (the bank-marketing columns by default) from
 * training or reference rows.
 *
 * @example
 * const baseline = buildBaseline(rows.map((r) => r.features), rows.map((r) => r.y));
 * baseline.features.pdays.labels[0]; // '=-1'
 */
export function buildBaseline(rows: readonly Row[], labels: ArrayLike<number>, bins = 10, schemaFeatures: readonly Feature[] = FEATURES): TrainingBaseline {
  const features: Record<string, FeatureBaseline> = {};
  for (const feature of schemaFeatures) {
    const values = rows.map((r) => r[feature.name]);
    features[feature.name] = feature.kind === 'numeric' ? numericBaseline(values as number[], bins) : categoricalBaseline(feature, values as string[]);
  }
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i];
  const p1 = labels.length ? positives / labels.length : 0;
  return { rows: rows.length, features, classShares: [1 - p1, p1] };
}

function numericBaseline(values: number[], bins: number): NumericBaseline {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  const points = findPointMasses(sorted, Math.max(1, Math.ceil(n / bins)));
  const pointSet = new Set(points);
  const rest = sorted.filter((v) => !pointSet.has(v));
  const upperEdges: number[] = [];
  const intervalBins = Math.max(1, bins - points.length);
  for (let k = 1; k < intervalBins && rest.length; k++) {
    const edge = rest[Math.min(rest.length - 1, Math.floor((k * rest.length) / intervalBins))];
    if (edge !== upperEdges.at(-1) && edge < rest[rest.length - 1]) upperEdges.push(edge);
  }
  const base: NumericBaseline = { kind: 'numeric', points, upperEdges, labels: numericLabels(points, upperEdges), shares: [] };
  const counts = new Array<number>(base.labels.length).fill(0);
  for (const v of sorted) counts[numericBin(base, v)]++;
  return { ...base, shares: counts.map((c) => (n ? c / n : 0)) };
}

function findPointMasses(sorted: Float64Array, minCount: number): number[] {
  const points: number[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j < sorted.length && sorted[j] === sorted[i]) j++;
    if (j - i >= minCount) points.push(sorted[i]);
    i = j;
  }
  return points;
}

function numericLabels(points: readonly number[], upperEdges: readonly number[]): string[] {
  const labels = points.map((p) => `=${p}`);
  let lower = '-Inf';
  for (const edge of upperEdges) {
    labels.push(`(${lower},${edge}]`);
    lower = String(edge);
  }
  labels.push(`(${lower},+Inf)`);
  return labels;
}

function categoricalBaseline(feature: Feature & { kind: 'categorical' }, values: string[]): CategoricalBaseline {
  const labels = [...feature.categories, UNSEEN_CATEGORY];
  const counts = new Array<number>(labels.length).fill(0);
  for (const v of values) {
    const i = feature.categories.indexOf(v);
    counts[i < 0 ? labels.length - 1 : i]++;
  }
  return { kind: 'categorical', labels, shares: counts.map((c) => (values.length ? c / values.length : 0)) };
}

/**
 * The bin a numeric value falls in: its point mass if it has one, else the first interval whose upper
 * edge is at or above it (binary search, O(log bins)).
 *
 * @example numericBin(baseline.features.pdays as NumericBaseline, -1) // 0
 */
export function numericBin(baseline: NumericBaseline, value: number): number {
  const { points, upperEdges } = baseline;
  for (let i = 0; i < points.length; i++) if (points[i] === value) return i;
  return points.length + firstEdgeAtOrAbove(upperEdges, value);
}

/**
 * The bin of a categorical value; unknown categories go to the unseen bucket.
 *
 * @example categoricalBin(baseline.features.job as CategoricalBaseline, 'student')
 */
export function categoricalBin(baseline: CategoricalBaseline, value: string): number {
  const i = baseline.labels.indexOf(value);
  return i < 0 || i === baseline.labels.length - 1 ? baseline.labels.length - 1 : i;
}
