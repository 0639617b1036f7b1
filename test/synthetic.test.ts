import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { parseDriftOption, parseFormatOption, parseRowsOption, parseSeedOption, registerDataCommands } from '../src/cli/data.js';
import { loadLabelledCsv, writeLabelledCsv } from '../src/data/csv.js';
import { FEATURES, type CategoricalFeature, type LabelledRow } from '../src/data/schema.js';
import { SYNTHETIC_PROFILE as P } from '../src/data/synthetic-profile.js';
import { generateSynthetic, syntheticRows, type NumericMarginal, type ProfilePart } from '../src/data/synthetic.js';

const dir = mkdtempSync(join(tmpdir(), 'modelwatch-synthetic-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const REAL_FILE = fileURLToPath(new URL('../../shared/data/bank-full.csv', import.meta.url));
const CATEGORICAL = FEATURES.filter((f): f is CategoricalFeature => f.kind === 'categorical');

// One default-sized data set and one fully drifted one, shared by the statistical checks.
const rows = generateSynthetic({ seed: 1 });
const drifted = generateSynthetic({ rows: 45_211, seed: 1, drift: 1 });

const classRate = (data: readonly LabelledRow[]): number => data.reduce((n, r) => n + r.y, 0) / data.length;
const share = (data: readonly LabelledRow[], name: string, value: number | string): number =>
  data.reduce((n, r) => n + (r.features[name] === value ? 1 : 0), 0) / data.length;
function median(data: readonly LabelledRow[], name: string): number {
  const values = data.map((r) => r.features[name] as number).sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)];
}

/** A category's overall share implied by a profile part: sum over classes of rate × class share. */
function expectedShare(part: ProfilePart, feature: string, category: string): number {
  const [no, yes] = part.classes;
  return (1 - part.classRate) * (no.categorical[feature]?.[category] ?? 0) + part.classRate * (yes.categorical[feature]?.[category] ?? 0);
}

/** How far a synthetic median may sit from the real one: a small fraction of each column's spread. */
const MEDIAN_TOLERANCE: Record<string, number> = { age: 1, balance: 30, day: 1, duration: 8, campaign: 0, pdays: 0, previous: 0 };

const pointShare = (m: NumericMarginal | undefined, value: number): number => m?.points.find((p) => p.value === value)?.share ?? 0;

