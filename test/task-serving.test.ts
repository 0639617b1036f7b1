/**
 * A multiclass and a regression model served end to end, as any imported model is: /predict and
 * /predict/batch answer by task, /feedback takes the task's labels, /metrics shows the task's
 * families (and not the others), drift follows the output, the audit lines carry the class name
 * or the value, /status says what is live. The models are small hand-written scorers built into
 * versions by the same code an import uses (test/helpers/task-models.ts); a model that scores only
 * asynchronously (as an ONNX session) answers through the same routes.
 */
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import { after, before, describe, test } from 'node:test';
import { PREDICTION_LINE_SCHEMA } from '../src/monitoring/audit/prediction-line.js';
import { LOG_FIELDS } from '../src/stack/catalogue/log-fields.js';
import { ALERTS } from '../src/stack/catalogue/alerts.js';
import { SeriesSampler } from '../src/monitoring/series/sampler.js';
import { multiclassMetricsOfPairs } from '../src/model/task-evaluation.js';
import { evaluateRegression } from '../src/model/task-metrics.js';
import { sampleValue, testApp, type TestApp } from './helpers/fixtures.js';
import { asyncOnly, referenceRows, taskModel, trueClass, trueValue } from './helpers/task-models.js';

const validLine = new Ajv({ strict: false, validateFormats: false }).compile(PREDICTION_LINE_SCHEMA);

async function servedApp(model: ReturnType<typeof taskModel>, env: Record<string, string> = {}): Promise<TestApp> {
  const t = await testApp({ DRIFT_MIN_SAMPLES: '50', QUALITY_MIN_LABELS: '10', ...env }, { noModel: true });
  t.state.serve(model);
  return t;
}

