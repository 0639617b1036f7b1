/**
 * The drift family, read from the serving model's DriftMonitor at scrape time:
 *
 * - ml_feature_bin_total{model_version,feature,bin} / ml_prediction_bin_total{model_version,signal,bin}:
 *   predictions per baseline bin since the model was loaded — counters, so PSI over any range and
 *   over every replica is one PromQL expression over `increase()`;
 * - ml_feature_baseline_share{model_version,feature,bin} / ml_prediction_baseline_share{model_version,signal,bin}:
 *   the training (holdout, for predictions) share of each bin, the other side of that expression;
 * - ml_feature_drift_psi{model_version,feature} / ml_prediction_drift_psi{model_version,signal}: PSI
 *   of this process's window at the last monitor tick (absent until DRIFT_MIN_SAMPLES predictions
 *   are in the window);
 * - ml_drift_window_predictions: predictions in the window;
 * - ml_model_estimated_accuracy{model_version}: mean confidence over the window (see quality docs).
 *
 * Labels are bounded: bins are fixed by the artifact (at most a few dozen per feature).
 *
 * Why `model_version` on all of them: each version has its own bins and baseline (edges cut at its
 * own training quantiles), so counts are only comparable with the baseline of the version that
 * binned them. Without the label a fleet rule summing the last hour across a promotion mixed the
 * old version's counts with the new version's shares and reported PSI near 0.85 on stationary
 * traffic. Only the serving version is exported: the previous version's series end at the swap
 * (Prometheus marks them stale), so no rule can join them with a baseline any more.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { DriftMonitor, DriftSignal } from '../drift/drift-monitor.js';

/** What the families read: the current model's drift monitor and version, if any. */
export interface DriftSource {
  readonly drift: DriftMonitor | undefined;
  readonly modelVersion: string | undefined;
  /** Counts predictions still queued, so a scrape sees every answered one. */
  flush(): void;
}

const labelOf = (signal: DriftSignal) => (signal.family === 'feature' ? 'feature' : 'signal');

/** The label sets of one signal's series: one per bin, and the signal's own (for its PSI). */
interface SignalLabels {
  readonly signal: DriftSignal;
  readonly bins: readonly Readonly<Record<string, string>>[];
  readonly own: Readonly<Record<string, string>>;
}

/**
 * Label sets per drift monitor (one monitor per loaded model version), built once on the first
 * scrape after a load instead of on every scrape; a replaced monitor's entry goes with it.
 */
const labelCache = new WeakMap<DriftMonitor, readonly SignalLabels[]>();

function labelsOf(drift: DriftMonitor, modelVersion: string): readonly SignalLabels[] {
  let labels = labelCache.get(drift);
  if (!labels) {
    labels = drift.signals.map((signal) => {
      const own = { model_version: modelVersion, [labelOf(signal)]: signal.name };
      return { signal, own, bins: signal.labels.map((bin) => ({ ...own, bin })) };
    });
    labelCache.set(drift, labels);
  }
  return labels;
}

/**
 * Registers the family; values are computed in `collect()`, so recording costs nothing extra.
 *
 * @example registerDriftMetrics(registry, monitor) // monitor: { drift, modelVersion, flush }
 */
export function registerDriftMetrics(registry: Registry, source: DriftSource): void {
  const each = (family: DriftSignal['family'], visit: (labels: SignalLabels) => void) => {
    source.flush();
    const { drift, modelVersion } = source;
    if (!drift || modelVersion === undefined) return;
    for (const labels of labelsOf(drift, modelVersion)) if (labels.signal.family === family) visit(labels);
  };
  for (const family of ['feature', 'prediction'] as const) {
    const what = family === 'feature' ? 'feature' : 'signal';
    const subject = family === 'feature' ? 'input feature' : 'model output (signal "class": predicted class; "confidence": its probability)';
    new Counter({
      name: `ml_${family}_bin_total`,
      help: `Predictions per training-baseline bin of each ${subject}, since the serving model was loaded.`,
      labelNames: ['model_version', what, 'bin'],
      registers: [registry],
      collect() {
        this.reset();
        each(family, ({ signal, bins }) => bins.forEach((labels, i) => this.inc(labels, signal.cumulative[i])));
      },
    });
    new Gauge({
      name: `ml_${family}_baseline_share`,
      help: `Share of each bin of each ${subject} in the model's ${family === 'feature' ? 'training rows' : 'holdout predictions'} (the drift reference).`,
      labelNames: ['model_version', what, 'bin'],
      registers: [registry],
      collect() {
        this.reset();
        each(family, ({ signal, bins }) => bins.forEach((labels, i) => this.set(labels, signal.shares[i])));
      },
    });
    new Gauge({
      name: `ml_${family}_drift_psi`,
      help: `Population Stability Index of each ${subject} over the drift window against the baseline (> 0.1 moderate, > 0.2 significant).`,
      labelNames: ['model_version', what],
      registers: [registry],
      collect() {
        this.reset();
        each(family, ({ signal, own }) => {
          if (signal.psi !== undefined) this.set(own, signal.psi);
        });
      },
    });
  }
  new Gauge({
    name: 'ml_drift_window_predictions',
    help: 'Predictions in the drift window (the last DRIFT_WINDOW_SIZE, none older than DRIFT_WINDOW_SECONDS).',
    registers: [registry],
    collect() {
      source.flush();
      this.set(source.drift?.window.size ?? 0);
    },
  });
  new Gauge({
    name: 'ml_model_estimated_accuracy',
    help: 'Accuracy expected from the calibrated confidence of the predictions in the drift window (label-free; blind to concept drift).',
    labelNames: ['model_version'],
    registers: [registry],
    collect() {
      this.reset();
      source.flush();
      const estimate = source.drift?.estimatedAccuracy();
      if (source.modelVersion !== undefined && estimate !== undefined && Number.isFinite(estimate)) this.set({ model_version: source.modelVersion }, estimate);
    },
  });
}
