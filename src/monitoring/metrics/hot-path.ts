/**
 * Counter and histogram families for the request path, exposed through prom-client's registry.
 *
 * Why not prom-client's own Counter and Histogram here: every `observe`/`inc` — even through a child
 * from `labels()` — allocates a closure, re-validates the labels and re-hashes them (profiled at about
 * 6 µs per /predict request across our families). These classes bind a label set once to a child
 * that holds its numbers in a typed array, so recording is a few array writes. They implement the
 * registry's metric contract (`name`, `help`, `type`, `get()`, `reset()`), so exposition, OpenMetrics
 * and default labels stay prom-client's. Names and labels are validated at definition, as
 * prom-client does.
 */
import type { Metric, Registry } from 'prom-client';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

type Labels<L extends string> = Readonly<Record<L, string>>;

/** Definition shared by both families. */
export interface HotMetricOptions<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly L[];
  readonly registers: readonly Registry[];
}

interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
  /** prom-client writes it after the sample in OpenMetrics output only: `# {trace_id="…"} 0.0012 1765000000.123`. */
  exemplar?: { labelSet: Record<string, string>; value: number; timestamp: number };
}

abstract class HotMetric<L extends string, Child> {
  readonly name: string;
  readonly help: string;
  readonly aggregator = 'sum';
  abstract readonly type: 'counter' | 'histogram';
  protected readonly labelNames: readonly L[];
  protected readonly children = new Map<string, { labels: Labels<L>; child: Child; cells: Float64Array }>();

  constructor(options: HotMetricOptions<L>) {
    if (!METRIC_NAME.test(options.name)) throw new Error(`invalid metric name ${options.name}`);
    for (const label of options.labelNames ?? []) {
      if (!LABEL_NAME.test(label) || label.startsWith('__')) throw new Error(`invalid label name ${label} on ${options.name}`);
    }
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames ?? [];
    for (const registry of options.registers) registry.registerMetric(this as unknown as Metric);
  }

  /**
   * The child for one label set, created on first use; keep it and record through it.
   *
   * @example const ok = counter.child({ status: 'success' }); ok.inc();
   */
  child(labels: Labels<L>): Child {
    const given = Object.keys(labels);
    if (given.length !== this.labelNames.length || !this.labelNames.every((l) => typeof labels[l] === 'string')) {
      throw new Error(`${this.name} needs labels ${this.labelNames.join(', ') || '(none)'}, got ${given.join(', ') || '(none)'}`);
    }
    const key = this.labelNames.map((l) => labels[l]).join('\u0000');
    let entry = this.children.get(key);
    if (!entry) {
      const cells = new Float64Array(this.cellCount());
      entry = { labels: { ...labels }, child: this.createChild(cells), cells };
      this.children.set(key, entry);
    }
    return entry.child;
  }

  /** Numbers a child keeps. */
  protected abstract cellCount(): number;
  /** A child recording into `cells`. */
  protected abstract createChild(cells: Float64Array): Child;
  protected abstract values(): MetricValue[];

  /** The registry's read: current values in prom-client's shape. */
  async get() {
    return { name: this.name, help: this.help, type: this.type, values: this.values(), aggregator: this.aggregator };
  }

  /** Zeroes every child, keeping them bound (the registry's `resetMetrics`). */
  reset(): void {
    for (const { cells } of this.children.values()) cells.fill(0);
  }
}

/** A counter child: `inc(n)` adds to one float. */
export interface CounterChild {
  inc(amount?: number): void;
  readonly value: number;
}

/**
 * A monotonically increasing counter family.
 *
 * @example
 * const requests = new HotCounter({ name: 'x_total', help: 'X.', labelNames: ['status'], registers: [registry] });
 * requests.child({ status: 'ok' }).inc();
 */
export class HotCounter<L extends string = never> extends HotMetric<L, CounterChild> {
  readonly type = 'counter';

  protected cellCount(): number {
    return 1;
  }

