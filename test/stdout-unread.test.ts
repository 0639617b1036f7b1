/**
 * A stdout nobody reads: the built CLI is started with its stdout a pipe that is never read, driven
 * with enough log volume to fill any queue many times over, then stopped with SIGTERM. Memory stays
 * bounded, the lines stdout could not take are counted, shutdown finishes within its timeout, and
 * LOG_FILE has every answered prediction's line.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { freePort } from '../bench/children.js';
import { SEED_BODY, sampleValue, tempDir, trainedRegistry } from './helpers/fixtures.js';

const ROOT = new URL('..', import.meta.url).pathname;
const SHUTDOWN_TIMEOUT_SECONDS = 5;

/** VmRSS of /proc/<pid>/status, in MiB. */
const rssMib = (pid: number) => Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

describe('a stdout nobody reads', () => {
  test('bounds memory, counts what it drops, keeps LOG_FILE complete and lets SIGTERM finish in time', async (t) => {
    // A failure, not a skip: a missing build would otherwise pass unnoticed (npm test builds first).
    assert.ok(existsSync(join(ROOT, 'dist/src/cli/main.js')), 'run `npm run build` first (npm test does)');
    const port = await freePort();
    const logFile = join(tempDir(), 'audit.ndjson');
    const child = spawn(process.execPath, ['bin/modelwatch.js', 'serve'], {
      cwd: ROOT,
      // stdout is a pipe this test never reads: it fills after 64 KiB.
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        MODEL_DIR: trainedRegistry().dir,
        LOG_FILE: logFile,
        LOG_STDOUT: 'true',
        // Raw inputs make each line ~1 KB: more bytes for stdout to refuse per request.
        AUDIT_RAW_INPUTS: 'true',
        SHUTDOWN_TIMEOUT_SECONDS: String(SHUTDOWN_TIMEOUT_SECONDS),
        MODEL_WATCH: 'false',
        // A capped old space: V8 otherwise grows its heap by 100 MiB or more under a burst of garbage
        // when it likes (seen in about half the runs, stdout or not), which an RSS bound cannot tell
        // from lines held for a stdout nobody reads. Capped, lines held without bound end the process
        // (out of memory) and the RSS bound below measures what is kept, not what V8 has yet to collect.
        NODE_OPTIONS: [process.env.NODE_OPTIONS, '--max-old-space-size=96'].filter(Boolean).join(' '),
      },
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.once('exit', (code) => resolve({ code, at: Date.now() })));
    const url = `http://127.0.0.1:${port}`;
    try {
      for (let ready = false; !ready; await new Promise((r) => setTimeout(r, 100))) {
        assert.equal(child.exitCode, null, `the service exited before it was ready: ${stderr}`);
        ready = await fetch(`${url}/ready`).then((r) => r.ok, () => false);
      }
      const rows = Array.from({ length: 100 }, (_, i) => ({ ...SEED_BODY, duration: 100 + i, balance: 1000 + i }));
      const body = JSON.stringify({ rows });
      const answered: string[] = [];
      let next = 0;
      const drive = async (requests: number) => {
        const last = next + requests;
        const worker = async () => {
          while (next < last) {
            const id = `load-${next++}`;
            const response = await fetch(`${url}/predict/batch`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': id }, body });
            await response.arrayBuffer();
            if (response.status === 200) answered.push(id);
          }
        };
        await Promise.all(Array.from({ length: 8 }, worker));
      };
      // Warm up (JIT, buffers, the pipe and the bounded queue filled), then measure the growth.
      await drive(150);
      const baseline = rssMib(child.pid!);
      let peak = baseline;
      const sampler = setInterval(() => (peak = Math.max(peak, rssMib(child.pid!))), 50);
      await drive(1200); // 120,000 lines of ~1 KB: ~120 MB that stdout never takes
      clearInterval(sampler);
      peak = Math.max(peak, rssMib(child.pid!));
      assert.ok(peak - baseline < 64, `RSS stays bounded: ${baseline.toFixed(0)} MiB after warm-up, peak ${peak.toFixed(0)} MiB while ~120 MB of lines met a full stdout`);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      const dropped = sampleValue(metrics, 'ml_log_lines_dropped_total', { destination: 'stdout' }) ?? 0;
      assert.ok(dropped > 100_000, `lines stdout could not take are counted (${dropped})`);
      assert.equal(sampleValue(metrics, 'ml_log_lines_dropped_total', { destination: 'file' }), 0, 'the file dropped nothing');

      t.diagnostic(`RSS ${baseline.toFixed(0)} MiB after warm-up, peak ${peak.toFixed(0)} MiB; ${dropped} lines dropped for stdout`);
      const termAt = Date.now();
      child.kill('SIGTERM');
      const { code, at } = await Promise.race([exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no exit ${SHUTDOWN_TIMEOUT_SECONDS + 5} s after SIGTERM: ${stderr}`)), (SHUTDOWN_TIMEOUT_SECONDS + 5) * 1000))]);
      assert.equal(code, 0, `a graceful exit: ${stderr}`);
      assert.ok(at - termAt < SHUTDOWN_TIMEOUT_SECONDS * 1000, `SIGTERM finished in ${at - termAt} ms, within SHUTDOWN_TIMEOUT_SECONDS`);
      t.diagnostic(`SIGTERM to exit: ${at - termAt} ms`);

      const logged = new Set<string>();
      for (const line of readFileSync(logFile, 'utf8').split('\n')) {
        if (line.includes('"message":"prediction"')) logged.add((JSON.parse(line) as { request_id: string }).request_id);
      }
      assert.equal(answered.length, 1350);
      const missing = answered.flatMap((id) => rows.map((_, i) => `${id}:${i}`)).filter((id) => !logged.has(id));
      assert.deepEqual(missing.slice(0, 10), [], `LOG_FILE has every answered prediction (${missing.length} missing)`);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    }
  });
});
