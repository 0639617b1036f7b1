/**
 * What a newcomer meets first, through the real, built CLI (`node bin/modelwatch.js`, as `npx
 * modelwatch` runs it; `npm test` builds first): `--version`, `serve` on an empty registry (refused
 * unless --bootstrap / BOOTSTRAP_MODEL), results on stdout and logs on stderr, --json on every
 * command that reports a result (failures included), the documented exit codes, pretty logs on a
 * terminal only, and loadgen's default URL.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test, type TestContext } from 'node:test';
import { strToU8, zipSync } from 'fflate';
import { writeLabelledCsv } from '../src/data/csv.js';
import { generateSynthetic } from '../src/data/synthetic.js';
import { ModelRegistry } from '../src/model/registry.js';
import { trainModel } from '../src/model/train.js';
import { SEED_BODY, tempDir, trainedRegistry } from './helpers/fixtures.js';
import { commandMissing, skipUnlessTool } from './helpers/tools.js';

/** A URL nothing listens on: port 1 on loopback is refused at once (no race with a port handed out). */
const UNREACHABLE = 'http://127.0.0.1:1';

const ROOT = new URL('..', import.meta.url).pathname;
const BIN = join(ROOT, 'bin', 'modelwatch.js');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** The environment without settings a developer's shell may carry into the children. */
function cleanEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base = { ...process.env };
  for (const name of ['MODEL_DIR', 'PORT', 'BOOTSTRAP_MODEL', 'TRAIN_DATA', 'MODELWATCH_URL', 'LOG_FORMAT', 'LOG_FILE']) delete base[name];
  return { ...base, ...env };
}

const cli = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: cleanEnv(env), cwd: ROOT, timeout: 120_000 });

let dataCsv: string;

