/**
 * Every monitoring part with multiclass and regression records, on the real code: the holdout and
 * live definitions agree, the prediction store keeps class indices and values, the prediction
 * baseline and drift follow the task, the metric families export the task's series (binary ones
 * exactly as before), the feedback labels are read by task, and audit lines keep binary bytes while
 * carrying a class name or a value.
 */
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { BANK_SCHEMA } from '../src/data/model-schema.js';
import { buildPredictionBaseline, buildPredictionBaselineForTask, multiclassConfidenceEdges, type NumericBaseline } from '../src/model/baseline.js';
import { multiclassHoldout, multiclassMetricsOfPairs } from '../src/model/task-evaluation.js';
import { evaluateMulticlass, evaluateRegression } from '../src/model/task-metrics.js';
import { createPredictionLineWriter } from '../src/monitoring/audit/prediction-line.js';
import { DriftMonitor } from '../src/monitoring/drift/drift-monitor.js';
import { createFeedbackMetrics } from '../src/monitoring/metrics/feedback.js';
import { createModelQualityMetrics } from '../src/monitoring/metrics/model-quality.js';
import { createPredictionMetrics, GENERIC_VALUE_BUCKETS } from '../src/monitoring/metrics/predictions.js';
import { InMemoryPredictionStore } from '../src/monitoring/quality/prediction-store.js';
import { QualityMonitor } from '../src/monitoring/quality/quality-monitor.js';
import { MulticlassQualityWindow, RegressionQualityWindow } from '../src/monitoring/quality/task-windows.js';
import { labelReader } from '../src/server/feedback-labels.js';
import { sampleValue } from './helpers/fixtures.js';
import { MULTICLASS_SCHEMA, REGRESSION_SCHEMA, argmaxRows, multiclassScorer, referenceRows, regressionScorer, scoreRows, taskModel } from './helpers/task-models.js';

const close = (a: number, b: number, eps = 1e-12) => assert.ok(Math.abs(a - b) <= eps, `${a} ≠ ${b}`);

