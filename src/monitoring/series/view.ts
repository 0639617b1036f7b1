/**
 * PromQL's range functions over the in-process series: `increase`, `rate`, `avg_over_time` and
 * `histogram_quantile` over bucket increases, evaluated at one sample (the alerts) or at every
 * sample of a range (the console's charts). Counter resets count as Prometheus counts them (a drop
 * means the counter restarted from zero); a window with fewer than two samples, or in which the
 * series never had a value, has no value (NaN).
 */
import { bucketBounds, type ColumnSpec, type HistogramName, type Selector } from './columns.js';
import type { SeriesRing } from './series-ring.js';

/** One column of a family with its labels and its newest value. */
export interface LabelledValue {
  readonly column: string;
  readonly labels: Selector;
  readonly value: number;
}

/**
 * The series as of their newest sample: what an in-process alert evaluator reads. Column names are
 * selectors (see columns.ts); `columns` arguments sum several, like `sum()`.
 */
export interface SeriesView {
  /** Time (ms) of the newest sample; NaN before the first. */
  readonly at: number;
  /** Newest value of a column (NaN when absent). */
  latest(column: string): number;
  /** `increase(column[seconds])`, summed over `columns`. */
  increase(columns: string | readonly string[], seconds: number): number;
  /** Per-second rate over the part of the last `seconds` the samples cover. */
  rate(columns: string | readonly string[], seconds: number): number;
  /** `avg_over_time(column[seconds])`. */
  avgOverTime(column: string, seconds: number): number;
  /** `histogram_quantile(q, increase(histogram_bucket[seconds]))`. */
  quantile(histogram: HistogramName, q: number, seconds: number): number;
  /** Every column of a family with its newest value, absent ones left out. */
  each(family: string): LabelledValue[];
}

/**
 * Prometheus' histogram_quantile over cumulative bucket counts (the last bound +Inf): linear
 * interpolation inside the bucket holding the rank; the highest finite bound when it falls in
 * +Inf; NaN with no observations.
 *
 * @example histogramQuantile([0.1, 1, Infinity], [50, 100, 100], 0.75) // 0.55
 */
export function histogramQuantile(bounds: readonly number[], cumulative: ArrayLike<number>, q: number): number {
  const total = cumulative[cumulative.length - 1];
  if (!(total > 0) || !Number.isFinite(total)) return Number.NaN;
  const rank = q * total;
  let i = 0;
  while (i < cumulative.length - 1 && cumulative[i] < rank) i++;
  if (i === bounds.length - 1) return bounds[bounds.length - 2];
  const lower = i === 0 ? 0 : bounds[i - 1];
  const below = i === 0 ? 0 : cumulative[i - 1];
  const inBucket = cumulative[i] - below;
  return inBucket > 0 ? lower + (bounds[i] - lower) * ((rank - below) / inBucket) : bounds[i];
}

/**
 * Windowed reads over a {@link SeriesRing}, at any sample position.
 *
 * @example
 * const query = new SeriesQuery(ring, seriesColumns());
 * query.view().rate('ml_predictions_total', 60) * 60; // predictions per minute
 */
export class SeriesQuery {
  private readonly families = new Map<string, { column: string; labels: Selector }[]>();

  constructor(
    readonly ring: SeriesRing,
    specs: readonly ColumnSpec[],
  ) {
    for (const spec of specs) {
      const list = this.families.get(spec.family) ?? [];
      list.push({ column: spec.name, labels: spec.labels });
      this.families.set(spec.family, list);
    }
  }