describe('generateSynthetic', () => {
  test('is deterministic per seed, and differs between seeds', () => {
    assert.deepEqual(generateSynthetic({ rows: 500, seed: 42, drift: 0.3 }), generateSynthetic({ rows: 500, seed: 42, drift: 0.3 }));
    assert.notDeepEqual(generateSynthetic({ rows: 500, seed: 42 }), generateSynthetic({ rows: 500, seed: 43 }));
    assert.equal(rows.length, P.source.rows);
  });

  test('the streaming variant yields the same rows, endlessly without a row count', () => {
    const source = syntheticRows({ seed: 9 });
    const first = Array.from({ length: 300 }, () => source.next().value as LabelledRow);
    assert.deepEqual(first, generateSynthetic({ rows: 300, seed: 9 }));
    // Keeps going well past the real file's size.
    let n = 0;
    for (const _row of syntheticRows({ seed: 9 })) if (++n === 60_000) break;
    assert.equal(n, 60_000);
    assert.equal([...syntheticRows({ rows: 0 })].length, 0);
  });

  test('rejects bad options', () => {
    assert.throws(() => generateSynthetic({ drift: 1.5 }), /drift must be a number in \[0, 1\], got 1.5/);
    assert.throws(() => generateSynthetic({ drift: Number.NaN }), RangeError);
    assert.throws(() => generateSynthetic({ rows: -1 }), /rows must be a non-negative integer/);
    assert.throws(() => generateSynthetic({ rows: 2.5 }), RangeError);
    assert.throws(() => generateSynthetic({ seed: 0.5 }), /seed must be an integer/);
  });

  test('class rate is within one point of 0.117', () => {
    assert.ok(Math.abs(classRate(rows) - 0.117) < 0.01, `class rate ${classRate(rows)}`);
    assert.ok(Math.abs(P.base.classRate - 0.117) < 0.001);
  });

  test('every category share is within two points of the profile', () => {
    for (const f of CATEGORICAL) {
      for (const c of f.categories) {
        const got = share(rows, f.name, c);
        const want = expectedShare(P.base, f.name, c);
        assert.ok(Math.abs(got - want) < 0.02, `${f.name}=${c}: ${got.toFixed(4)} vs profile ${want.toFixed(4)}`);
      }
    }
  });

  test('numeric medians are close to the real medians', () => {
    // The schema's defaults are bank-full's medians, so this runs without the real file.
    for (const f of FEATURES) {
      if (f.kind !== 'numeric') continue;
      const got = median(rows, f.name);
      assert.ok(Math.abs(got - f.default) <= MEDIAN_TOLERANCE[f.name], `${f.name}: median ${got} vs real ${f.default}`);
    }
  });

  test('point masses keep their share: pdays = -1, previous = 0, campaign = 1', () => {
    const rate = P.base.classRate;
    const expected = (name: string, value: number): number =>
      (1 - rate) * pointShare(P.base.classes[0].numeric[name], value) + rate * pointShare(P.base.classes[1].numeric[name], value);
    for (const [name, value] of [['pdays', -1], ['previous', 0], ['campaign', 1], ['campaign', 2], ['balance', 0]] as const) {
      const got = share(rows, name, value);
      assert.ok(Math.abs(got - expected(name, value)) < 0.01, `${name}=${value}: ${got.toFixed(4)} vs ${expected(name, value).toFixed(4)}`);
    }
    // The real file has 36,954 of 45,211 rows never contacted before.
    assert.ok(Math.abs(share(rows, 'pdays', -1) - 36_954 / 45_211) < 0.01);
  });

  test('contact history is consistent: pdays = -1 exactly when previous = 0, and then poutcome is unknown', () => {
    for (const r of rows) {
      const never = r.features.pdays === -1;
      assert.equal(r.features.previous === 0, never);
      if (never) assert.equal(r.features.poutcome, 'unknown');
    }
  });

  test('the classes differ, so there is a signal to learn', () => {
    const yes = rows.filter((r) => r.y === 1);
    const no = rows.filter((r) => r.y === 0);
    assert.ok(median(yes, 'duration') > 1.5 * median(no, 'duration'));
    assert.ok(share(yes, 'poutcome', 'success') > 5 * share(no, 'poutcome', 'success'));
  });

  test('drift = 1 moves the class rate and the job mix to the late rows', () => {
    assert.ok(P.late.classRate > 0.4, `late class rate ${P.late.classRate}`);
    assert.ok(Math.abs(classRate(drifted) - P.late.classRate) < 0.02, `drifted class rate ${classRate(drifted)}`);
    const job = CATEGORICAL.find((f) => f.name === 'job') as CategoricalFeature;
    let distance = 0;
    for (const c of job.categories) {
      const got = share(drifted, 'job', c);
      assert.ok(Math.abs(got - expectedShare(P.late, 'job', c)) < 0.02, `job=${c}: ${got} vs late ${expectedShare(P.late, 'job', c)}`);
      distance += Math.abs(got - share(rows, 'job', c)) / 2;
    }
    assert.ok(distance > 0.15, `job mix moved by only ${distance}`);
    assert.ok(share(drifted, 'job', 'retired') > 2 * share(rows, 'job', 'retired'));
    assert.ok(share(drifted, 'housing', 'yes') < share(rows, 'housing', 'yes') - 0.2);
  });

  test('drift = 0.5 lands between the two profiles', () => {
    const half = generateSynthetic({ rows: 20_000, seed: 3, drift: 0.5 });
    const mid = (P.base.classRate + P.late.classRate) / 2;
    assert.ok(Math.abs(classRate(half) - mid) < 0.02, `class rate ${classRate(half)} vs ${mid}`);
  });

  test('every generated row passes the CSV loader (round trip in both layouts)', async () => {
    const sample = [...generateSynthetic({ rows: 5_000, seed: 11, drift: 0.5 })];
    for (const format of ['comma', 'semicolon-quoted'] as const) {
      const path = join(dir, `synthetic-${format}.csv`);
      await writeLabelledCsv(path, sample, format);
      const loaded = await loadLabelledCsv(path);
      assert.equal(loaded.format, format);
      assert.deepEqual(loaded.rows, sample);
    }
  });

  test('marginals match the real file, when it is available', {
    skip: existsSync(REAL_FILE) ? false : `real data not found: put UCI bank-full.csv at ${REAL_FILE} to compare against it`,
  }, async () => {
    const real = (await loadLabelledCsv(REAL_FILE)).rows;
    for (const f of CATEGORICAL) {
      for (const c of f.categories) {
        assert.ok(Math.abs(share(rows, f.name, c) - share(real, f.name, c)) < 0.02, `${f.name}=${c}`);
      }
    }
    for (const f of FEATURES) {
      if (f.kind !== 'numeric') continue;
      const [got, want] = [median(rows, f.name), median(real, f.name)];
      assert.ok(Math.abs(got - want) <= MEDIAN_TOLERANCE[f.name], `${f.name}: median ${got} vs real ${want}`);
    }
    const late = real.slice(P.late.fromRow);
    assert.ok(Math.abs(classRate(drifted) - classRate(late)) < 0.02);
    assert.ok(Math.abs(share(drifted, 'job', 'student') - share(late, 'job', 'student')) < 0.02);
  });
});

