/**
 * `modelwatch import`: registers a model trained elsewhere — an XGBoost JSON file, a LightGBM text
 * file or an ONNX graph — as a version like any trained here. The reference data gives what the
 * model cannot: the schema (inferred from it), the drift baseline (its columns binned), and, scored
 * through the imported model itself, the prediction baseline and the holdout metrics. Everything is
 * computed and checked before anything is written; the registry then gets one complete artifact,
 * written atomically, or nothing.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ModelSchema, Task } from '../../data/model-schema.js';
import type { Row } from '../../data/schema.js';
import { readCsvTable, rowsOf, type CsvTable } from '../../data/csv-table.js';
import { inferSchemaFromTable, type InferSchemaOptions } from '../../data/infer-schema.js';
import { ImportError, SchemaInferenceError } from '../../errors.js';
import { ARTIFACT_FORMAT, ARTIFACT_FORMAT_VERSION, parseArtifact, serializeArtifact, type ArtifactHoldoutMetrics, type UnsealedArtifact } from '../artifact.js';
import { createEncoder, encodeRows, encoderSpecFromSchema, type EncoderSpec } from '../encoding.js';
import type { ModelRegistry } from '../registry.js';
import { encoderSpecForOnnx, type OnnxInputEncoding } from '../onnx/index.js';
import type { RowScorer } from '../row-scorer.js';
import { encodeLabels } from '../train-any.js';
import { artifactSchema, DECISION_THRESHOLD, taskEvidence, trainingBaseline } from '../train-any-artifact.js';
import { readModelFile, type ImportFormat, type ReadModel } from './read-model-file.js';
import { importedScorer, type ImportedModelJson } from './scorer.js';

/** What {@link importModel} is given (the `import` command's flags). */
export interface ImportOptions {
  readonly format: ImportFormat;
  readonly modelFile: string;
  readonly dataFile: string;
  readonly target: string;
  /** Must agree with the model's own objective when the file states one (XGBoost, LightGBM). */
  readonly task?: Task;
  /** For a binary model: the class its probability is of (the model's label 1). */
  readonly positive?: string;
  /** The model's feature order, when it is not the reference data's column order. */
  readonly features?: readonly string[];
  /** The model's name (its Open Inference Protocol name unless MODEL_NAME says otherwise). */
  readonly name?: string;
  /** ONNX: how categorical columns become input columns. */
  readonly categoricalEncoding?: 'ordinal' | 'onehot';
  readonly registry: ModelRegistry;
  readonly promote: boolean;
  readonly progress?: (line: string) => void;
}

/** What an import produced. */
export interface ImportResult {
  readonly version: string;
  readonly schema: ModelSchema;
  readonly rows: number;
  /** On the reference data, in the task's form: accuracy, precision, recall, F1 (and AUC for binary), or MAE and RMSE. */
  readonly metrics: ArtifactHoldoutMetrics;
  readonly seconds: number;
  readonly current: boolean;
  readonly file: string;
}

/**
 * Imports a model file with its reference data into the registry.
 *
 * @throws ImportError naming the problem (a file that is not such a model, an unsupported
 *   objective, a feature count that does not match, a column missing from the data); the registry
 *   is unchanged then.
 * @example await importModel({ format: 'xgboost', modelFile: 'm.json', dataFile: 'ref.csv', target: 'y', registry, promote: true });
 */
