/**
 * Holdout metrics for the tasks besides binary classification (evaluation.ts has the binary ones).
 *
 * Conventions, chosen to match scikit-learn so the figures compare:
 * - Multiclass: the predicted class is the most probable one (ties: the lowest class index, as
 *   numpy's argmax). Macro precision, recall and F1 average over all K classes of the model, a class
 *   absent from the holdout included (scikit-learn's `labels=range(K)`, `average='macro'`); a zero
 *   division is 0 (`zero_division=0`). Log-loss clips probabilities to [1e-15, 1].
 * - Regression: MAE, RMSE and R² = 1 − SSE/SST; R² is NaN when the holdout's target is constant
 *   (SST = 0), where it is undefined.
 * Labels must be valid (class indices 0..K−1, finite values) and inputs of matching length; anything
 * else throws, because a silently skipped row changes every metric.
 */

/** One class's precision, recall, F1 and holdout row count. */
export interface ClassMetrics {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly support: number;
}

/** Headline metrics of a multiclass classifier on one labelled set. */
export interface MulticlassMetrics {
  readonly accuracy: number;
  readonly macroPrecision: number;
  readonly macroRecall: number;
  readonly macroF1: number;
  /** Mean negative log-likelihood of the true class (natural log). */
  readonly logLoss: number;
  /** Per class, in class-index order. */
  readonly perClass: readonly ClassMetrics[];
}

/** Headline metrics of a regression model on one labelled set. */
export interface RegressionMetrics {
  readonly mae: number;
  readonly rmse: number;
  /** Coefficient of determination; NaN when the target is constant. */
  readonly r2: number;
}

const LOG_LOSS_EPS = 1e-15;

/**
 * The most probable class of row `i` of a row-major `n × k` probability matrix (ties: the lowest index).
 *
 * @example argmaxRow(Float64Array.of(0.2, 0.5, 0.3), 0, 3) // 1
 */
export function argmaxRow(proba: ArrayLike<number>, i: number, k: number): number {
  let best = 0;
  for (let c = 1; c < k; c++) if (proba[i * k + c] > proba[i * k + best]) best = c;
  return best;
}

/**
 * Accuracy, macro precision/recall/F1, log-loss and per-class figures (see the module comment).
 *
 * @param yTrue - class index per row, 0..k−1
 * @param proba - row-major `n × k` class probabilities
 * @param k - number of classes
 * @throws RangeError on empty or mismatched inputs or a label outside 0..k−1
 *
 * @example
 * evaluateMulticlass([0, 1, 2], Float64Array.of(0.8, 0.1, 0.1, 0.2, 0.7, 0.1, 0.6, 0.2, 0.2), 3).accuracy; // 2/3
 */
export function evaluateMulticlass(yTrue: ArrayLike<number>, proba: ArrayLike<number>, k: number): MulticlassMetrics {
  const n = yTrue.length;
  if (!(Number.isInteger(k) && k >= 2)) throw new RangeError(`k must be an integer ≥ 2, got ${k}`);
  if (n === 0) throw new RangeError('no rows to evaluate');
  if (proba.length !== n * k) throw new RangeError(`proba has ${proba.length} values, expected ${n} rows × ${k} classes`);
  const tp = new Array<number>(k).fill(0);
  const predicted = new Array<number>(k).fill(0);
  const support = new Array<number>(k).fill(0);
  let correct = 0;
  let logLoss = 0;
  for (let i = 0; i < n; i++) {
    const y = yTrue[i];
    if (!(Number.isInteger(y) && y >= 0 && y < k)) throw new RangeError(`yTrue[${i}] must be a class index 0..${k - 1}, got ${y}`);
    const guess = argmaxRow(proba, i, k);
    support[y]++;
    predicted[guess]++;
    if (guess === y) {
      tp[y]++;
      correct++;
    }
    logLoss -= Math.log(Math.min(Math.max(proba[i * k + y], LOG_LOSS_EPS), 1));
  }
  const perClass = tp.map((t, c) => {
    const precision = predicted[c] ? t / predicted[c] : 0;
    const recall = support[c] ? t / support[c] : 0;
    return { precision, recall, f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0, support: support[c] };
  });
  const mean = (pick: (m: ClassMetrics) => number): number => perClass.reduce((s, m) => s + pick(m), 0) / k;
  return { accuracy: correct / n, macroPrecision: mean((m) => m.precision), macroRecall: mean((m) => m.recall), macroF1: mean((m) => m.f1), logLoss: logLoss / n, perClass };
}

/**
 * MAE, RMSE and R² (see the module comment).
 *
 * @throws RangeError on empty or mismatched inputs or a non-finite value
 * @example evaluateRegression([1, 2, 3], [1, 2, 4]); // { mae: 1/3, rmse: √(1/3), r2: 0.5 }
 */
export function evaluateRegression(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): RegressionMetrics {
  const n = yTrue.length;
  if (n === 0) throw new RangeError('no rows to evaluate');
  if (yPred.length !== n) throw new RangeError(`yPred has ${yPred.length} values, expected ${n}`);
  let mean = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(yTrue[i]) || !Number.isFinite(yPred[i])) throw new RangeError(`row ${i}: values must be finite, got ${yTrue[i]} and ${yPred[i]}`);
    mean += yTrue[i];
  }
  mean /= n;
  let abs = 0;
  let sse = 0;
  let sst = 0;
  for (let i = 0; i < n; i++) {
    const e = yPred[i] - yTrue[i];
    abs += Math.abs(e);
    sse += e * e;
    sst += (yTrue[i] - mean) ** 2;
  }
  return { mae: abs / n, rmse: Math.sqrt(sse / n), r2: sst > 0 ? 1 - sse / sst : Number.NaN };
}
