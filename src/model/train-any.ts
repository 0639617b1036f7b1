/**
 * Training on any labelled CSV: infer (or take) the schema, encode the rows by it, split, train the
 * GBDT objective the task needs and score the holdout with the task's metrics.
 *
 * Encoding, the same as serving's encoder: a numeric column is its value, a categorical column the
 * index of its category in the schema's list (aliases resolved). An empty cell is missing: NaN for
 * a numeric column, -1 for a categorical one; the trees route both right (model.ts), so a model
 * learns what a gap means instead of the rows being dropped. A non-empty value the schema does not
 * allow (not a number, out of range, an unknown category — possible only with a given schema) is
 * refused with its line and column, as the bank-marketing loader does.
 *
 * The split is stratified by class for classifiers (every class keeps its share in the holdout),
 * random for regression; the same data, options and seed always give the same model. On the
 * bank-marketing file this is exactly `modelwatch train`: the same schema, encoding, split and
 * trees.
 */
import { performance } from 'node:perf_hooks';
import { checkFeatureValue, CsvRowError, NUMBER_PATTERN } from '../data/csv.js';
import { readCsvTable, type CsvTable } from '../data/csv-table.js';
import { canonicalClass, inferSchemaFromTable, type SchemaReport } from '../data/infer-schema.js';
import type { ModelSchema, Task } from '../data/model-schema.js';
import { SchemaInferenceError } from '../errors.js';
import { evaluateBinary, type BinaryMetrics } from './evaluation.js';
import { trainGbdt, type GbdtModel, type GbdtParams } from './gbdt/index.js';
import { randomSplit, stratifiedSplit } from './split.js';
import { evaluateMulticlass, evaluateRegression, type MulticlassMetrics, type RegressionMetrics } from './task-metrics.js';

/** What to train on and how. */
export interface TrainOnCsvOptions {
  /** Path of the labelled CSV (`,` or `;`, with a header). */
  readonly data: string;
  /** The label column. */
  readonly target: string;
  /** The task; inferred from the target when absent (ignored when `schema` is given: it has one). */
  readonly task?: Task;
  /** Binary: the positive class (ignored when `schema` is given). */
  readonly positive?: string;
  /** A schema to use instead of inferring one (e.g. from `readSchemaFile`). */
  readonly schema?: ModelSchema;
  /** Columns to leave out of an inferred schema. */
  readonly drop?: readonly string[];
  /** Seed of the split and of the trees' validation rows. */
  readonly seed: number;
  /** Share of the rows held out for evaluation, in (0, 1). */
  readonly testShare: number;
  readonly params?: Partial<GbdtParams>;
  readonly onProgress?: (iteration: number, maxIterations: number) => void;
}

/** Holdout metrics by task. */
export type HoldoutTaskMetrics =
  | ({ readonly task: 'binary' } & BinaryMetrics)
  | ({ readonly task: 'multiclass' } & MulticlassMetrics)
  | ({ readonly task: 'regression' } & RegressionMetrics);

/** A trained, evaluated model with everything a version needs to be built from it. */
export interface TrainOnCsvResult {
  readonly schema: ModelSchema;
  /** What inference found; undefined when the schema was given. */
  readonly report?: SchemaReport;
  readonly model: GbdtModel;
  readonly metrics: HoldoutTaskMetrics;
  /** The holdout: file row indices (0 = first data row), labels and the model's outputs. */
  readonly holdout: {
    readonly rows: Uint32Array;
    /** Binary 0/1, multiclass class index, regression value. */
    readonly y: Float64Array;
    /** Row-major `rows × model.nOutputs`: probability of class 1, class probabilities, or values. */
    readonly predictions: Float64Array;
  };
  readonly trainRows: Uint32Array;
  /** The file as read (the baseline bins its training rows). */
  readonly table: CsvTable;
  /** Hex sha256 of the data file's bytes. */
  readonly dataSha256: string;
  readonly seconds: number;
}

/** Fewest rows worth splitting and training on. */
export const MIN_TRAINING_ROWS = 20;

/** The rows of a table as a row-major feature matrix in the schema's order (see the module comment). */
export interface EncodedFeatures {
  readonly x: Float64Array;
  readonly n: number;
  readonly d: number;
  readonly categorical: boolean[];
}

/**
 * Encodes a table's rows by a schema. Throws {@link CsvRowError} for a column the schema names but
 * the file lacks, or a value the schema does not allow.
 *
 * @example const { x, n, d } = encodeFeatures(await readCsvTable('wine.csv'), schema);
 */
export function encodeFeatures(table: CsvTable, schema: ModelSchema): EncodedFeatures {
  const columns = schema.features.map((f) => table.header.indexOf(f.name));
  const absent = schema.features.filter((_, j) => columns[j] < 0).map((f) => JSON.stringify(f.name));
  if (absent.length > 0) throw new CsvRowError(table.file, 1, undefined, `header lacks the schema's column(s) ${absent.join(', ')}`);
  const n = table.rows.length;
  const d = schema.features.length;
  const x = new Float64Array(n * d);
  const lookups = schema.features.map((f) => (f.kind === 'categorical' ? new Map(f.categories.map((c, i) => [c, i])) : undefined));
  table.rows.forEach((row, i) => {
    schema.features.forEach((feature, j) => {
      const cell = row[columns[j]];
      const lookup = lookups[j];
      if (cell === '') {
        x[i * d + j] = lookup ? -1 : Number.NaN;
        return;
      }
      const checked = checkFeatureValue(feature, cell);
      if (!checked.ok) throw new CsvRowError(table.file, table.lines[i], feature.name, checked.reason);
      x[i * d + j] = lookup ? (lookup.get(checked.value as string) as number) : (checked.value as number);
    });
  });
  return { x, n, d, categorical: schema.features.map((f) => f.kind === 'categorical') };
}