  protected createChild(cell: Float64Array): CounterChild {
    return {
      inc(amount = 1) {
        cell[0] += amount;
      },
      get value() {
        return cell[0];
      },
    };
  }

  protected values(): MetricValue[] {
    return [...this.children.values()].map(({ labels, cells }) => ({ labels: { ...labels }, value: cells[0] }));
  }
}

/**
 * A histogram child: `observe(v)` counts `v` in its bucket and adds it to the sum; given a trace id,
 * the observation also becomes that bucket's exemplar (the latest one wins).
 */
export interface HistogramChild {
  observe(value: number, traceId?: string): void;
}

/** The latest exemplar of each bucket of one child; made on the child's first exemplar. */
interface Exemplars {
  readonly traceIds: (string | undefined)[];
  readonly values: Float64Array;
  /** Seconds since the epoch (OpenMetrics' exemplar timestamp). */
  readonly times: Float64Array;
}

/** What a histogram child is inside the family: the child, with its exemplars. */
interface ExemplarChild extends HistogramChild {
  exemplars: Exemplars | null;
}

/**
 * A histogram family with fixed upper bounds (an implicit +Inf bucket is added).
 *
 * @example
 * const latency = new HotHistogram({ name: 'x_seconds', help: 'X.', buckets: [0.1, 1], registers: [registry] });
 * latency.child({}).observe(0.2);
 */
export class HotHistogram<L extends string = never> extends HotMetric<L, HistogramChild> {
  readonly type = 'histogram';
  private readonly bounds: Float64Array;

  constructor(options: HotMetricOptions<L> & { readonly buckets: readonly number[] }) {
    super(options);
    const sorted = [...options.buckets].sort((a, b) => a - b);
    if (sorted.some((b, i) => !Number.isFinite(b) || (i > 0 && b === sorted[i - 1]))) throw new Error(`${options.name}: buckets must be finite and distinct`);
    this.bounds = Float64Array.from(sorted);
  }

  /** Per-bucket counts (not cumulative), the +Inf count, then the sum. */
  protected cellCount(): number {
    return this.bounds.length + 2;
  }

  protected createChild(cells: Float64Array): HistogramChild {
    const bounds = this.bounds;
    const sumIndex = bounds.length + 1;
    const child: ExemplarChild = {
      // Without tracing no exemplar is ever given, and none of this is allocated.
      exemplars: null,
      observe(value, traceId) {
        if (!Number.isFinite(value)) return; // a NaN would poison the sum for good
        let i = 0;
        while (i < bounds.length && value > bounds[i]) i++;
        cells[i]++;
        cells[sumIndex] += value;
        if (traceId === undefined) return;
        const e = (child.exemplars ??= { traceIds: new Array<string | undefined>(bounds.length + 1), values: new Float64Array(bounds.length + 1), times: new Float64Array(bounds.length + 1) });
        e.traceIds[i] = traceId;
        e.values[i] = value;
        e.times[i] = Date.now() / 1000;
      },
    };
    return child;
  }

  protected values(): MetricValue[] {
    const out: MetricValue[] = [];
    for (const { labels, cells, child } of this.children.values()) {
      const exemplars = (child as ExemplarChild).exemplars;
      let cumulative = 0;
      for (let i = 0; i <= this.bounds.length; i++) {
        cumulative += cells[i];
        const le = i < this.bounds.length ? this.bounds[i] : '+Inf';
        const value: MetricValue = { labels: { le, ...labels }, value: cumulative, metricName: `${this.name}_bucket` };
        const traceId = exemplars?.traceIds[i];
        if (traceId !== undefined) value.exemplar = { labelSet: { trace_id: traceId }, value: exemplars!.values[i], timestamp: exemplars!.times[i] };
        out.push(value);
      }
      out.push({ labels: { ...labels }, value: cells[this.bounds.length + 1], metricName: `${this.name}_sum` });
      out.push({ labels: { ...labels }, value: cumulative, metricName: `${this.name}_count` });
    }
    return out;
  }
}