describe('a multiclass model served end to end', () => {
  let t: TestApp;
  before(async () => {
    t = await servedApp(taskModel('multiclass', 'v3'));
  });
  after(() => t.app.close());

  test('/predict answers the class index, its name, the top probability and every class by name', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/predict', payload: { x: 8.5, color: 'blue' }, headers: { 'x-request-id': 'mc-1' } });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.deepEqual(Object.keys(body).sort(), ['confidence', 'label', 'model_version', 'prediction', 'probabilities', 'probability', 'request_id']);
    assert.equal(body.prediction, 2);
    assert.equal(body.label, 'high');
    assert.deepEqual(Object.keys(body.probabilities), ['low', 'mid', 'high']);
    const sum = Object.values(body.probabilities as Record<string, number>).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-12);
    assert.equal(body.confidence, Math.max(...(Object.values(body.probabilities) as number[])));
    assert.equal(body.probability, body.confidence);
    // softmax([0, 0.5, 2.5])[2]
    assert.ok(Math.abs(body.confidence - Math.exp(2.5) / (1 + Math.exp(0.5) + Math.exp(2.5))) < 1e-12);
  });

  test('/predict/batch answers every row the same way', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/predict/batch', payload: { rows: [{ x: 1 }, { x: 5, color: 'green' }] }, headers: { 'x-request-id': 'mcb' } });
    assert.equal(res.statusCode, 200);
    const { predictions } = res.json();
    assert.deepEqual(predictions.map((p: { label: string }) => p.label), ['low', 'mid']);
    assert.deepEqual(predictions.map((p: { prediction: number }) => p.prediction), [0, 1]);
    assert.equal(Object.keys(predictions[1].probabilities).length, 3);
  });

  test('feedback takes a class name or index, refuses others with a coded 400 naming the classes; live quality follows the labels exactly', async () => {
    const rows = referenceRows(90);
    const predicted: number[] = [];
    const actual: number[] = [];
    for (const [i, row] of rows.entries()) {
      const res = await t.app.inject({ method: 'POST', url: '/predict', payload: row, headers: { 'x-request-id': `q-${i}` } });
      predicted.push(res.json().prediction);
      const truth = trueClass(row);
      actual.push(truth);
      // Names and indices alike.
      const label = i % 2 ? ['low', 'mid', 'high'][truth] : truth;
      const fb = await t.app.inject({ method: 'POST', url: '/feedback', payload: { request_id: `q-${i}`, actual: label } });
      assert.equal(fb.statusCode, 200, fb.body);
      assert.equal(fb.json().actual, truth);
      assert.equal(fb.json().predicted, predicted[i]);
    }
    for (const [bad, reason] of [['medium', 'unknown_category'], [3, 'out_of_range'], [1.5, 'wrong_type'], [true, 'wrong_type']] as const) {
      const res = await t.app.inject({ method: 'POST', url: '/feedback', payload: { request_id: 'q-0', actual: bad } });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().code, 'MW_INVALID_INPUT');
      assert.equal(res.json().problems[0].field, 'actual');
      assert.equal(res.json().problems[0].reason, reason);
      assert.match(res.json().problems[0].expected, /a class name \("low", "mid", "high"\) or a class index 0\.\.2/);
    }
    t.monitor!.tick();
    const want = multiclassMetricsOfPairs(actual, predicted, 3);
    const text = await t.metrics.registry.metrics();
    const live = (name: string, labels: Record<string, string> = {}) => sampleValue(text, name, { model_version: 'v3', source: 'live', ...labels });
    assert.ok(want.accuracy < 1 && want.accuracy > 0.5, `the model is wrong on some rows (${want.accuracy})`);
    assert.equal(live('ml_model_accuracy'), want.accuracy);
    assert.equal(live('ml_model_precision'), want.precision);
    assert.equal(live('ml_model_recall'), want.recall);
    assert.equal(live('ml_model_f1_score'), want.f1);
    for (const [c, name] of ['low', 'mid', 'high'].entries()) assert.equal(live('ml_model_class_recall', { class: name }), want.classRecall[c]);
    assert.equal(sampleValue(text, 'ml_model_class_recall', { model_version: 'v3', source: 'holdout', class: 'mid' }), 1);
    assert.equal(sampleValue(text, 'ml_model_mae'), undefined, 'no regression family');
    // The confusion counters by class name: C² series, the joined labels in the right cells.
    let joined = 0;
    for (const p of ['low', 'mid', 'high']) for (const a of ['low', 'mid', 'high']) joined += sampleValue(text, 'ml_feedback_total', { model_version: 'v3', predicted_class: p, actual_class: a }) ?? Number.NaN;
    assert.equal(joined, 90);
    const wrong = predicted.filter((p, i) => p === 0 && actual[i] === 2).length;
    assert.ok(wrong > 0);
    assert.equal(sampleValue(text, 'ml_feedback_total', { model_version: 'v3', predicted_class: 'low', actual_class: 'high' }), wrong);
  });

  test('/metrics counts predictions by class name, confidence below 0.5, and class and confidence drift over the class names', async () => {
    const text = await t.metrics.registry.metrics();
    assert.ok((sampleValue(text, 'ml_predictions_by_class_total', { prediction_class: 'high' }) ?? 0) > 0);
    assert.equal(sampleValue(text, 'ml_predictions_by_class_total', { prediction_class: '2' }), undefined);
    assert.ok(sampleValue(text, 'ml_prediction_confidence_bucket', { le: '0.4' }) !== undefined, 'buckets below 0.5');
    assert.ok(sampleValue(text, 'ml_prediction_bin_total', { model_version: 'v3', signal: 'class', bin: 'mid' })! > 0);
    assert.ok(sampleValue(text, 'ml_prediction_baseline_share', { model_version: 'v3', signal: 'class', bin: 'low' })! > 0);
    assert.ok(sampleValue(text, 'ml_prediction_drift_psi', { model_version: 'v3', signal: 'confidence' }) !== undefined);
    const estimate = sampleValue(text, 'ml_model_estimated_accuracy', { model_version: 'v3' });
    assert.ok(estimate !== undefined && estimate > 0.4 && estimate < 1, 'the mean top probability');
  });

  test("the console's class panel counts a multiclass model's classes by name when it serves from the start", async () => {
    const started = await testApp({}, { model: taskModel('multiclass', 'v3') });
    for (const x of [1, 8, 9]) await started.app.inject({ method: 'POST', url: '/predict', payload: { x } });
    started.monitor!.tick();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const series = (await started.app.inject({ url: '/api/series?range=5m' })).json();
    assert.deepEqual(series.totals.by_class, { low: 1, mid: 0, high: 2 });
    await started.app.close();
  });

  test('/status shows the task, the classes, drift over the classes, live and holdout quality; the console APIs answer', async () => {
    const status = (await t.app.inject({ method: 'GET', url: '/status' })).json();
    assert.equal(status.model.schema.task, 'multiclass');
    assert.deepEqual(status.model.schema.classes, ['low', 'mid', 'high']);
    assert.equal(status.model.holdout.classRecall.length, 3);
    assert.ok(status.drift.predictions.class.psi !== null);
    assert.ok(typeof status.quality.live.accuracy === 'number');
    assert.ok(typeof status.quality.estimated_accuracy === 'number');
    for (const url of ['/api/series', '/api/drift']) assert.equal((await t.app.inject({ method: 'GET', url })).statusCode, 200, url);
  });

  test('audit lines carry the class index and the class name, and validate', async () => {
    await t.log.drain();
    const line = t.captured.lines.find((l) => l.request_id === 'mc-1');
    assert.ok(line);
    assert.equal(line.prediction, 2);
    assert.equal(line.label, 'high');
    assert.ok(validLine(line), JSON.stringify(validLine.errors));
  });
});

