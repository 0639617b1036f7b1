/**
 * Live quality windows of multiclass and regression models, beside the binary QualityWindow: the
 * last N labelled predictions in a ring, so the figures move when the model starts to fail. Adding
 * is O(1); reading the figures, done on the monitor tick, is O(C²) for multiclass (the confusion
 * counts are kept up to date) and O(N) for regression (sums of errors recomputed from the ring, so
 * subtracting what leaves cannot accumulate rounding error).
 */
import { multiclassMetricsOfConfusion } from '../../model/task-evaluation.js';

/** Live multiclass quality: accuracy, macro precision/recall/F1 and per-class recall (NaN for a class with no labels). */
export interface MulticlassWindowMetrics {
  readonly accuracy: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly classRecall: readonly number[];
}

/** Live regression quality, in the target's unit. */
export interface RegressionWindowMetrics {
  readonly mae: number;
  readonly rmse: number;
}

/**
 * The last `capacity` (predicted, actual) class pairs of a model with `classes` classes, with the
 * confusion counts kept up to date on every add.
 *
 * @example
 * const window = new MulticlassQualityWindow(1000, 3);
 * window.add(2, 2); window.add(0, 1);
 * window.metrics()?.accuracy; // 0.5
 */
export class MulticlassQualityWindow {
  private readonly codes: Uint32Array;
  private readonly counts: Float64Array;
  private next = 0;
  private filled = 0;

  /** @throws RangeError when `capacity` is not a positive integer or `classes` is below 2 */
  constructor(readonly capacity: number, readonly classes: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    if (!Number.isInteger(classes) || classes < 2) throw new RangeError(`classes must be an integer of at least 2, got ${classes}`);
    this.codes = new Uint32Array(capacity);
    this.counts = new Float64Array(classes * classes);
  }

  /** Pairs currently in the window. */
  get size(): number {
    return this.filled;
  }

  /**
   * Adds one labelled prediction, pushing out the oldest once the window is full.
   *
   * @throws RangeError when either index is not a class of the model (a stray value would corrupt the counts)
   */
  add(predicted: number, actual: number): void {
    const c = this.classes;
    if (!(Number.isInteger(predicted) && predicted >= 0 && predicted < c && Number.isInteger(actual) && actual >= 0 && actual < c)) {
      throw new RangeError(`predicted and actual must be class indices in [0, ${c - 1}], got ${String(predicted)} and ${String(actual)}`);
    }
    if (this.filled === this.capacity) this.counts[this.codes[this.next]]--;
    else this.filled++;
    const code = predicted * c + actual;
    this.codes[this.next] = code;
    this.counts[code]++;
    this.next = this.next + 1 === this.capacity ? 0 : this.next + 1;
  }

  /** The confusion counts, `[predicted * classes + actual]`. */
  confusion(): Float64Array {
    return Float64Array.from(this.counts);
  }

  /** The figures over the window (the definitions of evaluateMulticlass); undefined when empty. */
  metrics(): MulticlassWindowMetrics | undefined {
    return this.filled === 0 ? undefined : multiclassMetricsOfConfusion(this.counts, this.classes);
  }

  /** Forgets every pair. */
  clear(): void {
    this.counts.fill(0);
    this.next = 0;
    this.filled = 0;
  }
}

/**
 * The errors (predicted − actual) of the last `capacity` labelled regression predictions.
 *
 * @example
 * const window = new RegressionQualityWindow(1000);
 * window.add(10, 12); window.add(5, 4);
 * window.metrics(); // { mae: 1.5, rmse: 1.58 }
 */
export class RegressionQualityWindow {
  private readonly errors: Float64Array;
  private next = 0;
  private filled = 0;

  /** @throws RangeError when `capacity` is not a positive integer */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.errors = new Float64Array(capacity);
  }

  /** Errors currently in the window. */
  get size(): number {
    return this.filled;
  }

  /**
   * Adds one labelled prediction.
   *
   * @throws RangeError when either value is not finite
   */
  add(predicted: number, actual: number): void {
    const error = predicted - actual;
    if (!Number.isFinite(error)) throw new RangeError(`predicted and actual must be finite, got ${String(predicted)} and ${String(actual)}`);
    if (this.filled < this.capacity) this.filled++;
    this.errors[this.next] = error;
    this.next = this.next + 1 === this.capacity ? 0 : this.next + 1;
  }

  /** MAE and RMSE over the window (the definitions of evaluateRegression); undefined when empty. */
  metrics(): RegressionWindowMetrics | undefined {
    if (this.filled === 0) return undefined;
    let absolute = 0;
    let squared = 0;
    for (let i = 0; i < this.filled; i++) {
      const e = this.errors[i];
      absolute += Math.abs(e);
      squared += e * e;
    }
    return { mae: absolute / this.filled, rmse: Math.sqrt(squared / this.filled) };
  }

  /** Forgets every error. */
  clear(): void {
    this.next = 0;
    this.filled = 0;
  }
}
