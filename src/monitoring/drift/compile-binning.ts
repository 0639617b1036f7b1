/**
 * Compiles a model's feature bins into one JavaScript function that bins a whole row: a named
 * property read per feature, then a chain of comparisons against constant edges (numeric) or a
 * `switch` over constant categories. The per-feature binners called through an array measured
 * 560 ns per row (a keyed, megamorphic property read and a closure call per feature); this measured
 * about 100 ns (`npm run bench:costs`), which is most of what drift costs a prediction.
 *
 * Generating code from an artifact is safe here for the same reasons as the compiled trees
 * (model/gbdt/compile.ts): feature names come from the schema, edges and points are validated
 * numbers written in their shortest round-trip form, and category labels are written as JSON
 * string literals. A test checks the result equals the per-feature binners on many rows.
 */
import type { Row } from '../../data/schema.js';
import type { CategoricalBaseline, NumericBaseline } from '../../model/baseline.js';
import type { FeatureBinner } from './binner.js';

/** Writes the bin of every feature of `row` into `out`, in the binners' order. */
export type RowBinning = (row: Row, out: Uint8Array) => void;

const literal = (n: number) => (Object.is(n, -0) ? '-0' : String(n));

// Same result as numericBinner: a point mass by equality, else the first edge at or above the value;
// a non-number and NaN fail every comparison and land in the last bin.
function numericCode(read: string, slot: number, baseline: NumericBaseline): string {
  const { points, upperEdges } = baseline;
  const tests = [...points.map((p, i) => `v===${literal(p)}?${i}`), ...upperEdges.map((e, i) => `v<=${literal(e)}?${points.length + i}`)];
  return `v=${read};if(typeof v!=="number")v=NaN;out[${slot}]=${[...tests, String(points.length + upperEdges.length)].join(':')};`;
}

// Same result as categoricalBinner: first occurrence of a label wins; anything else is unseen.
function categoricalCode(read: string, slot: number, baseline: CategoricalBaseline): string {
  const unseen = baseline.labels.length - 1;
  const seen = new Set<string>();
  const cases = baseline.labels.slice(0, unseen).flatMap((label, i) => {
    if (seen.has(label)) return [];
    seen.add(label);
    return [`case ${JSON.stringify(label)}:out[${slot}]=${i};break;`];
  });
  return `switch(${read}){${cases.join('')}default:out[${slot}]=${unseen};}`;
}

/**
 * Compiles the binners (from createFeatureBinners, which has checked the baseline) into one function.
 *
 * @example
 * const binRow = compileRowBinning(createFeatureBinners(model.baseline), model.baseline);
 * const bins = new Uint8Array(16); binRow(row, bins);
 */
export function compileRowBinning(binners: readonly FeatureBinner[], baselines: Readonly<Record<string, NumericBaseline | CategoricalBaseline>>): RowBinning {
  const body = binners
    .map((binner, slot) => {
      const read = `row[${JSON.stringify(binner.name)}]`;
      const baseline = baselines[binner.name];
      return baseline.kind === 'numeric' ? numericCode(read, slot, baseline) : categoricalCode(read, slot, baseline);
    })
    .join('\n');
  return new Function('row', 'out', `let v;\n${body}`) as RowBinning;
}
