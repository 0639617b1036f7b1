/**
 * Training: stratified random split, gradient-boosted trees, holdout evaluation with a reliability
 * diagram, and the training baseline — assembled into an artifact ready to register.
 */
import { performance } from 'node:perf_hooks';
import { BANK_SCHEMA } from '../data/model-schema.js';
import { TARGET, type LabelledRow } from '../data/schema.js';
import type { UnsealedArtifact } from './artifact.js';
import { ARTIFACT_FORMAT, NATIVE_BINARY_FORMAT_VERSION } from './artifact.js';
import { buildBaseline, buildPredictionBaseline } from './baseline.js';
import { createEncoder, encodeRows, encoderSpecFromSchema, type Encoder, type EncoderSpec } from './encoding.js';
import { evaluateBinary, reliability, type BinaryMetrics, type ReliabilityReport } from './evaluation.js';
import { trainGbdt, type GbdtModel, type GbdtParams } from './gbdt/index.js';
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

/** Rows held out for evaluation and the rest, from a stratified random split. */
export interface TrainingSplit {
  readonly trainRows: readonly LabelledRow[];
  readonly testRows: readonly LabelledRow[];
}

/**
 * Splits labelled rows into training and holdout sets, stratified by the label.
 *
 * @example const { trainRows, testRows } = splitForTraining(rows, 0.2, 42);
 */
export function splitForTraining(rows: readonly LabelledRow[], testShare: number, seed: number): TrainingSplit {
  if (rows.length < 50) throw new RangeError(`too few rows to train on: ${rows.length} (need at least 50)`);
  const y = Uint8Array.from(rows, (r) => r.y);
  const { train, test } = stratifiedSplit(y, testShare, seed);
  const pick = (idx: Uint32Array) => Array.from(idx, (i) => rows[i]);
  return { trainRows: pick(train), testRows: pick(test) };
}

/** A fitted model with the encoder it was trained through. */
export interface FittedModel {
  readonly model: GbdtModel;
  readonly spec: EncoderSpec;
  readonly encoder: Encoder;
}

/**
 * Fits gradient-boosted trees on the training rows.
 *
 * @example const fitted = fitModel(trainRows, { seed: 42 });
 */
export function fitModel(trainRows: readonly LabelledRow[], options: { seed: number; params?: Partial<GbdtParams>; onProgress?: TrainOptions['onProgress'] }): FittedModel {
  const spec = encoderSpecFromSchema();
  const encoder = createEncoder(spec);
  const y = Uint8Array.from(trainRows, (r) => r.y);
  const model = trainGbdt(
    { x: encodeRows(encoder, trainRows.map((r) => r.features)), n: trainRows.length, d: encoder.width, y, categorical: encoder.categorical },
    { seed: options.seed, ...options.params },
    options.onProgress,
  );
  return { model, spec, encoder };
}

/** Holdout quality of a model: headline metrics, reliability, and the probabilities themselves. */
export interface HoldoutEvaluation {
  readonly metrics: BinaryMetrics;
  readonly reliability: ReliabilityReport;
  readonly proba: Float64Array;
}

/**
 * Scores a fitted model on labelled rows.
 *
 * @example const { metrics } = evaluateFitted(fitted, testRows, 0.5);
 */
export function evaluateFitted(fitted: FittedModel, rows: readonly LabelledRow[], threshold: number): HoldoutEvaluation {
  const x = encodeRows(fitted.encoder, rows.map((r) => r.features));
  const y = Uint8Array.from(rows, (r) => r.y);
  const proba = fitted.model.predictProbaBatch(x, rows.length);
  return { metrics: evaluateBinary(y, proba, threshold), reliability: reliability(y, proba, 10), proba };
}

/** What an artifact records besides the model: provenance and the split. */
export interface ArtifactInputs {
  readonly fitted: FittedModel;
  readonly split: TrainingSplit;
  readonly evaluation: HoldoutEvaluation;
  readonly dataSha256: string;
  readonly dataSource: string;
  readonly seed: number;
  readonly testShare: number;
  readonly threshold: number;
  readonly seconds: number;
  /** The pipeline run training it, recorded so that a retried register step finds its version. */
  readonly pipelineRunId?: string;
}

/**
 * Assembles the (unversioned) artifact of a trained and evaluated model, with its training baseline.
 *
 * @example registry.register(buildArtifact({ fitted, split, evaluation, … }));
 */
export function buildArtifact(inputs: ArtifactInputs): Omit<UnsealedArtifact, 'version'> {
  const { fitted, split, evaluation, threshold } = inputs;
  const trainY = Uint8Array.from(split.trainRows, (r) => r.y);
  const rows = split.trainRows.length + split.testRows.length;
  return {
    format: ARTIFACT_FORMAT,
    format_version: NATIVE_BINARY_FORMAT_VERSION,
    created_at: new Date().toISOString(),
    model_type: 'gbdt',
    training: {
      data_sha256: inputs.dataSha256,
      data_source: inputs.dataSource,
      rows,
      train_rows: split.trainRows.length,
      test_rows: split.testRows.length,
      test_share: inputs.testShare,
      seed: inputs.seed,
      seconds: inputs.seconds,
      ...(inputs.pipelineRunId ? { pipeline_run_id: inputs.pipelineRunId } : {}),
    },
    // The whole schema travels with the model: a service validates and bins requests by it.
    schema: { features: [...BANK_SCHEMA.features], task: BANK_SCHEMA.task, classes: [...BANK_SCHEMA.classes], target: { ...TARGET } },
    decision_threshold: threshold,
    metrics: { holdout: evaluation.metrics, reliability: evaluation.reliability },
    baseline: { ...buildBaseline(split.trainRows.map((r) => r.features), trainY), predictions: buildPredictionBaseline(evaluation.proba, threshold) },
    model: fitted.model.toJSON(),
  };
}

/**
 * Trains a model on an 80/20 stratified split (by default) and builds its artifact: the steps above,
 * in order (the pipeline runs them as separate, timed steps).
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
  const split = splitForTraining(options.rows, testShare, seed);
  const fitted = fitModel(split.trainRows, { seed, params: options.params, onProgress: options.onProgress });
  const evaluation = evaluateFitted(fitted, split.testRows, threshold);
  const seconds = (performance.now() - started) / 1000;
  const artifact = buildArtifact({ fitted, split, evaluation, dataSha256: options.dataSha256, dataSource: options.dataSource, seed, testShare, threshold, seconds });
  return { artifact, metrics: evaluation.metrics, reliability: evaluation.reliability, trees: fitted.model.nTrees, seconds };
}
