/**
 * Where a value is in a JSON body: a JSON Pointer (RFC 6901) in which a segment `*` means "every
 * element of this array", one per row of a batch. `""` is the whole body, `/rows/*` every element of
 * `rows`, `/outputs/0/data` one value, `/a~1b` the key `a/b` and `/m~0n` the key `m~n` (the RFC's
 * escapes). At most one `*` per path: a batch is one list of rows, never a grid. A path is compiled
 * once (when a mapping is read) and then read against every body, each row in time proportional to
 * the path's depth, so a batch of N rows is read in O(N).
 */

/** A path that is not a JSON Pointer with at most one `*`; the message says what is wrong. */
export class JsonPathError extends Error {
  constructor(path: string, problem: string) {
    super(`${JSON.stringify(path)} ${problem}`);
    this.name = 'JsonPathError';
  }
}

/** A compiled path: the segments before the `*`, and after it when there is one. */
export interface JsonPath {
  /** The path as written. */
  readonly text: string;
  /** The unescaped segments up to the `*` (the whole path without one). */
  readonly head: readonly string[];
  /** The unescaped segments after the `*`; undefined when the path has no `*` (it reads one value). */
  readonly tail: readonly string[] | undefined;
}

/** What reading a path gave: one value per row, or where it stopped. */
export type PathRead = { readonly ok: true; readonly values: readonly unknown[]; readonly batch: boolean } | { readonly ok: false; readonly detail: string };

/** The wildcard segment. */
export const EVERY_ELEMENT = '*';

/**
 * Compiles a path, refusing anything that is not a JSON Pointer with at most one `*`.
 *
 * @example compilePath('/instances/*') // { text: '/instances/*', head: ['instances'], tail: [] }
 * @example compilePath('/a~1b') // { text: '/a~1b', head: ['a/b'], tail: undefined }
 * @throws {JsonPathError} e.g. for `rows/*` (no leading `/`), `/a~2` (a bad escape) or one with two `*` segments.
 */
export function compilePath(text: string): JsonPath {
  if (text === '') return { text, head: [], tail: undefined };
  if (!text.startsWith('/')) throw new JsonPathError(text, 'is not a JSON Pointer: it must be "" (the whole body) or start with "/"');
  const segments = text.slice(1).split('/');
  const head: string[] = [];
  let tail: string[] | undefined;
  for (const raw of segments) {
    if (/~(?![01])/.test(raw)) throw new JsonPathError(text, `has a bad escape in the segment ${JSON.stringify(raw)}: "~" must be followed by 0 ("~") or 1 ("/")`);
    if (raw === EVERY_ELEMENT) {
      if (tail) throw new JsonPathError(text, 'has more than one "*": a path reads one list of rows');
      tail = [];
      continue;
    }
    // ~1 first, then ~0: "~01" is the key "~1", as RFC 6901 section 4 says.
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    (tail ?? head).push(segment);
  }
  return { text, head, tail };
}

const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/;

/** One step down: an object's key, or an array's element by its decimal index. */
function step(value: unknown, segment: string): unknown {
  if (Array.isArray(value)) return ARRAY_INDEX.test(segment) ? value[Number(segment)] : undefined;
  if (typeof value === 'object' && value !== null && Object.hasOwn(value, segment)) return (value as Record<string, unknown>)[segment];
  return undefined;
}

/** The value at `segments` below `value`, or the index of the segment where nothing was found. */
function walk(value: unknown, segments: readonly string[]): { found: true; value: unknown } | { found: false; at: number } {
  let current = value;
  for (let i = 0; i < segments.length; i++) {
    current = step(current, segments[i]);
    if (current === undefined) return { found: false, at: i };
  }
  return { found: true, value: current };
}

/** The pointer text of the first `count` segments (escaped again), for messages. */
function pointer(segments: readonly string[], count = segments.length): string {
  let text = '';
  for (let i = 0; i < count; i++) text += `/${segments[i].replaceAll('~', '~0').replaceAll('/', '~1')}`;
  return text;
}

/**
 * Reads a compiled path from a body: one value without `*`, one per element of the array at the `*`
 * otherwise (an empty array gives no values). Fails, naming where, when a segment is missing or the
 * `*` is not at an array.
 *
 * @example readPath(compilePath('/ages/*'), { ages: [30, 41] }) // { ok: true, values: [30, 41], batch: true }
 */
export function readPath(path: JsonPath, body: unknown): PathRead {
  const top = walk(body, path.head);
  if (!top.found) return { ok: false, detail: `nothing at ${pointer(path.head, top.at + 1)}` };
  if (!path.tail) return { ok: true, values: [top.value], batch: false };
  if (!Array.isArray(top.value)) return { ok: false, detail: `${pointer(path.head) || 'the body'} is not an array (the "*" of ${path.text})` };
  const tail = path.tail;
  if (tail.length === 0) return { ok: true, values: top.value, batch: true };
  const values: unknown[] = new Array(top.value.length);
  for (let i = 0; i < top.value.length; i++) {
    const found = walk(top.value[i], tail);
    if (!found.found) return { ok: false, detail: `nothing at ${pointer(path.head)}/${i}${pointer(tail, found.at + 1)}` };
    values[i] = found.value;
  }
  return { ok: true, values, batch: true };
}

/**
 * Builds a body in which `path` reads `values` (one per row), or undefined when that is not
 * obviously what the server expects: a path without `*` holds exactly one value, and every segment
 * must be an object key (a numeric segment could be an array index or a key).
 *
 * @example writePath(compilePath('/instances/*'), [{ a: 1 }, { a: 2 }]) // { instances: [{ a: 1 }, { a: 2 }] }
 */
export function writePath(path: JsonPath, values: readonly unknown[]): unknown {
  const segments = [...path.head, ...(path.tail ?? [])];
  if (segments.some((s) => ARRAY_INDEX.test(s))) return undefined;
  if (!path.tail && values.length !== 1) return undefined;
  const nest = (segs: readonly string[], value: unknown): unknown => segs.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value);
  const inner = path.tail ? values.map((v) => nest(path.tail as string[], v)) : values[0];
  return nest(path.head, inner);
}
