/**
 * The Open Inference Protocol V2 (KServe, MLServer, Triton, modelwatch's own `/v2`):
 * `POST /v2/models/<name>[/versions/<version>]/infer`.
 *
 * Request `inputs` are read in either layout the protocol's tabular servers use:
 * - one tensor `[N, F]` of every feature in the model's order (`data` flat row-major or nested),
 *   named by the context's feature names, else `f0`…;
 * - one tensor per feature, named as the feature, shape `[N]` or `[N, 1]` (BYTES carry strings).
 *
 * Response `outputs` are found by name, then by shape:
 * - the class: `predict`, `label`, `labels`, `prediction`, `predictions`, `class`, `classes`,
 *   `output_label` — a class name (BYTES) or index per row (a non-whole number is read by the task:
 *   MLServer names a regressor's output `predict` too);
 * - probabilities: `probabilities`, `predict_proba`, `probability`, `probas`, `probs`, `scores` —
 *   `[N, C]` every class's, `[N]` the positive class's;
 * - a regression's `value`, `values`;
 * - when no output has such a name: a `[N, C]` output (C > 1) is the probabilities, and a `[N]` one
 *   is read per row as a bare class or number (outputs.ts).
 */
import type { ModelSchema } from '../../../data/model-schema.js';
import { declareRoute } from '../declared-route.js';
import { observed, unmapped, type Unmapped } from '../extraction.js';
import { labelOf, numberOf, outputOf, probabilitiesOf, probabilityOf, type MutableOutput } from '../outputs.js';
import { isObject, jsonType } from '../rows.js';
import type { Extraction, ExtractionContext, Mapping, ObservedOutput, RawRow } from '../types.js';

/** A tensor with its data flattened row-major. */
interface Tensor {
  readonly index: number;
  readonly name: string;
  readonly datatype: string;
  readonly shape: readonly number[];
  readonly data: readonly unknown[];
}

/** `data` flattened row-major (nested at most as deep as the shape has dimensions), or undefined. */
function flatten(data: readonly unknown[], depth: number): unknown[] | undefined {
  if (!data.some(Array.isArray)) return data as unknown[];
  if (depth <= 1) return undefined;
  const flat: unknown[] = [];
  for (const item of data) {
    if (!Array.isArray(item)) flat.push(item);
    else {
      const inner = flatten(item, depth - 1);
      if (!inner) return undefined;
      for (const v of inner) flat.push(v);
    }
  }
  return flat;
}

const isDimension = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** The tensors of `inputs` or `outputs`, or a message naming the first malformed one. */
function tensorsOf(list: unknown, field: 'inputs' | 'outputs'): Tensor[] | string {
  if (!Array.isArray(list) || list.length === 0) return `"${field}" is ${Array.isArray(list) ? 'empty' : list === undefined ? 'missing' : `a ${jsonType(list)}`}, not a list of tensors`;
  const tensors: Tensor[] = [];
  for (let index = 0; index < list.length; index++) {
    const t = list[index];
    const at = `${field}[${index}]`;
    if (!isObject(t)) return `${at} is a ${jsonType(t)}, not a tensor`;
    if (typeof t.name !== 'string') return `${at}.name is not a string`;
    if (!Array.isArray(t.shape) || t.shape.length === 0 || !t.shape.every(isDimension)) return `${at}.shape is not a list of dimensions`;
    if (!Array.isArray(t.data)) return `${at}.data is not a list`;
    const data = flatten(t.data, t.shape.length);
    if (!data) return `${at}.data is nested deeper than its shape`;
    const size = (t.shape as number[]).reduce((a, b) => a * b, 1);
    if (size !== data.length) return `${at}.data has ${data.length} values; its shape [${t.shape.join(', ')}] says ${size}`;
    tensors.push({ index, name: t.name, datatype: typeof t.datatype === 'string' ? t.datatype : '', shape: t.shape as number[], data });
  }
  return tensors;
}

/** Rows from one `[N, F]` tensor of every feature. */
function matrixRows(t: Tensor, names: readonly string[] | undefined): RawRow[] | string {
  const [n, width] = t.shape;
  if (names && names.length !== width) return `inputs[${t.index}] has ${width} columns, but the model has ${names.length} features (${names.join(', ')})`;
  const rows: RawRow[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const row: RawRow = {};
    for (let j = 0; j < width; j++) row[names ? names[j] : `f${j}`] = t.data[i * width + j];
    rows[i] = row;
  }
  return rows;
}

/** Rows from one tensor per feature. */
function featureRows(tensors: readonly Tensor[]): RawRow[] | string {
  const n = tensors[0].shape[0];
  for (const t of tensors) {
    if (t.shape.length > 2 || (t.shape.length === 2 && t.shape[1] !== 1)) return `inputs[${t.index}] (${t.name}) has shape [${t.shape.join(', ')}]; a feature's tensor is [N] or [N, 1], and one [N, F] tensor holds every feature`;
    if (t.shape[0] !== n) return `inputs[${t.index}] (${t.name}) has ${t.shape[0]} rows, inputs[0] (${tensors[0].name}) ${n}`;
  }
  const rows: RawRow[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const row: RawRow = {};
    for (const t of tensors) row[t.name] = t.data[i];
    rows[i] = row;
  }
  return rows;
}

/** The rows of an inference request. */
function requestRows(request: unknown, context: ExtractionContext): RawRow[] | Unmapped {
  if (!isObject(request)) return unmapped('request_unreadable', `the request body is a ${jsonType(request)}, not {"inputs": [...]}`);
  const tensors = tensorsOf(request.inputs, 'inputs');
  if (typeof tensors === 'string') return unmapped('features_not_found', tensors);
  const names = context.featureNames;
  const only = tensors[0];
  const matrix = tensors.length === 1 && only.shape.length === 2 && (names ? !names.includes(only.name) : only.shape[1] !== 1);
  const rows = matrix ? matrixRows(only, names) : featureRows(tensors);
  if (typeof rows === 'string') return unmapped('features_not_found', rows);
  if (rows.length === 0) return unmapped('features_not_found', 'no rows: the batch dimension is 0');
  return rows;
}

