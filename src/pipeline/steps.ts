/**
 * modelwatch's training pipeline as steps: ingest → validate → split → train → evaluate → register
 * → promote. Each reads what an earlier step left on the context and leaves its own output there;
 * `needs` makes the order explicit, and a failure stops the steps after it.
 */
import { createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { LabelledRow } from '../data/schema.js';
import { evaluateBinary } from '../model/evaluation.js';
import type { ModelRegistry } from '../model/registry.js';
import type { HoldoutMetrics } from '../model/serving-model.js';
import { buildArtifact, evaluateFitted, fitModel, splitForTraining, type FittedModel, type HoldoutEvaluation, type TrainingSplit } from '../model/train.js';
import type { Step } from './dag.js';
import { versionRegisteredBy } from './registered.js';
import { decidePromotion, type PromotionDecision } from './promotion.js';
import { currentExpectations, validateCsv, type ValidateOptions, type ValidationReport } from './validation/index.js';

/** The steps, in order. */
export const STEP_NAMES = ['ingest', 'validate', 'split', 'train', 'evaluate', 'register', 'promote'] as const;
export type StepName = (typeof STEP_NAMES)[number];

/** What a run is asked to do. */
export interface PipelineSettings {
  readonly data: string;
  readonly seed: number;
  readonly testShare: number;
  readonly tolerance: number;
  /** fail/warn per validation rule, e.g. `class_balance=fail,row_count=warn` (defaults otherwise). */
  readonly rules?: ValidateOptions['rules'];
  readonly threshold?: number;
  /** Boosting iterations at most (tests and drills train small models). */
  readonly maxIterations?: number;
  /** Report progress inside a step (boosting iterations). */
  readonly onProgress?: (text: string) => void;
}

/** The shared context: settings in, each step's output added as the run goes. */
export interface PipelineContext {
  readonly settings: PipelineSettings;
  readonly registry: ModelRegistry;
  /** The run's id: recorded in the version it registers, so that a re-run register step finds it. */
  readonly runId?: string;
  data?: { readonly sha256: string; readonly bytes: number; readonly lines: number };
  validation?: ValidationReport;
  rows?: LabelledRow[];
  split?: TrainingSplit;
  fitted?: FittedModel;
  trainSeconds?: number;
  evaluation?: HoldoutEvaluation;
  /** The current version scored on the same holdout, when there is one that loads. */
  champion?: { readonly version: string; readonly metrics: HoldoutMetrics };
  championNote?: string;
  version?: string;
  promotion?: PromotionDecision;
}

/** The context fields a step writes. */
type StepOutput = Exclude<keyof PipelineContext, 'settings' | 'registry' | 'runId'>;

/**
 * What each step leaves on the context. A step run again in a run directory (a retry, or a step
 * re-run by hand) starts from what the steps before it left: the outputs of that step and of every
 * step after it are cleared first, so no later step's output outlives the input it came from.
 */
export const STEP_OUTPUTS: Readonly<Record<StepName, readonly StepOutput[]>> = {
  ingest: ['data'],
  validate: ['validation', 'rows'],
  split: ['split'],
  train: ['fitted', 'trainSeconds'],
  evaluate: ['evaluation', 'champion', 'championNote'],
  register: ['version'],
  promote: ['promotion'],
};

/** Of {@link STEP_OUTPUTS}, what the steps after it cannot do without. */
export const STEP_HANDOVER: Readonly<Record<StepName, readonly StepOutput[]>> = {
  ingest: ['data'],
  validate: ['rows'],
  split: ['split'],
  train: ['fitted', 'trainSeconds'],
  evaluate: ['evaluation'],
  register: ['version'],
  promote: [],
};

const need = <T>(value: T | undefined, what: string): T => {
  if (value === undefined) throw new Error(`internal: ${what} is missing from the pipeline context`);
  return value;
};

/** sha256, size and line count of the data file, read once as a stream. */
async function fingerprint(path: string): Promise<{ sha256: string; bytes: number; lines: number }> {
  await stat(path); // a missing file fails here with ENOENT and its path
  const hash = createHash('sha256');
  let bytes = 0;
  let newlines = 0;
  let last = 10;
  for await (const chunk of createReadStream(path)) {
    const buffer = chunk as Buffer;
    hash.update(buffer);
    bytes += buffer.length;
    for (let i = buffer.indexOf(10); i !== -1; i = buffer.indexOf(10, i + 1)) newlines++;
    if (buffer.length > 0) last = buffer[buffer.length - 1];
  }
  // A last line without a final newline is a line too.
  return { sha256: hash.digest('hex'), bytes, lines: newlines + (last === 10 ? 0 : 1) };
}

/**
 * The pipeline's steps.
 *
 * @example await runSteps(pipelineSteps(), context);
 */
export function pipelineSteps(): Step<PipelineContext>[] {
  return [
    {
      name: 'ingest',
      needs: [],
      input: (c) => c.settings.data,
      async run(c) {
        c.data = await fingerprint(c.settings.data);
        if (c.data.lines < 2) throw new Error(`${c.settings.data} has no data rows (${c.data.bytes} bytes)`);
        return { rows: c.data.lines - 1 };
      },
    },
    {
      name: 'validate',
      needs: ['ingest'],
      input: (c) => `${c.settings.data} against the expectations of ${c.registry.currentVersion() ?? 'the schema (no current model)'}`,
      async run(c) {
        const { report, rows } = await validateCsv(c.settings.data, currentExpectations(c.registry), { rules: c.settings.rules, keepRows: true });
        c.validation = report;
        if (!report.ok) {
          const failing = report.violations.filter((v) => v.action === 'fail');
          throw new Error(`the data broke ${failing.length} rule(s): ${failing.map((v) => v.message).join('; ')}`);
        }
        c.rows = need(rows, 'validated rows');
        return { rows: report.rows };
      },
    },
    {
      name: 'split',
      needs: ['validate'],
      input: (c) => `${c.rows?.length ?? '?'} validated rows, ${c.settings.testShare} held out, seed ${c.settings.seed}`,
      async run(c) {
        c.split = splitForTraining(need(c.rows, 'rows'), c.settings.testShare, c.settings.seed);
        return { rows: c.split.trainRows.length + c.split.testRows.length };
      },
    },
    {
      name: 'train',
      needs: ['split'],
      input: (c) => `${c.split?.trainRows.length ?? '?'} training rows`,
      async run(c) {
        const { trainRows } = need(c.split, 'split');
        const started = performance.now();
        c.fitted = fitModel(trainRows, {
          seed: c.settings.seed,
          params: c.settings.maxIterations ? { maxIter: c.settings.maxIterations } : undefined,
          onProgress: c.settings.onProgress ? (i, max) => c.settings.onProgress!(`boosting: ${i} trees (at most ${max})`) : undefined,
        });
        c.trainSeconds = (performance.now() - started) / 1000;
        return { rows: trainRows.length };
      },
    },
    {
      name: 'evaluate',
      needs: ['train'],
      input: (c) => `${c.split?.testRows.length ?? '?'} holdout rows; current version ${c.registry.currentVersion() ?? 'none'}`,
      async run(c) {
        const { testRows } = need(c.split, 'split');
        const threshold = c.settings.threshold ?? 0.5;
        c.evaluation = evaluateFitted(need(c.fitted, 'fitted model'), testRows, threshold);
        // The current version, on the same rows: the gate compares like with like.
        const current = c.registry.currentVersion();
        if (current) {
          try {
            const model = c.registry.load(current);
            const proba = Float64Array.from(testRows, (r) => model.predictProba(r.features));
            const { accuracy, precision, recall, f1, auc } = evaluateBinary(Uint8Array.from(testRows, (r) => r.y), proba, model.threshold);
            c.champion = { version: current, metrics: { accuracy, precision, recall, f1, auc } };
          } catch (error) {
            c.championNote = `current version ${current} cannot be loaded (${(error as Error).message}); the new version is compared with nothing`;
          }
        }
        return { rows: testRows.length };
      },
    },
    {
      name: 'register',
      needs: ['evaluate'],
      input: (c) => `registry ${c.registry.dir}`,
      async run(c) {
        const data = need(c.data, 'data');
        const fitted = need(c.fitted, 'fitted model');
        // Idempotent per run: a retry, even after a crash between this write and run.json's, gets the same version.
        const registered = c.runId ? versionRegisteredBy(c.registry, c.runId, fitted.model.toJSON()) : undefined;
        if (registered) {
          c.version = registered;
          return;
        }
        c.version = c.registry.register(
          buildArtifact({
            fitted,
            split: need(c.split, 'split'),
            evaluation: need(c.evaluation, 'evaluation'),
            dataSha256: data.sha256,
            dataSource: c.settings.data,
            seed: c.settings.seed,
            testShare: c.settings.testShare,
            threshold: c.settings.threshold ?? 0.5,
            seconds: need(c.trainSeconds, 'training time'),
            ...(c.runId ? { pipelineRunId: c.runId } : {}),
          }),
        );
      },
    },
    {
      name: 'promote',
      needs: ['register'],
      input: (c) => `${c.version ?? '?'} against ${c.champion?.version ?? 'no current version'} (tolerance ${c.settings.tolerance})`,
      async run(c) {
        const version = need(c.version, 'version');
        c.promotion = decidePromotion(need(c.evaluation, 'evaluation').metrics, c.champion, c.settings.tolerance);
        if (c.promotion.outcome === 'promoted') c.registry.setCurrent(version, { by: 'pipeline', reason: c.promotion.reason });
      },
    },
  ];
}