describe('modelwatch data generate', () => {
  /** A program that throws instead of exiting and collects stderr. */
  function program(): { program: Command; stderr: string[] } {
    const stderr: string[] = [];
    const cmd = new Command('modelwatch').exitOverride().configureOutput({ writeErr: (s) => stderr.push(s), writeOut: () => undefined });
    registerDataCommands(cmd);
    return { program: cmd, stderr };
  }

  test('writes a loadable file with the requested rows, seed and layout', async () => {
    const { program: cli, stderr } = program();
    const out = join(dir, 'cli', 'generated.csv');
    await cli.parseAsync(['data', 'generate', '--out', out, '--rows', '1000', '--seed', '7', '--drift', '0.2', '--format', 'semicolon'], { from: 'user' });
    const loaded = await loadLabelledCsv(out);
    assert.equal(loaded.format, 'semicolon-quoted');
    assert.deepEqual(loaded.rows, generateSynthetic({ rows: 1000, seed: 7, drift: 0.2 }));
    assert.match(stderr.join(''), /wrote 1,000 rows/);
  });

  for (const [args, pattern] of [
    [['--drift', '2'], /--drift must be a number in 0..1, got "2"/],
    [['--rows', '-5'], /--rows must be an integer in 1..10000000, got "-5"/],
    [['--rows', '1.5'], /--rows .* got "1.5"/],
    [['--seed', 'abc'], /--seed .* got "abc"/],
    [['--format', 'tsv'], /--format must be "comma" or "semicolon", got "tsv"/],
  ] as const) {
    test(`rejects ${args.join(' ')} as a usage error`, async () => {
      const { program: cli } = program();
      await assert.rejects(cli.parseAsync(['data', 'generate', '--out', join(dir, 'never.csv'), ...args], { from: 'user' }), (err: unknown) => {
        assert.ok(err instanceof CommanderError);
        assert.equal(err.code, 'commander.invalidArgument');
        assert.equal(err.exitCode, 2);
        assert.match(err.message, pattern);
        return true;
      });
    });
  }

  test('option parsers throw InvalidArgumentError naming option and value', () => {
    assert.throws(() => parseDriftOption('2'), (err: unknown) => err instanceof InvalidArgumentError && /--drift.*"2"/.test(err.message));
    assert.throws(() => parseRowsOption('-5'), InvalidArgumentError);
    assert.throws(() => parseSeedOption('4294967296'), InvalidArgumentError);
    assert.equal(parseRowsOption('45211'), 45_211);
    assert.equal(parseDriftOption('0'), 0);
    assert.equal(parseFormatOption('semicolon'), 'semicolon-quoted');
  });
});
