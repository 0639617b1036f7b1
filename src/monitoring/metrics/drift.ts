/**
 * The drift family, read from the serving model's DriftMonitor at scrape time:
 *
 * - ml_feature_bin_total{feature,bin} / ml_prediction_bin_total{signal,bin}: predictions per
 *   baseline bin since the model was loaded — counters, so PSI over any range and over every
 *   replica is one PromQL expression over `increase()`;
 * - ml_feature_baseline_share{feature,bin} / ml_prediction_baseline_share{signal,bin}: the training
 *   (holdout, for predictions) share of each bin, the other side of that expression;
 * - ml_feature_drift_psi{feature} / ml_prediction_drift_psi{signal}: PSI of this process's window at
 *   the last monitor tick (absent until DRIFT_MIN_SAMPLES predictions are in the window);
 * - ml_drift_window_predictions: predictions in the window;
 * - ml_model_estimated_accuracy{model_version}: mean confidence over the window (see quality docs).
 *
 * Labels are bounded: bins are fixed by the artifact (at most a few dozen per feature).
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

/**
 * Registers the family; values are computed in `collect()`, so recording costs nothing extra.
 *
 * @example registerDriftMetrics(registry, monitor) // monitor: { drift, modelVersion, flush }
 */
export function registerDriftMetrics(registry: Registry, source: DriftSource): void {
  const each = (family: DriftSignal['family'], visit: (signal: DriftSignal) => void) => {
    source.flush();
    for (const signal of source.drift?.signals ?? []) if (signal.family === family) visit(signal);
  };
  for (const family of ['feature', 'prediction'] as const) {
    const what = family === 'feature' ? 'feature' : 'signal';
    const subject = family === 'feature' ? 'input feature' : 'model output (signal "class": predicted class; "confidence": its probability)';
    new Counter({
      name: `ml_${family}_bin_total`,
      help: `Predictions per training-baseline bin of each ${subject}, since the serving model was loaded.`,
      labelNames: [what, 'bin'],
      registers: [registry],
      collect() {
        this.reset();
        each(family, (s) => s.labels.forEach((bin, i) => this.inc({ [labelOf(s)]: s.name, bin }, s.cumulative[i])));
      },
    });
    new Gauge({
      name: `ml_${family}_baseline_share`,
      help: `Share of each bin of each ${subject} in the model's ${family === 'feature' ? 'training rows' : 'holdout predictions'} (the drift reference).`,
      labelNames: [what, 'bin'],
      registers: [registry],
      collect() {
        this.reset();
        each(family, (s) => s.labels.forEach((bin, i) => this.set({ [labelOf(s)]: s.name, bin }, s.shares[i])));
      },
    });
    new Gauge({
      name: `ml_${family}_drift_psi`,
      help: `Population Stability Index of each ${subject} over the drift window against the baseline (> 0.1 moderate, > 0.2 significant).`,
      labelNames: [what],
      registers: [registry],
      collect() {
        this.reset();
        each(family, (s) => {
          if (s.psi !== undefined) this.set({ [labelOf(s)]: s.name }, s.psi);
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
