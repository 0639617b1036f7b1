/**
 * Streaming loader and writer for labelled bank-marketing CSV.
 *
 * Two published layouts exist: UCI's original `bank-full.csv` (`;`-separated, strings in double
 * quotes) and the plain comma-separated copy the project keeps under `../shared/data`. Both are read
 * by one path: the delimiter is taken from the header line, csv-parse does the tokenising, and every
 * value is checked against the schema so that nothing downstream (training, the load generator, the
 * drift reports) ever sees an unvalidated row.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { Readable, pipeline } from 'node:stream';
import { pipeline as pipelineAsync } from 'node:stream/promises';
import { CsvError, parse } from 'csv-parse';
import {
  FEATURES,
  TARGET,
  canonicalCategory,
  featureByName,
  type CategoricalFeature,
  type Feature,
  type LabelledRow,
  type NumericFeature,
  type Row,
} from './schema.js';

/** The two layouts: UCI's original (`;` with quoted strings) and the plain comma-separated copy. */
export type CsvFormat = 'semicolon-quoted' | 'comma';

/** Result of parsing one value: the typed value, or why it was rejected. */
export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/** Options for {@link readLabelledRows}. */
export interface ReadOptions {
  /** Stop after this many data rows (the header is always validated). */
  readonly limit?: number;
}

/** What {@link loadLabelledCsv} returns. */
export interface LoadedCsv {
  readonly rows: LabelledRow[];
  /** Hex sha256 of the file's bytes, so a model can record exactly which data it was trained on. */
  readonly sha256: string;
  readonly format: CsvFormat;
}

/**
 * A header or row that does not match the schema. `line` is the 1-based physical line in the file
 * (for a quoted value spanning lines, the line the record ends on); `column` is the offending
 * column's name, or `undefined` when the problem is the row as a whole (field count, empty file).
 *
 * @example
 * try {
 *   await loadLabelledCsv('bank.csv');
 * } catch (err) {
 *   if (err instanceof CsvRowError) console.error(err.line, err.column, err.reason);
 * }
 */
export class CsvRowError extends Error {
  override readonly name = 'CsvRowError';

  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: string | undefined,
    readonly reason: string,
  ) {
    super(`${file} line ${line}${column === undefined ? '' : `, column "${column}"`}: ${reason}`);
  }
}

/** All 17 header names the file must have: the 16 features and the target. */
const REQUIRED_COLUMNS: readonly string[] = [...FEATURES.map((f) => f.name), TARGET.name];

/** Plain decimal numbers only: `Number()` alone would also accept "", "0x1f" and "Infinity". */
export const NUMBER_PATTERN = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A header that has not shown a line break by then is not a CSV header. */
const MAX_HEADER_BYTES = 1 << 20;

/**
 * Why a raw value was rejected, as a bounded code: the data validation step counts problems by kind
 * (a wrong type and an out-of-range value are different rules there), which a reason text cannot
 * be matched on reliably.
 */
export type ValueProblem = 'not_a_number' | 'not_an_integer' | 'out_of_range' | 'unknown_category';

/** {@link ParseResult} whose failure also carries the {@link ValueProblem}. */
export type CheckResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: ValueProblem; readonly reason: string };

/**
 * Parses and validates one raw CSV value for a feature: numbers must be plain decimals inside the
 * schema's range (and whole for integer columns), categories must be allowed values or aliases,
 * which are resolved to the canonical spelling. Surrounding whitespace is ignored.
 *
 * @example
 * parseFeatureValue('job', 'admin'); // { ok: true, value: 'admin.' }
 * parseFeatureValue('age', '1.5');   // { ok: false, reason: 'expected an integer in 18..100, got "1.5" (not a whole number)' }
 */
export function parseFeatureValue(feature: Feature | string, raw: string): ParseResult<number | string> {
  const result = checkFeatureValue(feature, raw);
  return result.ok ? result : { ok: false, reason: result.reason };
}

/**
 * {@link parseFeatureValue} that also says which kind of problem a rejected value has.
 *
 * @example
 * checkFeatureValue('age', '150'); // { ok: false, problem: 'out_of_range', reason: 'expected an integer in 18..100, got "150" (out of range)' }
 */
export function checkFeatureValue(feature: Feature | string, raw: string): CheckResult<number | string> {
  const f = typeof feature === 'string' ? featureByName(feature) : feature;
  return f.kind === 'numeric' ? parseNumeric(f, raw) : parseCategory(f, raw);
}

