/**
 * `modelwatch train`: train on a labelled CSV, register a new version and make it current. The
 * bank-marketing file trains as it always has (its curated schema, `y` no/yes); any other CSV
 * trains on the schema inferred from it (or given with --schema) for the target column named.
 */
import { Command, Option } from 'commander';
import { loadConfig } from '../config.js';
import { loadLabelledCsv } from '../data/csv.js';
import { isBankHeader, readCsvHeader } from '../data/csv-table.js';
import { TASKS, type Task } from '../data/model-schema.js';
import { readSchemaFile } from '../data/schema-file.js';
import { TARGET } from '../data/schema.js';
import type { TaskHoldoutMetrics } from '../model/serving-model.js';
import { ModelRegistry } from '../model/registry.js';
import { trainModel } from '../model/train.js';
import { trainOnCsv } from '../model/train-any.js';
import { buildCsvArtifact } from '../model/train-any-artifact.js';
import { parseNumberOption } from './options.js';
import { metricsLine } from './metrics-line.js';
import { createProgress, type Progress } from './progress.js';

interface TrainFlags {
  data: string;
  target: string;
  task?: Task;
  positive?: string;
  schema?: string;
  drop?: string;
  modelDir?: string;
  seed?: string;
  testShare: number;
  promote: boolean;
  json?: boolean;
}

/** What a training run reports (stdout, or one JSON object with --json). */
interface TrainSummary {
  version: string;
  /** Holdout metrics of the task: binary accuracy, precision, recall, f1, auc; multiclass macro averages; regression mae, rmse, r2. */
  metrics: TaskHoldoutMetrics & { r2?: number };
  rows: number;
  seconds: number;
  /** Binary models: the reliability diagram of the holdout. */
  calibration?: { ece: number; mce: number; bins: readonly { lower: number; upper: number; count: number; meanPredicted: number; observedRate: number }[] };
  trees: number;
  current: boolean;
  file: string;
  schema?: { task: Task; target: string; classes: readonly string[]; features: number };
}

/**
 * Adds the `train` command.
 *
 * @example registerTrainCommand(program); // modelwatch train --data bank-full.csv --json
 */
