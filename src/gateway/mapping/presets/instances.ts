/**
 * TF Serving's and KServe V1's REST predict: `POST /v1/models/<name>:predict` with
 * `{"instances": [...]}` (each row an object of features or an array of values in the model's
 * order), answered by `{"predictions": [...]}`, one per instance: a class or a value, an array of
 * probabilities, or an object (`label`, `probabilities`, …).
 */
import { declareRoute } from '../declared-route.js';
import { unmapped } from '../extraction.js';
import { outputsOf } from '../outputs.js';
import { isObject, jsonType, rowsOf } from '../rows.js';
import type { Extraction, ExtractionContext, Mapping } from '../types.js';

function readInstances(request: unknown, response: unknown, context: ExtractionContext): Extraction {
  if (!isObject(request)) return unmapped('request_unreadable', `the request body is a ${jsonType(request)}, not {"instances": [...]}`);
  if (!Array.isArray(request.instances)) return unmapped('features_not_found', 'the request body has no "instances" array');
  const rows = rowsOf(request.instances, context, (i) => `instances[${i}]`);
  if (!rows.ok) return rows;
  if (!isObject(response) || !Array.isArray(response.predictions)) return unmapped('prediction_not_found', 'the response has no "predictions" array');
  const outputs = outputsOf(response.predictions, rows.rows.length, context, context.classes, { where: 'predictions', onePerElement: true });
  return outputs.ok ? { ok: true, observed: { rows: rows.rows, outputs: outputs.outputs } } : outputs;
}

/** The `instances` preset. */
export const INSTANCES: Mapping = {
  name: 'instances',
  routes: [declareRoute('/v1/models/:name:predict', readInstances, (rows) => ({ instances: rows }))],
};
