/**
 * Training: stratified random split, gradient-boosted trees, holdout evaluation with a reliability
 * diagram, and the training baseline — assembled into an artifact ready to register.
 */
import { performance } from 'node:perf_hooks';
import { TARGET, type LabelledRow } from '../data/schema.js';
import type { UnsealedArtifact } from './artifact.js';
import { ARTIFACT_FORMAT, ARTIFACT_FORMAT_VERSION } from './artifact.js';
import { buildBaseline, buildPredictionBaseline } from './baseline.js';
import { createEncoder, encodeRows, encoderSpecFromSchema } from './encoding.js';
import { evaluateBinary, reliability, type BinaryMetrics, type ReliabilityReport } from './evaluation.js';
import { trainGbdt, type GbdtParams } from './gbdt/index.js';
import { stratifiedSplit } from './split.js';

/** What to train on and how. */
export interface TrainOptions {
  readonly rows: readonly LabelledRow[];
  /** sha256 of the data's bytes (provenance). */
  readonly dataSha256: string;
  /** Where the data came from, e.g. a file name or "synthetic(seed=42)". */
  readonly dataSource: string;
  readonly seed?: number;
  readonly testShare?: number;
  readonly decisionThreshold?: number;
  readonly params?: Partial<GbdtParams>;
  /** Called after each boosting iteration. */
  readonly onProgress?: (iteration: number, maxIterations: number) => void;
}

/** A trained, evaluated model, not yet registered. */
export interface TrainResult {
  readonly artifact: Omit<UnsealedArtifact, 'version'>;
  readonly metrics: BinaryMetrics;
  readonly reliability: ReliabilityReport;
  readonly trees: number;
  readonly seconds: number;
}

/**
 * Trains a model on an 80/20 stratified split (by default) and builds its artifact.
 *
 * @example
 * const { rows, sha256 } = await loadLabelledCsv('bank-full.csv');
 * const result = trainModel({ rows, dataSha256: sha256, dataSource: 'bank-full.csv' });
 * new ModelRegistry('models').register(result.artifact);
 */
export function trainModel(options: TrainOptions): TrainResult {
  const started = performance.now();
  const seed = options.seed ?? 42;
  const testShare = options.testShare ?? 0.2;
  const threshold = options.decisionThreshold ?? 0.5;
  const { rows } = options;
  if (rows.length < 50) throw new RangeError(`too few rows to train on: ${rows.length} (need at least 50)`);
  const spec = encoderSpecFromSchema();
  const encoder = createEncoder(spec);
  const y = Uint8Array.from(rows, (r) => r.y);
  const { train, test } = stratifiedSplit(y, testShare, seed);
  const pick = (idx: Uint32Array) => Array.from(idx, (i) => rows[i]);
  const trainRows = pick(train);
  const testRows = pick(test);
  const d = encoder.width;
  const trainY = Uint8Array.from(trainRows, (r) => r.y);
  const model = trainGbdt(
    { x: encodeRows(encoder, trainRows.map((r) => r.features)), n: trainRows.length, d, y: trainY, categorical: encoder.categorical },
    { seed, ...options.params },
    options.onProgress,
  );
  const testX = encodeRows(encoder, testRows.map((r) => r.features));
  const testY = Uint8Array.from(testRows, (r) => r.y);
  const proba = model.predictProbaBatch(testX, testRows.length);
  const metrics = evaluateBinary(testY, proba, threshold);
  const calibration = reliability(testY, proba, 10);
  const seconds = (performance.now() - started) / 1000;
  const artifact: Omit<UnsealedArtifact, 'version'> = {
    format: ARTIFACT_FORMAT,
    format_version: ARTIFACT_FORMAT_VERSION,
    created_at: new Date().toISOString(),
    model_type: 'gbdt',
    training: { data_sha256: options.dataSha256, data_source: options.dataSource, rows: rows.length, train_rows: trainRows.length, test_rows: testRows.length, test_share: testShare, seed, seconds },
    schema: { features: spec.features, target: { ...TARGET } },
    decision_threshold: threshold,
    metrics: { holdout: metrics, reliability: calibration },
    baseline: { ...buildBaseline(trainRows.map((r) => r.features), trainY), predictions: buildPredictionBaseline(proba, threshold) },
    model: model.toJSON(),
  };
  return { artifact, metrics, reliability: calibration, trees: model.nTrees, seconds };
}
