/**
 * How modelwatch's features become the columns of an ONNX model's one float input. A model trained
 * outside modelwatch decided how its categorical columns were turned into numbers (an ordinal code,
 * a one-hot block), and nothing in an ONNX file says so; the encoding is therefore declared when the
 * model is imported and written into the version, so every replica and every later reload feeds the
 * model exactly the columns it was trained on.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { EncoderSpec } from '../encoding.js';

/** The JSON schema of a declared encoding (an artifact stores it; a reader validates it). */
export const OnnxInputEncodingSchema = Type.Array(
  Type.Union([
    Type.Object({ name: Type.String({ minLength: 1 }), kind: Type.Literal('numeric') }, { additionalProperties: false }),
    Type.Object({ name: Type.String({ minLength: 1 }), kind: Type.Literal('ordinal'), categories: Type.Array(Type.String(), { minItems: 1 }) }, { additionalProperties: false }),
    Type.Object({ name: Type.String({ minLength: 1 }), kind: Type.Literal('onehot'), categories: Type.Array(Type.String(), { minItems: 1 }) }, { additionalProperties: false }),
  ]),
  { minItems: 1 },
);

/**
 * One entry per modelwatch feature, in the model's feature order:
 * - `numeric`: one column, the value as it is;
 * - `ordinal`: one column, the category's index in `categories` (-1 for a category not listed);
 * - `onehot`: one column per category, 1 in the category's column and 0 elsewhere (all 0 for a
 *   category not listed, as scikit-learn's `OneHotEncoder(handle_unknown='ignore')` does).
 */
export type OnnxInputEncoding = Static<typeof OnnxInputEncodingSchema>;
/** One feature's entry of an {@link OnnxInputEncoding}. */
export type OnnxFeatureEncoding = OnnxInputEncoding[number];

/** The value an ordinal column takes for a category its list does not have. */
export const UNKNOWN_ORDINAL = -1;

/**
 * Columns of the model input the encoding produces: 1 per numeric or ordinal feature, one per
 * category of a one-hot feature.
 *
 * @example onnxInputWidth([{ name: 'age', kind: 'numeric' }, { name: 'job', kind: 'onehot', categories: ['a', 'b', 'c'] }]) // 4
 */
export function onnxInputWidth(encoding: OnnxInputEncoding): number {
  let width = 0;
  for (const f of encoding) width += f.kind === 'onehot' ? f.categories.length : 1;
  return width;
}

/**
 * What is wrong with a declared encoding (duplicate feature or category names), or `undefined`.
 * The JSON shape itself is {@link OnnxInputEncodingSchema}'s business.
 *
 * @example onnxEncodingProblem([{ name: 'a', kind: 'numeric' }, { name: 'a', kind: 'numeric' }]) // 'feature "a" is declared twice'
 */
export function onnxEncodingProblem(encoding: OnnxInputEncoding): string | undefined {
  if (encoding.length === 0) return 'the encoding lists no features';
  const names = new Set<string>();
  for (const f of encoding) {
    if (names.has(f.name)) return `feature ${JSON.stringify(f.name)} is declared twice`;
    names.add(f.name);
    if (f.kind === 'numeric') continue;
    if (f.categories.length === 0) return `${f.kind} feature ${JSON.stringify(f.name)} lists no categories`;
    const seen = new Set<string>();
    for (const c of f.categories) {
      if (seen.has(c)) return `${f.kind} feature ${JSON.stringify(f.name)} lists category ${JSON.stringify(c)} twice`;
      seen.add(c);
    }
  }
  return undefined;
}

/**
 * modelwatch's own encoder spec for the features of an encoding: a categorical feature carries the
 * encoding's category list, so the index modelwatch's encoder writes for a category is the index
 * {@link createOnnxColumnExpander} expects.
 *
 * @example createEncoder(encoderSpecForOnnx(encoding)) // encodes rows for scoreBatch
 */
export function encoderSpecForOnnx(encoding: OnnxInputEncoding): EncoderSpec {
  return { features: encoding.map((f) => (f.kind === 'numeric' ? { name: f.name, kind: 'numeric' as const } : { name: f.name, kind: 'categorical' as const, categories: [...f.categories] })) };
}

const ORDINAL = 1;
const ONEHOT = 2;

