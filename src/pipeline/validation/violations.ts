/**
 * Counts violations by rule, column and kind while a file streams past, keeping only the first few
 * examples of each, so memory stays bounded however bad a 45k-row file is.
 */
import { MAX_EXAMPLES, type Violation, type ViolationExample } from './report.js';
import { RULE_IDS, type RuleActions, type RuleId } from './rules.js';

/** Builds a violation's message from its full count and its kept examples. */
export type Describe = (count: number, examples: readonly ViolationExample[]) => string;

interface Entry {
  readonly rule: RuleId;
  readonly column: string | undefined;
  readonly describe: Describe;
  count: number;
  readonly examples: ViolationExample[];
}

/** Longest raw value kept in an example; a runaway cell must not bloat the report. */
const MAX_VALUE_CHARS = 100;

/** Accumulates violations; see {@link ViolationCollector.add}. */
export class ViolationCollector {
  private readonly entries = new Map<string, Entry>();

  /**
   * Counts one occurrence of a problem. Occurrences with the same rule, column and `kind` form one
   * violation; `describe` is taken from the first (it is the same for all of them).
   *
   * @example collector.add('ranges', 'age', 'out_of_range', { line: 9, column: 'age', value: '150' }, describeRange);
   */
  add(rule: RuleId, column: string | undefined, kind: string, example: ViolationExample, describe: Describe): void {
    const key = `${rule}\u0000${column ?? ''}\u0000${kind}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { rule, column, describe, count: 0, examples: [] };
      this.entries.set(key, entry);
    }
    entry.count++;
    if (entry.examples.length < MAX_EXAMPLES) entry.examples.push(clip(example));
  }

  /**
   * Records a problem of the file as a whole (row count, class balance, malformed CSV): count 1, no examples.
   *
   * @example collector.addFileLevel('row_count', 'row count: 12 rows, expected 2500..50000 …');
   */
  addFileLevel(rule: RuleId, message: string): void {
    this.entries.set(`${rule}\u0000\u0000file`, { rule, column: undefined, describe: () => message, count: 1, examples: [] });
  }

  /**
   * The violations with their actions, in rule order, then in order of first occurrence.
   *
   * @example const violations = collector.violations(resolveRuleActions());
   */
  violations(actions: RuleActions): Violation[] {
    const order = (rule: RuleId): number => RULE_IDS.indexOf(rule);
    return [...this.entries.values()]
      .map((e, i) => ({ e, i }))
      .sort((a, b) => order(a.e.rule) - order(b.e.rule) || a.i - b.i)
      .map(({ e }) => ({
        rule: e.rule,
        action: actions[e.rule],
        ...(e.column === undefined ? {} : { column: e.column }),
        message: e.describe(e.count, e.examples),
        count: e.count,
        examples: e.examples,
      }));
  }
}

function clip(example: ViolationExample): ViolationExample {
  return example.value.length <= MAX_VALUE_CHARS ? example : { ...example, value: `${example.value.slice(0, MAX_VALUE_CHARS)}…` };
}
