/**
 * Fetches the original UCI bank-marketing archive and extracts one CSV from it.
 *
 * UCI publishes a zip of zips: `bank+marketing.zip` holds `bank.zip` (bank-full.csv, bank.csv,
 * bank-names.txt) and `bank-additional.zip`. The wanted CSV is found by name at any nesting depth,
 * so a URL serving `bank.zip` itself works too. The file is written next to its destination first
 * and only renamed into place once the loader has validated every row, so a failed or partial
 * download never leaves a plausible-looking but broken data file behind.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';
import { loadLabelledCsv, type CsvFormat } from './csv.js';

/** UCI's archive for data set 222 (Bank Marketing). */
export const UCI_URL = 'https://archive.ics.uci.edu/static/public/222/bank+marketing.zip';

/** Which CSV of `bank.zip` to extract: all 45,211 rows, or UCI's 10 % sample. */
export type BankVariant = 'bank-full' | 'bank';

/** A progress report; `download` events repeat as bytes arrive. */
export type DownloadProgress =
  | { readonly phase: 'connect'; readonly url: string }
  | { readonly phase: 'download'; readonly receivedBytes: number; readonly totalBytes: number | undefined }
  | { readonly phase: 'extract'; readonly entry: string }
  | { readonly phase: 'verify'; readonly path: string };

/** Options for {@link downloadBankMarketing}. */
export interface DownloadOptions {
  /** Archive URL (http, https or file). Default {@link UCI_URL}. */
  readonly url?: string;
  /** Where to write the extracted CSV; parent directories are created. */
  readonly dest: string;
  readonly variant?: BankVariant;
  /** Replaces global `fetch` (tests, proxies). */
  readonly fetchImpl?: typeof fetch;
  readonly onProgress?: (progress: DownloadProgress) => void;
  /** Give up when no response, or no further bytes, arrive for this long. Default 30 s. */
  readonly timeoutMs?: number;
}

/** What a successful download produced. */
export interface DownloadResult {
  readonly path: string;
  readonly rows: number;
  /** Rows with y = "yes". */
  readonly positives: number;
  /** sha256 of the written CSV. */
  readonly sha256: string;
  readonly format: CsvFormat;
  /** Size of the fetched archive. */
  readonly archiveBytes: number;
}

/** A download that could not be completed; the message says what to do instead. */
export class DownloadError extends Error {
  override readonly name = 'DownloadError';

  constructor(
    message: string,
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** The advice every failure ends with, since the fix is the same: get the file another way. */
function byHand(url: string, variant: BankVariant): string {
  return (
    `Download ${url} by hand, take ${variant}.csv out of the bank.zip inside it, and pass --data <path-to-${variant}.csv> ` +
    `(or run \`modelwatch data download --url file:///path/to/the.zip\`).`
  );
}

/** The innermost useful cause: fetch reports "fetch failed" and hides ECONNREFUSED etc. in `cause`. */
function describeCause(err: unknown): string {
  let current: unknown = err;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  if (current instanceof AggregateError && current.errors.length > 0) current = current.errors[0];
  if (!(current instanceof Error)) return String(current);
  // undici's terse "bad port" means the Fetch standard forbids that port (1, 25, 6000, ...).
  if (current.message === 'bad port') return 'fetch does not allow this port (the Fetch standard blocks it)';
  return current.message || (current as NodeJS.ErrnoException).code || current.name;
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** A watchdog that aborts when `reset` is not called for `ms`; covers connect and stalled bodies. */
function watchdog(ms: number): { signal: AbortSignal; reset: () => void; stop: () => void } {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const reset = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new Error(`no data for ${ms / 1000} s`)), ms);
  };
  reset();
  return { signal: controller.signal, reset, stop: () => clearTimeout(timer) };
}

async function readBody(response: Response, onChunk: (received: number) => void): Promise<Uint8Array> {
  if (response.body === null) return new Uint8Array(await response.arrayBuffer());
  const chunks: Uint8Array[] = [];
  let received = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
    onChunk(received);
  }
  return Buffer.concat(chunks);
}

/** A file: URL lets a machine without internet use an archive fetched elsewhere. */
async function readLocalArchive(url: URL, variant: BankVariant): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(fileURLToPath(url)));
  } catch (err) {
    throw new DownloadError(`could not read ${fileURLToPath(url)}: ${describeCause(err)}. ${byHand(UCI_URL, variant)}`, url.href, { cause: err });
  }
}