describe('a regression model served end to end', () => {
  let t: TestApp;
  before(async () => {
    t = await servedApp(taskModel('regression', 'v4'));
  });
  after(() => t.app.close());

  test('/predict answers the value alone', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/predict', payload: { x: 2, color: 'red' }, headers: { 'x-request-id': 'rg-1' } });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { request_id: 'rg-1', value: 11, model_version: 'v4' });
    const batch = await t.app.inject({ method: 'POST', url: '/predict/batch', payload: { rows: [{ x: 1, color: 'blue' }, { x: 0 }] }, headers: { 'x-request-id': 'rgb' } });
    assert.deepEqual(batch.json().predictions, [{ request_id: 'rgb:0', value: 3 }, { request_id: 'rgb:1', value: 5 }]);
  });

  test('feedback takes a number; live MAE and RMSE follow the labels exactly; no accuracy family, no estimate', async () => {
    const rows = referenceRows(60);
    const predicted: number[] = [];
    const actual: number[] = [];
    for (const [i, row] of rows.entries()) {
      const res = await t.app.inject({ method: 'POST', url: '/predict', payload: row, headers: { 'x-request-id': `r-${i}` } });
      predicted.push(res.json().value);
      actual.push(trueValue(row));
      const fb = await t.app.inject({ method: 'POST', url: '/feedback', payload: { request_id: `r-${i}`, actual: trueValue(row) } });
      assert.equal(fb.statusCode, 200, fb.body);
    }
    for (const bad of ['12', 'yes', null, [1]]) {
      const res = await t.app.inject({ method: 'POST', url: '/feedback', payload: { request_id: 'r-0', actual: bad } });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().problems[0].expected, 'a finite number (the true value)');
    }
    const conflict = await t.app.inject({ method: 'POST', url: '/feedback', payload: { request_id: 'r-0', actual: 1234.5 } });
    assert.equal(conflict.statusCode, 409);
    t.monitor!.tick();
    const want = evaluateRegression(actual, predicted);
    const text = await t.metrics.registry.metrics();
    assert.ok(want.mae > 0);
    assert.ok(Math.abs(sampleValue(text, 'ml_model_mae', { model_version: 'v4', source: 'live' })! - want.mae) < 1e-12);
    assert.ok(Math.abs(sampleValue(text, 'ml_model_rmse', { model_version: 'v4', source: 'live' })! - want.rmse) < 1e-12);
    assert.ok(sampleValue(text, 'ml_model_mae', { model_version: 'v4', source: 'holdout' })! > 0);
    assert.equal(sampleValue(text, 'ml_model_accuracy'), undefined, 'no accuracy family: the accuracy alerts stay silent');
    assert.equal(sampleValue(text, 'ml_model_estimated_accuracy'), undefined);
    assert.equal(sampleValue(text, 'ml_feedback_regression_total', { model_version: 'v4' }), 60);
    assert.ok(Math.abs(sampleValue(text, 'ml_feedback_absolute_error_total', { model_version: 'v4' })! - want.mae * 60) < 1e-9);
    assert.ok(Math.abs(sampleValue(text, 'ml_feedback_squared_error_total', { model_version: 'v4' })! - want.rmse ** 2 * 60) < 1e-9);
    assert.equal(sampleValue(text, 'ml_feedback_total', { model_version: 'v4' }), undefined, 'no confusion series');
    const status = (await t.app.inject({ method: 'GET', url: '/status' })).json();
    assert.equal(status.quality.estimated_accuracy, null);
    assert.match(status.quality.estimate, /regression model has no probabilities/);
    assert.ok(Math.abs(status.quality.live.mae - want.mae) < 1e-12);
  });

  test('/metrics has the value histogram on the reference bins and value drift, no class or confidence series', async () => {
    const text = await t.metrics.registry.metrics();
    assert.equal(sampleValue(text, 'ml_prediction_value_count'), 63);
    assert.equal(sampleValue(text, 'ml_prediction_confidence_count'), 0);
    const valueBins = text.split('\n').filter((l) => l.startsWith('ml_prediction_baseline_share{') && l.includes('signal="value"'));
    assert.ok(valueBins.length >= 5, 'the value signal in reference quantile bins');
    assert.ok(sampleValue(text, 'ml_prediction_drift_psi', { model_version: 'v4', signal: 'value' }) !== undefined);
    assert.equal(sampleValue(text, 'ml_prediction_drift_psi', { model_version: 'v4', signal: 'class' }), undefined);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/drift' })).statusCode, 200);
  });

  test('audit lines carry the value instead of a class, and validate', async () => {
    await t.log.drain();
    const line = t.captured.lines.find((l) => l.request_id === 'rg-1');
    assert.ok(line);
    assert.equal(line.value, 11);
    assert.equal(line.prediction, undefined);
    assert.equal(line.confidence, undefined);
    assert.ok(validLine(line), JSON.stringify(validLine.errors));
    const joined = t.captured.lines.find((l) => l.message === 'feedback joined' && l.request_id === 'r-1');
    assert.ok(joined);
    assert.equal(joined.actual_value, trueValue(referenceRows(60)[1]));
    assert.equal(joined.actual, undefined);
    assert.equal(typeof joined.absolute_error, 'number');
  });
});

