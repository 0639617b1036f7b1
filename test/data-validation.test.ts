import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadLabelledCsv, writeLabelledCsv } from '../src/data/csv.js';
import type { ModelArtifact } from '../src/model/artifact.js';
import {
  DEFAULT_RULE_ACTIONS,
  MAX_EXAMPLES,
  RULE_IDS,
  RuleConfigError,
  classBalanceTolerance,
  currentExpectations,
  expectationsFromArtifact,
  formatReport,
  parseRuleActions,
  resolveRuleActions,
  schemaExpectations,
  validateCsv,
  type DataExpectations,
  type ValidateOptions,
  type ValidationReport,
  type Violation,
} from '../src/pipeline/validation/index.js';
import { tempDir, trainedRegistry } from './helpers/fixtures.js';

const REAL_FILE = fileURLToPath(new URL('../../shared/data/bank-full.csv', import.meta.url));
const skip = existsSync(REAL_FILE) ? false : `real data not found: put UCI bank-full.csv at ${REAL_FILE} (../shared/data/bank-full.csv from the repo root) to run this`;

const dir = tempDir('modelwatch-validation-');
after(() => rmSync(dir, { recursive: true, force: true }));

/** bank-full's header and data lines, split into fields (the file is comma-separated, unquoted). */
let header: string[] = [];
let data: string[][] = [];
/** Every 9th row of bank-full: spans the whole period, so its class balance is bank-full's (11.7 %). */
let sample: string[][] = [];
let expectations: DataExpectations;

let fileCounter = 0;
function writeCsv(rows: readonly (readonly string[])[], head: readonly string[] = header): string {
  const path = join(dir, `data-${++fileCounter}.csv`);
  writeFileSync(path, [head, ...rows].map((r) => r.join(',')).join('\n') + '\n');
  return path;
}

/** A copy of the sample with `value` in `column` at the given sample rows (file line = index + 2). */
function withValues(column: string, value: string, indices: readonly number[]): string[][] {
  const at = header.indexOf(column);
  const rows = sample.map((r) => [...r]);
  for (const i of indices) rows[i][at] = value;
  return rows;
}

async function validate(path: string, options: ValidateOptions = {}, against: DataExpectations = expectations): Promise<ValidationReport> {
  return (await validateCsv(path, against, options)).report;
}

/** The one violation of `rule` (for `column`), failing the test with the report when there is none or several. */
function violation(report: ValidationReport, rule: string, column?: string): Violation {
  const found = report.violations.filter((v) => v.rule === rule && (column === undefined || v.column === column));
  assert.equal(found.length, 1, `expected one ${rule} violation${column ? ` for ${column}` : ''}:\n${formatReport(report)}`);
  return found[0];
}

const rulesOf = (report: ValidationReport): string[] => report.violations.map((v) => v.rule);

