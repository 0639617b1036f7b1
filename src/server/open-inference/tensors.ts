/**
 * The Open Inference Protocol's (KServe V2 REST) tensors, read into the row bodies `/predict` takes
 * and written from the predictions it makes. Pure: no HTTP and no model, so the protocol adapter is
 * tested on its own and the row validation, defaults, aliases and prediction stay the ones
 * `/predict` uses (plugins/open-inference.ts wires the two).
 *
 * Two input layouts are read:
 * - one tensor per feature, named as the feature: `BYTES` for a categorical feature, a numeric
 *   datatype for a numeric one, shape `[N]` or `[N, 1]`; an optional feature's tensor may be left
 *   out (its default applies, as in `/predict`);
 * - one tensor of shape `[N, F]` holding every feature in the schema's order: a numeric datatype
 *   when every feature is numeric, else `BYTES` with strings for categorical columns and numbers (or
 *   numeric strings) for numeric ones.
 *
 * Every structural problem is listed at once (400 MW_INVALID_INPUT, fields named like
 * `inputs[2].shape`); the values themselves are checked by the row validation afterwards.
 */
import type { Feature } from '../../data/schema.js';
import type { ModelSchema } from '../../data/model-schema.js';
import { BatchTooLargeError, echo, echoValue, InvalidInputError, type InputProblem, type RejectionReason } from '../../errors.js';
import { isWellFormedRequestId, REQUEST_ID_RULE } from '../request-id.js';

