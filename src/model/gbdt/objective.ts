/**
 * The three training objectives and what each needs from the boosting loop: how many raw scores a
 * row has, where they start, the per-row gradients and hessians of one output, and the validation
 * loss early stopping watches.
 *
 * - `binary`: log-loss on one raw score (log-odds). Init: log-odds of the positive rate;
 *   g = p − y, h = p(1 − p). Validation: mean log-loss. (The original objective; its arithmetic is
 *   unchanged, so binary models train bit-identically to before objectives existed.)
 * - `multiclass`: softmax cross-entropy on K raw scores, one tree per class per round. Init: log of
 *   each class's prior; g = p_k − [y = k], h = K/(K−1) · p_k(1 − p_k). The K/(K−1) factor is
 *   LightGBM's: the diagonal of the softmax Hessian underestimates the curvature of a K-way
 *   problem by that much (for K = 2 it makes the step equal the binary one), so leaf values are
 *   not too timid. Validation: mean multi-class log-loss, −log p_y.
 * - `regression`: squared error on one raw score (the prediction). Init: the mean label;
 *   g = prediction − y, h = 1. Validation: mean squared error.
 */
import { computeGradients, logOdds, meanLogLoss } from './loss.js';

/** What a model learns. */
export type GbdtObjective = 'binary' | 'multiclass' | 'regression';

/** Every objective, in documentation order. */
export const GBDT_OBJECTIVES: readonly GbdtObjective[] = ['binary', 'multiclass', 'regression'];

/** Hessian floor: p(1-p) underflows for confident rows and a zero hessian would blow up leaf values. */
const MIN_HESSIAN = 1e-16;

/** The objective-specific half of the boosting loop. */
export interface ObjectiveFunctions {
  /** Raw scores per row: 1 for binary and regression, K for multiclass. */
  readonly nOutputs: number;
  /** Raw score each output starts from, from the training labels. */
  initScores(y: ArrayLike<number>): number[];
  /** Called once per round before the outputs' gradients: multiclass turns the raw scores into probabilities here. */
  startRound(raws: readonly Float64Array[]): void;
  /** Gradient and hessian of output `k` with respect to its raw score, per row. */
  gradients(raws: readonly Float64Array[], y: ArrayLike<number>, k: number, grad: Float64Array, hess: Float64Array): void;
  /** The loss early stopping watches (lower is better). */
  loss(raws: readonly Float64Array[], y: ArrayLike<number>): number;
}

/** The binary objective: exactly the log-loss functions of loss.ts on one output. */
const BINARY: ObjectiveFunctions = {
  nOutputs: 1,
  initScores: (y) => [logOdds(y)],
  startRound: () => undefined,
  gradients: (raws, y, _k, grad, hess) => computeGradients(raws[0], y, grad, hess),
  loss: (raws, y) => meanLogLoss(raws[0], y),
};

/** The regression objective: squared error. */
const REGRESSION: ObjectiveFunctions = {
  nOutputs: 1,
  initScores(y) {
    let sum = 0;
    for (let i = 0; i < y.length; i++) sum += y[i];
    return [sum / y.length];
  },
  startRound: () => undefined,
  gradients(raws, y, _k, grad, hess) {
    const raw = raws[0];
    for (let i = 0; i < raw.length; i++) {
      grad[i] = raw[i] - y[i];
      hess[i] = 1;
    }
  },
  loss(raws, y) {
    const raw = raws[0];
    let sum = 0;
    for (let i = 0; i < raw.length; i++) sum += (raw[i] - y[i]) ** 2;
    return sum / raw.length;
  },
};

/** The multiclass objective for `k` classes; holds the round's probabilities between calls. */
function multiclass(nClasses: number): ObjectiveFunctions {
  const factor = nClasses / (nClasses - 1);
  let proba = new Float64Array(0);
  return {
    nOutputs: nClasses,
    initScores(y) {
      const counts = new Array<number>(nClasses).fill(0);
      for (let i = 0; i < y.length; i++) counts[y[i]]++;
      const missing = counts.findIndex((c) => c === 0);
      if (missing >= 0) throw new RangeError(`training data has no rows of class ${missing}; multiclass training needs every class 0..${nClasses - 1}`);
      return counts.map((c) => Math.log(c / y.length));
    },
    startRound(raws) {
      const n = raws[0].length;
      if (proba.length !== n * nClasses) proba = new Float64Array(n * nClasses);
      softmaxRows(raws, proba);
    },
    gradients(_raws, y, k, grad, hess) {
      for (let i = 0; i < grad.length; i++) {
        const p = proba[i * nClasses + k];
        grad[i] = p - (y[i] === k ? 1 : 0);
        hess[i] = Math.max(factor * p * (1 - p), MIN_HESSIAN);
      }
    },
    loss(raws, y) {
      const n = raws[0].length;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        // −log softmax(raw)_y = logsumexp(raw) − raw_y, shifted by the maximum so nothing overflows.
        let max = -Infinity;
        for (let k = 0; k < nClasses; k++) max = Math.max(max, raws[k][i]);
        let total = 0;
        for (let k = 0; k < nClasses; k++) total += Math.exp(raws[k][i] - max);
        sum += max + Math.log(total) - raws[y[i]][i];
      }
      return sum / n;
    },
  };
}

/** Row-wise softmax of per-output raw score arrays into a row-major `n × K` matrix. */
function softmaxRows(raws: readonly Float64Array[], out: Float64Array): void {
  const nClasses = raws.length;
  const n = raws[0].length;
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let k = 0; k < nClasses; k++) max = Math.max(max, raws[k][i]);
    let total = 0;
    for (let k = 0; k < nClasses; k++) {
      const e = Math.exp(raws[k][i] - max);
      out[i * nClasses + k] = e;
      total += e;
    }
    for (let k = 0; k < nClasses; k++) out[i * nClasses + k] /= total;
  }
}

/** The training functions of an objective; `nClasses` matters only for multiclass. */
export function objectiveFunctions(objective: GbdtObjective, nClasses: number): ObjectiveFunctions {
  if (objective === 'binary') return BINARY;
  if (objective === 'regression') return REGRESSION;
  return multiclass(nClasses);
}

/** Raw scores per row: K for multiclass, 1 otherwise. */
export function outputCount(objective: GbdtObjective, nClasses: number): number {
  return objective === 'multiclass' ? nClasses : 1;
}
