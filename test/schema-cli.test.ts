/**
 * `modelwatch schema infer` through the CLI: the schema on stdout (indented, or with the report
 * under --json), the report on stderr, the flags passed through, the bank-marketing default, and
 * the exit codes and JSON errors of the CLI's conventions (2 for a flag at fault, 1 for data that
 * cannot be used).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { writeLabelledCsv } from '../src/data/csv.js';
import { inferSchema } from '../src/data/infer-schema.js';
import { BANK_SCHEMA } from '../src/data/model-schema.js';
import { readSchemaFile } from '../src/data/schema-file.js';
import { generateSynthetic } from '../src/data/synthetic.js';
import { tempDir } from './helpers/fixtures.js';

const CLI = ['--import', 'tsx', 'src/cli/main.ts'];
const run = (args: string[]) => spawnSync(process.execPath, [...CLI, ...args], { encoding: 'utf8', timeout: 120_000 });

/** A small CSV: a number, a category, an identifier and a three-valued target. */
function sampleCsv(): string {
  const path = join(tempDir(), 'pets.csv');
  const kinds = ['cat', 'dog', 'bird'];
  const rows = Array.from({ length: 30 }, (_, i) => `${i},${(i * 0.37).toFixed(2)},${['red', 'blue'][i % 2]},${kinds[i % 3]}`);
  writeFileSync(path, ['id,weight,colour,kind', ...rows].join('\n') + '\n');
  return path;
}

describe('modelwatch schema infer', () => {
  test('--help explains the command and its flags', () => {
    const result = run(['schema', 'infer', '--help']);
    assert.equal(result.status, 0, result.stderr);
    for (const flag of ['--data <csv>', '--target <column>', '--task <task>', '--positive <value>', '--drop <columns>', '--max-categories <n>', '--json']) assert.ok(result.stdout.includes(flag), flag);
    assert.match(result.stdout, /numeric when every non-empty value is a number/);
  });

  test('prints the inferred schema as indented JSON on stdout, readable as a schema file; the report goes to stderr', async () => {
    const path = sampleCsv();
    const result = run(['schema', 'infer', '--data', path, '--target', 'kind', '--drop', 'id']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^\{\n {2}"features": \[/, 'indented for editing');
    const printed = JSON.parse(result.stdout);
    const { schema } = await inferSchema(path, { target: 'kind', drop: ['id'] });
    assert.deepEqual(printed, JSON.parse(JSON.stringify(schema)));
    assert.equal(printed.task, 'multiclass');
    assert.deepEqual(printed.classes, ['bird', 'cat', 'dog']);
    assert.match(result.stderr, /30 rows, 2 feature columns \(dropped id\)/);
    assert.match(result.stderr, /target kind: multiclass \(3 distinct target values\)/);
    assert.match(result.stderr, /weight: number, \d+ distinct, 0\.\.10\.73 in the data/);
    const saved = join(tempDir(), 'schema.json');
    writeFileSync(saved, result.stdout);
    assert.deepEqual(readSchemaFile(saved), schema);
  });

  test('--json prints {schema, report} on one line; --task and --positive reach inference', () => {
    const path = sampleCsv();
    const result = run(['schema', 'infer', '--data', path, '--target', 'colour', '--positive', 'red', '--json']);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim().split('\n').length, 1);
    const { schema, report } = JSON.parse(result.stdout);
    assert.equal(schema.task, 'binary');
    assert.deepEqual(schema.classes, ['blue', 'red']);
    assert.equal(report.target.positiveReason, 'given');
    assert.equal(result.stderr, '', 'with --json nothing but the result is printed');
    const asRegression = JSON.parse(run(['schema', 'infer', '--data', path, '--target', 'weight', '--task', 'regression', '--json']).stdout);
    assert.equal(asRegression.schema.task, 'regression');
    assert.equal(asRegression.report.taskReason, 'given');
  });

  test('bank-marketing data needs no --target and gets the curated schema', async () => {
    const path = join(tempDir(), 'bank.csv');
    await writeLabelledCsv(path, generateSynthetic({ rows: 200, seed: 9 }), 'semicolon-quoted');
    const result = run(['schema', 'infer', '--data', path]);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), JSON.parse(JSON.stringify(BANK_SCHEMA)));
    assert.match(result.stderr, /recognised the bank-marketing columns/);
  });

  test('exit code 2 and a JSON error naming the problem when a flag is at fault; 1 when the data cannot be used', () => {
    const path = sampleCsv();
    const noTarget = run(['schema', 'infer', '--data', path, '--json']);
    assert.equal(noTarget.status, 2);
    const error = JSON.parse(noTarget.stdout).error;
    assert.equal(error.code, 'MW_SCHEMA_INFERENCE_FAILED');
    assert.equal(error.exit_code, 2);
    assert.match(error.message, /target column "y" is not in the header of .*pets\.csv; its columns are "id", "weight", "colour", "kind" \(name the label column with --target\)/);
    assert.match(noTarget.stderr, /target column "y" is not in the header/);

    const constant = join(tempDir(), 'constant.csv');
    writeFileSync(constant, 'a,t\n1,x\n2,x\n');
    const data = run(['schema', 'infer', '--data', constant, '--target', 't', '--json']);
    assert.equal(data.status, 1);
    assert.match(JSON.parse(data.stdout).error.message, /target column "t" is constant/);

    const badTask = run(['schema', 'infer', '--data', path, '--target', 'kind', '--task', 'ranking', '--json']);
    assert.equal(badTask.status, 2);
    assert.equal(JSON.parse(badTask.stdout).error.code, 'MW_USAGE');
    assert.match(badTask.stderr, /--task must be binary, multiclass or regression, got "ranking"/);

    const missing = run(['schema', 'infer', '--data', join(tempDir(), 'absent.csv'), '--json']);
    assert.equal(missing.status, 1);
    assert.equal(JSON.parse(missing.stdout).error.code, 'MW_FILE_NOT_FOUND');
  });
});
