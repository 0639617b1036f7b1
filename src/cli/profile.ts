/**
 * `modelwatch profile`: write the reference profile a gateway watches a model against — the schema
 * and drift baseline of reference data, and the baseline of the model's outputs on it, taken from a
 * predictions column or asked of the model server itself.
 */
import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { readCsvHeader } from '../data/csv-table.js';
import { TASKS, type Task } from '../data/model-schema.js';
import { readSchemaFile } from '../data/schema-file.js';
import { buildProfile, type PredictionSource } from '../gateway/profile/build-profile.js';
import { PRESET_NAMES, type PresetName } from '../gateway/mapping/presets/index.js';
import { mappingFor } from '../gateway/mapping/routes.js';
import { readVocabulary } from '../gateway/mapping/text-features.js';
import { metricsLine } from './metrics-line.js';
import { parseNumberOption, parseUrlOption, usageError } from './options.js';
import { createProgress } from './progress.js';
import { parseDropOption } from './schema.js';

interface ProfileFlags {
  data: string;
  target: string;
  task?: Task;
  positive?: string;
  schema?: string;
  drop?: string[];
  upstream?: string;
  preset?: PresetName;
  modelName?: string;
  mapping?: string;
  predictionsColumn?: string;
  probabilityColumn?: string[];
  threshold?: number;
  textColumn?: string;
  vocabulary?: string;
  name?: string;
  batchSize: number;
  timeout: number;
  out: string;
  json?: boolean;
}

const HELP = `
A reference profile is what \`modelwatch gateway --reference\` compares live traffic against when
the model is served by something else: the schema of the reference data (ideally the model's holdout
set, with labels), the drift baseline of every feature, and the baseline of the model's outputs on
that data — class shares and confidence bins, or value bins. The gateway needs it to report feature
and prediction drift, and the reference quality to compare live quality (from feedback) with.

Where the model's outputs come from, one of:
  --predictions-column <col>     the predicted class (name or index) or value, per row
  --probability-column <col>     binary: P(positive class); multiclass: one column per class, in
                                 class order (comma-separated); with or without --predictions-column
  --upstream <url> --preset <p>  ask the model server: the rows are sent in batches of --batch-size
                                 as the preset's route sends them, its answers read as the gateway
                                 reads them (--mapping <file> instead of --preset for a custom mapping)

The schema is inferred as \`modelwatch train\` and \`modelwatch schema infer\` infer it (same --task,
--positive, --drop), or given with --schema. A text model (--text-column) is profiled on features
derived from its text: text_length, token_count and, with --vocabulary, oov_share.

The version (\`profile-\` and 12 hex digits) is a hash of the profile's content: the same data and
predictions give the same version, which labels everything the gateway observes against it.

Exit codes: 0 written; 1 the data or the model server failed (the message says which); 2 a bad flag.
`;

/**
 * Adds the `profile` command.
 *
 * @example registerProfileCommand(program); // modelwatch profile --data ref.csv --target y --predictions-column predicted --out profile.json
 */
