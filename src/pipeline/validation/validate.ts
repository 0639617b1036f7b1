/**
 * The data validation step: streams a labelled CSV once, applies every rule to every record without
 * stopping at the first problem, and returns a report with full counts and a few examples per
 * violation. Memory is bounded by the number of distinct violations, unless the caller asks for the
 * valid rows (the train step does, to avoid reading and parsing the file a second time).
 */
import { CsvRowError, scanCsvRecords } from '../../data/csv.js';
import { TARGET, type LabelledRow } from '../../data/schema.js';
import { checkRecord } from './cells.js';
import { mapColumns, type ColumnLayout } from './columns.js';
import { classBalanceTolerance, type DataExpectations } from './expectations.js';
import type { ExpectationsSummary, SkippedRule, ValidationReport } from './report.js';
import { parseRuleActions, resolveRuleActions } from './rules.js';
import { ViolationCollector } from './violations.js';

/** Options of {@link validateCsv}. */
export interface ValidateOptions {
  /**
   * Actions overriding the defaults (DEFAULT_RULE_ACTIONS): an object such as
   * `{ class_balance: 'fail' }` or the CLI form `'class_balance=fail,row_count=warn'`.
   */
  readonly rules?: Partial<Record<string, string>> | string;
  /** Return the rows without row-level violations (for the train step); default false. */
  readonly keepRows?: boolean;
}

/** What {@link validateCsv} returns. */
export interface ValidationResult {
  readonly report: ValidationReport;
  /**
   * With `keepRows`: every row without a row-level violation, in file order, parsed exactly as
   * loadLabelledCsv would. Rows with a problem are left out even when its rule only warns, so a
   * `warn` on a row-level rule means "drop the bad rows and go on".
   */
  readonly rows?: LabelledRow[];
}

/** Running totals of one scan. */
interface Tally {
  rows: number;
  validRows: number;
  labelled: number;
  positives: number;
  /** False when malformed CSV ended the scan early. */
  complete: boolean;
  layout: ColumnLayout | undefined;
}

/**
 * Validates a labelled CSV (either UCI layout) against `expectations`.
 *
 * Row-level rules: schema.columns, row_shape, missing_values, types, categories, ranges, target.
 * File-level rules, skipped without a current model: row_count (all data rows) and class_balance
 * (rows with a valid label). `report.ok` is false when any violation's rule has the action `fail`.
 *
 * @throws RuleConfigError for an unknown rule id or action in `options.rules`; the file system's error when the file cannot be read.
 * @example
 * const { report, rows } = await validateCsv('bank-full.csv', currentExpectations(registry), { rules: 'class_balance=fail', keepRows: true });
 * process.stdout.write(formatReport(report));
 * if (!report.ok) process.exitCode = 1;
 */
export async function validateCsv(path: string, expectations: DataExpectations, options: ValidateOptions = {}): Promise<ValidationResult> {
  // Checked before reading, so a typo in the configuration fails fast.
  const actions = resolveRuleActions(typeof options.rules === 'string' ? parseRuleActions(options.rules) : options.rules);
  const collector = new ViolationCollector();
  const kept: LabelledRow[] | undefined = options.keepRows ? [] : undefined;
  const tally: Tally = { rows: 0, validRows: 0, labelled: 0, positives: 0, complete: true, layout: undefined };
  const scan = scanCsvRecords(path);
  try {
    for await (const record of scan.records) {
      if (tally.layout === undefined) {
        tally.layout = mapColumns(record, expectations, collector);
        continue;
      }
      tally.rows++;
      const { y, row } = checkRecord(record, tally.layout, collector);
      if (y !== undefined) {
        tally.labelled++;
        tally.positives += y;
      }
      if (row) {
        tally.validRows++;
        kept?.push(row);
      }
    }
  } catch (error) {
    // Only the scanner's own errors (empty file, malformed CSV) are findings; an unreadable file is not.
    if (!(error instanceof CsvRowError)) throw error;
    tally.complete = false;
    if (tally.layout === undefined) collector.addFileLevel('schema.columns', `no header: ${error.reason}`);
    else collector.addFileLevel('row_shape', `line ${error.line}: ${error.reason}; the rest of the file was not read (${tally.rows} rows before it)`);
  }
  const skipped: SkippedRule[] = [];
  const summary = checkFileLevel(expectations, tally, collector, skipped);
  const violations = collector.violations(actions);
  const report: ValidationReport = {
    ok: violations.every((v) => v.action !== 'fail'),
    file: path,
    format: scan.format(),
    sha256: scan.sha256(),
    rows: tally.rows,
    validRows: tally.validRows,
    violations,
    skipped,
    expectations: summary,
    actions,
  };
  return kept ? { report, rows: kept } : { report };
}

const percent = (share: number): string => `${(share * 100).toFixed(1)} %`;

/** The row_count and class_balance rules, which need the whole file; returns the expectations summary. */
function checkFileLevel(expectations: DataExpectations, tally: Tally, collector: ViolationCollector, skipped: SkippedRule[]): ExpectationsSummary {
  const model = expectations.modelVersion === undefined ? undefined : `model ${expectations.modelVersion}`;
  const noModel = 'no current model: the file was checked against the feature schema only';
  const truncated = 'the file was not read to the end (malformed CSV)';
  const summary: ExpectationsSummary = {
    source: expectations.source,
    modelVersion: expectations.modelVersion,
    columns: [...expectations.features.map((f) => f.name), TARGET.name],
    ...(expectations.rowCount ? { rowCount: expectations.rowCount } : {}),
  };

  const rowCount = expectations.rowCount;
  if (!rowCount) skipped.push({ rule: 'row_count', reason: noModel });
  else if (!tally.complete) skipped.push({ rule: 'row_count', reason: truncated });
  else if (tally.rows < rowCount.min || tally.rows > rowCount.max) {
    const direction = tally.rows < rowCount.min ? 'too few' : 'too many';
    collector.addFileLevel('row_count', `row count: ${tally.rows} rows, ${direction}; expected ${rowCount.min}..${rowCount.max} (from the ${rowCount.trainingRows} rows ${model} was trained on)`);
  }

  const balance = expectations.classBalance;
  if (!balance) {
    skipped.push({ rule: 'class_balance', reason: noModel });
    return summary;
  }
  const cannotCheck = !tally.complete
    ? truncated
    : tally.layout?.target === undefined
      ? `the target column "${TARGET.name}" is missing`
      : tally.labelled === 0
        ? 'no row has a valid label'
        : undefined;
  if (cannotCheck !== undefined) {
    skipped.push({ rule: 'class_balance', reason: cannotCheck });
    return { ...summary, classBalance: { positiveShare: balance.positiveShare, tolerance: balance.absoluteTolerance } };
  }
  const tolerance = classBalanceTolerance(balance, tally.labelled);
  const share = tally.positives / tally.labelled;
  if (Math.abs(share - balance.positiveShare) > tolerance) {
    collector.addFileLevel(
      'class_balance',
      `class balance: ${percent(share)} positive ("${TARGET.positive}" in ${tally.positives} of ${tally.labelled} labelled rows), expected ${percent(balance.positiveShare)} ± ${percent(tolerance)} (the training share of ${model})`,
    );
  }
  return { ...summary, classBalance: { positiveShare: balance.positiveShare, tolerance } };
}