/**
 * Parses the target column: "yes" is 1, "no" is 0.
 *
 * @example
 * parseTargetValue('yes'); // { ok: true, value: 1 }
 */
export function parseTargetValue(raw: string): ParseResult<0 | 1> {
  const text = raw.trim();
  if (text === TARGET.positive) return { ok: true, value: 1 };
  if (text === TARGET.negative) return { ok: true, value: 0 };
  return { ok: false, reason: `expected "${TARGET.positive}" or "${TARGET.negative}", got ${JSON.stringify(raw)}` };
}

function parseNumeric(f: NumericFeature, raw: string): CheckResult<number> {
  const text = raw.trim();
  const expected = `expected ${f.integer ? 'an integer' : 'a number'} in ${f.min}..${f.max}, got ${JSON.stringify(raw)}`;
  if (!NUMBER_PATTERN.test(text)) return { ok: false, problem: 'not_a_number', reason: expected };
  // `+ 0` turns -0 into 0 so "-0" and "0" produce identical rows.
  const value = Number(text) + 0;
  if (f.integer && !Number.isInteger(value)) return { ok: false, problem: 'not_an_integer', reason: `${expected} (not a whole number)` };
  if (value < f.min || value > f.max) return { ok: false, problem: 'out_of_range', reason: `${expected} (out of range)` };
  return { ok: true, value };
}

function parseCategory(f: CategoricalFeature, raw: string): CheckResult<string> {
  const value = canonicalCategory(f, raw.trim());
  if (value !== undefined) return { ok: true, value };
  const allowed = f.categories.map((c) => JSON.stringify(c)).join(', ');
  return { ok: false, problem: 'unknown_category', reason: `expected one of ${allowed}, got ${JSON.stringify(raw)}` };
}

/**
 * Tells the two layouts apart from the header line: whichever of `;` and `,` it uses more.
 *
 * @example
 * detectCsvFormat('"age";"job";"marital"'); // 'semicolon-quoted'
 * detectCsvFormat('age,job,marital');       // 'comma'
 */
export function detectCsvFormat(headerLine: string): CsvFormat {
  const count = (ch: string): number => headerLine.split(ch).length - 1;
  return count(';') > count(',') ? 'semicolon-quoted' : 'comma';
}

/** Where each required column sits in the file's rows; the file's column order is free. */
interface ColumnMap {
  readonly width: number;
  readonly features: readonly number[];
  readonly target: number;
}

function mapHeader(names: readonly string[], file: string, line: number): ColumnMap {
  const trimmed = names.map((n) => n.trim());
  const seen = new Set<string>();
  for (const name of trimmed) {
    if (seen.has(name)) throw new CsvRowError(file, line, name, `header names column "${name}" twice`);
    seen.add(name);
  }
  const missing = REQUIRED_COLUMNS.filter((n) => !seen.has(n));
  const extra = trimmed.filter((n) => !REQUIRED_COLUMNS.includes(n));
  if (missing.length > 0 || extra.length > 0) {
    const quote = (list: string[]): string => list.map((n) => JSON.stringify(n)).join(', ');
    const parts = [
      ...(missing.length > 0 ? [`missing column(s) ${quote(missing)}`] : []),
      ...(extra.length > 0 ? [`unexpected column(s) ${quote(extra)}`] : []),
    ];
    throw new CsvRowError(file, line, missing[0] ?? extra[0], `header has ${parts.join('; ')}`);
  }
  return {
    width: trimmed.length,
    features: FEATURES.map((f) => trimmed.indexOf(f.name)),
    target: trimmed.indexOf(TARGET.name),
  };
}

function toLabelledRow(record: readonly string[], columns: ColumnMap, file: string, line: number): LabelledRow {
  if (record.length !== columns.width) {
    throw new CsvRowError(file, line, undefined, `expected ${columns.width} fields as in the header, got ${record.length}`);
  }
  // Keys are set in schema order whatever the file's order, so both layouts give identical rows.
  const features: Row = {};
  for (let i = 0; i < FEATURES.length; i++) {
    const feature = FEATURES[i];
    const result = parseFeatureValue(feature, record[columns.features[i]]);
    if (!result.ok) throw new CsvRowError(file, line, feature.name, result.reason);
    features[feature.name] = result.value;
  }
  const y = parseTargetValue(record[columns.target]);
  if (!y.ok) throw new CsvRowError(file, line, TARGET.name, y.reason);
  return { features, y: y.value };
}

