/**
 * The directory of modelwatch's package.json, found from a module's own location, so a file the
 * build puts beside the code (dist/console) is found whether the code runs compiled from dist/ or
 * from src/ through tsx (tests).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package root above `moduleUrl`.
 *
 * @throws Error when no modelwatch package.json is above it.
 * @example packageRoot(import.meta.url) // '/work/main'
 */
export function packageRoot(moduleUrl: string): string {
  let dir = dirname(fileURLToPath(moduleUrl));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'modelwatch') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no modelwatch package.json above ${fileURLToPath(moduleUrl)}`);
    dir = parent;
  }
}
