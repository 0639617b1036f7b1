/**
 * Schema inference from any labelled CSV (src/data/infer-schema.ts) and schema files
 * (src/data/schema-file.ts): the column, range, default and target rules on small files written
 * here, the bank-marketing header mapped to its curated schema, scikit-learn's wine, diabetes and
 * breast-cancer data dumped by Debian's Python, and the refusals, each naming the problem.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { writeLabelledCsv } from '../src/data/csv.js';
import { readCsvTable } from '../src/data/csv-table.js';
import { inferSchema, widenRange, type InferSchemaOptions } from '../src/data/infer-schema.js';
import { BANK_SCHEMA, type ModelSchema } from '../src/data/model-schema.js';
import type { CategoricalFeature, NumericFeature } from '../src/data/schema.js';
import { readSchemaFile } from '../src/data/schema-file.js';
import { SchemaFileError, SchemaInferenceError } from '../src/errors.js';
import { generateSynthetic } from '../src/data/synthetic.js';
import { pythonModulesMissing } from './helpers/debian-python.js';
import { tempDir } from './helpers/fixtures.js';
import { writeSklearnCsv } from './helpers/sklearn-data.js';
import { skipUnlessTool } from './helpers/tools.js';

/** Writes `text` to a fresh CSV file and returns its path. */
function csvFile(text: string, name = 'data.csv'): string {
  const path = join(tempDir(), name);
  writeFileSync(path, text);
  return path;
}

