/**
 * Native multiclass and regression versions end to end: modelwatch's own GBDT trained on
 * scikit-learn's wine (3 classes) and diabetes (regression) data by trainOnCsv, built into versions
 * by buildCsvArtifact, registered, loaded and served. Every answer equals the model's own outputs;
 * labels for the holdout rows make live quality exactly the holdout figures the version carries.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { rowsOf } from '../src/data/csv-table.js';
import { ModelRegistry } from '../src/model/registry.js';
import { trainOnCsv } from '../src/model/train-any.js';
import { buildCsvArtifact } from '../src/model/train-any-artifact.js';
import { pythonModulesMissing } from './helpers/debian-python.js';
import { sampleValue, testApp } from './helpers/fixtures.js';
import { writeSklearnCsv } from './helpers/sklearn-data.js';
import { skipUnlessTool } from './helpers/tools.js';

const skip = skipUnlessTool(pythonModulesMissing(['sklearn']));

describe('versions trained here on any CSV, served and watched by task', { skip }, () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'modelwatch-tasks-train-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function served(name: 'wine' | 'diabetes') {
    const data = join(dir, `${name}.csv`);
    writeSklearnCsv(name, data);
    const result = await trainOnCsv({ data, target: 'target', seed: 7, testShare: 0.3, params: { maxIter: 40 } });
    const registry = new ModelRegistry(join(dir, `${name}-registry`));
    registry.setCurrent(registry.register(buildCsvArtifact(result, { dataSource: data, seed: 7, testShare: 0.3 })));
    const t = await testApp({ MODEL_DIR: registry.dir, DRIFT_MIN_SAMPLES: '20', QUALITY_MIN_LABELS: '10', BATCH_MAX_ROWS: '1000' }, { noModel: true });
    t.state.serve(await registry.loadAsync());
    const rows = rowsOf(result.table, result.schema.features);
    return { t, result, holdoutRows: Array.from(result.holdout.rows, (r) => rows[r]) };
  }

  test('wine: the holdout rows answered as the model scores them; their labels make live quality the holdout figures', async () => {
    const { t, result, holdoutRows } = await served('wine');
    const { classes } = result.schema;
    const k = classes.length;
    const res = await t.app.inject({ method: 'POST', url: '/predict/batch', payload: { rows: holdoutRows }, headers: { 'x-request-id': 'w' } });
    assert.equal(res.statusCode, 200, res.body);
    const answers = res.json().predictions as { request_id: string; prediction: number; probabilities: Record<string, number> }[];
    answers.forEach((a, i) => classes.forEach((c, j) => assert.equal(a.probabilities[c], result.holdout.predictions[i * k + j], `row ${i} class ${c}`)));
    for (const [i, a] of answers.entries()) assert.equal((await t.app.inject({ method: 'POST', url: '/feedback', payload: { request_id: a.request_id, actual: classes[result.holdout.y[i]] } })).statusCode, 200);
    t.monitor!.tick();
    const text = await t.metrics.registry.metrics();
    const m = result.metrics as unknown as { accuracy: number; macroF1: number; perClass: { recall: number }[] };
    assert.equal(sampleValue(text, 'ml_model_accuracy', { source: 'live' }), m.accuracy);
    assert.equal(sampleValue(text, 'ml_model_accuracy', { source: 'holdout' }), m.accuracy);
    assert.equal(sampleValue(text, 'ml_model_f1_score', { source: 'live' }), m.macroF1);
    classes.forEach((c, j) => assert.equal(sampleValue(text, 'ml_model_class_recall', { source: 'live', class: c }), m.perClass[j].recall, c));
    await t.app.close();
  });

  test('diabetes: every value as the model scores it; live MAE and RMSE equal the holdout errors', async () => {
    const { t, result, holdoutRows } = await served('diabetes');
    const res = await t.app.inject({ method: 'POST', url: '/predict/batch', payload: { rows: holdoutRows }, headers: { 'x-request-id': 'd' } });
    assert.equal(res.statusCode, 200, res.body);
    const answers = res.json().predictions as { request_id: string; value: number }[];
    answers.forEach((a, i) => assert.equal(a.value, result.holdout.predictions[i], `row ${i}`));
    for (const [i, a] of answers.entries()) assert.equal((await t.app.inject({ method: 'POST', url: '/feedback', payload: { request_id: a.request_id, actual: result.holdout.y[i] } })).statusCode, 200);
    t.monitor!.tick();
    const text = await t.metrics.registry.metrics();
    const m = result.metrics as unknown as { mae: number; rmse: number };
    assert.ok(Math.abs(sampleValue(text, 'ml_model_mae', { source: 'live' })! - m.mae) < 1e-9);
    assert.ok(Math.abs(sampleValue(text, 'ml_model_rmse', { source: 'live' })! - m.rmse) < 1e-9);
    assert.equal(sampleValue(text, 'ml_model_mae', { source: 'holdout' }), m.mae);
    assert.equal(sampleValue(text, 'ml_model_accuracy'), undefined);
    const status = (await t.app.inject({ method: 'GET', url: '/status' })).json();
    assert.equal(status.model.schema.task, 'regression');
    assert.equal(status.model.holdout.mae, m.mae);
    await t.app.close();
  });
});