export async function importModel(options: ImportOptions): Promise<ImportResult> {
  const started = performance.now();
  const say = options.progress ?? (() => undefined);
  const bytes = readFileSync(options.modelFile);
  const model = readModelFile(options.format, bytes, options.modelFile);
  say(`read ${options.format} model ${options.modelFile}${model.task ? ` (${model.task}, ${model.nFeatures ?? '?'} features)` : ''}`);
  const table = await readCsvTable(options.dataFile);
  const features = featureOrder(table, options, model);
  // Columns the model splits by category are categorical whatever their values look like, and a
  // binary model's positive class is its label 1: the second class in sorted order.
  const categorical = features.filter((_, i) => model.categorical?.[i]);
  const inferred = inferInOrder(table, features, { target: options.target, task: taskOf(options, model), positive: options.positive, positiveRule: 'label-one', categorical });
  const schema = checkAgainstModel(inferred, model);
  say(`schema: ${schema.features.length} features (${schema.features.filter((f) => f.kind === 'categorical').length} categorical), ${schema.task}${schema.classes.length ? ` [${schema.classes.join(', ')}]` : ''}`);
  const onnxEncoding = model.format === 'onnx' ? onnxEncodingOf(schema, options.categoricalEncoding) : undefined;
  const encoder = onnxEncoding ? encoderSpecForOnnx(onnxEncoding) : encoderOf(model, schema);
  const imported: ImportedModelJson = {
    format: model.format,
    file_name: basename(options.modelFile),
    file_sha256: createHash('sha256').update(bytes).digest('hex'),
    content: model.format === 'onnx' ? bytes.toString('base64') : bytes.toString('utf8'),
    encoder,
    ...(onnxEncoding ? { onnx_encoding: onnxEncoding } : {}),
  };
  let scorer: RowScorer;
  try {
    scorer = await importedScorer(imported, schema, options.modelFile);
  } catch (error) {
    throw new ImportError((error as Error).message.replace(/^Model artifact /, ''));
  }
  const expectedOutputs = schema.task === 'multiclass' ? schema.classes.length : 1;
  if (scorer.nOutputs !== expectedOutputs) {
    throw new ImportError(`the model answers ${scorer.nOutputs} values per row, but the reference data's target gives a ${schema.task} model${schema.task === 'multiclass' ? ` of ${schema.classes.length} classes (${schema.classes.join(', ')}): every class the model knows must appear in the reference data` : ''}`);
  }
  const rows = rowsOf(table, schema.features);
  const labels = encodeLabels(table, schema);
  say(`scoring ${rows.length} reference rows through the imported model`);
  const outputs = await scoreAll(scorer, encoder, rows);
  const evidence = taskEvidence(schema, labels, outputs);
  const artifact: Omit<UnsealedArtifact, 'version'> = {
    format: ARTIFACT_FORMAT,
    // An older modelwatch reads format 1 and cannot serve an imported model: it refuses the file.
    format_version: ARTIFACT_FORMAT_VERSION,
    ...(options.name ? { name: options.name } : {}),
    created_at: new Date().toISOString(),
    model_type: options.format,
    training: {
      data_sha256: table.sha256,
      data_source: options.dataFile,
      rows: rows.length,
      train_rows: 0,
      test_rows: rows.length,
      test_share: 1,
      seed: 0,
      seconds: (performance.now() - started) / 1000,
    },
    schema: artifactSchema(schema),
    decision_threshold: DECISION_THRESHOLD,
    metrics: { holdout: evidence.holdout, ...(evidence.reliability ? { reliability: evidence.reliability } : {}) },
    baseline: { ...trainingBaseline(schema, rows, labels), predictions: evidence.predictions },
    model: imported,
  };
  // The artifact is read back as the service will read it before the registry sees it: a model
  // that would not load is refused here, and nothing is written.
  try {
    await parseArtifact(serializeArtifact({ ...artifact, version: 'v0' }), options.modelFile).scorer;
  } catch (error) {
    throw new ImportError(`the version built from ${options.modelFile} would not load: ${(error as Error).message}`);
  }
  const version = options.registry.register(artifact);
  if (options.promote) options.registry.setCurrent(version, { by: 'import', reason: `modelwatch import --format ${options.format} --model ${options.modelFile}` });
  return { version, schema, rows: rows.length, metrics: evidence.holdout, seconds: (performance.now() - started) / 1000, current: options.promote, file: options.registry.fileOf(version) };
}

/**
 * The model's feature order: `--features`, else the names the model file carries when the data has
 * them all, else the data's columns without the target. Its length must be the model's.
 */
function featureOrder(table: CsvTable, options: ImportOptions, model: ReadModel): readonly string[] {
  const fromFile = model.featureNames?.every((n) => table.header.includes(n)) ? model.featureNames : undefined;
  const order = options.features ? [...options.features] : (fromFile ?? table.header.filter((c) => c !== options.target));
  for (const name of order) if (!table.header.includes(name)) throw new ImportError(`feature "${name}" is not a column of ${table.file} (its columns: ${table.header.join(', ')})`);
  if (!table.header.includes(options.target)) throw new ImportError(`the target column "${options.target}" is not in ${table.file} (its columns: ${table.header.join(', ')}); pass --target`);
  if (order.includes(options.target)) throw new ImportError(`the target column "${options.target}" cannot also be a feature`);
  if (model.nFeatures !== undefined && order.length !== model.nFeatures) {
    throw new ImportError(`the model reads ${model.nFeatures} features but ${order.length} were given (${order.join(', ')}); name the model's columns in order with --features`);
  }
  return order;
}

function taskOf(options: ImportOptions, model: ReadModel): Task | undefined {
  if (options.task && model.task && options.task !== model.task) throw new ImportError(`--task ${options.task} contradicts the model file, whose objective is ${model.objective} (${model.task})`);
  return options.task ?? model.task;
}

