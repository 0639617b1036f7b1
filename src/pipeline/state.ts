/**
 * What a pipeline remembers between runs, kept with the registry it feeds
 * (`<MODEL_DIR>/pipelines/<name>.json`): the running totals its `_total` counters push, and when it
 * last ran and last succeeded. Written atomically, so a crash leaves the previous totals.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomically } from '../util/atomic-file.js';

/** What one run added to the totals. */
export interface CountedRun {
  readonly runId: string;
  readonly rows: number;
  readonly promotion?: 'promoted' | 'rejected';
}

/**
 * How many runs' contributions are remembered. A run ends again only when one of its steps is
 * retried in its run directory, which a scheduler does within hours, long before this many later
 * runs of the same pipeline have ended.
 */
export const REMEMBERED_RUNS = 50;

/** Running totals of one pipeline. */
export interface PipelineTotals {
  readonly runs: number;
  readonly rowsProcessed: number;
  readonly promotions: Readonly<Record<'promoted' | 'rejected', number>>;
  /** Unix seconds. */
  readonly lastRunAt: number;
  readonly lastSuccessAt?: number;
  /** The last {@link REMEMBERED_RUNS} runs counted, so that a run ending again is not counted twice. */
  readonly recentRuns?: readonly CountedRun[];
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
 * Adds one run to the totals and saves them. Runs are counted once per run id: a run that ends again
 * (with `--only`, a failed step retried in the same run directory) replaces its earlier ending
 * instead of adding one. The counters never go back (PromQL would read that as a reset): the run
 * counts once, its ingested rows once, and its first promotion decision only.
 *
 * @example saveRun('models', 'bank-marketing', { runId, rows: 45211, promotion: 'promoted', success: true });
 */
export function saveRun(modelDir: string, pipeline: string, run: { runId?: string; rows: number; promotion?: 'promoted' | 'rejected'; success: boolean; at?: number }): PipelineTotals {
  const before = readTotals(modelDir, pipeline);
  const at = run.at ?? Date.now() / 1000;
  const recent = before.recentRuns ?? [];
  const earlier = run.runId === undefined ? undefined : recent.find((r) => r.runId === run.runId);
  const promotion = earlier?.promotion ?? run.promotion;
  const counted: CountedRun | undefined = run.runId === undefined ? undefined : { runId: run.runId, rows: Math.max(earlier?.rows ?? 0, run.rows), ...(promotion ? { promotion } : {}) };
  const totals: PipelineTotals = {
    runs: before.runs + (earlier ? 0 : 1),
    rowsProcessed: before.rowsProcessed + Math.max(0, run.rows - (earlier?.rows ?? 0)),
    promotions: run.promotion && !earlier?.promotion ? { ...before.promotions, [run.promotion]: before.promotions[run.promotion] + 1 } : before.promotions,
    lastRunAt: at,
    ...(run.success ? { lastSuccessAt: at } : before.lastSuccessAt !== undefined ? { lastSuccessAt: before.lastSuccessAt } : {}),
    recentRuns: counted ? [...recent.filter((r) => r.runId !== counted.runId), counted].slice(-REMEMBERED_RUNS) : recent,
  };
  const file = stateFile(modelDir, pipeline);
  mkdirSync(join(modelDir, 'pipelines'), { recursive: true });
  writeAtomically(file, `${JSON.stringify(totals, null, 2)}\n`);
  return totals;
}
