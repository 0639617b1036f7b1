/**
 * In-process time series in fixed memory: one Float64Array per column plus one of sample times, each
 * used as a ring of `capacity` samples. Written once per monitor tick (never per request), read by
 * the console's API and the in-process alerts. Memory is (columns + 1) × capacity × 8 bytes, all
 * allocated at construction: the console's 72 columns over one hour at 5 s come to 412 kB.
 */

/**
 * Columns of samples sharing one clock; the oldest sample is overwritten once the ring is full.
 *
 * @example
 * const ring = new SeriesRing(['a', 'b'], 720);
 * ring.push(Date.now(), [1, 2]);
 * ring.value(ring.column('b'), ring.size - 1); // 2
 */
export class SeriesRing {
  readonly columns: readonly string[];
  private readonly positions: ReadonlyMap<string, number>;
  private readonly times: Float64Array;
  private readonly data: Float64Array[];
  /** Slot the next sample goes to. */
  private next = 0;
  private length = 0;

  constructor(
    columns: readonly string[],
    readonly capacity: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 2) throw new RangeError(`capacity must be an integer ≥ 2, got ${capacity}`);
    const positions = new Map<string, number>();
    columns.forEach((name, i) => {
      if (positions.has(name)) throw new Error(`column ${name} is defined twice`);
      positions.set(name, i);
    });
    this.columns = [...columns];
    this.positions = positions;
    this.times = new Float64Array(capacity);
    this.data = columns.map(() => new Float64Array(capacity));
  }

  /** Samples held (at most `capacity`). */
  get size(): number {
    return this.length;
  }

  /** Index of a column, for the reads below; an unknown name is a programming error. */
  column(name: string): number {
    const i = this.positions.get(name);
    if (i === undefined) throw new Error(`no series column ${name}`);
    return i;
  }

  /** Appends one sample of every column (NaN = absent at that time); O(columns). */
  push(timeMs: number, values: ArrayLike<number>): void {
    if (values.length !== this.data.length) throw new Error(`a sample needs ${this.data.length} values, got ${values.length}`);
    const slot = this.next;
    this.times[slot] = timeMs;
    for (let c = 0; c < this.data.length; c++) this.data[c][slot] = values[c];
    this.next = slot + 1 === this.capacity ? 0 : slot + 1;
    if (this.length < this.capacity) this.length++;
  }

  private slot(position: number): number {
    const slot = this.next - this.length + position;
    return slot < 0 ? slot + this.capacity : slot;
  }

  /** Time (ms) of the sample at `position`, 0 being the oldest held. */
  time(position: number): number {
    return this.times[this.slot(position)];
  }

  /** Value of column `column` (see {@link column}) at `position`. */
  value(column: number, position: number): number {
    return this.data[column][this.slot(position)];
  }

  /** Position of the oldest sample taken at or after `timeMs` (= size when there is none). */
  firstAtOrAfter(timeMs: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.time(mid) < timeMs) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
