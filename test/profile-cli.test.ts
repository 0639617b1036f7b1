/**
 * `modelwatch profile` as a user runs it (the CLI in a child process): a profile from a predictions
 * column, one scored through a real modelwatch server with `--upstream --preset native`, progress
 * on stderr and the result on stdout, exit code 1 with the URL named when the model server is down,
 * exit code 2 for flags that do not fit together.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { writeLabelledCsv } from '../src/data/csv.js';
import { readCsvTable, rowsOf } from '../src/data/csv-table.js';
import { BANK_SCHEMA } from '../src/data/model-schema.js';
import { generateSynthetic } from '../src/data/synthetic.js';
import { readProfile } from '../src/gateway/profile/read-profile.js';
import { startService, type RunningService } from '../src/server/serve.js';
import { closedPort } from './helpers/fake-elastic.js';
import { tempDir, trainedRegistry } from './helpers/fixtures.js';
import { writeChurnCsv } from './helpers/profile-fixtures.js';

const CLI = ['--import', 'tsx', 'src/cli/main.ts'];

/** Runs the CLI without blocking this process (the model server under test lives in it). */
function run(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI, 'profile', ...args], { env: { ...process.env, MODELWATCH_DEBUG: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

describe('modelwatch profile', () => {
  const dir = tempDir('modelwatch-profile-cli-');
  const churn = join(dir, 'churn.csv');
  const bank = join(dir, 'bank.csv');
  let service: RunningService;

  before(async () => {
    writeChurnCsv(churn, 400);
    await writeLabelledCsv(bank, generateSynthetic({ rows: 250, seed: 21 }));
    service = await startService(loadConfig({}, { PORT: 0, HOST: '127.0.0.1', MODEL_DIR: trainedRegistry().dir, LOG_STDOUT: false, MONITOR_INTERVAL_SECONDS: 3600 }));
  });
  after(() => service?.close());

  test('from a predictions column: the profile written, what it holds on stdout, milestones on stderr', async () => {
    const out = join(dir, 'churn.profile.json');
    const result = await run(['--data', churn, '--target', 'churned', '--positive', 'churn', '--predictions-column', 'predicted', '--probability-column', 'p_churn', '--out', out]);
    assert.equal(result.status, 0, result.stderr);
    const profile = readProfile(out);
    assert.match(result.stdout, new RegExp(`^wrote ${profile.version} \\(churn\\): ${out}\\nschema: binary, 4 features, target churned \\[stay, churn\\]\\npredictions: column predicted, probability column p_churn\\non the reference data \\(400 rows\\): accuracy `));
    assert.match(result.stderr, /read 400 rows of .*churn\.csv\nschema: 4 features, binary \[stay, churn\], target churned\n/);
    const json = await run(['--data', churn, '--target', 'churned', '--positive', 'churn', '--predictions-column', 'predicted', '--probability-column', 'p_churn', '--out', join(dir, 'again.json'), '--json']);
    assert.equal(json.status, 0, json.stderr);
    const summary = JSON.parse(json.stdout) as { version: string; rows: number; schema: { features: number }; reference_quality: { accuracy: number } };
    assert.equal(summary.version, profile.version, 'the same data gives the same version');
    assert.equal(summary.rows, 400);
    assert.equal(summary.reference_quality.accuracy, (profile.reference_quality as { accuracy: number }).accuracy);
  });

  test('--upstream --preset native: scored through a real modelwatch server, its answers the baseline', async () => {
    const out = join(dir, 'bank.profile.json');
    const result = await run(['--data', bank, '--target', 'y', '--upstream', service.url, '--preset', 'native', '--batch-size', '60', '--name', 'bank-marketing', '--out', out]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, /scoring 250 reference rows through http:\/\/127\.0\.0\.1:\d+\/? \(mapping native, 60 rows per request\)\nscored 250 \/ 250 rows through POST \/predict\/batch in [\d.]+ s\n/);
    const profile = readProfile(out);
    assert.equal(profile.name, 'bank-marketing');
    assert.deepEqual(profile.schema, BANK_SCHEMA);
    const rows = rowsOf(await readCsvTable(bank), BANK_SCHEMA.features);
    const answer = await fetch(`${service.url}/predict/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rows: rows.slice(0, 100) }) });
    const rest = await fetch(`${service.url}/predict/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rows: rows.slice(100, 200) }) });
    const last = await fetch(`${service.url}/predict/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rows: rows.slice(200) }) });
    const labels = (await Promise.all([answer, rest, last].map(async (r) => ((await r.json()) as { predictions: { label: string }[] }).predictions))).flat().map((p) => p.label);
    const yes = labels.filter((l) => l === 'yes').length / labels.length;
    assert.ok(Math.abs(profile.baseline.predictions!.classShares![1] - yes) < 1e-12, `${profile.baseline.predictions!.classShares![1]} vs ${yes}`);
    assert.match(profile.source.predictions, /^upstream http:\/\/127\.0\.0\.1:\d+\/? \(preset native, POST \/predict\/batch\)$/);
  });

  test('a model server that is down: exit code 1, the URL and the problem named; with --json the coded error', async () => {
    const down = `http://127.0.0.1:${await closedPort()}`;
    const args = ['--data', bank, '--target', 'y', '--upstream', down, '--out', join(dir, 'never.json')];
    const result = await run(args);
    assert.equal(result.status, 1);
    assert.match(result.stderr, new RegExp(`modelwatch: scoring the reference data through ${down} failed: rows 1\\.\\.100, POST /predict/batch: cannot reach ${down}/predict/batch \\(ECONNREFUSED\\); is the model server running\\?`));
    const json = await run([...args, '--json']);
    assert.equal(json.status, 1);
    assert.equal((JSON.parse(json.stdout) as { error: { code: string } }).error.code, 'MW_PROFILE_UPSTREAM_FAILED');
  });

  test('flags that do not fit: exit code 2 naming the problem', async () => {
    const out = join(dir, 'x.json');
    const cases: [string[], RegExp][] = [
      [['--data', churn, '--target', 'churned', '--out', out], /where do the model's outputs come from\? give --predictions-column/],
      [['--data', churn, '--target', 'churned', '--out', out, '--predictions-column', 'predicted', '--upstream', service.url], /give the model's outputs one way/],
      [['--data', churn, '--target', 'churned', '--out', out, '--predictions-column', 'guess'], /--predictions-column "guess" is not a column of .*churn\.csv \(its columns: tenure_months, plan/],
      [['--data', churn, '--target', 'churn', '--out', out, '--predictions-column', 'predicted'], /--target "churn" is not a column/],
      [['--data', churn, '--target', 'churned', '--out', out, '--predictions-column', 'predicted', '--preset', 'native'], /--preset and --mapping say how to talk to --upstream/],
      [['--data', churn, '--target', 'churned', '--out', out, '--upstream', service.url, '--preset', 'tensorflow'], /argument 'tensorflow' is invalid. Allowed choices are native, v2, flask, bentoml, text, instances/],
      [['--data', churn, '--target', 'churned', '--out', out, '--predictions-column', 'predicted', '--threshold', '2'], /--threshold must be a number in 0\.001\.\.0\.999, got "2"/],
    ];
    for (const [args, message] of cases) {
      const result = await run(args);
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
  });

  test('--help says what a profile is for', async () => {
    const result = await run(['--help']);
    assert.equal(result.status, 0);
    assert.match(result.stdout, /A reference profile is what `modelwatch gateway --reference` compares live traffic against/);
    assert.match(result.stdout, /--predictions-column <column>/);
  });
});
