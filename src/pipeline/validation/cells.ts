/**
 * The row-level rules: `row_shape`, `missing_values`, `types`, `categories`, `ranges` and `target`.
 * The value checks themselves are the loader's (checkFeatureValue, parseTargetValue), so the
 * validation step accepts exactly what training will load; this file only sorts each rejection into
 * its rule and words the message.
 */
import { checkFeatureValue, parseTargetValue, type CsvRecord, type ValueProblem } from '../../data/csv.js';
import { describe } from '../../data/row-validation.js';
import { TARGET, canonicalCategory, type Feature, type LabelledRow, type Row } from '../../data/schema.js';
import type { ColumnLayout } from './columns.js';
import type { ViolationExample } from './report.js';
import type { RuleId } from './rules.js';
import type { Describe, ViolationCollector } from './violations.js';

/** Spellings of "no value" seen in exported CSVs; only counted as missing where they are not an allowed category. */
const MISSING_TOKENS = new Set(['na', 'n/a', 'nan', 'null', 'none', '?']);

/** The rule each kind of rejected value belongs to. */
const RULE_OF: Readonly<Record<ValueProblem, RuleId>> = {
  not_a_number: 'types',
  not_an_integer: 'types',
  unknown_category: 'categories',
  out_of_range: 'ranges',
};

/** What one row yields: its label when that is valid, and the whole row when nothing in it is wrong. */
export interface CheckedRow {
  readonly y: 0 | 1 | undefined;
  readonly row: LabelledRow | undefined;
}

/**
 * Checks every cell of one data record, counting each problem in `collector`, never stopping early.
 *
 * @example const { row, y } = checkRecord(record, layout, collector);
 */
export function checkRecord(record: CsvRecord, layout: ColumnLayout, collector: ViolationCollector): CheckedRow {
  const { fields, line } = record;
  if (fields.length !== layout.width) {
    collector.add('row_shape', undefined, 'width', { line, value: `${fields.length} fields` }, describeWidth(layout.width));
    return { y: undefined, row: undefined };
  }
  let valid = layout.complete;
  const features: Row = {};
  for (const { feature, index } of layout.features) {
    const raw = fields[index];
    const example: ViolationExample = { line, column: feature.name, value: raw };
    if (isMissing(feature, raw)) {
      collector.add('missing_values', feature.name, 'missing', example, describeMissing(feature.name));
      valid = false;
      continue;
    }
    const result = checkFeatureValue(feature, raw);
    if (result.ok) {
      features[feature.name] = result.value;
    } else {
      collector.add(RULE_OF[result.problem], feature.name, result.problem, example, DESCRIBE[result.problem](feature));
      valid = false;
    }
  }
  const y = layout.target === undefined ? undefined : checkTarget(fields[layout.target], line, collector);
  return { y, row: valid && y !== undefined ? { features, y } : undefined };
}

function checkTarget(raw: string, line: number, collector: ViolationCollector): 0 | 1 | undefined {
  const example: ViolationExample = { line, column: TARGET.name, value: raw };
  if (raw.trim() === '' || MISSING_TOKENS.has(raw.trim().toLowerCase())) {
    collector.add('missing_values', TARGET.name, 'missing', example, describeMissing(TARGET.name));
    return undefined;
  }
  const result = parseTargetValue(raw);
  if (result.ok) return result.value;
  collector.add('target', TARGET.name, 'label', example, (n, ex) => `column "${TARGET.name}": ${values(n)} ${n === 1 ? 'is' : 'are'} not "${TARGET.positive}" or "${TARGET.negative}" (${eg(n, ex)})`);
  return undefined;
}

/** Empty, or an NA spelling that is not an allowed value of the column. */
function isMissing(feature: Feature, raw: string): boolean {
  const text = raw.trim();
  if (text === '') return true;
  if (!MISSING_TOKENS.has(text.toLowerCase())) return false;
  return feature.kind === 'numeric' || canonicalCategory(feature, text) === undefined;
}

const values = (n: number): string => `${n} value${n === 1 ? '' : 's'}`;
const quoted = (e: ViolationExample): string => `line ${e.line}: ${JSON.stringify(e.value)}`;
/** "line 9: …" for a single occurrence, "e.g. line 9: …" when there are more. */
const eg = (n: number, ex: readonly ViolationExample[], show = quoted): string => `${n === 1 ? '' : 'e.g. '}${show(ex[0])}`;

const describeMissing = (column: string): Describe => (n, ex) => `column ${JSON.stringify(column)}: ${values(n)} missing (${eg(n, ex)})`;

const describeWidth = (width: number): Describe => (n, ex) =>
  `${n} row${n === 1 ? ' has' : 's have'} a different number of fields than the header's ${width} (${eg(n, ex, (e) => `line ${e.line}: ${e.value}`)})`;

const DESCRIBE: Readonly<Record<ValueProblem, (feature: Feature) => Describe>> = {
  not_a_number: (f) => (n, ex) => `column ${JSON.stringify(f.name)}: ${values(n)} ${n === 1 ? 'is not a number' : 'are not numbers'} (${eg(n, ex)}; expected ${describe(f)})`,
  not_an_integer: (f) => (n, ex) => `column ${JSON.stringify(f.name)}: ${values(n)} ${n === 1 ? 'is not a whole number' : 'are not whole numbers'} (${eg(n, ex)}; expected ${describe(f)})`,
  unknown_category: (f) => (n, ex) => `column ${JSON.stringify(f.name)}: ${n} unknown categor${n === 1 ? 'y' : 'ies'} (${eg(n, ex)}; allowed: ${f.kind === 'categorical' ? f.categories.join(', ') : ''})`,
  out_of_range: (f) => (n, ex) =>
    `column ${JSON.stringify(f.name)}: ${values(n)} out of range ${f.kind === 'numeric' ? `${f.min}..${f.max}` : ''} (${eg(n, ex, (e) => `line ${e.line}: ${e.value.trim()}`)})`,
};
