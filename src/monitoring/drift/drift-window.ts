/**
 * The live side of drift detection: bin counts over a sliding window of recent predictions, kept
 * up to date incrementally so that reading a signal's distribution never scans the window.
 */

/** The largest bin count a signal may have: the window stores bin indices in a Uint8Array. */
export const MAX_BINS_PER_SIGNAL = 255;

/**
 * A sliding window over the last `capacity` observations that are also not older than `maxAgeMs`.
 * An observation is one bin index per signal (S signals, each with its own number of bins, at most
 * 255) plus a timestamp and a value (the prediction's confidence, whose mean is a label-free
 * accuracy estimate).
 *
 * Memory is fixed at construction: S + 16 bytes per observation of capacity (S bytes of bin indices
 * in a ring, an 8-byte timestamp, an 8-byte value) plus 8 bytes per bin over all signals for the
 * running counts. 16 features and capacity 1,000 come to 32 kB.
 *
 * @example
 * const window = new DriftWindow([3, 2], 1000, 3_600_000);
 * window.add([2, 0], Date.now(), 0.91);
 * window.counts(0); // Float64Array [0, 0, 1]
 * window.meanValue(); // 0.91
 */
export class DriftWindow {
  /** Number of signals. */
  readonly signals: number;
  private readonly binsPerSignal: Uint16Array;
  /** Observation i's bin for signal s is at ring[i * signals + s]. */
  private readonly ring: Uint8Array;
  private readonly times: Float64Array;
  private readonly values: Float64Array;
  /** Running counts of every (signal, bin), signal s starting at its offset. */
  private readonly binCounts: Float64Array;
  /** Per-signal views into binCounts, made once so reads do not allocate. */
  private readonly views: Float64Array[];
  /** Slot of the oldest observation. */
  private head = 0;
  private length = 0;
  private runningValueSum = 0;
  private evictionsSinceResum = 0;

  constructor(
    binsPerSignal: readonly number[],
    readonly capacity: number,
    readonly maxAgeMs: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    if (!(maxAgeMs > 0)) throw new RangeError(`maxAgeMs must be positive, got ${maxAgeMs}`);
    for (const [s, bins] of binsPerSignal.entries()) {
      if (!Number.isInteger(bins) || bins < 1 || bins > MAX_BINS_PER_SIGNAL) throw new RangeError(`signal ${s} has ${bins} bins; a signal needs 1 to ${MAX_BINS_PER_SIGNAL}`);
    }
    this.signals = binsPerSignal.length;
    this.binsPerSignal = Uint16Array.from(binsPerSignal);
    this.ring = new Uint8Array(capacity * this.signals);
    this.times = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
    this.binCounts = new Float64Array(binsPerSignal.reduce((sum, bins) => sum + bins, 0));
    this.views = [];
    let offset = 0;
    for (const bins of binsPerSignal) {
      this.views.push(this.binCounts.subarray(offset, offset + bins));
      offset += bins;
    }
  }

  /** Observations in the window. */
  get size(): number {
    return this.length;
  }

  /** Sum of the values in the window. */
  get valueSum(): number {
    return this.runningValueSum;
  }

  /** Mean of the values in the window; NaN when it is empty. */
  meanValue(): number {
    return this.length === 0 ? Number.NaN : this.runningValueSum / this.length;
  }

  /**
   * The bin counts of one signal: a live view into the window (no copy), valid until the next
   * change; copy it to keep it.
   */
  counts(signal: number): Float64Array {
    const view = this.views[signal];
    if (view === undefined) throw new RangeError(`no signal ${signal}; the window has ${this.signals}`);
    return view;
  }

  /**
   * Adds one observation: `bins[s]` is its bin for signal s. Observations older than
   * `timeMs - maxAgeMs` go first, then the oldest one if the window is full, so the cost is O(S)
   * amortised (each observation is evicted once) and nothing is allocated. Throws a RangeError, before
   * changing anything, on a bin out of range or a non-finite time or value: one bad index would
   * otherwise corrupt another signal's counts.
   */
  add(bins: ArrayLike<number>, timeMs: number, value: number): void {
    const signals = this.signals;
    if (bins.length !== signals) throw new RangeError(`expected ${signals} bins, got ${bins.length}`);
    for (let s = 0; s < signals; s++) {
      const bin = bins[s];
      if (!(Number.isInteger(bin) && bin >= 0 && bin < this.binsPerSignal[s])) throw new RangeError(`bin ${bin} is out of range for signal ${s}`);
    }
    if (!Number.isFinite(timeMs) || !Number.isFinite(value)) throw new RangeError(`time and value must be finite, got ${timeMs} and ${value}`);
    this.evictOlderThan(timeMs - this.maxAgeMs);
    if (this.length === this.capacity) this.evictOldest();
    const slot = (this.head + this.length) % this.capacity;
    const base = slot * signals;
    let offset = 0;
    for (let s = 0; s < signals; s++) {
      const bin = bins[s];
      this.ring[base + s] = bin;
      this.binCounts[offset + bin]++;
      offset += this.binsPerSignal[s];
    }
    this.times[slot] = timeMs;
    this.values[slot] = value;
    this.runningValueSum += value;
    this.length++;
  }

  /**
   * Removes observations from the old end while their timestamp is below `cutoffMs`, and returns how
   * many. Stops at the first young-enough one: should a timestamp ever go backwards, an older one
   * behind it waits until that one goes.
   */
  evictOlderThan(cutoffMs: number): number {
    let evicted = 0;
    while (this.length > 0 && this.times[this.head] < cutoffMs) {
      this.evictOldest();
      evicted++;
    }
    return evicted;
  }

  /**
   * Evicts what has aged out by `nowMs` (older than `nowMs - maxAgeMs`); call it before reading when
   * no observation may have arrived for a while. Returns how many went.
   */
  expire(nowMs: number): number {
    return this.evictOlderThan(nowMs - this.maxAgeMs);
  }

  /** Empties the window; capacity and memory stay. */
  clear(): void {
    this.head = 0;
    this.length = 0;
    this.binCounts.fill(0);
    this.runningValueSum = 0;
    this.evictionsSinceResum = 0;
  }

  private evictOldest(): void {
    const signals = this.signals;
    const base = this.head * signals;
    let offset = 0;
    for (let s = 0; s < signals; s++) {
      this.binCounts[offset + this.ring[base + s]]--;
      offset += this.binsPerSignal[s];
    }
    this.runningValueSum -= this.values[this.head];
    this.head = (this.head + 1) % this.capacity;
    this.length--;
    this.evictionsSinceResum++;
    // Adding and subtracting floats leaves rounding residue that would grow without bound; an exact
    // re-sum every `capacity` evictions costs O(1) amortised and keeps the error at one window's worth.
    if (this.length === 0) {
      this.runningValueSum = 0;
      this.evictionsSinceResum = 0;
    } else if (this.evictionsSinceResum >= this.capacity) {
      this.resumValues();
    }
  }

  private resumValues(): void {
    let sum = 0;
    for (let i = 0, slot = this.head; i < this.length; i++, slot = (slot + 1) % this.capacity) sum += this.values[slot];
    this.runningValueSum = sum;
    this.evictionsSinceResum = 0;
  }
}