describe('multiclass and regression metrics', () => {
  test("the confusion figures are scikit-learn's accuracy and macro precision/recall/F1 (zero_division=0) and the holdout's (evaluateMulticlass), bit for bit", () => {
    // sklearn: y_true=[0,1,2,2,1,0], y_pred=[0,2,2,2,1,1]: accuracy 4/6; precision [1, .5, 2/3] → 0.7222;
    // recall [.5, .5, 1] → 0.6667; f1 [2/3, .5, .8] → 0.6556.
    const actual = [0, 1, 2, 2, 1, 0];
    const predicted = [0, 2, 2, 2, 1, 1];
    const m = multiclassMetricsOfPairs(actual, predicted, 3);
    close(m.accuracy, 4 / 6);
    close(m.precision, (1 + 0.5 + 2 / 3) / 3);
    close(m.recall, (0.5 + 0.5 + 1) / 3);
    close(m.f1, (2 / 3 + 0.5 + 0.8) / 3);
    assert.deepEqual(m.classRecall, [0.5, 0.5, 1]);
    const oneHot = Float64Array.from(predicted.flatMap((p) => [0, 1, 2].map((c) => (c === p ? 0.9 : 0.05))));
    const { logLoss: _, ...holdout } = multiclassHoldout(evaluateMulticlass(actual, oneHot, 3));
    assert.deepEqual(m, holdout, 'live and holdout by one definition');
    // Macro averages over every class of the model (labels=range(C)); a class never seen has recall NaN per class.
    const absent = multiclassMetricsOfPairs([0, 1], [0, 1], 4);
    assert.equal(absent.precision, 0.5);
    assert.ok(Number.isNaN(absent.classRecall[3]));
    assert.throws(() => multiclassMetricsOfPairs([0, 3], [0, 1], 3), RangeError);
  });

  test('the live multiclass window equals evaluateMulticlass over its last N pairs', () => {
    const window = new MulticlassQualityWindow(50, 4);
    const predicted: number[] = [];
    const actual: number[] = [];
    for (let i = 0; i < 137; i++) {
      const p = (i * 7) % 4;
      const a = i % 5 === 0 ? (p + 1) % 4 : p;
      window.add(p, a);
      predicted.push(p);
      actual.push(a);
    }
    assert.equal(window.size, 50);
    assert.deepEqual(window.metrics(), multiclassMetricsOfPairs(actual.slice(-50), predicted.slice(-50), 4));
    assert.throws(() => window.add(4, 0), RangeError);
    window.clear();
    assert.equal(window.metrics(), undefined);
  });

  test('the live regression window equals evaluateRegression over its last N values', () => {
    const window = new RegressionQualityWindow(40);
    const predicted: number[] = [];
    const actual: number[] = [];
    for (let i = 0; i < 101; i++) {
      predicted.push(i * 1.5);
      actual.push(i * 1.5 + Math.sin(i) * 3);
      window.add(predicted[i], actual[i]);
    }
    const want = evaluateRegression(actual.slice(-40), predicted.slice(-40));
    assert.ok(want.mae > 0);
    const got = window.metrics()!;
    close(got.mae, want.mae);
    close(got.rmse, want.rmse);
    assert.throws(() => window.add(Number.NaN, 1), RangeError);
  });

  test('the quality monitor picks the window of the serving task and starts it empty on a switch', () => {
    const quality = new QualityMonitor({ storeMaxEntries: 100, storeTtlSeconds: 60, windowSize: 10, minLabels: 2 });
    quality.setServingVersion('v1', 'multiclass', 3);
    quality.remember('a', 2, 0.7, 'v1', 0);
    quality.remember('b', 1, 0.6, 'v1', 0);
    quality.label('a', 2, 1);
    quality.label('b', 0, 1);
    assert.deepEqual(quality.live(), multiclassMetricsOfPairs([2, 0], [2, 1], 3));
    quality.setServingVersion('v2', 'regression');
    assert.equal(quality.window.size, 0);
    quality.remember('c', 0, Number.NaN, 'v2', 0, 10);
    quality.remember('d', 0, Number.NaN, 'v2', 0, 20);
    quality.label('c', 12, 1);
    quality.label('d', 20, 1);
    assert.deepEqual(quality.live(), { mae: 1, rmse: Math.sqrt(2) });
  });
});

describe('the prediction store with class indices and values', () => {
  test('keeps a class index up to C−1 and a regression value exactly; duplicates and conflicts by the stored label', () => {
    const store = new InMemoryPredictionStore({ maxEntries: 4, ttlSeconds: 60 });
    store.remember('mc', { predicted: 7, confidence: 0.41, modelVersion: 'v1', timeMs: 0 });
    store.remember('rg', { predicted: 0, confidence: Number.NaN, value: 152.0625, modelVersion: 'v2', timeMs: 0 });
    const mc = store.label('mc', 5, 1_000);
    assert.equal(mc.status, 'joined');
    assert.deepEqual(mc.status === 'joined' && mc.prediction, { predicted: 7, confidence: 0.41, modelVersion: 'v1', timeMs: 0 });
    const rg = store.label('rg', 149.5, 2_000);
    assert.equal(rg.status === 'joined' && rg.prediction.value, 152.0625);
    assert.equal(rg.status === 'joined' && rg.actual, 149.5);
    assert.equal(store.label('rg', 149.5, 3_000).status, 'duplicate');
    const conflict = store.label('rg', 150, 3_000);
    assert.equal(conflict.status, 'conflict');
    assert.equal(conflict.status === 'conflict' && conflict.actual, 149.5);
    assert.equal(conflict.status === 'conflict' && conflict.given, 150);
    assert.equal(store.label('mc', 5, 3_000).status, 'duplicate');
    assert.equal(store.labelled, 2);
    // A binary prediction reads back as before.
    store.remember('bin', { predicted: 1, confidence: 0.9, modelVersion: 'v3', timeMs: 0 });
    const bin = store.label('bin', 0, 10);
    assert.deepEqual(bin.status === 'joined' && bin.prediction, { predicted: 1, confidence: 0.9, modelVersion: 'v3', timeMs: 0 });
    assert.throws(() => store.remember('x', { predicted: 65_536, confidence: 0.5, modelVersion: 'v1', timeMs: 0 }), RangeError);
  });
});