/** A CSV from a header and rows of cells (comma-separated, no quoting). */
const csv = (header: string[], rows: (string | number)[][]): string => [header.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n';

const numeric = (schema: ModelSchema, name: string): NumericFeature => {
  const f = schema.features.find((x) => x.name === name);
  assert.ok(f && f.kind === 'numeric', `${name} is numeric`);
  return f;
};
const categorical = (schema: ModelSchema, name: string): CategoricalFeature => {
  const f = schema.features.find((x) => x.name === name);
  assert.ok(f && f.kind === 'categorical', `${name} is categorical`);
  return f;
};

/** inferSchema must refuse, with a SchemaInferenceError whose message matches and whose `usage` flag is as given. */
async function refuses(path: string, options: InferSchemaOptions, message: RegExp, usage: boolean): Promise<void> {
  await assert.rejects(inferSchema(path, options), (err: Error) => {
    assert.ok(err instanceof SchemaInferenceError, `${err.name}: ${err.message}`);
    assert.equal(err.code, 'MW_SCHEMA_INFERENCE_FAILED');
    assert.match(err.message, message);
    assert.equal(err.usage, usage, `usage flag for: ${err.message}`);
    return true;
  });
}

describe('columns', () => {
  // 10 rows: an integer column, a float column with a gap, a category column with a gap, words in a
  // numeric-looking column, a constant column, an identifier and a yes/no target.
  const rows: (string | number)[][] = [
    [23, 1.5, 'red', 3, 7, 101, 'no'],
    [35, 2.25, 'blue', 'NA', 7, 102, 'yes'],
    [41, '', 'red', 5, 7, 103, 'no'],
    [52, 0.75, 'green', 4, 7, 104, 'no'],
    [29, 3, '', 2, 7, 105, 'yes'],
    [60, 1, 'red', 'NA', 7, 106, 'no'],
    [33, 2, 'blue', 1, 7, 107, 'no'],
    [47, 2.5, 'red', 9, 7, 108, 'yes'],
    [38, 1.25, 'green', 6, 7, 109, 'no'],
    [44, 0.5, 'red', 7, 7, 110, 'no'],
  ];
  const header = ['age', 'ratio', 'colour', 'score', 'flat', 'id', 'label'];

  test('numeric by content (integer when every value is whole), categorical otherwise; ranges, defaults and required by the documented rules', async () => {
    const { schema, report } = await inferSchema(csvFile(csv(header, rows)), { target: 'label' });
    assert.deepEqual(schema.features.map((f) => f.name), ['age', 'ratio', 'colour', 'score', 'flat', 'id']);
    const age = numeric(schema, 'age');
    // 23..60, span 37, margin 18.5: 4.5 → 4 (floor, whole numbers), 78.5 → 79; the lower middle of 10 values is 38.
    assert.deepEqual([age.integer, age.min, age.max, age.default, age.required], [true, 4, 79, 38, true]);
    const ratio = numeric(schema, 'ratio');
    // 0.5..3, margin 1.25, rounded at 0.1: -0.75 → 0 (no negative values in the data), 4.25 → 4.3.
    assert.deepEqual([ratio.integer, ratio.min, ratio.max, ratio.default, ratio.required], [false, 0, 4.3, 1.5, false]);
    const colour = categorical(schema, 'colour');
    assert.deepEqual(colour.categories, ['blue', 'green', 'red']);
    assert.equal(colour.default, 'red');
    assert.equal(colour.required, false, 'an empty cell makes the column optional');
    const score = categorical(schema, 'score');
    assert.deepEqual(score.categories, ['1', '2', '3', '4', '5', '6', '7', '9', 'NA'], '"NA" is a word, so the column is categorical');
    const flat = numeric(schema, 'flat');
    assert.deepEqual([flat.min, flat.max, flat.default], [3, 11, 7], 'a constant column is widened by half its magnitude');
    assert.equal(schema.task, 'binary');
    assert.deepEqual(schema.classes, ['no', 'yes']);
    assert.deepEqual(schema.target, { name: 'label' });
    assert.equal(report.rows, 10);
    assert.equal(report.target.positiveReason, '"yes" reads as yes');
    const notes = Object.fromEntries(report.columns.map((c) => [c.name, c.notes.join(' ')]));
    assert.match(notes.score, /numeric but for "NA" \(2 rows\)/);
    assert.match(notes.flat, /constant/);
    assert.equal(report.columns.find((c) => c.name === 'ratio')?.missing, 1);
    assert.deepEqual(report.columns.find((c) => c.name === 'age')?.observed, { min: 23, max: 60 });
  });

  test('--drop leaves columns out; a semicolon file with quoted fields reads the same as a comma file', async () => {
    const comma = await inferSchema(csvFile(csv(header, rows)), { target: 'label', drop: ['id', 'flat'] });
    assert.deepEqual(comma.schema.features.map((f) => f.name), ['age', 'ratio', 'colour', 'score']);
    assert.deepEqual(comma.report.dropped, ['id', 'flat']);
    const semicolon = [header.map((h) => `"${h}"`).join(';'), ...rows.map((r) => r.map((c) => (typeof c === 'string' && c !== '' ? `"${c}"` : c)).join(';'))].join('\r\n');
    const other = await inferSchema(csvFile(semicolon, 'semi.csv'), { target: 'label', drop: ['id', 'flat'] });
    assert.deepEqual(other.schema, { ...comma.schema, features: comma.schema.features.map((f) => ({ ...f, description: f.description.replace('data.csv', 'semi.csv') })) });
    const table = await readCsvTable(csvFile('name;note;y\n"a;b";"say ""hi""";1\nc;d;0\n'));
    assert.deepEqual(table.rows, [['a;b', 'say "hi"', '1'], ['c', 'd', '0']]);
  });

  test('a categorical column with more distinct values than maxCategories is refused with what to do', async () => {
    const many = csv(['code', 'x', 'y'], Array.from({ length: 30 }, (_, i) => [`c${i}`, i, i % 2]));
    await refuses(csvFile(many), { target: 'y', maxCategories: 20 }, /column "code" has 30 distinct values, more than the 20 a categorical column may have .*--drop it, or pre-bin it/, false);
    const { schema } = await inferSchema(csvFile(many), { target: 'y', drop: ['code'] });
    assert.deepEqual(schema.features.map((f) => f.name), ['x']);
    const { report } = await inferSchema(csvFile(many), { target: 'y' });
    assert.equal(report.columns.find((c) => c.name === 'code')?.distinct, 30, 'within the default 200');
    assert.match(report.columns.find((c) => c.name === 'x')?.notes.join(' ') ?? '', /identifier/);
  });

  test('the range rule', () => {
    assert.deepEqual(widenRange(18, 95, true), { min: 0, max: 134 });
    assert.deepEqual(widenRange(-5, 5, false), { min: -10, max: 10 });
    assert.deepEqual(widenRange(0.1, 0.9, false), { min: 0, max: 1.3 });
    // Margin 500.5, rounded outward at two significant digits of it (tens).
    assert.deepEqual(widenRange(-1, 1000, true), { min: -510, max: 1510 });
    assert.deepEqual(widenRange(1e6 + 0.001, 1e6 + 0.002, false), { min: 1000000.0005, max: 1000000.0025 });
    assert.deepEqual(widenRange(0, 0, true), { min: 0, max: 1 });
    for (const [lo, hi, int] of [[3.14159, 3.14159, false], [123456.789, 987654.321, false], [-0.002, -0.001, false]] as const) {
      const r = widenRange(lo, hi, int);
      assert.ok(r.min <= lo && r.max >= hi && r.min < r.max, `${lo}..${hi} → ${r.min}..${r.max}`);
    }
  });
});

describe('target', () => {
  test('task from the target: > 20 numeric values regression, 2 values binary, else multiclass', async () => {
    const rows = (label: (i: number) => string | number) => csv(['x', 't'], Array.from({ length: 40 }, (_, i) => [i % 7, label(i)]));
    const reg = await inferSchema(csvFile(rows((i) => (i * 1.5).toFixed(1))), { target: 't' });
    assert.equal(reg.schema.task, 'regression');
    assert.deepEqual(reg.schema.classes, []);
    assert.equal(reg.report.target.min, 0);
    assert.equal(reg.report.target.max, 58.5);
    const ratings = await inferSchema(csvFile(rows((i) => [2, 10, 3][i % 3])), { target: 't' });
    assert.equal(ratings.schema.task, 'multiclass');
    assert.deepEqual(ratings.schema.classes, ['2', '3', '10'], 'numeric classes sort as numbers');
    const merged = await inferSchema(csvFile(rows((i) => ['1', '1.0', '0'][i % 3])), { target: 't' });
    assert.deepEqual(merged.schema.classes, ['0', '1'], '"1.0" and "1" are one class');
    assert.equal(merged.schema.task, 'binary');
    assert.equal(merged.report.target.positiveReason, '"1" reads as yes');
    const words = await inferSchema(csvFile(rows((i) => ['cat', 'dog', 'bird'][i % 3])), { target: 't' });
    assert.deepEqual(words.schema.classes, ['bird', 'cat', 'dog']);
    const asked = await inferSchema(csvFile(rows((i) => i % 3)), { target: 't', task: 'regression' });
    assert.equal(asked.schema.task, 'regression');
    assert.equal(asked.report.taskReason, 'given');
  });

  test('the positive class: the option, else the value that reads as yes, else the minority class', async () => {
    const file = (labels: string[]) => csvFile(csv(['x', 't'], labels.map((l, i) => [i, l])));
    const minority = await inferSchema(file(['a', 'b', 'b', 'b', 'a', 'b']), { target: 't' });
    assert.deepEqual(minority.schema.classes, ['b', 'a']);
    assert.match(minority.report.target.positiveReason ?? '', /the minority class \(2 of 6 rows\)/);
    const tie = await inferSchema(file(['a', 'b', 'a', 'b']), { target: 't' });
    assert.deepEqual(tie.schema.classes, ['a', 'b'], 'on a tie the later value is positive');
    const yes = await inferSchema(file(['TRUE', 'FALSE', 'TRUE', 'TRUE']), { target: 't' });
    assert.deepEqual(yes.schema.classes, ['FALSE', 'TRUE']);
    const given = await inferSchema(file(['spam', 'ham', 'ham', 'spam']), { target: 't', positive: 'ham' });
    assert.deepEqual(given.schema.classes, ['spam', 'ham']);
    assert.equal(given.report.target.positiveReason, 'given');
    await refuses(file(['spam', 'ham']), { target: 't', positive: 'eggs' }, /positive class "eggs" is not a value of target column "t"; its values are "ham", "spam"/, true);
  });

  test('a missing, constant or gappy target, or one that cannot have the asked task, is refused naming the problem', async () => {
    const path = csvFile(csv(['a', 'b', 't'], [[1, 'x', 'u'], [2, 'y', 'v'], [3, 'z', 'w']]));
    await refuses(path, { target: 'label' }, /target column "label" is not in the header of .*; its columns are "a", "b", "t"/, true);
    await refuses(path, { target: 't', task: 'binary' }, /target column "t" has 3 distinct values \("u", "v", "w"\); a binary target needs exactly 2/, true);
    await refuses(path, { target: 't', task: 'regression' }, /target column "t" holds "u" \(line 2\), not a number; a regression target must be numeric/, true);
    await refuses(path, { target: 't', drop: ['c'] }, /cannot drop column "c": it is not in the header/, true);
    await refuses(path, { target: 't', drop: ['t'] }, /cannot drop column "t": it is the target/, true);
    await refuses(path, { target: 't', drop: ['a', 'b'] }, /no feature columns are left/, true);
    await refuses(csvFile(csv(['a', 't'], [[1, 'k'], [2, 'k']])), { target: 't' }, /target column "t" is constant \(every row is "k"\); there is nothing to learn/, false);
    await refuses(csvFile(csv(['a', 't'], [[1, 'k'], [2, ''], [3, 'j'], [4, '']])), { target: 't' }, /target column "t" has 2 empty cells \(the first on line 3\)/, false);
    await refuses(csvFile(csv(['a', 't'], Array.from({ length: 60 }, (_, i) => [i, `w${i}`]))), { target: 't' }, /has 60 distinct values, more than the 50 classes a multiclass target may have/, false);
    await refuses(csvFile(csv(['a', 'b', 't'], [[1, '', 0], [2, '', 1]])), { target: 't' }, /column "b" is empty in every row; --drop it/, false);
    await refuses(csvFile('a,t\n'), { target: 't' }, /has a header but no data rows/, false);
    await refuses(path, { target: 't', maxCategories: 1000 }, /maxCategories must be an integer in 2\.\.254/, true);
    await assert.rejects(inferSchema(csvFile(''), { target: 't' }), /file is empty; expected a header line naming the columns/);
    await assert.rejects(inferSchema(csvFile('a,a,t\n1,2,3\n'), { target: 't' }), /header names column "a" twice/);
    await assert.rejects(inferSchema(csvFile('a,t\n1,2\n3\n'), { target: 't' }), /line 3: expected 2 fields as in the header, got 1/);
  });
});

describe('bank-marketing', () => {
  test('the bank-marketing header (either layout) gets the curated bank schema exactly; --drop removes columns from it', async () => {
    const dir = tempDir();
    const rows = generateSynthetic({ rows: 300, seed: 4 });
    for (const format of ['comma', 'semicolon-quoted'] as const) {
      const path = join(dir, `bank-${format}.csv`);
      await writeLabelledCsv(path, rows, format);
      const { schema, report } = await inferSchema(path, { target: 'y' });
      assert.equal(schema, BANK_SCHEMA, format);
      assert.equal(report.bank, true);
      assert.equal(report.columns.length, 16);
      const dropped = await inferSchema(path, { target: 'y', drop: ['duration'] });
      assert.deepEqual(dropped.schema.features, BANK_SCHEMA.features.filter((f) => f.name !== 'duration'));
      assert.deepEqual(dropped.schema.classes, ['no', 'yes']);
    }
    const path = join(dir, 'bank-comma.csv');
    const asMulticlass = await inferSchema(path, { target: 'y', task: 'multiclass' });
    assert.equal(asMulticlass.report.bank, false, 'asking for another task is not the curated binary schema');
    const relabelled = join(dir, 'bank-01.csv');
    await writeLabelledCsv(relabelled, rows, 'comma');
    writeFileSync(relabelled, readFileSync(relabelled, 'utf8').replace(/,yes$/gm, ',1').replace(/,no$/gm, ',0'));
    const zeroOne = await inferSchema(relabelled, { target: 'y' });
    assert.equal(zeroOne.report.bank, false, 'other labels than no/yes are not the curated schema');
    assert.deepEqual(zeroOne.schema.classes, ['0', '1']);
    const byJob = await inferSchema(path, { target: 'job' });
    assert.equal(byJob.report.bank, false);
    assert.equal(byJob.schema.task, 'multiclass');
  });
});

describe('scikit-learn data sets', { skip: skipUnlessTool(pythonModulesMissing(['sklearn'])) }, () => {
  /** Every value of every feature column lies in its schema range (numeric) or categories. */
  async function assertDataFits(path: string, schema: ModelSchema): Promise<void> {
    const table = await readCsvTable(path);
    for (const f of schema.features) {
      const j = table.header.indexOf(f.name);
      for (const row of table.rows) {
        if (row[j] === '') continue;
        if (f.kind === 'numeric') assert.ok(Number(row[j]) >= f.min && Number(row[j]) <= f.max, `${f.name} ${row[j]} in ${f.min}..${f.max}`);
        else assert.ok(f.categories.includes(row[j]));
      }
    }
  }

  test('wine: multiclass over three classes, 13 numeric required columns', async () => {
    const path = join(tempDir(), 'wine.csv');
    writeSklearnCsv('wine', path);
    const { schema, report } = await inferSchema(path, { target: 'target' });
    assert.equal(schema.task, 'multiclass');
    assert.deepEqual(schema.classes, ['class_0', 'class_1', 'class_2']);
    assert.deepEqual(report.target.classCounts, { class_0: 59, class_1: 71, class_2: 48 });
    assert.equal(schema.features.length, 13);
    assert.ok(schema.features.every((f) => f.kind === 'numeric' && f.required));
    const proline = numeric(schema, 'proline');
    assert.equal(proline.integer, true);
    assert.deepEqual(report.columns.find((c) => c.name === 'proline')?.observed, { min: 278, max: 1680 });
    await assertDataFits(path, schema);
  });

  test('diabetes: regression; age and sex are integer columns', async () => {
    const path = join(tempDir(), 'diabetes.csv');
    writeSklearnCsv('diabetes', path, ';');
    const { schema, report } = await inferSchema(path, { target: 'target' });
    assert.equal(schema.task, 'regression');
    assert.equal(report.rows, 442);
    assert.deepEqual(report.target.min, 25);
    assert.deepEqual(report.target.max, 346);
    const sex = numeric(schema, 'sex');
    assert.deepEqual([sex.integer, sex.min, sex.max], [true, 0, 3]);
    assert.equal(numeric(schema, 'age').integer, true);
    assert.equal(numeric(schema, 'bmi').integer, false);
    await assertDataFits(path, schema);
  });

  test('breast cancer: binary, the minority "malignant" positive unless told otherwise', async () => {
    const path = join(tempDir(), 'breast_cancer.csv');
    writeSklearnCsv('breast_cancer', path);
    const { schema, report } = await inferSchema(path, { target: 'target' });
    assert.equal(schema.task, 'binary');
    assert.deepEqual(schema.classes, ['benign', 'malignant']);
    assert.match(report.target.positiveReason ?? '', /minority class \(212 of 569 rows\)/);
    assert.equal(schema.features.length, 30);
    const told = await inferSchema(path, { target: 'target', positive: 'benign' });
    assert.deepEqual(told.schema.classes, ['malignant', 'benign']);
    await assertDataFits(path, schema);
  });
});

describe('schema files', () => {
  const schemaPath = (value: unknown): string => {
    const path = join(tempDir(), 'schema.json');
    writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
    return path;
  };
  const base: ModelSchema = {
    features: [
      { name: 'age', kind: 'numeric', integer: true, min: 0, max: 120, default: 40, required: true, description: 'Age.' },
      { name: 'colour', kind: 'categorical', categories: ['blue', 'red'], aliases: { rouge: 'red' }, default: 'red', required: false, description: '' },
    ],
    task: 'multiclass',
    classes: ['a', 'b', 'c'],
    target: { name: 'kind' },
  };
  const edit = (change: (s: { features: Record<string, unknown>[]; [k: string]: unknown }) => void): unknown => {
    const copy = structuredClone(base) as unknown as { features: Record<string, unknown>[]; [k: string]: unknown };
    change(copy);
    return copy;
  };

  test('an inferred schema round-trips through its JSON file; optional fields get their defaults', async () => {
    const { schema } = await inferSchema(csvFile(csv(['n', 'c', 't'], [[1, 'x', 'a'], [2.5, 'y', 'b'], ['', 'x', 'a']])), { target: 't' });
    assert.deepEqual(readSchemaFile(schemaPath(schema)), schema);
    assert.deepEqual(readSchemaFile(schemaPath(BANK_SCHEMA)), BANK_SCHEMA);
    const minimal = readSchemaFile(schemaPath(edit((s) => s.features.forEach((f) => {
      delete f.required;
      delete f.description;
    }))));
    assert.deepEqual(minimal.features.map((f) => [f.required, f.description]), [[false, ''], [false, '']]);
  });

  test('a bad schema file is refused naming the file, the field and the problem', () => {
    const cases: [string, unknown, RegExp][] = [
      ['not JSON', '{"features": [', /schema\.json is unusable: not valid JSON/],
      ['typo', edit((s) => (s.features[0].defualt = 1)), /features\[0\]\.defualt is not a schema field \(a typo\?\)/],
      ['missing field', edit((s) => delete s.features[1].categories), /features\[1\]\.categories is missing/],
      ['wrong type', edit((s) => (s.features[0].min = 'zero')), /features\[0\]\.min must be number/],
      ['unknown kind', edit((s) => (s.features[0].kind = 'text')), /features\[0\]\.kind has an unexpected value: expected one of "numeric", "categorical"/],
      ['unknown task', edit((s) => (s.task = 'ranking')), /task has an unexpected value: expected one of "binary", "multiclass", "regression"/],
      ['min above max', edit((s) => (s.features[0].min = 200)), /features\[0\]\.min 200 is greater than max 120/],
      ['default out of range', edit((s) => (s.features[0].default = 500)), /features\[0\]\.default 500 is outside min\.\.max 0\.\.120/],
      ['fractional default', edit((s) => (s.features[0].default = 40.5)), /features\[0\]\.default 40\.5 is not a whole number/],
      ['default not a category', edit((s) => (s.features[1].default = 'green')), /features\[1\]\.default "green" is not one of the categories/],
      ['alias to nowhere', edit((s) => (s.features[1].aliases = { verde: 'green' })), /features\[1\]\.aliases\.verde maps to "green", which is not one of the categories/],
      ['repeated category', edit((s) => (s.features[1].categories = ['red', 'red'])), /features\[1\]\.categories\[1\] repeats category "red"/],
      ['repeated feature', edit((s) => (s.features[1] = { ...s.features[0] })), /features\[1\]\.name repeats feature "age"/],
      ['target is a feature', edit((s) => (s.target = { name: 'age' })), /target\.name "age" is also a feature/],
      ['classes for binary', edit((s) => (s.task = 'binary')), /classes has 3 entries; a binary schema needs exactly 2/],
      ['classes for regression', edit((s) => (s.task = 'regression')), /classes has 3 entries; a regression schema needs none/],
      ['no features', edit((s) => (s.features = [])), /features must NOT have fewer than 1 items/],
      ['extra top-level field', edit((s) => (s.report = {})), /report is not a schema field/],
    ];
    for (const [name, value, message] of cases) {
      assert.throws(() => readSchemaFile(schemaPath(value)), (err: Error) => {
        assert.ok(err instanceof SchemaFileError, name);
        assert.match(err.message, /^Schema file .*schema\.json is unusable: /, name);
        assert.equal((err as SchemaFileError).code, 'MW_SCHEMA_INVALID');
        assert.match(err.message, message, `${name}: ${err.message}`);
        return true;
      }, name);
    }
    assert.throws(() => readSchemaFile(join(tempDir(), 'absent.json')), /absent\.json is unusable: it cannot be read: ENOENT/);
  });
});

describe('inference for a model trained elsewhere', () => {
  // "yes" is the minority and reads as yes; grade is a column of whole numbers.
  const file = csvFile(csv(['grade', 'size', 'outcome'], Array.from({ length: 40 }, (_, i) => [[1, 3, 10][i % 3], i, i % 4 === 0 ? 'yes' : 'no'])), 'elsewhere.csv');

  test('categorical: a column of numbers read as categories, in numeric order, its most common value the default', async () => {
    const { schema, report } = await inferSchema(file, { target: 'outcome', categorical: ['grade'] });
    assert.deepEqual(categorical(schema, 'grade').categories, ['1', '3', '10']);
    assert.equal(categorical(schema, 'grade').default, '1');
    assert.match(report.columns.find((c) => c.name === 'grade')!.notes.join(' '), /read as categories/);
    assert.equal(numeric(schema, 'size').kind, 'numeric', 'other columns as before');
    assert.equal(numeric((await inferSchema(file, { target: 'outcome' })).schema, 'grade').kind, 'numeric', 'without the option, by content');
  });

  test("positiveRule label-one: the second class in sorted order, not the yes-word or the minority", async () => {
    assert.deepEqual((await inferSchema(file, { target: 'outcome' })).schema.classes, ['no', 'yes']);
    const { schema, report } = await inferSchema(file, { target: 'outcome', positiveRule: 'label-one' });
    assert.deepEqual(schema.classes, ['no', 'yes']);
    assert.match(report.target.positiveReason ?? '', /second class in sorted order/);
    const flipped = csvFile(csv(['size', 'alive'], Array.from({ length: 40 }, (_, i) => [i, i % 4 === 0 ? 'alive' : 'dead'])), 'flipped.csv');
    assert.deepEqual((await inferSchema(flipped, { target: 'alive' })).schema.classes, ['dead', 'alive'], 'training here: the minority is positive');
    assert.deepEqual((await inferSchema(flipped, { target: 'alive', positiveRule: 'label-one' })).schema.classes, ['alive', 'dead'], 'a model trained elsewhere: label 1 is "dead"');
  });
});
