/**
 * Series that only mean something for one model version carry `model_version`, and the fleet rules
 * never mix versions: the drift family (bin counts, baseline shares, PSI) follows the serving
 * version and drops the old one at a swap; the confusion counters count a label under the version
 * that made its prediction, also when it arrives after a promotion; and the generated recording
 * rules, run by promtool over a promotion, give each version's PSI and live quality from its own
 * counts only.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { stringify } from 'yaml';
import { syntheticRows } from '../src/data/synthetic.js';
import { syntheticTrainingSet } from '../src/model/bootstrap.js';
import { ModelRegistry } from '../src/model/registry.js';
import { trainModel } from '../src/model/train.js';
import { FLEET_DRIFT_MIN_PREDICTIONS } from '../src/stack/catalogue/recording-rules.js';
import { PROMETHEUS_FILES } from '../src/stack/prometheus/generate.js';
import { sampleValue, tempDir, testApp, trainedRegistry, type TestApp } from './helpers/fixtures.js';
import { commandMissing, skipUnlessTool } from './helpers/tools.js';

const promtoolMissing = skipUnlessTool(commandMissing('promtool', 'apt-get install prometheus'));
const recordingRules = fileURLToPath(new URL(`../deploy/prometheus/${PROMETHEUS_FILES.recordingRules}`, import.meta.url));

/** A second version trained on other rows (its bins are cut at other edges), registered after the test model's v1. */
function secondVersion() {
  const registry = new ModelRegistry(tempDir('modelwatch-versions-'));
  mkdirSync(registry.versionsDir, { recursive: true });
  copyFileSync(trainedRegistry().fileOf('v1'), registry.fileOf('v1'));
  const { rows, sha256 } = syntheticTrainingSet(8, 2_000);
  const version = registry.register(trainModel({ rows, dataSha256: sha256, dataSource: 'synthetic(versions test)', params: { maxIter: 5 } }).artifact);
  assert.equal(version, 'v2');
  return registry.load('v2');
}

/** Every sample of one family in Prometheus text, as label maps with values. */
function samples(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  return text
    .split('\n')
    .map((line) => /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\} (\S+)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null && m[1] === name)
    .map((m) => ({ labels: Object.fromEntries([...m[2].matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]])), value: Number(m[3]) }));
}

const DRIFT_FAMILIES = ['ml_feature_bin_total', 'ml_feature_baseline_share', 'ml_feature_drift_psi', 'ml_prediction_bin_total', 'ml_prediction_baseline_share', 'ml_prediction_drift_psi'];

async function predict(t: TestApp, rows: number, seed: number, id: string) {
  const batch = [...syntheticRows({ rows, seed })];
  const res = await t.app.inject({ method: 'POST', url: '/predict/batch', payload: { rows: batch.map((r) => r.features) }, headers: { 'x-request-id': id } });
  assert.equal(res.statusCode, 200);
  const predictions = res.json<{ predictions: { prediction: number }[] }>().predictions.map((p) => p.prediction);
  return batch.map((r, i) => ({ id: `${id}:${i}`, predicted: predictions[i], actual: r.y }));
}