before(async () => {
  assert.ok(existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js')), 'run `npm run build` first (npm test does)');
  dataCsv = join(tempDir(), 'train.csv');
  await writeLabelledCsv(dataCsv, generateSynthetic({ rows: 3000, seed: 3 }));
});

/** Starts `modelwatch serve` and resolves with its URL once it listens (its stdout is a pipe: JSON lines). */
async function startServe(t: TestContext, args: string[], env: Record<string, string>): Promise<{ url: string; child: ChildProcessWithoutNullStreams; stdout: () => string }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--host', '127.0.0.1', ...args], { env: cleanEnv(env), cwd: ROOT });
  t.after(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line in ${stdout}\n${stderr}`)), 120_000);
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
    child.stdout.on('data', () => {
      const match = /listening on (http:\/\/[^"\s]+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
  return { url, child, stdout: () => stdout };
}

const stop = async (child: ChildProcessWithoutNullStreams) => {
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  child.kill('SIGTERM');
  return exited;
};

describe('serve --help', () => {
  test('lists --bootstrap, BOOTSTRAP_MODEL, LOG_FORMAT and the exit codes', () => {
    const result = cli(['serve', '--help']);
    assert.equal(result.status, 0);
    assert.match(result.stdout, /--bootstrap\s+when the registry has no current version, train a first\s+model/);
    assert.match(result.stdout, /BOOTSTRAP_MODEL/);
    assert.match(result.stdout, /LOG_FORMAT/);
    assert.match(result.stdout, /Exit codes: 0 .*; 4 no model to serve/);
  });
});

describe('modelwatch --version', () => {
  test('a command group without its subcommand shows help and exits 2, not 0: a mistyped script line fails', () => {
    for (const args of [[], ['model'], ['data'], ['setup']]) {
      const result = cli(args);
      assert.equal(result.status, 2, `modelwatch ${args.join(' ')}`);
      assert.match(result.stderr, /Usage: modelwatch/);
    }
    assert.equal(cli(['model', '--help']).status, 0, 'help asked for is a success');
  });

  // These machines ship an older Node at /usr/bin/node; where there is none, there is nothing to check.
  const olderNode = spawnSync('/usr/bin/node', ['-p', 'process.versions.node'], { encoding: 'utf8' });
  const olderNodeMissing = olderNode.error || Number(olderNode.stdout.split('.')[0]) >= 24 ? 'no Node older than 24 at /usr/bin/node' : false;
  test('on a Node older than 24 it says which Node it needs, instead of a stack trace', { skip: olderNodeMissing }, () => {
    const result = spawnSync('/usr/bin/node', [BIN, '--version'], { encoding: 'utf8', env: cleanEnv(), cwd: ROOT });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^modelwatch needs Node\.js 24 or later \(the LTS line\); this is v\d+/);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  });

  test('prints the version of package.json and exits 0', () => {
    for (const flag of ['--version', '-V']) {
      const result = cli([flag]);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stdout.trim(), VERSION);
    }
  });
});

describe('modelwatch serve on an empty registry', () => {
  test('refuses to start with exit code 4 and says how to train or import a model', () => {
    const modelDir = join(tempDir(), 'models');
    const result = cli(['serve', '--port', '0', '--model-dir', modelDir]);
    assert.equal(result.status, 4, result.stderr);
    assert.match(result.stderr, /no model to serve: the registry .*models has no current version/);
    assert.match(result.stderr, /modelwatch train --data <csv>/);
    assert.match(result.stderr, /modelwatch pipeline run --data <csv>/);
    assert.match(result.stderr, new RegExp(`modelwatch serve --bootstrap --model-dir ${modelDir}`), 'the suggestion serves the same registry');
    assert.match(result.stderr, /BOOTSTRAP_MODEL=true/);
    assert.equal(result.stdout, '', 'nothing on stdout: no log line, no model trained');
    assert.ok(!existsSync(modelDir), 'nothing was written into the registry');
  });

  test('a registry with versions but none current is refused too, naming the version to promote', () => {
    const modelDir = join(tempDir(), 'models');
    const registry = new ModelRegistry(modelDir);
    registry.register(trainModel({ rows: generateSynthetic({ rows: 800, seed: 5 }), dataSha256: '0'.repeat(64), dataSource: 'test', params: { maxIter: 5 } }).artifact);
    const result = cli(['serve', '--port', '0'], { MODEL_DIR: modelDir });
    assert.equal(result.status, 4);
    assert.match(result.stderr, /It holds v1, none of them current: make one current with `modelwatch model promote v1/);
  });

  for (const [how, args, env] of [
    ['--bootstrap', ['--bootstrap'], {}],
    ['BOOTSTRAP_MODEL=true', [], { BOOTSTRAP_MODEL: 'true' }],
  ] as const) {
    test(`with ${how} it trains a first model (on TRAIN_DATA here), registers it as v1 and serves it`, async (t) => {
      const modelDir = join(tempDir(), 'models');
      const { url, child } = await startServe(t, [...args, '--train-data', dataCsv], { ...env, MODEL_DIR: modelDir });
      assert.equal((await fetch(`${url}/ready`)).status, 200);
      const answer = (await (await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(SEED_BODY) })).json()) as { model_version: string };
      assert.equal(answer.model_version, 'v1');
      const registry = new ModelRegistry(modelDir);
      assert.equal(registry.currentVersion(), 'v1');
      assert.deepEqual(registry.history().map((c) => c.by), ['bootstrap']);
      assert.equal(registry.read('v1').artifact.training.data_source, dataCsv);
      assert.equal(await stop(child), 0);
    });
  }
});