  /** Increase of the summed columns over the window ending at each position `from..to` (inclusive). */
  increases(columns: string | readonly string[], from: number, to: number, windowMs: number): { increase: Float64Array; spanMs: Float64Array } {
    const ring = this.ring;
    const cols = (typeof columns === 'string' ? [columns] : columns).map((c) => ring.column(c));
    const n = to - from + 1;
    const increase = new Float64Array(Math.max(0, n)).fill(Number.NaN);
    const spanMs = new Float64Array(Math.max(0, n)).fill(Number.NaN);
    if (n <= 0) return { increase, spanMs };
    // Prefix sums of reset-adjusted deltas (and of how many deltas were defined) from the first
    // sample any window can reach: each window is then a difference of two prefixes.
    const lo = ring.firstAtOrAfter(ring.time(from) - windowMs);
    const length = to - lo + 1;
    const sums = new Float64Array(length);
    const defined = new Uint32Array(length);
    for (let k = lo + 1; k <= to; k++) {
      let delta = 0;
      let ok = 0;
      for (const c of cols) {
        const previous = ring.value(c, k - 1);
        const current = ring.value(c, k);
        if (Number.isNaN(current)) continue;
        // A series that appears counts from zero: this process's counters start there (model_requests_total
        // gets a series with its version's first request), where Prometheus would wait for a second sample.
        delta += Number.isNaN(previous) ? current : current >= previous ? current - previous : current;
        ok = 1;
      }
      sums[k - lo] = sums[k - lo - 1] + delta;
      defined[k - lo] = defined[k - lo - 1] + ok;
    }
    let start = lo;
    for (let end = from; end <= to; end++) {
      const earliest = ring.time(end) - windowMs;
      while (start < end && ring.time(start) < earliest) start++;
      if (start >= end || defined[end - lo] === defined[start - lo]) continue;
      increase[end - from] = sums[end - lo] - sums[start - lo];
      spanMs[end - from] = ring.time(end) - ring.time(start);
    }
    return { increase, spanMs };
  }

  /** Per-second rate of the summed columns over the window ending at each position. */
  rates(columns: string | readonly string[], from: number, to: number, windowMs: number): Float64Array {
    const { increase, spanMs } = this.increases(columns, from, to, windowMs);
    return increase.map((inc, i) => (spanMs[i] > 0 ? inc / (spanMs[i] / 1000) : Number.NaN));
  }

  /** A quantile of a kept histogram over the window ending at each position. */
  quantiles(histogram: HistogramName, q: number, from: number, to: number, windowMs: number): Float64Array {
    const les = bucketBounds(histogram);
    const bounds = les.map((le) => (le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le)));
    const buckets = les.map((le) => this.increases(`${histogram}_bucket{le="${le}"}`, from, to, windowMs).increase);
    const out = new Float64Array(Math.max(0, to - from + 1));
    const cumulative = new Float64Array(les.length);
    for (let i = 0; i < out.length; i++) {
      for (let b = 0; b < les.length; b++) cumulative[b] = buckets[b][i];
      out[i] = histogramQuantile(bounds, cumulative, q);
    }
    return out;
  }

  /** A column's values at positions `from..to`. */
  values(column: string, from: number, to: number): Float64Array {
    const c = this.ring.column(column);
    const out = new Float64Array(Math.max(0, to - from + 1));
    for (let i = 0; i < out.length; i++) out[i] = this.ring.value(c, from + i);
    return out;
  }

  /** The columns of a family with their labels. */
  family(family: string): readonly { column: string; labels: Selector }[] {
    return this.families.get(family) ?? [];
  }

  /** The series as of the newest sample. */
  view(): SeriesView {
    const ring = this.ring;
    const last = ring.size - 1;
    const latest = (column: string) => (last < 0 ? Number.NaN : ring.value(ring.column(column), last));
    const increase = (columns: string | readonly string[], seconds: number) => (last < 0 ? Number.NaN : this.increases(columns, last, last, seconds * 1000).increase[0]);
    return {
      at: last < 0 ? Number.NaN : ring.time(last),
      latest,
      increase,
      rate: (columns, seconds) => (last < 0 ? Number.NaN : this.rates(columns, last, last, seconds * 1000)[0]),
      avgOverTime: (column, seconds) => {
        if (last < 0) return Number.NaN;
        const c = ring.column(column);
        let sum = 0;
        let count = 0;
        for (let p = ring.firstAtOrAfter(ring.time(last) - seconds * 1000); p <= last; p++) {
          const v = ring.value(c, p);
          if (Number.isNaN(v)) continue;
          sum += v;
          count++;
        }
        return count ? sum / count : Number.NaN;
      },
      quantile: (histogram, q, seconds) => (last < 0 ? Number.NaN : this.quantiles(histogram, q, last, last, seconds * 1000)[0]),
      each: (family) => this.family(family).map((c) => ({ ...c, value: latest(c.column) })).filter((c) => !Number.isNaN(c.value)),
    };
  }
}
