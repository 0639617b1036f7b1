/**
 * Any labelled CSV with a header, read whole as text cells: the reader under schema inference and
 * training on data other than bank-marketing. Tokenising is the bank loader's (csv.ts): the
 * delimiter is whichever of `;` and `,` the header line uses more, double quotes enclose fields
 * (with `""` for a quote), a byte-order mark is ignored, and the file's bytes are hashed on the way.
 * Cells are trimmed; an empty cell is a missing value.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { CsvRowError, detectCsvFormat, scanCsvRecords, type CsvFormat } from './csv.js';
import { canonicalCategory, FEATURE_NAMES, TARGET, type Feature, type Row } from './schema.js';

/** A CSV read whole: its header, its rows as trimmed text cells, layout and hash. */
export interface CsvTable {
  readonly file: string;
  /** Column names, trimmed, in file order (unique, non-empty). */
  readonly header: readonly string[];
  /** One array of trimmed cells per data row, in header order. */
  readonly rows: readonly (readonly string[])[];
  /** The 1-based file line each row ends on, for messages. */
  readonly lines: readonly number[];
  /** `comma` or `semicolon-quoted`: which delimiter the header used. */
  readonly format: CsvFormat;
  /** Hex sha256 of the file's bytes. */
  readonly sha256: string;
}

/**
 * Reads a CSV with a header line. Throws {@link CsvRowError} naming the file, line and problem for
 * an empty file, a header with a blank or repeated name, a row whose field count differs from the
 * header's, or malformed quoting.
 *
 * @example
 * const { header, rows } = await readCsvTable('wine.csv');
 * header[0]; // 'alcohol'
 */
export async function readCsvTable(path: string): Promise<CsvTable> {
  const scan = scanCsvRecords(path);
  let header: string[] | undefined;
  const rows: string[][] = [];
  const lines: number[] = [];
  try {
    for await (const { fields, line } of scan.records) {
      if (header === undefined) {
        header = checkHeader(fields, path, line);
        continue;
      }
      if (fields.length !== header.length) throw new CsvRowError(path, line, undefined, `expected ${header.length} fields as in the header, got ${fields.length}`);
      rows.push(fields.map((f) => f.trim()));
      lines.push(line);
    }
  } catch (error) {
    // The tokeniser's own message for an empty file names the bank-marketing columns.
    if (error instanceof CsvRowError && error.reason.startsWith('file is empty')) throw new CsvRowError(path, 1, undefined, 'file is empty; expected a header line naming the columns');
    throw error;
  }
  const format = scan.format();
  const sha256 = scan.sha256();
  if (header === undefined || format === undefined || sha256 === undefined) throw new CsvRowError(path, 1, undefined, 'file is empty; expected a header line naming the columns');
  return { file: path, header, rows, lines, format, sha256 };
}

function checkHeader(fields: readonly string[], file: string, line: number): string[] {
  const names = fields.map((f) => f.trim());
  const seen = new Set<string>();
  names.forEach((name, i) => {
    if (name === '') throw new CsvRowError(file, line, undefined, `header field ${i + 1} is blank; every column needs a name`);
    if (seen.has(name)) throw new CsvRowError(file, line, name, `header names column "${name}" twice`);
    seen.add(name);
  });
  return names;
}

/**
 * The position of each named column in the table.
 *
 * @throws Error naming the first column the table does not have, and the columns it has.
 */
export function columnIndexes(table: CsvTable, names: readonly string[]): number[] {
  return names.map((name) => {
    const i = table.header.indexOf(name);
    if (i < 0) throw new Error(`${table.file} has no column "${name}" (its columns: ${table.header.join(', ')})`);
    return i;
  });
}

/**
 * The table's records as rows of a schema's features: numbers for numeric columns (an empty cell
 * is NaN, a missing value), category spellings resolved through aliases for categorical ones (an
 * unknown or empty cell stays as written: the encoder reads it as a category the model has not seen).
 *
 * @throws Error naming the column and line of a numeric cell that is not a number.
 * @example rowsOf(table, schema.features)[0].alcohol // 14.23
 */
export function rowsOf(table: CsvTable, features: readonly Feature[]): Row[] {
  const at = columnIndexes(
    table,
    features.map((f) => f.name),
  );
  return table.rows.map((record, r) => {
    const row: Row = {};
    features.forEach((f, j) => {
      const cell = record[at[j]];
      if (f.kind === 'categorical') {
        row[f.name] = canonicalCategory(f, cell) ?? cell;
        return;
      }
      const value = cell === '' ? Number.NaN : Number(cell);
      if (cell !== '' && !Number.isFinite(value)) throw new Error(`${table.file} line ${table.lines[r]}: column "${f.name}" holds "${cell.slice(0, 40)}", not a number`);
      row[f.name] = value;
    });
    return row;
  });
}

/**
 * The column names of a CSV's first line, or undefined when the file cannot be read (whoever reads
 * it next says why). Reads at most 64 KiB: enough for any header, cheap for any file.
 *
 * @example readCsvHeader('bank-full.csv') // ['age', 'job', …, 'y']
 */
export function readCsvHeader(file: string): string[] | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const line = buffer.subarray(0, readSync(fd, buffer)).toString('utf8').replace(/^\uFEFF/, '').split(/\r?\n/)[0];
    const delimiter = detectCsvFormat(line) === 'comma' ? ',' : ';';
    return line.split(delimiter).map((name) => name.trim().replace(/^"(.*)"$/, '$1'));
  } finally {
    closeSync(fd);
  }
}

/**
 * Whether a header is the bank-marketing data's: its 16 columns and `y`, in any order.
 *
 * @example isBankHeader(readCsvHeader('bank-full.csv')) // true
 */
export function isBankHeader(header: readonly string[] | undefined): boolean {
  return header !== undefined && header.length === FEATURE_NAMES.length + 1 && [...FEATURE_NAMES, TARGET.name].every((name) => header.includes(name));
}
