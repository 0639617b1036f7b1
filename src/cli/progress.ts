/**
 * Progress for long commands on stderr: a line that rewrites itself on a terminal; on a pipe or in
 * CI only the milestone lines, so logs stay readable.
 */

import type { Progress } from '../util/progress.js';

export type { Progress };

/**
 * Creates a reporter writing to stderr.
 *
 * @example const p = createProgress(true); p.update('42 trees'); p.done('done');
 */
export function createProgress(enabled: boolean, stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = enabled && stream.isTTY === true;
  let last = 0;
  let dirty = false;
  return {
    line(text) {
      if (enabled) stream.write(`${text}\n`);
    },
    update(text) {
      if (!tty) return;
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      dirty = true;
      stream.write(`\r\x1b[2K${text}`);
    },
    done(text) {
      if (!enabled) return;
      stream.write(`${dirty ? '\r\x1b[2K' : ''}${text}\n`);
      dirty = false;
    },
  };
}
