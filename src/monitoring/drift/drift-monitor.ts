/**
 * Drift of one serving model against the training baseline its artifact carries: every prediction
 * puts each feature's value, the predicted class and the confidence (a regression model: the
 * predicted value) into their baseline bins (O(1)
 * per signal), into a sliding window (the last DRIFT_WINDOW_SIZE predictions, none older than
 * DRIFT_WINDOW_SECONDS) and into cumulative counters that Prometheus can sum across replicas. PSI
 * over the window is computed on the monitor tick, never per request.
 */
import type { ModelSchema } from '../../data/model-schema.js';
import type { Feature, Row } from '../../data/schema.js';
import type { TrainingBaseline } from '../../model/baseline.js';
import { firstEdgeAtOrAbove } from '../../util/search.js';
import { createFeatureBinners, numericBinner, type FeatureBinner, type SignalBins } from './binner.js';
import { compileRowBinning, type RowBinning } from './compile-binning.js';
import { DriftWindow, MAX_BINS_PER_SIGNAL } from './drift-window.js';
import { computePsi, topMovedBins } from './psi.js';

/** The usual PSI levels of credit-risk monitoring: above 0.1 worth a look, above 0.2 significant drift. */
export const PSI_WARNING = 0.1;
export const PSI_CRITICAL = 0.2;

/** Where a signal's PSI stands against the two levels. */
export type DriftLevel = 'ok' | 'warning' | 'critical';

/**
 * A signal's level as reported (/status, the console): `warming_up` while its PSI is undefined —
 * fewer than DRIFT_MIN_SAMPLES predictions in the window — since "ok" there would claim a check
 * that has not been made.
 */
export type ReportedDriftLevel = DriftLevel | 'warming_up';

/**
 * The level to report for a signal.
 *
 * @example reportedLevel(drift.signals[0]) // 'warming_up' before DRIFT_MIN_SAMPLES predictions
 */
export const reportedLevel = (signal: Pick<DriftSignal, 'psi' | 'level'>): ReportedDriftLevel => (signal.psi === undefined ? 'warming_up' : signal.level);

/** A monitored distribution: a feature, or the model's output (predicted class and confidence, or a regression's value). */
export interface DriftSignal extends SignalBins {
  readonly family: 'feature' | 'prediction';
  /** Counts since the model was loaded, per bin (ml_feature_bin_total / ml_prediction_bin_total). */
  readonly cumulative: Float64Array;
  /** PSI over the window at the last tick; undefined below DRIFT_MIN_SAMPLES. */
  psi: number | undefined;
  level: DriftLevel;
}

/** A signal whose PSI moved to another level on a tick (for the audit log). */
export interface DriftCrossing {
  readonly signal: DriftSignal;
  readonly from: DriftLevel;
  readonly to: DriftLevel;
  readonly psi: number;
}

/** Settings of a {@link DriftMonitor}. */
export interface DriftSettings {
  readonly windowSize: number;
  readonly windowSeconds: number;
  readonly minSamples: number;
}

const levelOf = (psi: number): DriftLevel => (psi > PSI_CRITICAL ? 'critical' : psi > PSI_WARNING ? 'warning' : 'ok');

/**
 * Tracks drift for one model version; a new version gets a new monitor (its bins may differ).
 *
 * @example
 * const drift = new DriftMonitor(model.baseline, { windowSize: 1000, windowSeconds: 3600, minSamples: 300 });
 * drift.observe(row, 1, 0.8, Date.now());
 * drift.tick(Date.now()); // → crossings; drift.signals[i].psi
 *
 * The output signals follow the task of the baseline's predictions: "class" (a binary model's bins
 * are "0" and "1", a multiclass model's its class names) and "confidence" (the top probability);
 * "value" (the reference predictions' quantile bins) for a regression model.
 */
export class DriftMonitor {
  /** Features in schema order, then "class" and "confidence" (or "value") when the artifact has a prediction baseline. */
  readonly signals: readonly DriftSignal[];
  readonly window: DriftWindow;
  private readonly features: number;
  private readonly binRow: RowBinning;
  private readonly confidenceEdges: readonly number[] | undefined;
  private readonly valueBinner: FeatureBinner | undefined;
  /** Whether the window's mean value is a confidence (classification), i.e. an accuracy estimate. */
  private readonly estimates: boolean;
  private readonly scratch: Uint8Array;
  private readonly cumulative: Float64Array;
  private readonly offsets: Uint16Array;

