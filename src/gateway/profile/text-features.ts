/**
 * The features of a text model's input: what drift can be measured on when the input is free text.
 * A profile bins them over the reference texts; the gateway derives the same three from every text
 * it sees, so both sides must compute them identically.
 *
 * NOTE: the mapping module (src/gateway/mapping/) owns this function once merged; it lives here
 * until then and is to be reconciled with the mapping's own at merge (one definition for both).
 *
 * - `text_length`: characters (Unicode code points, so an emoji counts once);
 * - `token_count`: tokens, a token being a run of Unicode letters and numbers, lower-cased;
 * - `oov_share`: the share of tokens not in the vocabulary (0 for a text without tokens); absent
 *   without a vocabulary.
 */
import { readFileSync } from 'node:fs';

/** A run of letters and numbers is a token; everything else separates tokens. */
const SEPARATORS = /[^\p{L}\p{N}]+/u;

/**
 * A text's tokens, lower-cased.
 *
 * @example tokenize("Don't STOP-me now!") // ['don', 't', 'stop', 'me', 'now']
 */
export function tokenize(text: string): string[] {
  return text
    .toLowerCase()
    .split(SEPARATORS)
    .filter((token) => token !== '');
}

/** The features of one text. */
export interface TextFeatureValues {
  text_length: number;
  token_count: number;
  oov_share?: number;
}

/**
 * The features of one text (see the module comment).
 *
 * @example textFeatures('Hello, world', new Set(['hello'])) // { text_length: 12, token_count: 2, oov_share: 0.5 }
 */
export function textFeatures(text: string, vocabulary?: ReadonlySet<string>): TextFeatureValues {
  const tokens = tokenize(text);
  const features: TextFeatureValues = { text_length: [...text].length, token_count: tokens.length };
  if (vocabulary) features.oov_share = tokens.length === 0 ? 0 : tokens.filter((t) => !vocabulary.has(t)).length / tokens.length;
  return features;
}

/**
 * Reads a vocabulary file: a JSON array of tokens, a JSON object whose keys are the tokens (a
 * tokenizer's `vocab.json`, token → id), or one token per line. Tokens are lower-cased and trimmed;
 * blank lines are skipped.
 *
 * @throws Error naming the file when it cannot be read or holds no token.
 * @example readVocabulary('vocab.txt').has('refund') // true
 */
export function readVocabulary(path: string): Set<string> {
  const text = readFileSync(path, 'utf8');
  let tokens: string[];
  try {
    const parsed = JSON.parse(text) as unknown;
    if (Array.isArray(parsed)) tokens = parsed.map(String);
    else if (parsed !== null && typeof parsed === 'object') tokens = Object.keys(parsed);
    else tokens = text.split(/\r?\n/);
  } catch {
    tokens = text.split(/\r?\n/);
  }
  const vocabulary = new Set(tokens.map((t) => t.trim().toLowerCase()).filter((t) => t !== ''));
  if (vocabulary.size === 0) throw new Error(`vocabulary ${path} holds no token (expected one per line, or a JSON array)`);
  return vocabulary;
}
