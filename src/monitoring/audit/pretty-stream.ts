/**
 * Human-readable log lines for a terminal. The log is ECS NDJSON (what collectors parse); a person
 * watching `modelwatch serve` in a terminal gets one coloured line per event instead: time, level,
 * message, then the remaining fields. Only ever used when stdout is a terminal (LOG_FORMAT=auto) or
 * when asked (LOG_FORMAT=pretty): formatting costs far more than writing the JSON line, and a
 * service whose stdout is a pipe or a file — every deployment — must not pay for it.
 */
import { writeSync } from 'node:fs';
import { Writable } from 'node:stream';
import type { Config } from '../../config.js';

/**
 * Whether stdout gets pretty lines: `pretty`, or `auto` on a terminal.
 *
 * @example wantsPrettyLogs('auto', process.stdout.isTTY) // true in a terminal, false in a container
 */
export function wantsPrettyLogs(format: Config['LOG_FORMAT'], stdoutIsTerminal: boolean | undefined): boolean {
  return format === 'pretty' || (format === 'auto' && stdoutIsTerminal === true);
}

/** The ECS fields every line carries, which say nothing to a person reading one process's output. */
const UNINTERESTING = ['level', 'ecs.version', 'process.pid', 'host.hostname', 'service.name'];

/**
 * A stream that turns the batches of NDJSON lines the log sink hands over into pretty lines on a
 * file descriptor (coloured on a terminal), synchronously (a terminal is written synchronously anyway, and a process that
 * exits right after its last line loses nothing).
 *
 * @example createLogger({ serviceName, level, stdout: false, stream: await createPrettyStream() });
 */
export async function createPrettyStream(fd = 1, colorize = process.stdout.isTTY === true): Promise<Writable> {
  // pino-pretty and its dependencies are only loaded when pretty lines are wanted.
  const { prettyFactory } = await import('pino-pretty');
  const pretty = prettyFactory({
    colorize,
    singleLine: true,
    messageKey: 'message',
    timestampKey: '@timestamp',
    // ECS keys are flat with dots in their names; pino-pretty reads unescaped dots as nesting.
    levelKey: 'log\\.level',
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: UNINTERESTING.map((key) => key.replaceAll('.', '\\.')).join(','),
  });
  return new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, done) {
      let text = '';
      for (const line of chunk.toString().split('\n')) if (line) text += pretty(line);
      try {
        if (text) writeSync(fd, text);
      } catch {
        // a closed terminal: nothing to show the lines to
      }
      done();
    },
  });
}
