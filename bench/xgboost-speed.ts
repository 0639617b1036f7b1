/**
 * How fast an imported XGBoost model scores once compiled, against modelwatch's own model, on the
 * same real rows: XGBoost 1.7 (Debian's python3-xgboost) trains on bank-full (categorical columns
 * as pandas category codes, hist, depth 6), the model file is read and compiled
 * (src/model/trees/), and modelwatch's GBDT is trained as `modelwatch train` trains it. Both then
 * score every row of bank-full, in alternating passes so a slow spell of a shared machine hits both
 * alike; the report gives the median and best µs per row. Not a test: it asserts nothing.
 *
 *   node --import tsx bench/xgboost-speed.ts [--data ../shared/data/bank-full.csv] [--trees 150] [--depth 6] [--passes 15]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadLabelledCsv } from '../src/data/csv.js';
import { encodeRows } from '../src/model/encoding.js';
import { fitModel } from '../src/model/train.js';
import { splitForTraining } from '../src/model/train.js';
import { compileEnsemble } from '../src/model/trees/compile.js';
import type { TreeEnsemble } from '../src/model/trees/ensemble.js';
import { readXgboostModel } from '../src/model/trees/xgboost.js';
import { projectRoot } from './modelwatch-server.js';

/** Debian's Python, which has python3-xgboost (a `python3` earlier on PATH may not). */
const PYTHON = '/usr/bin/python3';

const TRAIN_XGBOOST = `
import json, sys, time
import pandas as pd, xgboost as xgb
data, out, trees, depth = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
bank = pd.read_csv(data)
y = (bank.pop('y') == 'yes').astype(int)
categories = {}
for c in bank.columns:
    if bank[c].dtype == object:
        bank[c] = bank[c].astype('category')
        categories[c] = list(bank[c].cat.categories)
start = time.time()
m = xgb.XGBClassifier(n_estimators=trees, max_depth=depth, learning_rate=0.1, tree_method='hist', enable_categorical=True, max_cat_to_onehot=1, random_state=13)
m.fit(bank, y)
m.save_model(out + '/model.json')
json.dump({'categories': categories, 'seconds': time.time() - start, 'version': xgb.__version__}, open(out + '/info.json', 'w'))
`;

function leaves(e: TreeEnsemble): number {
  return e.trees.reduce((n, t) => n + t.left.filter((c) => c === -1).length, 0);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string', default: resolve(projectRoot(), '../shared/data/bank-full.csv') },
      trees: { type: 'string', default: '150' },
      depth: { type: 'string', default: '6' },
      passes: { type: 'string', default: '15' },
    },
  });
  const passes = Number(values.passes);
  const { rows } = await loadLabelledCsv(values.data);
  const n = rows.length;

  // modelwatch's own model, trained as `modelwatch train` does (80/20 split, seed 42, default params).
  const started = performance.now();
  const fitted = fitModel(splitForTraining(rows, 0.2, 42).trainRows, { seed: 42 });
  const nativeSeconds = (performance.now() - started) / 1000;
  const nativeX = encodeRows(fitted.encoder, rows.map((r) => r.features));
  const nativeJson = fitted.model.toJSON();
  const nativeLeaves = nativeJson.trees.reduce((s, t) => s + t.left.filter((c) => c < 0).length, 0);

  const dir = mkdtempSync(join(tmpdir(), 'modelwatch-xgboost-speed-'));
  try {
    const python = spawnSync(PYTHON, ['-c', TRAIN_XGBOOST, values.data, dir, values.trees, values.depth], { encoding: 'utf8' });
    if (python.status !== 0) throw new Error(`training XGBoost failed (apt-get install python3-xgboost python3-pandas):\n${python.stderr}`);
    const info = JSON.parse(readFileSync(join(dir, 'info.json'), 'utf8')) as { categories: Record<string, string[]>; seconds: number; version: string };
    const readStarted = performance.now();
    const imported = readXgboostModel(readFileSync(join(dir, 'model.json'), 'utf8'), 'model.json');
    const predict = compileEnsemble(imported.ensemble);
    const importMs = performance.now() - readStarted;
    const names = imported.featureNames ?? [];
    const d = names.length;
    const xgbX = new Float64Array(n * d);
    rows.forEach((row, i) => names.forEach((name, j) => {
      const value = row.features[name];
      xgbX[i * d + j] = typeof value === 'number' ? value : info.categories[name].indexOf(value);
    }));

    const out = new Float64Array(1);
    let checksum = 0;
    const timeNative = () => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) checksum += fitted.model.predictProba(nativeX, i * nativeJson.nFeatures);
      return Number(process.hrtime.bigint() - t0) / 1000 / n;
    };
    const timeImported = () => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) {
        predict(xgbX, i * d, out);
        checksum += out[0];
      }
      return Number(process.hrtime.bigint() - t0) / 1000 / n;
    };
    const native: number[] = [];
    const xgb: number[] = [];
    for (let p = 0; p < passes + 2; p++) {
      const a = p % 2 === 0 ? timeNative() : timeImported();
      const b = p % 2 === 0 ? timeImported() : timeNative();
      if (p < 2) continue; // warm-up: let V8 optimise both
      native.push(p % 2 === 0 ? a : b);
      xgb.push(p % 2 === 0 ? b : a);
    }
    const f = (x: number) => x.toFixed(2);
    console.log(`bank-full: ${n} rows, ${passes} passes each, alternating (checksum ${checksum.toFixed(3)})`);
    console.log(`modelwatch GBDT   ${nativeJson.trees.length} trees, ${nativeLeaves} leaves (trained in ${nativeSeconds.toFixed(1)} s): median ${f(median(native))} µs/row, best ${f(Math.min(...native))}`);
    console.log(`XGBoost ${info.version} imported ${imported.ensemble.trees.length} trees, ${leaves(imported.ensemble)} leaves, depth ≤ ${values.depth} (trained in ${info.seconds.toFixed(1)} s, read + compiled in ${importMs.toFixed(0)} ms): median ${f(median(xgb))} µs/row, best ${f(Math.min(...xgb))}`);
    console.log(`per 100 leaves: GBDT ${f((median(native) * 100) / nativeLeaves)} µs, XGBoost ${f((median(xgb) * 100) / leaves(imported.ensemble))} µs`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
