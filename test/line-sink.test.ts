import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { BATCH_BYTES, createLineSink } from '../src/monitoring/audit/line-sink.js';
import { streamDestination } from '../src/monitoring/audit/log-destinations.js';
import { tempDir } from './helpers/fixtures.js';

/** Lines of every kind a sink meets: short, multi-byte, astral, and some longer than a whole batch. */
function lines(): string[] {
  const out: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const text = i % 500 === 7 ? 'x'.repeat(BATCH_BYTES * 2 + i) : i % 3 === 0 ? `é—漢字 ${'😀'.repeat(i % 40)}` : 'a'.repeat(i % 900);
    out.push(`${JSON.stringify({ i, text })}\n`);
  }
  return out;
}

describe('line sink', () => {
  test('every line reaches the file, the extra stream and the keeper whole and in order, byte for byte', async () => {
    const file = join(tempDir(), 'logs', 'sink.ndjson');
    const stream = new PassThrough();
    let streamed = '';
    stream.on('data', (chunk: Buffer) => (streamed += chunk.toString('utf8')));
    const kept: { bytes: number; lines: number }[] = [];
    const sink = createLineSink({ stdout: false, file, stream, keep: { keep: (batch, count) => kept.push({ bytes: batch.length, lines: count }) } });
    const written = lines();
    for (const line of written) sink.write(line);
    assert.ok(sink.pendingText().endsWith(written.at(-1)!), 'the newest lines are readable before they are handed over');
    await sink.drain();
    const expected = written.join('');
    assert.equal(readFileSync(file, 'utf8'), expected);
    assert.equal(streamed, expected);
    assert.equal(sink.pendingText(), '');
    assert.equal(kept.reduce((n, k) => n + k.lines, 0), written.length, 'the keeper is told how many lines each batch holds');
    assert.equal(kept.reduce((n, k) => n + k.bytes, 0), Buffer.byteLength(expected));
    assert.ok(kept.length < written.length / 10, `lines are written in batches (${kept.length} batches)`);
    assert.ok(kept.every((k) => k.bytes <= BATCH_BYTES + 16_384 || k.lines === 1), 'only a line longer than a batch makes a batch of its own');
  });

  test('flushSync writes what is pending at once, for paths that cannot wait', async () => {
    const file = join(tempDir(), 'sink.ndjson');
    const sink = createLineSink({ stdout: false, file });
    await sink.drain();
    sink.write('{"a":1}\n');
    sink.write('{"b":"ü"}\n');
    sink.flushSync();
    assert.equal(readFileSync(file, 'utf8'), '{"a":1}\n{"b":"ü"}\n');
  });

  test('a stream nobody reads holds at most its bound: the rest is dropped and counted, and drain gives up once it stalls', async () => {
    const unread = new PassThrough({ highWaterMark: 1024 });
    const stdout = streamDestination('stdout', unread, undefined, 4 * 1024 * 1024, 50);
    const batch = Buffer.alloc(1024 * 1024, 'a');
    for (let i = 0; i < 20; i++) stdout.write(batch, 10);
    assert.ok(unread.writableLength <= 4 * 1024 * 1024, `bounded: ${unread.writableLength} bytes wait`);
    assert.equal(stdout.droppedLines, 160, 'the 16 batches that did not fit, 10 lines each');
    const started = performance.now();
    await stdout.drain();
    assert.ok(performance.now() - started < 1000, 'drain does not wait for a reader that never comes');
    unread.resume();
    await new Promise((resolve) => setImmediate(resolve));
    stdout.write(batch, 10);
    assert.equal(stdout.droppedLines, 160, 'once read again, batches are written again');
  });

  test('a destination that fails counts the lines it no longer gets', async () => {
    const broken = new PassThrough();
    const stdout = streamDestination('stdout', broken, undefined);
    const stderrWrite = process.stderr.write;
    process.stderr.write = () => true; // the one message about the failure
    try {
      broken.destroy(new Error('EPIPE'));
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.stderr.write = stderrWrite;
    }
    stdout.write(Buffer.from('{"a":1}\n'), 1);
    assert.equal(stdout.droppedLines, 1);
  });
});