describe('series of one model version', () => {
  test('the drift family carries model_version; at a swap the old version’s series end and the new one’s start at zero on its own bins', async () => {
    const t = await testApp({ DRIFT_MIN_SAMPLES: '50' });
    await predict(t, 100, 3, 'a');
    t.monitor!.tick();
    let text = await t.metrics.registry.metrics();
    for (const family of DRIFT_FAMILIES) {
      const found = samples(text, family);
      assert.ok(found.length > 0, family);
      assert.deepEqual(new Set(found.map((s) => s.labels.model_version)), new Set(['v1']), family);
    }
    assert.equal(samples(text, 'ml_feature_bin_total').filter((s) => s.labels.feature === 'age').reduce((sum, s) => sum + s.value, 0), 100);

    const v2 = secondVersion();
    assert.notDeepEqual(v2.baseline.features.age.labels, t.state.current!.baseline.features.age.labels, 'v2 bins age differently');
    t.state.serve(v2);
    text = await t.metrics.registry.metrics();
    for (const family of DRIFT_FAMILIES) assert.deepEqual(samples(text, family).filter((s) => s.labels.model_version !== 'v2'), [], `${family}: only the serving version`);
    const ageCounts = samples(text, 'ml_feature_bin_total').filter((s) => s.labels.feature === 'age');
    assert.deepEqual(ageCounts.map((s) => s.labels.bin), v2.baseline.features.age.labels);
    assert.ok(ageCounts.every((s) => s.value === 0), 'the new version counts from zero');
    await t.app.close();
  });

  test('ml_feedback_total counts a label under the version that predicted, also when it arrives after a promotion', async () => {
    const t = await testApp();
    const cell = (version: string, predicted: number, actual: number) => ({ model_version: version, predicted_class: String(predicted), actual_class: String(actual) });
    let text = await t.metrics.registry.metrics();
    for (const [p, a] of [[0, 0], [0, 1], [1, 0], [1, 1]]) assert.equal(sampleValue(text, 'ml_feedback_total', cell('v1', p, a)), 0, 'the loaded version’s cells exist at zero');
    const before = await predict(t, 40, 4, 'old');
    t.state.serve(secondVersion());
    const afterSwap = await predict(t, 30, 5, 'new');
    text = await t.metrics.registry.metrics();
    assert.equal(sampleValue(text, 'ml_feedback_total', cell('v2', 1, 1)), 0, 'a newly served version’s cells exist at zero');
    // Labels for both versions' predictions, all after the promotion.
    const res = await t.app.inject({ method: 'POST', url: '/feedback/batch', payload: { feedback: [...before, ...afterSwap].map((p) => ({ request_id: p.id, actual: p.actual })) } });
    assert.equal(res.statusCode, 200);
    text = await t.metrics.registry.metrics();
    for (const [version, predictions] of [['v1', before], ['v2', afterSwap]] as const) {
      for (const [p, a] of [[0, 0], [0, 1], [1, 0], [1, 1]]) {
        const expected = predictions.filter((x) => x.predicted === p && x.actual === a).length;
        assert.equal(sampleValue(text, 'ml_feedback_total', cell(version, p, a)), expected, `${version} predicted ${p} actual ${a}`);
      }
    }
    assert.equal(samples(text, 'ml_feedback_total').filter((s) => s.labels.model_version === undefined).length, 0, 'no series without a version');
    await t.app.close();
  });
});

