/**
 * Reference profiles: built from a predictions column, or by scoring the reference rows through a
 * real model server (one of our own on node:http, and a real modelwatch server) — the baseline of
 * outputs is what the server answered; the schema and feature bins are what training infers and
 * bins; the version depends on the content only; broken files are refused naming the problem; a
 * text model is profiled on features derived from its text.
 */
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { writeLabelledCsv } from '../src/data/csv.js';
import { readCsvTable, rowsOf } from '../src/data/csv-table.js';
import { inferSchema } from '../src/data/infer-schema.js';
import { BANK_SCHEMA } from '../src/data/model-schema.js';
import { generateSynthetic } from '../src/data/synthetic.js';
import { ProfileInvalidError, ProfileUpstreamError } from '../src/errors.js';
import { buildProfile, profileVersion } from '../src/gateway/profile/build-profile.js';
import { modelOutputs } from '../src/gateway/profile/model-outputs.js';
import { parseProfile, readProfile } from '../src/gateway/profile/read-profile.js';
import { textFeatures, tokensOf } from '../src/gateway/mapping/text-features.js';
import type { ReferenceProfile } from '../src/gateway/profile/types.js';
import { buildPredictionBaseline, buildPredictionBaselineForTask } from '../src/model/baseline.js';
import { encodeLabels } from '../src/model/train-any.js';
import { trainingBaseline } from '../src/model/train-any-artifact.js';
import { startService, type RunningService } from '../src/server/serve.js';
import { closedPort } from './helpers/fake-elastic.js';
import { tempDir, trainedRegistry } from './helpers/fixtures.js';
import { nativeBatchRoute, scoreMapping, startScoringServer, writeChurnCsv } from './helpers/profile-fixtures.js';

const dir = tempDir('modelwatch-profile-');
const churn = join(dir, 'churn.csv');
let probabilities: number[];

before(() => {
  probabilities = writeChurnCsv(churn, 600);
});

const shareOf = (values: readonly string[], value: string) => values.filter((v) => v === value).length / values.length;

/** Shares equal to the last bit or so (a binary baseline writes 1 − p for class 0). */
function assertShares(actual: readonly number[] | undefined, expected: readonly number[]): void {
  assert.equal(actual?.length, expected.length, `${JSON.stringify(actual)} vs ${JSON.stringify(expected)}`);
  expected.forEach((share, i) => assert.ok(Math.abs(actual![i] - share) < 1e-12, `${JSON.stringify(actual)} vs ${JSON.stringify(expected)}`));
}

