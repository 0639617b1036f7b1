/**
 * A text-classification API: `POST /predict` with `{"request": {"text": "..."}}` or
 * `{"text": "..."}` (a list of texts under `text`, or Hugging Face's `{"inputs": ...}`, is a
 * batch), answered by `{"response": {"label" | "prediction" | "sentiment", "confidence" | "score"}}`,
 * `{"label", "score"}`, or a Hugging Face pipeline's `[{"label", "score"}]` (one per text; a list of
 * them per text with `top_k`, of which the top is read). Each text is observed as the features
 * text-features.ts derives from it, never as itself.
 */
import { declareRoute } from '../declared-route.js';
import { unmapped, type Unmapped } from '../extraction.js';
import { outputsOf } from '../outputs.js';
import { isObject, jsonType } from '../rows.js';
import { textFeatures } from '../text-features.js';
import type { Extraction, ExtractionContext, Mapping, RawRow } from '../types.js';

/** The texts of a request body, or why there are none. */
export function textsOf(body: unknown): string[] | Unmapped {
  if (typeof body === 'string') return [body];
  if (!isObject(body)) return unmapped('request_unreadable', `the request body is a ${jsonType(body)}, not {"text": "..."}`);
  const inner = isObject(body.request) ? body.request.text : undefined;
  const [value, where] = inner !== undefined ? [inner, 'request.text'] : body.text !== undefined ? [body.text, 'text'] : [body.inputs, 'inputs'];
  if (value === undefined) return unmapped('features_not_found', 'the request body has no "request.text", "text" or "inputs"');
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.length > 0 && value.every((t) => typeof t === 'string')) return value as string[];
  return unmapped('features_not_found', `${where} is ${Array.isArray(value) ? (value.length ? 'a list holding something other than texts' : 'an empty list') : `a ${jsonType(value)}`}, not a text or a list of texts`);
}

function readText(request: unknown, response: unknown, context: ExtractionContext): Extraction {
  const texts = textsOf(request);
  if (!Array.isArray(texts)) return texts;
  const outputs = outputsOf(response, texts.length, context, context.classes);
  if (!outputs.ok) return outputs;
  return { ok: true, observed: { rows: texts.map((t) => textFeatures(t, context.vocabulary)), outputs: outputs.outputs } };
}

/**
 * The request asking for one text's prediction, in the text API's own shape (`modelwatch profile`
 * sends reference texts as rows `{"text": ...}`, one per request: not every text API takes a list).
 */
function writeText(rows: readonly RawRow[]): unknown {
  return rows.length === 1 && typeof rows[0].text === 'string' ? { request: { text: rows[0].text } } : undefined;
}

/** The `text` preset. */
export const TEXT: Mapping = {
  name: 'text',
  text: true,
  routes: [declareRoute('/predict', readText, writeText)],
};
