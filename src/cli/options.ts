/** Option parsers shared by the commands: a bad value is a usage error (exit code 2) that names it. */
import { InvalidArgumentError, Option } from 'commander';
import { loadConfig } from '../config.js';

/**
 * A usage error: commander prints it and exits with 2 (misuse), not its default 1 (failure).
 *
 * @example throw usageError('--format must be "comma" or "semicolon", got "tsv"');
 */
export function usageError(message: string): InvalidArgumentError {
  const error = new InvalidArgumentError(message);
  error.exitCode = 2;
  return error;
}

/**
 * A commander parser for a number within [min, max].
 *
 * @example program.option('--rps <n>', 'rate', parseNumberOption('--rps', 0.1, 100000), 20)
 */
export function parseNumberOption(flag: string, min: number, max: number, integer = false): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      throw usageError(`${flag} must be ${integer ? 'an integer' : 'a number'} in ${min}..${max}, got "${value}"`);
    }
    return n;
  };
}

/**
 * A commander parser for a URL with one of `protocols` (e.g. `['http:', 'https:']`).
 *
 * @example program.option('--url <url>', 'base URL', parseUrlOption('--url', ['http:', 'https:']))
 */
export function parseUrlOption(flag: string, protocols: readonly string[]): (value: string) => string {
  return (value) => {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (!url || !protocols.includes(url.protocol)) {
      const names = protocols.map((p) => p.slice(0, -1));
      const list = names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names.at(-1)}` : names[0];
      throw usageError(`${flag} must be an ${list} URL, got "${value}"`);
    }
    return url.href;
  };
}

/**
 * The service's URL when neither --url nor MODELWATCH_URL gives one: this machine, on the port
 * `modelwatch serve` listens on with the same environment (PORT, default 5000), so a shell that
 * started the service with PORT=8080 drives it without repeating the port.
 *
 * @throws ConfigError (exit code 2) when PORT is not a port number.
 * @example defaultServiceUrl({ PORT: '8080' }) // 'http://127.0.0.1:8080/'
 */
export function defaultServiceUrl(env: NodeJS.ProcessEnv): string {
  return `http://127.0.0.1:${loadConfig({ PORT: env.PORT }).PORT}/`;
}

/**
 * The `--url` option of a command that talks to a running service: env MODELWATCH_URL when not
 * given, else {@link defaultServiceUrl} (the caller applies it, so PORT is read only when needed).
 *
 * @example command.addOption(serviceUrlOption())
 */
export function serviceUrlOption(): Option {
  return new Option('--url <url>', 'base URL of the service (default: env MODELWATCH_URL, else http://127.0.0.1:$PORT, PORT defaulting to 5000)')
    .env('MODELWATCH_URL')
    .argParser(parseUrlOption('--url', ['http:', 'https:']));
}
