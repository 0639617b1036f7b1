/**
 * Turns a validated row into the numeric vector the trees read: numeric columns as they are,
 * categorical columns as the index of the category in the artifact's own category list (so a model
 * keeps working if the schema later gains a category). An unknown category encodes as -1, which the
 * trees send down a fixed default branch.
 */
import { FEATURES, type Feature, type Row } from '../data/schema.js';

/** The encoder as stored in an artifact. */
export interface EncoderSpec {
  readonly features: readonly { readonly name: string; readonly kind: 'numeric' | 'categorical'; readonly categories?: readonly string[] }[];
  /**
   * How a category not in a feature's list encodes: -1 (the native trees' fixed default branch,
   * the default) or `missing` — NaN, what pandas hands XGBoost and LightGBM for a category it does
   * not know, so an imported model takes its own missing-value branch.
   */
  readonly unknownCategory?: 'missing';
}

/** A compiled encoder. */
export interface Encoder {
  readonly width: number;
  readonly names: readonly string[];
  readonly categorical: readonly boolean[];
  /** Writes the encoding of `row` into `out` (length `width`); allocates nothing. */
  encode(row: Row, out: Float64Array): void;
}

/**
 * The encoder spec of a feature schema (the bank-marketing columns by default): categories as the
 * index of their position in the schema's list.
 *
 * @example encoderSpecFromSchema().features.length // 16
 */
export function encoderSpecFromSchema(features: readonly Feature[] = FEATURES): EncoderSpec {
  return {
    features: features.map((f) => (f.kind === 'numeric' ? { name: f.name, kind: 'numeric' as const } : { name: f.name, kind: 'categorical' as const, categories: [...f.categories] })),
  };
}

/**
 * Compiles an encoder spec: category lookups become maps so encoding is O(features).
 *
 * @example
 * const enc = createEncoder(encoderSpecFromSchema());
 * const x = new Float64Array(enc.width);
 * enc.encode(row, x);
 */
export function createEncoder(spec: EncoderSpec): Encoder {
  const names = spec.features.map((f) => f.name);
  const lookups = spec.features.map((f) => (f.kind === 'categorical' ? new Map((f.categories ?? []).map((c, i) => [c, i])) : undefined));
  const unknown = spec.unknownCategory === 'missing' ? Number.NaN : -1;
  return {
    width: names.length,
    names,
    categorical: spec.features.map((f) => f.kind === 'categorical'),
    encode(row, out) {
      for (let i = 0; i < names.length; i++) {
        const value = row[names[i]];
        const lookup = lookups[i];
        out[i] = lookup ? (lookup.get(value as string) ?? unknown) : (value as number);
      }
    },
  };
}

/**
 * Encodes many rows into one row-major matrix (training and evaluation).
 *
 * @example const x = encodeRows(encoder, rows); // Float64Array of rows.length * encoder.width
 */
export function encodeRows(encoder: Encoder, rows: readonly Row[]): Float64Array {
  const x = new Float64Array(rows.length * encoder.width);
  const one = new Float64Array(encoder.width);
  rows.forEach((row, r) => {
    encoder.encode(row, one);
    x.set(one, r * encoder.width);
  });
  return x;
}
