/**
 * The `schema.columns` rule: maps the header onto the expected columns and reports every missing,
 * unknown and repeated column at once (the loader stops at the first). The file's column order is
 * free, as for the loader.
 */
import { TARGET, type Feature } from '../../data/schema.js';
import type { CsvRecord } from '../../data/csv.js';
import type { DataExpectations } from './expectations.js';
import type { ViolationCollector } from './violations.js';

/** Where the expected columns sit in the file's rows. */
export interface ColumnLayout {
  /** Fields in the header; a row with another count is a `row_shape` violation. */
  readonly width: number;
  /** The expected features the header has, with their field index (first occurrence). */
  readonly features: readonly { readonly feature: Feature; readonly index: number }[];
  /** Field index of the target, undefined when the header lacks it. */
  readonly target: number | undefined;
  /** Every expected column is present, so a row can become a training row. */
  readonly complete: boolean;
}

/**
 * Reads the header record, reporting each missing, unknown or repeated column as its own
 * `schema.columns` violation, and returns the layout of the columns found.
 *
 * @example const layout = mapColumns(headerRecord, expectations, collector);
 */
export function mapColumns(header: CsvRecord, expectations: DataExpectations, collector: ViolationCollector): ColumnLayout {
  const names = header.fields.map((n) => n.trim());
  const expected = [...expectations.features.map((f) => f.name), TARGET.name];
  const firstIndex = new Map<string, number>();
  names.forEach((name, i) => {
    const first = firstIndex.get(name);
    if (first === undefined) {
      firstIndex.set(name, i);
      if (!expected.includes(name)) {
        const what = name === '' ? 'an empty column name' : `unknown column ${JSON.stringify(name)}`;
        collector.add('schema.columns', name, 'unknown', { line: header.line, column: name, value: name }, () => `${what} at position ${i + 1} (expected only ${expected.join(', ')})`);
      }
    } else {
      collector.add('schema.columns', name, 'duplicate', { line: header.line, column: name, value: name }, () => `column ${JSON.stringify(name)} appears more than once in the header (positions ${first + 1} and ${i + 1}); the first is used`);
    }
  });
  const missing = expected.filter((name) => !firstIndex.has(name));
  for (const name of missing) {
    collector.add('schema.columns', name, 'missing', { line: header.line, column: name, value: '' }, () => `missing column ${JSON.stringify(name)}`);
  }
  return {
    width: names.length,
    features: expectations.features.filter((f) => firstIndex.has(f.name)).map((feature) => ({ feature, index: firstIndex.get(feature.name)! })),
    target: firstIndex.get(TARGET.name),
    complete: missing.length === 0,
  };
}
