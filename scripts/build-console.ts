/**
 * Builds the web console into dist/console (part of `npm run build`): esbuild bundles the page's
 * TypeScript (src/console/main.ts) with uPlot into one minified script and one style sheet, and
 * index.html is copied beside them. Nothing is fetched at run time: the page is these three files.
 *
 * Run: `tsx scripts/build-console.ts [--out <dir>]`; prints each file's size, raw and gzipped.
 */
import { copyFileSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Size of one built file. */
export interface BuiltFile {
  readonly name: string;
  readonly bytes: number;
  readonly gzipBytes: number;
}

/**
 * Bundles the console into `outDir` and returns the files with their sizes.
 *
 * @example const files = await buildConsole(); // dist/console/{index.html,console.js,console.css}
 */
export async function buildConsole(outDir = join(root, 'dist', 'console')): Promise<BuiltFile[]> {
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: { console: join(root, 'src', 'console', 'main.ts') },
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2020'],
    platform: 'browser',
    outdir: outDir,
    // uPlot's MIT notice stays with the code it covers.
    legalComments: 'eof',
    logLevel: 'warning',
  });
  copyFileSync(join(root, 'src', 'console', 'index.html'), join(outDir, 'index.html'));
  return ['index.html', 'console.js', 'console.css'].map((name) => {
    const path = join(outDir, name);
    return { name, bytes: statSync(path).size, gzipBytes: gzipSync(readFileSync(path), { level: 9 }).length };
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  const files = await buildConsole(values.out);
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;
  const total = files.reduce((sum, f) => ({ bytes: sum.bytes + f.bytes, gzip: sum.gzip + f.gzipBytes }), { bytes: 0, gzip: 0 });
  process.stderr.write(`console: ${files.map((f) => `${f.name} ${kb(f.bytes)} (${kb(f.gzipBytes)} gzipped)`).join(', ')}; page ${kb(total.bytes)}, ${kb(total.gzip)} gzipped\n`);
}
