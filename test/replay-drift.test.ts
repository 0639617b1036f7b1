/**
 * The acceptance replay of the model-quality issue, on the real data: train on the first half of
 * bank-full.csv (rows are chronological), replay the second half in order through the running
 * service with every label sent as feedback, windows set to the last tenth of the rows, and compare
 * what the service reports with an offline computation on the same rows.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { loadLabelledCsv, writeLabelledCsv } from '../src/data/csv.js';
import { FEATURES, type LabelledRow } from '../src/data/schema.js';
import { runLoad } from '../src/loadgen/index.js';
import { categoricalBin, numericBin } from '../src/model/baseline.js';
import { ModelRegistry } from '../src/model/registry.js';
import type { ServingModel } from '../src/model/serving-model.js';
import { trainModel } from '../src/model/train.js';
import { computePsi } from '../src/monitoring/drift/psi.js';
import { startService, type RunningService } from '../src/server/serve.js';
import { sampleValue, tempDir } from './helpers/fixtures.js';

const REAL_FILE = fileURLToPath(new URL('../../shared/data/bank-full.csv', import.meta.url));
const skip = existsSync(REAL_FILE) ? false : `real data not found: put UCI bank-full.csv at ${REAL_FILE} to run the replay`;

describe('replay of the real drift through the running service', { skip }, () => {
  let rows: LabelledRow[];
  let finalWindow: LabelledRow[];
  let model: ServingModel;
  let service: RunningService;
  let summary: Awaited<ReturnType<typeof runLoad>>;
  let metrics: string;

  before(async () => {
    ({ rows } = await loadLabelledCsv(REAL_FILE));
    const half = Math.floor(rows.length / 2);
    const tenth = Math.floor(rows.length / 10);
    finalWindow = rows.slice(rows.length - tenth);
    const dir = tempDir('modelwatch-replay-');
    const registry = new ModelRegistry(join(dir, 'models'));
    registry.setCurrent(registry.register(trainModel({ rows: rows.slice(0, half), dataSha256: '0'.repeat(64), dataSource: 'bank-full.csv rows 1..half' }).artifact));
    model = registry.load();
    const replayFile = join(dir, 'second-half.csv');
    await writeLabelledCsv(replayFile, rows.slice(half), 'comma');
    const config = loadConfig({}, {
      PORT: 0, HOST: '127.0.0.1', MODEL_DIR: registry.dir, LOG_STDOUT: false,
      DRIFT_WINDOW_SIZE: tenth, QUALITY_WINDOW_SIZE: tenth, DRIFT_WINDOW_SECONDS: 86_400, MONITOR_INTERVAL_SECONDS: 3600,
    });
    service = await startService(config);
    // Concurrency 1: rows reach the service strictly in file order, and their labels right after.
    summary = await runLoad({ url: service.url, rps: 100_000, durationSeconds: 3600, replay: replayFile, concurrency: 1, feedbackShare: 1, feedbackDelaySeconds: 0 });
    service.monitor!.tick();
    metrics = await service.metrics.registry.metrics();
  });
  after(() => service?.close());

  test('every row of the second half was predicted and labelled', () => {
    const expected = rows.length - Math.floor(rows.length / 2);
    assert.equal(summary.endedBy, 'end-of-file');
    assert.equal(summary.ok, expected);
    assert.equal(summary.feedback?.joined, expected);
  });

  test("live accuracy over the final window equals the model's offline accuracy on those rows (within 0.005)", (t) => {
    let correct = 0;
    for (const r of finalWindow) if ((model.predictProba(r.features) >= model.threshold ? 1 : 0) === r.y) correct++;
    const offline = correct / finalWindow.length;
    const live = sampleValue(metrics, 'ml_model_accuracy', { model_version: model.version, source: 'live' })!;
    t.diagnostic(`live accuracy ${live}, offline ${offline} over the last ${finalWindow.length} rows`);
    assert.ok(Math.abs(live - offline) <= 0.005, `live ${live} vs offline ${offline}`);
    assert.ok(live < 0.9, `live accuracy falls below 0.90 (got ${live})`);
  });

  test('every feature whose offline PSI on the final window exceeds 0.2 exceeds 0.2 in the service', (t) => {
    const drifted: string[] = [];
    for (const feature of FEATURES) {
      const baseline = model.baseline.features[feature.name];
      const counts = new Array<number>(baseline.labels.length).fill(0);
      for (const r of finalWindow) {
        const value = r.features[feature.name];
        counts[baseline.kind === 'numeric' ? numericBin(baseline, value as number) : categoricalBin(baseline, value as string)]++;
      }
      const offline = computePsi(baseline.shares, counts);
      const served = sampleValue(metrics, 'ml_feature_drift_psi', { feature: feature.name })!;
      t.diagnostic(`${feature.name}: PSI offline ${offline.toFixed(4)}, service ${served.toFixed(4)}`);
      if (offline > 0.2) {
        drifted.push(feature.name);
        assert.ok(served > 0.2, `${feature.name}: offline PSI ${offline}, service ${served}`);
      }
    }
    for (const name of ['job', 'housing', 'age', 'campaign']) assert.ok(drifted.includes(name), `${name} drifts past 0.2 (drifted: ${drifted.join(', ')})`);
  });

  test('the label-free estimate stays high while live accuracy falls: the documented limit', (t) => {
    const estimated = sampleValue(metrics, 'ml_model_estimated_accuracy', { model_version: model.version })!;
    const live = sampleValue(metrics, 'ml_model_accuracy', { model_version: model.version, source: 'live' })!;
    t.diagnostic(`estimated accuracy ${estimated}, live ${live}`);
    assert.ok(estimated >= 0.9, `estimate ${estimated} does not see concept drift`);
    assert.ok(live < 0.9);
  });
});