/** Mutable facts a scan learns on the way: the layout (after the header), the running hash, the end. */
interface ScanState {
  format: CsvFormat | undefined;
  readonly hash: Hash;
  done: boolean;
}

const newScanState = (): ScanState => ({ format: undefined, hash: createHash('sha256'), done: false });

/**
 * Pulls chunks until the first non-blank line is complete, because csv-parse needs its delimiter
 * before it sees any byte. The chunks are kept and replayed into the parser, so the file is still
 * read exactly once.
 */
async function readHead(chunks: AsyncIterator<Buffer>, hash: Hash): Promise<{ head: Buffer[]; headerLine: string | undefined }> {
  const head: Buffer[] = [];
  let size = 0;
  for (;;) {
    const next = await chunks.next();
    if (!next.done) {
      hash.update(next.value);
      head.push(next.value);
      size += next.value.length;
    }
    const text = Buffer.concat(head).toString('utf8').replace(/^\uFEFF/, '');
    const match = /^\s*?([^\r\n]*\S[^\r\n]*)(\r|\n)/.exec(text);
    if (match) return { head, headerLine: match[1] };
    if (next.done) return { head, headerLine: text.trim() === '' ? undefined : text.trim() };
    if (size > MAX_HEADER_BYTES) return { head, headerLine: text };
  }
}

async function* replay(head: Buffer[], rest: AsyncIterator<Buffer>, hash: Hash): AsyncGenerator<Buffer> {
  yield* head;
  for (let next = await rest.next(); !next.done; next = await rest.next()) {
    hash.update(next.value);
    yield next.value;
  }
}

/** csv-parse's own syntax errors (an unclosed quote, say) get the same file/line shape as ours. */
function wrapParseError(err: unknown, file: string): unknown {
  if (err instanceof CsvError) {
    const line = typeof err.lines === 'number' ? err.lines : 0;
    return new CsvRowError(file, line, undefined, `malformed CSV: ${err.message}`);
  }
  return err;
}

/** One CSV record as the tokeniser gave it (strings, unvalidated), with its 1-based line number. */
export interface CsvRecord {
  readonly fields: readonly string[];
  /** The physical line the record ends on (a quoted value may span lines). */
  readonly line: number;
}

async function* scanRecords(path: string, state: ScanState): AsyncGenerator<CsvRecord> {
  const file = createReadStream(path);
  try {
    const chunks = file[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const { head, headerLine } = await readHead(chunks, state.hash);
    if (headerLine === undefined) {
      throw new CsvRowError(path, 1, undefined, `file is empty; expected a header naming ${REQUIRED_COLUMNS.join(', ')}`);
    }
    state.format = detectCsvFormat(headerLine);
    const parser = parse({
      delimiter: state.format === 'comma' ? ',' : ';',
      quote: '"',
      bom: true,
      info: true,
      // Field counts and blank lines are checked by the consumer, to report them with the file's line number.
      relax_column_count: true,
      skip_empty_lines: true,
    });
    // Errors from either side surface through the `for await` below, so the callback ignores them.
    pipeline(Readable.from(replay(head, chunks, state.hash)), parser, () => undefined);
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      yield { fields: record, line: info.lines };
    }
    state.done = true;
  } catch (err) {
    throw wrapParseError(err, path);
  } finally {
    file.destroy();
  }
}

/** What {@link scanCsvRecords} returns. */
export interface CsvRecordScan {
  /**
   * Every record, the header first, none validated against the schema. Throws {@link CsvRowError}
   * for an empty file or malformed CSV (an unclosed quote), which ends the scan.
   */
  readonly records: AsyncIterable<CsvRecord>;
  /** The layout, known once the first record has been read. */
  format(): CsvFormat | undefined;
  /** Hex sha256 of the file's bytes, once `records` has been read to the end; undefined before. */
  sha256(): string | undefined;
}

/**
 * The tokeniser under {@link readLabelledRows}, for callers that must see every record however bad
 * (the data validation step counts all problems instead of stopping at the first). Both layouts are
 * read the same way as by the loader, and the file's bytes are hashed on the way.
 *
 * @example
 * const scan = scanCsvRecords('bank-full.csv');
 * for await (const { fields, line } of scan.records) console.log(line, fields.length);
 * scan.sha256(); // 'b44507c2…'
 */
