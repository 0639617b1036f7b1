/**
 * An ONNX graph through `modelwatch import` and the service: a logistic regression over numeric
 * columns and a one-hot categorical one (the encoding declared at import), and a linear regression,
 * built with Debian's python3-onnx. The served answers — one row per request and batches scored as
 * one tensor — must equal the same model computed independently in float64 from its weights.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { importModel } from '../src/model/imported/import-model.js';
import { ModelRegistry } from '../src/model/registry.js';
import { startService, type RunningService } from '../src/server/serve.js';
import { pythonModulesMissing } from './helpers/debian-python.js';
import { sampleValue, tempDir } from './helpers/fixtures.js';
import { buildOnnxModels, linearSpec, logisticSpec, type BuiltOnnxModel } from './helpers/onnx-models.js';
import { skipUnlessTool } from './helpers/tools.js';
import { createRandom } from '../src/util/random.js';

const PLANS = ['monthly', 'two-year', 'yearly'];

/** x · w + b of the one dense layer, the input laid out as the one-hot encoding declares (categories sorted). */
function margin(model: BuiltOnnxModel, row: { tenure: number; plan: string; calls: number }): number {
  const input = [row.tenure, ...PLANS.map((p) => (p === row.plan ? 1 : 0)), row.calls];
  const { weights, bias } = model.layers[0];
  return input.reduce((sum, x, i) => sum + x * weights[i][0], bias[0]);
}

describe('an ONNX model imported and served', { skip: skipUnlessTool(pythonModulesMissing(['onnx', 'numpy'])) }, () => {
  const dir = tempDir('modelwatch-import-onnx-');
  const rng = createRandom(3);
  const rows = Array.from({ length: 300 }, (_, i) => ({ tenure: 1 + rng.int(72), plan: PLANS[rng.int(3)], calls: rng.int(9), label: i % 2 }));
  let logistic: BuiltOnnxModel;
  let linear: BuiltOnnxModel;
  const services: RunningService[] = [];

  before(() => {
    [logistic, linear] = buildOnnxModels(dir, [logisticSpec('churn', 5, 11), linearSpec('spend', 5, 12)]);
    writeFileSync(join(dir, 'churn.csv'), `tenure,plan,calls,churned\n${rows.map((r) => `${r.tenure},${r.plan},${r.calls},${r.label}`).join('\n')}\n`);
    writeFileSync(join(dir, 'spend.csv'), `tenure,plan,calls,spend\n${rows.map((r, i) => `${r.tenure},${r.plan},${r.calls},${(i * 7.3) % 100}`).join('\n')}\n`);
  });
  after(async () => {
    for (const service of services) await service.close();
  });

  async function serve(file: string, data: string, target: string, task: 'binary' | 'regression'): Promise<RunningService> {
    const registry = new ModelRegistry(join(dir, `${target}-models`));
    await importModel({ format: 'onnx', modelFile: file, dataFile: data, target, task, categoricalEncoding: 'onehot', registry, promote: true });
    const service = await startService(loadConfig({}, { PORT: 0, HOST: '127.0.0.1', MODEL_DIR: registry.dir, LOG_STDOUT: false, MONITOR_INTERVAL_SECONDS: 3600 }));
    services.push(service);
    return service;
  }

  const post = (service: RunningService, path: string, body: unknown) => fetch(`${service.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const body = (r: (typeof rows)[number]) => ({ tenure: r.tenure, plan: r.plan, calls: r.calls });

  test('binary: /predict and /predict/batch equal sigmoid(x · w + b) to 1e-5', async () => {
    const service = await serve(logistic.file, join(dir, 'churn.csv'), 'churned', 'binary');
    for (const r of rows.slice(0, 20)) {
      const answer = (await (await post(service, '/predict', body(r))).json()) as { probability: number };
      assert.ok(Math.abs(answer.probability - 1 / (1 + Math.exp(-margin(logistic, r)))) <= 1e-5, JSON.stringify(r));
    }
    const batch = (await (await post(service, '/predict/batch', { rows: rows.slice(0, 100).map(body) })).json()) as { predictions: { probability: number }[] };
    batch.predictions.forEach((p, i) => assert.ok(Math.abs(p.probability - 1 / (1 + Math.exp(-margin(logistic, rows[i])))) <= 1e-5, `row ${i}`));
    const metrics = await service.metrics.registry.metrics();
    assert.equal(sampleValue(metrics, 'ml_predictions_total'), 120);
  });

  test('regression: the value equals x · w + b to 1e-5, over /predict and the Open Inference Protocol', async () => {
    const service = await serve(linear.file, join(dir, 'spend.csv'), 'spend', 'regression');
    for (const r of rows.slice(0, 10)) {
      const answer = (await (await post(service, '/predict', body(r))).json()) as { value: number };
      assert.ok(Math.abs(answer.value - margin(linear, r)) <= 1e-5 * Math.max(1, Math.abs(answer.value)), JSON.stringify(r));
    }
    const some = rows.slice(0, 30);
    const v2 = await post(service, '/v2/models/bank-marketing/infer', {
      inputs: [
        { name: 'tenure', shape: [some.length], datatype: 'INT64', data: some.map((r) => r.tenure) },
        { name: 'plan', shape: [some.length], datatype: 'BYTES', data: some.map((r) => r.plan) },
        { name: 'calls', shape: [some.length], datatype: 'INT64', data: some.map((r) => r.calls) },
      ],
    });
    assert.equal(v2.status, 200, await v2.clone().text());
    const value = ((await v2.json()) as { outputs: { name: string; data: number[] }[] }).outputs.find((o) => o.name === 'value')!;
    value.data.forEach((v, i) => assert.ok(Math.abs(v - margin(linear, some[i])) <= 1e-5 * Math.max(1, Math.abs(v)), `row ${i}`));
  });

  test('categorical columns without a declared encoding are refused, and nothing is written', async () => {
    const registry = new ModelRegistry(join(dir, 'refused'));
    await assert.rejects(importModel({ format: 'onnx', modelFile: logistic.file, dataFile: join(dir, 'churn.csv'), target: 'churned', registry, promote: true }), /--categorical-encoding/);
    await assert.rejects(importModel({ format: 'onnx', modelFile: logistic.file, dataFile: join(dir, 'churn.csv'), target: 'churned', categoricalEncoding: 'ordinal', registry, promote: true }), {
      code: 'MW_IMPORT_REFUSED',
      message: /takes 5 feature columns but the declared features and their encoding give 3/,
    });
    assert.deepEqual(registry.list(), []);
  });
});
