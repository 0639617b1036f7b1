/**
 * The artifact of a model trained on any CSV (`modelwatch train --data <csv> --target <column>`):
 * the native trees with the schema inferred from (or given for) the data, the training rows'
 * baseline binned by that schema, and the holdout's metrics and predictions.
 */
import { rowsOf } from '../data/csv-table.js';
import { ARTIFACT_FORMAT, ARTIFACT_FORMAT_VERSION, NATIVE_BINARY_FORMAT_VERSION, type UnsealedArtifact } from './artifact.js';
import { buildBaseline, buildPredictionBaseline, buildPredictionBaselineForTask } from './baseline.js';
import { reliability } from './evaluation.js';
import { multiclassHoldout } from './task-evaluation.js';
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
 * A multiclass or regression model's version carries its task's holdout metrics (macro figures and
 * recall per class; MAE, RMSE and R²), its training rows' class shares (none for regression) and
 * its holdout predictions' baseline (class shares and confidence bins; value bins).
 *
 * @example registry.register(buildCsvArtifact(await trainOnCsv(options), { dataSource: 'churn.csv', seed: 42, testShare: 0.2 }));
 */
export function buildCsvArtifact(result: TrainOnCsvResult, inputs: CsvArtifactInputs): Omit<UnsealedArtifact, 'version'> {
  const { schema, metrics, holdout, table, trainRows } = result;
  const threshold = 0.5;
  const rows = rowsOf(table, schema.features);
  const labels = encodeLabels(table, schema);
  if (metrics.task !== 'binary') {
    const trainBaseline = buildBaseline(Array.from(trainRows, (r) => rows[r]), [], 10, schema.features);
    const classes = schema.classes.length;
    const counts = new Array<number>(classes).fill(0);
    for (const r of trainRows) counts[labels[r]]++;
    const shares = counts.map((c) => c / trainRows.length);
    return {
      ...envelopeOf(result, inputs),
      schema: { features: [...schema.features], task: schema.task, classes: [...schema.classes], target: { name: schema.target.name } },
      decision_threshold: threshold,
      metrics: { holdout: metrics.task === 'multiclass' ? multiclassHoldout(metrics) : { mae: metrics.mae, rmse: metrics.rmse, ...(Number.isFinite(metrics.r2) ? { r2: metrics.r2 } : {}) } },
      baseline: { ...trainBaseline, classShares: metrics.task === 'multiclass' ? shares : [], predictions: buildPredictionBaselineForTask(schema.task, holdout.predictions, schema.classes) },
      model: result.model.toJSON(),
    };
  }
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

/** The envelope of a version trained on a CSV, whatever its task: format, time, provenance. */
function envelopeOf(result: TrainOnCsvResult, inputs: CsvArtifactInputs) {
  return {
    format: ARTIFACT_FORMAT as typeof ARTIFACT_FORMAT,
    format_version: ARTIFACT_FORMAT_VERSION,
    created_at: new Date().toISOString(),
    model_type: 'gbdt' as const,
    training: {
      data_sha256: result.dataSha256,
      data_source: inputs.dataSource,
      rows: result.table.rows.length,
      train_rows: result.trainRows.length,
      test_rows: result.holdout.rows.length,
      test_share: inputs.testShare,
      seed: inputs.seed,
      seconds: result.seconds,
    },
  };
}
