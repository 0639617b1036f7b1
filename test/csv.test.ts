import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  CsvRowError,
  detectCsvFormat,
  loadLabelledCsv,
  parseFeatureValue,
  parseTargetValue,
  readLabelledRows,
  writeLabelledCsv,
} from '../src/data/csv.js';
import { FEATURE_NAMES, featureByName, type LabelledRow } from '../src/data/schema.js';

const dir = mkdtempSync(join(tmpdir(), 'modelwatch-csv-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const REAL_FILE = fileURLToPath(new URL('../../shared/data/bank-full.csv', import.meta.url));
const HEADER = [...FEATURE_NAMES, 'y'];

/** Hand-made rows (not copied from the real data), in schema column order plus y. */
const ROWS: readonly (readonly string[])[] = [
  ['35', 'admin.', 'married', 'secondary', 'no', '1200', 'yes', 'no', 'cellular', '12', 'may', '240', '2', '-1', '0', 'unknown', 'no'],
  ['47', 'blue-collar', 'single', 'primary', 'yes', '-350', 'no', 'yes', 'unknown', '3', 'jun', '95', '1', '-1', '0', 'unknown', 'no'],
  ['29', 'student', 'single', 'tertiary', 'no', '0', 'no', 'no', 'cellular', '21', 'oct', '612', '1', '92', '2', 'success', 'yes'],
  ['62', 'retired', 'divorced', 'unknown', 'no', '15000', 'no', 'no', 'telephone', '30', 'dec', '380', '4', '181', '1', 'failure', 'yes'],
  ['41', 'technician', 'married', 'secondary', 'no', '520', 'yes', 'no', 'cellular', '8', 'aug', '130', '3', '-1', '0', 'unknown', 'no'],
];

const isNumericColumn = (name: string): boolean => name !== 'y' && featureByName(name).kind === 'numeric';

function commaText(rows: readonly (readonly string[])[], header: readonly string[] = HEADER, eol = '\n'): string {
  return [header, ...rows].map((r) => r.join(',')).join(eol) + eol;
}

/** UCI's original layout: `;` between fields, strings (and every header name) in double quotes. */
function semicolonText(rows: readonly (readonly string[])[], header: readonly string[] = HEADER): string {
  const head = header.map((h) => `"${h}"`).join(';');
  const body = rows.map((r) => r.map((v, i) => (isNumericColumn(header[i]) ? v : `"${v}"`)).join(';'));
  return [head, ...body].join('\n') + '\n';
}

let fileCounter = 0;
function fixture(text: string | Buffer, name = `bank-${++fileCounter}.csv`): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function withValue(rowIndex: number, column: string, value: string): string[][] {
  const rows = ROWS.map((r) => [...r]);
  rows[rowIndex][HEADER.indexOf(column)] = value;
  return rows;
}

/** Asserts that loading rejects with a CsvRowError at `line`/`column` whose reason contains `reason`. */
async function assertRowError(path: string, line: number, column: string | undefined, reason: string | RegExp): Promise<void> {
  await assert.rejects(loadLabelledCsv(path), (err: unknown) => {
    assert.ok(err instanceof CsvRowError, `expected CsvRowError, got ${String(err)}`);
    assert.equal(err.file, path);
    assert.equal(err.line, line);
    assert.equal(err.column, column);
    if (typeof reason === 'string') assert.ok(err.reason.includes(reason), `reason ${JSON.stringify(err.reason)} lacks ${JSON.stringify(reason)}`);
    else assert.match(err.reason, reason);
    assert.ok(err.message.startsWith(`${path} line ${line}`), err.message);
    return true;
  });
}

describe('loading both layouts', () => {
  test('comma and semicolon-quoted files parse to identical rows', async () => {
    const comma = await loadLabelledCsv(fixture(commaText(ROWS)));
    const semicolon = await loadLabelledCsv(fixture(semicolonText(ROWS)));
    assert.equal(comma.format, 'comma');
    assert.equal(semicolon.format, 'semicolon-quoted');
    assert.equal(comma.rows.length, ROWS.length);
    assert.deepEqual(semicolon.rows, comma.rows);
    assert.deepEqual(comma.rows[2], {
      features: {
        age: 29, job: 'student', marital: 'single', education: 'tertiary', default: 'no', balance: 0, housing: 'no', loan: 'no',
        contact: 'cellular', day: 21, month: 'oct', duration: 612, campaign: 1, pdays: 92, previous: 2, poutcome: 'success',
      },
      y: 1,
    });
  });

  test('sha256 is of the file bytes', async () => {
    const text = semicolonText(ROWS);
    const { sha256 } = await loadLabelledCsv(fixture(text));
    assert.equal(sha256, createHash('sha256').update(text).digest('hex'));
  });

  test('column order in the file is free; rows come out in schema order', async () => {
    const order = [...HEADER].reverse();
    const reordered = ROWS.map((r) => order.map((name) => r[HEADER.indexOf(name)]));
    const { rows } = await loadLabelledCsv(fixture(semicolonText(reordered, order)));
    const expected = await loadLabelledCsv(fixture(commaText(ROWS)));
    assert.deepEqual(rows, expected.rows);
    assert.deepEqual(Object.keys(rows[0].features), FEATURE_NAMES);
  });

  test('CRLF line ends and a byte-order mark are accepted', async () => {
    const expected = (await loadLabelledCsv(fixture(commaText(ROWS)))).rows;
    const crlf = await loadLabelledCsv(fixture(commaText(ROWS, HEADER, '\r\n')));
    assert.deepEqual(crlf.rows, expected);
    const semicolonCrlf = await loadLabelledCsv(fixture(semicolonText(ROWS).replaceAll('\n', '\r\n')));
    assert.deepEqual(semicolonCrlf.rows, expected);
    const bom = await loadLabelledCsv(fixture(`\uFEFF${commaText(ROWS)}`));
    assert.deepEqual(bom.rows, expected);
  });

  test('aliases resolve to the canonical category', async () => {
    const { rows } = await loadLabelledCsv(fixture(commaText(withValue(0, 'job', 'admin'))));
    assert.equal(rows[0].features.job, 'admin.');
  });

  test('blank lines are skipped and a missing final line break is fine', async () => {
    const text = commaText(ROWS).replace('\n', '\n\n').trimEnd();
    const { rows } = await loadLabelledCsv(fixture(text));
    assert.equal(rows.length, ROWS.length);
  });

  test('a header-only file has no rows', async () => {
    const { rows, format } = await loadLabelledCsv(fixture(semicolonText([])));
    assert.deepEqual(rows, []);
    assert.equal(format, 'semicolon-quoted');
  });

  test('readLabelledRows streams and honours limit', async () => {
    const path = fixture(commaText(ROWS));
    const seen: LabelledRow[] = [];
    for await (const row of readLabelledRows(path, { limit: 2 })) seen.push(row);
    assert.equal(seen.length, 2);
    let all = 0;
    for await (const _row of readLabelledRows(path)) all++;
    assert.equal(all, ROWS.length);
    // Breaking out early must not hang or throw.
    for await (const _row of readLabelledRows(path)) break;
    assert.throws(() => readLabelledRows(path, { limit: -1 }), RangeError);
  });

  test('a file too big for one read chunk streams correctly', async () => {
    const many = Array.from({ length: 5000 }, (_, i) => ROWS[i % ROWS.length]);
    const { rows } = await loadLabelledCsv(fixture(semicolonText(many)));
    assert.equal(rows.length, 5000);
    assert.equal(rows.filter((r) => r.y === 1).length, 2000);
  });
});

describe('bad rows name file, line, column and reason', () => {
  // Data row i sits on physical line i + 2 (line 1 is the header).
  const cases: { name: string; row: number; column: string; value: string; reason: string }[] = [
    { name: 'wrong type', row: 1, column: 'age', value: 'abc', reason: 'expected an integer in 18..100, got "abc"' },
    { name: 'empty number', row: 0, column: 'balance', value: '', reason: 'expected a number in -100000..1000000, got ""' },
    { name: 'hex is not a number', row: 0, column: 'duration', value: '0x10', reason: 'got "0x10"' },
    { name: 'non-integer', row: 2, column: 'age', value: '40.5', reason: 'expected an integer in 18..100, got "40.5" (not a whole number)' },
    { name: 'out of range', row: 3, column: 'age', value: '150', reason: 'expected an integer in 18..100, got "150" (out of range)' },
    { name: 'below range', row: 4, column: 'pdays', value: '-2', reason: 'got "-2" (out of range)' },
    { name: 'unknown category', row: 2, column: 'job', value: 'pilot', reason: 'expected one of "admin.", "blue-collar"' },
    { name: 'category is case-sensitive', row: 0, column: 'month', value: 'May', reason: 'got "May"' },
    { name: 'bad y', row: 4, column: 'y', value: 'maybe', reason: 'expected "yes" or "no", got "maybe"' },
  ];
  for (const c of cases) {
    test(`${c.name}: ${c.column} = ${JSON.stringify(c.value)}`, async () => {
      await assertRowError(fixture(commaText(withValue(c.row, c.column, c.value))), c.row + 2, c.column, c.reason);
    });
  }

  test('the example message reads as documented', async () => {
    const path = fixture(commaText(withValue(1, 'age', 'abc')), 'bank.csv');
    await assert.rejects(loadLabelledCsv(path), { message: `${path} line 3, column "age": expected an integer in 18..100, got "abc"` });
  });

  test('the same error in the semicolon layout reports the same place', async () => {
    await assertRowError(fixture(semicolonText(withValue(3, 'job', 'pilot'))), 5, 'job', 'got "pilot"');
  });

  test('wrong column count', async () => {
    const rows = ROWS.map((r) => [...r]);
    rows[2].pop();
    await assertRowError(fixture(commaText(rows)), 4, undefined, 'expected 17 fields as in the header, got 16');
    rows[2].push('no', 'extra');
    await assertRowError(fixture(commaText(rows)), 4, undefined, 'got 18');
  });

  test('line numbers count blank lines and CRLF correctly', async () => {
    const text = commaText(withValue(3, 'loan', 'maybe'), HEADER, '\r\n').replace('\r\n', '\r\n\r\n\r\n');
    await assertRowError(fixture(text), 7, 'loan', 'got "maybe"');
  });

  test('an unclosed quote is reported with its line', async () => {
    const text = semicolonText(ROWS).replace('"tertiary"', '"tertiary');
    await assert.rejects(loadLabelledCsv(fixture(text)), (err: unknown) => {
      assert.ok(err instanceof CsvRowError);
      assert.match(err.reason, /^malformed CSV: /);
      assert.ok(err.line >= 4, `line ${err.line}`);
      return true;
    });
  });

  test('missing header columns are named', async () => {
    const header = HEADER.filter((h) => h !== 'y' && h !== 'pdays');
    const rows = ROWS.map((r) => r.filter((_, i) => HEADER[i] !== 'y' && HEADER[i] !== 'pdays'));
    await assertRowError(fixture(commaText(rows, header)), 1, 'pdays', 'header has missing column(s) "pdays", "y"');
  });

  test('extra header columns are named', async () => {
    const header = ['id', ...HEADER, 'score'];
    const rows = ROWS.map((r, i) => [String(i), ...r, '0.5']);
    await assertRowError(fixture(commaText(rows, header)), 1, 'id', 'header has unexpected column(s) "id", "score"');
  });

  test('missing and extra columns together, and duplicates', async () => {
    const header = HEADER.map((h) => (h === 'age' ? 'Age' : h));
    await assertRowError(fixture(commaText(ROWS, header)), 1, 'age', 'missing column(s) "age"; unexpected column(s) "Age"');
    const duplicated = [...HEADER, 'job'];
    await assertRowError(fixture(commaText(ROWS.map((r) => [...r, 'x']), duplicated)), 1, 'job', 'header names column "job" twice');
  });

  test('empty and blank files', async () => {
    await assertRowError(fixture(''), 1, undefined, 'file is empty');
    await assertRowError(fixture('\n\r\n  \n'), 1, undefined, 'file is empty');
  });

  test('a missing file rejects with the file system error', async () => {
    await assert.rejects(loadLabelledCsv(join(dir, 'nope.csv')), { code: 'ENOENT' });
  });
});

describe('parseFeatureValue and friends', () => {
  test('typed values, aliases and reasons', () => {
    assert.deepEqual(parseFeatureValue('age', ' 42 '), { ok: true, value: 42 });
    assert.deepEqual(parseFeatureValue('balance', '-12.5'), { ok: true, value: -12.5 });
    assert.deepEqual(parseFeatureValue('pdays', '-0'), { ok: true, value: 0 });
    assert.ok(Object.is((parseFeatureValue('pdays', '-0') as { value: number }).value, 0));
    assert.deepEqual(parseFeatureValue(featureByName('job'), 'admin'), { ok: true, value: 'admin.' });
    assert.deepEqual(parseFeatureValue('campaign', '1e1'), { ok: true, value: 10 });
    assert.deepEqual(parseFeatureValue('campaign', 'Infinity'), { ok: false, reason: 'expected an integer in 1..100, got "Infinity"' });
    assert.deepEqual(parseFeatureValue('contact', 'fax'), {
      ok: false,
      reason: 'expected one of "cellular", "telephone", "unknown", got "fax"',
    });
    assert.deepEqual(parseTargetValue('no'), { ok: true, value: 0 });
    assert.equal(parseTargetValue('1').ok, false);
    assert.throws(() => parseFeatureValue('colour', 'red'), /unknown feature colour/);
  });

  test('detectCsvFormat looks at the delimiter the header uses', () => {
    assert.equal(detectCsvFormat('"age";"job"'), 'semicolon-quoted');
    assert.equal(detectCsvFormat('age;job'), 'semicolon-quoted');
    assert.equal(detectCsvFormat('age,job'), 'comma');
  });
});

describe('writeLabelledCsv', () => {
  test('writes both layouts that load back to the same rows', async () => {
    const { rows } = await loadLabelledCsv(fixture(commaText(ROWS)));
    for (const format of ['comma', 'semicolon-quoted'] as const) {
      const path = join(dir, `written-${format}.csv`);
      assert.equal(await writeLabelledCsv(path, rows, format), rows.length);
      const loaded = await loadLabelledCsv(path);
      assert.equal(loaded.format, format);
      assert.deepEqual(loaded.rows, rows);
    }
    // The comma layout is byte-identical to the shared copy's style.
    assert.equal(readFileSync(join(dir, 'written-comma.csv'), 'utf8'), commaText(ROWS));
    assert.equal(readFileSync(join(dir, 'written-semicolon-quoted.csv'), 'utf8'), semicolonText(ROWS));
  });

  test('a stream target is left open; async iterables are accepted', async () => {
    const { rows } = await loadLabelledCsv(fixture(commaText(ROWS)));
    const stream = new PassThrough();
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    async function* source(): AsyncGenerator<LabelledRow> {
      yield* rows;
    }
    await writeLabelledCsv(stream, source());
    assert.equal(stream.writableEnded, false);
    stream.end();
    assert.equal(Buffer.concat(chunks).toString('utf8'), commaText(ROWS));
  });
});

describe('the real bank-full.csv', () => {
  const skip = existsSync(REAL_FILE)
    ? false
    : `real data not found: put UCI bank-full.csv at ${REAL_FILE} (../shared/data/bank-full.csv from the repo root) to run this`;

  test('loads 45,211 rows, 5,289 yes, with the published sha256', { skip }, async () => {
    const { rows, sha256, format } = await loadLabelledCsv(REAL_FILE);
    assert.equal(rows.length, 45_211);
    assert.equal(rows.filter((r) => r.y === 1).length, 5_289);
    assert.equal(sha256, 'b44507c26634736d4a0619ec2d7c4b6ff56a2c63cbeb5176d3134e7b25e416f0');
    assert.equal(format, 'comma');
    // The README's published checks.
    const mean = (name: string): number => rows.reduce((s, r) => s + (r.features[name] as number), 0) / rows.length;
    assert.equal(mean('age').toFixed(5), '40.93621');
    assert.equal(mean('balance').toFixed(4), '1362.2721');
    assert.equal(mean('duration').toFixed(4), '258.1631');
  });

  test('converted to the semicolon-quoted layout it loads to the same rows', { skip }, async () => {
    const { rows } = await loadLabelledCsv(REAL_FILE);
    const path = join(dir, 'real-semicolon.csv');
    await writeLabelledCsv(path, rows, 'semicolon-quoted');
    const again = await loadLabelledCsv(path);
    assert.equal(again.format, 'semicolon-quoted');
    assert.deepEqual(again.rows, rows);
  });
});
