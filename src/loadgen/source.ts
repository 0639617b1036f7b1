/**
 * Where request rows come from: the seeded synthetic generator (endless) or a labelled CSV replayed
 * in file order (finite) — the bank-marketing file by its own loader, any other by the schema the
 * service reports for its serving model. All sit behind one pull interface so the scheduler does
 * not care which, and all carry the true label, which the run sends to POST /feedback for a share
 * of answers.
 */
import { readLabelledRows } from '../data/csv.js';
import { readCsvTable, rowsOf } from '../data/csv-table.js';
import type { ModelSchema } from '../data/model-schema.js';
import type { LabelledRow, Row } from '../data/schema.js';
import { syntheticRows } from '../data/synthetic.js';
import { encodeLabels } from '../model/train-any.js';

/**
 * A row to send and the label POST /feedback gets for it: 0 or 1 for a binary model, the class
 * index for a multiclass one, the value for a regression.
 */
export interface SourceRow {
  readonly features: Row;
  readonly actual: number;
}

/** A pull source of labelled rows, one per arrival slot; `undefined` means it is exhausted. */
export interface RowSource {
  readonly kind: 'synthetic' | 'replay';
  next(): Promise<SourceRow | undefined>;
  /** Releases the file of a replay; safe to call twice. */
  close(): Promise<void>;
}

/** Synthetic drift injected part-way through a run. */
export interface InjectedDrift {
  /** The generator's drift share once drift has started, in (0, 1]. */
  readonly share: number;
  /** The first row (0-based, one per slot) drawn with drift. */
  readonly fromRow: number;
}

/**
 * Endless synthetic rows; the same seed gives the same rows. With `drift`, rows from `drift.fromRow`
 * on come from a second generator drawing that share from the late, drifted period; the rows before
 * it are exactly those of a run without drift.
 *
 * @example
 * const calm = syntheticSource(7);
 * const shifting = syntheticSource(7, { share: 1, fromRow: 600 }); // like calm for 600 rows, then drifted
 */
export function syntheticSource(seed: number, drift?: InjectedDrift): RowSource {
  const calm = syntheticRows({ seed });
  // Its own seed (seed + 1 is the user ids'): with the calm seed, the drifted stream would start by
  // repeating the run's first rows wherever it drew from the base period.
  const drifted = drift ? syntheticRows({ seed: seed + 2, drift: drift.share }) : undefined;
  let row = 0;
  return {
    kind: 'synthetic',
    next: async () => {
      const generator = drifted && drift && row >= drift.fromRow ? drifted : calm;
      row++;
      return labelled(generator.next().value ?? undefined);
    },
    close: async () => undefined,
  };
}

/**
 * The rows of a labelled CSV (either layout), in file order; a row that does not match the schema
 * rejects `next()` with the loader's CsvRowError naming file, line and column.
 *
 * @example const source = replaySource('bank-full.csv'); const first = await source.next(); // { features, y }
 */
export function replaySource(path: string): RowSource {
  const rows = readLabelledRows(path)[Symbol.asyncIterator]();
  let done = false;
  return {
    kind: 'replay',
    next: async () => {
      if (done) return undefined;
      const next = await rows.next();
      if (next.done) done = true;
      return next.done ? undefined : labelled(next.value);
    },
    close: async () => {
      if (done) return;
      done = true;
      await rows.return?.();
    },
  };
}

const labelled = (row: LabelledRow | undefined): SourceRow | undefined => (row ? { features: row.features, actual: row.y } : undefined);

/**
 * The rows of any labelled CSV, read by `schema` (the serving model's, from GET /status): numbers
 * for its numeric columns — an empty cell is left out of the request, so the service fills its
 * default — and categories as written; the label from the target column (class index or value).
 *
 * @throws Error naming the file, line and column of a cell the schema cannot read (a missing column, a label that is not a class).
 * @example const source = await schemaReplaySource('churn.csv', status.model.schema);
 */
export async function schemaReplaySource(path: string, schema: ModelSchema): Promise<RowSource> {
  const table = await readCsvTable(path);
  const rows = rowsOf(table, schema.features);
  const labels = encodeLabels(table, schema);
  let next = 0;
  return {
    kind: 'replay',
    next: async () => {
      if (next >= rows.length) return undefined;
      const i = next++;
      const features: Row = {};
      // An empty cell (NaN, or an empty category) is left out: the service fills the feature's default.
      for (const [name, value] of Object.entries(rows[i])) if (!(typeof value === 'number' ? Number.isNaN(value) : value === '')) features[name] = value;
      return { features, actual: labels[i] };
    },
    close: async () => {
      next = rows.length;
    },
  };
}