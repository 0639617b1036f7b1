/**
 * The built-in web console: GET /console serves the page built into dist/console by `npm run build`
 * (scripts/build-console.ts: the page's TypeScript and uPlot bundled by esbuild), and GET /
 * redirects to it. The files are read and gzipped once, at start; every answer carries an ETag, and
 * the page's Content-Security-Policy lets it load and fetch from this service only, so it works
 * offline and nothing it does leaves the machine.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ConsoleUnavailableError } from '../../errors.js';
import { packageRoot } from '../../util/package-root.js';

/** The files of the page, with their types. */
export const CONSOLE_FILES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
};

/** Only this origin, for everything; inline styles are uPlot's (set through the CSSOM). */
const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Where `npm run build` puts the page. */
export const defaultConsoleDir = () => join(packageRoot(import.meta.url), 'dist', 'console');

/** Options of {@link registerConsolePage}. */
export interface ConsolePageOptions {
  /** The built page (default: dist/console of the package). */
  readonly dir?: string;
}

interface Asset {
  readonly type: string;
  readonly body: Buffer;
  readonly gzipped: Buffer;
  readonly etag: string;
}

/** Reads and compresses the built files; undefined when the page is not built. */
function loadAssets(dir: string): Map<string, Asset> | undefined {
  if (!Object.keys(CONSOLE_FILES).every((name) => existsSync(join(dir, name)))) return undefined;
  const assets = new Map<string, Asset>();
  for (const [name, type] of Object.entries(CONSOLE_FILES)) {
    const body = readFileSync(join(dir, name));
    assets.set(name, { type, body, gzipped: gzipSync(body, { level: 9 }), etag: `"${createHash('sha1').update(body).digest('base64url')}"` });
  }
  return assets;
}

/**
 * Registers GET /, GET /console and the page's assets under /console/.
 *
 * @example await app.register(registerConsolePage, {});
 */
export async function registerConsolePage(app: FastifyInstance, options: ConsolePageOptions): Promise<void> {
  const dir = options.dir ?? defaultConsoleDir();
  const assets = loadAssets(dir);

  const send = (name: string, request: FastifyRequest, reply: FastifyReply) => {
    const asset = assets?.get(name);
    // The file's name only: where the service is installed is nobody's business but its operator's.
    if (!asset) throw new ConsoleUnavailableError(`console/${name}`);
    reply.header('cache-control', 'no-cache').header('etag', asset.etag).header('vary', 'accept-encoding').header('x-content-type-options', 'nosniff');
    if (name === 'index.html') reply.header('content-security-policy', CONTENT_SECURITY_POLICY).header('referrer-policy', 'no-referrer');
    if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    reply.type(asset.type);
    if (/\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) return reply.header('content-encoding', 'gzip').send(asset.gzipped);
    return reply.send(asset.body);
  };

  // The query (range, refresh, filters) goes along, so a bookmarked view survives the redirect.
  const toConsole = (request: FastifyRequest, reply: FastifyReply) => {
    const query = request.url.indexOf('?');
    return reply.redirect(`/console${query < 0 ? '' : request.url.slice(query)}`, 302);
  };
  app.get('/', async (request, reply) => toConsole(request, reply));
  app.get('/console', async (request, reply) => send('index.html', request, reply));
  app.get('/console/', async (request, reply) => toConsole(request, reply));
  app.get<{ Params: { file: string } }>('/console/:file', async (request, reply) => {
    const { file } = request.params;
    // Own names only: `in` would find "constructor", "toString" and every Object.prototype name.
    if (file === 'index.html' || !Object.hasOwn(CONSOLE_FILES, file)) return reply.callNotFound();
    return send(file, request, reply);
  });
}
