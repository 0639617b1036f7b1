/**
 * Building a reference profile (`modelwatch profile`): what a gateway needs to watch a model it
 * cannot see inside, from data the model was checked on.
 *
 * - The schema is inferred from the data exactly as `modelwatch train` and `modelwatch schema infer`
 *   infer it (same options, same defaults), or given.
 * - The feature baseline bins the reference rows by that schema, as a trained or imported version's
 *   baseline bins its rows (trainingBaseline); the label class shares come from the target column.
 * - The model's outputs on those rows come from a predictions column of the data, or from the model
 *   server itself (scoreThroughUpstream); read as the native model's output vector (modelOutputs),
 *   they give the prediction baseline and, against the labels, the model's quality on the reference.
 * - A text model's features are derived from its text column (text-features.ts).
 *
 * The version is a hash of the content (without the time it was made or the data file's path), so
 * the same data and predictions always give the same version.
 */
import { createHash } from 'node:crypto';
import { basename, extname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { NUMBER_PATTERN } from '../../data/csv.js';
import { readCsvTable, rowsOf, type CsvTable } from '../../data/csv-table.js';
import { inferSchemaFromTable, type SchemaReport } from '../../data/infer-schema.js';
import type { ModelSchema, Task } from '../../data/model-schema.js';
import type { Row } from '../../data/schema.js';
import { ProfileError, SchemaInferenceError } from '../../errors.js';
import { holdoutOf } from '../../model/artifact.js';
import { encodeLabels } from '../../model/train-any.js';
import { DECISION_THRESHOLD, taskEvidence, trainingBaseline } from '../../model/train-any-artifact.js';
import type { ExtractionContext, Mapping, ObservedOutput, RawRow } from '../mapping/types.js';
import { TEXT_FEATURES } from '../mapping/types.js';
import { modelOutputs, OutputReadError } from './model-outputs.js';
import { scoreThroughUpstream } from './score-upstream.js';
import { textFeatures } from '../mapping/text-features.js';
import { PROFILE_FORMAT, type ReferenceProfile } from './types.js';

/** Where the model's outputs on the reference rows come from. */
export type PredictionSource =
  | {
      readonly from: 'column';
      /** Class names or indexes (classification), values (regression). */
      readonly column?: string;
      /** Binary: one column, P(positive class); multiclass: one per class, in the schema's class order. */
      readonly probabilityColumns?: readonly string[];
    }
  | {
      readonly from: 'upstream';
      readonly upstream: string;
      readonly mapping: Mapping;
      readonly batchSize: number;
      /** Values of the route's path parameters (`--model-name` fills `:name`). */
      readonly params?: Readonly<Record<string, string>>;
      readonly timeoutSeconds: number;
      readonly onProgress?: (scored: number, total: number) => void;
    };

/** What {@link buildProfile} is given (the `profile` command's flags). */
export interface ProfileOptions {
  readonly data: string;
  readonly target: string;
  readonly task?: Task;
  readonly positive?: string;
  /** A schema to use instead of inferring one. */
  readonly schema?: ModelSchema;
  /** Columns to leave out of an inferred schema (prediction columns are left out anyway). */
  readonly drop?: readonly string[];
  /** The model's name; default the data file's stem. */
  readonly name?: string;
  /** Binary: the probability at or above which the positive class is predicted (default 0.5). */
  readonly threshold?: number;
  /** A text model: the column holding the text, and the vocabulary out-of-vocabulary shares are measured against. */
  readonly text?: { readonly column: string; readonly vocabulary?: ReadonlySet<string> };
  readonly predictions: PredictionSource;
  /** Milestone lines (what was read, inferred, scored). */
  readonly say?: (line: string) => void;
  /** The clock (`created_at`). */
  readonly now?: () => Date;
}

/** A built profile and what inference found (undefined when the schema was given). */
export interface BuiltProfile {
  readonly profile: ReferenceProfile;
  readonly report?: SchemaReport;
}

/**
 * Builds a reference profile (see the module comment).
 *
 * @throws ProfileError naming the problem (a column missing, a prediction that is not a class);
 *   ProfileUpstreamError when scoring through the model server fails; SchemaInferenceError and
 *   CsvRowError as `modelwatch train` does.
 * @example const { profile } = await buildProfile({ data: 'ref.csv', target: 'y', predictions: { from: 'column', column: 'predicted' } });
 */
export async function buildProfile(options: ProfileOptions): Promise<BuiltProfile> {
  const say = options.say ?? (() => undefined);
  const threshold = options.threshold ?? DECISION_THRESHOLD;
  const file = await readCsvTable(options.data);
  const predictionColumns = options.predictions.from === 'column' ? [...(options.predictions.column ? [options.predictions.column] : []), ...(options.predictions.probabilityColumns ?? [])] : [];
  for (const column of [options.target, ...predictionColumns, ...(options.text ? [options.text.column] : [])]) requireColumn(file, column);
  const table = options.text ? textTable(file, options.text, [...new Set([options.target, ...predictionColumns])]) : file;
  say(`read ${file.rows.length} rows of ${options.data}${options.text ? ` (features derived from the text column ${options.text.column})` : ''}`);
  const { schema, report } = schemaOf(table, options, predictionColumns);
  say(`schema: ${schema.features.length} features, ${schema.task}${schema.classes.length ? ` [${schema.classes.join(', ')}]` : ''}, target ${schema.target.name}`);
  const rows = featureRows(table, schema);
  const labels = encodeLabels(table, schema);
  const { outputs, origin } = await predictionsOf(options, file, table, schema, rows);
  const evidence = taskEvidence(schema, labels, outputs, threshold);
  const content: Omit<ReferenceProfile, 'version' | 'created_at'> = {
    format: PROFILE_FORMAT,
    name: options.name ?? basename(options.data, extname(options.data)),
    source: { data: options.data, rows: table.rows.length, data_sha256: file.sha256, predictions: origin },
    ...(options.text ? { text: { column: options.text.column, ...(options.text.vocabulary ? { vocabulary: [...options.text.vocabulary].sort() } : {}) } } : {}),
    schema,
    baseline: { ...trainingBaseline(schema, rows, labels), predictions: evidence.predictions },
    threshold,
    // The figures a served version reports (holdoutOf): without log-loss and Brier score.
    reference_quality: holdoutOf({ metrics: { holdout: evidence.holdout } }, schema, options.data),
  };
  const { format, name, ...rest } = content;
  const profile: ReferenceProfile = { format, name, version: profileVersion(content), created_at: (options.now ?? (() => new Date()))().toISOString(), ...rest };
  return { profile, ...(report ? { report } : {}) };
}

/**
 * The version of a profile's content: `profile-` and the first 12 hex digits of the sha256 of its
 * JSON without `version`, `created_at`, the data file's path (the file's hash stands for it) and the
 * features' descriptions (inference writes the file's name into them), so the same data gives the
 * same version wherever it lies and whenever the profile is built.
 *
 * @example profileVersion(profile) // 'profile-3f9a0c1d2e4b'
 */
export function profileVersion(profile: Omit<ReferenceProfile, 'version' | 'created_at'> & { version?: string; created_at?: string }): string {
  const { version: _version, created_at: _created, source, schema, ...content } = profile;
  const { data: _path, ...sourceContent } = source;
  const features = schema.features.map(({ description: _description, ...feature }) => feature);
  return `profile-${createHash('sha256').update(JSON.stringify({ ...content, schema: { ...schema, features }, source: sourceContent })).digest('hex').slice(0, 12)}`;
}

function requireColumn(table: CsvTable, column: string): void {
  if (!table.header.includes(column)) throw new ProfileError(`${table.file} has no column "${column}" (its columns: ${table.header.join(', ')})`);
}

/**
 * The table a text model's schema is inferred from: the derived features of each text, then the
 * target and prediction columns as they are.
 */
function textTable(file: CsvTable, text: NonNullable<ProfileOptions['text']>, keep: readonly string[]): CsvTable {
  const names = TEXT_FEATURES.filter((f) => f !== 'oov_share' || text.vocabulary !== undefined);
  const at = file.header.indexOf(text.column);
  const kept = keep.map((c) => file.header.indexOf(c));
  const rows = file.rows.map((record) => {
    const features = textFeatures(record[at], text.vocabulary);
    return [...names.map((n) => String(features[n])), ...kept.map((i) => record[i])];
  });
  return { ...file, header: [...names, ...keep], rows };
}

/** The schema given (checked against the target) or inferred as `modelwatch train` infers it. */
function schemaOf(table: CsvTable, options: ProfileOptions, predictionColumns: readonly string[]): { schema: ModelSchema; report?: SchemaReport } {
  if (options.schema) {
    if (options.schema.target.name !== options.target) throw new SchemaInferenceError(`the schema's target is "${options.schema.target.name}" but the target asked for is "${options.target}"`, true);
    for (const feature of options.schema.features) {
      if (!table.header.includes(feature.name)) throw new ProfileError(`the schema's feature "${feature.name}" is not a column of ${options.text ? `the features derived from text (${table.header.join(', ')})` : table.file}`);
    }
    return { schema: options.schema };
  }
  const drop = [...(options.drop ?? []), ...predictionColumns.filter((c) => c !== options.target && !options.drop?.includes(c))];
  return inferSchemaFromTable(table, { target: options.target, task: options.task, positive: options.positive, drop });
}

/** The reference rows by the schema (a numeric cell that is not a number is refused with its line). */
function featureRows(table: CsvTable, schema: ModelSchema): Row[] {
  try {
    return rowsOf(table, schema.features);
  } catch (error) {
    throw new ProfileError((error as Error).message);
  }
}

/** The model's outputs on the reference rows, and a line saying where they came from. */
async function predictionsOf(options: ProfileOptions, file: CsvTable, table: CsvTable, schema: ModelSchema, rows: readonly Row[]): Promise<{ outputs: Float64Array; origin: string }> {
  const source = options.predictions;
  const say = options.say ?? (() => undefined);
  if (source.from === 'column') {
    const observed = columnOutputs(table, schema, source);
    const origin = [source.column ? `column ${source.column}` : '', source.probabilityColumns?.length ? `probability column${source.probabilityColumns.length > 1 ? 's' : ''} ${source.probabilityColumns.join(', ')}` : ''].filter(Boolean).join(', ');
    return { outputs: readOutputs(schema, observed, schema.classes, table), origin };
  }
  const requestRows: RawRow[] = options.text ? file.rows.map((record) => ({ text: record[file.header.indexOf(options.text!.column)] })) : rows.map((row) => rawRow(row, schema));
  const serverClasses = source.mapping.classes ?? schema.classes;
  const context: ExtractionContext = { featureNames: schema.features.map((f) => f.name), classes: serverClasses, task: schema.task, ...(options.text?.vocabulary ? { vocabulary: options.text.vocabulary } : {}) };
  say(`scoring ${requestRows.length} reference rows through ${source.upstream.replace(/\/+$/, '')} (mapping ${source.mapping.name}, ${source.batchSize} rows per request)`);
  const started = performance.now();
  const { outputs, route } = await scoreThroughUpstream(requestRows, schema, context, source);
  say(`scored ${outputs.length} / ${requestRows.length} rows through POST ${route.endpoint} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { outputs: readOutputs(schema, outputs, serverClasses, table), origin: `upstream ${source.upstream.replace(/\/+$/, '')} (preset ${source.mapping.name}, POST ${route.endpoint})` };
}

/** A reference row as a request carries it: numbers and category names, missing values left out. */
function rawRow(row: Row, schema: ModelSchema): RawRow {
  const raw: RawRow = {};
  for (const feature of schema.features) {
    const value = row[feature.name];
    if (value === '' || (typeof value === 'number' && Number.isNaN(value))) continue;
    raw[feature.name] = value;
  }
  return raw;
}

/** The predictions and probability columns of each row, as a server's answer would say them. */
function columnOutputs(table: CsvTable, schema: ModelSchema, source: Extract<PredictionSource, { from: 'column' }>): ObservedOutput[] {
  const at = source.column ? table.header.indexOf(source.column) : -1;
  const probabilityAt = (source.probabilityColumns ?? []).map((c) => table.header.indexOf(c));
  if (schema.task === 'binary' && probabilityAt.length > 1) throw new ProfileError(`a binary model has one probability column (of the positive class ${schema.classes[1]}), got ${probabilityAt.length}`);
  if (schema.task === 'multiclass' && probabilityAt.length > 0 && probabilityAt.length !== schema.classes.length) {
    throw new ProfileError(`a multiclass model needs one probability column per class, in class order (${schema.classes.join(', ')}), got ${probabilityAt.length}`);
  }
  if (schema.task === 'regression' && probabilityAt.length > 0) throw new ProfileError('a regression model has no probabilities; give its values with --predictions-column');
  return table.rows.map((record, r) => {
    const number = (cell: string, column: string): number => {
      if (!NUMBER_PATTERN.test(cell)) throw new ProfileError(`${table.file} line ${table.lines[r]}: column "${column}" holds ${JSON.stringify(cell.slice(0, 40))}, not a number`);
      return Number(cell);
    };
    const output: { label?: string; value?: number; probability?: number; probabilities?: number[] } = {};
    if (at >= 0 && schema.task === 'regression') output.value = number(record[at], source.column!);
    else if (at >= 0) output.label = record[at];
    if (schema.task === 'binary' && probabilityAt.length === 1) output.probability = number(record[probabilityAt[0]], source.probabilityColumns![0]);
    if (schema.task === 'multiclass' && probabilityAt.length > 0) output.probabilities = probabilityAt.map((i, k) => number(record[i], source.probabilityColumns![k]));
    return output;
  });
}

/** {@link modelOutputs}, its errors named by the data file's line. */
function readOutputs(schema: ModelSchema, outputs: readonly ObservedOutput[], serverClasses: readonly string[], table: CsvTable): Float64Array {
  try {
    return modelOutputs(schema, outputs, serverClasses);
  } catch (error) {
    if (!(error instanceof OutputReadError)) throw error;
    throw new ProfileError(error.row < 0 ? error.problem : `${table.file} line ${table.lines[error.row]}: ${error.problem}`);
  }
}
