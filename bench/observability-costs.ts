/**
 * `node dist/bench/observability-costs.js`: CPU cost of each piece of per-request observability,
 * measured in isolation in one process (no sockets), as a complement to `npm run bench`, whose
 * end-to-end ratios on a shared 2-core machine move by several points between runs. A script, not a
 * test: it prints nanoseconds per call (process CPU time over 10^6 calls after a warm-up).
 */
import { completeRow } from '../src/data/row-validation.js';
import { inputHash } from '../src/monitoring/audit/input-hash.js';
import { createPredictionLineWriter } from '../src/monitoring/audit/prediction-line.js';
import { createServiceMetrics } from '../src/monitoring/metrics/index.js';

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
// The line sink batches and hands 64 KiB strings to the file writer; here a batch is only measured
// (Buffer.byteLength flattens it as the writer would) so that no I/O is counted.
let pending = '';
const sink = {
  write(text: string) {
    pending += text;
    if (pending.length >= 65_536) {
      Buffer.byteLength(pending);
      pending = '';
    }
  },
  drain: async () => {},
  flushSync: () => {},
};
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
