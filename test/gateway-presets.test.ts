/**
 * Every gateway preset on the bodies its servers really exchange — single rows and batches — and
 * encode → extract round trips where a preset can drive its server. modelwatch's own answers come
 * from its own Open Inference writer here; test/gateway-presets-live.test.ts asks a running app.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BANK_SCHEMA, type ModelSchema } from '../src/data/model-schema.js';
import { PRESETS } from '../src/gateway/mapping/presets/index.js';
import { routeOf } from '../src/gateway/mapping/routes.js';
import type { ExtractionContext, MappedRoute, Mapping, RawRow } from '../src/gateway/mapping/types.js';
import { outputTensors, readInferRequest } from '../src/server/open-inference/tensors.js';
import { failureOf, observedOf } from './helpers/extraction.js';

function route(mapping: Mapping, path: string, method = 'POST'): MappedRoute {
  const found = routeOf(mapping, method, path);
  assert.ok(found, `${mapping.name} declares ${method} ${path}`);
  return found;
}

const ROW_A = { age: 30, job: 'admin.', marital: 'single', balance: 1200 };
const ROW_B = { age: 58, job: 'retired', marital: 'married', balance: -40 };
const IRIS: ModelSchema = {
  features: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'].map((name) => ({ name, kind: 'numeric', integer: false, min: 0, max: 10, default: 1, required: true, description: '' })),
  task: 'multiclass',
  classes: ['setosa', 'versicolor', 'virginica'],
  target: { name: 'species' },
};
const IRIS_NAMES = IRIS.features.map((f) => f.name);

describe('native: modelwatch\'s own /predict and /predict/batch', () => {
  const predict = route(PRESETS.native, '/predict');
  const batch = route(PRESETS.native, '/predict/batch');

  test('a binary answer: the class name is read over its index', () => {
    const answer = { request_id: 'r1', prediction: 1, label: 'yes', confidence: 0.81, probability: 0.81, model_version: 'v3' };
    assert.deepEqual(observedOf(predict.extract(ROW_A, answer, {})), { rows: [ROW_A], outputs: [{ label: 'yes', confidence: 0.81, probability: 0.81 }] });
  });

  test('a multiclass answer\'s probabilities by class name come out in the class order', () => {
    const answer = { request_id: 'r1', prediction: 2, label: 'virginica', confidence: 0.7, probability: 0.7, probabilities: { virginica: 0.7, setosa: 0.1, versicolor: 0.2 }, model_version: 'v1' };
    const [output] = observedOf(predict.extract({ sepal_length: 6.3 }, answer, { classes: IRIS.classes })).outputs;
    assert.deepEqual(output.probabilities, [0.1, 0.2, 0.7]);
  });

  test('a regression answers its value alone', () => {
    assert.deepEqual(observedOf(predict.extract({ rooms: 3 }, { request_id: 'r', value: 231_500.5, model_version: 'v1' }, {})).outputs, [{ value: 231_500.5 }]);
  });

  test('a batch: rows in, one prediction per row out; encode → extract', () => {
    const answer = { request_id: 'b', model_version: 'v3', predictions: [{ request_id: 'b:0', prediction: 0, label: 'no', confidence: 0.9, probability: 0.1 }, { request_id: 'b:1', prediction: 1, label: 'yes', confidence: 0.6, probability: 0.6 }] };
    const encoded = batch.encode?.([ROW_A, ROW_B], BANK_SCHEMA);
    assert.deepEqual(encoded, { path: '/predict/batch', body: { rows: [ROW_A, ROW_B] } });
    const observed = observedOf(batch.extract(encoded?.body, answer, {}));
    assert.deepEqual(observed.rows, [ROW_A, ROW_B]);
    assert.deepEqual(observed.outputs.map((o) => o.label), ['no', 'yes']);
    assert.equal(failureOf(batch.extract({ rows: [ROW_A, ROW_B] }, { predictions: [answer.predictions[0]] }, {})).reason, 'row_count_mismatch');
    assert.deepEqual(predict.encode?.([ROW_A], BANK_SCHEMA), { path: '/predict', body: ROW_A });
    assert.equal(predict.encode?.([ROW_A, ROW_B], BANK_SCHEMA), undefined, '/predict takes one row');
  });
});

describe('v2: the Open Inference Protocol', () => {
  const infer = route(PRESETS.v2, '/v2/models/bank/infer');
  const versioned = route(PRESETS.v2, '/v2/models/bank/versions/3/infer');
  const bankFeatures = BANK_SCHEMA.features.map((f) => f.name);

  test('modelwatch\'s own answer (its output writer) to one tensor per feature', () => {
    const request = {
      id: 'q1',
      inputs: [
        { name: 'age', datatype: 'INT64', shape: [2], data: [30, 58] },
        { name: 'job', datatype: 'BYTES', shape: [2, 1], data: [['admin.'], ['retired']] },
      ],
    };
    const outputs = outputTensors([{ prediction: 1, probability: 0.8 }, { prediction: 0, probability: 0.3 }], BANK_SCHEMA, ['predict', 'probabilities']);
    const response = { model_name: 'bank', model_version: 'v3', id: 'q1', outputs };
    const observed = observedOf(versioned.extract(request, response, { featureNames: bankFeatures }));
    assert.deepEqual(observed.rows, [{ age: 30, job: 'admin.' }, { age: 58, job: 'retired' }]);
    assert.deepEqual(observed.outputs, [{ label: 'yes', probabilities: [0.19999999999999996, 0.8] }, { label: 'no', probabilities: [0.7, 0.3] }]);
  });

  test('one [N, F] tensor: named by the model\'s features, else f0…; data flat or nested', () => {
    const flat = { inputs: [{ name: 'input-0', datatype: 'FP32', shape: [2, 4], data: [5.1, 3.5, 1.4, 0.2, 6.7, 3.0, 5.2, 2.3] }] };
    const nested = { inputs: [{ name: 'input-0', datatype: 'FP32', shape: [2, 4], data: [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]] }] };
    // MLServer's sklearn runtime: `predict` is the class per row, `predict_proba` [N, C].
    const mlserver = {
      model_name: 'iris',
      outputs: [
        { name: 'predict', datatype: 'INT64', shape: [2, 1], data: [0, 2] },
        { name: 'predict_proba', datatype: 'FP64', shape: [2, 3], data: [0.97, 0.03, 0, 0.01, 0.2, 0.79] },
      ],
    };
    const named = observedOf(infer.extract(nested, mlserver, { featureNames: IRIS_NAMES }));
    assert.deepEqual(named.rows[1], { sepal_length: 6.7, sepal_width: 3.0, petal_length: 5.2, petal_width: 2.3 });
    assert.deepEqual(named.outputs, [{ label: 0, probabilities: [0.97, 0.03, 0] }, { label: 2, probabilities: [0.01, 0.2, 0.79] }]);
    assert.deepEqual(observedOf(infer.extract(flat, mlserver, {})).rows[0], { f0: 5.1, f1: 3.5, f2: 1.4, f3: 0.2 });
    assert.equal(failureOf(infer.extract(flat, mlserver, { featureNames: ['a', 'b'] })).reason, 'features_not_found');
  });

  test('KServe\'s sklearn server: one unnamed output, the class per row; a regressor\'s floats are values', () => {
    const request = { inputs: [{ name: 'input-0', shape: [1, 4], datatype: 'FP32', data: [[6.8, 2.8, 4.8, 1.4]] }] };
    assert.deepEqual(observedOf(infer.extract(request, { model_name: 'sklearn-iris', outputs: [{ name: 'output-0', shape: [1], datatype: 'INT32', data: [1] }] }, {})).outputs, [{ label: 1 }]);
    const regressor = { outputs: [{ name: 'predict', datatype: 'FP64', shape: [1, 1], data: [151.7] }] };
    assert.deepEqual(observedOf(infer.extract(request, regressor, {})).outputs, [{ value: 151.7 }]);
    assert.deepEqual(observedOf(infer.extract(request, { outputs: [{ name: 'predict', datatype: 'FP64', shape: [1], data: [3] }] }, { task: 'regression' })).outputs, [{ value: 3 }]);
    // A Triton-style model with outputs named by neither convention: [N, C] is probabilities.
    const triton = { outputs: [{ name: 'OUTPUT__0', datatype: 'FP32', shape: [1, 3], data: [0.1, 0.8, 0.1] }] };
    assert.deepEqual(observedOf(infer.extract(request, triton, {})).outputs, [{ probabilities: [0.1, 0.8, 0.1] }]);
    // A binary probability output [N] is the positive class's probability.
    const binary = { outputs: [{ name: 'probability', datatype: 'FP64', shape: [1], data: [0.42] }] };
    assert.deepEqual(observedOf(infer.extract(request, binary, {})).outputs, [{ probability: 0.42 }]);
  });

  test('a regression model answered by modelwatch: the value output', () => {
    const request = { inputs: [{ name: 'rooms', datatype: 'INT64', shape: [2], data: [3, 5] }] };
    const schema: ModelSchema = { ...BANK_SCHEMA, task: 'regression', classes: [] };
    const response = { outputs: outputTensors([{ prediction: 0, probability: 0, value: 210_000 }, { prediction: 0, probability: 0, value: 390_500.25 }], schema, ['value']) };
    assert.deepEqual(observedOf(infer.extract(request, response, {})).outputs, [{ value: 210_000 }, { value: 390_500.25 }]);
  });

  test('what cannot be read', () => {
    const request = { inputs: [{ name: 'age', datatype: 'INT64', shape: [2], data: [30, 58] }] };
    const answer = (n: number) => ({ outputs: [{ name: 'predict', datatype: 'BYTES', shape: [n], data: Array(n).fill('no') }] });
    assert.equal(failureOf(infer.extract(request, answer(3), {})).reason, 'row_count_mismatch');
    assert.equal(failureOf(infer.extract({ inputs: [] }, answer(2), {})).reason, 'features_not_found');
    assert.equal(failureOf(infer.extract({ inputs: [{ name: 'age', datatype: 'INT64', shape: [3], data: [1, 2] }] }, answer(2), {})).reason, 'features_not_found');
    assert.equal(failureOf(infer.extract({ inputs: [{ name: 'age', shape: [2], data: [1, 2] }, { name: 'job', shape: [3], data: ['a', 'b', 'c'] }] }, answer(2), {})).reason, 'features_not_found');
    assert.equal(failureOf(infer.extract([1, 2], answer(2), {})).reason, 'request_unreadable');
    assert.equal(failureOf(infer.extract(request, { error: 'model not ready' }, {})).reason, 'prediction_not_found');
    assert.equal(failureOf(infer.extract(request, { outputs: [{ name: 'embedding', datatype: 'FP32', shape: [2, 2, 8], data: Array(32).fill(0) }] }, {})).reason, 'prediction_not_found');
  });

  test('encode → modelwatch\'s own request reader → extract: the same rows', () => {
    const rows: RawRow[] = [
      { ...Object.fromEntries(BANK_SCHEMA.features.map((f) => [f.name, f.default])), age: 44, job: 'technician' },
      Object.fromEntries(BANK_SCHEMA.features.map((f) => [f.name, f.default])),
    ];
    const encoded = infer.encode?.(rows, BANK_SCHEMA, { name: 'bank' });
    assert.equal(encoded?.path, '/v2/models/bank/infer');
    assert.deepEqual(readInferRequest(encoded?.body, BANK_SCHEMA, 100).bodies, rows, 'modelwatch\'s /v2 reads the body as these rows');
    const response = { outputs: outputTensors([{ prediction: 1, probability: 0.7 }, { prediction: 0, probability: 0.2 }], BANK_SCHEMA, ['predict']) };
    assert.deepEqual(observedOf(infer.extract(encoded?.body, response, { featureNames: bankFeatures })).rows, rows);
    assert.equal(versioned.encode?.(rows, BANK_SCHEMA, { name: 'bank' }), undefined, 'the versioned route needs a version');
    assert.equal(versioned.encode?.(rows, BANK_SCHEMA, { name: 'bank', version: '3' })?.path, '/v2/models/bank/versions/3/infer');
  });
});

describe('flask: POST /predict with a flat row object', () => {
  const predict = route(PRESETS.flask, '/predict');

  test('one row; the answer\'s prediction is a class index, a class name, or a one-element list', () => {
    assert.deepEqual(observedOf(predict.extract(ROW_A, { prediction: 1, confidence: 0.83 }, {})), { rows: [ROW_A], outputs: [{ label: 1, confidence: 0.83 }] });
    assert.deepEqual(observedOf(predict.extract(ROW_A, { prediction: 'yes', probability: 0.71 }, {})).outputs, [{ label: 'yes', probability: 0.71 }]);
    // jsonify({"prediction": model.predict(df).tolist()}) for one row.
    assert.deepEqual(observedOf(predict.extract(ROW_A, { prediction: [0], probability: [0.12] }, {})).outputs, [{ label: 0, probability: 0.12 }]);
    assert.deepEqual(observedOf(predict.extract(ROW_A, { prediction: true }, {})).outputs, [{ label: 1 }]);
    // A regressor's prediction is a value: by the task, or by not being a whole number.
    assert.deepEqual(observedOf(predict.extract({ rooms: 3 }, { prediction: 231_500.5 }, {})).outputs, [{ value: 231_500.5 }]);
    assert.deepEqual(observedOf(predict.extract({ rooms: 3 }, { prediction: 231_500 }, { task: 'regression' })).outputs, [{ value: 231_500 }]);
  });

  test('a list of rows answered by a list of answers, or by one object of lists', () => {
    const rows = [ROW_A, ROW_B];
    assert.deepEqual(observedOf(predict.extract(rows, [{ prediction: 0, confidence: 0.9 }, { prediction: 1, confidence: 0.55 }], {})).outputs, [{ label: 0, confidence: 0.9 }, { label: 1, confidence: 0.55 }]);
    assert.deepEqual(observedOf(predict.extract(rows, { prediction: ['no', 'yes'], probabilities: [[0.9, 0.1], [0.4, 0.6]] }, {})).outputs, [{ label: 'no', probabilities: [0.9, 0.1] }, { label: 'yes', probabilities: [0.4, 0.6] }]);
    assert.deepEqual(observedOf(predict.extract(rows, { predictions: [0, 1] }, {})).outputs, [{ label: 0 }, { label: 1 }]);
  });

  test('values sent as {"features": [...]}, named by the model\'s features', () => {
    const observed = observedOf(predict.extract({ features: [5.1, 3.5, 1.4, 0.2] }, { prediction: 'setosa' }, { featureNames: IRIS_NAMES }));
    assert.deepEqual(observed.rows, [{ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }]);
    assert.equal(observedOf(predict.extract({ features: [[5.1, 3.5, 1.4, 0.2], [6.2, 2.9, 4.3, 1.3]] }, ['setosa', 'versicolor'], {})).rows.length, 2);
  });

  test('encode sends one row object; extract reads it back', () => {
    const encoded = predict.encode?.([ROW_B], BANK_SCHEMA);
    assert.deepEqual(encoded, { path: '/predict', body: ROW_B });
    assert.deepEqual(observedOf(predict.extract(encoded?.body, { prediction: 0 }, {})).rows, [ROW_B]);
    assert.equal(predict.encode?.([ROW_A, ROW_B], BANK_SCHEMA), undefined);
  });
});

describe('bentoml: JSON IO under /predict and /classify', () => {
  const classify = route(PRESETS.bentoml, '/classify');

  test('answers as a scalar, a list of scalars, an object, a list of objects', () => {
    assert.deepEqual(observedOf(classify.extract(ROW_A, 1, {})).outputs, [{ label: 1 }]);
    assert.deepEqual(observedOf(classify.extract(ROW_A, 'yes', {})).outputs, [{ label: 'yes' }]);
    assert.deepEqual(observedOf(classify.extract([ROW_A, ROW_B], ['no', 'yes'], {})).outputs, [{ label: 'no' }, { label: 'yes' }]);
    assert.deepEqual(observedOf(classify.extract(ROW_A, { label: 'yes', probability: 0.66 }, {})).outputs, [{ label: 'yes', probability: 0.66 }]);
    assert.deepEqual(observedOf(classify.extract([ROW_A, ROW_B], [{ prediction: 'no', score: 0.8 }, { prediction: 'yes', score: 0.7 }], {})).outputs, [{ label: 'no', confidence: 0.8 }, { label: 'yes', confidence: 0.7 }]);
    // A binary model's bare probability.
    assert.deepEqual(observedOf(classify.extract(ROW_A, 0.66, { task: 'binary' })).outputs, [{ probability: 0.66 }]);
    // One row answered by predict_proba's row.
    assert.deepEqual(observedOf(classify.extract(ROW_A, [0.34, 0.66], {})).outputs, [{ probabilities: [0.34, 0.66] }]);
    assert.equal(failureOf(classify.extract([ROW_A, ROW_B], ['no'], {})).reason, 'row_count_mismatch');
    assert.equal(failureOf(classify.extract(42, 'yes', {})).reason, 'request_unreadable');
    assert.equal(route(PRESETS.bentoml, '/predict').encode?.([ROW_A], BANK_SCHEMA)?.path, '/predict');
  });
});

describe('text: a text-classification API', () => {
  const predict = route(PRESETS.text, '/predict');
  const vocabulary = new Set(['the', 'film', 'was', 'great']);
  const context: ExtractionContext = { vocabulary };

  test('{"request": {"text"}} answered by {"response": {...}}: rows are the text\'s features', () => {
    const observed = observedOf(predict.extract({ request: { text: 'The film was GREAT!' } }, { response: { sentiment: 'positive', confidence: 0.97 } }, context));
    assert.deepEqual(observed.rows, [{ text_length: 19, token_count: 4, oov_share: 0 }]);
    assert.deepEqual(observed.outputs, [{ label: 'positive', confidence: 0.97 }]);
  });

  test('{"text"} answered by {"label", "score"}, by a pipeline\'s [{"label", "score"}], by its top_k list', () => {
    const request = { text: 'the plot was thin' };
    const expected = [{ label: 'NEGATIVE', confidence: 0.91 }];
    assert.deepEqual(observedOf(predict.extract(request, { label: 'NEGATIVE', score: 0.91 }, context)).outputs, expected);
    assert.deepEqual(observedOf(predict.extract(request, [{ label: 'NEGATIVE', score: 0.91 }], context)).outputs, expected);
    assert.deepEqual(observedOf(predict.extract(request, [{ label: 'POSITIVE', score: 0.09 }, { label: 'NEGATIVE', score: 0.91 }], context)).outputs, expected);
    assert.deepEqual(observedOf(predict.extract(request, { response: { prediction: 'NEGATIVE', score: 0.91 } }, context)).rows, [{ text_length: 17, token_count: 4, oov_share: 0.5 }]);
  });

  test('a batch of texts, with and without a vocabulary', () => {
    const request = { inputs: ['great film', 'awful'] };
    const answer = [[{ label: 'POSITIVE', score: 0.99 }, { label: 'NEGATIVE', score: 0.01 }], [{ label: 'NEGATIVE', score: 0.95 }, { label: 'POSITIVE', score: 0.05 }]];
    const observed = observedOf(predict.extract(request, answer, {}));
    assert.deepEqual(observed.rows, [{ text_length: 10, token_count: 2 }, { text_length: 5, token_count: 1 }]);
    assert.deepEqual(observed.outputs.map((o) => o.label), ['POSITIVE', 'NEGATIVE']);
  });

  test('what cannot be read; one text encoded at a time, in the API\'s own shape', () => {
    assert.equal(failureOf(predict.extract({ request: { query: 'x' } }, { label: 'a', score: 1 }, {})).reason, 'features_not_found');
    assert.equal(failureOf(predict.extract({ text: 42 }, { label: 'a', score: 1 }, {})).reason, 'features_not_found');
    assert.equal(failureOf(predict.extract({ text: 'x' }, { response: { reason: 'busy' } }, {})).reason, 'prediction_not_found');
    assert.equal(failureOf(predict.extract({ text: ['a', 'b'] }, [{ label: 'x', score: 0.5 }], {})).reason, 'row_count_mismatch');
    assert.deepEqual(predict.encode!([{ text: 'Go is amazing!' }], BANK_SCHEMA), { path: '/predict', body: { request: { text: 'Go is amazing!' } } });
    assert.equal(predict.encode!([{ text: 'a' }, { text: 'b' }], BANK_SCHEMA), undefined, 'not every text API takes a list');
    assert.equal(predict.encode!([{ text_length: 3 }], BANK_SCHEMA), undefined, 'texts are not rebuilt from features');
  });
});

describe('instances: TF Serving and KServe V1', () => {
  const predict = route(PRESETS.instances, '/v1/models/iris:predict');

  test('rows as arrays or objects; predictions as classes, probability lists or objects', () => {
    const request = { instances: [[6.8, 2.8, 4.8, 1.4], [6.0, 3.4, 4.5, 1.6]] };
    const classes = observedOf(predict.extract(request, { predictions: [1, 1] }, { featureNames: IRIS_NAMES }));
    assert.deepEqual(classes.rows[0], { sepal_length: 6.8, sepal_width: 2.8, petal_length: 4.8, petal_width: 1.4 });
    assert.deepEqual(classes.outputs, [{ label: 1 }, { label: 1 }]);
    // A Keras softmax model.
    assert.deepEqual(observedOf(predict.extract(request, { predictions: [[0.01, 0.9, 0.09], [0.02, 0.7, 0.28]] }, {})).outputs[1], { probabilities: [0.02, 0.7, 0.28] });
    // A Keras sigmoid model: one probability per instance, in a list of one.
    assert.deepEqual(observedOf(predict.extract({ instances: [ROW_A] }, { predictions: [[0.87]] }, { task: 'binary' })).outputs, [{ probability: 0.87 }]);
    assert.deepEqual(observedOf(predict.extract({ instances: [ROW_A] }, { predictions: [{ label: 'yes', probabilities: [0.2, 0.8] }] }, {})).outputs, [{ label: 'yes', probabilities: [0.2, 0.8] }]);
  });

  test('one prediction per instance, strictly; encode → extract', () => {
    // Two numbers for one instance are two predictions, not one row's probabilities.
    assert.equal(failureOf(predict.extract({ instances: [ROW_A] }, { predictions: [0.2, 0.8] }, {})).reason, 'row_count_mismatch');
    assert.equal(failureOf(predict.extract({ instances: [ROW_A] }, { error: 'bad input' }, {})).reason, 'prediction_not_found');
    const encoded = predict.encode?.([ROW_A, ROW_B], BANK_SCHEMA, { name: 'bank' });
    assert.deepEqual(encoded, { path: '/v1/models/bank:predict', body: { instances: [ROW_A, ROW_B] } });
    assert.deepEqual(observedOf(predict.extract(encoded?.body, { predictions: [0, 1] }, {})).rows, [ROW_A, ROW_B]);
  });
});
