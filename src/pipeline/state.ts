/**
 * What a pipeline remembers between runs, kept with the registry it feeds
 * (`<MODEL_DIR>/pipelines/<name>.json`): the running totals its `_total` counters push, and when it
 * last ran and last succeeded. Written atomically, so a crash leaves the previous totals.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomically } from '../util/atomic-file.js';

/** Running totals of one pipeline. */
export interface PipelineTotals {
  readonly runs: number;
  readonly rowsProcessed: number;
  readonly promotions: Readonly<Record<'promoted' | 'rejected', number>>;
  /** Unix seconds. */
  readonly lastRunAt: number;
  readonly lastSuccessAt?: number;
}

const EMPTY: PipelineTotals = { runs: 0, rowsProcessed: 0, promotions: { promoted: 0, rejected: 0 }, lastRunAt: 0 };

/** Where a pipeline's totals live. */
export function stateFile(modelDir: string, pipeline: string): string {
  return join(modelDir, 'pipelines', `${pipeline}.json`);
}

/**
 * Reads a pipeline's totals (zero when it never ran, or when the file is unreadable — the counters
 * then restart, which PromQL's rate() treats as a counter reset).
 */
export function readTotals(modelDir: string, pipeline: string): PipelineTotals {
  const file = stateFile(modelDir, pipeline);
  if (!existsSync(file)) return EMPTY;
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Partial<PipelineTotals>;
    return { ...EMPTY, ...saved, promotions: { ...EMPTY.promotions, ...saved.promotions } };
  } catch {
    return EMPTY;
  }
}

/**
 * Adds one run to the totals and saves them.
 *
 * @example saveRun('models', 'bank-marketing', { rows: 45211, promotion: 'promoted', success: true });
 */
export function saveRun(modelDir: string, pipeline: string, run: { rows: number; promotion?: 'promoted' | 'rejected'; success: boolean; at?: number }): PipelineTotals {
  const before = readTotals(modelDir, pipeline);
  const at = run.at ?? Date.now() / 1000;
  const totals: PipelineTotals = {
    runs: before.runs + 1,
    rowsProcessed: before.rowsProcessed + run.rows,
    promotions: run.promotion ? { ...before.promotions, [run.promotion]: before.promotions[run.promotion] + 1 } : before.promotions,
    lastRunAt: at,
    ...(run.success ? { lastSuccessAt: at } : before.lastSuccessAt !== undefined ? { lastSuccessAt: before.lastSuccessAt } : {}),
  };
  const file = stateFile(modelDir, pipeline);
  mkdirSync(join(modelDir, 'pipelines'), { recursive: true });
  writeAtomically(file, `${JSON.stringify(totals, null, 2)}\n`);
  return totals;
}
