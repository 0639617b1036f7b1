import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { writeLabelledCsv } from '../src/data/csv.js';
import { generateSynthetic } from '../src/data/synthetic.js';
import { SEED_BODY, tempDir, trainedRegistry } from './helpers/fixtures.js';

const CLI = ['--import', 'tsx', 'src/cli/main.ts'];
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [...CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });

describe('modelwatch CLI', () => {
  for (const command of [[], ['serve'], ['train'], ['data', 'generate'], ['data', 'download'], ['loadgen']]) {
    test(`modelwatch ${command.join(' ')} --help explains itself`, () => {
      const result = run([...command, '--help']);
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, /^Usage: modelwatch/m);
      assert.ok(result.stdout.length > 200);
    });
  }

  test('a bad setting exits with code 2 naming the setting and value', () => {
    const result = run(['serve'], { PORT: 'abc' });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /Invalid setting PORT="abc": expected an integer/);
  });

  test('a bad flag value exits with code 2', () => {
    const result = run(['train', '--data', 'x.csv', '--test-share', '2']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--test-share must be a number in 0\.05\.\.0\.5, got "2"/);
  });

  test('a download that cannot reach its URL exits 1 with what to do instead, not a usage error', () => {
    const result = run(['data', 'download', '--url', 'http://127.0.0.1:9/bank+marketing.zip', '--out', join(tempDir(), 'bank-full.csv')]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /could not reach 127\.0\.0\.1:9/);
    assert.match(result.stderr, /by hand/);
    assert.doesNotMatch(result.stderr, /--help for usage/);
  });

  test('train --json registers a version and prints version, metrics, rows, seconds', async () => {
    const dir = tempDir();
    const csv = join(dir, 'train.csv');
    await writeLabelledCsv(csv, generateSynthetic({ rows: 3000, seed: 3 }));
    const modelDir = join(dir, 'models');
    const result = run(['train', '--data', csv, '--model-dir', modelDir, '--json']);
    assert.equal(result.status, 0, result.stderr);
    const out = JSON.parse(result.stdout);
    assert.equal(out.version, 'v1');
    assert.deepEqual(Object.keys(out.metrics).sort(), ['accuracy', 'auc', 'f1', 'precision', 'recall']);
    assert.ok(out.metrics.auc > 0.8, `auc ${out.metrics.auc}`);
    assert.equal(out.rows, 3000);
    assert.ok(out.seconds > 0);
    assert.equal(readFileSync(join(modelDir, 'CURRENT'), 'utf8').trim(), 'v1');
  });

  test('train on a bad CSV exits 1 naming the line, column and reason', () => {
    const dir = tempDir();
    const csv = join(dir, 'bad.csv');
    writeFileSync(csv, 'age,job,marital,education,default,balance,housing,loan,contact,day,month,duration,campaign,pdays,previous,poutcome,y\n58,management,married,tertiary,no,2143,yes,no,unknown,5,may,261,1,-1,0,unknown,no\n44,astronaut,single,secondary,no,29,yes,no,unknown,5,may,151,1,-1,0,unknown,no\n');
    const result = run(['train', '--data', csv, '--model-dir', join(dir, 'm')]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /line 3/);
    assert.match(result.stderr, /job/);
  });

  test('serve stops on SIGTERM: in-flight requests finish, every audit line is flushed, exit code 0', async (t) => {
    const logFile = join(tempDir(), 'audit.ndjson');
    const child = spawn(process.execPath, [...CLI, 'serve', '--port', '0', '--host', '127.0.0.1'], {
      env: { ...process.env, MODEL_DIR: trainedRegistry().dir, LOG_FILE: logFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    t.after(() => child.kill('SIGKILL'));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line in ${stdout}`)), 30_000);
      child.stdout.on('data', () => {
        const match = /listening on (http:\/\/[^"\s]+)/.exec(stdout);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
    });
    const post = () => fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(SEED_BODY) }).catch(() => undefined);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const inFlight = Array.from({ length: 400 }, post);
    await inFlight[0];
    child.kill('SIGTERM'); // with most of the 400 still in flight
    child.kill('SIGTERM'); // a second signal must not cut the drain short
    const answered = (await Promise.all(inFlight)).filter((r) => r?.status === 200);
    assert.equal(await exited, 0);
    assert.ok(answered.length > 0);
    const ids = new Set(answered.map((r) => r!.headers.get('x-request-id')));
    const lines = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const logged = lines.filter((l) => l.message === 'prediction' && ids.has(l.request_id));
    assert.equal(logged.length, ids.size, 'every answered prediction has its audit line');
    assert.ok(lines.some((l) => /SIGTERM received/.test(l.message)));
    assert.match(stdout, /"message":"prediction"/, 'audit lines also go to stdout');
  });
});
