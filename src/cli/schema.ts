/**
 * `modelwatch schema infer`: infer the schema of a labelled CSV and print it as JSON, ready to save,
 * edit and hand back to training. The schema goes to stdout; what inference found per column (the
 * task and why, the positive class and why, notes such as a likely identifier) goes to stderr, so
 * `modelwatch schema infer --data x.csv --target t > schema.json` keeps only the schema.
 */
import { Command } from 'commander';
import { SchemaInferenceError } from '../errors.js';
import { DEFAULT_MAX_CATEGORIES, inferSchema, MAX_CATEGORIES_LIMIT, type SchemaReport } from '../data/infer-schema.js';
import type { Task } from '../data/model-schema.js';
import { parseNumberOption, usageError } from './options.js';

const TASKS: readonly Task[] = ['binary', 'multiclass', 'regression'];

/**
 * Parses `--task`: binary, multiclass or regression.
 *
 * @example parseTaskOption('regression') // 'regression'
 */
export function parseTaskOption(value: string): Task {
  if ((TASKS as readonly string[]).includes(value)) return value as Task;
  throw usageError(`--task must be binary, multiclass or regression, got "${value}"`);
}

/**
 * Parses `--drop`: column names separated by commas (blanks around them ignored).
 *
 * @example parseDropOption('id, name') // ['id', 'name']
 */
export function parseDropOption(value: string): string[] {
  const names = value.split(',').map((n) => n.trim());
  if (names.some((n) => n === '')) throw usageError(`--drop must list column names separated by commas, got "${value}"`);
  return names;
}

/** The report as a few readable lines for stderr. */
function reportLines(report: SchemaReport): string[] {
  const lines = [`${report.file}: ${report.rows} rows, ${report.columns.length} feature columns${report.dropped.length ? ` (dropped ${report.dropped.join(', ')})` : ''}`];
  if (report.bank) lines.push('recognised the bank-marketing columns: using their curated schema');
  const t = report.target;
  lines.push(`target ${t.name}: ${report.task} (${report.taskReason})`);
  if (t.classCounts) lines.push(`  classes: ${Object.entries(t.classCounts).map(([c, n]) => `${c} (${n})`).join(', ')}`);
  if (t.positive !== undefined) lines.push(`  positive class: ${t.positive} (${t.positiveReason})`);
  if (t.min !== undefined) lines.push(`  values ${t.min}..${t.max}, mean ${t.mean?.toPrecision(6)}`);
  for (const c of report.columns) {
    const kind = c.kind === 'numeric' ? (c.integer ? 'integer' : 'number') : 'categorical';
    const seen = c.observed ? `, ${c.observed.min}..${c.observed.max} in the data` : '';
    const missing = c.missing ? `, ${c.missing} empty` : '';
    lines.push(`  ${c.name}: ${kind}, ${c.distinct} distinct${seen}${missing}${c.notes.length ? ` — ${c.notes.join('; ')}` : ''}`);
  }
  return lines;
}

/**
 * Adds the `schema` command group.
 *
 * @example registerSchemaCommands(program); // modelwatch schema infer --data wine.csv --target target
 */
export function registerSchemaCommands(program: Command): void {
  const schema = program.command('schema').description('Work with the feature schema a model is trained on and serves.');
  schema
    .command('infer')
    .description(
      'Infer the schema of a labelled CSV (comma- or semicolon-separated, with a header) and print it as JSON on stdout, ' +
        'ready to edit; what was found per column goes to stderr. A column is numeric when every non-empty value is a number ' +
        '(integer when all are whole), else categorical; ranges are the data\'s widened by half their span each side; defaults are ' +
        'medians and most common values; a column with no empty cell is required. The task comes from the target when not given: ' +
        `a number with more than 20 distinct values is regression, 2 values binary, up to 50 multiclass. The bank-marketing columns get their curated schema. ` +
        'Exit code 2 when a flag is at fault (a column not in the file), 1 when the data cannot be used (a constant target, too many categories).',
    )
    .requiredOption('--data <csv>', 'labelled CSV with a header line')
    .option('--target <column>', 'the label column', 'y')
    .option('--task <task>', 'binary, multiclass or regression (default: inferred from the target)', parseTaskOption)
    .option('--positive <value>', 'binary: the target value that is the positive class (default: yes/true/1, else the minority class)')
    .option('--drop <columns>', 'columns to leave out, separated by commas (identifiers, free text, leaks)', parseDropOption)
    .option(
      '--max-categories <n>',
      `most distinct values a categorical column may have; more is refused (default ${DEFAULT_MAX_CATEGORIES})`,
      parseNumberOption('--max-categories', 2, MAX_CATEGORIES_LIMIT, true),
    )
    .option('--json', 'print one JSON object {"schema", "report"} on one line instead of the indented schema')
    .action(async (opts: { data: string; target: string; task?: Task; positive?: string; drop?: string[]; maxCategories?: number; json?: boolean }, command: Command) => {
      const writeErr = command.configureOutput().writeErr ?? ((s: string) => process.stderr.write(s));
      let result: Awaited<ReturnType<typeof inferSchema>>;
      try {
        result = await inferSchema(opts.data, { target: opts.target, task: opts.task, positive: opts.positive, drop: opts.drop, maxCategories: opts.maxCategories });
      } catch (error) {
        if (!(error instanceof SchemaInferenceError)) throw error;
        const hint = command.getOptionValueSource('target') === 'default' && /^target column "y" is not in the header/.test(error.message) ? ' (name the label column with --target)' : '';
        command.error(`error: ${error.message}${hint}`, { exitCode: error.usage ? 2 : 1, code: error.code });
      }
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ schema: result.schema, report: result.report })}\n`);
        return;
      }
      for (const line of reportLines(result.report)) writeErr(`${line}\n`);
      process.stdout.write(`${JSON.stringify(result.schema, null, 2)}\n`);
    });
}
