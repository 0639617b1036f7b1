import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { strToU8, zipSync } from 'fflate';
import { registerDataCommands } from '../src/cli/data.js';
import { DownloadError, downloadBankMarketing, extractBankCsv, type DownloadProgress } from '../src/data/download.js';

const dir = mkdtempSync(join(tmpdir(), 'modelwatch-download-'));

/** A small bank-full.csv in UCI's original layout: `;` and double-quoted strings. */
const BANK_FULL = [
  '"age";"job";"marital";"education";"default";"balance";"housing";"loan";"contact";"day";"month";"duration";"campaign";"pdays";"previous";"poutcome";"y"',
  '35;"admin.";"married";"secondary";"no";1200;"yes";"no";"cellular";12;"may";240;2;-1;0;"unknown";"no"',
  '29;"student";"single";"tertiary";"no";0;"no";"no";"cellular";21;"oct";612;1;92;2;"success";"yes"',
  '62;"retired";"divorced";"unknown";"no";15000;"no";"no";"telephone";30;"dec";380;4;181;1;"failure";"yes"',
].join('\n') + '\n';
const BANK_SAMPLE = BANK_FULL.split('\n').slice(0, 2).join('\n') + '\n';

/** UCI's shape: an outer zip holding bank.zip (the CSVs) and bank-additional.zip. */
function uciArchive(bankFull = BANK_FULL): Uint8Array {
  const bank = zipSync({ 'bank-full.csv': strToU8(bankFull), 'bank.csv': strToU8(BANK_SAMPLE), 'bank-names.txt': strToU8('Bank Marketing\n') });
  const additional = zipSync({ 'bank-additional/bank-additional-full.csv': strToU8('"age";"job"\n') });
  return zipSync({ 'bank.zip': bank, 'bank-additional.zip': additional });
}

const ARCHIVE = uciArchive();
let server: Server;
let base = '';