describe('the Open Inference Protocol answers and is observed by task', () => {
  test('a multiclass model: predict and probabilities [N, C]; a regression model: value; both counted like /predict', async () => {
    const mc = await servedApp(taskModel('multiclass', 'v6'), { MODEL_NAME: 'grades' });
    const inputs = [
      { name: 'x', datatype: 'FP64', shape: [2], data: [1, 8] },
      { name: 'color', datatype: 'BYTES', shape: [2], data: ['green', 'red'] },
    ];
    const res = await mc.app.inject({ method: 'POST', url: '/v2/models/grades/infer', payload: { id: 'oip-1', inputs } });
    assert.equal(res.statusCode, 200, res.body);
    const outputs = Object.fromEntries((res.json().outputs as { name: string; data: unknown[]; shape: number[] }[]).map((o) => [o.name, o]));
    assert.deepEqual(outputs.predict.data, ['low', 'high']);
    assert.deepEqual(outputs.probabilities.shape, [2, 3]);
    const text = await mc.metrics.registry.metrics();
    assert.equal(sampleValue(text, 'ml_predictions_by_class_total', { prediction_class: 'high' }), 1);
    await mc.log.drain();
    assert.equal(mc.captured.lines.find((l) => l.request_id === 'oip-1:1')?.label, 'high');
    await mc.app.close();

    const rg = await servedApp(taskModel('regression', 'v7'), { MODEL_NAME: 'prices' });
    const value = await rg.app.inject({ method: 'POST', url: '/v2/models/prices/infer', payload: { id: 'oip-2', inputs } });
    assert.equal(value.statusCode, 200, value.body);
    const [out] = value.json().outputs as { name: string; data: number[] }[];
    assert.equal(out.name, 'value');
    assert.deepEqual(out.data, [3, 29]);
    const feedback = await rg.app.inject({ method: 'POST', url: '/feedback', payload: { request_id: 'oip-2:1', actual: 30 } });
    assert.equal(feedback.statusCode, 200, feedback.body);
    const regression = await rg.metrics.registry.metrics();
    assert.equal(sampleValue(regression, 'ml_feedback_absolute_error_total', { model_version: 'v7' }), 1);
    assert.equal(sampleValue(regression, 'ml_prediction_value_count'), 2);
    await rg.app.close();
  });
});

/** Leaf paths of a log line with their values (a flattened field is one leaf). */
function leaves(value: unknown, flattened: ReadonlySet<string>, prefix = ''): [string, unknown][] {
  if (Array.isArray(value)) return value.flatMap((item) => leaves(item, flattened, prefix));
  if (value !== null && typeof value === 'object' && !flattened.has(prefix)) return Object.entries(value).flatMap(([key, inner]) => leaves(inner, flattened, prefix ? `${prefix}.${key}` : key));
  return [[prefix, value]];
}

