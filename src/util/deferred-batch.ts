/**
 * Work deferred from the request path and done in batches: items wait until `size` have gathered
 * or `maxWaitMs` have passed, then go through `process` one after another.
 *
 * Why: per-request bookkeeping (metrics, the audit line, drift counts, the prediction store) done
 * right after each response measured several times its cost in isolation, because every request
 * sweeps the CPU caches and the bookkeeping's tables and code are cold each time; in a batch they
 * stay warm (docs/performance.md has the figures). Anything that reads what the work produces
 * calls {@link flush} first, so batching never shows a reader stale state.
 */
export class DeferredBatch<T> {
  private readonly items: (T | undefined)[];
  private length = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing = false;

  /**
   * @example
   * const audit = new DeferredBatch<Line>((line) => sink.write(format(line)));
   * audit.push(line); // written within 50 ms, or at once when 64 are waiting
   */
  constructor(
    private readonly process: (item: T) => void,
    private readonly size = 64,
    private readonly maxWaitMs = 50,
  ) {
    this.items = new Array<T | undefined>(size).fill(undefined);
  }

  /** Items waiting. */
  get pending(): number {
    return this.length;
  }

  /** Queues one item (O(1)); a full batch is processed at once. */
  push(item: T): void {
    this.items[this.length++] = item;
    if (this.length >= this.size) this.flush();
    else if (this.timer === undefined) {
      this.timer = setTimeout(this.onTimer, this.maxWaitMs);
      this.timer.unref();
    }
  }

  /** Processes everything waiting, in arrival order. A call from inside `process` returns at once. */
  flush(): void {
    if (this.flushing) return;
    this.flushing = true;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    try {
      // Items pushed while processing (a batch size of work can queue more) are processed too.
      for (let i = 0; i < this.length; i++) {
        const item = this.items[i] as T;
        this.items[i] = undefined;
        this.process(item);
      }
    } finally {
      this.length = 0;
      this.flushing = false;
    }
  }

  private readonly onTimer = () => {
    this.timer = undefined;
    this.flush();
  };
}
