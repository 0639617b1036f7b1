/**
 * `npm ci` must install onnxruntime-node on a machine that reaches only the npm registry. The
 * package's postinstall script (script/install.js) downloads extra binaries from NuGet on some
 * platforms (the CUDA provider on linux/x64) unless told to skip; the project tells it in .npmrc
 * (`onnxruntime-node-install=skip`), which npm hands every lifecycle script as the environment
 * variable `npm_config_onnxruntime_node_install=skip`. These tests take that variable from npm
 * itself (not from this process, which `npm test` would already have given it), run the package's
 * own install script with it behind a tripwire that records and blocks any DNS lookup or socket,
 * and show that without it the same script goes for the network.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { packageRoot } from '../src/util/package-root.js';
import { commandMissing, skipUnlessTool } from './helpers/tools.js';

const ROOT = packageRoot(import.meta.url);
const PACKAGE_DIR = join(ROOT, 'node_modules', 'onnxruntime-node');
const SETTING = 'onnxruntime-node-install';
const NPM_VARIABLE = 'npm_config_onnxruntime_node_install';

/** A preload that records every DNS lookup and socket connect to TRIPWIRE_LOG and fails it, so nothing leaves the machine. */
const TRIPWIRE = `
const fs = require('node:fs'), net = require('node:net'), dns = require('node:dns');
const record = (line) => fs.appendFileSync(process.env.TRIPWIRE_LOG, line + '\\n');
net.Socket.prototype.connect = function (...args) {
  const o = args[0] !== null && typeof args[0] === 'object' ? (Array.isArray(args[0]) ? args[0][0] : args[0]) : { port: args[0], host: args[1] };
  record('connect ' + (o.path ?? (o.host ?? 'localhost') + ':' + o.port));
  process.nextTick(() => this.destroy(new Error('network blocked by the test tripwire')));
  return this;
};
const blockedLookup = (host, ...rest) => {
  record('lookup ' + host);
  const callback = rest[rest.length - 1];
  const error = Object.assign(new Error('lookup blocked by the test tripwire'), { code: 'ENOTFOUND', hostname: host });
  if (typeof callback === 'function') process.nextTick(() => callback(error));
  else return Promise.reject(error);
};
dns.lookup = blockedLookup;
dns.promises.lookup = blockedLookup;
`;

/** This process's environment without anything npm or the user set for onnxruntime's installer. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) || /^ONNXRUNTIME_NODE_INSTALL/i.test(key) || /^GLOBAL_AGENT_/i.test(key)) continue;
    env[key] = value;
  }
  return env;
}

interface InstallRun {
  readonly status: number | null;
  readonly seconds: number;
  readonly network: string[];
  readonly stderr: string;
}

describe('onnxruntime-node installs without leaving the npm registry', () => {
  let dir: string;
  let tripwire: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'modelwatch-onnx-install-'));
    tripwire = join(dir, 'tripwire.cjs');
    writeFileSync(tripwire, TRIPWIRE);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** The package's postinstall script, as its package.json names it. */
  function installScript(): string {
    const manifest = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')) as { scripts?: { postinstall?: string } };
    const match = /^node (\.\/script\/install)(?:\.js)?$/.exec(manifest.scripts?.postinstall ?? '');
    assert.ok(match, `onnxruntime-node's postinstall is ${JSON.stringify(manifest.scripts?.postinstall)}; this test knows "node ./script/install" — re-check which setting it reads`);
    return join(PACKAGE_DIR, `${match[1]}.js`);
  }

  /** Runs the install script as npm runs a dependency's postinstall (cwd, npm_package_json, local prefix) plus `extra`, behind the tripwire. */
  function runInstall(name: string, extra: NodeJS.ProcessEnv): InstallRun {
    const log = join(dir, `${name}.log`);
    writeFileSync(log, '');
    const env = { ...cleanEnv(), ...extra, npm_config_local_prefix: ROOT, npm_package_json: join(PACKAGE_DIR, 'package.json'), TRIPWIRE_LOG: log };
    const started = performance.now();
    const result = spawnSync(process.execPath, ['--require', tripwire, installScript()], { cwd: PACKAGE_DIR, env, encoding: 'utf8', timeout: 60_000 });
    const seconds = (performance.now() - started) / 1000;
    return { status: result.status, seconds, network: readFileSync(log, 'utf8').split('\n').filter(Boolean), stderr: result.stderr };
  }

  test(`the committed .npmrc sets ${SETTING}=skip`, () => {
    const lines = readFileSync(join(ROOT, '.npmrc'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#') && !l.startsWith(';'));
    assert.ok(lines.includes(`${SETTING}=skip`), `.npmrc lines: ${JSON.stringify(lines)}`);
  });

  test(`npm hands lifecycle scripts ${NPM_VARIABLE}=skip from the project's .npmrc, and with it the install script exits 0 before touching the network`, { skip: skipUnlessTool(commandMissing('npm', 'install Node.js with npm')) }, () => {
    // Only the project's .npmrc may supply the setting: empty user and global configs, no inherited npm_* variables.
    const [user, global] = [join(dir, 'user.npmrc'), join(dir, 'global.npmrc')];
    writeFileSync(user, '');
    writeFileSync(global, '');
    const npm = spawnSync('npm', ['run', 'env'], { cwd: ROOT, env: { ...cleanEnv(), npm_config_userconfig: user, npm_config_globalconfig: global }, encoding: 'utf8', timeout: 60_000 });
    assert.equal(npm.status, 0, npm.stderr);
    const derived = npm.stdout.split('\n').find((l) => l.startsWith(`${NPM_VARIABLE}=`));
    assert.equal(derived, `${NPM_VARIABLE}=skip`);

    const run = runInstall('skip', { [NPM_VARIABLE]: derived.slice(NPM_VARIABLE.length + 1) });
    assert.deepEqual(run.network, [], 'no DNS lookup and no connection');
    assert.equal(run.status, 0, run.stderr);
    assert.ok(run.seconds < 10, `took ${run.seconds.toFixed(2)} s`);
    console.log(`install script with ${NPM_VARIABLE}=skip: exit 0 in ${run.seconds.toFixed(2)} s, no network`);
  });

  test('without the setting the same script goes for the network where the package has files to download (it would fail npm ci offline)', () => {
    const metadata = createRequire(import.meta.url)(join(PACKAGE_DIR, 'script', 'install-metadata.js')) as { requirements: Record<string, string[]> };
    const downloads = metadata.requirements[`${process.platform}/${process.arch}`] ?? [];
    const run = runInstall('default', {});
    if (downloads.length === 0) {
      // Nothing to fetch on this platform: the setting is then only a safeguard.
      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(run.network, []);
      return;
    }
    assert.ok(run.network.some((line) => line.includes('api.nuget.org')), `expected an attempt to reach api.nuget.org (downloads ${downloads.join(', ')}), saw ${JSON.stringify(run.network)}`);
    assert.notEqual(run.status, 0, 'with the network blocked the script fails, as npm ci would');
    console.log(`install script without the setting on ${process.platform}/${process.arch}: ${run.network.join(', ')} → exit ${run.status}`);
  });
});