describe('data validation against the current model', { skip }, () => {
  before(() => {
    const lines = readFileSync(REAL_FILE, 'utf8').trimEnd().split('\n');
    header = lines[0].split(',');
    data = lines.slice(1).map((l) => l.split(','));
    sample = data.filter((_, i) => i % 9 === 0);
    expectations = currentExpectations(trainedRegistry());
  });

  test('expectations come from the current model: its version, training rows and positive share', () => {
    const { artifact } = trainedRegistry().read('v1');
    assert.equal(expectations.modelVersion, 'v1');
    assert.equal(expectations.classBalance?.positiveShare, artifact.baseline.classShares[1]);
    // The fixture model is trained on synthetic data calibrated to bank-full's 11.7 % positive.
    assert.ok(Math.abs(expectations.classBalance!.positiveShare - 0.117) < 0.02, `positive share ${expectations.classBalance!.positiveShare}`);
    assert.deepEqual(expectations.rowCount, { min: 2_500, max: 50_000, trainingRows: 5_000 });
  });

  test('a clean sample of bank-full passes with no violation, and its kept rows are what the loader reads', async () => {
    const path = writeCsv(sample);
    const { report, rows } = await validateCsv(path, expectations, { keepRows: true });
    assert.equal(report.ok, true, formatReport(report));
    assert.deepEqual(report.violations, []);
    assert.deepEqual(report.skipped, []);
    assert.equal(report.rows, sample.length);
    assert.equal(report.validRows, sample.length);
    assert.equal(report.format, 'comma');
    assert.deepEqual(rows, (await loadLabelledCsv(path)).rows);
    assert.match(formatReport(report), /\nPASS \(0 failing, 0 warnings\)\n$/);
  });

  test('the whole of bank-full passes too, and the report carries its published sha256', async () => {
    const report = await validate(REAL_FILE);
    assert.equal(report.ok, true, formatReport(report));
    assert.equal(report.rows, 45_211);
    assert.deepEqual(report.violations, []);
    assert.equal(report.sha256, 'b44507c26634736d4a0619ec2d7c4b6ff56a2c63cbeb5176d3134e7b25e416f0');
  });

  test('class balance does not false-alarm on other samples of the same distribution, large or small', async () => {
    for (const offset of [1, 4, 8]) {
      const report = await validate(writeCsv(data.filter((_, i) => i % 9 === offset)));
      assert.deepEqual(rulesOf(report), [], formatReport(report));
    }
    // 300 rows: sampling noise alone moves the share by ~2 points, and the z term widens the band.
    const small = await validate(writeCsv(data.filter((_, i) => i % 150 === 7)), { rules: 'row_count=warn' });
    assert.deepEqual(rulesOf(small), ['row_count'], formatReport(small));
    assert.ok(small.expectations.classBalance!.tolerance >= 0.05);
  });

  test('a missing column is caught by schema.columns and named', async () => {
    const at = header.indexOf('housing');
    const drop = (r: readonly string[]) => r.filter((_, i) => i !== at);
    const report = await validate(writeCsv(sample.map(drop), drop(header)));
    assert.equal(report.ok, false);
    const v = violation(report, 'schema.columns', 'housing');
    assert.equal(v.message, 'missing column "housing"');
    assert.equal(v.action, 'fail');
    assert.deepEqual(rulesOf(report), ['schema.columns'], 'the other columns of every row are still fine');
    assert.equal(report.validRows, 0, 'no row can be trained on without the column');
    assert.match(formatReport(report), /^FAIL schema\.columns: missing column "housing"$/m);
  });

  test('a wrong type is caught by types, naming the column and the value; counts are full, examples capped', async () => {
    const indices = [3, 10, 50, 51, 52, 53, 400, 401, 402, 1_000, 2_000, 3_000];
    const report = await validate(writeCsv(withValues('age', 'abc', indices)));
    assert.equal(report.ok, false);
    const v = violation(report, 'types', 'age');
    assert.equal(v.count, indices.length);
    assert.equal(v.examples.length, MAX_EXAMPLES);
    assert.deepEqual(v.examples[0], { line: 5, column: 'age', value: 'abc' });
    assert.deepEqual(v.examples.map((e) => e.line), indices.slice(0, MAX_EXAMPLES).map((i) => i + 2));
    assert.equal(v.message, 'column "age": 12 values are not numbers (e.g. line 5: "abc"; expected an integer in 18..100)');
    assert.deepEqual(rulesOf(report), ['types']);
    assert.equal(report.validRows, sample.length - indices.length);
  });

  test('a fractional value in an integer column is a type problem too', async () => {
    const v = violation(await validate(writeCsv(withValues('campaign', '2.5', [7]))), 'types', 'campaign');
    assert.equal(v.message, 'column "campaign": 1 value is not a whole number (line 9: "2.5"; expected an integer in 1..100)');
  });

  test('an unknown category is caught by categories, naming the column, the value and the allowed ones', async () => {
    const report = await validate(writeCsv(withValues('job', 'astronaut', [5, 6])));
    const v = violation(report, 'categories', 'job');
    assert.equal(v.count, 2);
    assert.match(v.message, /^column "job": 2 unknown categories \(e\.g\. line 7: "astronaut"; allowed: admin\., blue-collar, .*, unknown\)$/);
    assert.deepEqual(rulesOf(report), ['categories']);
  });

  test('an out-of-range value is caught by ranges with the schema\'s range', async () => {
    const report = await validate(writeCsv(withValues('age', '150', [7])));
    const v = violation(report, 'ranges', 'age');
    assert.equal(v.message, 'column "age": 1 value out of range 18..100 (line 9: 150)');
    assert.deepEqual(rulesOf(report), ['ranges']);
    assert.equal(report.ok, false);
  });

  test('a shifted class balance (bank-full\'s last 10 %) is caught and named; it warns by default and fails when configured', async () => {
    const path = writeCsv(data.slice(-4_521));
    const report = await validate(path);
    const v = violation(report, 'class_balance');
    assert.equal(v.action, 'warn');
    assert.match(v.message, /^class balance: 47\.1 % positive \("yes" in 2129 of 4521 labelled rows\), expected 1\d\.\d % ± 5\.0 % \(the training share of model v1\)$/);
    assert.equal(report.ok, true, 'a warning alone does not fail the step');
    assert.match(formatReport(report), /^WARN class_balance: class balance: 47\.1 % positive/m);
    assert.match(formatReport(report), /\nPASS \(0 failing, 1 warning\)\n$/);

    const strict = await validate(path, { rules: 'class_balance=fail' });
    assert.equal(strict.ok, false);
    assert.equal(violation(strict, 'class_balance').action, 'fail');
    assert.match(formatReport(strict), /\nFAIL \(1 failing, 0 warnings\)\n$/);
  });

  test('flipped labels shift the class balance the other way and are caught too', async () => {
    const at = header.indexOf('y');
    const flipped = sample.map((r) => r.map((v, i) => (i === at ? (v === 'yes' ? 'no' : 'yes') : v)));
    assert.match(violation(await validate(writeCsv(flipped)), 'class_balance').message, /^class balance: 88\.\d % positive/);
  });

  test('missing values: empty cells and NA spellings, but UCI\'s "unknown" is a category', async () => {
    const rows = withValues('balance', '', [2]);
    rows[3][header.indexOf('education')] = 'NA';
    rows[4][header.indexOf('y')] = '';
    rows[5][header.indexOf('job')] = 'unknown';
    const report = await validate(writeCsv(rows));
    assert.equal(violation(report, 'missing_values', 'balance').message, 'column "balance": 1 value missing (line 4: "")');
    assert.equal(violation(report, 'missing_values', 'education').message, 'column "education": 1 value missing (line 5: "NA")');
    assert.equal(violation(report, 'missing_values', 'y').count, 1);
    assert.deepEqual(rulesOf(report), ['missing_values', 'missing_values', 'missing_values']);
  });

  test('a target that is not yes/no is caught by target', async () => {
    const v = violation(await validate(writeCsv(withValues('y', 'maybe', [0]))), 'target', 'y');
    assert.equal(v.message, 'column "y": 1 value is not "yes" or "no" (line 2: "maybe")');
  });

  test('unknown and repeated columns are named; the column order is free; the semicolon layout is read too', async () => {
    const extra = await validate(writeCsv(sample.map((r) => [...r, 'x', r[0]]), [...header, 'colour', 'age']));
    assert.match(violation(extra, 'schema.columns', 'colour').message, /^unknown column "colour" at position 18/);
    assert.match(violation(extra, 'schema.columns', 'age').message, /^column "age" appears more than once in the header \(positions 1 and 19\)/);

    const reversed = await validate(writeCsv(sample.map((r) => [...r].reverse()), [...header].reverse()));
    assert.deepEqual(reversed.violations, []);

    const semicolon = join(dir, 'semicolon.csv');
    await writeLabelledCsv(semicolon, (await loadLabelledCsv(writeCsv(sample))).rows, 'semicolon-quoted');
    const report = await validate(semicolon);
    assert.equal(report.format, 'semicolon-quoted');
    assert.deepEqual(report.violations, []);
  });

  test('rows with the wrong field count and malformed CSV are caught by row_shape', async () => {
    const short = sample.map((r) => [...r]);
    short[10] = short[10].slice(0, 12);
    const shape = await validate(writeCsv(short));
    assert.equal(violation(shape, 'row_shape').message, "1 row has a different number of fields than the header's 17 (line 12: 12 fields)");

    const path = join(dir, 'unclosed-quote.csv');
    writeFileSync(path, [header, ...sample.slice(0, 3_000)].map((r) => r.join(',')).join('\n') + '\n30,"admin.,married\n' + sample[0].join(',') + '\n');
    const broken = await validate(path);
    assert.match(violation(broken, 'row_shape').message, /^line 3003: malformed CSV: Quote Not Closed.*; the rest of the file was not read \(3000 rows before it\)$/);
    assert.deepEqual(broken.skipped.map((s) => s.rule), ['row_count', 'class_balance']);
    assert.equal(broken.sha256, undefined);
  });

  test('an empty file is a schema.columns failure, not an exception', async () => {
    const path = join(dir, 'empty.csv');
    writeFileSync(path, '');
    const report = await validate(path);
    assert.match(violation(report, 'schema.columns').message, /^no header: file is empty/);
    assert.equal(report.ok, false);
  });

  test('too few rows for the current model are caught by row_count', async () => {
    const report = await validate(writeCsv(sample.slice(0, 1_000)));
    assert.equal(violation(report, 'row_count').message, 'row count: 1000 rows, too few; expected 2500..50000 (from the 5000 rows model v1 was trained on)');
    assert.equal(report.ok, false);
  });

  test('every fault at once: each is caught by its own rule, counted apart', async () => {
    const rows = withValues('age', 'abc', [1, 2]);
    rows[3][header.indexOf('age')] = '150';
    rows[4][header.indexOf('job')] = 'astronaut';
    rows[5][header.indexOf('duration')] = '';
    const report = await validate(writeCsv(rows));
    assert.deepEqual(rulesOf(report), ['missing_values', 'types', 'categories', 'ranges']);
    assert.deepEqual(report.violations.map((v) => v.count), [1, 2, 1, 1]);
    assert.equal(report.validRows, sample.length - 5);
  });

  test('warn instead of fail lets the step pass, and the bad rows are left out of the kept rows', async () => {
    const path = writeCsv(withValues('age', '150', [0, 1, 2]));
    const { report, rows } = await validateCsv(path, expectations, { rules: { ranges: 'warn' }, keepRows: true });
    assert.equal(report.ok, true);
    assert.equal(violation(report, 'ranges', 'age').action, 'warn');
    assert.equal(rows?.length, sample.length - 3);
    assert.equal(report.actions.ranges, 'warn');
    assert.equal(report.actions.types, 'fail');
  });

  test('without a current model the schema rules still run and the model-relative ones are skipped with a note', async () => {
    const report = await validate(writeCsv(withValues('age', '150', [0])), {}, schemaExpectations());
    assert.deepEqual(rulesOf(report), ['ranges']);
    assert.deepEqual(report.skipped.map((s) => s.rule), ['row_count', 'class_balance']);
    assert.match(report.skipped[0].reason, /no current model/);
    assert.match(formatReport(report), /^SKIP class_balance: no current model/m);
    assert.equal(report.expectations.modelVersion, undefined);
  });

  test('categories are the model\'s: one it was not trained with is unknown', async () => {
    const { artifact } = trainedRegistry().read('v1');
    const narrowed: ModelArtifact = {
      ...artifact,
      schema: { ...artifact.schema, features: artifact.schema.features.map((f) => (f.name === 'job' ? { ...f, categories: f.categories!.filter((c) => c !== 'student') } : f)) },
    };
    const report = await validate(writeCsv(sample), {}, expectationsFromArtifact(narrowed));
    const v = violation(report, 'categories', 'job');
    assert.match(v.message, /unknown categor(y|ies) \(e\.g\. line \d+: "student"; allowed: admin\./);
    assert.ok(!v.message.includes('student,'));
    assert.throws(() => expectationsFromArtifact({ ...artifact, schema: { ...artifact.schema, target: { name: 'y', negative: '0', positive: '1' } } }), /predicts target/);
  });

  test('the report is plain JSON', async () => {
    const report = await validate(writeCsv(withValues('age', 'abc', [0])));
    assert.deepEqual(JSON.parse(JSON.stringify(report)), report);
  });
});

describe('rule configuration', () => {
  test('parses rule=action pairs and applies them over the defaults', () => {
    assert.deepEqual(parseRuleActions(' class_balance=fail, row_count=warn ,'), { class_balance: 'fail', row_count: 'warn' });
    assert.deepEqual(parseRuleActions(''), {});
    assert.equal(DEFAULT_RULE_ACTIONS.class_balance, 'warn');
    assert.ok(RULE_IDS.filter((r) => r !== 'class_balance').every((r) => DEFAULT_RULE_ACTIONS[r] === 'fail'));
    assert.equal(resolveRuleActions(parseRuleActions('schema.columns=warn'))['schema.columns'], 'warn');
  });

  test('an unknown rule id or action, a pair without =, or a rule set twice is a clear error', () => {
    const rejects = (text: string, message: RegExp) => assert.throws(() => parseRuleActions(text), (e: unknown) => e instanceof RuleConfigError && message.test(e.message));
    rejects('class_balanse=warn', /^unknown validation rule "class_balanse"; the rules are schema\.columns, row_shape, .*class_balance$/);
    rejects('ranges=ignore', /^unknown action "ignore" for rule "ranges"; use fail or warn$/);
    rejects('ranges', /is not rule=action/);
    rejects('ranges=warn,ranges=fail', /set twice/);
    assert.throws(() => resolveRuleActions({ colour: 'warn' }), /unknown validation rule "colour"/);
  });

  test('a bad configuration is refused before the file is read', async () => {
    await assert.rejects(validateCsv(join(dir, 'does-not-exist.csv'), schemaExpectations(), { rules: 'typo=warn' }), RuleConfigError);
  });

  test('the class balance tolerance is 5 points, widened by sampling error for small files', () => {
    const expectation = { positiveShare: 0.117, absoluteTolerance: 0.05, z: 3 };
    assert.equal(classBalanceTolerance(expectation, 45_211), 0.05);
    assert.ok(Math.abs(classBalanceTolerance(expectation, 100) - 3 * Math.sqrt((0.117 * 0.883) / 100)) < 1e-12);
  });
});
