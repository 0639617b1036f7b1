/**
 * What a text model's input is observed as: not the text (it is neither binned nor logged) but
 * three features derived from it, named {@link TEXT_FEATURES} — its length in characters, its number
 * of tokens, and the share of its tokens outside the model's vocabulary. Drift in these is what a
 * shift in the texts sent looks like: longer messages, another language, new words. The gateway and
 * `modelwatch profile` compute them with the same function, so live rows and reference rows agree.
 */
import { readFileSync } from 'node:fs';
import { VocabularyFileError } from '../../errors.js';
import { TEXT_FEATURES, type RawRow } from './types.js';

// Letters, combining marks (so a decomposed "é" or a Devanagari vowel sign stays inside its word)
// and numbers make tokens; anything else separates them.
const SEPARATORS = /[^\p{L}\p{M}\p{N}]+/u;

/**
 * The tokens of a text: runs of letters, marks and numbers, lower-cased.
 *
 * @example tokensOf("Don't PANIC, 42!") // ['don', 't', 'panic', '42']
 */
export function tokensOf(text: string): string[] {
  return text.toLowerCase().split(SEPARATORS).filter((t) => t !== '');
}

/** The features derived from one text, named as {@link TEXT_FEATURES}. */
export interface TextFeatures extends RawRow {
  /** Characters (Unicode code points, so an emoji counts once). */
  text_length: number;
  token_count: number;
  /** Share of tokens not in the vocabulary (0 for a text without tokens); absent without a vocabulary. */
  oov_share?: number;
}

/**
 * The features of one text. Without a vocabulary `oov_share` is left out — not NaN, which no
 * histogram bins and JSON cannot carry — so it is simply not observed.
 *
 * @example textFeatures('Great film', new Set(['great'])) // { text_length: 10, token_count: 2, oov_share: 0.5 }
 * @example textFeatures('Great film') // { text_length: 10, token_count: 2 }
 */
export function textFeatures(text: string, vocabulary?: ReadonlySet<string>): TextFeatures {
  const tokens = tokensOf(text);
  let length = 0;
  for (const _ of text) length++;
  const features: TextFeatures = { [TEXT_FEATURES[0]]: length, [TEXT_FEATURES[1]]: tokens.length };
  if (vocabulary) {
    let unknown = 0;
    for (const t of tokens) if (!vocabulary.has(t)) unknown++;
    features[TEXT_FEATURES[2]] = tokens.length === 0 ? 0 : unknown / tokens.length;
  }
  return features;
}

/**
 * Reads a vocabulary file: one token per line, a JSON array of tokens, or a JSON object whose keys
 * are the tokens (a tokenizer's `vocab.json`, token → id). UTF-8; tokens are trimmed and lower-cased,
 * as tokens are; blank lines are ignored.
 *
 * @example readVocabulary('vocab.txt') // Set { 'the', 'film', … }
 * @throws {VocabularyFileError} when the file cannot be read or holds no token.
 */
export function readVocabulary(file: string): Set<string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new VocabularyFileError(file, (error as Error).message);
  }
  const vocabulary = new Set<string>();
  for (const line of tokensListed(text)) {
    const token = line.trim().toLowerCase();
    if (token !== '') vocabulary.add(token);
  }
  if (vocabulary.size === 0) throw new VocabularyFileError(file, 'it holds no token (one per line, or a JSON array)');
  return vocabulary;
}

/** The entries of a vocabulary file's text, whichever of its three forms it has. */
function tokensListed(text: string): string[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    try {
      const parsed = JSON.parse(text) as unknown;
      if (Array.isArray(parsed)) return parsed.map(String);
      if (parsed !== null && typeof parsed === 'object') return Object.keys(parsed);
    } catch {
      // Not JSON after all: a token list whose first token starts with a bracket.
    }
  }
  return text.split(/\r?\n/);
}
