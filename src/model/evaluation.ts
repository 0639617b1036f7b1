/**
 * Binary-classification metrics and calibration diagnostics.
 *
 * Conventions (they matter because dashboards compare numbers across releases):
 * - Labels must be exactly 0 or 1 and probabilities finite numbers in [0, 1]; anything else throws,
 *   because a silently skipped row changes every metric.
 * - A row is predicted positive when `proba >= threshold`.
 * - Zero divisions are defined rather than NaN, as scikit-learn's `zero_division=0` does:
 *   precision is 0 when nothing is predicted positive, recall is 0 when there are no positives,
 *   F1 is 0 when precision + recall is 0.
 * - ROC AUC is undefined with a single class; it is reported as NaN rather than a misleading 0.5.
 * - Log-loss clips probabilities to [1e-15, 1 - 1e-15] so one confident mistake is large, not
 *   infinite.
 */

/** Headline metrics for a binary classifier on one labelled set. */
export interface BinaryMetrics {
  readonly accuracy: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Exact ROC AUC with ties counted as half; NaN when only one class is present. */
  readonly auc: number;
  /** Mean negative log-likelihood (natural log). */
  readonly logLoss: number;
  /** Mean squared error of the probability. */
  readonly brier: number;
}

/** One equal-width bin of a reliability diagram. */
export interface ReliabilityBin {
  /** Inclusive lower edge. */
  readonly lower: number;
  /** Exclusive upper edge, except the last bin which includes 1. */
  readonly upper: number;
  readonly count: number;
  /** Mean predicted probability in the bin; NaN for an empty bin. */
  readonly meanPredicted: number;
  /** Share of positives in the bin; NaN for an empty bin. */
  readonly observedRate: number;
}

/** A reliability diagram and its summary errors. */
export interface ReliabilityReport {
  readonly bins: ReliabilityBin[];
  /** Expected calibration error: count-weighted mean |meanPredicted - observedRate| over bins. */
  readonly ece: number;
  /** Maximum calibration error: the largest |meanPredicted - observedRate| over non-empty bins. */
  readonly mce: number;
}

const LOG_LOSS_EPS = 1e-15;

/**
 * Accuracy, precision, recall, F1, ROC AUC, log-loss and Brier score in one pass (plus a sort for
 * the AUC). See the module comment for the zero-division conventions.
 *
 * @param yTrue - labels, each 0 or 1
 * @param proba - predicted probability of class 1 per row
 * @param threshold - a row is predicted positive when `proba >= threshold`
 * @throws RangeError on empty or mismatched inputs, labels other than 0/1, probabilities outside [0, 1]
 *
 * @example
 * const m = evaluateBinary([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
 * m.accuracy; // 0.75
 * m.auc;      // 0.75
 */
export function evaluateBinary(yTrue: ArrayLike<number>, proba: ArrayLike<number>, threshold = 0.5): BinaryMetrics {
  checkInputs(yTrue, proba);
  if (!Number.isFinite(threshold)) throw new RangeError(`threshold must be finite, got ${threshold}`);
  const n = yTrue.length;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let logLossSum = 0;
  let brierSum = 0;
  for (let i = 0; i < n; i++) {
    const y = yTrue[i];
    const p = proba[i];
    const predictedPositive = p >= threshold;
    if (predictedPositive && y === 1) tp++;
    else if (predictedPositive) fp++;
    else if (y === 1) fn++;
    const clipped = Math.min(Math.max(p, LOG_LOSS_EPS), 1 - LOG_LOSS_EPS);
    logLossSum -= y === 1 ? Math.log(clipped) : Math.log(1 - clipped);
    brierSum += (p - y) * (p - y);
  }
  const tn = n - tp - fp - fn;
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return {
    accuracy: (tp + tn) / n,
    precision,
    recall,
    f1,
    auc: rocAuc(yTrue, proba),
    logLoss: logLossSum / n,
    brier: brierSum / n,
  };
}