describe('results on stdout, logs and progress on stderr', () => {
  test('train: progress on stderr, the result on stdout; with --json exactly one JSON object', () => {
    const modelDir = join(tempDir(), 'models');
    const human = cli(['train', '--data', dataCsv, '--model-dir', modelDir]);
    assert.equal(human.status, 0, human.stderr);
    assert.match(human.stderr, /^reading .*train\.csv$/m);
    assert.doesNotMatch(human.stdout, /reading/);
    assert.match(human.stdout, /^registered v1 \(current\)/);
    const json = cli(['train', '--data', dataCsv, '--model-dir', modelDir, '--json']);
    assert.equal(json.status, 0, json.stderr);
    assert.equal(JSON.parse(json.stdout).version, 'v2');
  });

  test('serve on a pipe writes JSON log lines to stdout', async (t) => {
    const { child, stdout } = await startServe(t, [], { MODEL_DIR: trainedRegistry().dir });
    const first = stdout().split('\n')[0];
    assert.equal((JSON.parse(first) as { 'log.level': string })['log.level'], 'info');
    assert.equal(await stop(child), 0);
  });

  test('serve with LOG_FORMAT=pretty writes readable lines even to a pipe, uncoloured', async (t) => {
    const { child, stdout } = await startServe(t, [], { MODEL_DIR: trainedRegistry().dir, LOG_FORMAT: 'pretty' });
    assert.match(stdout(), /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: serving model v1 \(gbdt\) \{"event\.dataset":"ml-pipeline\.service"/m);
    assert.ok(!stdout().includes('\u001b['), 'no colour codes on a pipe');
    assert.equal(await stop(child), 0);
  });

  test('serve on a terminal writes readable lines, not JSON (LOG_FORMAT=auto)', { skip: skipUnlessTool(commandMissing('python3', 'apt-get install python3')) }, async (t) => {
    // A pseudo-terminal through Python's pty module; the shell prints its pid before exec'ing node,
    // so the test can stop modelwatch itself (a hang-up would only make it reload its model).
    const command = `echo "pid $$"; exec "${process.execPath}" "${BIN}" serve --port 0 --host 127.0.0.1`;
    const child = spawn('python3', ['-c', 'import pty, sys; pty.spawn(sys.argv[1:])', 'sh', '-c', command], { env: cleanEnv({ MODEL_DIR: trainedRegistry().dir }), cwd: ROOT });
    // The shell's pid is modelwatch's after exec: a pty closing only hangs it up (a model reload),
    // so a test that fails early must kill it itself or it serves on forever.
    let servePid: number | undefined;
    t.after(() => {
      child.kill('SIGKILL');
      if (servePid !== undefined) {
        try {
          process.kill(servePid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      servePid ??= Number(/pid (\d+)/.exec(out)?.[1]) || undefined;
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line in ${out}`)), 60_000);
      child.stdout.on('data', () => {
        if (/listening on/.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    assert.ok(servePid, `the shell printed its pid: ${out}`);
    const exited = new Promise((resolve) => child.on('exit', resolve));
    process.kill(servePid, 'SIGTERM');
    await exited;
    // eslint-disable-next-line no-control-regex
    const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
    assert.match(plain, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: modelwatch listening on http:\/\/127\.0\.0\.1:\d+/m);
    assert.match(plain, /INFO: serving model v1/);
    assert.doesNotMatch(plain, /"@timestamp"/, 'no JSON line on a terminal');
  });
});

describe('--json on every command that reports a result', () => {
  let modelDir: string;

  before(() => {
    modelDir = join(tempDir(), 'models');
    const registry = new ModelRegistry(modelDir);
    for (const seed of [1, 2]) {
      const version = registry.register(trainModel({ rows: generateSynthetic({ rows: 800, seed }), dataSha256: String(seed).repeat(64), dataSource: 'test', params: { maxIter: 5 } }).artifact);
      registry.setCurrent(version, { by: 'test', reason: 'test' });
    }
  });

  test('model promote --json and model rollback --json print what is current now and what it replaced', () => {
    const promoted = cli(['model', 'promote', 'v1', '--model-dir', modelDir, '--json']);
    assert.equal(promoted.status, 0, promoted.stderr);
    assert.deepEqual(JSON.parse(promoted.stdout), { current: 'v1', previous: 'v2', model_dir: modelDir });
    const rolledBack = cli(['model', 'rollback', '--model-dir', modelDir, '--json']);
    assert.equal(rolledBack.status, 0, rolledBack.stderr);
    assert.deepEqual(JSON.parse(rolledBack.stdout), { current: 'v2', previous: 'v1', model_dir: modelDir });
  });

  test('a failing command given --json prints {"error": {code, message, exit_code}} on stdout and exits non-zero', () => {
    const missing = cli(['model', 'promote', 'v9', '--model-dir', modelDir, '--json']);
    assert.equal(missing.status, 1);
    assert.deepEqual(JSON.parse(missing.stdout).error.code, 'MW_VERSION_NOT_FOUND');
    assert.match(missing.stderr, /v9 is not in the registry/);
    // Every code is MW_…: a file that is not there is named as such, not as a bare ENOENT.
    const noData = cli(['train', '--data', join(tempDir(), 'absent.csv'), '--model-dir', modelDir, '--json']);
    assert.equal(noData.status, 1);
    assert.equal(JSON.parse(noData.stdout).error.code, 'MW_FILE_NOT_FOUND', noData.stdout);
  });

  test('a usage error with --json is a JSON error too (exit code 2), the message still on stderr', () => {
    const result = cli(['train', '--data', 'x.csv', '--test-share', '2', '--json']);
    assert.equal(result.status, 2);
    const { error } = JSON.parse(result.stdout) as { error: { code: string; message: string; exit_code: number } };
    assert.deepEqual([error.code, error.exit_code], ['MW_USAGE', 2]);
    assert.match(error.message, /--test-share must be a number in 0\.05\.\.0\.5, got "2"/);
    assert.match(result.stderr, /--test-share must be a number/);
  });

  test('data generate --json: the result on stdout, progress on stderr; not with --out -', () => {
    const out = join(tempDir(), 'gen.csv');
    const result = cli(['data', 'generate', '--out', out, '--rows', '500', '--seed', '9', '--json']);
    assert.equal(result.status, 0, result.stderr);
    const summary = JSON.parse(result.stdout) as { path: string; rows: number; positives: number; seed: number };
    assert.deepEqual([summary.path, summary.rows, summary.seed], [out, 500, 9]);
    assert.equal(readFileSync(out, 'utf8').trim().split('\n').length, 501);
    assert.match(result.stderr, /wrote 500 rows/);
    const clash = cli(['data', 'generate', '--out', '-', '--rows', '5', '--json']);
    assert.equal(clash.status, 2);
    assert.match(clash.stderr, /--json prints its result on stdout, which --out - uses for the data/);
  });

  test('data download --json: the result on stdout; a failure as a JSON error', async () => {
    const dir = tempDir();
    const csv = join(dir, 'uci.csv');
    await writeLabelledCsv(csv, generateSynthetic({ rows: 50, seed: 4 }), 'semicolon-quoted');
    const bank = zipSync({ 'bank-full.csv': strToU8(readFileSync(csv, 'utf8')) });
    const archive = join(dir, 'bank+marketing.zip');
    writeFileSync(archive, zipSync({ 'bank.zip': bank }));
    const out = join(dir, 'data', 'bank-full.csv');
    const ok = cli(['data', 'download', '--url', pathToFileURL(archive).href, '--out', out, '--json']);
    assert.equal(ok.status, 0, ok.stderr);
    const result = JSON.parse(ok.stdout) as { path: string; rows: number; sha256: string };
    assert.deepEqual([result.path, result.rows], [out, 50]);
    assert.match(result.sha256, /^[0-9a-f]{64}$/);
    const failed = cli(['data', 'download', '--url', `${UNREACHABLE}/bank+marketing.zip`, '--out', out, '--json']);
    assert.equal(failed.status, 1);
    const error = JSON.parse(failed.stdout).error as { code: string; message: string; exit_code: number };
    assert.equal(error.exit_code, 1);
    assert.match(error.message, /could not reach 127\.0\.0\.1/);
  });

  test('setup --json: a server that cannot be reached is a JSON error with its code', () => {
    const result = cli(['setup', 'elasticsearch', '--url', UNREACHABLE, '--timeout', '5', '--json']);
    assert.equal(result.status, 1);
    const { error } = JSON.parse(result.stdout) as { error: { code: string; message: string } };
    assert.equal(error.code, 'MW_SETUP_UNREACHABLE');
    assert.match(error.message, /cannot reach Elasticsearch/);
  });
});

describe('model list on a directory that is not a registry', () => {
  test('is an error (exit code 1) that says what a registry is and how to make one', () => {
    const dir = tempDir();
    for (const target of [dir, join(dir, 'missing')]) {
      const result = cli(['model', 'list', '--model-dir', target]);
      assert.equal(result.status, 1, result.stdout);
      assert.match(result.stderr, /no model registry at .* \((it has no versions\/ directory and no CURRENT file|it does not exist)\); train a model into it with `modelwatch train --data <csv>/);
    }
    const json = cli(['model', 'list', '--model-dir', dir, '--json']);
    assert.equal(JSON.parse(json.stdout).error.code, 'MW_REGISTRY_NOT_FOUND');
    const empty = join(dir, 'empty');
    mkdirSync(join(empty, 'versions'), { recursive: true });
    const listed = cli(['model', 'list', '--model-dir', empty, '--json']);
    assert.equal(listed.status, 0, 'an empty registry is still a registry');
    assert.deepEqual(JSON.parse(listed.stdout), []);
  });
});

describe('pipeline run exit codes', () => {
  test('0 when the new version is promoted, 3 when the promotion gate rejects it (registered, not current)', () => {
    const modelDir = join(tempDir(), 'models');
    const first = cli(['pipeline', 'run', '--data', dataCsv, '--model-dir', modelDir, '--json']);
    assert.equal(first.status, 0, first.stderr);
    assert.equal(JSON.parse(first.stdout).promotion.outcome, 'promoted');
    // One boosting iteration is far worse than the full model on the same holdout.
    const worse = cli(['pipeline', 'run', '--data', dataCsv, '--model-dir', modelDir, '--max-iterations', '1', '--tolerance', '0', '--json']);
    assert.equal(worse.status, 3, worse.stderr);
    const result = JSON.parse(worse.stdout) as { status: string; version: string; promotion: { outcome: string } };
    assert.equal(result.status, 'success');
    assert.equal(result.promotion.outcome, 'rejected');
    assert.equal(new ModelRegistry(modelDir).currentVersion(), 'v1');
  });
});

describe('loadgen default URL', () => {
  let counts: Record<string, number>;
  let servers: Server[];

  /** A stand-in service that answers /predict and counts per port. */
  const listen = async (name: string): Promise<number> => {
    const server = createServer((req, res) => {
      counts[name] = (counts[name] ?? 0) + 1;
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ request_id: 'r', prediction: 0, label: 'no', confidence: 0.9, probability: 0.1, model_version: 'v1' }));
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  };

  before(() => {
    counts = {};
    servers = [];
  });
  after(() => {
    for (const server of servers) server.close();
  });

  const loadgen = (env: Record<string, string>) => {
    const result = spawn(process.execPath, [BIN, 'loadgen', '--rps', '20', '--duration', '0.5', '--json'], { env: cleanEnv(env), cwd: ROOT });
    let stdout = '';
    result.stdout.on('data', (d) => (stdout += d));
    return new Promise<{ code: number | null; summary: { sent: number; networkErrors: number } }>((resolve) => result.on('exit', (code) => resolve({ code, summary: JSON.parse(stdout || '{}') })));
  };

  test('without --url it drives http://127.0.0.1:$PORT; MODELWATCH_URL wins over PORT', async () => {
    const byPort = await listen('port');
    const byUrl = await listen('url');
    const fromPort = await loadgen({ PORT: String(byPort) });
    assert.equal(fromPort.code, 0);
    assert.ok(fromPort.summary.sent > 0 && fromPort.summary.networkErrors === 0, JSON.stringify(fromPort.summary));
    assert.equal(counts.port, fromPort.summary.sent);
    const fromUrl = await loadgen({ PORT: String(byPort), MODELWATCH_URL: `http://127.0.0.1:${byUrl}` });
    assert.equal(fromUrl.code, 0);
    assert.equal(counts.url, fromUrl.summary.sent);
    assert.equal(counts.port, fromPort.summary.sent, 'PORT was not used once MODELWATCH_URL was set');
  });

  test('drill without --url calls http://127.0.0.1:$PORT too', async () => {
    const port = await listen('drill');
    const child = spawn(process.execPath, [BIN, 'drill', '--json'], { env: cleanEnv({ PORT: String(port), ADMIN_TOKEN: 't' }), cwd: ROOT });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0);
    assert.equal(counts.drill, 1, 'the drill went to the port of PORT, not to 5000');
  });

  test('a PORT that is not a port is a usage error naming it (exit code 2)', () => {
    const result = cli(['loadgen', '--duration', '0.2'], { PORT: 'web' });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /Invalid setting PORT="web"/);
  });
});
