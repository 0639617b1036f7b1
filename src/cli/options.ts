/** Option parsers shared by the commands: a bad value is a usage error (exit code 2) that names it. */
import { InvalidArgumentError } from 'commander';

/**
 * A commander parser for a number within [min, max].
 *
 * @example program.option('--rps <n>', 'rate', parseNumberOption('--rps', 0.1, 100000), 20)
 */
export function parseNumberOption(flag: string, min: number, max: number, integer = false): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      throw new InvalidArgumentError(`${flag} must be ${integer ? 'an integer' : 'a number'} in ${min}..${max}, got "${value}"`);
    }
    return n;
  };
}
