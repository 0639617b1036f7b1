/**
 * scikit-learn's bundled data sets (shipped with Debian's python3-sklearn, loaded offline), dumped
 * to CSV by Debian's Python so tests can train on and infer schemas from real tabular data without
 * committing it: wine (178 rows, 13 numeric columns, 3 classes), diabetes (442 rows, 10 columns in
 * their original units, a continuous target) and breast cancer (569 rows, 30 columns, 2 classes).
 */
import { readFileSync } from 'node:fs';
import { runPython } from './debian-python.js';

/** The data sets {@link writeSklearnCsv} can write. */
export type SklearnDataSet = 'wine' | 'diabetes' | 'breast_cancer';

const SCRIPT = `
import csv, sys
from sklearn import datasets
name, out, sep = sys.argv[1], sys.argv[2], sys.argv[3]
# Diabetes in its original units (age in years, sex 1/2) rather than scikit-learn's standardised copy.
data = datasets.load_diabetes(scaled=False) if name == 'diabetes' else getattr(datasets, 'load_' + name)()
names = getattr(data, 'target_names', None)
with open(out, 'w', newline='') as f:
    w = csv.writer(f, delimiter=sep)
    w.writerow(list(data.feature_names) + ['target'])
    for row, t in zip(data.data, data.target):
        # repr() of a float is its shortest round-trip form, so JavaScript reads back the same double.
        label = str(names[t]) if names is not None else repr(float(t))
        w.writerow([repr(float(v)) for v in row] + [label])
`;

/**
 * Writes a scikit-learn data set as CSV with a header: its feature names, then `target` (the class
 * name for wine and breast cancer, the value for diabetes).
 *
 * @example writeSklearnCsv('wine', join(dir, 'wine.csv'));
 */
export function writeSklearnCsv(name: SklearnDataSet, path: string, separator: ',' | ';' = ','): void {
  runPython(SCRIPT, [name, path, separator]);
}

/** A numeric CSV read back: the feature matrix (row-major), the header and the raw target strings. */
export interface NumericCsv {
  readonly header: readonly string[];
  readonly x: Float64Array;
  readonly n: number;
  readonly d: number;
  readonly target: readonly string[];
}

/**
 * Reads a CSV written by {@link writeSklearnCsv} (comma-separated, no quoted commas inside the
 * numbers): every column but the last as numbers, the last as text.
 *
 * @example const { x, n, d, target } = readNumericCsv(path);
 */
export function readNumericCsv(path: string): NumericCsv {
  const lines = readFileSync(path, 'utf8').trim().split(/\r?\n/);
  const header = lines[0].split(',');
  const d = header.length - 1;
  const n = lines.length - 1;
  const x = new Float64Array(n * d);
  const target: string[] = [];
  for (let i = 0; i < n; i++) {
    const cells = lines[i + 1].split(',');
    for (let j = 0; j < d; j++) x[i * d + j] = Number(cells[j]);
    target.push(cells[d]);
  }
  return { header, x, n, d, target };
}
