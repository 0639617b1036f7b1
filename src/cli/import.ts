/**
 * `modelwatch import`: register a model trained elsewhere (XGBoost, LightGBM, ONNX) with its
 * reference data, so the service serves and watches it like a model trained here.
 */
import { Command, Option } from 'commander';
import { loadConfig } from '../config.js';
import { MODEL_NAME_PATTERN, TASKS } from '../data/model-schema.js';
import { importModel } from '../model/imported/import-model.js';
import { IMPORT_FORMATS, type ImportFormat } from '../model/imported/read-model-file.js';
import { ModelRegistry } from '../model/registry.js';
import { usageError } from './options.js';
import { metricsLine } from './metrics-line.js';
import { createProgress } from './progress.js';

interface ImportFlags {
  format: ImportFormat;
  model: string;
  data: string;
  target: string;
  task?: (typeof TASKS)[number];
  positive?: string;
  features?: string;
  categoricalEncoding?: 'ordinal' | 'onehot';
  name?: string;
  modelDir?: string;
  promote: boolean;
  json?: boolean;
}

function parseModelName(value: string): string {
  if (!new RegExp(MODEL_NAME_PATTERN).test(value) || value.length > 128) throw usageError(`--name must be letters, digits, ".", "_" and "-" (at most 128, starting with a letter or digit), got "${value}"`);
  return value;
}

/**
 * Adds the `import` command.
 *
 * @example registerImportCommand(program); // modelwatch import --format xgboost --model m.json --data ref.csv --target y
 */
export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description(
      'Register a model trained elsewhere as a new version and make it current: an XGBoost JSON file (save_model("m.json")), a LightGBM text file (save_model("m.txt")) or an ONNX graph. ' +
        'The reference data (ideally the model\'s holdout set, with its labels) gives the schema, the drift baseline, and — scored through the model — the prediction baseline and holdout metrics.',
    )
    .addOption(new Option('--format <format>', 'the model file\'s format').choices(IMPORT_FORMATS).makeOptionMandatory())
    .requiredOption('--model <file>', 'the model file')
    .requiredOption('--data <csv>', 'reference CSV with a header: the model\'s feature columns and the target column')
    .requiredOption('--target <column>', 'the label column of the reference data')
    .addOption(new Option('--task <task>', 'binary, multiclass or regression (default: from the model\'s objective, or inferred from the target)').choices(TASKS))
    .option('--positive <class>', 'binary: the class the model\'s probability is of (its label 1; default: the second class in sorted order)')
    .option('--features <columns>', 'the model\'s feature columns in its order, comma-separated (default: the names in the model file, else the CSV\'s columns without the target)')
    .addOption(new Option('--categorical-encoding <encoding>', 'ONNX: how categorical columns become input columns (categories in sorted order)').choices(['ordinal', 'onehot']))
    .option('--name <name>', 'the model\'s name: its Open Inference Protocol name, /v2/models/<name> (default: MODEL_NAME, else bank-marketing)', parseModelName)
    .option('--model-dir <dir>', 'model registry directory (env MODEL_DIR, default "models")')
    .option('--no-promote', 'register the version without making it current')
    .option('--json', 'print one JSON object with version, schema, metrics, rows and seconds')
    .action(async (flags: ImportFlags) => {
      const config = loadConfig(process.env, { MODEL_DIR: flags.modelDir });
      const progress = createProgress(!flags.json);
      const registry = new ModelRegistry(config.MODEL_DIR);
      const result = await importModel({
        format: flags.format,
        modelFile: flags.model,
        dataFile: flags.data,
        target: flags.target,
        task: flags.task,
        positive: flags.positive,
        features: flags.features?.split(',').map((c) => c.trim()).filter(Boolean),
        categoricalEncoding: flags.categoricalEncoding,
        name: flags.name,
        registry,
        promote: flags.promote,
        progress: (line) => progress.line(line),
      });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(result)}\n`);
        return;
      }
      process.stdout.write(
        [
          `registered ${result.version}${result.current ? ' (current)' : ''}: ${result.file}`,
          `schema: ${result.schema.task}, ${result.schema.features.length} features, target ${result.schema.target.name}${result.schema.classes.length ? ` [${result.schema.classes.join(', ')}]` : ''}`,
          `on the reference data (${result.rows} rows): ${metricsLine(result.metrics)}`,
          '',
        ].join('\n'),
      );
    });
}
