/**
 * Samples the service's own metrics into the in-process time series once per monitor tick: the
 * cost is per tick (a few hundred microseconds, whatever the traffic), never per request. What the
 * console draws and the in-process alerts evaluate is read from here.
 */
import { performance } from 'node:perf_hooks';
import type { Registry } from 'prom-client';
import { FlushingRegistry } from '../metrics/index.js';
import { FEATURE_NAMES } from '../../data/schema.js';
import { createColumnReader, seriesColumns, type ColumnSpec } from './columns.js';
import { SeriesRing } from './series-ring.js';
import { SeriesQuery, type SeriesView } from './view.js';

/** How far back the series reach: the console's longest range. */
export const RETENTION_SECONDS = 3600;

/** Options of {@link SeriesSampler}. */
export interface SeriesSamplerOptions {
  readonly registry: Registry;
  /** Seconds between samples (MONITOR_INTERVAL_SECONDS); sizes the rings to cover the retention. */
  readonly intervalSeconds: number;
  readonly retentionSeconds?: number;
  /**
   * Features whose PSI gets a column: the serving model's when the service starts (the
   * bank-marketing columns by default). A model loaded later with other features keeps its drift in
   * /status, /metrics and the drift panel; only its PSI history here starts with the next restart.
   */
  readonly featureNames?: readonly string[];
  /** A multiclass serving model's class names at start: their prediction counts get columns (the console's class shares). */
  readonly classNames?: readonly string[];
  /** Clock in ms (the model monitor's, so both agree; tests inject one). */
  readonly now?: () => number;
}

/** Called after every sample with the series as of it. */
export type SampleListener = (view: SeriesView, atMs: number) => void;

/**
 * The sampler and the series it fills.
 *
 * @example
 * const sampler = new SeriesSampler({ registry: metrics.registry, intervalSeconds: 5 });
 * await sampler.sample();
 * sampler.query.view().latest('ml_app_memory_bytes');
 */
export class SeriesSampler {
  readonly columns: readonly ColumnSpec[];
  readonly featureNames: readonly string[];
  readonly classNames: readonly string[];
  readonly ring: SeriesRing;
  readonly query: SeriesQuery;
  readonly intervalSeconds: number;
  /** Seconds the last sample took (registry reads and the listeners, i.e. the alerts; not the flush before). */
  lastSampleSeconds = 0;
  private readonly read: () => Promise<Float64Array>;
  private readonly now: () => number;
  private readonly listeners: SampleListener[] = [];
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: SeriesSamplerOptions) {
    this.featureNames = options.featureNames ?? FEATURE_NAMES;
    this.classNames = options.classNames ?? [];
    this.columns = seriesColumns(this.featureNames, this.classNames);
    this.intervalSeconds = options.intervalSeconds;
    // One sample more than the retention needs, so a full window is covered right after a tick.
    const capacity = Math.ceil((options.retentionSeconds ?? RETENTION_SECONDS) / options.intervalSeconds) + 2;
    this.ring = new SeriesRing(this.columns.map((c) => c.name), capacity);
    this.query = new SeriesQuery(this.ring, this.columns);
    this.read = createColumnReader(options.registry, this.columns);
    this.now = options.now ?? Date.now;
  }

  /** Adds a listener run after each sample (in-process alerts). */
  onSample(listener: SampleListener): void {
    this.listeners.push(listener);
  }

  /**
   * Takes one sample of every column. A sample still running when the next is due (a stalled
   * event loop) makes the next one a no-op rather than queueing reads behind it.
   */
  sample(): Promise<void> {
    this.running ??= this.take().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async take(): Promise<void> {
    const registry = this.options.registry;
    // Recording deferred to batches is done before the read, as for a scrape. That is the requests'
    // own work, done now instead of within 50 ms, so it is not counted as the sample's.
    if (registry instanceof FlushingRegistry) registry.flush();
    const started = performance.now();
    const at = this.now();
    const values = await this.read();
    this.ring.push(at, values);
    const view = this.query.view();
    for (const listener of this.listeners) listener(view, at);
    this.lastSampleSeconds = (performance.now() - started) / 1000;
  }

  /** Samples every `intervalSeconds` on a timer of its own (when no model monitor ticks). */
  start(onError: (error: unknown) => void): void {
    this.stop();
    this.timer = setInterval(() => this.sample().catch(onError), this.intervalSeconds * 1000);
    this.timer.unref();
  }

  /** Stops the timer, if any. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
