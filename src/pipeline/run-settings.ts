/**
 * The settings of a run split over several processes are those its first step was given, kept in
 * run.json — the registry directory among them, so that validate, evaluate, register and promote
 * read and write the same registry. A later step may repeat a setting (the Airflow DAG gives every
 * task the same flags) but not change it: a different value would silently not apply, so it is
 * refused, naming the flag and both values.
 */
import { resolve } from 'node:path';
import { RunStateError, type RunState, type SavedSettings } from './run-state.js';

/** What a step's command line (or environment) set explicitly: compared with what the run keeps. */
export type GivenSettings = Partial<SavedSettings & { modelDir: string; pipeline: string }>;

/** How each setting is given, for the message. */
const FLAGS: Readonly<Record<keyof GivenSettings, string>> = {
  data: '--data',
  seed: '--seed (env SEED)',
  testShare: '--test-share',
  tolerance: '--tolerance (env PROMOTION_TOLERANCE)',
  rules: '--rules',
  threshold: 'the decision threshold',
  maxIterations: '--max-iterations',
  modelDir: '--model-dir (env MODEL_DIR)',
  pipeline: '--pipeline',
};

const PATHS: ReadonlySet<keyof GivenSettings> = new Set(['data', 'modelDir']);

/**
 * Refuses a setting given to a later step that differs from the one the run keeps.
 *
 * @throws RunStateError naming the first such setting, its value and the run's.
 * @example checkGivenSettings(saved, { modelDir: 'models', seed: 42 }, runDir);
 */
export function checkGivenSettings(saved: RunState, given: GivenSettings, runDir: string): void {
  const kept: GivenSettings = { ...saved.settings, pipeline: saved.pipeline, ...(saved.modelDir !== undefined ? { modelDir: saved.modelDir } : {}) };
  for (const [key, value] of Object.entries(given) as [keyof GivenSettings, unknown][]) {
    if (value === undefined) continue;
    // A run.json written before the registry was kept there has no modelDir to compare with.
    if (key === 'modelDir' && saved.modelDir === undefined) continue;
    const theirs = kept[key];
    const same = PATHS.has(key) && typeof value === 'string' && typeof theirs === 'string' ? resolve(value) === resolve(theirs) : JSON.stringify(value) === JSON.stringify(theirs);
    if (!same) {
      throw new RunStateError(
        `${FLAGS[key]} is ${JSON.stringify(value)}, but run ${saved.runId} in ${runDir} was started with ${theirs === undefined ? 'none (the default)' : JSON.stringify(theirs)}: a run keeps the settings its first step was given. Leave the flag out (or give the same value), or start a new run with ingest`,
      );
    }
  }
}
