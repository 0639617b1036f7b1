/**
 * Binary log-loss on raw scores (log-odds): the initial score, per-row gradients and hessians for
 * boosting, and the mean loss that early stopping watches. (objective.ts adds multiclass and
 * regression beside it.)
 */

/** Hessian floor: p(1-p) underflows for confident rows and a zero hessian would blow up leaf values. */
const MIN_HESSIAN = 1e-16;

/** Log-odds of the positive rate; both classes must be present or the init score is infinite. */
export function logOdds(y: ArrayLike<number>): number {
  let positives = 0;
  for (let i = 0; i < y.length; i++) positives += y[i];
  if (positives === 0 || positives === y.length) throw new RangeError('training data must contain both classes');
  return Math.log(positives / (y.length - positives));
}

/** Log-loss gradient and hessian with respect to the raw score: g = p - y, h = p(1 - p). */
export function computeGradients(raw: Float64Array, y: ArrayLike<number>, grad: Float64Array, hess: Float64Array): void {
  for (let i = 0; i < raw.length; i++) {
    const p = 1 / (1 + Math.exp(-raw[i]));
    grad[i] = p - y[i];
    hess[i] = Math.max(p * (1 - p), MIN_HESSIAN);
  }
}

/** Mean log-loss of raw scores. */
export function meanLogLoss(raw: Float64Array, y: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < raw.length; i++) {
    // log(1 + e^-z) for y = 1 and log(1 + e^z) for y = 0, computed without overflow.
    const z = y[i] === 1 ? raw[i] : -raw[i];
    sum += z > 0 ? Math.log1p(Math.exp(-z)) : -z + Math.log1p(Math.exp(z));
  }
  return sum / raw.length;
}