describe('the generated recording rules over a promotion (promtool)', { skip: promtoolMissing }, () => {
  test('each version’s PSI and live quality come from its own counts; the old version drops out at the swap; a new version has PSI from its minimum on', () => {
    const dir = tempDir('modelwatch-rules-versions-');
    // v1 serves until 30 m: age in bins a/b, 50 a minute each, as its baseline says (0.5/0.5). Its
    // series end at the swap (stale). v2 from 30 m bins age as c/d/e, 20/30/50 a minute, exactly
    // its baseline. Labels keep arriving for v1's predictions after the promotion.
    const mw = (labels: string) => `{job="modelwatch",instance="m1:5000",${labels}}`;
    const v1 = (labels: string) => mw(`model_version="v1",${labels}`);
    const v2 = (labels: string) => mw(`model_version="v2",${labels}`);
    const v2counts = (perMinute: number) => `_x29 0+${perMinute}x30`;
    const series = [
      { series: `ml_feature_bin_total${v1('feature="age",bin="a"')}`, values: '0+50x30 stale' },
      { series: `ml_feature_bin_total${v1('feature="age",bin="b"')}`, values: '0+50x30 stale' },
      { series: `ml_feature_baseline_share${v1('feature="age",bin="a"')}`, values: '0.5x30 stale' },
      { series: `ml_feature_baseline_share${v1('feature="age",bin="b"')}`, values: '0.5x30 stale' },
      { series: `ml_feature_bin_total${v2('feature="age",bin="c"')}`, values: v2counts(20) },
      { series: `ml_feature_bin_total${v2('feature="age",bin="d"')}`, values: v2counts(30) },
      { series: `ml_feature_bin_total${v2('feature="age",bin="e"')}`, values: v2counts(50) },
      { series: `ml_feature_baseline_share${v2('feature="age",bin="c"')}`, values: '_x29 0.2x30' },
      { series: `ml_feature_baseline_share${v2('feature="age",bin="d"')}`, values: '_x29 0.3x30' },
      { series: `ml_feature_baseline_share${v2('feature="age",bin="e"')}`, values: '_x29 0.5x30' },
      // v1: 9 of 10 labels right, all along; v2: 1 of 2.
      { series: `ml_feedback_total${v1('predicted_class="0",actual_class="0"')}`, values: '0+6x60' },
      { series: `ml_feedback_total${v1('predicted_class="1",actual_class="1"')}`, values: '0+3x60' },
      { series: `ml_feedback_total${v1('predicted_class="0",actual_class="1"')}`, values: '0+1x60' },
      { series: `ml_feedback_total${v1('predicted_class="1",actual_class="0"')}`, values: '0x60' },
      { series: `ml_feedback_total${v2('predicted_class="0",actual_class="0"')}`, values: '_x29 0+2x30' },
      { series: `ml_feedback_total${v2('predicted_class="1",actual_class="0"')}`, values: '_x29 0+2x30' },
      { series: `ml_feedback_total${v2('predicted_class="0",actual_class="1"')}`, values: '_x29 0x30' },
      { series: `ml_feedback_total${v2('predicted_class="1",actual_class="1"')}`, values: '_x29 0x30' },
      // The diagonals, as the service counts them: v1 6 + 3 a minute, v2 2.
      { series: `ml_feedback_correct_total${mw('model_version="v1"')}`, values: '0+9x60' },
      { series: `ml_feedback_correct_total${mw('model_version="v2"')}`, values: '_x29 0+2x30' },
    ];
    const psi = (version: string, value: number) => ({ labels: `ml:feature_drift_psi:1h{model_version="${version}",feature="age"}`, value });
    // v2 reaches the minimum number of predictions (100 a minute) a few minutes after the swap.
    const v2Ready = 29 + Math.ceil(FLEET_DRIFT_MIN_PREDICTIONS / 100);
    const tests = {
      rule_files: [recordingRules],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: series,
          promql_expr_test: [
            { expr: 'ml:feature_drift_psi:1h', eval_time: '20m', exp_samples: [psi('v1', 0)] },
            // Just after the swap: v1 has gone, v2 has too few predictions for a PSI.
            { expr: 'ml:feature_drift_psi:1h', eval_time: `${v2Ready - 1}m`, exp_samples: [] },
            { expr: 'ml:feature_drift_psi:1h', eval_time: `${v2Ready}m`, exp_samples: [psi('v2', 0)] },
            { expr: 'ml:feature_drift_psi:1h', eval_time: '50m', exp_samples: [psi('v2', 0)] },
            {
              expr: 'ml:feature_bin_share:ratio_1h',
              eval_time: '50m',
              exp_samples: [
                { labels: 'ml:feature_bin_share:ratio_1h{model_version="v2",feature="age",bin="c"}', value: 0.2 },
                { labels: 'ml:feature_bin_share:ratio_1h{model_version="v2",feature="age",bin="d"}', value: 0.3 },
                { labels: 'ml:feature_bin_share:ratio_1h{model_version="v2",feature="age",bin="e"}', value: 0.5 },
              ],
            },
            // Two minutes after the swap v2 has 8 labels, fewer than the floor: no accuracy to page on.
            { expr: 'ml:model_accuracy:live_1h', eval_time: '31m', exp_samples: [{ labels: 'ml:model_accuracy:live_1h{model_version="v1"}', value: 0.9 }] },
            {
              expr: 'ml:model_accuracy:live_1h',
              eval_time: '50m',
              exp_samples: [
                { labels: 'ml:model_accuracy:live_1h{model_version="v1"}', value: 0.9 },
                { labels: 'ml:model_accuracy:live_1h{model_version="v2"}', value: 0.5 },
              ],
            },
            {
              expr: 'ml:model_precision:live_1h',
              eval_time: '50m',
              exp_samples: [
                { labels: 'ml:model_precision:live_1h{model_version="v1"}', value: 1 },
                { labels: 'ml:model_precision:live_1h{model_version="v2"}', value: 0 },
              ],
            },
          ],
        },
      ],
    };
    const file = join(dir, 'versions.test.yml');
    writeFileSync(file, stringify(tests));
    const result = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stdout + result.stderr);
  });
});
