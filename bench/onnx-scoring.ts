/**
 * What an ONNX model costs per row through onnxruntime-node, one row per session.run (a single
 * /predict) against a batch of 100 rows in one run (/predict/batch, or an OIP request with
 * N = 100). Models: a 16-feature logistic regression and a small MLP (16 → 64 → 32 → 1), built
 * with Debian's python3-onnx, loaded by loadOnnxModel (one intra-op thread, as served) and fed
 * modelwatch-encoded rows through scoreBatch, so the figure includes the column expansion and the
 * output copy as well as onnxruntime's own call.
 *
 *   node --import tsx bench/onnx-scoring.ts [--rows 20000] [--rounds 7] [--threads 1]
 *
 * Prints, per model, the median over rounds of µs per row for each mode and their ratio, and the
 * machine. A benchmark script, not a timed test: the machine is shared, so read the ratio.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadOnnxModel, type OnnxModel } from '../src/model/onnx/index.js';
import { createRandom } from '../src/util/random.js';
import { buildOnnxModels, logisticSpec, mlpSpec } from '../test/helpers/onnx-models.js';
import { describeMachine } from './report.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '7' }, threads: { type: 'string', default: '1' } } });
const ROWS = Number(values.rows);
const ROUNDS = Number(values.rounds);
const THREADS = Number(values.threads);
const FEATURES = 16;
const BATCH = 100;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** µs per row scoring `rows` rows `batch` at a time, each batch awaited before the next (as requests are served). */
async function perRow(model: OnnxModel, x: Float64Array, rows: number, batch: number): Promise<number> {
  const started = process.hrtime.bigint();
  let sink = 0;
  for (let r = 0; r < rows; r += batch) {
    const n = Math.min(batch, rows - r);
    const out = await model.scoreBatch(x.subarray(r * FEATURES, (r + n) * FEATURES), n);
    sink += out[0];
  }
  if (Number.isNaN(sink)) throw new Error('NaN score');
  return Number(process.hrtime.bigint() - started) / 1000 / rows;
}

const dir = mkdtempSync(join(tmpdir(), 'modelwatch-onnx-bench-'));
try {
  const models = buildOnnxModels(dir, [logisticSpec('logistic-16', FEATURES), mlpSpec('mlp-16-64-32', FEATURES, [64, 32])]);
  const rng = createRandom(7);
  const x = Float64Array.from({ length: ROWS * FEATURES }, () => rng.normal() * 2);
  const encoding = Array.from({ length: FEATURES }, (_, i) => ({ name: `f${i}`, kind: 'numeric' as const }));
  console.log(`ONNX scoring: ${ROWS} rows, ${ROUNDS} rounds, intra-op threads ${THREADS}`, JSON.stringify(describeMachine()));
  for (const built of models) {
    const model = await loadOnnxModel(built.file, { task: 'binary', nFeatures: FEATURES, encoding, threads: THREADS });
    await perRow(model, x, Math.min(ROWS, 2000), 1); // warm-up: JIT, onnxruntime's first-run allocations
    await perRow(model, x, ROWS, BATCH);
    const single: number[] = [];
    const batched: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      single.push(await perRow(model, x, ROWS, 1));
      batched.push(await perRow(model, x, ROWS, BATCH));
    }
    const [s, b] = [median(single), median(batched)];
    console.log(
      `${built.spec.name.padEnd(14)} one row per run: ${s.toFixed(2)} µs/row (${Math.round(1e6 / s)} rows/s)   ` +
        `batch of ${BATCH}: ${b.toFixed(3)} µs/row (${Math.round(1e6 / b)} rows/s, ${(b * BATCH).toFixed(1)} µs per run)   single/batch ${(s / b).toFixed(1)}×`,
    );
    console.log(`${''.padEnd(14)} rounds, one row: ${single.map((v) => v.toFixed(2)).join(' ')}; batch: ${batched.map((v) => v.toFixed(3)).join(' ')}`);
    await model.release();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
