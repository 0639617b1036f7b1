/** Delayed ground truth: predictions waiting for their labels, and quality over the latest labelled ones. */
export { InMemoryPredictionStore } from './prediction-store.js';
export type { InMemoryPredictionStoreOptions, LabelOutcome, PredictionStore, StoredPrediction } from './prediction-store.js';
export { QualityWindow } from './quality-window.js';
export type { ConfusionCounts, WindowMetrics } from './quality-window.js';
