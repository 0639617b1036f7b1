/**
 * The artifact of a model trained on any CSV (`modelwatch train --data <csv> --target <column>`):
 * the native trees with the schema inferred from (or given for) the data, the training rows'
 * baseline binned by that schema, and the holdout's metrics and predictions — each in its task's
 * form. {@link taskEvidence} is shared with `modelwatch import`, whose reference data plays the
 * holdout's part.
 */
import { rowsOf } from '../data/csv-table.js';
import { BANK_SCHEMA, type ModelSchema } from '../data/model-schema.js';
import { ARTIFACT_FORMAT, ARTIFACT_FORMAT_VERSION, NATIVE_BINARY_FORMAT_VERSION, type ArtifactHoldoutMetrics, type UnsealedArtifact } from './artifact.js';
import { buildPredictionBaselineForTask, type PredictionBaseline } from './baseline.js';
import type { ReliabilityReport } from './evaluation.js';
import { evaluateBinary, reliability } from './evaluation.js';
import { multiclassHoldout } from './task-evaluation.js';
import { evaluateMulticlass, evaluateRegression } from './task-metrics.js';
import { buildBaseline } from './baseline.js';
import type { Row } from '../data/schema.js';
import { encodeLabels, type TrainOnCsvResult } from './train-any.js';

/** Provenance an artifact records besides what training returned. */
export interface CsvArtifactInputs {
  readonly dataSource: string;
  readonly seed: number;
  readonly testShare: number;
}

/** What a version records about how its model does on data it was not trained on. */
export interface TaskEvidence {
  readonly holdout: ArtifactHoldoutMetrics;
  readonly reliability?: ReliabilityReport;
  readonly predictions: PredictionBaseline;
}

/** The decision threshold of binary versions built here (the probability of the positive class). */
export const DECISION_THRESHOLD = 0.5;

/**
 * Holdout metrics, reliability (binary) and the prediction baseline of a model's outputs on labelled
 * rows: `y` is 0/1, the class index or the value; `outputs` the model's, `n × nOutputs`; `threshold`
 * the binary decision threshold (a reference profile may have its own).
 *
 * @example taskEvidence(schema, labels, outputs).holdout // { mae, rmse, r2 } for a regression
 */
export function taskEvidence(schema: ModelSchema, y: ArrayLike<number>, outputs: ArrayLike<number>, threshold = DECISION_THRESHOLD): TaskEvidence {
  const predictions = buildPredictionBaselineForTask(schema.task, outputs, schema.classes, threshold);
  if (schema.task === 'binary') {
    const { accuracy, precision, recall, f1, auc, logLoss, brier } = evaluateBinary(y, outputs, threshold);
    return { holdout: { accuracy, precision, recall, f1, auc, logLoss, brier }, reliability: reliability(y, outputs, 10), predictions };
  }
  if (schema.task === 'multiclass') return { holdout: multiclassHoldout(evaluateMulticlass(y, outputs, schema.classes.length)), predictions };
  const { mae, rmse, r2 } = evaluateRegression(y, outputs);
  return { holdout: { mae, rmse, r2 }, predictions };
}

/**
 * Each class's share among labels (binary `[class 0, class 1]`, multiclass one per class; none for
 * a regression): the training baseline's class balance.
 */
export function labelShares(schema: ModelSchema, y: ArrayLike<number>): number[] {
  if (schema.task === 'regression') return [];
  const counts = new Array<number>(schema.classes.length).fill(0);
  for (let i = 0; i < y.length; i++) counts[y[i]]++;
  return counts.map((c) => (y.length ? c / y.length : 0));
}

/**
 * The training baseline of rows binned by a schema, with the labels' class shares.
 *
 * @example trainingBaseline(schema, rows, labels).features.plan.labels // ['monthly', …, '__unseen__']
 */
export function trainingBaseline(schema: ModelSchema, rows: readonly Row[], y: ArrayLike<number>) {
  return { ...buildBaseline(rows, [], 10, schema.features), classShares: labelShares(schema, y) };
}

/**
 * The schema as an artifact stores it (binary versions also name their classes the older way, as
 * target.negative and target.positive).
 */
export function artifactSchema(schema: ModelSchema): UnsealedArtifact['schema'] {
  const target = schema.task === 'binary' ? { name: schema.target.name, negative: schema.classes[0], positive: schema.classes[1] } : { name: schema.target.name };
  return { features: [...schema.features], task: schema.task, classes: [...schema.classes], target };
}

/**
 * Assembles the (unversioned) artifact of a model trained by {@link trainOnCsv}.
 *
 * @example registry.register(buildCsvArtifact(await trainOnCsv(options), { dataSource: 'churn.csv', seed: 42, testShare: 0.2 }));
 */
export function buildCsvArtifact(result: TrainOnCsvResult, inputs: CsvArtifactInputs): Omit<UnsealedArtifact, 'version'> {
  const { schema, holdout, table, trainRows } = result;
  const rows = rowsOf(table, schema.features);
  const labels = encodeLabels(table, schema);
  const evidence = taskEvidence(schema, holdout.y, holdout.predictions);
  return {
    format: ARTIFACT_FORMAT,
    // Only a bank-marketing model reads as format 1: an older reader validates requests by the bank
    // schema whatever the artifact says, so any other schema (or task) needs a reader that knows it.
    format_version: isBankSchema(schema) ? NATIVE_BINARY_FORMAT_VERSION : ARTIFACT_FORMAT_VERSION,
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
    schema: artifactSchema(schema),
    decision_threshold: DECISION_THRESHOLD,
    metrics: { holdout: evidence.holdout, ...(evidence.reliability ? { reliability: evidence.reliability } : {}) },
    baseline: {
      ...trainingBaseline(
        schema,
        Array.from(trainRows, (r) => rows[r]),
        Array.from(trainRows, (r) => labels[r]),
      ),
      predictions: evidence.predictions,
    },
    model: result.model.toJSON(),
  };
}

/** Whether a schema is the bank-marketing data's: the binary no/yes task on its 16 columns. */
function isBankSchema(schema: ModelSchema): boolean {
  const names = (s: ModelSchema) => s.features.map((f) => f.name).join('\u0000');
  return schema.task === 'binary' && names(schema) === names(BANK_SCHEMA) && schema.classes.join() === BANK_SCHEMA.classes.join() && schema.target.name === BANK_SCHEMA.target.name;
}
