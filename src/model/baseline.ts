/**
 * The training baseline a model version carries for drift detection: per feature, the bins and the
 * share of training rows in each, and the class shares. Bins are fixed at training time so that the
 * live distribution is always counted against the same reference (PSI needs identical bins).
 *
 * Numeric bins: values that alone hold at least `1 / bins` of the rows (pdays = -1, previous = 0,
 * campaign = 1) are point masses with a bin of their own; the remaining values are cut at quantiles
 * into open-ended intervals, so a value far outside the training range still lands in an outer bin.
 */
import type { Task } from '../data/model-schema.js';
import { FEATURES, type Feature, type Row } from '../data/schema.js';
import { firstEdgeAtOrAbove } from '../util/search.js';
import { argmaxRow } from './task-metrics.js';

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
 * are more confident than any served ones will be). An imported model's comes from its reference
 * data. Classification models have class shares and confidence bins; regression models have value
 * bins instead.
 */
export interface PredictionBaseline {
  /**
   * Share of predictions per class: binary [class 0, class 1]; multiclass one per class in the
   * schema's class order. Absent for regression.
   */
  readonly classShares?: readonly number[];
  /** Confidence (probability of the predicted class) in fixed bins. Absent for regression. */
  readonly confidence?: NumericBaseline;
  /** Regression: the predicted value in quantile bins of the reference predictions, as a numeric feature's. */
  readonly value?: NumericBaseline;
}

/** Everything drift detection compares against. */
export interface TrainingBaseline {
  readonly rows: number;
  readonly features: Readonly<Record<string, FeatureBaseline>>;
  /** Share of each class in the training labels: binary [class 0, class 1], multiclass one per class; empty for regression. */
  readonly classShares: readonly number[];
  /** Holdout prediction distribution; absent in artifacts written before it existed. */
  readonly predictions?: PredictionBaseline;
}

/** Upper edges of the confidence bins: the ml_prediction_confidence histogram's buckets above 0.5, so drift and histogram share ranges. */
export const CONFIDENCE_EDGES = [0.6, 0.7, 0.8, 0.9, 0.95, 0.99] as const;

/** Bins of a value with fixed upper edges, labelled from `lowest` up to 1 (confidence bins). */
function confidenceBins(lowest: number, upperEdges: readonly number[]): NumericBaseline {
  const labels = [`[${lowest},${upperEdges[0]}]`, ...upperEdges.slice(1).map((edge, i) => `(${upperEdges[i]},${edge}]`), `(${upperEdges.at(-1)},1]`];
  return { kind: 'numeric', points: [], upperEdges: [...upperEdges], labels, shares: [] };
}

/**
 * The prediction baseline from holdout probabilities of class 1 and the decision threshold.
 *
 * @example buildPredictionBaseline(holdoutProba, 0.5).classShares // e.g. [0.93, 0.07]
 */
export function buildPredictionBaseline(proba: ArrayLike<number>, threshold: number): Required<Pick<PredictionBaseline, 'classShares' | 'confidence'>> {
  const confidence = confidenceBins(0.5, CONFIDENCE_EDGES);
  const counts = new Array<number>(confidence.labels.length).fill(0);
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

/**
 * Upper edges of the confidence bins of a model with `classes` classes: its top probability lies in
 * [1/C, 1], so the bins start at 1/C — a quarter of that span in four steps, then the binary
 * model's edges above 0.5 (the ml_prediction_confidence histogram has the same buckets).
 *
 * @example multiclassConfidenceEdges(3) // [0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99]
 */
export function multiclassConfidenceEdges(classes: number): number[] {
  const lowest = 1 / classes;
  const low = [0.2, 0.3, 0.4, 0.5].filter((edge) => edge > lowest);
  return [...low, ...CONFIDENCE_EDGES];
}

/** Reference predictions in quantile bins: 10, as a numeric feature's. */
export const VALUE_BINS = 10;

/**
 * The prediction baseline of any task from reference predictions — what `modelwatch import` and
 * training write into a version. `outputs` holds `nOutputs` numbers per row, row-major, as
 * `ServingModel.predictOutputs` writes them: binary P(positive) (predicted positive at 0.5),
 * multiclass the class probabilities (predicted class = the most probable, first on ties),
 * regression the value.
 *
 * - binary: as {@link buildPredictionBaseline} with threshold 0.5 (pass `threshold` otherwise);
 * - multiclass: the share of each class among the predicted classes, and the top probability in
 *   bins from 1/C to 1 ({@link multiclassConfidenceEdges});
 * - regression: the values in quantile bins (the numeric binning of {@link buildBaseline}: a value
 *   that alone holds a tenth of the predictions is a point mass with a bin of its own).
 *
 * @example buildPredictionBaselineForTask('multiclass', probabilities, ['a', 'b', 'c']).classShares // [0.3, 0.5, 0.2]
 */
export function buildPredictionBaselineForTask(task: Task, outputs: ArrayLike<number>, classes: readonly string[], threshold = 0.5): PredictionBaseline {
  if (task === 'binary') return buildPredictionBaseline(outputs, threshold);
  if (task === 'regression') return { value: numericBaseline(Array.from(outputs), VALUE_BINS) };
  const c = classes.length;
  if (c < 2 || outputs.length % c !== 0) throw new RangeError(`${outputs.length} outputs are not a whole number of rows of ${c} class probabilities`);
  const n = outputs.length / c;
  const confidence = confidenceBins(Number((1 / c).toFixed(4)), multiclassConfidenceEdges(c));
  const binCounts = new Array<number>(confidence.labels.length).fill(0);
  const classCounts = new Array<number>(c).fill(0);
  for (let r = 0; r < n; r++) {
    const best = argmaxRow(outputs, r, c);
    classCounts[best]++;
    binCounts[numericBin(confidence, outputs[r * c + best])]++;
  }
  return { classShares: classCounts.map((k) => (n ? k / n : 0)), confidence: { ...confidence, shares: binCounts.map((k) => (n ? k / n : 0)) } };
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