describe('prediction baselines and drift by task', () => {
  test('buildPredictionBaselineForTask: binary as before, multiclass class shares and top-probability bins from 1/C, regression value bins', () => {
    const proba = [0.1, 0.7, 0.55, 0.95, 0.3];
    assert.deepEqual(buildPredictionBaselineForTask('binary', proba, ['no', 'yes']), buildPredictionBaseline(proba, 0.5));
    const rows = referenceRows(300);
    const outputs = scoreRows(multiclassScorer, rows);
    const mc = buildPredictionBaselineForTask('multiclass', outputs, MULTICLASS_SCHEMA.classes);
    const predicted = argmaxRows(outputs, 3);
    for (let c = 0; c < 3; c++) close(mc.classShares![c], predicted.filter((p) => p === c).length / 300);
    assert.deepEqual(mc.confidence!.upperEdges, multiclassConfidenceEdges(3));
    assert.deepEqual(multiclassConfidenceEdges(3), [0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99]);
    assert.equal(mc.confidence!.labels[0], '[0.3333,0.4]');
    close(mc.confidence!.shares.reduce((a, b) => a + b, 0), 1);
    const values = scoreRows(regressionScorer, rows);
    const rg = buildPredictionBaselineForTask('regression', values, []);
    assert.equal(rg.classShares, undefined);
    const bins = rg.value!;
    assert.ok(bins.labels.length >= 8 && bins.labels.length <= 10, bins.labels.join(' '));
    close(bins.shares.reduce((a, b) => a + b, 0), 1);
    assert.throws(() => buildPredictionBaselineForTask('multiclass', [0.5, 0.5], ['a', 'b', 'c']), RangeError);
  });

  test('a multiclass drift monitor bins the class by name and the top probability; its estimate is the mean top probability', () => {
    const model = taskModel('multiclass');
    const drift = new DriftMonitor(model.baseline, { windowSize: 100, windowSeconds: 3600, minSamples: 10 }, model.schema.features, model.schema);
    const signals = drift.signals.filter((s) => s.family === 'prediction');
    assert.deepEqual(signals.map((s) => s.name), ['class', 'confidence']);
    assert.deepEqual(signals[0].labels, ['low', 'mid', 'high']);
    const out = new Float64Array(3);
    let sum = 0;
    for (let i = 0; i < 20; i++) {
      const row = { x: 8, color: 'red' };
      model.predictOutputs(row, out);
      drift.observe(row, 2, Math.max(...out), i);
      sum += Math.max(...out);
    }
    drift.tick(30);
    assert.equal(signals[0].cumulative[2], 20);
    close(drift.estimatedAccuracy(), sum / 20);
    assert.ok(signals[0].psi! > 0.2, 'all "high": the class distribution drifted');
  });

  test('class shares that do not fit the classes (an older baseline) leave the output unmonitored rather than binning garbage', () => {
    const model = taskModel('multiclass');
    const binary = { ...model.baseline, predictions: buildPredictionBaseline([0.2, 0.9], 0.5) };
    const drift = new DriftMonitor(binary, { windowSize: 100, windowSeconds: 3600, minSamples: 10 }, model.schema.features, model.schema);
    assert.deepEqual(drift.signals.filter((s) => s.family === 'prediction'), []);
    drift.observe({ x: 1, color: 'red' }, 2, 0.6, 0);
    assert.equal(drift.window.size, 1);
  });

  test('a regression drift monitor bins the value in the reference bins and has no estimate', () => {
    const model = taskModel('regression');
    const drift = new DriftMonitor(model.baseline, { windowSize: 100, windowSeconds: 3600, minSamples: 10 }, model.schema.features, model.schema);
    const value = drift.signals.find((s) => s.family === 'prediction')!;
    assert.equal(value.name, 'value');
    assert.equal(drift.signals.filter((s) => s.family === 'prediction').length, 1);
    for (let i = 0; i < 20; i++) drift.observe({ x: 9.9, color: 'red' }, 0, Number.NaN, i, 1_000);
    drift.tick(30);
    assert.equal(value.cumulative[value.labels.length - 1], 20, 'far above the reference: the open last bin');
    assert.ok(value.psi! > 0.2);
    assert.ok(Number.isNaN(drift.estimatedAccuracy()));
  });
});