/** Fetches the archive bytes over http(s), or reads them for a file: URL. */
async function fetchArchive(url: string, opts: DownloadOptions, variant: BankVariant): Promise<Uint8Array> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    throw new DownloadError(`not a valid URL: ${JSON.stringify(url)}`, url, { cause: err });
  }
  if (parsed.protocol === 'file:') return readLocalArchive(parsed, variant);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new DownloadError(`unsupported URL scheme ${parsed.protocol} in ${url}; use http, https or file`, url);
  }
  const fetchImpl = opts.fetchImpl ?? fetch;
  const dog = watchdog(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  opts.onProgress?.({ phase: 'connect', url });
  try {
    let response: Response;
    try {
      response = await fetchImpl(url, { signal: dog.signal, redirect: 'follow' });
    } catch (err) {
      const cause = dog.signal.aborted ? describeCause(dog.signal.reason) : describeCause(err);
      throw new DownloadError(`could not reach ${parsed.host}: ${cause}. ${byHand(url, variant)}`, url, { cause: err });
    }
    if (!response.ok) {
      throw new DownloadError(`${parsed.host} answered HTTP ${response.status} ${response.statusText} for ${url}. ${byHand(url, variant)}`, url);
    }
    const length = Number(response.headers.get('content-length'));
    const totalBytes = Number.isFinite(length) && length > 0 ? length : undefined;
    try {
      return await readBody(response, (receivedBytes) => {
        dog.reset();
        opts.onProgress?.({ phase: 'download', receivedBytes, totalBytes });
      });
    } catch (err) {
      const cause = dog.signal.aborted ? describeCause(dog.signal.reason) : describeCause(err);
      throw new DownloadError(`download from ${parsed.host} broke off: ${cause}. ${byHand(url, variant)}`, url, { cause: err });
    }
  } finally {
    dog.stop();
  }
}

const basename = (entry: string): string => entry.slice(entry.lastIndexOf('/') + 1);

/**
 * Finds `<variant>.csv` in a zip, looking inside nested zips (UCI's `bank.zip`) too, and returns
 * its bytes. Throws when the archive is not a zip or does not contain the file.
 *
 * @example
 * const csv = extractBankCsv(readFileSync('bank+marketing.zip'), 'bank-full');
 */
export function extractBankCsv(archive: Uint8Array, variant: BankVariant = 'bank-full'): Uint8Array {
  const wanted = `${variant}.csv`;
  const seen: string[] = [];
  const search = (zip: Uint8Array, depth: number): Uint8Array | undefined => {
    // macOS resource forks (__MACOSX/._bank.zip) look like zips by name but are not.
    const entries = unzipSync(zip, { filter: (f) => !f.name.startsWith('__MACOSX/') && /\.(csv|zip)$/i.test(f.name) });
    for (const [name, bytes] of Object.entries(entries)) {
      seen.push(name);
      if (basename(name) === wanted) return bytes;
    }
    if (depth >= 2) return undefined;
    for (const [name, bytes] of Object.entries(entries)) {
      if (/\.zip$/i.test(name)) {
        const found = search(bytes, depth + 1);
        if (found) return found;
      }
    }
    return undefined;
  };
  let found: Uint8Array | undefined;
  try {
    found = search(archive, 0);
  } catch (err) {
    throw new Error(`not a readable zip archive (${messageOf(err)})`, { cause: err });
  }
  if (!found) throw new Error(`${wanted} not found in the archive (saw: ${seen.join(', ') || 'no csv or zip entries'})`);
  return found;
}

/**
 * Downloads UCI's bank-marketing archive, extracts `bank-full.csv` (or `bank.csv`), checks that it
 * loads against the schema, and writes it to `dest`. Rejects with a {@link DownloadError} whose
 * message names the host and the manual alternative when the network, the archive or the CSV fails.
 *
 * @example
 * const result = await downloadBankMarketing({
 *   dest: 'data/bank-full.csv',
 *   onProgress: (p) => { if (p.phase === 'download') console.error(p.receivedBytes); },
 * });
 * // result.rows === 45211, result.format === 'semicolon-quoted'
 */
export async function downloadBankMarketing(opts: DownloadOptions): Promise<DownloadResult> {
  const { url = UCI_URL, dest, variant = 'bank-full' } = opts;
  const archive = await fetchArchive(url, opts, variant);
  opts.onProgress?.({ phase: 'extract', entry: `${variant}.csv` });
  let csv: Uint8Array;
  try {
    csv = extractBankCsv(archive, variant);
  } catch (err) {
    throw new DownloadError(`the archive from ${url} is not usable: ${messageOf(err)}. ${byHand(url, variant)}`, url, { cause: err });
  }
  await mkdir(dirname(dest), { recursive: true });
  const partial = `${dest}.part`;
  await writeFile(partial, csv);
  opts.onProgress?.({ phase: 'verify', path: dest });
  let loaded: Awaited<ReturnType<typeof loadLabelledCsv>>;
  try {
    loaded = await loadLabelledCsv(partial);
  } catch (err) {
    await rm(partial, { force: true });
    throw new DownloadError(`${variant}.csv from ${url} does not match the schema: ${messageOf(err)}`, url, { cause: err });
  }
  await rename(partial, dest);
  const positives = loaded.rows.reduce((n, r) => n + r.y, 0);
  return { path: dest, rows: loaded.rows.length, positives, sha256: loaded.sha256, format: loaded.format, archiveBytes: archive.length };
}
