/**
 * Predictions as model servers write them, read into {@link ObservedOutput}s. Servers say the same
 * thing in many ways — `{"prediction": "yes", "probability": 0.8}`, `{"label": "POSITIVE", "score":
 * 0.98}`, a bare `1`, `[0.2, 0.8]` — so the field names below are the ones seen in the wild, read in
 * this order:
 * - the class: `label`, `prediction`, `predicted_label`, `predicted_class`, `class`, `sentiment`
 *   (the first present; a name or an index);
 * - `probability` (binary: of the positive class);
 * - every class's probability: `probabilities`, `probas`, `predict_proba` (an array in class
 *   order, or an object class → probability, ordered by the known classes);
 * - the predicted class's probability: `confidence`, `score`;
 * - a regression's `value`.
 *
 * A bare number is read by the task: a regression's value; a binary model's probability when it is
 * within 0..1 and not whole; else a class index when whole, and a value when not (task unknown).
 */
import { unmapped, type Unmapped } from './extraction.js';
import { isObject, jsonType } from './rows.js';
import type { ExtractionContext, ObservedOutput } from './types.js';

/** An output being filled in, field by field, before it is handed on as read-only. */
export type MutableOutput = { -readonly [K in keyof ObservedOutput]: ObservedOutput[K] };

/** Fields an answer object names its class by, in the order tried. */
export const LABEL_KEYS = ['label', 'prediction', 'predicted_label', 'predicted_class', 'class', 'sentiment'] as const;
/** Fields of the positive class's probability. */
export const PROBABILITY_KEYS = ['probability'] as const;
/** Fields of every class's probability. */
export const PROBABILITIES_KEYS = ['probabilities', 'probas', 'predict_proba'] as const;
/** Fields of the predicted class's probability. */
export const CONFIDENCE_KEYS = ['confidence', 'score'] as const;
/** Fields of a regression's value. */
export const VALUE_KEYS = ['value'] as const;
/** Every field an answer object is read for. */
export const OUTPUT_KEYS: ReadonlySet<string> = new Set([...LABEL_KEYS, ...PROBABILITY_KEYS, ...PROBABILITIES_KEYS, ...CONFIDENCE_KEYS, ...VALUE_KEYS]);
const PER_ROW_ARRAY_KEYS: ReadonlySet<string> = new Set(PROBABILITIES_KEYS);

/** A finite number (a numeric string is read as its number), else undefined. */
export function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** A probability (a number within 0..1), or a message saying what the value is instead. */
export function probabilityOf(value: unknown): number | string {
  const n = numberOf(value);
  if (n === undefined) return `${JSON.stringify(value) ?? jsonType(value)} is not a number`;
  return n >= 0 && n <= 1 ? n : `${n} is not a probability (within 0..1)`;
}

/** A class as a server names it: a name or an index (true/false read as 1/0), or a message. */
export function labelOf(value: unknown): string | number | { problem: string } {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return { problem: `a ${jsonType(value)} is not a class name or index` };
}

/**
 * Every class's probability: an array in class order, or an object class → probability, ordered
 * by `classes` when it names every key (else in the object's key order).
 */
export function probabilitiesOf(value: unknown, classes: readonly string[] | undefined): number[] | string {
  let list: unknown[];
  if (Array.isArray(value)) list = value;
  else if (isObject(value)) {
    const keys = Object.keys(value);
    const ordered = classes && classes.length === keys.length && classes.every((c) => Object.hasOwn(value, c));
    list = (ordered ? classes : keys).map((k) => value[k]);
  } else return `a ${jsonType(value)} is not a list of probabilities`;
  if (list.length === 0) return 'an empty list is not a list of probabilities';
  const out: number[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const p = probabilityOf(list[i]);
    if (typeof p === 'string') return `probabilities[${i}]: ${p}`;
    out[i] = p;
  }
  return out;
}

