/** `modelwatch train`: train on a labelled CSV, register a new version and make it current. */
import { Command } from 'commander';
import { loadConfig } from '../config.js';
import { loadLabelledCsv } from '../data/csv.js';
import { ModelRegistry } from '../model/registry.js';
import { trainModel } from '../model/train.js';
import { parseNumberOption } from './options.js';
import { createProgress } from './progress.js';

/**
 * Adds the `train` command.
 *
 * @example registerTrainCommand(program); // modelwatch train --data bank-full.csv --json
 */
export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('Train a gradient-boosted model on a labelled bank-marketing CSV (stratified 80/20 split), register it as a new version and make it current.')
    .requiredOption('--data <csv>', 'labelled CSV (UCI format: ";" with quotes, or "," without)')
    .option('--model-dir <dir>', 'model registry directory (env MODEL_DIR, default "models")')
    .option('--seed <n>', 'seed for the split and the trees (env SEED, default 42)')
    .option('--test-share <share>', 'share of rows held out for evaluation', parseNumberOption('--test-share', 0.05, 0.5), 0.2)
    .option('--no-promote', 'register the version without making it current')
    .option('--json', 'print one JSON object with version, metrics, rows and seconds')
    .action(async (opts: { data: string; modelDir?: string; seed?: string; testShare: number; promote: boolean; json?: boolean }) => {
      const config = loadConfig(process.env, { MODEL_DIR: opts.modelDir, SEED: opts.seed });
      const progress = createProgress(!opts.json);
      progress.line(`reading ${opts.data}`);
      const { rows, sha256 } = await loadLabelledCsv(opts.data);
      progress.line(`${rows.length} rows; training (seed ${config.SEED}, ${Math.round(opts.testShare * 100)} % held out)`);
      const result = trainModel({
        rows,
        dataSha256: sha256,
        dataSource: opts.data,
        seed: config.SEED,
        testShare: opts.testShare,
        onProgress: (iteration, max) => progress.update(`boosting: ${iteration} trees (at most ${max}, early stopping on)`),
      });
      progress.done(`${result.trees} trees in ${result.seconds.toFixed(1)} s`);
      const registry = new ModelRegistry(config.MODEL_DIR);
      const version = registry.register(result.artifact);
      if (opts.promote) registry.setCurrent(version, { by: 'train', reason: `modelwatch train --data ${opts.data}` });
      const { accuracy, precision, recall, f1, auc } = result.metrics;
      const summary = {
        version,
        metrics: { accuracy, precision, recall, f1, auc },
        rows: rows.length,
        seconds: result.seconds,
        calibration: { ece: result.reliability.ece, mce: result.reliability.mce, bins: result.reliability.bins },
        trees: result.trees,
        current: opts.promote,
        file: registry.fileOf(version),
      };
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(summary)}\n`);
        return;
      }
      const pct = (v: number) => v.toFixed(4);
      process.stdout.write(
        [
          `registered ${version}${opts.promote ? ' (current)' : ''}: ${summary.file}`,
          `holdout: accuracy ${pct(accuracy)}  precision ${pct(precision)}  recall ${pct(recall)}  f1 ${pct(f1)}  auc ${pct(auc)}`,
          `calibration: expected calibration error ${pct(result.reliability.ece)} (reliability by predicted-probability decile:)`,
          ...result.reliability.bins.filter((b) => b.count > 0).map((b) => `  p in [${b.lower.toFixed(1)}, ${b.upper.toFixed(1)}): n=${b.count}  predicted ${b.meanPredicted.toFixed(3)}  observed ${b.observedRate.toFixed(3)}`),
          '',
        ].join('\n'),
      );
    });
}
