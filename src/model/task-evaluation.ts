/**
 * Multiclass and regression quality in the forms the service serves and watches, on the
 * definitions of task-metrics.ts (scikit-learn's), so holdout and live figures compare:
 *
 * - multiclass: accuracy; precision, recall and F1 per class with `zero_division=0`, averaged over
 *   all C classes of the model (`labels=range(C)`, `average='macro'`); recall per class;
 * - regression: MAE and RMSE (evaluateRegression in task-metrics.ts).
 *
 * The live window counts (predicted, actual) pairs into a C × C confusion matrix; the same matrix
 * from holdout pairs gives the holdout figures.
 */
import type { MulticlassHoldoutMetrics } from './serving-model.js';
import type { MulticlassMetrics } from './task-metrics.js';

/**
 * Multiclass figures from a C × C confusion matrix (`counts[predicted * C + actual]`). A class
 * with no actual label has recall 0 in the macro average (as scikit-learn) and NaN in `classRecall`,
 * so a live series is not claimed for a class nothing was measured on.
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
  const classRecall: number[] = [];
  for (let c = 0; c < classes; c++) {
    const tp = counts[c * classes + c];
    const precision = predicted[c] === 0 ? 0 : tp / predicted[c];
    const recall = actual[c] === 0 ? 0 : tp / actual[c];
    classRecall.push(actual[c] === 0 ? Number.NaN : recall);
    precisionSum += precision;
    recallSum += recall;
    f1Sum += precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  }
  return { accuracy: total ? correct / total : 0, precision: precisionSum / classes, recall: recallSum / classes, f1: f1Sum / classes, classRecall };
}

/**
 * Multiclass figures of predicted against true class indices (the confusion matrix of the pairs).
 *
 * @throws RangeError on empty or mismatched inputs, or an index outside 0..classes−1.
 * @example multiclassMetricsOfPairs([0, 1, 2, 2], [0, 2, 2, 2], 3).accuracy // 0.75
 */
export function multiclassMetricsOfPairs(actual: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): MulticlassHoldoutMetrics {
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
 * A multiclass version's holdout metrics as its artifact stores them (`metrics.holdout`), from
 * evaluateMulticlass's: accuracy, macro precision/recall/F1, recall per class, log-loss.
 *
 * @example artifact.metrics.holdout = multiclassHoldout(evaluateMulticlass(y, proba, 3));
 */
export function multiclassHoldout(m: MulticlassMetrics): MulticlassHoldoutMetrics & { logLoss: number } {
  return { accuracy: m.accuracy, precision: m.macroPrecision, recall: m.macroRecall, f1: m.macroF1, classRecall: m.perClass.map((c) => c.recall), logLoss: m.logLoss };
}

const isClass = (v: number, classes: number) => Number.isInteger(v) && v >= 0 && v < classes;
