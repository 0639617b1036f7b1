/**
 * The data validation step of the training pipeline (issue 5, item 2): what the pipeline runner and
 * the CLI import. See validate.ts for the rules and report.ts for the report's shape.
 */
export { currentExpectations, expectationsFromArtifact, schemaExpectations, classBalanceTolerance, DEFAULT_EXPECTATION_OPTIONS } from './expectations.js';
export type { DataExpectations, ExpectationOptions, RowCountExpectation, ClassBalanceExpectation } from './expectations.js';
export { formatReport, MAX_EXAMPLES } from './report.js';
export type { ValidationReport, Violation, ViolationExample, SkippedRule, ExpectationsSummary } from './report.js';
export { DEFAULT_RULE_ACTIONS, RULE_DESCRIPTIONS, RULE_IDS, RuleConfigError, parseRuleActions, resolveRuleActions } from './rules.js';
export type { RuleAction, RuleActions, RuleId } from './rules.js';
export { validateCsv } from './validate.js';
export type { ValidateOptions, ValidationResult } from './validate.js';
