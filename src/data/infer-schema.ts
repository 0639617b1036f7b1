/**
 * Schema inference: a {@link ModelSchema} from any labelled CSV, so a model can be trained on data
 * that is not bank-marketing. The rules, which the report repeats per column:
 *
 * - Missing: an empty cell (after trimming) is a missing value; nothing else is ("NA" is a word).
 * - Numeric or categorical: a column is numeric when every non-empty cell is a plain decimal number
 *   (`12`, `-0.5`, `1e3`; not `0x1f`, `Infinity` or `1,5`), and integer when all of them are whole;
 *   any other column is categorical, its categories the distinct values sorted by code unit. A
 *   categorical column with more than `maxCategories` (default 200) distinct values is refused: it
 *   is an identifier or free text, to be dropped or binned into fewer values first.
 * - Ranges: the observed [min, max] widened by half the span on each side (by half the value's
 *   magnitude, at least 1, when the column is constant), so live values a little outside what the
 *   data showed are accepted while a unit mistake (cents for euros) is still refused. The widened
 *   ends are rounded outward to two significant digits of the margin (to whole numbers for integer
 *   columns), and a column with no negative value never gets a negative minimum.
 * - Defaults: the median (the lower middle value for integer columns, so it is a whole number) of
 *   a numeric column, the most common value of a categorical one (ties: the first in sort order).
 * - Required: a column with no missing value in the data is required in a request; one with gaps
 *   is optional, its default filling in.
 * - Target and task: the target must have no empty cell and at least two distinct values. When no
 *   task is given: a numeric target with more than 20 distinct values is `regression`, one with
 *   exactly 2 is `binary`, any other with up to 50 distinct values is `multiclass`. Classes are
 *   sorted (numerically when every class is a number; numeric class names are written in their
 *   shortest form, so `1.0` and `1` are one class `1`). The positive class of a binary target is
 *   the `positive` option when given; else the one value that reads as yes (`yes`, `y`, `true`,
 *   `t`, `1`, `positive`, `pos`, any case); else the minority class (on a tie, the later in sort
 *   order). Binary classes are `[negative, positive]`.
 * - Bank-marketing: a file whose header is exactly the 16 bank-marketing columns and `y`, with
 *   target `y` holding `no` and `yes`, gets the curated {@link BANK_SCHEMA} (aliases, documented
 *   ranges), minus any dropped column, so training on the default data set is unchanged.
 */
import { basename } from 'node:path';
import { SchemaInferenceError } from '../errors.js';
import { NUMBER_PATTERN } from './csv.js';
import { isBankHeader, readCsvTable, type CsvTable } from './csv-table.js';
import { BANK_SCHEMA, type ModelSchema, type Task } from './model-schema.js';
import { TARGET, type CategoricalFeature, type Feature, type NumericFeature } from './schema.js';

/** Options of {@link inferSchema}. */
export interface InferSchemaOptions {
  /** The label column. */
  readonly target: string;
  /** The task; inferred from the target when absent. */
  readonly task?: Task;
  /** Binary only: the target value that is the positive class. */
  readonly positive?: string;
  /** Columns left out of the schema (identifiers, free text, leaks). */
  readonly drop?: readonly string[];
  /** Most distinct values a categorical column may have (default 200, at most 254). */
  readonly maxCategories?: number;
  /**
   * Columns read as categorical whatever their content: a model trained elsewhere that splits a
   * column of whole numbers by category (pandas `category` dtype) reads it as codes, not values.
   */
  readonly categorical?: readonly string[];
  /**
   * Binary, without `positive`: `label-one` takes the second class in sorted order — how
   * scikit-learn's LabelEncoder numbers two classes, so the class an imported model's probability
   * is of — instead of the yes-word-or-minority rule for training here.
   */
  readonly positiveRule?: 'label-one';
}

/** Default for {@link InferSchemaOptions.maxCategories}. */
export const DEFAULT_MAX_CATEGORIES = 200;
/** Most categories a feature can have at all: the trees encode categories as byte-sized bins, one kept for "missing". */
export const MAX_CATEGORIES_LIMIT = 254;
/** A numeric target with more distinct values than this is a regression target when no task is given. */
export const REGRESSION_MIN_DISTINCT = 20;
/** Most classes a multiclass target may have. */
export const MAX_CLASSES = 50;
/** Target values that name the positive class of a binary target (compared in lower case). */
export const POSITIVE_WORDS: readonly string[] = ['yes', 'y', 'true', 't', '1', 'positive', 'pos'];