before(async () => {
  server = createServer((req, res) => {
    const send = (status: number, body: Uint8Array | string): void => {
      res.writeHead(status, { 'content-length': Buffer.byteLength(body), 'content-type': 'application/zip' });
      res.end(body);
    };
    switch (req.url) {
      case '/bank+marketing.zip':
        return send(200, ARCHIVE);
      case '/not-a-zip':
        return send(200, '<html>maintenance</html>');
      case '/no-csv':
        return send(200, zipSync({ 'readme.txt': strToU8('nothing here') }));
      case '/bad-csv':
        return send(200, uciArchive(BANK_FULL.replace('"student"', '"astronaut"')));
      case '/stall':
        // Headers, a few bytes, then silence: the body watchdog must fire.
        res.writeHead(200, { 'content-length': '1000' });
        res.write('PK');
        return;
      default:
        return send(404, 'not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('downloadBankMarketing', () => {
  test('fetches the nested archive, extracts bank-full.csv, verifies it and reports progress', async () => {
    const events: DownloadProgress[] = [];
    const dest = join(dir, 'ok', 'data', 'bank-full.csv');
    const result = await downloadBankMarketing({ url: `${base}/bank+marketing.zip`, dest, onProgress: (p) => events.push(p) });
    assert.equal(readFileSync(dest, 'utf8'), BANK_FULL);
    assert.deepEqual(readdirSync(join(dir, 'ok', 'data')), ['bank-full.csv']);
    assert.equal(result.path, dest);
    assert.equal(result.rows, 3);
    assert.equal(result.positives, 2);
    assert.equal(result.format, 'semicolon-quoted');
    assert.equal(result.archiveBytes, ARCHIVE.length);
    assert.deepEqual([...new Set(events.map((e) => e.phase))], ['connect', 'download', 'extract', 'verify']);
    const last = events.filter((e) => e.phase === 'download').at(-1);
    assert.deepEqual(last, { phase: 'download', receivedBytes: ARCHIVE.length, totalBytes: ARCHIVE.length });
  });

  test('the bank variant extracts bank.csv', async () => {
    const dest = join(dir, 'variant.csv');
    const result = await downloadBankMarketing({ url: `${base}/bank+marketing.zip`, dest, variant: 'bank' });
    assert.equal(result.rows, 1);
    assert.equal(readFileSync(dest, 'utf8'), BANK_SAMPLE);
  });

  test('an unreachable host fails fast, naming the host and the manual route', async () => {
    const started = performance.now();
    await assert.rejects(downloadBankMarketing({ url: 'http://127.0.0.1:1/', dest: join(dir, 'never.csv') }), (err: unknown) => {
      assert.ok(err instanceof DownloadError);
      // Port 1 is on fetch's blocked-port list, so this fails before any connection attempt.
      assert.match(err.message, /^could not reach 127\.0\.0\.1:1: /);
      assert.match(err.message, /Download http:\/\/127\.0\.0\.1:1\/ by hand, .*pass --data/);
      return true;
    });
    assert.ok(performance.now() - started < 5000);
    assert.equal(existsSync(join(dir, 'never.csv')), false);
  });

  test('a refused connection names the host and the system error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    await assert.rejects(downloadBankMarketing({ url: `http://127.0.0.1:${port}/bank.zip`, dest: join(dir, 'never.csv') }), {
      name: 'DownloadError',
      message: new RegExp(`^could not reach 127\\.0\\.0\\.1:${port}: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\. Download `),
    });
  });

  test('an HTTP error status is reported', async () => {
    await assert.rejects(downloadBankMarketing({ url: `${base}/gone.zip`, dest: join(dir, 'gone.csv') }), /answered HTTP 404 Not Found/);
  });

  test('a stalled body times out', async () => {
    await assert.rejects(downloadBankMarketing({ url: `${base}/stall`, dest: join(dir, 'stall.csv'), timeoutMs: 300 }), (err: unknown) => {
      assert.ok(err instanceof DownloadError);
      assert.match(err.message, /^download from 127\.0\.0\.1:\d+ broke off: no data for 0\.3 s/);
      return true;
    });
  });

  test('a response that never comes times out', async () => {
    const hang: typeof fetch = (_url, init) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
    await assert.rejects(
      downloadBankMarketing({ url: 'http://example.invalid/x.zip', dest: join(dir, 'hang.csv'), fetchImpl: hang, timeoutMs: 100 }),
      /^DownloadError: could not reach example\.invalid: no data for 0\.1 s/,
    );
  });

  test('archives that are not a zip, or lack the CSV, are rejected', async () => {
    await assert.rejects(downloadBankMarketing({ url: `${base}/not-a-zip`, dest: join(dir, 'x.csv') }), /is not usable: not a readable zip archive/);
    await assert.rejects(downloadBankMarketing({ url: `${base}/no-csv`, dest: join(dir, 'x.csv') }), /bank-full\.csv not found in the archive/);
  });

  test('a CSV that fails the schema is not left at dest', async () => {
    const dest = join(dir, 'bad', 'bank-full.csv');
    await assert.rejects(downloadBankMarketing({ url: `${base}/bad-csv`, dest }), (err: unknown) => {
      assert.ok(err instanceof DownloadError);
      assert.match(err.message, /does not match the schema: .*line 3, column "job": expected one of .*got "astronaut"/);
      return true;
    });
    assert.deepEqual(readdirSync(join(dir, 'bad')), []);
  });

  test('file: URLs and an injected fetch work without a server', async () => {
    const zipPath = join(dir, 'bank+marketing.zip');
    writeFileSync(zipPath, ARCHIVE);
    const fromFile = await downloadBankMarketing({ url: pathToFileURL(zipPath).href, dest: join(dir, 'from-file.csv') });
    assert.equal(fromFile.rows, 3);
    const fake: typeof fetch = async () => new Response(ARCHIVE);
    const fromFake = await downloadBankMarketing({ url: 'https://archive.example/bank.zip', dest: join(dir, 'from-fake.csv'), fetchImpl: fake });
    assert.equal(fromFake.sha256, fromFile.sha256);
    await assert.rejects(downloadBankMarketing({ url: 'ftp://x/y.zip', dest: join(dir, 'x.csv') }), /unsupported URL scheme ftp:/);
  });

  test('extractBankCsv also takes bank.zip itself', () => {
    const bankZip = zipSync({ 'bank-full.csv': strToU8(BANK_FULL) });
    assert.equal(Buffer.from(extractBankCsv(bankZip)).toString('utf8'), BANK_FULL);
  });
});

describe('modelwatch data download', () => {
  function program(): { program: Command; stderr: string[] } {
    const stderr: string[] = [];
    const cmd = new Command('modelwatch').exitOverride().configureOutput({ writeErr: (s) => stderr.push(s), writeOut: () => undefined });
    registerDataCommands(cmd);
    return { program: cmd, stderr };
  }

  test('downloads with progress on stderr', async () => {
    const { program: cli, stderr } = program();
    const out = join(dir, 'cli', 'bank-full.csv');
    await cli.parseAsync(['data', 'download', '--url', `${base}/bank+marketing.zip`, '--out', out], { from: 'user' });
    assert.equal(readFileSync(out, 'utf8'), BANK_FULL);
    const text = stderr.join('');
    assert.match(text, /downloading http:\/\/127\.0\.0\.1/);
    assert.match(text, /\(100 %\)/);
    assert.match(text, /wrote .*bank-full\.csv: 3 rows \(2 yes\), semicolon-quoted format/);
  });

  test('an unreachable URL is a clean error with a non-zero exit code', async () => {
    const { program: cli, stderr } = program();
    await assert.rejects(cli.parseAsync(['data', 'download', '--url', 'http://127.0.0.1:1/', '--out', join(dir, 'cli-never.csv')], { from: 'user' }), (err: unknown) => {
      assert.ok(err instanceof CommanderError);
      assert.equal(err.exitCode, 1);
      return true;
    });
    assert.match(stderr.join(''), /error: could not reach 127\.0\.0\.1:1: /);
  });

  test('a malformed --url is a usage error', async () => {
    const { program: cli } = program();
    await assert.rejects(cli.parseAsync(['data', 'download', '--url', 'not a url'], { from: 'user' }), (err: unknown) => {
      assert.ok(err instanceof CommanderError);
      assert.equal(err.code, 'commander.invalidArgument');
      assert.equal(err.exitCode, 2);
      assert.match(err.message, /--url must be an http, https or file URL, got "not a url"/);
      return true;
    });
  });
});
