/**
 * Crash-safe file writes for the registry and the pipeline's state: a reader sees the old content
 * or the new, never half of either.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';

/**
 * Replaces `file` with `text`: written to a temporary file, fsynced, renamed into place.
 *
 * @example writeAtomically('models/CURRENT', 'v2\n');
 */
export function writeAtomically(file: string, text: string): void {
  // Unique per write, not per process: in containers every process is PID 1, and replicas sharing
  // a registry volume may write the same file at once.
  const tmp = `${file}.${randomUUID()}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/**
 * Appends `text` (whole lines) to `file` and fsyncs it, so an acknowledged record survives a crash.
 *
 * @example appendDurably('models/history.jsonl', `${JSON.stringify(change)}\n`);
 */
export function appendDurably(file: string, text: string): void {
  appendFileSync(file, text);
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