/** What inference found in one feature column. */
export interface ColumnReport {
  readonly name: string;
  readonly kind: 'numeric' | 'categorical';
  readonly integer?: boolean;
  /** Distinct non-empty values. */
  readonly distinct: number;
  /** Empty cells. */
  readonly missing: number;
  /** Numeric: the smallest and largest value in the data (the schema's range is wider). */
  readonly observed?: { readonly min: number; readonly max: number };
  /** Things worth a look: a constant column, a likely identifier, words in a nearly numeric column. */
  readonly notes: readonly string[];
}

/** What inference found, to show a user before training. */
export interface SchemaReport {
  readonly file: string;
  /** Hex sha256 of the file's bytes. */
  readonly sha256: string;
  readonly rows: number;
  /** True when the bank-marketing header was recognised and its curated schema used. */
  readonly bank: boolean;
  readonly task: Task;
  /** Why this task: given, or the rule that chose it. */
  readonly taskReason: string;
  readonly target: {
    readonly name: string;
    readonly distinct: number;
    /** Classifiers: rows per class, in class order. */
    readonly classCounts?: Readonly<Record<string, number>>;
    /** Binary: the positive class and the rule that chose it. */
    readonly positive?: string;
    readonly positiveReason?: string;
    /** Regression: the target's observed range and mean. */
    readonly min?: number;
    readonly max?: number;
    readonly mean?: number;
  };
  readonly dropped: readonly string[];
  readonly columns: readonly ColumnReport[];
}

/**
 * Reads a labelled CSV and infers its schema (see the module comment for every rule), with a report
 * of what was found. Throws {@link SchemaInferenceError} naming the problem, or the CSV reader's
 * CsvRowError for a malformed file.
 *
 * @example
 * const { schema, report } = await inferSchema('wine.csv', { target: 'target' });
 * schema.task;    // 'multiclass'
 * schema.classes; // ['class_0', 'class_1', 'class_2']
 */
export async function inferSchema(csvPath: string, options: InferSchemaOptions): Promise<{ schema: ModelSchema; report: SchemaReport }> {
  return inferSchemaFromTable(await readCsvTable(csvPath), options);
}

/**
 * {@link inferSchema} on a table already read (training reads the file once and encodes the same cells).
 *
 * @example const { schema } = inferSchemaFromTable(await readCsvTable(path), { target: 'y' });
 */
export function inferSchemaFromTable(table: CsvTable, options: InferSchemaOptions): { schema: ModelSchema; report: SchemaReport } {
  const maxCategories = options.maxCategories ?? DEFAULT_MAX_CATEGORIES;
  if (!(Number.isInteger(maxCategories) && maxCategories >= 2 && maxCategories <= MAX_CATEGORIES_LIMIT)) {
    throw new SchemaInferenceError(`maxCategories must be an integer in 2..${MAX_CATEGORIES_LIMIT}, got ${maxCategories}`, true);
  }
  const { header, rows } = table;
  const columnList = header.map((h) => JSON.stringify(h)).join(', ');
  const targetIndex = header.indexOf(options.target);
  if (targetIndex < 0) throw new SchemaInferenceError(`target column "${options.target}" is not in the header of ${table.file}; its columns are ${columnList}`, true);
  const drop = [...new Set(options.drop ?? [])];
  for (const name of drop) {
    if (!header.includes(name)) throw new SchemaInferenceError(`cannot drop column "${name}": it is not in the header of ${table.file}; its columns are ${columnList}`, true);
    if (name === options.target) throw new SchemaInferenceError(`cannot drop column "${name}": it is the target`, true);
  }
  if (rows.length === 0) throw new SchemaInferenceError(`${table.file} has a header but no data rows`, false);
  const featureIndices = header.map((_, i) => i).filter((i) => i !== targetIndex && !drop.includes(header[i]));
  if (featureIndices.length === 0) throw new SchemaInferenceError(`no feature columns are left: ${table.file} has only the target${drop.length ? ' and the dropped columns' : ''}`, true);

  const target = inferTarget(table, targetIndex, options);
  const base = { file: table.file, sha256: table.sha256, rows: rows.length, dropped: drop };
  // The curated schema also fixes the classes (no, yes): a file with the bank header but other labels is inferred like any other.
  const bankClasses = target.task === 'binary' && target.classes[0] === TARGET.negative && target.classes[1] === TARGET.positive;
  if (isBankMarketing(header, options) && bankClasses) {
    const features = BANK_SCHEMA.features.filter((f) => !drop.includes(f.name));
    const schema: ModelSchema = drop.length === 0 ? BANK_SCHEMA : { ...BANK_SCHEMA, features };
    const columns = features.map((f) => describeColumn(table, header.indexOf(f.name)));
    return { schema, report: { ...base, bank: true, ...target.report, columns } };
  }
  const features: Feature[] = [];
  const columns: ColumnReport[] = [];
  for (const index of featureIndices) {
    const { feature, report } = inferFeature(table, index, maxCategories, options.categorical?.includes(header[index]) ?? false);
    features.push(feature);
    columns.push(report);
  }
  const schema: ModelSchema = { features, task: target.task, classes: target.classes, target: { name: options.target } };
  return { schema, report: { ...base, bank: false, ...target.report, columns } };
}

