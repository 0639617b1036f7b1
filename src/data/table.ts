/**
 * Any CSV with a header, read whole into columns of strings: the form schema inference, model
 * import and reference profiles start from. Both layouts the bank-marketing loader reads (`,` or
 * `;` with quotes) are accepted through the same tokeniser, and the file's bytes are hashed on the
 * way, so an artifact records exactly which data it was built from.
 */
import { CsvRowError, scanCsvRecords } from './csv.js';
import { canonicalCategory, type Feature, type Row } from './schema.js';

/** A CSV read whole. */
export interface Table {
  readonly file: string;
  readonly header: readonly string[];
  /** The data records (header excluded), each with as many fields as the header. */
  readonly records: readonly (readonly string[])[];
  /** sha256 of the file's bytes. */
  readonly sha256: string;
}

/**
 * Reads a CSV with a header row. Every record must have as many fields as the header.
 *
 * @throws CsvRowError naming the file and line (empty file, duplicate column, ragged record).
 * @example const table = await readTable('wine.csv'); table.header // ['alcohol', …, 'target']
 */
export async function readTable(file: string): Promise<Table> {
  const scan = scanCsvRecords(file);
  let header: string[] | undefined;
  const records: string[][] = [];
  for await (const { fields, line } of scan.records) {
    if (!header) {
      header = fields.map((f) => f.trim());
      const seen = new Set<string>();
      for (const name of header) {
        if (!name) throw new CsvRowError(file, line, undefined, 'the header has an empty column name');
        if (seen.has(name)) throw new CsvRowError(file, line, undefined, `the header names column "${name}" twice`);
        seen.add(name);
      }
      continue;
    }
    if (fields.length !== header.length) throw new CsvRowError(file, line, undefined, `${fields.length} fields where the header has ${header.length}`);
    records.push(fields);
  }
  if (!header) throw new CsvRowError(file, 1, undefined, 'the file is empty; expected a header row');
  return { file, header, records, sha256: scan.sha256()! };
}

/**
 * The position of each named column in the table.
 *
 * @throws Error naming the first column the table does not have, and the columns it has.
 */
export function columnIndexes(table: Table, names: readonly string[]): number[] {
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
export function rowsOf(table: Table, features: readonly Feature[]): Row[] {
  const at = columnIndexes(
    table,
    features.map((f) => f.name),
  );
  return table.records.map((record, r) => {
    const row: Row = {};
    features.forEach((f, j) => {
      const cell = record[at[j]].trim();
      if (f.kind === 'categorical') {
        row[f.name] = canonicalCategory(f, cell) ?? cell;
        return;
      }
      const value = cell === '' ? Number.NaN : Number(cell);
      if (cell !== '' && !Number.isFinite(value)) throw new Error(`${table.file} line ${r + 2}: column "${f.name}" holds "${cell.slice(0, 40)}", not a number`);
      row[f.name] = value;
    });
    return row;
  });
}
