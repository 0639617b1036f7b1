/**
 * The fleet rules of a regression model, in a real `promtool test rules` (Debian's prometheus
 * package): ml:model_mae:live_1h and ml:model_rmse:live_1h from the error-sum counters of two
 * replicas, per model version, and nothing below the label floor. (The live-Prometheus test serves
 * the bank-marketing classifier, which exports no regression counters, so these rules are proven
 * here; HighLiveMae's own promtool case reads the MAE rule too.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { stringify } from 'yaml';
import { PROMETHEUS_FILES } from '../src/stack/prometheus/generate.js';
import { tempDir } from './helpers/fixtures.js';
import { skipUnlessTool } from './helpers/tools.js';

const missing = spawnSync('promtool', ['--version']).error ? "promtool not found: install Debian's prometheus package (apt-get install prometheus); .ci/run does" : false;
const recording = fileURLToPath(new URL(`../deploy/prometheus/${PROMETHEUS_FILES.recordingRules}`, import.meta.url));

const series = (name: string, instance: string, version: string, values: string) => ({ series: `${name}{job="modelwatch",instance="${instance}",model_version="${version}"}`, values });

/** Runs one `promtool test rules` case against the generated recording rules; fails with promtool's output. */
function promtoolRules(name: string, inputSeries: readonly { series: string; values: string }[], exprTests: readonly object[]): void {
  const file = join(tempDir('modelwatch-rules-'), `${name}.test.yml`);
  writeFileSync(file, stringify({ rule_files: [recording], evaluation_interval: '1m', tests: [{ interval: '1m', input_series: inputSeries, promql_expr_test: exprTests }] }));
  const result = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stdout + result.stderr);
}

describe('regression quality rules', { skip: skipUnlessTool(missing) }, () => {
  test('live MAE and RMSE per model version over every replica, recorded only with 30 labels in the hour', () => {
    promtoolRules(
      'regression',
      [
        // v1 on two replicas: 10 + 10 labels a minute, |error| 20 + 30, error² 80 + 100 → MAE 2.5, RMSE 3.
        series('ml_feedback_regression_total', 'a', 'v1', '0+10x120'),
        series('ml_feedback_absolute_error_total', 'a', 'v1', '0+20x120'),
        series('ml_feedback_squared_error_total', 'a', 'v1', '0+80x120'),
        series('ml_feedback_regression_total', 'b', 'v1', '0+10x120'),
        series('ml_feedback_absolute_error_total', 'b', 'v1', '0+30x120'),
        series('ml_feedback_squared_error_total', 'b', 'v1', '0+100x120'),
        // v2: a quarter of a label a minute, 15 in the hour: below the floor, no series.
        series('ml_feedback_regression_total', 'a', 'v2', '0+0.25x120'),
        series('ml_feedback_absolute_error_total', 'a', 'v2', '0+100x120'),
        series('ml_feedback_squared_error_total', 'a', 'v2', '0+1000x120'),
      ],
      [
        { expr: 'ml:model_mae:live_1h', eval_time: '90m', exp_samples: [{ labels: 'ml:model_mae:live_1h{model_version="v1"}', value: 2.5 }] },
        { expr: 'ml:model_rmse:live_1h', eval_time: '90m', exp_samples: [{ labels: 'ml:model_rmse:live_1h{model_version="v1"}', value: 3 }] },
      ],
    );
  });
});

describe('multiclass quality rules', { skip: skipUnlessTool(missing) }, () => {
  test('live accuracy of a three-class model over every replica: the diagonal counter over all labels', () => {
    const cell = (instance: string, predicted: string, actual: string, values: string) => ({
      series: `ml_feedback_total{job="modelwatch",instance="${instance}",model_version="v1",predicted_class="${predicted}",actual_class="${actual}"}`,
      values,
    });
    promtoolRules(
      'multiclass',
      [
        // Replica a: 6 right (setosa 4, virginica 2) and 2 wrong a minute; replica b: 3 right, 1 wrong → 9 of 12.
        cell('a', 'setosa', 'setosa', '0+4x120'),
        cell('a', 'virginica', 'virginica', '0+2x120'),
        cell('a', 'versicolor', 'virginica', '0+2x120'),
        series('ml_feedback_correct_total', 'a', 'v1', '0+6x120'),
        cell('b', 'versicolor', 'versicolor', '0+3x120'),
        cell('b', 'setosa', 'versicolor', '0+1x120'),
        series('ml_feedback_correct_total', 'b', 'v1', '0+3x120'),
      ],
      [{ expr: 'ml:model_accuracy:live_1h', eval_time: '90m', exp_samples: [{ labels: 'ml:model_accuracy:live_1h{model_version="v1"}', value: 0.75 }] }],
    );
  });
});
