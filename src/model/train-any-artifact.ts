/**
 * The artifact of a model trained on any CSV (`modelwatch train --data <csv> --target <column>`):
 * the native trees with the schema inferred from (or given for) the data, the training rows'
 * baseline binned by that schema, and the holdout's metrics and predictions.
 */
import { rowsOf } from '../data/csv-table.js';
import { ARTIFACT_FORMAT, ARTIFACT_FORMAT_VERSION, NATIVE_BINARY_FORMAT_VERSION, type UnsealedArtifact } from './artifact.js';
import { buildBaseline, buildPredictionBaseline } from './baseline.js';
import { reliability } from './evaluation.js';
import { encodeLabels, type TrainOnCsvResult } from './train-any.js';

/** Provenance an artifact records besides what training returned. */
export interface CsvArtifactInputs {
  readonly dataSource: string;
  readonly seed: number;
  readonly testShare: number;
}

/**
 * Assembles the (unversioned) artifact of a model trained by {@link trainOnCsv}.
 *
 * @throws RangeError for a task this version cannot serve yet (multiclass, regression).
 * @example registry.register(buildCsvArtifact(await trainOnCsv(options), { dataSource: 'churn.csv', seed: 42, testShare: 0.2 }));
 */
export function buildCsvArtifact(result: TrainOnCsvResult, inputs: CsvArtifactInputs): Omit<UnsealedArtifact, 'version'> {
  const { schema, metrics, holdout, table, trainRows } = result;
  if (metrics.task !== 'binary') throw new RangeError(`a ${metrics.task} model cannot be served yet: this version of modelwatch serves binary classifiers it trains on any CSV`);
  const threshold = 0.5;
  const rows = rowsOf(table, schema.features);
  const labels = encodeLabels(table, schema);
  const trainLabels = Uint8Array.from(trainRows, (r) => labels[r]);
  const { accuracy, precision, recall, f1, auc, logLoss, brier } = metrics;
  return {
    format: ARTIFACT_FORMAT,
    format_version: schema.task === 'binary' ? NATIVE_BINARY_FORMAT_VERSION : ARTIFACT_FORMAT_VERSION,
    created_at: new Date().toISOString(),
    model_type: 'gbdt',
    training: {
      data_sha256: result.dataSha256,
      data_source: inputs.dataSource,
      rows: table.rows.length,
      train_rows: trainRows.length,
      test_rows: holdout.rows.length,
      test_share: inputs.testShare,
      seed: inputs.seed,
      seconds: result.seconds,
    },
    schema: { features: [...schema.features], task: schema.task, classes: [...schema.classes], target: { name: schema.target.name, negative: schema.classes[0], positive: schema.classes[1] } },
    decision_threshold: threshold,
    metrics: { holdout: { accuracy, precision, recall, f1, auc, logLoss, brier }, reliability: reliability(holdout.y, holdout.predictions, 10) },
    baseline: {
      ...buildBaseline(Array.from(trainRows, (r) => rows[r]), trainLabels, 10, schema.features),
      predictions: buildPredictionBaseline(holdout.predictions, threshold),
    },
    model: result.model.toJSON(),
  };
}
