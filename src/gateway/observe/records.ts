/**
 * From what a model server answered to the records the native server's monitoring reads: a class
 * index (with its name, probability and confidence) or a regression's value, and a row binned by the
 * reference profile's schema. A server reports any subset — a label, a probability, every class's
 * probability, a confidence — and the rest is derived the way the native server derives it, so a
 * prediction observed through the gateway counts exactly as one the service made itself.
 *
 * Rows are read leniently, not validated: a value the server accepted is what drift must see, even
 * one outside the reference range (it lands in the outer bins, or the unseen category).
 */
import type { ModelSchema } from '../../data/model-schema.js';
import { canonicalCategory, type Feature, type Row } from '../../data/schema.js';
import type { PredictionRecord } from '../../server/request-outcome.js';
import { classLookup, classOf, classOrder, inSchemaOrder, sameOrder } from '../mapping/classes.js';
import type { ObservedOutput, RawRow } from '../mapping/types.js';

/** What the conversion needs of the model: its schema and the binary decision threshold. */
export interface RecordModel {
  readonly schema: Pick<ModelSchema, 'task' | 'classes' | 'features'>;
  readonly threshold: number;
  /**
   * The classes in the order the server answers them (a mapping's `classes`), when it differs from
   * the schema's: class indexes and probability lists are read in this order, then put in the
   * schema's, as `modelwatch profile` does for the reference.
   */
  readonly serverClasses?: readonly string[];
}

/** Records, or why an output could not be read as one of the model's predictions. */
export type RecordsResult = { readonly ok: true; readonly records: PredictionRecord[] } | { readonly ok: false; readonly reason: 'unknown_class' | 'prediction_not_found'; readonly detail: string };

/**
 * Converts one answered request's rows and outputs (same length). Row i of a batch is named
 * `<request id>:<i>`, as the native server names the rows of /predict/batch, so feedback joins the
 * same way; a single row carries the request id itself, unless the route always indexes its rows
 * (`indexed`: the native /predict/batch names even a one-row batch's row `<id>:0`).
 *
 * @example toRecords([{ age: 30 }], [{ label: 1, probability: 0.8 }], 'req-1', model) // records[0].prediction === 1
 */
export function toRecords(rows: readonly RawRow[], outputs: readonly ObservedOutput[], requestId: string, model: RecordModel, indexed = false): RecordsResult {
  const records: PredictionRecord[] = [];
  const single = rows.length === 1 && !indexed;
  const reading = readingOf(model);
  for (let i = 0; i < outputs.length; i++) {
    const id = single ? requestId : `${requestId}:${i}`;
    const row = rowOf(rows[i] ?? {}, model.schema.features);
    const record = recordOf(outputs[i], id, row, model, reading);
    if (typeof record === 'string') return { ok: false, reason: record.startsWith('class') ? 'unknown_class' : 'prediction_not_found', detail: `row ${i}: ${record}` };
    records.push(record);
  }
  return { ok: true, records };
}

/** A row keyed and typed by the schema's features; fields the schema does not name are dropped. */
function rowOf(raw: RawRow, features: readonly Pick<Feature, 'name' | 'kind'>[]): Row {
  if (features.length === 0) return toScalars(raw);
  const row: Row = {};
  for (const feature of features) {
    const value = raw[feature.name];
    if (feature.kind === 'numeric') row[feature.name] = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
    else {
      const text = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
      row[feature.name] = canonicalCategory(feature as Feature & { kind: 'categorical' }, text) ?? text;
    }
  }
  return row;
}

/**
 * Without a profile's schema, the row as sent: nothing bins it, and only the audit line's raw input
 * (AUDIT_RAW_INPUTS) reads it, through {@link auditedInput}. Not copied here: copying every field of
 * every row measured about a tenth of the gateway's CPU.
 */
const toScalars = (raw: RawRow): Row => raw as Row;

/** Most fields, and most characters of a text field, an audit line's raw input carries. */
export const AUDITED_INPUT_LIMITS = { fields: 256, chars: 1024 } as const;

/**
 * A row as an audit line's raw input: its numbers and texts only (a text cut at
 * {@link AUDITED_INPUT_LIMITS}.chars), at most {@link AUDITED_INPUT_LIMITS}.fields of them. A value a
 * client nested thousands deep would otherwise be written as it came, and strict JSON readers
 * refuse such a line.
 *
 * @example auditedInput({ age: 30, deep: [[[1]]] }) // { age: 30 }
 */
export function auditedInput(row: Row): Row {
  const input: Row = {};
  let fields = 0;
  for (const name in row) {
    if (!Object.hasOwn(row, name)) continue;
    const value = row[name] as unknown;
    if (typeof value === 'number') input[name] = value;
    else if (typeof value === 'string') input[name] = value.length > AUDITED_INPUT_LIMITS.chars ? value.slice(0, AUDITED_INPUT_LIMITS.chars) : value;
    else continue;
    if (++fields >= AUDITED_INPUT_LIMITS.fields) break;
  }
  return input;
}

/** One record, or a sentence saying what was missing or unknown (starting "class" for an unknown class). */
function recordOf(out: ObservedOutput, requestId: string, row: Row, model: RecordModel, reading: ClassReading): PredictionRecord | string {
  const { task, classes } = model.schema;
  if (task === 'regression') {
    const value = out.value ?? (typeof out.label === 'number' ? out.label : undefined);
    if (value === undefined || !Number.isFinite(value)) return 'no predicted value';
    return { requestId, prediction: 0, label: '', confidence: Number.NaN, probability: Number.NaN, value, row };
  }
  const named = out.label === undefined ? undefined : classOf(out.label, reading.byName, reading.order);
  if (out.label !== undefined && named === undefined) return `class ${JSON.stringify(out.label)} is not one of ${JSON.stringify(classes)}`;
  if (out.probabilities && out.probabilities.length !== classes.length) return `${out.probabilities.length} probabilities for ${classes.length} classes`;
  const probabilities = out.probabilities && inSchemaOrder(out.probabilities, reading.order);
  if (task === 'binary') {
    const p = out.probability ?? probabilities?.[1];
    const prediction = named ?? (p === undefined ? undefined : p >= model.threshold ? 1 : 0);
    if (prediction === undefined) return 'no class and no probability';
    const confidence = out.confidence ?? (p === undefined ? Number.NaN : prediction === 1 ? p : 1 - p);
    const probability = p ?? (Number.isNaN(confidence) ? Number.NaN : prediction === 1 ? confidence : 1 - confidence);
    return { requestId, prediction, label: classes[prediction] ?? String(prediction), confidence, probability, row };
  }
  let prediction = named;
  if (prediction === undefined && probabilities) prediction = argmax(probabilities);
  if (prediction === undefined) return 'no class and no probabilities';
  const confidence = out.confidence ?? probabilities?.[prediction] ?? Number.NaN;
  return { requestId, prediction, label: classes[prediction], confidence, probability: confidence, ...(probabilities ? { probabilities } : {}), row };
}

/** How a request's answers name classes: by the schema's names, indexes in the server's order. */
interface ClassReading {
  readonly byName: (name: string) => number | undefined;
  /** For each schema class, its position in the server's order. */
  readonly order: readonly number[];
}

/** The class reading of a model: the server's order when a mapping names one that fits, else the schema's. */
function readingOf(model: RecordModel): ClassReading {
  const { classes } = model.schema;
  const order = (model.serverClasses && classOrder(classes, model.serverClasses)) ?? sameOrder(classes.length);
  return { byName: classLookup(classes), order };
}

function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}
