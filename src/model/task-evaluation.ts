/**
 * Holdout metrics of multiclass and regression models (binary ones: evaluation.ts), with the
 * definitions the live quality windows use too, so holdout and live figures are comparable:
 *
 * - multiclass: accuracy; precision, recall and F1 per class with scikit-learn's `zero_division=0`
 *   (precision 0 when a class is never predicted, recall 0 when it never occurs, F1 0 when both
 *   are 0), averaged over the classes that occur in the labels or the predictions (scikit-learn's
 *   `average="macro"` without `labels=`); recall per class over every class of the schema, NaN
 *   for a class that never occurs;
 * - regression: mean absolute error and root mean squared error, in the target's unit.
 */
import type { MulticlassHoldoutMetrics, RegressionHoldoutMetrics } from './serving-model.js';

/**
 * Multiclass metrics from a C × C confusion matrix (`counts[predicted * C + actual]`).
 *
 * @example multiclassMetricsOfConfusion(Float64Array.of(2, 0, 1, 1), 2).accuracy // 0.75
 */
export function multiclassMetricsOfConfusion(counts: ArrayLike<number>, classes: number): MulticlassHoldoutMetrics {
  const predicted = new Float64Array(classes);
  const actual = new Float64Array(classes);
  let total = 0;
  let correct = 0;
  for (let p = 0; p < classes; p++) {
    for (let a = 0; a < classes; a++) {
      const n = counts[p * classes + a];
      predicted[p] += n;
      actual[a] += n;
      total += n;
      if (p === a) correct += n;
    }
  }
  let precisionSum = 0;
  let recallSum = 0;
  let f1Sum = 0;
  let present = 0;
  const classRecall: number[] = [];
  for (let c = 0; c < classes; c++) {
    const tp = counts[c * classes + c];
    const precision = predicted[c] === 0 ? 0 : tp / predicted[c];
    const recall = actual[c] === 0 ? 0 : tp / actual[c];
    classRecall.push(actual[c] === 0 ? Number.NaN : recall);
    if (predicted[c] === 0 && actual[c] === 0) continue;
    present++;
    precisionSum += precision;
    recallSum += recall;
    f1Sum += precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  }
  const mean = (sum: number) => (present ? sum / present : 0);
  return { accuracy: total ? correct / total : 0, precision: mean(precisionSum), recall: mean(recallSum), f1: mean(f1Sum), classRecall };
}

/**
 * Multiclass metrics of predicted against true class indices.
 *
 * @throws RangeError on empty or mismatched inputs, or an index outside 0..classes−1.
 * @example evaluateMulticlass([0, 1, 2, 2], [0, 2, 2, 2], 3).accuracy // 0.75
 */
export function evaluateMulticlass(actual: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): MulticlassHoldoutMetrics {
  if (actual.length === 0 || actual.length !== predicted.length) throw new RangeError(`need as many predictions as labels, and some: ${predicted.length} and ${actual.length}`);
  const counts = new Float64Array(classes * classes);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const p = predicted[i];
    if (!isClass(a, classes) || !isClass(p, classes)) throw new RangeError(`row ${i}: class indices must be integers in [0, ${classes - 1}], got predicted ${p}, actual ${a}`);
    counts[p * classes + a]++;
  }
  return multiclassMetricsOfConfusion(counts, classes);
}

/**
 * The predicted class of each row of class probabilities (`n × classes`, row-major): the most
 * probable, the first on a tie (as /predict answers).
 *
 * @example argmaxRows([0.2, 0.5, 0.3, 0.6, 0.2, 0.2], 3) // Uint16Array [1, 0]
 */
export function argmaxRows(probabilities: ArrayLike<number>, classes: number): Uint16Array {
  const n = Math.floor(probabilities.length / classes);
  const out = new Uint16Array(n);
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (probabilities[r * classes + c] > probabilities[r * classes + best]) best = c;
    out[r] = best;
  }
  return out;
}

/**
 * Regression errors of predicted against true values.
 *
 * @throws RangeError on empty or mismatched inputs or a non-finite number.
 * @example evaluateRegression([1, 2, 3], [1, 2, 5]) // { mae: 0.667, rmse: 1.155 }
 */
export function evaluateRegression(actual: ArrayLike<number>, predicted: ArrayLike<number>): RegressionHoldoutMetrics {
  if (actual.length === 0 || actual.length !== predicted.length) throw new RangeError(`need as many predictions as labels, and some: ${predicted.length} and ${actual.length}`);
  let absolute = 0;
  let squared = 0;
  for (let i = 0; i < actual.length; i++) {
    const e = predicted[i] - actual[i];
    if (!Number.isFinite(e)) throw new RangeError(`row ${i}: values must be finite, got predicted ${predicted[i]}, actual ${actual[i]}`);
    absolute += Math.abs(e);
    squared += e * e;
  }
  return { mae: absolute / actual.length, rmse: Math.sqrt(squared / actual.length) };
}

const isClass = (v: number, classes: number) => Number.isInteger(v) && v >= 0 && v < classes;