export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description(
      'Train a gradient-boosted model on a labelled CSV (stratified 80/20 split), register it as a new version and make it current. ' +
        'The bank-marketing data uses its curated schema; any other CSV gets a schema inferred from its columns (see `modelwatch schema infer`).',
    )
    .requiredOption('--data <csv>', 'labelled CSV with a header ("," or ";" separated, quotes allowed)')
    .option('--target <column>', 'the label column', TARGET.name)
    .addOption(new Option('--task <task>', 'binary, multiclass or regression (default: inferred from the target)').choices(TASKS))
    .option('--positive <class>', 'binary: the positive class (default: yes/1/true, else the minority class)')
    .option('--schema <file>', 'a schema JSON to use instead of inferring one (edit the output of `modelwatch schema infer`)')
    .option('--drop <columns>', 'comma-separated columns to leave out (identifiers, free text, leaks)')
    .option('--model-dir <dir>', 'model registry directory (env MODEL_DIR, default "models")')
    .option('--seed <n>', 'seed for the split and the trees (env SEED, default 42)')
    .option('--test-share <share>', 'share of rows held out for evaluation', parseNumberOption('--test-share', 0.05, 0.5), 0.2)
    .option('--no-promote', 'register the version without making it current')
    .option('--json', 'print one JSON object with version, metrics, rows and seconds')
    .action(async (flags: TrainFlags) => {
      const config = loadConfig(process.env, { MODEL_DIR: flags.modelDir, SEED: flags.seed });
      const progress = createProgress(!flags.json);
      const registry = new ModelRegistry(config.MODEL_DIR);
      const summary = isPlainBankRun(flags) ? await trainBank(flags, config.SEED, registry, progress) : await trainAny(flags, config.SEED, registry, progress);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(summary)}\n`);
        return;
      }
      const { calibration } = summary;
      process.stdout.write(
        [
          `registered ${summary.version}${summary.current ? ' (current)' : ''}: ${summary.file}`,
          ...(summary.schema ? [`schema: ${summary.schema.task}, ${summary.schema.features} features, target ${summary.schema.target}${summary.schema.classes.length ? ` [${summary.schema.classes.join(', ')}]` : ''}`] : []),
          `holdout: ${metricsLine(summary.metrics)}`,
          ...(calibration
            ? [
                `calibration: expected calibration error ${calibration.ece.toFixed(4)} (reliability by predicted-probability decile:)`,
                ...calibration.bins.filter((b) => b.count > 0).map((b) => `  p in [${b.lower.toFixed(1)}, ${b.upper.toFixed(1)}): n=${b.count}  predicted ${b.meanPredicted.toFixed(3)}  observed ${b.observedRate.toFixed(3)}`),
              ]
            : []),
          '',
        ].join('\n'),
      );
    });
}

/** The bank-marketing file with no schema flags: today's training, unchanged. */
function isPlainBankRun(flags: TrainFlags): boolean {
  if (flags.target !== TARGET.name || flags.task || flags.positive || flags.schema || flags.drop) return false;
  return isBankHeader(readCsvHeader(flags.data));
}

async function trainBank(flags: TrainFlags, seed: number, registry: ModelRegistry, progress: Progress): Promise<TrainSummary> {
  progress.line(`reading ${flags.data}`);
  const { rows, sha256 } = await loadLabelledCsv(flags.data);
  progress.line(`${rows.length} rows; training (seed ${seed}, ${Math.round(flags.testShare * 100)} % held out)`);
  const result = trainModel({
    rows,
    dataSha256: sha256,
    dataSource: flags.data,
    seed,
    testShare: flags.testShare,
    onProgress: (iteration, max) => progress.update(`boosting: ${iteration} trees (at most ${max}, early stopping on)`),
  });
  progress.done(`${result.trees} trees in ${result.seconds.toFixed(1)} s`);
  const version = registry.register(result.artifact);
  if (flags.promote) registry.setCurrent(version, { by: 'train', reason: `modelwatch train --data ${flags.data}` });
  const { accuracy, precision, recall, f1, auc } = result.metrics;
  const { ece, mce, bins } = result.reliability;
  return { version, metrics: { accuracy, precision, recall, f1, auc }, rows: rows.length, seconds: result.seconds, calibration: { ece, mce, bins }, trees: result.trees, current: flags.promote, file: registry.fileOf(version) };
}

async function trainAny(flags: TrainFlags, seed: number, registry: ModelRegistry, progress: Progress): Promise<TrainSummary> {
  progress.line(`reading ${flags.data} (target ${flags.target})`);
  const result = await trainOnCsv({
    data: flags.data,
    target: flags.target,
    task: flags.task,
    positive: flags.positive,
    schema: flags.schema ? readSchemaFile(flags.schema) : undefined,
    drop: flags.drop?.split(',').map((c) => c.trim()).filter(Boolean),
    seed,
    testShare: flags.testShare,
    onProgress: (iteration, max) => progress.update(`boosting: ${iteration} rounds (at most ${max}, early stopping on)`),
  });
  const { schema } = result;
  progress.done(`${result.model.nTrees} trees in ${result.seconds.toFixed(1)} s`);
  for (const feature of schema.features) {
    progress.line(feature.kind === 'numeric' ? `  ${feature.name}: numeric${feature.integer ? ' (integer)' : ''} ${feature.min}..${feature.max}` : `  ${feature.name}: categorical, ${feature.categories.length} categories`);
  }
  const artifact = buildCsvArtifact(result, { dataSource: flags.data, seed, testShare: flags.testShare });
  const version = registry.register(artifact);
  if (flags.promote) registry.setCurrent(version, { by: 'train', reason: `modelwatch train --data ${flags.data} --target ${flags.target}` });
  const reliability = artifact.metrics.reliability;
  // The summary keeps what `train` on the bank-marketing file reports (no log-loss or Brier score).
  const { logLoss: _logLoss, brier: _brier, ...metrics } = artifact.metrics.holdout as TaskHoldoutMetrics & { logLoss?: number; brier?: number; r2?: number };
  return {
    version,
    metrics,
    rows: result.table.rows.length,
    seconds: result.seconds,
    ...(reliability ? { calibration: { ece: reliability.ece, mce: reliability.mce, bins: reliability.bins } } : {}),
    trees: result.model.nTrees,
    current: flags.promote,
    file: registry.fileOf(version),
    schema: { task: schema.task, target: schema.target.name, classes: schema.classes, features: schema.features.length },
  };
}
