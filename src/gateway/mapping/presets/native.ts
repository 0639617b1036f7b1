/**
 * modelwatch's own API (docs/api.md): `POST /predict` takes one row object and answers
 * `{"request_id", "prediction": index, "label": name, "confidence", "probability", "model_version"}`
 * (multiclass adds `probabilities` by class name; a regression answers `value` alone);
 * `POST /predict/batch` takes `{"rows": [...]}` and answers `{"predictions": [{...}, ...]}`.
 */
import { declareRoute } from '../declared-route.js';
import { unmapped } from '../extraction.js';
import { outputsOf } from '../outputs.js';
import { isObject, jsonType, rowsOf } from '../rows.js';
import type { Extraction, ExtractionContext, Mapping } from '../types.js';

function readPredict(request: unknown, response: unknown, context: ExtractionContext): Extraction {
  if (!isObject(request)) return unmapped('request_unreadable', `the request body is a ${jsonType(request)}, not one row object`);
  if (Object.keys(request).length === 0) return unmapped('features_not_found', 'the request body is an empty object');
  if (!isObject(response)) return unmapped('prediction_not_found', `the response is a ${jsonType(response)}, not a prediction object`);
  const outputs = outputsOf(response, 1, context, context.classes);
  return outputs.ok ? { ok: true, observed: { rows: [request], outputs: outputs.outputs } } : outputs;
}

function readBatch(request: unknown, response: unknown, context: ExtractionContext): Extraction {
  if (!isObject(request)) return unmapped('request_unreadable', `the request body is a ${jsonType(request)}, not {"rows": [...]}`);
  if (!Array.isArray(request.rows)) return unmapped('features_not_found', 'the request body has no "rows" array');
  const rows = rowsOf(request.rows, context, (i) => `rows[${i}]`);
  if (!rows.ok) return rows;
  if (!isObject(response) || !Array.isArray(response.predictions)) return unmapped('prediction_not_found', 'the response has no "predictions" array');
  const outputs = outputsOf(response.predictions, rows.rows.length, context, context.classes, { where: 'predictions', onePerElement: true });
  return outputs.ok ? { ok: true, observed: { rows: rows.rows, outputs: outputs.outputs } } : outputs;
}

/** The `native` preset. */
export const NATIVE: Mapping = {
  name: 'native',
  routes: [
    declareRoute('/predict', readPredict, (rows) => (rows.length === 1 ? rows[0] : undefined)),
    // The service names every row of a batch `<id>:<index>`, a one-row batch's too.
    { ...declareRoute('/predict/batch', readBatch, (rows) => ({ rows })), indexedRows: true },
  ],
};
