/** The version of modelwatch, as its package.json states it. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './package-root.js';

/**
 * The version in modelwatch's package.json (what `modelwatch --version` prints and `GET /v2` reports).
 *
 * @example packageVersion() // '0.1.0'
 */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(import.meta.url), 'package.json'), 'utf8')) as { version: string }).version;
}
