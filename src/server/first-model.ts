/**
 * What `modelwatch serve` does when the registry has no current version. It trains a first model
 * only when asked (`--bootstrap`, BOOTSTRAP_MODEL=true; `npm start` asks): a production deployment
 * that lost its registry volume must not quietly serve a model trained on generated data. Otherwise
 * it refuses to start, saying how to train or import a model.
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { NoModelToServeError } from '../errors.js';
import type { ModelRegistry } from '../model/registry.js';

/**
 * What to do about a registry without a current version, as lines for the refusal message.
 *
 * @example whatToDo(new ModelRegistry('models')) // ['Train a model …', '  modelwatch train --data <csv> …', …]
 */
export function whatToDo(registry: ModelRegistry): string[] {
  const dir = registry.dir;
  const versions = registry.list().map((entry) => entry.version);
  const promote = versions.length
    ? [`It holds ${versions.join(', ')}, none of them current: make one current with \`modelwatch model promote ${versions.at(-1)} --model-dir ${dir}\`, or:`]
    : [];
  return [
    ...promote,
    'Train a model and make it current, then start again:',
    `  modelwatch train --data <csv> --model-dir ${dir}`,
    `  modelwatch pipeline run --data <csv> --model-dir ${dir}    (validates the data, promotes through the gate)`,
    '  where <csv> is labelled bank-marketing data: `modelwatch data download` fetches the real file,',
    '  `modelwatch data generate --out data.csv` writes a synthetic one.',
    `Or import one: copy a registry's versions/ directory and CURRENT file into ${dir}, or point --model-dir (MODEL_DIR) at it.`,
    'Or let serve train a first model itself (on TRAIN_DATA, else on seeded generated data):',
    `  modelwatch serve --bootstrap --model-dir ${dir}    (env BOOTSTRAP_MODEL=true; \`npm start\` does this)`,
  ];
}

/**
 * Refuses an empty registry unless BOOTSTRAP_MODEL is on. Called before anything is opened, so a
 * refusal leaves nothing behind.
 *
 * @throws NoModelToServeError (the CLI exits with code 4) when there is no current version and BOOTSTRAP_MODEL is off.
 * @example assertModelToServe(registry, config);
 */
export function assertModelToServe(registry: ModelRegistry, config: Pick<Config, 'BOOTSTRAP_MODEL'>): void {
  if (registry.currentVersion() || config.BOOTSTRAP_MODEL) return;
  throw new NoModelToServeError(registry.dir, `.\n${whatToDo(registry).join('\n')}`);
}

/**
 * Trains and registers the first model when the registry is empty and BOOTSTRAP_MODEL is on.
 *
 * @example await bootstrapIfAsked(registry, config, log.service);
 */
export async function bootstrapIfAsked(registry: ModelRegistry, config: Pick<Config, 'BOOTSTRAP_MODEL' | 'TRAIN_DATA' | 'SEED'>, log: Logger): Promise<void> {
  // serve has already refused an empty registry without BOOTSTRAP_MODEL (assertModelToServe).
  if (!config.BOOTSTRAP_MODEL || registry.currentVersion()) return;
  // Training code and data (CSV parser, synthetic profile, tree learner: ~15 MB of RSS) are only
  // loaded when a first model is trained here.
  const { ensureModel } = await import('../model/bootstrap.js');
  await ensureModel(registry, { trainData: config.TRAIN_DATA, seed: config.SEED, log });
}