export function scanCsvRecords(path: string): CsvRecordScan {
  const state = newScanState();
  let digest: string | undefined;
  return {
    records: scanRecords(path, state),
    format: () => state.format,
    sha256: () => (state.done ? (digest ??= state.hash.digest('hex')) : undefined),
  };
}

async function* scanLabelledRows(path: string, state: ScanState, limit: number | undefined): AsyncGenerator<LabelledRow> {
  let columns: ColumnMap | undefined;
  let count = 0;
  for await (const { fields, line } of scanRecords(path, state)) {
    if (columns === undefined) {
      columns = mapHeader(fields, path, line);
      continue;
    }
    if (limit !== undefined && count >= limit) return;
    yield toLabelledRow(fields, columns, path, line);
    count++;
  }
}

/**
 * Streams validated rows from a labelled bank-marketing CSV in either layout, one at a time, so a
 * replay or a training run never needs the whole file in memory. Throws {@link CsvRowError} at the
 * first header or row that does not match the schema.
 *
 * @example
 * for await (const row of readLabelledRows('bank-full.csv', { limit: 100 })) {
 *   console.log(row.features.age, row.y);
 * }
 */
export function readLabelledRows(path: string, opts: ReadOptions = {}): AsyncIterable<LabelledRow> {
  if (opts.limit !== undefined && !(Number.isInteger(opts.limit) && opts.limit >= 0)) {
    throw new RangeError(`limit must be a non-negative integer, got ${opts.limit}`);
  }
  return scanLabelledRows(path, newScanState(), opts.limit);
}

/**
 * Loads a whole labelled CSV, with the sha256 of its bytes (hashed while streaming) and its layout.
 *
 * @example
 * const { rows, sha256, format } = await loadLabelledCsv('../shared/data/bank-full.csv');
 * // rows.length === 45211, format === 'comma'
 */
export async function loadLabelledCsv(path: string): Promise<LoadedCsv> {
  const state = newScanState();
  const rows: LabelledRow[] = [];
  for await (const row of scanLabelledRows(path, state, undefined)) rows.push(row);
  // A header-only file still sets the format; the assertion only guards against a logic slip.
  if (state.format === undefined) throw new Error(`internal: no format detected for ${path}`);
  return { rows, sha256: state.hash.digest('hex'), format: state.format };
}

/** Quotes a value when it must be (comma layout) or always for strings (UCI's `;` layout). */
function csvField(value: number | string, format: CsvFormat): string {
  if (typeof value === 'number') return String(value);
  const needsQuotes = format === 'semicolon-quoted' || /[",;\r\n]/.test(value);
  return needsQuotes ? `"${value.replaceAll('"', '""')}"` : value;
}

function csvLine(values: readonly (number | string)[], format: CsvFormat): string {
  return values.map((v) => csvField(v, format)).join(format === 'comma' ? ',' : ';') + '\n';
}

/** Rows as text, a few hundred lines per chunk, because one `write` per row is slow. */
async function* csvChunks(rows: Iterable<LabelledRow> | AsyncIterable<LabelledRow>, format: CsvFormat, counter: { rows: number }): AsyncGenerator<string> {
  let chunk = csvLine(REQUIRED_COLUMNS, format);
  for await (const row of rows) {
    const values = FEATURES.map((f) => row.features[f.name]);
    values.push(row.y === 1 ? TARGET.positive : TARGET.negative);
    chunk += csvLine(values, format);
    counter.rows++;
    if (chunk.length >= 64 * 1024) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}

/**
 * Writes labelled rows with a header, in schema column order, in either layout (`'comma'` by
 * default; `'semicolon-quoted'` reproduces UCI's original). Given a path it creates and closes the
 * file; given a stream (say `process.stdout`) it leaves the stream open. Resolves to the row count.
 *
 * @example
 * await writeLabelledCsv('synthetic.csv', generateSynthetic({ rows: 1000, seed: 1 }));
 * await writeLabelledCsv(process.stdout, rows, 'semicolon-quoted');
 */
export async function writeLabelledCsv(
  target: string | NodeJS.WritableStream,
  rows: Iterable<LabelledRow> | AsyncIterable<LabelledRow>,
  format: CsvFormat = 'comma',
): Promise<number> {
  const counter = { rows: 0 };
  const source = Readable.from(csvChunks(rows, format, counter));
  if (typeof target === 'string') {
    await pipelineAsync(source, createWriteStream(target));
  } else {
    await pipelineAsync(source, target, { end: false });
  }
  return counter.rows;
}