/** An encoding compiled once: per feature its kind, its first output column and, for categoricals, a lookup. */
interface CompiledEncoding {
  readonly width: number;
  readonly names: readonly string[];
  readonly kinds: Uint8Array;
  readonly offsets: Int32Array;
  readonly sizes: Int32Array;
  readonly lookups: readonly (Map<string, number> | undefined)[];
}

const compiled = new WeakMap<OnnxInputEncoding, CompiledEncoding>();

function compile(encoding: OnnxInputEncoding): CompiledEncoding {
  const cached = compiled.get(encoding);
  if (cached) return cached;
  const n = encoding.length;
  const kinds = new Uint8Array(n);
  const offsets = new Int32Array(n);
  const sizes = new Int32Array(n);
  let width = 0;
  encoding.forEach((f, i) => {
    kinds[i] = f.kind === 'onehot' ? ONEHOT : f.kind === 'ordinal' ? ORDINAL : 0;
    offsets[i] = width;
    sizes[i] = f.kind === 'onehot' ? f.categories.length : f.kind === 'ordinal' ? f.categories.length : 0;
    width += f.kind === 'onehot' ? f.categories.length : 1;
  });
  const result: CompiledEncoding = {
    width,
    names: encoding.map((f) => f.name),
    kinds,
    offsets,
    sizes,
    lookups: encoding.map((f) => (f.kind === 'numeric' ? undefined : new Map(f.categories.map((c, j) => [c, j])))),
  };
  compiled.set(encoding, result);
  return result;
}

/**
 * Writes the model-input columns of one row (feature name → number or category) into `out` from
 * `offset` ({@link onnxInputWidth} columns). A numeric feature must be a number (a validated row's
 * are; a missing optional one is NaN); a category not in the list encodes as unknown (see
 * {@link OnnxInputEncoding}).
 *
 * @example
 * const out = new Float32Array(onnxInputWidth(encoding));
 * encodeForOnnx(encoding, { age: 41, job: 'b' }, out, 0);
 */
export function encodeForOnnx(encoding: OnnxInputEncoding, row: Readonly<Record<string, number | string>>, out: Float32Array, offset: number): void {
  const c = compile(encoding);
  for (let i = 0; i < c.names.length; i++) {
    const value = row[c.names[i]];
    const at = offset + c.offsets[i];
    const kind = c.kinds[i];
    if (kind === 0) {
      if (value === undefined) out[at] = NaN;
      else if (typeof value === 'number') out[at] = value;
      else throw new TypeError(`feature ${JSON.stringify(c.names[i])} is numeric in the ONNX encoding; got the string ${JSON.stringify(value)}`);
      continue;
    }
    const index = value === undefined ? undefined : c.lookups[i]!.get(String(value));
    if (kind === ORDINAL) {
      out[at] = index ?? UNKNOWN_ORDINAL;
    } else {
      out.fill(0, at, at + c.sizes[i]);
      if (index !== undefined) out[at + index] = 1;
    }
  }
}

/**
 * Turns rows encoded by modelwatch's own encoder (row-major `n × features`; a categorical feature
 * holds the index of its category in the encoding's list, -1 when unknown, as
 * {@link encoderSpecForOnnx} sets it up) into the model input (`n × onnxInputWidth`). An index that
 * is not a whole number in range counts as unknown.
 *
 * @example
 * const expand = createOnnxColumnExpander(encoding);
 * const input = new Float32Array(n * expand.width);
 * expand(x, n, input);
 */
export function createOnnxColumnExpander(encoding: OnnxInputEncoding): ((x: Float64Array, n: number, out: Float32Array) => void) & { readonly width: number } {
  const c = compile(encoding);
  const nFeatures = c.names.length;
  const expand = (x: Float64Array, n: number, out: Float32Array): void => {
    const width = c.width;
    for (let r = 0; r < n; r++) {
      const from = r * nFeatures;
      const to = r * width;
      for (let i = 0; i < nFeatures; i++) {
        const value = x[from + i];
        const at = to + c.offsets[i];
        const kind = c.kinds[i];
        if (kind === 0) {
          out[at] = value;
        } else {
          const known = Number.isInteger(value) && value >= 0 && value < c.sizes[i];
          if (kind === ORDINAL) {
            out[at] = known ? value : UNKNOWN_ORDINAL;
          } else {
            out.fill(0, at, at + c.sizes[i]);
            if (known) out[at + value] = 1;
          }
        }
      }
    }
  };
  return Object.assign(expand, { width: c.width });
}
