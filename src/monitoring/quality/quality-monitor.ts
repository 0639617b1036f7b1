/**
 * Delayed ground truth: predictions wait in a bounded store for their label; a label that joins
 * goes into the live quality window of the serving model version. Labels for predictions an older
 * version made still count in the confusion counters (they are real outcomes) but not in the
 * serving version's live accuracy.
 */
import type { LiveQuality } from '../metrics/model-quality.js';
import { InMemoryPredictionStore, type LabelOutcome, type PredictionStore } from './prediction-store.js';
import { QualityWindow } from './quality-window.js';

/** Settings of a {@link QualityMonitor}. */
export interface QualitySettings {
  readonly storeMaxEntries: number;
  readonly storeTtlSeconds: number;
  readonly windowSize: number;
  /** Fewest labels in the window before live quality is reported. */
  readonly minLabels: number;
}

/**
 * The prediction store and the live quality window.
 *
 * @example
 * const quality = new QualityMonitor({ storeMaxEntries: 100_000, storeTtlSeconds: 86_400, windowSize: 1000, minLabels: 30 });
 * quality.remember('req-1', 1, 0.8, 'v1', Date.now());
 * quality.label('req-1', 0, Date.now()).status; // 'joined'
 */
export class QualityMonitor {
  readonly window: QualityWindow;
  private servingVersion: string | undefined;

  constructor(
    private readonly settings: QualitySettings,
    readonly store: PredictionStore = new InMemoryPredictionStore({ maxEntries: settings.storeMaxEntries, ttlSeconds: settings.storeTtlSeconds }),
  ) {
    this.window = new QualityWindow(settings.windowSize);
  }

  /** The version whose live quality is measured; a switch starts its window empty. */
  setServingVersion(version: string): void {
    if (version !== this.servingVersion) this.window.clear();
    this.servingVersion = version;
  }

  /** Keeps a prediction for its label (request hot path: O(1)). */
  remember(requestId: string, predicted: 0 | 1, confidence: number, modelVersion: string, timeMs: number): void {
    this.store.remember(requestId, { predicted, confidence, modelVersion, timeMs });
  }

  /** Joins a label with its prediction. */
  label(requestId: string, actual: 0 | 1, nowMs: number): LabelOutcome {
    const outcome = this.store.label(requestId, actual, nowMs);
    if (outcome.status === 'joined' && outcome.prediction.modelVersion === this.servingVersion) this.window.add(outcome.prediction.predicted, actual);
    return outcome;
  }

  /** Live quality of the serving version, or undefined below the minimum number of labels. */
  live(): LiveQuality | undefined {
    return this.window.size >= this.settings.minLabels ? this.window.metrics() : undefined;
  }
}
