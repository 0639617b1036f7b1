/**
 * Bootstrap, only when asked (`modelwatch serve --bootstrap`, BOOTSTRAP_MODEL=true; `npm start` asks):
 * when the registry has no current version, train the default model so that a fresh clone serves
 * something real. The real CSV is used when TRAIN_DATA points at one; otherwise the calibrated
 * synthetic data set (seeded, so every fresh clone gets the same model). Without the request,
 * `modelwatch serve` refuses an empty registry instead (src/server/first-model.ts).
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { loadLabelledCsv } from '../data/csv.js';
import { FEATURE_NAMES, type LabelledRow } from '../data/schema.js';
import { generateSynthetic } from '../data/synthetic.js';
import type { ModelRegistry } from './registry.js';
import { trainModel } from './train.js';

/** Rows in the generated default training set: as many as the real bank-full file. */
export const DEFAULT_SYNTHETIC_ROWS = 45_211;

/** Options of {@link ensureModel}. */
export interface EnsureModelOptions {
  readonly trainData?: string;
  readonly seed: number;
  readonly log: Logger;
}

/**
 * Makes sure the registry has a current version, training and registering one if not.
 * Returns the version trained, or undefined when one already existed.
 *
 * @example await ensureModel(new ModelRegistry('models'), { seed: 42, log });
 */
export async function ensureModel(registry: ModelRegistry, options: EnsureModelOptions): Promise<string | undefined> {
  if (registry.currentVersion()) return undefined;
  const { log } = options;
  const source = options.trainData ?? `synthetic(rows=${DEFAULT_SYNTHETIC_ROWS},seed=${options.seed})`;
  log.info({ model_dir: registry.dir, data_source: source }, `no current model in ${registry.dir} and bootstrapping was asked for (--bootstrap, BOOTSTRAP_MODEL): training the default model on ${source} first`);
  const { rows, sha256 } = options.trainData ? await loadLabelledCsv(options.trainData) : syntheticTrainingSet(options.seed);
  let lastLogged = 0;
  const result = trainModel({
    rows,
    dataSha256: sha256,
    dataSource: source,
    seed: options.seed,
    onProgress: (iteration, max) => {
      if (iteration - lastLogged >= 100) {
        lastLogged = iteration;
        log.info({ iteration, max_iterations: max }, `training: ${iteration} trees`);
      }
    },
  });
  const version = registry.register(result.artifact);
  registry.setCurrent(version, { by: 'bootstrap', reason: `serve --bootstrap on an empty registry: trained on ${source}` });
  const m = result.metrics;
  log.info(
    { model_version: version, seconds: result.seconds, holdout: { accuracy: m.accuracy, auc: m.auc, f1: m.f1 } },
    `trained ${version} in ${result.seconds.toFixed(1)} s: holdout accuracy ${m.accuracy.toFixed(4)}, AUC ${m.auc.toFixed(4)}`,
  );
  return version;
}

/**
 * The generated default training set and a sha256 over its rows (its provenance, as a file's hash
 * would be).
 *
 * @example syntheticTrainingSet(42).rows.length // 45211
 */
export function syntheticTrainingSet(seed: number, rowCount = DEFAULT_SYNTHETIC_ROWS): { rows: LabelledRow[]; sha256: string } {
  const rows = generateSynthetic({ rows: rowCount, seed });
  const hash = createHash('sha256');
  for (const row of rows) hash.update(`${FEATURE_NAMES.map((n) => row.features[n]).join(',')},${row.y}\n`);
  return { rows, sha256: hash.digest('hex') };
}