/**
 * How rows become a tree model's input: a categorical column as the code of its category in the
 * order pandas gives them — sorted, whatever order the schema shows them in (the bank-marketing
 * schema lists months in calendar order) — unless the file records its own order (LightGBM's
 * pandas_categorical). A category the model never saw reads as missing, as pandas hands it over.
 */
function encoderOf(model: ReadModel, schema: ModelSchema): EncoderSpec {
  let next = 0;
  const features = schema.features.map((f) => {
    if (f.kind !== 'categorical') return f;
    const recorded = model.categoryOrder?.[next++];
    return { ...f, categories: recorded ? [...recorded] : pandasOrder(f.categories) };
  });
  return { ...encoderSpecFromSchema(features), unknownCategory: 'missing' };
}

/**
 * An ONNX graph's input columns: nothing in the file says how categorical columns were turned into
 * numbers, so `--categorical-encoding` declares it (categories in sorted order, as scikit-learn's
 * encoders list them), and it is written into the version.
 */
function onnxEncodingOf(schema: ModelSchema, categorical: ImportOptions['categoricalEncoding']): OnnxInputEncoding {
  return schema.features.map((f) => {
    if (f.kind === 'numeric') return { name: f.name, kind: 'numeric' as const };
    if (!categorical) throw new ImportError(`column "${f.name}" is categorical: an ONNX model needs its encoding declared with --categorical-encoding ordinal|onehot`);
    return { name: f.name, kind: categorical, categories: pandasOrder(f.categories) };
  });
}

/**
 * The schema inferred from the reference data, its features in the model's order (inference lists
 * them in the file's). An inference failure (a constant or incomplete target, a column of free
 * text) is an import refused.
 */
function inferInOrder(table: CsvTable, features: readonly string[], options: Omit<InferSchemaOptions, 'drop'>): ModelSchema {
  const drop = table.header.filter((c) => c !== options.target && !features.includes(c));
  let inferred: ModelSchema;
  try {
    inferred = inferSchemaFromTable(table, { ...options, drop }).schema;
  } catch (error) {
    if (error instanceof SchemaInferenceError) throw new ImportError(`${table.file}: ${error.message}`);
    throw error;
  }
  const byName = new Map(inferred.features.map((f) => [f.name, f]));
  return { ...inferred, features: features.map((name) => byName.get(name)!) };
}

async function scoreAll(scorer: RowScorer, spec: EncoderSpec, rows: readonly Row[]): Promise<Float64Array> {
  const encoder = createEncoder(spec);
  const x = encodeRows(encoder, rows);
  if (scorer.scoreBatch) return scorer.scoreBatch(x, rows.length);
  const outputs = new Float64Array(rows.length * scorer.nOutputs);
  for (let r = 0; r < rows.length; r++) scorer.score(x.subarray(r * encoder.width, (r + 1) * encoder.width), outputs.subarray(r * scorer.nOutputs, (r + 1) * scorer.nOutputs));
  return outputs;
}

/**
 * Categories in the order pandas gives a `category` column: numerically when every category is a
 * number (a column of integers made categorical), else as sorted strings.
 *
 * @example pandasOrder(['10', '3', '1']) // ['1', '3', '10']
 */
function pandasOrder(categories: readonly string[]): string[] {
  const numeric = categories.every((c) => c.trim() !== '' && Number.isFinite(Number(c)));
  return numeric ? [...categories].sort((a, b) => Number(a) - Number(b)) : [...categories].sort();
}

/**
 * The inferred schema checked against how the model reads its columns (columns it splits by
 * category were inferred as categorical): a column of text the model reads as a number, or a file
 * listing the categories of another number of columns, is refused.
 */
function checkAgainstModel(schema: ModelSchema, model: ReadModel): ModelSchema {
  if (!model.categorical) return schema;
  schema.features.forEach((f, i) => {
    if (!model.categorical![i] && f.kind === 'categorical') {
      throw new ImportError(`column "${f.name}" holds text (${f.categories.slice(0, 3).join(', ')}${f.categories.length > 3 ? ', …' : ''}) but the model reads it as a number: give the reference data the column as the model was trained on it`);
    }
  });
  const categorical = schema.features.filter((f) => f.kind === 'categorical').length;
  if (model.categoryOrder && model.categoryOrder.length !== categorical) {
    throw new ImportError(`the model file lists the categories of ${model.categoryOrder.length} categorical columns (pandas_categorical), but the model reads ${categorical} columns by category`);
  }
  return schema;
}