const LABEL_NAMES: ReadonlySet<string> = new Set(['predict', 'label', 'labels', 'prediction', 'predictions', 'class', 'classes', 'output_label']);
const PROBABILITIES_NAMES: ReadonlySet<string> = new Set(['probabilities', 'predict_proba', 'probability', 'probas', 'probs', 'scores']);
const VALUE_NAMES: ReadonlySet<string> = new Set(['value', 'values']);

/** The outputs an answer holds, by role. */
interface Roles {
  label?: Tensor;
  probabilities?: Tensor;
  value?: Tensor;
}

/** Each output's role: by name first; when none is named so, by shape. */
function rolesOf(tensors: readonly Tensor[]): Roles {
  const roles: Roles = {};
  for (const t of tensors) {
    const name = t.name.toLowerCase();
    if (LABEL_NAMES.has(name)) roles.label ??= t;
    else if (PROBABILITIES_NAMES.has(name)) roles.probabilities ??= t;
    else if (VALUE_NAMES.has(name)) roles.value ??= t;
  }
  if (roles.label || roles.probabilities || roles.value) return roles;
  for (const t of tensors) {
    if (t.shape.length === 2 && t.shape[1] > 1) roles.probabilities ??= t;
    else if (t.shape.length <= 2) roles.label ??= t;
  }
  return roles;
}

/** The outputs per row of an inference response for `n` rows. */
function responseOutputs(response: unknown, n: number, context: ExtractionContext): ObservedOutput[] | Unmapped {
  if (!isObject(response)) return unmapped('prediction_not_found', `the response is a ${jsonType(response)}, not {"outputs": [...]}`);
  const tensors = tensorsOf(response.outputs, 'outputs');
  if (typeof tensors === 'string') return unmapped('prediction_not_found', tensors);
  const roles = rolesOf(tensors);
  const used = [roles.label, roles.probabilities, roles.value].filter((t): t is Tensor => t !== undefined);
  if (used.length === 0) return unmapped('prediction_not_found', `no output holds a class, probabilities or a value (${tensors.map((t) => `${t.name} [${t.shape.join(', ')}]`).join(', ')})`);
  for (const t of used) if (t.shape[0] !== n) return unmapped('row_count_mismatch', `${n} row(s) in the request, ${t.shape[0]} in the output ${t.name}`);
  const outputs: MutableOutput[] = Array.from({ length: n }, () => ({}));
  const fail = (t: Tensor, i: number, problem: string) => unmapped('prediction_not_found', `outputs[${t.index}] (${t.name}), row ${i}: ${problem}`);
  if (roles.label) {
    const t = roles.label;
    const width = t.data.length / Math.max(n, 1);
    if (width !== 1) return unmapped('prediction_not_found', `outputs[${t.index}] (${t.name}) has ${width} values per row; a class output has one`);
    for (let i = 0; i < n; i++) {
      const raw = t.data[i];
      if (typeof raw === 'number') {
        // A bare number is read by the task: MLServer names a regressor's output `predict` too.
        const read = outputOf(raw, context, context.classes);
        if (typeof read === 'string') return fail(t, i, read);
        Object.assign(outputs[i], read);
      } else {
        const label = labelOf(raw);
        if (typeof label === 'object') return fail(t, i, label.problem);
        outputs[i].label = label;
      }
    }
  }
  if (roles.probabilities) {
    const t = roles.probabilities;
    const width = t.data.length / Math.max(n, 1);
    for (let i = 0; i < n; i++) {
      if (width === 1) {
        const p = probabilityOf(t.data[i]);
        if (typeof p === 'string') return fail(t, i, p);
        outputs[i].probability = p;
      } else {
        const ps = probabilitiesOf(t.data.slice(i * width, (i + 1) * width), context.classes);
        if (typeof ps === 'string') return fail(t, i, ps);
        outputs[i].probabilities = ps;
      }
    }
  }
  if (roles.value) {
    const t = roles.value;
    for (let i = 0; i < n; i++) {
      const v = numberOf(t.data[i]);
      if (v === undefined) return fail(t, i, `${JSON.stringify(t.data[i]) ?? 'undefined'} is not a number`);
      outputs[i].value = v;
    }
  }
  return outputs;
}

function readInfer(request: unknown, response: unknown, context: ExtractionContext): Extraction {
  const rows = requestRows(request, context);
  if (!Array.isArray(rows)) return rows;
  const outputs = responseOutputs(response, rows.length, context);
  if (!Array.isArray(outputs)) return outputs;
  return observed(rows, outputs);
}

/**
 * An inference request of `rows`: one tensor per feature, named as it, `BYTES` for a categorical
 * feature and `FP64` for a numeric one, shape `[N]` (a value a row lacks is the feature's default).
 */
export function inferRequestOf(rows: readonly RawRow[], schema: ModelSchema): unknown {
  return {
    inputs: schema.features.map((f) => ({
      name: f.name,
      datatype: f.kind === 'categorical' ? 'BYTES' : 'FP64',
      shape: [rows.length],
      data: rows.map((r) => r[f.name] ?? f.default),
    })),
  };
}

/** The `v2` preset. */
export const V2: Mapping = {
  name: 'v2',
  routes: [declareRoute('/v2/models/:name/infer', readInfer, inferRequestOf), declareRoute('/v2/models/:name/versions/:version/infer', readInfer, inferRequestOf)],
};
