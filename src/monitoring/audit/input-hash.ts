/**
 * input_hash: a short fingerprint of a complete row, so the audit log can group identical requests
 * without storing the inputs. Two 32-bit multiply-xor lanes (the cyrb53 construction) over each
 * numeric value's float64 bits and each category's characters, in the model's feature order, with a separator
 * per field. Not a cryptographic digest: the 16-field input space is small enough to enumerate
 * anyway, so a digest would hide nothing, and this costs a tenth of building a string and
 * sha256-hashing it on every request.
 *
 * The loop over the features is compiled into straight-line code with one named property read per
 * feature (as drift/compile-binning.ts does): the generic loop's keyed reads `row[NAMES[i]]` were
 * most of its ~800 ns per row (`npm run bench:costs`). The names come from the schema, written as
 * JSON string literals; the result is bit-identical to the loop, which a test keeps as reference.
 */
import { FEATURE_NAMES, type Row } from '../../data/schema.js';

const float = new Float64Array(1);
const words = new Uint32Array(float.buffer);

// The mixing step is written out at each use: a shared closure would keep h1 and h2 in a
// heap-allocated context and cost a third of the function.
const MIX_WORDS =
  'float[0]=v;h1=Math.imul(h1^words[0],2654435761);h2=Math.imul(h2^words[0],1597334677);' +
  'h1=Math.imul(h1^words[1],2654435761);h2=Math.imul(h2^words[1],1597334677);';
const MIX_CHARS = 'for(let c=0;c<v.length;c++){const k=v.charCodeAt(c);h1=Math.imul(h1^k,2654435761);h2=Math.imul(h2^k,1597334677);}';
// field separator: ("ab","c") and ("a","bc") differ
const SEPARATOR = 'h1=Math.imul(h1^0x1f,2654435761);h2=Math.imul(h2^0x1f,1597334677);';

const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const hex32 = (x: number) => HEX_BYTE[x >>> 24] + HEX_BYTE[(x >>> 16) & 255] + HEX_BYTE[(x >>> 8) & 255] + HEX_BYTE[x & 255];

/** The two lanes after the last field, written by the compiled lanes (returning them would allocate). */
const lanesOut = new Int32Array(2);

/** Hashes of a row of one schema: 16 hex digits; equal rows give equal hashes. */
export type InputHash = (row: Row) => string;

const compiled = new Map<string, InputHash>();

/**
 * The input hash of rows with these feature names, in this order (compiled once per list of names;
 * every model with the same features shares it).
 *
 * @example createInputHash(model.schema.features.map((f) => f.name))(row) // '5f1c0a9b2e7d4c31'
 */
export function createInputHash(names: readonly string[]): InputHash {
  const key = JSON.stringify(names);
  const known = compiled.get(key);
  if (known) return known;
  const lanes = new Function(
    'float',
    'words',
    'out',
    `return function inputHashLanes(row){let h1=0xdeadbeef,h2=0x41c6ce57,v;` +
      names.map((name) => `v=row[${JSON.stringify(name)}];if(typeof v==="number"){${MIX_WORDS}}else{${MIX_CHARS}}${SEPARATOR}`).join('') +
      `out[0]=h1;out[1]=h2;}`,
  )(float, words, lanesOut) as (row: Row) => void;
  const hash: InputHash = (row) => {
    lanes(row);
    return finish(lanesOut[0], lanesOut[1]);
  };
  compiled.set(key, hash);
  return hash;
}

const byFeatures = new WeakMap<readonly { readonly name: string }[], InputHash>();

/**
 * The input hash of a model's rows, looked up by its feature list (O(1) on the request path).
 *
 * @example inputHashFor(model.schema.features)(row)
 */
export function inputHashFor(features: readonly { readonly name: string }[]): InputHash {
  let hash = byFeatures.get(features);
  if (!hash) {
    hash = createInputHash(features.map((f) => f.name));
    byFeatures.set(features, hash);
  }
  return hash;
}

/**
 * The input hash of a bank-marketing row.
 *
 * @example inputHash(completeRow(body)) // '5f1c0a9b2e7d4c31'
 */
export const inputHash: InputHash = createInputHash(FEATURE_NAMES);

function finish(a: number, b: number): string {
  const h1 = Math.imul(a ^ (a >>> 16), 2246822507) ^ Math.imul(b ^ (b >>> 13), 3266489909);
  const h2 = Math.imul(b ^ (b >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return hex32(h2 >>> 0) + hex32(h1 >>> 0);
}
