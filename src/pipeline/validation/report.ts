/**
 * The validation report: a plain JSON-serialisable object (the machine-readable form is the object
 * itself) and {@link formatReport}, its readable form — one line per violation, then PASS or FAIL.
 */
import type { CsvFormat } from '../../data/csv.js';
import type { RuleAction, RuleActions, RuleId } from './rules.js';

/** Where one offending value sits. `column` is absent for a row-level problem (a field count). */
export interface ViolationExample {
  /** 1-based physical line in the file (the header is line 1 unless blank lines precede it). */
  readonly line: number;
  readonly column?: string;
  /** The raw text as in the file, cut at 100 characters. */
  readonly value: string;
}

/** One kind of problem in one column (or in the file), with every occurrence counted. */
export interface Violation {
  readonly rule: RuleId;
  readonly action: RuleAction;
  /** The column concerned; absent for file-level rules (row count, class balance, malformed CSV). */
  readonly column?: string;
  /** Names the fault, the column and an example, e.g. `column "age": 1 value out of range 18..100 (line 9: 150)`. */
  readonly message: string;
  /** Occurrences (cells, rows, or 1 for a file-level rule). */
  readonly count: number;
  /** The first few occurrences, at most {@link MAX_EXAMPLES}. */
  readonly examples: readonly ViolationExample[];
}

/** Examples kept per violation; counts are always complete. */
export const MAX_EXAMPLES = 5;

/** A rule that could not run, and why. */
export interface SkippedRule {
  readonly rule: RuleId;
  readonly reason: string;
}

/** The expectations a file was checked against, as the report records them. */
export interface ExpectationsSummary {
  readonly source: string;
  readonly modelVersion: string | undefined;
  /** The columns the header must have: the features, then the target. */
  readonly columns: readonly string[];
  readonly rowCount?: { readonly min: number; readonly max: number; readonly trainingRows: number };
  /** `tolerance` is the one applied to this file (it depends on its row count). */
  readonly classBalance?: { readonly positiveShare: number; readonly tolerance: number };
}

/** The outcome of validating one file. */
export interface ValidationReport {
  /** True when no violation has the action `fail`. */
  readonly ok: boolean;
  readonly file: string;
  /** Undefined when the file is empty. */
  readonly format: CsvFormat | undefined;
  /** Hex sha256 of the file's bytes; undefined when the file was not read to the end (malformed CSV). */
  readonly sha256: string | undefined;
  /** Data rows read (the header not counted). */
  readonly rows: number;
  /** Rows without any row-level violation: those a training step can use. */
  readonly validRows: number;
  /** Rule order, then column order. */
  readonly violations: readonly Violation[];
  readonly skipped: readonly SkippedRule[];
  readonly expectations: ExpectationsSummary;
  /** The action of every rule in effect for this run. */
  readonly actions: RuleActions;
}

/**
 * The report as text: a heading, one line per violation (action, rule id, message, and any further
 * examples), the skipped rules, and a final `PASS` or `FAIL` line.
 *
 * @example console.log(formatReport(report));
 * // data validation of bank.csv against model v3 (…): 4521 rows, 4521 valid
 * // WARN class_balance: class balance: 47.1 % positive, expected 11.7 % ± 5.0 % …
 * // PASS (0 failing, 1 warning)
 */
export function formatReport(report: ValidationReport): string {
  const lines = [`data validation of ${report.file} against ${report.expectations.source}: ${report.rows} rows, ${report.validRows} valid`];
  for (const v of report.violations) {
    lines.push(`${v.action.toUpperCase()} ${v.rule}: ${v.message}`);
    if (v.examples.length > 1) lines.push(`     examples: ${v.examples.map(formatExample).join('; ')}`);
  }
  for (const s of report.skipped) lines.push(`SKIP ${s.rule}: ${s.reason}`);
  const failing = report.violations.filter((v) => v.action === 'fail').length;
  const warnings = report.violations.length - failing;
  lines.push(`${report.ok ? 'PASS' : 'FAIL'} (${failing} failing, ${warnings} warning${warnings === 1 ? '' : 's'})`);
  return `${lines.join('\n')}\n`;
}

function formatExample(e: ViolationExample): string {
  return `line ${e.line}${e.column === undefined ? '' : ` ${e.column}`}: ${JSON.stringify(e.value)}`;
}