/**
 * The target column as labels for the schema's task: binary 1 for `classes[1]`, 0 for `classes[0]`;
 * multiclass the index in `classes`; regression the value. Numeric class names match numerically
 * (`1.0` is class `1`). Throws {@link CsvRowError} for an empty cell or a value that is not a class.
 *
 * @example encodeLabels(table, schema) // Float64Array [0, 2, 1, …]
 */
export function encodeLabels(table: CsvTable, schema: ModelSchema): Float64Array {
  const name = schema.target.name;
  const column = table.header.indexOf(name);
  if (column < 0) throw new CsvRowError(table.file, 1, name, `header lacks the target column "${name}"`);
  const numericClasses = schema.classes.length > 0 && schema.classes.every((c) => NUMBER_PATTERN.test(c));
  const index = new Map(schema.classes.map((c, i) => [numericClasses ? canonicalClass(c, true) : c, i]));
  return Float64Array.from(table.rows, (row, i) => {
    const cell = row[column];
    const fail = (reason: string): never => {
      throw new CsvRowError(table.file, table.lines[i], name, reason);
    };
    if (cell === '') return fail('the target is empty; every training row needs a label');
    if (schema.task === 'regression') {
      const value = Number(cell);
      return NUMBER_PATTERN.test(cell) && Number.isFinite(value) ? value : fail(`expected a number, got ${JSON.stringify(cell)}`);
    }
    const key = numericClasses && NUMBER_PATTERN.test(cell) ? canonicalClass(cell, true) : cell;
    const k = index.get(key);
    return k ?? fail(`expected one of the classes ${schema.classes.map((c) => JSON.stringify(c)).join(', ')}, got ${JSON.stringify(cell)}`);
  });
}

/** Picks rows of a row-major matrix. */
function pickRows(x: Float64Array, d: number, rows: Uint32Array): Float64Array {
  const out = new Float64Array(rows.length * d);
  rows.forEach((r, i) => out.set(x.subarray(r * d, r * d + d), i * d));
  return out;
}

/** The task's metrics of holdout predictions. */
function holdoutMetrics(task: Task, y: Float64Array, predictions: Float64Array, nClasses: number): HoldoutTaskMetrics {
  if (task === 'binary') return { task, ...evaluateBinary(y, predictions, 0.5) };
  if (task === 'multiclass') return { task, ...evaluateMulticlass(y, predictions, nClasses) };
  return { task, ...evaluateRegression(y, predictions) };
}

/**
 * Reads a labelled CSV, infers its schema (or uses the one given), trains the task's GBDT on a
 * seeded split and evaluates the holdout.
 *
 * @throws SchemaInferenceError when no schema can be inferred; CsvRowError for a malformed file or a
 *   value the schema refuses; RangeError for too few rows or a class missing from the training rows.
 * @example
 * const { schema, metrics } = await trainOnCsv({ data: 'wine.csv', target: 'target', seed: 42, testShare: 0.2 });
 * metrics.task === 'multiclass' && metrics.accuracy; // 0.97…
 */
export async function trainOnCsv(options: TrainOnCsvOptions): Promise<TrainOnCsvResult> {
  const started = performance.now();
  if (!(options.testShare > 0 && options.testShare < 1)) throw new RangeError(`testShare must be in (0, 1), got ${options.testShare}`);
  if (options.schema && options.schema.target.name !== options.target) {
    throw new SchemaInferenceError(`the schema's target is "${options.schema.target.name}" but the target asked for is "${options.target}"`, true);
  }
  const table = await readCsvTable(options.data);
  let schema = options.schema;
  let report: SchemaReport | undefined;
  if (!schema) ({ schema, report } = inferSchemaFromTable(table, { target: options.target, task: options.task, positive: options.positive, drop: options.drop }));
  if (table.rows.length < MIN_TRAINING_ROWS) throw new RangeError(`too few rows to train on: ${table.rows.length} (need at least ${MIN_TRAINING_ROWS})`);
  const features = encodeFeatures(table, schema);
  const y = encodeLabels(table, schema);
  const task = schema.task;
  const nClasses = task === 'multiclass' ? schema.classes.length : task === 'binary' ? 2 : 1;
  const split = task === 'regression' ? randomSplit(table.rows.length, options.testShare, options.seed) : stratifiedSplit(y, options.testShare, options.seed);
  if (split.test.length === 0) throw new RangeError(`testShare ${options.testShare} of ${table.rows.length} rows holds out no row`);
  const trainY = task === 'binary' ? Uint8Array.from(split.train, (r) => y[r]) : Float64Array.from(split.train, (r) => y[r]);
  const model = trainGbdt(
    {
      x: pickRows(features.x, features.d, split.train),
      n: split.train.length,
      d: features.d,
      y: trainY,
      categorical: features.categorical,
      objective: task,
      ...(task === 'multiclass' ? { nClasses } : {}),
    },
    { seed: options.seed, ...options.params },
    options.onProgress,
  );
  const testX = pickRows(features.x, features.d, split.test);
  const predictions = model.predictOutputsBatch(testX, split.test.length);
  const testY = Float64Array.from(split.test, (r) => y[r]);
  return {
    schema,
    ...(report ? { report } : {}),
    model,
    metrics: holdoutMetrics(task, testY, predictions, nClasses),
    holdout: { rows: split.test, y: testY, predictions },
    trainRows: split.train,
    table,
    dataSha256: table.sha256,
    seconds: (performance.now() - started) / 1000,
  };
}