/** The bank-marketing header (any column order), target `y`, and no option that changes the task or classes. */
function isBankMarketing(header: readonly string[], options: InferSchemaOptions): boolean {
  return (
    options.target === TARGET.name &&
    isBankHeader(header) &&
    (options.task === undefined || options.task === 'binary') &&
    (options.positive === undefined || options.positive === TARGET.positive)
  );
}

/** A column's non-empty cells and its count of empty ones. */
function columnValues(table: CsvTable, index: number): { values: string[]; missing: number; firstMissingLine: number | undefined } {
  const values: string[] = [];
  let missing = 0;
  let firstMissingLine: number | undefined;
  table.rows.forEach((row, r) => {
    const cell = row[index];
    if (cell === '') {
      missing++;
      firstMissingLine ??= table.lines[r];
    } else values.push(cell);
  });
  return { values, missing, firstMissingLine };
}

/** A plain decimal number that is finite as a double (`1e400` is not). */
const isNumber = (text: string): boolean => NUMBER_PATTERN.test(text) && Number.isFinite(Number(text));

/** A class name for a target value: numbers in their shortest form, so `1.0` and `1` are one class. */
export function canonicalClass(value: string, numeric: boolean): string {
  return numeric ? String(Number(value) + 0) : value;
}

/** The task, classes and the target's part of the report. */
function inferTarget(table: CsvTable, index: number, options: InferSchemaOptions): { task: Task; classes: string[]; report: Pick<SchemaReport, 'task' | 'taskReason' | 'target'> } {
  const name = options.target;
  const { values, missing, firstMissingLine } = columnValues(table, index);
  if (missing > 0) {
    throw new SchemaInferenceError(`target column "${name}" has ${missing} empty cell${missing === 1 ? '' : 's'} (the first on line ${firstMissingLine}); a row without a label cannot be trained on: remove those rows or fill them`, false);
  }
  const numeric = values.every(isNumber);
  const counts = new Map<string, number>();
  for (const v of values) {
    const c = canonicalClass(v, numeric);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  const distinct = counts.size;
  if (distinct < 2) throw new SchemaInferenceError(`target column "${name}" is constant (every row is ${JSON.stringify(values[0])}); there is nothing to learn`, false);
  let task: Task;
  let taskReason: string;
  if (options.task) {
    task = options.task;
    taskReason = 'given';
  } else if (numeric && distinct > REGRESSION_MIN_DISTINCT) {
    task = 'regression';
    taskReason = `numeric target with ${distinct} distinct values (more than ${REGRESSION_MIN_DISTINCT})`;
  } else if (distinct === 2) {
    task = 'binary';
    taskReason = 'two distinct target values';
  } else {
    task = 'multiclass';
    taskReason = `${distinct} distinct ${numeric ? 'numeric ' : ''}target values`;
  }
  if (task === 'regression') {
    const bad = values.findIndex((v) => !isNumber(v));
    if (bad >= 0) throw new SchemaInferenceError(`target column "${name}" holds ${JSON.stringify(values[bad])} (line ${table.lines[bad]}), not a number; a regression target must be numeric`, true);
    const { min, max } = extent(values.map(Number));
    const mean = values.reduce((s, v) => s + Number(v), 0) / values.length;
    return { task, classes: [], report: { task, taskReason, target: { name, distinct, min, max, mean } } };
  }
  const classes = [...counts.keys()].sort(numeric ? (a, b) => Number(a) - Number(b) : compareText);
  if (task === 'binary' && distinct !== 2) {
    throw new SchemaInferenceError(`target column "${name}" has ${distinct} distinct values (${listSome(classes)}); a binary target needs exactly 2`, true);
  }
  if (task === 'multiclass' && distinct > MAX_CLASSES) {
    const hint = numeric ? '; if it is a quantity, use --task regression' : '';
    throw new SchemaInferenceError(`target column "${name}" has ${distinct} distinct values, more than the ${MAX_CLASSES} classes a multiclass target may have${hint}`, options.task !== undefined);
  }
  const classCounts = Object.fromEntries(classes.map((c) => [c, counts.get(c) as number]));
  if (task === 'multiclass') return { task, classes, report: { task, taskReason, target: { name, distinct, classCounts } } };
  const { positive, reason } = pickPositive(classes, counts, options, numeric);
  const ordered = positive === classes[1] ? classes : [classes[1], classes[0]];
  return { task, classes: ordered, report: { task, taskReason, target: { name, distinct, classCounts, positive, positiveReason: reason } } };
}

/** The positive class of a binary target (see the module comment for the rule). */
function pickPositive(classes: readonly string[], counts: ReadonlyMap<string, number>, options: InferSchemaOptions, numeric: boolean): { positive: string; reason: string } {
  const { positive: given, target: name } = options;
  if (given !== undefined) {
    const wanted = numeric && isNumber(given.trim()) ? canonicalClass(given.trim(), true) : given;
    if (!classes.includes(wanted)) throw new SchemaInferenceError(`positive class ${JSON.stringify(given)} is not a value of target column "${name}"; its values are ${listSome(classes)}`, true);
    return { positive: wanted, reason: 'given' };
  }
  if (options.positiveRule === 'label-one') return { positive: classes[1], reason: 'the second class in sorted order: label 1 of a model trained elsewhere' };
  const yes = classes.filter((c) => POSITIVE_WORDS.includes(c.toLowerCase()));
  if (yes.length === 1) return { positive: yes[0], reason: `${JSON.stringify(yes[0])} reads as yes` };
  const [a, b] = classes;
  const positive = (counts.get(a) as number) < (counts.get(b) as number) ? a : b;
  return { positive, reason: `the minority class (${counts.get(positive)} of ${(counts.get(a) as number) + (counts.get(b) as number)} rows)` };
}

/** Code-unit order: the same on every machine, whatever its locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Up to eight values, quoted, then how many more. */
function listSome(values: readonly string[]): string {
  const shown = values.slice(0, 8).map((v) => JSON.stringify(v)).join(', ');
  return values.length > 8 ? `${shown} and ${values.length - 8} more` : shown;
}

/** A feature column's schema entry and report. */
function inferFeature(table: CsvTable, index: number, maxCategories: number, categorical: boolean): { feature: Feature; report: ColumnReport } {
  const name = table.header[index];
  const { values, missing } = columnValues(table, index);
  if (values.length === 0) throw new SchemaInferenceError(`column "${name}" is empty in every row; --drop it`, false);
  const required = missing === 0;
  const description = `Inferred from ${basename(table.file)}`;
  const notes: string[] = [];
  const words = values.filter((v) => !isNumber(v));
  if (words.length === 0 && !categorical) {
    const numbers = values.map((v) => Number(v) + 0);
    const integer = numbers.every(Number.isInteger);
    const sorted = Float64Array.from(numbers).sort();
    const min = sorted[0];
    const max = sorted[sorted.length - 1];
    const distinct = countDistinct(sorted);
    const range = widenRange(min, max, integer);
    const mid = (sorted.length - 1) / 2;
    // The mean of the two middle values, to 15 significant digits: 1.865, not 1.8650000000000002.
    const median = integer ? sorted[Math.floor(mid)] : Number(((sorted[Math.floor(mid)] + sorted[Math.ceil(mid)]) / 2).toPrecision(15));
    if (distinct === 1) notes.push('constant in the data: it cannot help the model');
    if (integer && distinct === table.rows.length && distinct > REGRESSION_MIN_DISTINCT) notes.push('every row has its own whole number: an identifier? --drop it');
    const feature: NumericFeature = {
      name,
      kind: 'numeric',
      integer,
      min: range.min,
      max: range.max,
      default: median,
      required,
      description: `${description}: ${integer ? 'integer' : 'number'}, ${min}..${max} in the data.`,
    };
    return { feature, report: { name, kind: 'numeric', integer, distinct, missing, observed: { min, max }, notes } };
  }
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  // Numbers read as categories (only when asked to) sort as numbers, the order pandas gives them.
  const categories = [...counts.keys()].sort(words.length === 0 ? (a, b) => Number(a) - Number(b) : compareText);
  if (categories.length > maxCategories) {
    throw new SchemaInferenceError(
      `column "${name}" has ${categories.length} distinct values, more than the ${maxCategories} a categorical column may have (${listSome(categories)}): it looks like an identifier or free text; --drop it, or pre-bin it into fewer categories`,
      false,
    );
  }
  const distinctWords = [...new Set(words)];
  if (words.length === 0) notes.push('numbers read as categories: the model splits this column by category');
  else if (words.length < values.length && distinctWords.length <= 3) {
    notes.push(`numeric but for ${listSome(distinctWords)} (${words.length} rows), so it is categorical; if those mean "missing", empty those cells`);
  }
  if (categories.length === 1) notes.push('constant in the data: it cannot help the model');
  let mode = categories[0];
  for (const c of categories) if ((counts.get(c) as number) > (counts.get(mode) as number)) mode = c;
  const feature: CategoricalFeature = { name, kind: 'categorical', categories, default: mode, required, description: `${description}: ${categories.length} categories.` };
  return { feature, report: { name, kind: 'categorical', distinct: categories.length, missing, notes } };
}

function countDistinct(sorted: Float64Array): number {
  let distinct = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct++;
  return distinct;
}

/**
 * The schema's range for observed [min, max]: widened by half the span each side (half the
 * magnitude, at least 1, for a constant column), rounded outward to two significant digits of that
 * margin (whole numbers for integer columns), never below 0 when the data has no negative value.
 *
 * @example widenRange(18, 95, true) // { min: 0, max: 134 }
 */
export function widenRange(min: number, max: number, integer: boolean): { min: number; max: number } {
  const margin = max > min ? (max - min) / 2 : Math.max(Math.abs(min) / 2, 1);
  let step = 10 ** (Math.floor(Math.log10(margin)) - 1);
  if (integer) step = Math.max(1, Math.round(step));
  // toPrecision strips the float noise of `k * step` (0.30000000000000004); the clamps keep the
  // range around the data whatever that rounding did.
  const clean = (v: number): number => Number(v.toPrecision(12)) + 0;
  let low = Math.min(clean(Math.floor((min - margin) / step) * step), min);
  const high = Math.max(clean(Math.ceil((max + margin) / step) * step), max);
  if (min >= 0 && low < 0) low = 0;
  return { min: low, max: high };
}

/** The report of a column whose schema entry is curated (bank-marketing): what the data holds. */
function describeColumn(table: CsvTable, index: number): ColumnReport {
  const name = table.header[index];
  const { values, missing } = columnValues(table, index);
  const numeric = values.length > 0 && values.every(isNumber);
  const distinct = new Set(values).size;
  if (!numeric) return { name, kind: 'categorical', distinct, missing, notes: [] };
  const numbers = values.map(Number);
  return { name, kind: 'numeric', integer: numbers.every(Number.isInteger), distinct, missing, observed: extent(numbers), notes: [] };
}

/** Smallest and largest of many numbers (a spread `Math.min(...)` overflows the stack on big columns). */
function extent(numbers: readonly number[]): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const v of numbers) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}