/** A bare number read by the task (see the module comment), or a message. */
function bareNumber(n: number, context: ExtractionContext): MutableOutput | string {
  if (context.task === 'regression') return { value: n };
  if (Number.isInteger(n)) return { label: n };
  if (context.task === 'binary' && n >= 0 && n <= 1) return { probability: n };
  if (context.task === undefined) return { value: n };
  return `${n} is neither a class index nor a probability`;
}

const firstKey = (object: Record<string, unknown>, keys: readonly string[]) => keys.find((k) => object[k] !== undefined && object[k] !== null);

/** The top of a list of `{"label", "score"}` (a Hugging Face pipeline's `top_k` answer), if it is one. */
function topScored(list: readonly unknown[]): Record<string, unknown> | undefined {
  let best: Record<string, unknown> | undefined;
  let bestScore = -Infinity;
  for (const item of list) {
    if (!isObject(item)) return undefined;
    const score = numberOf(item.score ?? item.confidence);
    if (score === undefined || item.label === undefined) return undefined;
    if (score > bestScore) [best, bestScore] = [item, score];
  }
  return best;
}

/** An answer object's fields, read in the order of the module comment. */
function outputOfObject(object: Record<string, unknown>, context: ExtractionContext, classes: readonly string[] | undefined): ObservedOutput | string {
  const out: MutableOutput = {};
  const labelKey = firstKey(object, LABEL_KEYS);
  if (labelKey) {
    const raw = object[labelKey];
    if (typeof raw === 'number' && labelKey !== 'label') {
      // `{"prediction": 3.7}` is a regression's value: a bare number is read by the task.
      const read = bareNumber(raw, context);
      if (typeof read === 'string') return `${labelKey}: ${read}`;
      Object.assign(out, read);
    } else {
      const read = labelOf(raw);
      if (typeof read === 'object') return `${labelKey}: ${read.problem}`;
      out.label = read;
    }
  }
  for (const [keys, field] of [[PROBABILITY_KEYS, 'probability'], [CONFIDENCE_KEYS, 'confidence']] as const) {
    const key = firstKey(object, keys);
    if (!key) continue;
    const p = probabilityOf(object[key]);
    if (typeof p === 'string') return `${key}: ${p}`;
    out[field] = p;
  }
  const probabilitiesKey = firstKey(object, PROBABILITIES_KEYS);
  if (probabilitiesKey) {
    const ps = probabilitiesOf(object[probabilitiesKey], classes);
    if (typeof ps === 'string') return `${probabilitiesKey}: ${ps}`;
    out.probabilities = ps;
  }
  const valueKey = firstKey(object, VALUE_KEYS);
  if (valueKey) {
    const v = numberOf(object[valueKey]);
    if (v === undefined) return `${valueKey}: ${JSON.stringify(object[valueKey]) ?? 'undefined'} is not a number`;
    out.value = v;
  }
  if (Object.keys(out).length === 0) return `no ${[...OUTPUT_KEYS].join(', ')} field`;
  return out;
}

/**
 * One prediction from the value an answer holds for it: an object of the fields above, a bare
 * class or number, an array of probabilities (one element: that element), or a list of
 * `{"label", "score"}` (the top one).
 *
 * @example outputOf({ prediction: 1, confidence: 0.8 }, {}, undefined) // { label: 1, confidence: 0.8 }
 * @example outputOf([0.2, 0.8], {}, undefined) // { probabilities: [0.2, 0.8] }
 */
export function outputOf(value: unknown, context: ExtractionContext, classes: readonly string[] | undefined): ObservedOutput | string {
  if (isObject(value)) return outputOfObject(value, context, classes);
  if (typeof value === 'number') return Number.isFinite(value) ? bareNumber(value, context) : `${value} is not a number`;
  if (typeof value === 'string' || typeof value === 'boolean') return { label: labelOf(value) as string | number };
  if (Array.isArray(value)) {
    if (value.length === 1) return outputOf(value[0], context, classes);
    const top = topScored(value);
    if (top) return outputOfObject(top, context, classes);
    const ps = probabilitiesOf(value, classes);
    return typeof ps === 'string' ? ps : { probabilities: ps };
  }
  return `a ${jsonType(value)} is no prediction`;
}

