/**
 * The model family: ml_model_accuracy, ml_model_precision, ml_model_recall, ml_model_f1_score by
 * model_version and source ("holdout" from the artifact, "live" from joined ground truth), ml_model_load_seconds,
 * and ml_model_info.
 */
import { Gauge, type Registry } from 'prom-client';
import type { WindowMetrics } from '../quality/quality-window.js';

/** What a loaded model reports about itself. */
export interface ModelFacts {
  readonly version: string;
  readonly type: string;
  readonly loadSeconds: number;
  readonly holdout: { readonly accuracy: number; readonly precision: number; readonly recall: number; readonly f1: number };
}

/** Live quality over the last QUALITY_WINDOW_SIZE labelled predictions. */
export type LiveQuality = WindowMetrics;

/** Setters of the model family. */
export interface ModelQualityRecorders {
  /** Called whenever a model version becomes current; the previous version's series are removed. */
  setServingModel(model: ModelFacts): void;
  /** Sets (or, with undefined, removes) the `source="live"` series of the serving version. */
  setLiveQuality(modelVersion: string, live: LiveQuality | undefined): void;
}

/**
 * Registers the family. Holdout and live values sit side by side under one name, told apart by
 * `source`, so a dashboard draws both with one query.
 *
 * @example createModelQualityMetrics(registry).setServingModel(loaded)
 */
export function createModelQualityMetrics(registry: Registry): ModelQualityRecorders {
  const labelNames = ['model_version', 'source'] as const;
  const gauge = (name: string, help: string) => new Gauge({ name, help, labelNames, registers: [registry] });
  const quality = {
    accuracy: gauge('ml_model_accuracy', 'Model accuracy (0..1) by source: holdout at training time, live from ground truth.'),
    precision: gauge('ml_model_precision', 'Model precision for class 1 (0..1) by source.'),
    recall: gauge('ml_model_recall', 'Model recall for class 1 (0..1) by source.'),
    f1: gauge('ml_model_f1_score', 'Model F1 score for class 1 (0..1) by source.'),
  };
  const metricNames = Object.keys(quality) as (keyof typeof quality)[];
  const load = new Gauge({ name: 'ml_model_load_seconds', help: 'Time taken to load (read, verify, compile) the serving model version, in seconds.', labelNames: ['model_version'] as const, registers: [registry] });
  const info = new Gauge({ name: 'ml_model_info', help: 'The serving model version and type (value 1).', labelNames: ['model_version', 'model_type'] as const, registers: [registry] });
  return {
    setServingModel(model) {
      for (const g of [...Object.values(quality), load, info]) g.reset();
      for (const metric of metricNames) quality[metric].set({ model_version: model.version, source: 'holdout' }, model.holdout[metric]);
      load.set({ model_version: model.version }, model.loadSeconds);
      info.set({ model_version: model.version, model_type: model.type }, 1);
    },
    setLiveQuality(modelVersion, live) {
      const labels = { model_version: modelVersion, source: 'live' };
      for (const metric of metricNames) {
        if (live) quality[metric].set(labels, live[metric]);
        else quality[metric].remove(labels);
      }
    },
  };
}