  /**
   * @param output - the schema's task and classes (a binary model's by default): a multiclass
   *   model's "class" bins are labelled with its class names (a binary model keeps "0" and "1");
   *   class shares of another length, or more classes than a signal has bins (255), are not monitored.
   */
  constructor(baseline: TrainingBaseline, private readonly settings: DriftSettings, features?: readonly Feature[], output?: Pick<ModelSchema, 'task' | 'classes'>) {
    const binners = createFeatureBinners(baseline, features);
    this.features = binners.length;
    this.binRow = compileRowBinning(binners, baseline.features);
    const bins: { family: DriftSignal['family']; bins: SignalBins }[] = binners.map((b) => ({ family: 'feature', bins: b }));
    const predictions = baseline.predictions;
    const classLabels = output?.task === 'multiclass' ? output.classes : ['0', '1'];
    if (predictions?.value) {
      this.valueBinner = numericBinner('value', predictions.value);
      bins.push({ family: 'prediction', bins: this.valueBinner });
    } else if (predictions?.classShares && predictions.confidence && predictions.classShares.length === classLabels.length && classLabels.length <= MAX_BINS_PER_SIGNAL) {
      bins.push({ family: 'prediction', bins: { name: 'class', labels: classLabels, shares: predictions.classShares } });
      bins.push({ family: 'prediction', bins: { name: 'confidence', labels: predictions.confidence.labels, shares: predictions.confidence.shares } });
      this.confidenceEdges = predictions.confidence.upperEdges;
    }
    this.estimates = output?.task !== 'regression';
    // One buffer for every signal's cumulative counts, so a prediction's increments share cache lines.
    this.offsets = new Uint16Array(bins.length);
    let total = 0;
    bins.forEach((b, i) => {
      this.offsets[i] = total;
      total += b.bins.labels.length;
    });
    this.cumulative = new Float64Array(total);
    this.signals = bins.map(({ family, bins: b }, i) => ({
      family, name: b.name, labels: b.labels, shares: b.shares, cumulative: this.cumulative.subarray(this.offsets[i], this.offsets[i] + b.labels.length), psi: undefined, level: 'ok',
    }));
    this.scratch = new Uint8Array(bins.length);
    this.window = new DriftWindow(bins.map((b) => b.bins.labels.length), settings.windowSize, settings.windowSeconds * 1000);
  }

  /**
   * Counts one prediction: O(number of signals), no allocation. `predicted` is the class index
   * and `confidence` its probability; a regression's prediction passes its `value`.
   */
  observe(row: Row, predicted: number, confidence: number, timeMs: number, value?: number): void {
    const { scratch, cumulative, offsets } = this;
    this.binRow(row, scratch);
    if (this.confidenceEdges) {
      scratch[this.features] = predicted;
      scratch[this.features + 1] = firstEdgeAtOrAbove(this.confidenceEdges, confidence);
    } else if (this.valueBinner) {
      scratch[this.features] = this.valueBinner.bin(value ?? Number.NaN);
    }
    for (let i = 0; i < scratch.length; i++) cumulative[offsets[i] + scratch[i]]++;
    this.window.add(scratch, timeMs, this.estimates ? confidence : 0);
  }

  /**
   * Ages the window, recomputes every signal's PSI and returns the signals that changed level.
   * Below DRIFT_MIN_SAMPLES PSI is undefined and levels stay as they were.
   */
  tick(nowMs: number): DriftCrossing[] {
    this.window.expire(nowMs);
    const enough = this.window.size >= this.settings.minSamples;
    const crossings: DriftCrossing[] = [];
    this.signals.forEach((signal, i) => {
      if (!enough) {
        signal.psi = undefined;
        return;
      }
      const psi = computePsi(signal.shares, this.window.counts(i));
      signal.psi = psi;
      const level = levelOf(psi);
      if (level !== signal.level) crossings.push({ signal, from: signal.level, to: level, psi });
      signal.level = level;
    });
    return crossings;
  }

  /**
   * Mean confidence over the window: the accuracy calibrated probabilities imply (the idea of
   * NannyML's CBPE); for a multiclass model the mean top probability. NaN below
   * DRIFT_MIN_SAMPLES, like PSI, and always for a regression model (no probability to average).
   */
  estimatedAccuracy(): number {
    return this.estimates && this.window.size >= this.settings.minSamples ? this.window.meanValue() : Number.NaN;
  }

  /** The `k` bins of a signal whose share moved most (largest PSI contribution) in the window. */
  topMoved(signalIndex: number, k = 3) {
    const signal = this.signals[signalIndex];
    const counts = this.window.counts(signalIndex);
    const total = this.window.size;
    return topMovedBins(signal.shares, counts, k).map((b) => ({
      bin: signal.labels[b.bin],
      baseline_share: b.expected,
      current_share: total ? counts[b.bin] / total : 0,
      psi_contribution: b.contribution,
    }));
  }
}
