/**
 * Delayed ground truth: predictions wait in a bounded store for their label; a label that joins
 * goes into the live quality window of the serving model version. Labels for predictions an older
 * version made still count in the confusion counters (they are real outcomes) but not in the
 * serving version's live accuracy.
 */
import type { Task } from '../../data/model-schema.js';
import type { LiveQuality } from '../metrics/model-quality.js';
import { InMemoryPredictionStore, type LabelOutcome, type PredictionStore, type StoredPrediction } from './prediction-store.js';
import { QualityWindow } from './quality-window.js';
import { MulticlassQualityWindow, RegressionQualityWindow } from './task-windows.js';

/** The live window of one task, as the monitor uses it. */
interface LiveWindow {
  readonly size: number;
  add(prediction: StoredPrediction, actual: number): void;
  metrics(): LiveQuality | undefined;
  clear(): void;
}

/** The window that fits a task: the binary confusion window, a C × C one, or the regression errors. */
function windowFor(task: Task, classes: number, capacity: number): LiveWindow {
  if (task === 'regression') {
    const window = new RegressionQualityWindow(capacity);
    return { get size() { return window.size; }, add: (p, actual) => window.add(p.value ?? Number.NaN, actual), metrics: () => window.metrics(), clear: () => window.clear() };
  }
  if (task === 'multiclass') {
    const window = new MulticlassQualityWindow(capacity, classes);
    return { get size() { return window.size; }, add: (p, actual) => window.add(p.predicted, actual), metrics: () => window.metrics(), clear: () => window.clear() };
  }
  const window = new QualityWindow(capacity);
  return { get size() { return window.size; }, add: (p, actual) => window.add(p.predicted as 0 | 1, actual as 0 | 1), metrics: () => window.metrics(), clear: () => window.clear() };
}

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
 * quality.setServingVersion('v2', 'regression'); quality.remember('req-2', 0, Number.NaN, 'v2', Date.now(), 41.5);
 * quality.label('req-1', 0, Date.now()).status; // 'joined'
 */
export class QualityMonitor {
  /** The serving version's live window (binary until a model says otherwise). */
  window: LiveWindow;
  private servingVersion: string | undefined;
  private servingTask: string;

  constructor(
    private readonly settings: QualitySettings,
    readonly store: PredictionStore = new InMemoryPredictionStore({ maxEntries: settings.storeMaxEntries, ttlSeconds: settings.storeTtlSeconds }),
  ) {
    this.window = windowFor('binary', 2, settings.windowSize);
    this.servingTask = 'binary/2';
  }

  /**
   * The version whose live quality is measured, with its task and number of classes (binary by
   * default); a switch starts its window empty.
   */
  setServingVersion(version: string, task: Task = 'binary', classes = 2): void {
    const kind = `${task}/${classes}`;
    if (kind !== this.servingTask) {
      this.window = windowFor(task, classes, this.settings.windowSize);
      this.servingTask = kind;
    } else if (version !== this.servingVersion) this.window.clear();
    this.servingVersion = version;
  }

  /** Keeps a prediction for its label (request hot path: O(1)); `value` is a regression's prediction. */
  remember(requestId: string, predicted: number, confidence: number, modelVersion: string, timeMs: number, value?: number): void {
    this.store.remember(requestId, value === undefined ? { predicted, confidence, modelVersion, timeMs } : { predicted, confidence, value, modelVersion, timeMs });
  }

  /** Joins a label (a class index, or a regression's true value) with its prediction. */
  label(requestId: string, actual: number, nowMs: number): LabelOutcome {
    const outcome = this.store.label(requestId, actual, nowMs);
    if (outcome.status === 'joined' && outcome.prediction.modelVersion === this.servingVersion) this.window.add(outcome.prediction, actual);
    return outcome;
  }

  /** Live quality of the serving version, or undefined below the minimum number of labels. */
  live(): LiveQuality | undefined {
    return this.window.size >= this.settings.minLabels ? this.window.metrics() : undefined;
  }
}