describe('the lines of multiclass and regression models are in the log field catalogue (the index template)', () => {
  test('every field of their prediction and feedback lines is catalogued with a type that fits', async () => {
    const fields = new Map(LOG_FIELDS.map((f) => [f.path, f.type]));
    const flattened = new Set(LOG_FIELDS.filter((f) => f.type === 'flattened').map((f) => f.path));
    const seen = new Set<string>();
    for (const task of ['multiclass', 'regression'] as const) {
      const t = await servedApp(taskModel(task, 'v8'));
      await t.app.inject({ method: 'POST', url: '/predict', payload: { x: 1, color: 'green' }, headers: { 'x-request-id': 'f-1' } });
      const label = task === 'multiclass' ? ['high', 'high', 'mid'] : [4, 4, 5];
      for (const actual of label) await t.app.inject({ method: 'POST', url: '/feedback', payload: { request_id: 'f-1', actual } });
      await t.log.drain();
      const lines = t.captured.lines.filter((l) => l.request_id === 'f-1');
      assert.deepEqual(lines.map((l) => l.message), ['prediction', 'feedback joined', 'feedback repeated; counted once', 'feedback conflicts with an earlier label; refused']);
      for (const line of lines) {
        for (const [path, value] of leaves(line, flattened)) {
          const type = fields.get(path);
          assert.ok(type, `${task}: field ${path} (in "${line.message}") is catalogued`);
          const fits = type === 'integer' || type === 'long' ? Number.isInteger(value) : type === 'float' ? typeof value === 'number' : type === 'boolean' ? typeof value === 'boolean' : typeof value === 'string' || typeof value === 'object';
          assert.ok(fits, `${task}: ${path} = ${JSON.stringify(value)} fits ${type}`);
          seen.add(path);
        }
      }
      await t.app.close();
    }
    for (const path of ['label', 'value', 'actual_value', 'absolute_error', 'feedback.first_actual_value']) assert.ok(seen.has(path), `${path} was written`);
  });
});

describe("a regression model's alerts in-process (the console)", () => {
  test('HighLiveMae holds once 30 labels of the hour are off by more than 1.5 × the holdout MAE; NoFeedbackArriving counts its labels', async () => {
    let now = 1_000_000;
    const model = taskModel('regression', 'v9');
    const t = await servedApp(model);
    const sampler = new SeriesSampler({ registry: t.metrics.registry, intervalSeconds: 5, now: () => now, featureNames: ['x', 'color'] });
    const holds = (name: string) => ALERTS.find((a) => a.name === name)!.console!(sampler.query.view());
    const holdoutMae = (model.holdout as { mae: number }).mae;
    let id = 0;
    const labelled = async (count: number, error: number) => {
      for (let i = 0; i < count; i++) {
        const requestId = `m-${id++}`;
        const res = await t.app.inject({ method: 'POST', url: '/predict', payload: { x: 4, color: 'red' }, headers: { 'x-request-id': requestId } });
        await t.app.inject({ method: 'POST', url: '/feedback', payload: { request_id: requestId, actual: res.json().value - error } });
      }
      now += 5000;
      await sampler.sample();
    };
    await labelled(1, 0);
    await labelled(20, 3 * holdoutMae);
    assert.deepEqual(holds('HighLiveMae'), [], 'fewer than 30 labels in the hour: not judged');
    assert.deepEqual(holds('NoFeedbackArriving'), [], 'its labels arrive');
    await labelled(20, 3 * holdoutMae);
    const findings = holds('HighLiveMae');
    assert.equal(findings.length, 1);
    assert.ok(Math.abs(findings[0].value - 3 * holdoutMae) < 1e-9, `live MAE ${findings[0].value}`);
    await t.app.close();
  });
});

describe('a model that scores only asynchronously (as an ONNX session)', () => {
  test('is answered through predictOutputsBatch, one batch per request, with the same answers', async () => {
    const sync = taskModel('multiclass', 'v5');
    const model = asyncOnly(sync);
    const t = await servedApp(model);
    const rows = [{ x: 1 }, { x: 5, color: 'green' }, { x: 9 }];
    const batch = (await t.app.inject({ method: 'POST', url: '/predict/batch', payload: { rows } })).json();
    assert.equal(model.batches, 1);
    const single = (await t.app.inject({ method: 'POST', url: '/predict', payload: rows[2], headers: { 'x-request-id': 'async-1' } })).json();
    assert.equal(model.batches, 2);
    assert.deepEqual(batch.predictions.map((p: { label: string }) => p.label), ['low', 'mid', 'high']);
    assert.deepEqual(single.probabilities, batch.predictions[2].probabilities);
    const out = new Float64Array(3);
    sync.predictOutputs({ x: 9, color: 'red' }, out);
    assert.equal(single.probability, Math.max(...out));
    await t.log.drain();
    assert.equal(t.captured.lines.find((l) => l.request_id === 'async-1')?.label, 'high');
    await t.app.close();
  });
});