/**
 * Exact ROC AUC via the Mann–Whitney rank statistic: rows are ranked by probability, tied rows share
 * their average rank, so a positive–negative pair with equal scores counts as half a correct
 * ordering. O(n log n). NaN when either class is absent.
 *
 * @example
 * rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9]); // 0.875 (one tied pair counts 1/2)
 */
export function rocAuc(yTrue: ArrayLike<number>, proba: ArrayLike<number>): number {
  checkInputs(yTrue, proba);
  const n = yTrue.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => proba[a] - proba[b]);
  let positives = 0;
  let positiveRankSum = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && proba[order[end]] === proba[order[start]]) end++;
    // Ranks are 1-based; every row of the tie group [start, end) gets the group's mean rank.
    const meanRank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) {
      if (yTrue[order[k]] === 1) {
        positives++;
        positiveRankSum += meanRank;
      }
    }
    start = end;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Reliability diagram over `bins` equal-width probability bins on [0, 1] (bin `i` is
 * `[i/bins, (i+1)/bins)`, the last bin also holds exactly 1), with the expected and maximum
 * calibration errors. Empty bins report NaN means and contribute nothing to either error.
 *
 * @param bins - number of bins, a positive integer
 * @throws RangeError on bad inputs (see {@link evaluateBinary}) or a non-positive bin count
 *
 * @example
 * const r = reliability([0, 1, 1, 1], [0.1, 0.3, 0.9, 0.95], 2);
 * r.bins[1]; // { lower: 0.5, upper: 1, count: 2, meanPredicted: 0.925, observedRate: 1 }
 * r.ece;     // (2 * |0.2 - 0.5| + 2 * |0.925 - 1|) / 4 = 0.1875
 */
export function reliability(yTrue: ArrayLike<number>, proba: ArrayLike<number>, bins = 10): ReliabilityReport {
  checkInputs(yTrue, proba);
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be a positive integer, got ${bins}`);
  const counts = new Float64Array(bins);
  const sumPredicted = new Float64Array(bins);
  const sumPositive = new Float64Array(bins);
  for (let i = 0; i < yTrue.length; i++) {
    const b = Math.min(bins - 1, Math.floor(proba[i] * bins));
    counts[b]++;
    sumPredicted[b] += proba[i];
    sumPositive[b] += yTrue[i];
  }
  const out: ReliabilityBin[] = [];
  let ece = 0;
  let mce = 0;
  for (let b = 0; b < bins; b++) {
    const count = counts[b];
    const meanPredicted = count === 0 ? Number.NaN : sumPredicted[b] / count;
    const observedRate = count === 0 ? Number.NaN : sumPositive[b] / count;
    if (count > 0) {
      const gap = Math.abs(meanPredicted - observedRate);
      ece += (count / yTrue.length) * gap;
      mce = Math.max(mce, gap);
    }
    out.push({ lower: b / bins, upper: (b + 1) / bins, count, meanPredicted, observedRate });
  }
  return { bins: out, ece, mce };
}

/** Shared input checks: equal non-zero lengths, 0/1 labels, probabilities in [0, 1]. */
function checkInputs(yTrue: ArrayLike<number>, proba: ArrayLike<number>): void {
  if (yTrue.length !== proba.length) throw new RangeError(`yTrue has ${yTrue.length} rows but proba has ${proba.length}`);
  if (yTrue.length === 0) throw new RangeError('cannot evaluate zero rows');
  for (let i = 0; i < yTrue.length; i++) {
    const y = yTrue[i];
    if (y !== 0 && y !== 1) throw new RangeError(`yTrue[${i}] must be 0 or 1, got ${y}`);
    const p = proba[i];
    // Written as a negated range test so NaN fails it too.
    if (!(p >= 0 && p <= 1)) throw new RangeError(`proba[${i}] must be a probability in [0, 1], got ${p}`);
  }
}
