/**
 * `node dist/bench/observability-costs.js`: CPU cost of each piece of per-request observability,
 * measured in isolation in one process (no sockets), as a complement to `npm run bench`, whose
 * end-to-end ratios on a shared 2-core machine move by several points between runs. A script, not a
 * test: it prints nanoseconds per call (process CPU time over 10^6 calls after a warm-up).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config.js';
import { completeRow } from '../src/data/row-validation.js';
import { syntheticRows } from '../src/data/synthetic.js';
import { syntheticTrainingSet } from '../src/model/bootstrap.js';
import { ModelRegistry } from '../src/model/registry.js';
import { trainModel } from '../src/model/train.js';
import { inputHash } from '../src/monitoring/audit/input-hash.js';
import { createLineSink } from '../src/monitoring/audit/line-sink.js';
import { createPredictionLineWriter } from '../src/monitoring/audit/prediction-line.js';
import { createServiceMetrics } from '../src/monitoring/metrics/index.js';
import { createModelMonitor } from '../src/monitoring/model-monitor.js';

const CALLS = 1_000_000;

function measure(name: string, call: (i: number) => void): void {
  for (let i = 0; i < CALLS / 10; i++) call(i);
  const start = process.cpuUsage();
  for (let i = 0; i < CALLS; i++) call(i);
  const used = process.cpuUsage(start);
  console.log(`${name.padEnd(56)} ${Math.round(((used.user + used.system) * 1000) / CALLS)
    .toString()
    .padStart(6)} ns`);
}

const metrics = createServiceMetrics();
const row = completeRow({ age: 30, job: 'admin', marital: 'single', education: 'secondary', housing: 'yes', loan: 'no', duration: 200, campaign: 2 });
// The real line sink with no destination: each line is encoded into the batch's buffer and the full
// batch handed over to nothing, so that no I/O is counted.
const sink = createLineSink({ stdout: false });
const writeLine = createPredictionLineWriter(sink, 'ml-pipeline');

console.log(`node ${process.version}; ns per call, ${CALLS} calls each`);
measure('metrics: http_request_duration_seconds', (i) => metrics.observeHttpRequest('POST', '/predict', 200, 0.001 + i * 1e-9));
measure('metrics: model_requests_total + latency + error window', () => metrics.observeModelRequest('v1', true, 0.001));
measure('metrics: ml_feature_processing_seconds', () => metrics.observeFeatureProcessing(0.000004));
measure('metrics: predictions by class + confidence', (i) => metrics.observePrediction((i & 1) as 0 | 1, 0.8));
measure('metrics: ml_active_users visit', () => metrics.touchClient('127.0.0.1'));
measure('audit: input_hash', () => inputHash(row));
measure('audit: prediction line, built and batched', (i) =>
  writeLine({
    request_id: 'a3c5e2f0-1111-2222-3333-444455556666',
    endpoint: '/predict',
    prediction: 0,
    confidence: 0.9266250356665323 + i * 1e-12,
    probability: 0.07337496433346766 - i * 1e-12,
    duration: 1.2345 + i * 1e-9,
    model_type: 'gbdt',
    model_version: 'v1',
    input_hash: '5f1c0a9b2e7d4c31',
  }),
);

// Model monitoring: a small model's baseline, the default settings (window 1,000, store 100,000).
const dir = mkdtempSync(join(tmpdir(), 'modelwatch-costs-'));
const registry = new ModelRegistry(dir);
const { rows: trainingRows, sha256 } = syntheticTrainingSet(3, 5_000);
registry.setCurrent(registry.register(trainModel({ rows: trainingRows, dataSha256: sha256, dataSource: 'synthetic', params: { maxIter: 20 } }).artifact));
const model = registry.load();
rmSync(dir, { recursive: true, force: true });
const config = loadConfig({});
const monitor = createModelMonitor(config, createServiceMetrics());
monitor.setModel(model);
const streamed = [...syntheticRows({ rows: 1024, seed: 4 })].map((r) => r.features);
// Ids are made before timing, as the service has its request id already: the store's cost is the
// Map insert and the eviction of the entry 100,000 predictions older.
const ids = Array.from({ length: CALLS + CALLS / 10 }, (_, i) => `a3c5e2f0-1111-2222-3333-${String(i).padStart(12, '0')}`);
let next = 0;
measure(`monitor: drift bins + window + store (store ${config.PREDICTION_STORE_MAX_ENTRIES})`, (i) =>
  monitor.observe({ requestId: ids[next++], prediction: (i & 1) as 0 | 1, label: model.schema.classes[i & 1], confidence: 0.8, probability: 0.8, row: streamed[i & 1023] }, model.version),
);
// The tick between bursts of traffic, as in the service: 200 predictions, then a tick; the first
// 20 ticks (code not yet optimised) are left out of the figures and reported apart.
const ticks: number[] = [];
for (let i = 0; i < 1020; i++) {
  for (let k = 0; k < 200; k++) monitor.observe({ requestId: `t${i}-${k}`, prediction: (k & 1) as 0 | 1, label: model.schema.classes[k & 1], confidence: 0.8, probability: 0.8, row: streamed[k] }, model.version);
  const started = performance.now();
  monitor.tick();
  ticks.push((performance.now() - started) * 1000);
}
const warm = ticks.slice(20).sort((x, y) => x - y);
const at = (q: number) => warm[Math.min(warm.length - 1, Math.floor(q * warm.length))].toFixed(1);
console.log(`${'monitor: tick (PSI for every signal, live quality), µs'.padEnd(56)} median ${at(0.5)}  p99 ${at(0.99)}  max ${at(1)}  (first tick ${ticks[0].toFixed(1)})`);