describe('a profile from a predictions column', () => {
  test('the schema is what `schema infer` infers (prediction columns left out), the features binned as training bins them', async () => {
    const { profile } = await buildProfile({ data: churn, target: 'churned', positive: 'churn', predictions: { from: 'column', column: 'predicted', probabilityColumns: ['p_churn'] } });
    const { schema } = await inferSchema(churn, { target: 'churned', positive: 'churn', drop: ['predicted', 'p_churn'] });
    assert.deepEqual(profile.schema, schema);
    assert.deepEqual(profile.schema.features.map((f) => f.name), ['tenure_months', 'plan', 'support_calls', 'monthly_fee']);
    const table = await readCsvTable(churn);
    const expected = trainingBaseline(schema, rowsOf(table, schema.features), encodeLabels(table, schema));
    assert.deepEqual(profile.baseline.features, expected.features);
    assert.deepEqual(profile.baseline.classShares, expected.classShares);
    assert.equal(profile.baseline.rows, 600);
    // The outputs are the probability column's: P(churn) as the model said it.
    assert.deepEqual(profile.baseline.predictions, buildPredictionBaseline(probabilities, 0.5));
    assert.equal(profile.name, 'churn');
    assert.equal(profile.threshold, 0.5);
    assert.equal(profile.source.predictions, 'column predicted, probability column p_churn');
    assert.equal(profile.source.rows, 600);
    // Quality on the reference: the labels against the predictions.
    const labels = table.rows.map((r) => r[4]);
    const predicted = table.rows.map((r) => r[5]);
    const accuracy = labels.filter((l, i) => l === predicted[i]).length / labels.length;
    assert.ok(profile.reference_quality && 'accuracy' in profile.reference_quality);
    assert.ok(Math.abs(profile.reference_quality.accuracy - accuracy) < 1e-12, `${profile.reference_quality.accuracy} vs ${accuracy}`);
  });

  test('class names alone: class shares of the column, confidences of certainties; --threshold moves the positive share', async () => {
    const { profile } = await buildProfile({ data: churn, target: 'churned', positive: 'churn', predictions: { from: 'column', column: 'predicted' } });
    const predicted = (await readCsvTable(churn)).rows.map((r) => r[5]);
    assertShares(profile.baseline.predictions?.classShares, [shareOf(predicted, 'stay'), shareOf(predicted, 'churn')]);
    assert.equal(profile.baseline.predictions?.confidence?.shares.at(-1), 1, 'every prediction certain');
    const strict = await buildProfile({ data: churn, target: 'churned', positive: 'churn', threshold: 0.9, predictions: { from: 'column', probabilityColumns: ['p_churn'] } });
    assert.equal(strict.profile.threshold, 0.9);
    assert.equal(strict.profile.baseline.predictions?.classShares?.[1], probabilities.filter((p) => p >= 0.9).length / probabilities.length);
  });

  test('a regression model: the values binned; its quality MAE and RMSE', async () => {
    const file = join(dir, 'prices.csv');
    const lines = ['size,rooms,price,predicted_price'];
    for (let i = 0; i < 200; i++) lines.push(`${40 + i},${1 + (i % 5)},${1000 + 25 * i + (i % 7)},${1000 + 25 * i}`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    const { profile } = await buildProfile({ data: file, target: 'price', predictions: { from: 'column', column: 'predicted_price' } });
    assert.equal(profile.schema.task, 'regression');
    assert.deepEqual(profile.baseline.predictions, buildPredictionBaselineForTask('regression', Float64Array.from({ length: 200 }, (_, i) => 1000 + 25 * i), []));
    assert.ok(profile.reference_quality && 'mae' in profile.reference_quality);
    assert.ok(Math.abs(profile.reference_quality.mae - 3) < 0.05, `mae ${profile.reference_quality.mae}`);
  });

  test('a multiclass model: probability columns in class order give the class shares of their top class and the confidence bins', async () => {
    const file = join(dir, 'flowers.csv');
    const lines = ['petal,species,p_a,p_b,p_c'];
    const outputs: number[] = [];
    for (let i = 0; i < 90; i++) {
      const p = i % 3 === 0 ? [0.7, 0.2, 0.1] : i % 3 === 1 ? [0.1, 0.5, 0.4] : [0.2, 0.35, 0.45];
      outputs.push(...p);
      lines.push(`${(i % 17) / 3},${['a', 'b', 'c'][i % 3]},${p.join(',')}`);
    }
    writeFileSync(file, `${lines.join('\n')}\n`);
    const { profile } = await buildProfile({ data: file, target: 'species', predictions: { from: 'column', probabilityColumns: ['p_a', 'p_b', 'p_c'] } });
    assert.equal(profile.schema.task, 'multiclass');
    assert.deepEqual(profile.baseline.predictions, buildPredictionBaselineForTask('multiclass', outputs, ['a', 'b', 'c']));
    assertShares(profile.baseline.predictions?.classShares, [1 / 3, 1 / 3, 1 / 3]);
    assert.deepEqual(profile.reference_quality, { accuracy: 1, precision: 1, recall: 1, f1: 1, classRecall: [1, 1, 1] });
    await assert.rejects(buildProfile({ data: file, target: 'species', predictions: { from: 'column', probabilityColumns: ['p_a', 'p_b'] } }), /needs one probability column per class, in class order \(a, b, c\), got 2/);
  });

  test('a prediction that is not a class is refused with its line', async () => {
    const file = join(dir, 'bad-prediction.csv');
    writeFileSync(file, 'x,y,pred\n1,a,a\n2,b,b\n3,a,c\n4,b,a\n');
    await assert.rejects(buildProfile({ data: file, target: 'y', predictions: { from: 'column', column: 'pred' } }), /line 4: label "c" is not one of the classes a, b/);
  });
});

describe('a profile scored through a model server', () => {
  test('the outputs are what the server answered, the class shares those of its answers; batches of --batch-size', async () => {
    const server = await startScoringServer();
    try {
      const progress: [number, number][] = [];
      const { profile } = await buildProfile({
        data: churn,
        target: 'churned',
        positive: 'churn',
        drop: ['predicted', 'p_churn'],
        predictions: { from: 'upstream', upstream: server.url, mapping: scoreMapping, batchSize: 64, timeoutSeconds: 10, onProgress: (scored, total) => progress.push([scored, total]) },
      });
      assert.deepEqual(server.batches, [...Array(9).fill(64), 600 - 9 * 64]);
      assert.deepEqual(progress.at(-1), [600, 600]);
      assert.equal(progress.length, 10);
      const classes = server.answered.map((a) => a.class);
      assertShares(profile.baseline.predictions?.classShares, [shareOf(classes, 'stay'), shareOf(classes, 'churn')]);
      assert.deepEqual(profile.baseline.predictions, buildPredictionBaseline(server.answered.map((a) => a.p), 0.5));
      assert.match(profile.source.predictions, new RegExp(`^upstream ${server.url} \\(preset score-test, POST /score\\)$`));
      // The server was sent the rows as requests carry them: numbers and category names.
      assert.ok(profile.reference_quality);
    } finally {
      await server.close();
    }
  });

  test('a real modelwatch server: the profile\'s outputs are the ones /predict/batch answers for the same rows', async () => {
    const data = join(dir, 'bank-reference.csv');
    await writeLabelledCsv(data, generateSynthetic({ rows: 450, seed: 11 }));
    const service: RunningService = await startService(loadConfig({}, { PORT: 0, HOST: '127.0.0.1', MODEL_DIR: trainedRegistry().dir, LOG_STDOUT: false, MONITOR_INTERVAL_SECONDS: 3600 }));
    try {
      const { profile } = await buildProfile({ data, target: 'y', name: 'bank', predictions: { from: 'upstream', upstream: service.url, mapping: { name: 'native', routes: [nativeBatchRoute] }, batchSize: 100, timeoutSeconds: 10 } });
      assert.deepEqual(profile.schema, BANK_SCHEMA, 'the bank-marketing columns get their curated schema, as in training');
      const rows = rowsOf(await readCsvTable(data), BANK_SCHEMA.features);
      const answers: { label: string; probability: number }[] = [];
      for (let i = 0; i < rows.length; i += 100) {
        const response = await fetch(`${service.url}/predict/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rows: rows.slice(i, i + 100) }) });
        answers.push(...((await response.json()) as { predictions: { label: string; probability: number }[] }).predictions);
      }
      const labels = answers.map((a) => a.label);
      assert.ok(shareOf(labels, 'yes') > 0 && shareOf(labels, 'yes') < 1, 'both classes predicted');
      assertShares(profile.baseline.predictions?.classShares, [shareOf(labels, 'no'), shareOf(labels, 'yes')]);
      assert.deepEqual(profile.baseline.predictions, buildPredictionBaseline(answers.map((a) => a.probability), 0.5));
    } finally {
      await service.close();
    }
  });

  test('a server that is down, or answers an error: refused naming the URL and the problem', async () => {
    const down = `http://127.0.0.1:${await closedPort()}`;
    const options = (upstream: string) => ({ data: churn, target: 'churned', drop: ['predicted', 'p_churn'], predictions: { from: 'upstream' as const, upstream, mapping: scoreMapping, batchSize: 100, timeoutSeconds: 5 } });
    await assert.rejects(buildProfile(options(down)), (error: Error) => {
      assert.ok(error instanceof ProfileUpstreamError);
      assert.match(error.message, new RegExp(`^scoring the reference data through ${down} failed: rows 1\\.\\.100, POST /score: cannot reach ${down}/score \\(ECONNREFUSED\\)`));
      return true;
    });
    const failing = await startScoringServer({ status: 500 });
    try {
      await assert.rejects(buildProfile(options(failing.url)), /rows 1\.\.100, POST \/score: answered 500: model exploded/);
    } finally {
      await failing.close();
    }
    const server = await startScoringServer();
    try {
      const unreadable = { name: 'unreadable', routes: [{ ...scoreMapping.routes[0], extract: () => ({ ok: false as const, reason: 'prediction_not_found' as const, detail: 'no "results" array' }) }] };
      await assert.rejects(buildProfile({ ...options(server.url), predictions: { ...options(server.url).predictions, mapping: unreadable } }), /POST \/score: the mapping unreadable could not read the answer \(prediction_not_found\): no "results" array/);
      const fewer = { name: 'fewer', routes: [{ ...scoreMapping.routes[0], extract: () => ({ ok: true as const, observed: { rows: [], outputs: [{ label: 'stay' }] } }) }] };
      await assert.rejects(buildProfile({ ...options(server.url), predictions: { ...options(server.url).predictions, mapping: fewer } }), /100 rows sent, 1 predictions in the answer/);
    } finally {
      await server.close();
    }
  });
});

describe('the version', () => {
  test('the same data and predictions give the same version, wherever the file is and whenever it is built; other predictions another', async () => {
    const copy = join(dir, 'elsewhere.csv');
    copyFileSync(churn, copy);
    const source = { from: 'column' as const, column: 'predicted', probabilityColumns: ['p_churn'] };
    const first = await buildProfile({ data: churn, target: 'churned', name: 'churn', predictions: source, now: () => new Date('2026-01-01T00:00:00Z') });
    const second = await buildProfile({ data: copy, target: 'churned', name: 'churn', predictions: source, now: () => new Date('2026-06-01T00:00:00Z') });
    assert.match(first.profile.version, /^profile-[0-9a-f]{12}$/);
    assert.equal(second.profile.version, first.profile.version);
    assert.notEqual(second.profile.created_at, first.profile.created_at);
    assert.equal(profileVersion(first.profile), first.profile.version, 'the version can be checked from the file');
    const hard = await buildProfile({ data: churn, target: 'churned', name: 'churn', predictions: { from: 'column', column: 'predicted' } });
    assert.notEqual(hard.profile.version, first.profile.version);
  });
});

describe('readProfile', () => {
  let good: ReferenceProfile;
  const write = (name: string, value: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
    return path;
  };
  before(async () => {
    good = (await buildProfile({ data: churn, target: 'churned', predictions: { from: 'column', column: 'predicted', probabilityColumns: ['p_churn'] } })).profile;
  });

  test('reads back what was written', () => {
    assert.deepEqual(readProfile(write('good.json', good)), good);
  });

  test('refuses a broken file naming the problem', () => {
    const refused = (path: string, message: RegExp) =>
      assert.throws(() => readProfile(path), (error: Error) => {
        assert.ok(error instanceof ProfileInvalidError, String(error));
        assert.equal((error as unknown as { code: string }).code, 'MW_PROFILE_INVALID');
        assert.match(error.message, message);
        return true;
      });
    refused(join(dir, 'absent.json'), /absent\.json is unusable: it cannot be read: ENOENT/);
    refused(write('truncated.json', JSON.stringify(good).slice(0, 500)), /truncated\.json is unusable: not valid JSON/);
    refused(write('array.json', '[]'), /not a JSON object/);
    refused(write('model.json', { format: 'modelwatch.model', version: 'v1' }), /format is "modelwatch\.model", not "modelwatch-profile\/1"/);
    const { baseline: _baseline, ...noBaseline } = good;
    refused(write('no-baseline.json', noBaseline), /baseline is missing/);
    refused(write('bad-threshold.json', { ...good, threshold: 2 }), /threshold must be < 1/);
    refused(write('bad-schema.json', { ...good, schema: { ...good.schema, task: 'ranking' } }), /schema: .*task.*expected one of "binary", "multiclass", "regression"/);
    refused(write('typo-schema.json', { ...good, schema: { ...good.schema, featurs: [] } }), /schema: .*featurs is not a schema field/);
    const { plan: _plan, ...fewerBins } = good.baseline.features;
    refused(write('missing-bins.json', { ...good, baseline: { ...good.baseline, features: fewerBins } }), /baseline\.features\.plan is missing/);
    refused(write('no-outputs.json', { ...good, baseline: { ...good.baseline, predictions: undefined } }), /baseline\.predictions is missing/);
    refused(write('regression-quality.json', { ...good, reference_quality: { mae: 1, rmse: 2 } }), /reference_quality holds another task's figures/);
    assert.throws(() => parseProfile({ ...good, source: { rows: 3 } }, 'x.json'), /x\.json is unusable: source\.data is missing/);
  });
});

describe('text models', () => {
  test('features of a text: characters, tokens of letters and numbers lower-cased, the out-of-vocabulary share', () => {
    assert.deepEqual(tokensOf("Don't STOP-me now! 42x café"), ['don', 't', 'stop', 'me', 'now', '42x', 'café']);
    assert.deepEqual(textFeatures('Hello, world', new Set(['hello'])), { text_length: 12, token_count: 2, oov_share: 0.5 });
    assert.deepEqual(textFeatures('👍👍 ok'), { text_length: 5, token_count: 1 });
    assert.deepEqual(textFeatures('...', new Set(['a'])), { text_length: 3, token_count: 0, oov_share: 0 });
  });

  test('a text profile: derived features binned, the texts sent to the server, its answers the outputs', async () => {
    const file = join(dir, 'tickets.csv');
    const vocabularyFile = join(dir, 'vocab.txt');
    writeFileSync(vocabularyFile, 'my\norder\nrefund\nplease\nthanks\ngreat\nservice\n');
    const texts = ['Refund my order please', 'Thanks, great service!', 'order never arrived, refund', 'great great great', 'WHERE is my order?', 'thanks'];
    const lines = ['ticket,topic'];
    for (let i = 0; i < 120; i++) {
      const text = texts[i % texts.length];
      lines.push(`"${text}",${/refund|order/i.test(text) ? 'complaint' : 'praise'}`);
    }
    writeFileSync(file, `${lines.join('\n')}\n`);
    const server = await startScoringServer({ answer: (row) => ({ class: /refund/i.test(String(row.text)) ? 'complaint' : 'praise', p: /refund/i.test(String(row.text)) ? 0.9 : 0.2 }) });
    try {
      const vocabulary = new Set(['my', 'order', 'refund', 'please', 'thanks', 'great', 'service']);
      const { profile } = await buildProfile({ data: file, target: 'topic', positive: 'complaint', text: { column: 'ticket', vocabulary }, predictions: { from: 'upstream', upstream: server.url, mapping: scoreMapping, batchSize: 50, timeoutSeconds: 5 } });
      assert.deepEqual(profile.schema.features.map((f) => `${f.name}:${f.kind}`), ['text_length:numeric', 'token_count:numeric', 'oov_share:numeric']);
      assert.deepEqual(profile.text, { column: 'ticket', vocabulary: [...vocabulary].sort() });
      // token_count of the six texts: 4, 3, 4, 3, 4, 1 — every value holds a sixth of the rows or more: point masses.
      const tokens = profile.baseline.features.token_count;
      assert.equal(tokens.kind, 'numeric');
      assert.deepEqual(tokens.kind === 'numeric' && tokens.points, [1, 3, 4]);
      assert.deepEqual(tokens.shares.slice(0, 3), [1 / 6, 2 / 6, 3 / 6]);
      const oov = profile.baseline.features.oov_share;
      // "order never arrived, refund": 2 of 4 tokens unknown; "WHERE is my order?": 2 of 4.
      assert.ok(oov.kind === 'numeric' && oov.points.includes(0) && oov.points.includes(0.5), JSON.stringify(oov));
      const sent = server.answered.length;
      assert.equal(sent, 120);
      const classes = server.answered.map((a) => a.class);
      assertShares(profile.baseline.predictions?.classShares, [shareOf(classes, 'praise'), shareOf(classes, 'complaint')]);
      assert.deepEqual(readProfile(writeAndReturn(join(dir, 'text.json'), profile)), profile, 'a text profile reads back');
    } finally {
      await server.close();
    }
  });
});

describe('model outputs from what servers say', () => {
  const multi = { features: [], task: 'multiclass' as const, classes: ['a', 'b', 'c'], target: { name: 'y' } };
  test('probabilities in the server\'s class order are reordered; a label with its confidence spreads the rest', () => {
    assert.deepEqual(Array.from(modelOutputs(multi, [{ probabilities: [0.1, 0.2, 0.7] }], ['c', 'a', 'b'])), [0.2, 0.7, 0.1]);
    assert.deepEqual(Array.from(modelOutputs(multi, [{ label: 'b', confidence: 0.6 }])), [0.2, 0.6, 0.2]);
    assert.deepEqual(Array.from(modelOutputs(multi, [{ label: 2 }])), [0, 0, 1]);
    assert.throws(() => modelOutputs(multi, [{ label: 'a' }, { probabilities: [0.5, 0.5] }]), /row 2: probabilities \[0\.5,0\.5\] are not 3 numbers/);
    assert.throws(() => modelOutputs(multi, [{ probabilities: [1, 0, 0] }], ['a', 'b', 'd']), /the server's classes \(a, b, d\) are not the data's \(a, b, c\)/);
  });
});

function writeAndReturn(path: string, profile: ReferenceProfile): string {
  writeFileSync(path, JSON.stringify(profile));
  return path;
}
