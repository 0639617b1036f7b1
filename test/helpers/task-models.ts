/**
 * Small multiclass and regression models written by hand (a RowScorer of a few rules, softmax for
 * the classes), with their schema, reference baseline and holdout metrics computed by the same
 * code an import or a training uses: real versions for the monitoring tests, without Python.
 */
import type { ModelSchema } from '../../src/data/model-schema.js';
import type { Row } from '../../src/data/schema.js';
import type { ModelArtifact } from '../../src/model/artifact.js';
import { buildBaseline, buildPredictionBaselineForTask } from '../../src/model/baseline.js';
import { encoderSpecFromSchema, createEncoder } from '../../src/model/encoding.js';
import { servingModelOf } from '../../src/model/registry.js';
import type { SyncRowScorer } from '../../src/model/row-scorer.js';
import type { ServingModel } from '../../src/model/serving-model.js';
import { multiclassHoldout } from '../../src/model/task-evaluation.js';
import { argmaxRow, evaluateMulticlass, evaluateRegression } from '../../src/model/task-metrics.js';

const FEATURES: ModelSchema['features'] = [
  { name: 'x', kind: 'numeric', integer: false, min: 0, max: 10, default: 5, required: true, description: 'A measurement.' },
  { name: 'color', kind: 'categorical', categories: ['red', 'green', 'blue'], default: 'red', required: false, description: 'A colour.' },
];

/** The multiclass model's schema: three classes. */
export const MULTICLASS_SCHEMA: ModelSchema = { features: FEATURES, task: 'multiclass', classes: ['low', 'mid', 'high'], target: { name: 'grade' } };
/** The regression model's schema. */
export const REGRESSION_SCHEMA: ModelSchema = { features: FEATURES, task: 'regression', classes: [], target: { name: 'price' } };

/** Class logits of an encoded row [x, color code]: low for small x, high for large x, mid for green. */
function logits(x: ArrayLike<number>, out: Float64Array): void {
  out[0] = x[0] < 3 ? 2 : 0;
  out[1] = x[1] === 1 ? 1.5 : 0.5;
  out[2] = x[0] >= 7 ? 2.5 : 0;
}

/** The multiclass scorer: softmax of {@link logits}. */
export const multiclassScorer: SyncRowScorer = {
  encoder: encoderSpecFromSchema(FEATURES),
  nOutputs: 3,
  score(x, out) {
    logits(x, out);
    const m = Math.max(out[0], out[1], out[2]);
    let sum = 0;
    for (let c = 0; c < 3; c++) sum += out[c] = Math.exp(out[c] - m);
    for (let c = 0; c < 3; c++) out[c] /= sum;
  },
};

/** The regression scorer: 3x, plus 5 for red. */
export const regressionScorer: SyncRowScorer = {
  encoder: encoderSpecFromSchema(FEATURES),
  nOutputs: 1,
  score(x, out) {
    out[0] = 3 * x[0] + (x[1] === 0 ? 5 : 0);
  },
};

/** The true class of a row: what the multiclass model predicts, except that green rows with x < 3 are "high" (so it is wrong on them). */
export const trueClass = (row: Row): number => ((row.x as number) < 3 && row.color === 'green' ? 2 : (row.x as number) < 3 ? 0 : (row.x as number) >= 7 ? 2 : 1);
/** The true value of a row: the regression's value plus 2 for blue rows (its only error). */
export const trueValue = (row: Row): number => 3 * (row.x as number) + (row.color === 'red' ? 5 : 0) + (row.color === 'blue' ? 2 : 0);

/**
 * Reference rows: x on a grid from 0 to 9.9, the three colours in turn.
 *
 * @example referenceRows(300).length // 300
 */
export function referenceRows(n = 300): Row[] {
  const colors = ['red', 'green', 'blue'];
  return Array.from({ length: n }, (_, i) => ({ x: Math.round(((i * 7) % 100) * 0.99) / 10, color: colors[i % 3] }));
}

/**
 * The predicted class of each row of `n × classes` probabilities (the most probable, the first on a tie).
 *
 * @example argmaxRows(Float64Array.of(0.2, 0.5, 0.3), 3) // [1]
 */
export const argmaxRows = (probabilities: ArrayLike<number>, classes: number): number[] =>
  Array.from({ length: probabilities.length / classes }, (_, i) => argmaxRow(probabilities, i, classes));

/** Scores rows with a scorer (n × nOutputs). */
export function scoreRows(scorer: SyncRowScorer, rows: readonly Row[]): Float64Array {
  const encoder = createEncoder(scorer.encoder);
  const x = new Float64Array(encoder.width);
  const out = new Float64Array(rows.length * scorer.nOutputs);
  rows.forEach((row, i) => {
    encoder.encode(row, x);
    scorer.score(x, out.subarray(i * scorer.nOutputs, (i + 1) * scorer.nOutputs));
  });
  return out;
}

/**
 * A version of the multiclass or regression model, as an import would build it from reference rows:
 * feature baseline, prediction baseline and holdout metrics from scoring the rows.
 *
 * @example const model = taskModel('multiclass', 'v7'); model.nOutputs // 3
 */
export function taskModel(task: 'multiclass' | 'regression', version = 'v1', rows = referenceRows()): ServingModel {
  const schema = task === 'multiclass' ? MULTICLASS_SCHEMA : REGRESSION_SCHEMA;
  const scorer = task === 'multiclass' ? multiclassScorer : regressionScorer;
  const outputs = scoreRows(scorer, rows);
  const holdout = task === 'multiclass' ? multiclassHoldout(evaluateMulticlass(rows.map(trueClass), outputs, 3)) : evaluateRegression(rows.map(trueValue), outputs);
  const labels = task === 'multiclass' ? rows.map(trueClass) : [];
  const baseline = { ...buildBaseline(rows, labels, 10, schema.features), predictions: buildPredictionBaselineForTask(task, outputs, schema.classes) };
  const artifact = {
    version,
    model_type: 'xgboost',
    created_at: '2026-12-07T00:00:00.000Z',
    decision_threshold: 0.5,
    metrics: { holdout },
    baseline,
  } as unknown as ModelArtifact;
  return servingModelOf(artifact, schema, scorer, 0.001, `memory:${version}`);
}

/**
 * The same model scoring only asynchronously, as an ONNX session does: `predictOutputsBatch` and
 * no usable synchronous path.
 *
 * @example await asyncOnly(taskModel('regression')).predictOutputsBatch!(rows)
 */
export function asyncOnly(model: ServingModel): ServingModel & { batches: number } {
  const wrapped = {
    ...model,
    batches: 0,
    predictOutputs() {
      throw new Error('this model scores only asynchronously');
    },
    async predictOutputsBatch(rows: readonly Row[]) {
      wrapped.batches++;
      await new Promise((resolve) => setImmediate(resolve));
      const out = new Float64Array(rows.length * model.nOutputs);
      rows.forEach((row, i) => model.predictOutputs(row, out.subarray(i * model.nOutputs, (i + 1) * model.nOutputs)));
      return out;
    },
  };
  return wrapped;
}