describe('metric families by task', () => {
  test('ml_predictions_by_class_total: binary "0"/"1" as before, multiclass class names; regression: ml_prediction_value on the reference bins', async () => {
    const registry = new Registry();
    const predictions = createPredictionMetrics(registry);
    predictions.observe(1, 0.8);
    let text = await registry.metrics();
    assert.equal(sampleValue(text, 'ml_predictions_by_class_total', { prediction_class: '1' }), 1);
    assert.equal(sampleValue(text, 'ml_predictions_by_class_total', { prediction_class: '0' }), 0);
    for (const le of ['0.5', '0.6', '0.7', '0.8', '0.9', '0.95', '0.99']) assert.ok(sampleValue(text, 'ml_prediction_confidence_bucket', { le }) !== undefined, `bucket ${le} kept`);
    predictions.setModel({ schema: MULTICLASS_SCHEMA });
    predictions.observe(2, 0.35);
    text = await registry.metrics();
    assert.equal(sampleValue(text, 'ml_predictions_by_class_total', { prediction_class: 'high' }), 1);
    assert.equal(sampleValue(text, 'ml_predictions_by_class_total', { prediction_class: 'low' }), 0);
    assert.equal(sampleValue(text, 'ml_prediction_confidence_bucket', { le: '0.3' }), 0);
    assert.equal(sampleValue(text, 'ml_prediction_confidence_bucket', { le: '0.4' }), 1);
    const model = taskModel('regression');
    predictions.setModel(model);
    predictions.observe(0, Number.NaN, 12.5);
    text = await registry.metrics();
    assert.equal(sampleValue(text, 'ml_prediction_value_count'), 1);
    assert.equal(sampleValue(text, 'ml_prediction_value_sum'), 12.5);
    assert.equal(sampleValue(text, 'ml_predictions_total'), 3);
    assert.equal(sampleValue(text, 'ml_prediction_confidence_count'), 2, 'a value has no confidence');
    const edges = (model.baseline.predictions!.value as NumericBaseline).upperEdges;
    assert.ok(sampleValue(text, 'ml_prediction_value_bucket', { le: String(edges[0]) }) !== undefined);
    predictions.setModel({ schema: REGRESSION_SCHEMA });
    text = await registry.metrics();
    assert.ok(sampleValue(text, 'ml_prediction_value_bucket', { le: String(GENERIC_VALUE_BUCKETS[0]) }) !== undefined, 'generic buckets without reference bins');
  });

  test('the model family: binary as before; multiclass class recall; regression MAE/RMSE and no accuracy family', async () => {
    const registry = new Registry();
    const quality = createModelQualityMetrics(registry);
    quality.setServingModel({ version: 'v1', type: 'gbdt', loadSeconds: 0.1, holdout: { accuracy: 0.9, precision: 0.6, recall: 0.5, f1: 0.55, auc: 0.93 } });
    quality.setLiveQuality('v1', { accuracy: 0.8, precision: 0.5, recall: 0.4, f1: 0.44 });
    let text = await registry.metrics();
    assert.equal(sampleValue(text, 'ml_model_accuracy', { model_version: 'v1', source: 'holdout' }), 0.9);
    assert.equal(sampleValue(text, 'ml_model_f1_score', { model_version: 'v1', source: 'live' }), 0.44);
    assert.ok(!text.includes('ml_model_class_recall{') && !text.includes('ml_model_mae{'));
    const mc = taskModel('multiclass', 'v2');
    quality.setServingModel(mc);
    quality.setLiveQuality('v2', { accuracy: 0.5, precision: 0.4, recall: 0.45, f1: 0.42, classRecall: [1, 0, Number.NaN] });
    text = await registry.metrics();
    assert.equal(sampleValue(text, 'ml_model_accuracy', { model_version: 'v1' }), undefined, 'the previous version is gone');
    assert.equal(sampleValue(text, 'ml_model_class_recall', { model_version: 'v2', source: 'live', class: 'low' }), 1);
    assert.equal(sampleValue(text, 'ml_model_class_recall', { model_version: 'v2', source: 'live', class: 'high' }), undefined, 'no labels, no series');
    assert.ok(sampleValue(text, 'ml_model_class_recall', { model_version: 'v2', source: 'holdout', class: 'high' })! > 0);
    quality.setLiveQuality('v2', undefined);
    text = await registry.metrics();
    assert.equal(sampleValue(text, 'ml_model_class_recall', { model_version: 'v2', source: 'live', class: 'low' }), undefined);
    const rg = taskModel('regression', 'v3');
    quality.setServingModel(rg);
    quality.setLiveQuality('v3', { mae: 2.5, rmse: 3 });
    text = await registry.metrics();
    assert.equal(sampleValue(text, 'ml_model_mae', { model_version: 'v3', source: 'live' }), 2.5);
    assert.equal(sampleValue(text, 'ml_model_rmse', { model_version: 'v3', source: 'live' }), 3);
    assert.equal(sampleValue(text, 'ml_model_mae', { model_version: 'v3', source: 'holdout' }), (rg.holdout as { mae: number }).mae);
    assert.ok(!text.includes('ml_model_accuracy{'), 'no accuracy family for a regression model');
  });

  test('feedback counters: binary cells as before, C² cells by class name, regression error sums', async () => {
    const registry = new Registry();
    const feedback = createFeedbackMetrics(registry, () => undefined);
    feedback.addVersion('v1', BANK_SCHEMA);
    feedback.addVersion('v2', MULTICLASS_SCHEMA);
    feedback.addVersion('v3', REGRESSION_SCHEMA);
    const joined = (modelVersion: string, predicted: number, actual: number, value?: number) =>
      feedback.record({ status: 'joined', prediction: { predicted, confidence: 0.5, modelVersion, timeMs: 0, ...(value === undefined ? {} : { value }) }, actual, delaySeconds: 1 });
    joined('v1', 1, 0);
    joined('v2', 0, 2);
    joined('v2', 0, 2);
    joined('v2', 5, 1); // not a class of v2: not counted
    joined('v3', 0, 10, 13);
    joined('v3', 0, 10, 9);
    const text = await registry.metrics();
    assert.equal(sampleValue(text, 'ml_feedback_total', { model_version: 'v1', predicted_class: '1', actual_class: '0' }), 1);
    assert.equal(sampleValue(text, 'ml_feedback_total', { model_version: 'v1', predicted_class: '0', actual_class: '0' }), 0);
    assert.equal(sampleValue(text, 'ml_feedback_total', { model_version: 'v2', predicted_class: 'low', actual_class: 'high' }), 2);
    assert.equal(text.split('\n').filter((l) => l.startsWith('ml_feedback_total{') && l.includes('model_version="v2"')).length, 9);
    assert.equal(sampleValue(text, 'ml_feedback_regression_total', { model_version: 'v3' }), 2);
    assert.equal(sampleValue(text, 'ml_feedback_absolute_error_total', { model_version: 'v3' }), 4);
    assert.equal(sampleValue(text, 'ml_feedback_squared_error_total', { model_version: 'v3' }), 10);
    assert.equal(sampleValue(text, 'ml_feedback_total', { model_version: 'v3' }), undefined);
  });
});

