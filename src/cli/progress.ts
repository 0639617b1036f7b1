/**
 * Progress for long commands on stderr: a line that rewrites itself on a terminal; on a pipe or in
 * CI only the milestone lines, so logs stay readable.
 */

/** A progress reporter. */
export interface Progress {
  /** A milestone line, always shown (unless disabled). */
  line(text: string): void;
  /** A transient status, shown only on a terminal, throttled. */
  update(text: string): void;
  /** Ends the transient status with a final line. */
  done(text: string): void;
}

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
