/**
 * Counts events over the last N seconds in a ring of one-second slots: O(1) per event, O(N) per
 * read, memory fixed at N slots. Used for ml_prediction_error_rate, where "the last 5 minutes" must
 * hold inside one process without a Prometheus to compute `rate()`.
 */
export class SlidingWindowRatio {
  private readonly stamps: Float64Array;
  private readonly totals: Float64Array;
  private readonly hits: Float64Array;

  /**
   * @example
   * const errors = new SlidingWindowRatio(300);
   * errors.record(false); errors.record(true);
   * errors.ratio(); // 0.5
   */
  constructor(
    readonly seconds: number,
    private readonly now: () => number = Date.now,
  ) {
    this.stamps = new Float64Array(seconds).fill(-1);
    this.totals = new Float64Array(seconds);
    this.hits = new Float64Array(seconds);
  }

  /** Counts one event; `hit` marks it as part of the numerator. */
  record(hit: boolean): void {
    const second = Math.floor(this.now() / 1000);
    const slot = second % this.seconds;
    if (this.stamps[slot] !== second) {
      this.stamps[slot] = second;
      this.totals[slot] = 0;
      this.hits[slot] = 0;
    }
    this.totals[slot]++;
    if (hit) this.hits[slot]++;
  }

  /** Events and hits in the window. */
  counts(): { total: number; hits: number } {
    const oldest = Math.floor(this.now() / 1000) - this.seconds + 1;
    let total = 0;
    let hits = 0;
    for (let i = 0; i < this.seconds; i++) {
      if (this.stamps[i] >= oldest) {
        total += this.totals[i];
        hits += this.hits[i];
      }
    }
    return { total, hits };
  }

  /** hits / total over the window; 0 when nothing happened. */
  ratio(): number {
    const { total, hits } = this.counts();
    return total === 0 ? 0 : hits / total;
  }
}
