/**
 * Where request rows come from: the seeded synthetic generator (endless) or a labelled CSV replayed
 * in file order (finite). Both sit behind one pull interface so the scheduler does not care which.
 */
import { readLabelledRows } from '../data/csv.js';
import type { Row } from '../data/schema.js';
import { syntheticRows } from '../data/synthetic.js';

/** A pull source of rows; `undefined` means it is exhausted. */
export interface RowSource {
  readonly kind: 'synthetic' | 'replay';
  next(): Promise<Row | undefined>;
  /** Releases the file of a replay; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Endless synthetic rows; the same seed gives the same rows.
 *
 * @example const source = syntheticSource(7); const row = await source.next();
 */
export function syntheticSource(seed: number): RowSource {
  const rows = syntheticRows({ seed });
  return {
    kind: 'synthetic',
    next: async () => rows.next().value?.features,
    close: async () => undefined,
  };
}

/**
 * The rows of a labelled CSV (either layout), in file order; a row that does not match the schema
 * rejects `next()` with the loader's CsvRowError naming file, line and column.
 *
 * @example const source = replaySource('bank-full.csv'); const first = await source.next();
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
      return next.done ? undefined : next.value.features;
    },
    close: async () => {
      if (done) return;
      done = true;
      await rows.return?.();
    },
  };
}
