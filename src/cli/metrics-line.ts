/** Holdout metrics in one line of text, in the form of their task. */
import type { TaskHoldoutMetrics } from '../model/serving-model.js';

const f = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? 'n/a' : v.toFixed(4));

/**
 * `accuracy … precision … recall … f1 … auc …` (AUC for binary models only; macro averages for
 * multiclass), or `MAE … RMSE … R² …` for a regression.
 *
 * @example metricsLine({ mae: 41.2, rmse: 53.9, r2: 0.41 }) // 'MAE 41.2000  RMSE 53.9000  R² 0.4100'
 */
export function metricsLine(m: TaskHoldoutMetrics & { r2?: number }): string {
  if ('mae' in m) return `MAE ${f(m.mae)}  RMSE ${f(m.rmse)}  R² ${f(m.r2)}`;
  const line = `accuracy ${f(m.accuracy)}  precision ${f(m.precision)}  recall ${f(m.recall)}  f1 ${f(m.f1)}`;
  if ('classRecall' in m) return `${line} (macro averages)`;
  return `${line}  auc ${f(m.auc)}`;
}