/**
 * An answer object holding columns — `{"prediction": [1, 0, 1], "probability": [0.9, 0.2, 0.7]}` —
 * split into one object per row; undefined when a field it is read for is not a column of `n`.
 * With one row, a field that is a one-element array is that element (`{"prediction": [1]}`).
 */
function splitColumns(object: Record<string, unknown>, n: number): Record<string, unknown>[] | undefined {
  const rows: Record<string, unknown>[] = Array.from({ length: n }, () => ({}));
  for (const key of Object.keys(object)) {
    if (!OUTPUT_KEYS.has(key)) continue;
    const v = object[key];
    // A row's probabilities are an array too: only an array of arrays (or objects) is their column.
    const column = Array.isArray(v) && v.length === n && (!PER_ROW_ARRAY_KEYS.has(key) || v.every((e) => Array.isArray(e) || isObject(e)));
    if (column) for (let i = 0; i < n; i++) rows[i][key] = v[i];
    else if (n === 1) rows[0][key] = v;
    else return undefined;
  }
  return rows;
}

/** Keys an answer nests its predictions under: `{"predictions": [...]}`, `{"response": {...}}`. */
export const ANSWER_WRAPPERS = ['predictions', 'response'] as const;

/** The predictions inside a wrapper object (one without prediction fields of its own), else the answer. */
function unwrapped(answer: unknown): unknown {
  if (!isObject(answer) || Object.keys(answer).some((k) => OUTPUT_KEYS.has(k))) return answer;
  const key = ANSWER_WRAPPERS.find((k) => answer[k] !== undefined);
  return key ? answer[key] : answer;
}

/**
 * The predictions of an answer for `n` rows: an array of one per row; an object — one prediction,
 * or columns of `n`; a bare value for one row; any of these under `predictions` or `response`. `row_count_mismatch` when the answer holds another
 * number of predictions, `prediction_not_found` when one is no prediction.
 *
 * @example outputsOf([{ label: 'yes' }, { label: 'no' }], 2, {}, undefined) // { ok: true, outputs: [{ label: 'yes' }, { label: 'no' }] }
 */
export function outputsOf(given: unknown, n: number, context: ExtractionContext, classes: readonly string[] | undefined, options: { readonly where?: string; readonly onePerElement?: boolean } = {}): { ok: true; outputs: ObservedOutput[] } | Unmapped {
  const where = options.where ?? 'the response';
  const answer = unwrapped(given);
  let items: readonly unknown[];
  if (Array.isArray(answer)) {
    // One row answered by a bare list of probabilities or of scored labels, not by a list of one
    // answer — unless the protocol says an array holds one prediction per element.
    const single = !options.onePerElement && n === 1 && answer.length > 1 && (answer.every((e) => typeof e === 'number') || topScored(answer) !== undefined);
    items = single ? [answer] : answer;
  } else if (isObject(answer)) {
    if (!Object.keys(answer).some((k) => OUTPUT_KEYS.has(k))) return unmapped('prediction_not_found', `${where} has no ${[...OUTPUT_KEYS].join(', ')} field`);
    const split = splitColumns(answer, n);
    if (!split) return unmapped('row_count_mismatch', `${where} is one answer object for ${n} rows (its fields are not lists of ${n})`);
    items = split;
  } else if (answer === null) return unmapped('prediction_not_found', `${where} is null`);
  else items = [answer];
  if (items.length !== n) return unmapped('row_count_mismatch', `${n} row(s) in the request, ${items.length} prediction(s) in ${where}`);
  const outputs: ObservedOutput[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const out = outputOf(items[i], context, classes);
    if (typeof out === 'string') return unmapped('prediction_not_found', n === 1 ? `${where}: ${out}` : `${where}, prediction ${i}: ${out}`);
    outputs[i] = out;
  }
  return { ok: true, outputs };
}
