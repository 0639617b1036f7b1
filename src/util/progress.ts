/**
 * What long work reports progress through. The CLI's stderr reporter (cli/progress.ts) implements
 * it; the pipeline only needs the interface, so it does not depend on the CLI.
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