/** The numeric datatypes a numeric feature's tensor may have (JSON carries them all as numbers). */
export const NUMERIC_DATATYPES: ReadonlySet<string> = new Set(['INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'FP16', 'FP32', 'FP64']);

/** An output a model answers with. */
export type OutputName = 'predict' | 'probabilities' | 'value';

/** A tensor as the protocol describes it in metadata (`-1` for a variable dimension). */
export interface TensorMetadata {
  readonly name: string;
  readonly datatype: string;
  readonly shape: readonly number[];
}

/** An output tensor of an inference response. */
export interface ResponseTensor extends TensorMetadata {
  readonly data: readonly (number | string)[];
}

/** An inference request read and checked: the rows to predict, the outputs wanted, the client's id. */
export interface ReadInferRequest {
  /** The request's `id`, when it sent one. */
  readonly id: string | undefined;
  /** One object per row, keyed by feature name, for the row validation `/predict` uses. */
  readonly bodies: Record<string, unknown>[];
  /** The outputs to answer with, in the order asked (every output when the request named none). */
  readonly outputs: readonly OutputName[];
}

/** What one prediction gives the outputs (the fields of a prediction record they read). */
export interface PredictionOutput {
  /** Class index (0 for regression). */
  readonly prediction: number;
  /** Class name ('' for regression); derived from `prediction` when absent. */
  readonly label?: string;
  /** Probability of the positive class (binary). */
  readonly probability: number;
  /** Every class's probability (multiclass). */
  readonly probabilities?: readonly number[];
  /** The predicted value (regression). */
  readonly value?: number;
}

/**
 * The outputs a model of this schema answers with: the label and the class probabilities for a
 * classifier, the value for a regression.
 *
 * @example outputNamesOf(BANK_SCHEMA) // ['predict', 'probabilities']
 */
export function outputNamesOf(schema: ModelSchema): OutputName[] {
  return schema.task === 'regression' ? ['value'] : ['predict', 'probabilities'];
}

/**
 * The metadata of the model's input tensors: one per feature, `BYTES` for a categorical feature,
 * `FP64` for a numeric one (any numeric datatype is accepted), a variable batch dimension.
 *
 * @example inputMetadataOf(BANK_SCHEMA)[0] // { name: 'age', datatype: 'FP64', shape: [-1] }
 */
export function inputMetadataOf(schema: ModelSchema): TensorMetadata[] {
  return schema.features.map((f) => ({ name: f.name, datatype: f.kind === 'categorical' ? 'BYTES' : 'FP64', shape: [-1] }));
}

/**
 * The metadata of the model's output tensors.
 *
 * @example outputMetadataOf(BANK_SCHEMA) // [{ name: 'predict', datatype: 'BYTES', shape: [-1] }, { name: 'probabilities', datatype: 'FP64', shape: [-1, 2] }]
 */
export function outputMetadataOf(schema: ModelSchema): TensorMetadata[] {
  return outputNamesOf(schema).map((name) =>
    name === 'predict' ? { name, datatype: 'BYTES', shape: [-1] }
    : name === 'probabilities' ? { name, datatype: 'FP64', shape: [-1, schema.classes.length] }
    : { name, datatype: 'FP64', shape: [-1] });
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const jsonType = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);
const isDimension = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;

/** Deepest nesting of `data` read (a `[N, F]` tensor may send rows as nested arrays). */
const MAX_DATA_DEPTH = 2;

/** A tensor whose name, datatype, shape and data are each of the right JSON type. */
export interface Tensor {
  readonly index: number;
  readonly name: string;
  readonly datatype: string;
  readonly shape: readonly number[];
  /** The data, flattened row-major. */
  readonly data: readonly unknown[];
}

/** Collects the problems of one request, each naming where it is. */
class Problems {
  readonly list: InputProblem[] = [];
  add(field: string, reason: RejectionReason, expected: string, got?: unknown): void {
    this.list.push(got === undefined ? { field, reason, expected } : { field, reason, expected, got: echoValue(got) });
  }
}

/**
 * Reads an inference request into row bodies for `schema`, checking its structure: every problem
 * is listed in one {@link InvalidInputError}; more rows than `maxRows` is a {@link BatchTooLargeError}.
 * `parameters` (of the request, an input or an output) are accepted and ignored.
 *
 * @example
 * readInferRequest({ inputs: [{ name: 'age', datatype: 'INT64', shape: [1], data: [30] }, …] }, BANK_SCHEMA, 100)
 * // { id: undefined, bodies: [{ age: 30, … }], outputs: ['predict', 'probabilities'] }
 */
export function readInferRequest(body: unknown, schema: ModelSchema, maxRows: number): ReadInferRequest {
  const problems = new Problems();
  if (!isObject(body)) {
    problems.add('(body)', 'wrong_type', 'an inference request object {"inputs": [ … ]}', jsonType(body));
    throw new InvalidInputError(problems.list);
  }
  const id = body.id;
  if (id !== undefined && !isWellFormedRequestId(id)) problems.add('id', 'wrong_type', `a string of ${REQUEST_ID_RULE}`, id);
  const outputs = requestedOutputs(body.outputs, schema, problems);
  const tensors = tensorsOf(body.inputs, problems);
  if (problems.list.length) throw new InvalidInputError(problems.list);
  const features = schema.features;
  const byName = new Map(features.map((f) => [f.name, f]));
  const matrix = tensors.length === 1 && !byName.has(tensors[0].name) && tensors[0].shape.length === 2;
  const bodies = matrix ? matrixRows(tensors[0], features, problems) : featureRows(tensors, byName, features, problems);
  if (problems.list.length) throw new InvalidInputError(problems.list);
  if (bodies.length === 0) {
    problems.add('inputs', 'invalid_batch', 'at least one row (a batch dimension of 1 or more)', 0);
    throw new InvalidInputError(problems.list);
  }
  if (bodies.length > maxRows) throw new BatchTooLargeError(bodies.length, maxRows);
  return { id: id as string | undefined, bodies, outputs };
}

/** The outputs asked for, each known and named once; every output when none are named. */
function requestedOutputs(outputs: unknown, schema: ModelSchema, problems: Problems): OutputName[] {
  const known = outputNamesOf(schema);
  if (outputs === undefined) return known;
  if (!Array.isArray(outputs)) {
    problems.add('outputs', 'wrong_type', 'an array of {"name": …}', jsonType(outputs));
    return known;
  }
  const chosen: OutputName[] = [];
  outputs.forEach((output, i) => {
    const name = isObject(output) ? output.name : undefined;
    if (typeof name !== 'string') problems.add(`outputs[${i}].name`, isObject(output) && name === undefined ? 'missing_field' : 'wrong_type', `one of ${known.join(', ')}`, isObject(output) ? name : jsonType(output));
    else if (!(known as string[]).includes(name)) problems.add(`outputs[${i}].name`, 'unknown_category', `one of ${known.join(', ')}`, echo(name));
    else if (chosen.includes(name as OutputName)) problems.add(`outputs[${i}].name`, 'invalid_batch', 'each output named once', echo(name));
    else chosen.push(name as OutputName);
  });
  return chosen.length ? chosen : known;
}

/** The input tensors, each checked for the JSON types of its fields and its data flattened. */
function tensorsOf(inputs: unknown, problems: Problems): Tensor[] {
  if (inputs === undefined) {
    problems.add('inputs', 'missing_field', 'an array of input tensors {"name", "datatype", "shape", "data"}');
    return [];
  }
  if (!Array.isArray(inputs) || inputs.length === 0) {
    problems.add('inputs', Array.isArray(inputs) ? 'invalid_batch' : 'wrong_type', 'a non-empty array of input tensors {"name", "datatype", "shape", "data"}', Array.isArray(inputs) ? '[]' : jsonType(inputs));
    return [];
  }
  const tensors: Tensor[] = [];
  const seen = new Set<string>();
  inputs.forEach((input, index) => {
    const at = `inputs[${index}]`;
    if (!isObject(input)) return problems.add(at, 'wrong_type', 'an input tensor {"name", "datatype", "shape", "data"}', jsonType(input));
    const { name, datatype, shape, data } = input;
    const before = problems.list.length;
    for (const [field, value, expected] of [['name', name, 'a string'], ['datatype', datatype, 'a datatype string such as BYTES or FP64'], ['shape', shape, 'an array of dimensions'], ['data', data, 'an array of values']] as const) {
      const ok = field === 'shape' || field === 'data' ? Array.isArray(value) : typeof value === 'string';
      if (value === undefined) problems.add(`${at}.${field}`, 'missing_field', expected);
      else if (!ok) problems.add(`${at}.${field}`, 'wrong_type', expected, jsonType(value));
    }
    if (problems.list.length > before) return;
    const dims = shape as unknown[];
    if (dims.length === 0 || !dims.every(isDimension)) return problems.add(`${at}.shape`, 'wrong_type', 'one or two non-negative integer dimensions, e.g. [N] or [N, 1]', dims.length ? 'array' : '[]');
    if (seen.has(name as string)) return problems.add(`${at}.name`, 'invalid_batch', 'each input named once', echo(name as string));
    seen.add(name as string);
    const flat = flatten(data as unknown[]);
    if (!flat) return problems.add(`${at}.data`, 'wrong_type', `values, flat or nested at most ${MAX_DATA_DEPTH} deep`, 'array');
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== flat.length) return problems.add(`${at}.data`, 'invalid_batch', `${size} values, as shape [${dims.join(', ')}] says`, `${flat.length} values`);
    tensors.push({ index, name: name as string, datatype: datatype as string, shape: dims, data: flat });
  });
  return tensors;
}

/** `data` flattened row-major, or undefined when nested deeper than MAX_DATA_DEPTH. */
function flatten(data: readonly unknown[], depth = 1): unknown[] | undefined {
  if (!data.some(Array.isArray)) return data as unknown[];
  if (depth >= MAX_DATA_DEPTH) return undefined;
  const flat: unknown[] = [];
  for (const item of data) {
    if (!Array.isArray(item)) flat.push(item);
    else {
      const inner = flatten(item, depth + 1);
      if (!inner) return undefined;
      for (const value of inner) flat.push(value);
    }
  }
  return flat;
}

const expectedDatatype = (f: Feature) => (f.kind === 'categorical' ? 'BYTES' : `a numeric datatype (${[...NUMERIC_DATATYPES].join(', ')})`);
const datatypeFits = (f: Feature, datatype: string) => (f.kind === 'categorical' ? datatype === 'BYTES' : NUMERIC_DATATYPES.has(datatype));

/** Rows from one tensor per feature. */
function featureRows(tensors: readonly Tensor[], byName: ReadonlyMap<string, Feature>, features: readonly Feature[], problems: Problems): Record<string, unknown>[] {
  let rows: number | undefined;
  let rowsFrom = '';
  const columns: [string, readonly unknown[]][] = [];
  for (const t of tensors) {
    const at = `inputs[${t.index}]`;
    const feature = byName.get(t.name);
    if (!feature) {
      problems.add(`${at}.name`, 'too_many_fields', `a feature of the model (${features.map((f) => f.name).join(', ')}), or one [N, ${features.length}] tensor of every feature`, echo(t.name));
      continue;
    }
    if (!datatypeFits(feature, t.datatype)) problems.add(`${at}.datatype`, 'wrong_type', `${expectedDatatype(feature)} for the ${feature.kind} feature ${feature.name}`, echo(t.datatype));
    if (t.shape.length > 2 || (t.shape.length === 2 && t.shape[1] !== 1)) {
      problems.add(`${at}.shape`, 'invalid_batch', `[N] or [N, 1] for the feature ${feature.name}`, `[${t.shape.join(', ')}]`);
      continue;
    }
    if (rows === undefined) [rows, rowsFrom] = [t.shape[0], t.name];
    else if (t.shape[0] !== rows) problems.add(`${at}.shape`, 'invalid_batch', `${rows} rows, as the tensor ${rowsFrom} has`, `${t.shape[0]} rows`);
    columns.push([t.name, t.data]);
  }
  const sent = new Set(tensors.map((t) => t.name));
  for (const f of features) if (f.required && !sent.has(f.name)) problems.add('inputs', 'missing_field', `a tensor named ${f.name} (${expectedDatatype(f)}): the feature is required`);
  if (problems.list.length || rows === undefined) return [];
  const bodies: Record<string, unknown>[] = [];
  for (let i = 0; i < rows; i++) {
    const body: Record<string, unknown> = {};
    for (const [name, data] of columns) body[name] = data[i];
    bodies.push(body);
  }
  return bodies;
}

/** Rows from one `[N, F]` tensor of every feature in the schema's order. */
function matrixRows(t: Tensor, features: readonly Feature[], problems: Problems): Record<string, unknown>[] {
  const at = `inputs[${t.index}]`;
  const width = features.length;
  if (t.shape[1] !== width) {
    problems.add(`${at}.shape`, 'invalid_batch', `[N, ${width}]: one column per feature (${features.map((f) => f.name).join(', ')}), or one tensor per feature named as it`, `[${t.shape.join(', ')}]`);
    return [];
  }
  const categorical = features.filter((f) => f.kind === 'categorical').map((f) => f.name);
  if (t.datatype !== 'BYTES' && !(NUMERIC_DATATYPES.has(t.datatype) && categorical.length === 0)) {
    const expected = categorical.length ? `BYTES: the features ${categorical.join(', ')} are categorical (or send one tensor per feature)` : 'a numeric datatype (FP64, FP32, INT64, …) or BYTES';
    problems.add(`${at}.datatype`, 'wrong_type', expected, echo(t.datatype));
    return [];
  }
  const bodies: Record<string, unknown>[] = [];
  for (let i = 0; i < t.shape[0]; i++) {
    const body: Record<string, unknown> = {};
    for (let j = 0; j < width; j++) {
      const f = features[j];
      const value = t.data[i * width + j];
      body[f.name] = f.kind === 'numeric' && typeof value === 'string' ? numberOf(value) : value;
    }
    bodies.push(body);
  }
  return bodies;
}

/** A numeric string of a BYTES tensor as its number; anything else as sent, for the row validation to name. */
function numberOf(text: string): number | string {
  const value = text.trim() === '' ? Number.NaN : Number(text);
  return Number.isFinite(value) ? value : text;
}

/**
 * The output tensors of an inference response, in the order asked: `predict` the class labels
 * (BYTES, [N]), `probabilities` every class's probability (FP64, [N, C], row-major), `value` the
 * predicted values (FP64, [N]).
 *
 * @example outputTensors([{ prediction: 1, probability: 0.8 }], BANK_SCHEMA, ['predict']) // [{ name: 'predict', datatype: 'BYTES', shape: [1], data: ['yes'] }]
 */
export function outputTensors(records: readonly PredictionOutput[], schema: ModelSchema, outputs: readonly OutputName[]): ResponseTensor[] {
  const n = records.length;
  return outputs.map((name) => {
    if (name === 'predict') return { name, datatype: 'BYTES', shape: [n], data: records.map((r) => r.label ?? schema.classes[r.prediction]) };
    if (name === 'value') return { name, datatype: 'FP64', shape: [n], data: records.map((r) => r.value ?? Number.NaN) };
    const classes = schema.classes.length;
    const data: number[] = [];
    for (const r of records) {
      if (r.probabilities) for (const p of r.probabilities) data.push(p);
      else data.push(1 - r.probability, r.probability);
    }
    return { name, datatype: 'FP64', shape: [n, classes], data };
  });
}