export function registerProfileCommand(program: Command): void {
  program
    .command('profile')
    .description(
      'Write the reference profile of a model served by something else (for `modelwatch gateway --reference`): the schema and feature drift baseline of reference data, and the baseline of the model\'s outputs on it, ' +
        'read from a predictions column or scored through the model server.',
    )
    .requiredOption('--data <csv>', 'reference CSV with a header: the model\'s feature columns and the target column (ideally the model\'s holdout set)')
    .requiredOption('--target <column>', 'the label column')
    .requiredOption('--out <file>', 'where to write the profile (JSON)')
    .addOption(new Option('--task <task>', 'binary, multiclass or regression (default: inferred from the target)').choices(TASKS))
    .option('--positive <class>', 'binary: the positive class (default: yes/1/true, else the minority class)')
    .option('--schema <file>', 'a schema JSON to use instead of inferring one (the output of `modelwatch schema infer`, edited)')
    .option('--drop <columns>', 'columns to leave out of the inferred schema, comma-separated (identifiers, free text, leaks)', parseDropOption)
    .option('--predictions-column <column>', 'the model\'s prediction per row: a class name or index, or a value (regression)')
    .option('--probability-column <columns>', 'binary: the column of P(positive class); multiclass: one column per class in class order, comma-separated', parseColumnList)
    .option('--upstream <url>', 'score the reference rows through this model server instead, e.g. http://127.0.0.1:8000', parseUrlOption('--upstream', ['http:', 'https:']))
    .addOption(new Option('--preset <name>', 'with --upstream: what the server speaks (the route that is sent the rows and whose answers are read; default native)').choices(PRESET_NAMES))
    .option('--mapping <file>', 'with --upstream: a mapping file instead of a preset')
    .option('--model-name <name>', 'with --upstream: the model\'s name where a route has one in its path (/v2/models/:name/infer, /v1/models/:name:predict)')
    .option('--batch-size <n>', 'with --upstream: rows per request', parseNumberOption('--batch-size', 1, 10_000, true), 100)
    .option('--timeout <seconds>', 'with --upstream: how long to wait for each answer', parseNumberOption('--timeout', 0.1, 3600), 30)
    .option('--threshold <p>', 'binary: the probability at or above which the positive class is predicted', parseNumberOption('--threshold', 0.001, 0.999), 0.5)
    .option('--text-column <column>', 'a text model: the column holding the text; its features are derived from it')
    .option('--vocabulary <file>', 'with --text-column: the model\'s vocabulary (one token per line, or a JSON array), for the out-of-vocabulary share')
    .option('--name <name>', 'the model\'s name (default: the data file\'s name without extension)')
    .option('--json', 'print one JSON object with the version, name, rows, schema and reference quality')
    .addHelpText('after', HELP)
    .action(async (flags: ProfileFlags, command: Command) => {
      const usage = (problem: string): never => command.error(`error: ${problem}`, { exitCode: 2, code: 'modelwatch.usage' });
      const problem = flagProblem(flags);
      if (problem) usage(problem);
      const progress = createProgress(!flags.json);
      const predictions = await predictionSource(flags, (scored, total) => progress.update(`scored ${scored} / ${total} rows`)).catch((error: Error) => usage(error.message));
      const vocabulary = flags.vocabulary ? readVocabularyFlag(flags.vocabulary, usage) : undefined;
      const { profile } = await buildProfile({
        data: flags.data,
        target: flags.target,
        task: flags.task,
        positive: flags.positive,
        schema: flags.schema ? readSchemaFile(flags.schema) : undefined,
        drop: flags.drop,
        name: flags.name,
        threshold: flags.threshold,
        ...(flags.textColumn ? { text: { column: flags.textColumn, ...(vocabulary ? { vocabulary } : {}) } } : {}),
        predictions,
        say: (line) => progress.done(line),
      });
      writeFileSync(flags.out, `${JSON.stringify(profile, null, 2)}\n`);
      const summary = {
        version: profile.version,
        name: profile.name,
        file: flags.out,
        rows: profile.source.rows,
        predictions: profile.source.predictions,
        schema: { task: profile.schema.task, target: profile.schema.target.name, classes: profile.schema.classes, features: profile.schema.features.length },
        ...(profile.reference_quality ? { reference_quality: profile.reference_quality } : {}),
      };
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(summary)}\n`);
        return;
      }
      process.stdout.write(
        [
          `wrote ${profile.version} (${profile.name}): ${flags.out}`,
          `schema: ${summary.schema.task}, ${summary.schema.features} features, target ${summary.schema.target}${summary.schema.classes.length ? ` [${summary.schema.classes.join(', ')}]` : ''}`,
          `predictions: ${profile.source.predictions}`,
          ...(profile.reference_quality ? [`on the reference data (${profile.source.rows} rows): ${metricsLine(profile.reference_quality)}`] : []),
          '',
        ].join('\n'),
      );
    });
}

/** What is wrong with the flags, if anything: one source of outputs, the flags that go with it, columns the data has. */
function flagProblem(flags: ProfileFlags): string | undefined {
  const fromColumns = flags.predictionsColumn !== undefined || flags.probabilityColumn !== undefined;
  if (fromColumns && flags.upstream) return 'give the model\'s outputs one way: --predictions-column/--probability-column, or --upstream';
  if (!fromColumns && !flags.upstream) return 'where do the model\'s outputs come from? give --predictions-column (and/or --probability-column), or --upstream <url> with --preset';
  if (!flags.upstream && (flags.preset || flags.mapping)) return '--preset and --mapping say how to talk to --upstream; give --upstream too';
  if (flags.preset && flags.mapping) return 'give --preset or --mapping, not both';
  if (flags.vocabulary && !flags.textColumn) return '--vocabulary goes with --text-column';
  const header = readCsvHeader(flags.data);
  if (header === undefined) return undefined; // the reader says why when it reads the file
  const named: [string, string | undefined][] = [
    ['--target', flags.target],
    ['--predictions-column', flags.predictionsColumn],
    ['--text-column', flags.textColumn],
    ...(flags.probabilityColumn ?? []).map((c): [string, string] => ['--probability-column', c]),
  ];
  for (const [flag, column] of named) {
    if (column !== undefined && !header.includes(column)) return `${flag} "${column}" is not a column of ${flags.data} (its columns: ${header.join(', ')})`;
  }
  return undefined;
}

/** The outputs' source; the mapping of --preset (native by default, as the gateway's) or --mapping. */
async function predictionSource(flags: ProfileFlags, onProgress: (scored: number, total: number) => void): Promise<PredictionSource> {
  if (!flags.upstream) return { from: 'column', column: flags.predictionsColumn, probabilityColumns: flags.probabilityColumn };
  const mapping = flags.mapping ? mappingFor({ file: flags.mapping }) : mappingFor(flags.preset ?? 'native');
  return { from: 'upstream', upstream: flags.upstream, mapping, batchSize: flags.batchSize, params: flags.modelName ? { name: flags.modelName } : undefined, timeoutSeconds: flags.timeout, onProgress };
}

/** `--probability-column`: one column, or several separated by commas. */
function parseColumnList(value: string): string[] {
  const names = value.split(',').map((n) => n.trim());
  if (names.some((n) => n === '')) throw usageError(`--probability-column must name columns separated by commas, got "${value}"`);
  return names;
}

function readVocabularyFlag(path: string, usage: (problem: string) => never): Set<string> {
  try {
    return readVocabulary(path);
  } catch (error) {
    return usage(`--vocabulary: ${(error as Error).message}`);
  }
}
