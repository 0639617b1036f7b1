/**
 * Live model quality over the last N labelled predictions.
 *
 * A window of recent pairs, rather than totals since start, so that the figures move when the model
 * starts to drift; a fixed count rather than a time span, so that every figure rests on the same
 * number of labels however unevenly they arrive.
 */

/** Confusion counts, with class 1 as the positive class. */
export interface ConfusionCounts {
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
}

/** Threshold metrics of a {@link QualityWindow}; the same definitions as `evaluateBinary`. */
export interface WindowMetrics {
  readonly accuracy: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
}

// A pair is stored as one byte, predicted * 2 + actual, which is also its index into `counts`.
const TN = 0;
const FN = 1;
const FP = 2;
const TP = 3;

/**
 * The last `capacity` (predicted, actual) pairs in a ring of one-byte codes, with confusion counts
 * kept up to date on every add (the pair that leaves is subtracted), so `add` is O(1) and reading
 * the metrics costs four divisions whatever the capacity.
 *
 * @example
 * const window = new QualityWindow(1000);
 * window.add(1, 1); window.add(1, 0); window.add(0, 0);
 * window.confusion(); // { tp: 1, fp: 1, tn: 1, fn: 0 }
 * window.metrics();   // { accuracy: 2/3, precision: 0.5, recall: 1, f1: 2/3 }
 */
export class QualityWindow {
  private readonly codes: Uint8Array;
  private readonly counts = new Float64Array(4);
  private next = 0;
  private filled = 0;

  /** @throws RangeError when `capacity` is not a positive integer */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.codes = new Uint8Array(capacity);
  }

  /** Pairs currently in the window: the number added, up to `capacity`. */
  get size(): number {
    return this.filled;
  }

  /**
   * Adds one labelled prediction, pushing out the oldest once the window is full.
   *
   * @throws RangeError when either argument is not 0 or 1 (a stray value would corrupt the counts)
   * @example window.add(outcome.prediction.predicted, outcome.actual)
   */
  add(predicted: 0 | 1, actual: 0 | 1): void {
    if ((predicted !== 0 && predicted !== 1) || (actual !== 0 && actual !== 1)) {
      throw new RangeError(`predicted and actual must be 0 or 1, got ${String(predicted)} and ${String(actual)}`);
    }
    if (this.filled === this.capacity) this.counts[this.codes[this.next]]--;
    else this.filled++;
    const code = predicted * 2 + actual;
    this.codes[this.next] = code;
    this.counts[code]++;
    this.next = this.next + 1 === this.capacity ? 0 : this.next + 1;
  }

  /**
   * Confusion counts over the window.
   *
   * @example window.confusion().fp // predicted 1, actually 0
   */
  confusion(): ConfusionCounts {
    const c = this.counts;
    return { tp: c[TP], fp: c[FP], tn: c[TN], fn: c[FN] };
  }

  /**
   * Accuracy, precision, recall and F1 over the window; undefined when it is empty, since a 0 would
   * read as a broken model. Zero divisions follow `evaluateBinary`: precision is 0 when nothing is
   * predicted positive, recall 0 when there are no positives, F1 0 when precision + recall is 0.
   *
   * @example window.metrics()?.f1 ?? Number.NaN
   */
  metrics(): WindowMetrics | undefined {
    if (this.filled === 0) return undefined;
    const c = this.counts;
    const tp = c[TP];
    const fp = c[FP];
    const fn = c[FN];
    // Computed exactly as evaluateBinary does, so both give bit-identical figures on the same pairs.
    const tn = this.filled - tp - fp - fn;
    const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
    const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { accuracy: (tp + tn) / this.filled, precision, recall, f1 };
  }

  /**
   * Forgets every pair, e.g. when a new model version starts serving.
   *
   * @example window.clear(); window.metrics(); // undefined
   */
  clear(): void {
    this.counts.fill(0);
    this.next = 0;
    this.filled = 0;
  }
}
