/**
 * The native and v2 presets against modelwatch itself: each preset builds the request (encode), a
 * real modelwatch app answers it, and the preset reads both bodies back — the rows it sent and the
 * predictions the app made, one per row.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PRESETS } from '../src/gateway/mapping/presets/index.js';
import type { Extraction, ExtractionContext, MappedRoute, RawRow } from '../src/gateway/mapping/types.js';
import type { ServingModel } from '../src/model/serving-model.js';
import { SEED_BODY, testApp, type TestApp } from './helpers/fixtures.js';

function observedOf(extraction: Extraction) {
  assert.ok(extraction.ok, extraction.ok ? '' : `${extraction.reason}: ${extraction.detail}`);
  return extraction.observed;
}

describe('presets against a running modelwatch app', () => {
  let service: TestApp;
  let model: ServingModel;
  let context: ExtractionContext;
  const rows: RawRow[] = [SEED_BODY, { ...SEED_BODY, age: 61, job: 'retired', duration: 900 }, { ...SEED_BODY, age: 23, job: 'student', duration: 40 }];

  before(async () => {
    service = await testApp();
    model = service.state.current as ServingModel;
    context = { featureNames: model.schema.features.map((f) => f.name), classes: model.schema.classes, task: model.schema.task };
  });
  after(() => service.app.close());

  /** Sends what `route` encodes for `rows` and reads the exchange back. */
  async function exchange(route: MappedRoute, sent: readonly RawRow[], params?: Record<string, string>) {
    const encoded = route.encode?.(sent, model.schema, params);
    assert.ok(encoded, `${route.endpoint} encodes ${sent.length} row(s)`);
    const reply = await service.app.inject({ method: 'POST', url: encoded.path, payload: encoded.body as object });
    assert.equal(reply.statusCode, 200, reply.body);
    return { answer: reply.json(), observed: observedOf(route.extract(encoded.body, reply.json(), context)) };
  }

  test('native /predict: the row sent, the class and probability answered', async () => {
    const { answer, observed } = await exchange(PRESETS.native.routes[0], [rows[0]]);
    assert.deepEqual(observed.rows, [rows[0]]);
    assert.deepEqual(observed.outputs, [{ label: answer.label, probability: answer.probability, confidence: answer.confidence }]);
    assert.ok(model.schema.classes.includes(observed.outputs[0].label as string));
  });

  test('native /predict/batch: one prediction per row, in order', async () => {
    const { answer, observed } = await exchange(PRESETS.native.routes[1], rows);
    assert.deepEqual(observed.rows, rows);
    assert.deepEqual(observed.outputs.map((o) => o.probability), answer.predictions.map((p: { probability: number }) => p.probability));
  });

  test('v2 /v2/models/:name/infer: the same predictions as /predict/batch', async () => {
    const { observed } = await exchange(PRESETS.v2.routes[0], rows, { name: model.name });
    const native = await exchange(PRESETS.native.routes[1], rows);
    // The v2 encoding sends every feature (defaults filled in); the row's own values come back.
    observed.rows.forEach((row, i) => {
      for (const [feature, value] of Object.entries(rows[i])) assert.equal(row[feature], value, `${feature} of row ${i}`);
    });
    assert.deepEqual(observed.outputs.map((o) => o.label), native.observed.outputs.map((o) => o.label));
    observed.outputs.forEach((o, i) => assert.ok(Math.abs((o.probabilities as number[])[1] - (native.observed.outputs[i].probability as number)) < 1e-12));
  });
});
