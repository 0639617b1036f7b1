/**
 * A run split over several processes: `modelwatch pipeline run --only <step> --run-dir <dir>` runs
 * one step and leaves what it produced in the run directory, where the next step's process picks it
 * up. A scheduler can then give each step its own task, retries and log (the Airflow DAG does).
 *
 * The directory holds one file, `run.json`: the run's id, settings and registry directory (those
 * its first step was given), the report of every step run so far, and the context the steps share — the validated rows
 * until train has succeeded, the split, the fitted trees (as the artifact stores them), the evaluation,
 * the registered version. Written atomically after each step, so a step killed half-way leaves the
 * previous state, and running the step again (a retry) starts from there.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabelledRow } from '../data/schema.js';
import { createEncoder, type EncoderSpec } from '../model/encoding.js';
import { gbdtFromJSON, type GbdtModelJson } from '../model/gbdt/index.js';
import type { ModelRegistry } from '../model/registry.js';
import type { HoldoutEvaluation } from '../model/train.js';
import { writeAtomically } from '../util/atomic-file.js';
import type { StepReport } from './dag.js';
import type { PipelineContext, PipelineSettings } from './steps.js';

/** The file a run directory holds. */
export const RUN_STATE_FILE = 'run.json';

/** The settings a run keeps (everything but the progress callback). */
export type SavedSettings = Omit<PipelineSettings, 'onProgress'>;

/** What `run.json` holds. */
export interface RunState {
  readonly runId: string;
  readonly pipeline: string;
  readonly settings: SavedSettings;
  /** The model registry the run reads and registers into (absent in files written before it was kept). */
  readonly modelDir?: string;
  /** Reports of the steps run so far, in pipeline order. */
  readonly steps: readonly StepReport[];
  readonly context: SavedContext;
}

/** The shared context as JSON: typed arrays as plain arrays, the fitted model as its JSON. */
interface SavedContext {
  data?: PipelineContext['data'];
  validation?: PipelineContext['validation'];
  rows?: LabelledRow[];
  split?: { trainRows: LabelledRow[]; testRows: LabelledRow[] };
  fitted?: { model: GbdtModelJson; spec: EncoderSpec };
  trainSeconds?: number;
  evaluation?: Omit<HoldoutEvaluation, 'proba'> & { proba: number[] };
  champion?: PipelineContext['champion'];
  championNote?: string;
  version?: string;
  promotion?: PipelineContext['promotion'];
}

/** A run directory that cannot be used: it has no run yet, or holds something unreadable. */
export class RunStateError extends Error {
  override readonly name = 'RunStateError';
}

/**
 * Reads a run directory's state; undefined when the directory holds no run yet.
 *
 * @throws RunStateError when `run.json` exists but cannot be read.
 */
export function readRunState(runDir: string): RunState | undefined {
  const file = join(runDir, RUN_STATE_FILE);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as RunState;
  } catch (error) {
    throw new RunStateError(`${file} cannot be read (${(error as Error).message}): start the run again from its first step`);
  }
}

/**
 * Saves a run's state into its directory (created when missing).
 *
 * @example writeRunState(dir, { runId, pipeline, settings, steps, context: saveContext(context) });
 */
export function writeRunState(runDir: string, state: RunState): void {
  mkdirSync(runDir, { recursive: true });
  writeAtomically(join(runDir, RUN_STATE_FILE), JSON.stringify(state));
}

/**
 * The context as JSON. The validated rows are kept until train has succeeded (so that split can be
 * run again, e.g. retried, until then) and then only as the split; once the run is over (`final`)
 * the rows and the trees are dropped: the registry holds the version.
 */
export function saveContext(context: PipelineContext, final = false): SavedContext {
  const { data, validation, rows, split, fitted, trainSeconds, evaluation, champion, championNote, version, promotion } = context;
  const heavy = final
    ? {}
    : {
        ...(rows && !fitted ? { rows } : {}),
        ...(split ? { split: { trainRows: [...split.trainRows], testRows: [...split.testRows] } } : {}),
        ...(fitted ? { fitted: { model: fitted.model.toJSON(), spec: fitted.spec } } : {}),
      };
  return {
    data,
    validation,
    ...heavy,
    trainSeconds,
    ...(evaluation ? { evaluation: { ...evaluation, proba: final ? [] : Array.from(evaluation.proba) } } : {}),
    champion,
    championNote,
    version,
    promotion,
  };
}

/**
 * Rebuilds the shared context from a saved one, with the settings and registry of this process.
 *
 * @example const context = restoreContext(state.context, settings, new ModelRegistry(modelDir));
 */
export function restoreContext(saved: SavedContext, settings: PipelineSettings, registry: ModelRegistry, runId?: string): PipelineContext {
  const context: PipelineContext = { settings, registry, ...(runId ? { runId } : {}) };
  if (saved.data) context.data = saved.data;
  if (saved.validation) context.validation = saved.validation;
  if (saved.rows) context.rows = saved.rows;
  if (saved.split) context.split = saved.split;
  if (saved.fitted) context.fitted = { model: gbdtFromJSON(saved.fitted.model), spec: saved.fitted.spec, encoder: createEncoder(saved.fitted.spec) };
  if (saved.trainSeconds !== undefined) context.trainSeconds = saved.trainSeconds;
  if (saved.evaluation) context.evaluation = { ...saved.evaluation, proba: Float64Array.from(saved.evaluation.proba) };
  if (saved.champion) context.champion = saved.champion;
  if (saved.championNote) context.championNote = saved.championNote;
  if (saved.version) context.version = saved.version;
  if (saved.promotion) context.promotion = saved.promotion;
  return context;
}