describe('labels and audit lines by task', () => {
  test('feedback labels: binary 0/1 and the class names (and "no"/"yes"), multiclass names or indices, regression numbers', () => {
    const bank = labelReader(BANK_SCHEMA);
    assert.deepEqual([0, 1, 'no', 'yes'].map((v) => bank(v, 'actual')), [0, 1, 0, 1].map((actual) => ({ ok: true, actual })));
    const bad = bank(2, 'actual');
    assert.deepEqual(bad, { ok: false, problem: { field: 'actual', reason: 'wrong_type', expected: '0, 1, "no" or "yes"', got: 2 } });
    const cancer = labelReader({ task: 'binary', classes: ['malignant', 'benign'] });
    assert.deepEqual(['benign', 'yes', 0].map((v) => cancer(v, 'actual')), [1, 1, 0].map((actual) => ({ ok: true, actual })));
    const mc = labelReader(MULTICLASS_SCHEMA);
    assert.deepEqual(['mid', 2].map((v) => mc(v, 'actual')), [1, 2].map((actual) => ({ ok: true, actual })));
    assert.equal((mc('yes', 'actual') as { ok: false; problem: { reason: string } }).problem.reason, 'unknown_category');
    const rg = labelReader(REGRESSION_SCHEMA);
    assert.deepEqual(rg(-3.25, 'actual'), { ok: true, actual: -3.25 });
    assert.equal(rg('3', 'actual').ok, false);
  });

  test('a binary line keeps its bytes; a multiclass line adds the (escaped) class name; a regression line has the value', () => {
    const written: string[] = [];
    const write = createPredictionLineWriter({ write: (line: string) => void written.push(line) }, 'svc');
    const common = { request_id: 'r1', endpoint: '/predict', duration: 1.5, model_type: 'gbdt', model_version: 'v1', input_hash: '0123456789abcdef' };
    write({ ...common, prediction: 1, confidence: 0.8, probability: 0.8 });
    write({ ...common, model_version: 'v2', prediction: 2, label: 'big "one"', confidence: 0.41, probability: 0.41 });
    write({ ...common, model_version: 'v3', prediction: 0, confidence: Number.NaN, probability: Number.NaN, value: 152.5 });
    write({ ...common, model_version: 'v1', prediction: 0, confidence: 0.7, probability: 0.3 });
    const statics = `"log.level":"info","level":"INFO","process.pid":${process.pid},"host.hostname":${JSON.stringify(hostname())},"ecs.version":"8.10.0","service.name":"svc","event.dataset":"svc.audit"`;
    const end = ',"model_type":"gbdt","model_version":"v1","input_hash":"0123456789abcdef","event":{"action":"predict","outcome":"success"},"message":"prediction"}\n';
    const body = (line: string) => line.replace(/^\{"@timestamp":"[^"]+",/, '');
    assert.equal(body(written[0]), `${statics},"request_id":"r1","endpoint":"/predict","prediction":1,"confidence":0.8,"probability":0.8,"duration":1.5${end}`);
    assert.equal(body(written[3]), `${statics},"request_id":"r1","endpoint":"/predict","prediction":0,"confidence":0.7,"probability":0.3,"duration":1.5${end}`);
    const mc = JSON.parse(written[1]);
    assert.equal(mc.label, 'big "one"');
    assert.equal(mc.prediction, 2);
    const rg = JSON.parse(written[2]);
    assert.equal(rg.value, 152.5);
    assert.equal('prediction' in rg || 'confidence' in rg || 'probability' in rg, false);
  });
});
