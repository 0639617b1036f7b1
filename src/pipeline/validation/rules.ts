/**
 * The data validation rules: stable ids, what each one checks, and whether a violation fails the
 * step or only warns. The ids are part of the interface (CLI flags, report JSON, pipeline config),
 * so they never change meaning.
 */

/** Every rule, in the order the report lists them. */
export const RULE_IDS = ['schema.columns', 'row_shape', 'missing_values', 'types', 'categories', 'ranges', 'target', 'row_count', 'class_balance'] as const;

/** A rule's stable id. */
export type RuleId = (typeof RULE_IDS)[number];

/** What a violation of a rule does: `fail` makes the report not ok and stops the pipeline; `warn` is only reported. */
export type RuleAction = 'fail' | 'warn';

/** The actions in effect, one per rule. */
export type RuleActions = Readonly<Record<RuleId, RuleAction>>;

/** What each rule checks, as `pipeline run --help` lists it. */
export const RULE_DESCRIPTIONS: Readonly<Record<RuleId, string>> = {
  'schema.columns': 'the header has every feature column and the target, no unknown column and no column twice',
  row_shape: 'every row has as many fields as the header, and the file is well-formed CSV',
  missing_values: 'no empty cell (or NA, N/A, NaN, null, none, ?); UCI\'s "unknown" is a category, not a missing value',
  types: 'numeric columns hold plain decimal numbers, whole numbers where the schema says integer',
  categories: 'categorical columns hold a category the current model knows',
  ranges: 'numeric values lie inside the schema\'s range',
  target: 'the target column holds "yes" or "no"',
  row_count: 'the row count is comparable to the current model\'s training data',
  class_balance: 'the positive share is close to the current model\'s training share',
};

/**
 * Defaults: every rule fails except `class_balance`, which warns. A shifted class balance is a real
 * change in the world (bank-full's late rows jump from ~5 % to ~47 % positive) that retraining is
 * meant to follow, not a broken file; it is still reported, named, in every report.
 */
export const DEFAULT_RULE_ACTIONS: RuleActions = {
  'schema.columns': 'fail',
  row_shape: 'fail',
  missing_values: 'fail',
  types: 'fail',
  categories: 'fail',
  ranges: 'fail',
  target: 'fail',
  row_count: 'fail',
  class_balance: 'warn',
};

/** A rule configuration that names an unknown rule or action, or is malformed. */
export class RuleConfigError extends Error {
  override readonly name = 'RuleConfigError';
}

const isRuleId = (value: string): value is RuleId => (RULE_IDS as readonly string[]).includes(value);
const isAction = (value: string): value is RuleAction => value === 'fail' || value === 'warn';

/**
 * The actions in effect: the defaults with `overrides` applied. Checks the overrides, since they may
 * come from untyped config (JSON, env).
 *
 * @throws RuleConfigError for an unknown rule id or action.
 * @example resolveRuleActions({ class_balance: 'fail' }).class_balance // 'fail'
 */
export function resolveRuleActions(overrides: Partial<Record<string, string>> = {}): RuleActions {
  const actions: Record<RuleId, RuleAction> = { ...DEFAULT_RULE_ACTIONS };
  for (const [rule, action] of Object.entries(overrides)) {
    if (action === undefined) continue;
    actions[checkRule(rule)] = checkAction(rule, action);
  }
  return actions;
}

/**
 * Parses a CLI-style list of `rule=action` pairs, comma-separated; whitespace is ignored and an
 * empty string means no override.
 *
 * @throws RuleConfigError naming the bad part: an unknown rule id, an unknown action, a pair without `=`, or a rule given twice.
 * @example parseRuleActions('class_balance=fail, row_count=warn') // { class_balance: 'fail', row_count: 'warn' }
 */
export function parseRuleActions(text: string): Partial<Record<RuleId, RuleAction>> {
  const result: Partial<Record<RuleId, RuleAction>> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const eq = part.indexOf('=');
    if (eq < 0) throw new RuleConfigError(`rule setting ${JSON.stringify(part)} is not rule=action (e.g. class_balance=fail)`);
    const rule = checkRule(part.slice(0, eq).trim());
    if (result[rule] !== undefined) throw new RuleConfigError(`rule "${rule}" is set twice`);
    result[rule] = checkAction(rule, part.slice(eq + 1).trim());
  }
  return result;
}

function checkRule(rule: string): RuleId {
  if (!isRuleId(rule)) throw new RuleConfigError(`unknown validation rule ${JSON.stringify(rule)}; the rules are ${RULE_IDS.join(', ')}`);
  return rule;
}

function checkAction(rule: string, action: string): RuleAction {
  if (!isAction(action)) throw new RuleConfigError(`unknown action ${JSON.stringify(action)} for rule "${rule}"; use fail or warn`);
  return action;
}
