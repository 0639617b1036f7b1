/**
 * The trained model as served: trees compiled to flat typed arrays for allocation-free prediction,
 * and serialisation back to the plain-JSON artifact.
 *
 * Outputs by objective ({@link GbdtModel.predictOutputs}): binary — one value, the probability of
 * class 1 (sigmoid of the raw score); multiclass — K class probabilities (softmax of the K raw
 * scores, summing to 1); regression — one value, the raw score itself.
 *
 * Routing rules (identical in training and inference, and part of the artifact contract):
 * - numeric: go left when `x <= threshold`; NaN compares false and therefore goes right, as if +∞
 *   (in training a NaN has a bin of its own after the largest values, which are always on the
 *   right, so a split can also isolate the missing rows: its threshold is the largest training value).
 * - categorical: go left when `x` is an integer category in the node's left set; everything else —
 *   categories never seen or too rare in training, -1, NaN, non-integers — goes right.
 */
import { compileOutputs, type CompiledTrees } from './compile.js';
import { MODEL_FORMAT, MODEL_FORMAT_V2, MODEL_VERSION, MODEL_VERSION_V2, normalizeModelJson, type GbdtModelJson, type GbdtTreeJson, type NormalizedModelJson } from './model-json.js';
import type { GbdtObjective } from './objective.js';
import type { GbdtParams } from './params.js';

/**
 * A trained model, held two ways: flat typed arrays (all trees' nodes concatenated, child links as
 * absolute node indices, categorical left sets as bitsets in one shared Uint32Array), which are the
 * reference walk and what `toJSON` rebuilds the artifact from; and the same trees compiled to
 * JavaScript (compile.ts), which is what `predictRaw` runs — about 3.5× faster, bit-identical.
 *
 * One array per field, not one interleaved record per node: packing each node into 16 bytes with
 * the right child implicit was measured on the 134-tree bank-full model at ~5.1 vs ~5.2 µs per
 * row, within noise.
 */
export class GbdtModel {
  readonly objective: GbdtObjective;
  /** 2 for binary, K for multiclass, 1 for regression. */
  readonly nClasses: number;
  /** Values {@link predictOutputs} writes per row: K for multiclass, else 1. */
  readonly nOutputs: number;
  readonly nFeatures: number;
  readonly categorical: readonly boolean[];
  /** Raw score of output 0 before any tree (binary: the log-odds of the training base rate). */
  readonly initScore: number;
  /** Raw score of each output before any tree. */
  readonly initScores: readonly number[];
  readonly params: Readonly<GbdtParams>;
  /** Total split gain per feature (higher = more useful). */
  readonly featureImportance: readonly number[];
  /**
   * Validation loss after 0, 1, 2, … rounds (log-loss, multi-class log-loss or mean squared error);
   * empty when trained without early stopping.
   */
  readonly validationLoss: readonly number[];
  readonly nTrees: number;
  private readonly treeStart: Int32Array;
  private readonly feature: Int32Array;
  private readonly threshold: Float64Array;
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  private readonly value: Float64Array;
  /** Categorical nodes: first word of the left-set bitset in `catBits`; -1 for numeric nodes. */
  private readonly catStart: Int32Array;
  /** Categorical nodes: one past the largest category the bitset can hold (32 × words). */
  private readonly catLimit: Int32Array;
  private readonly catBits: Uint32Array;
  /** Output 0's compiled trees: the only ones of a binary or regression model. */
  private readonly compiled: CompiledTrees;
  /** One compiled function per output. */
  private readonly compiledOutputs: readonly CompiledTrees[];

  private constructor(spec: NormalizedModelJson) {
    this.objective = spec.objective;
    this.nClasses = spec.nClasses;
    this.nOutputs = spec.nOutputs;
    this.nFeatures = spec.nFeatures;
    this.categorical = Object.freeze([...spec.categorical]);
    this.initScores = Object.freeze([...spec.initScores]);
    this.initScore = spec.initScores[0];
    this.params = Object.freeze({ ...spec.params });
    this.featureImportance = Object.freeze([...spec.featureImportance]);
    this.validationLoss = Object.freeze([...spec.validationLoss]);
    this.nTrees = spec.trees.length;
    const total = spec.trees.reduce((sum, t) => sum + t.feature.length, 0);
    this.treeStart = new Int32Array(this.nTrees + 1);
    this.feature = new Int32Array(total);
    this.threshold = new Float64Array(total);
    this.left = new Int32Array(total);
    this.right = new Int32Array(total);
    this.value = new Float64Array(total);
    this.catStart = new Int32Array(total).fill(-1);
    this.catLimit = new Int32Array(total);
    const words: number[] = [];
    let base = 0;
    spec.trees.forEach((tree, t) => {
      this.treeStart[t] = base;
      for (let i = 0; i < tree.feature.length; i++) {
        const k = base + i;
        this.feature[k] = tree.feature[i];
        this.threshold[k] = tree.threshold[i];
        this.left[k] = tree.left[i] < 0 ? -1 : base + tree.left[i];
        this.right[k] = tree.right[i] < 0 ? -1 : base + tree.right[i];
        this.value[k] = tree.value[i];
        const cats = tree.leftCategories[i];
        if (cats.length === 0) continue;
        const nWords = (cats[cats.length - 1] >>> 5) + 1;
        this.catStart[k] = words.length;
        this.catLimit[k] = nWords * 32;
        for (let w = 0; w < nWords; w++) words.push(0);
        for (const c of cats) words[this.catStart[k] + (c >>> 5)] |= 1 << (c & 31);
      }
      base += tree.feature.length;
    });
    this.treeStart[this.nTrees] = base;
    this.catBits = Uint32Array.from(words, (w) => w >>> 0);
    this.compiledOutputs = compileOutputs(spec.nFeatures, spec.initScores, spec.trees);
    this.compiled = this.compiledOutputs[0];
  }

  /**
   * Raw score for the row starting at `x[offset]`, by the compiled trees: the log-odds of a binary
   * model, the value of a regression model, class `output`'s raw score of a multiclass model.
   * Allocation-free; O(trees × depth).
   *
   * @example
   * model.predictRaw(rows, 3 * model.nFeatures); // log-odds of the fourth row of a row-major matrix
   */
  predictRaw(x: Float64Array | number[], offset = 0, output = 0): number {
    this.checkRow(x, offset);
    if (output === 0) return this.compiled(x, offset);
    this.checkOutput(output);
    return this.compiledOutputs[output](x, offset);
  }

  /**
   * The same score by walking the node arrays: the reference the compiled trees are tested against.
   *
   * @example model.walkTrees(row) === model.predictRaw(row) // true
   */
  walkTrees(x: Float64Array | number[], offset = 0, output = 0): number {
    this.checkRow(x, offset);
    this.checkOutput(output);
    const { feature, threshold, left, right, value, catStart, catLimit, catBits, treeStart } = this;
    const step = this.nOutputs;
    let score = this.initScores[output];
    for (let t = output; t < this.nTrees; t += step) {
      let node = treeStart[t];
      let next = left[node];
      while (next >= 0) {
        const v = x[offset + feature[node]];
        const word = catStart[node];
        let goLeft: boolean;
        if (word < 0) goLeft = v <= threshold[node];
        // `(v >>> 0) === v` holds only for non-negative integers, so NaN, -1 and 4.5 go right;
        // codes past the bitset were never in the left set and go right too.
        else goLeft = v < catLimit[node] && v >>> 0 === v && (catBits[word + (v >>> 5)] & (1 << (v & 31))) !== 0;
        node = goLeft ? next : right[node];
        next = left[node];
      }
      score += value[node];
    }
    return score;
  }

  private checkRow(x: Float64Array | number[], offset: number): void {
    if (offset < 0 || offset + this.nFeatures > x.length) {
      throw new RangeError(`row at offset ${offset} needs ${this.nFeatures} values but x has ${x.length}`);
    }
  }

  private checkOutput(output: number): void {
    if (!(Number.isInteger(output) && output >= 0 && output < this.nOutputs)) throw new RangeError(`output ${output} does not exist: this model has ${this.nOutputs}`);
  }

  private checkOut(out: Float64Array | number[]): void {
    if (out.length < this.nOutputs) throw new RangeError(`out has ${out.length} slots but this ${this.objective} model writes ${this.nOutputs}`);
  }

  /**
   * The model's outputs for the row starting at `x[offset]`, written to `out[0..nOutputs)`:
   * binary — the probability of class 1; multiclass — the K class probabilities (summing to 1);
   * regression — the predicted value. By the compiled trees; allocation-free.
   *
   * @example
   * const out = new Float64Array(model.nOutputs);
   * model.predictOutputs(rows, 0, out); // out[k] = probability of class k (multiclass)
   */
  predictOutputs(x: Float64Array | number[], offset: number, out: Float64Array | number[]): void {
    this.checkRow(x, offset);
    this.checkOut(out);
    for (let k = 0; k < this.nOutputs; k++) out[k] = this.compiledOutputs[k](x, offset);
    this.rawToOutputs(out);
  }

  /**
   * {@link predictOutputs} by walking the node arrays, the reference the compiled trees are tested against.
   *
   * @example model.walkOutputs(row, 0, out);
   */
  walkOutputs(x: Float64Array | number[], offset: number, out: Float64Array | number[]): void {
    this.checkOut(out);
    for (let k = 0; k < this.nOutputs; k++) out[k] = this.walkTrees(x, offset, k);
    this.rawToOutputs(out);
  }

  /** Raw scores in `out` become outputs, in place: sigmoid, softmax or identity. */
  private rawToOutputs(out: Float64Array | number[]): void {
    if (this.objective === 'binary') {
      out[0] = 1 / (1 + Math.exp(-out[0]));
    } else if (this.objective === 'multiclass') {
      const k = this.nOutputs;
      let max = -Infinity;
      for (let c = 0; c < k; c++) if (out[c] > max) max = out[c];
      let total = 0;
      for (let c = 0; c < k; c++) {
        out[c] = Math.exp(out[c] - max);
        total += out[c];
      }
      for (let c = 0; c < k; c++) out[c] /= total;
    }
  }

  /**
   * Probability of class 1 for the row starting at `x[offset]`, for a binary model (other
   * objectives throw: use {@link predictOutputs}). Allocation-free; O(trees × depth).
   *
   * @example
   * model.predictProba([39, 1, 0.5]); // a single 3-feature row
   */
  predictProba(x: Float64Array | number[], offset = 0): number {
    if (this.objective !== 'binary') throw new RangeError(`predictProba is for binary models; this one is ${this.objective}: use predictOutputs`);
    return 1 / (1 + Math.exp(-this.predictRaw(x, offset)));
  }

  /**
   * Probabilities for `n` rows of a row-major matrix.
   *
   * @example
   * const p = model.predictProbaBatch(test.x, test.n); // Float64Array of test.n probabilities
   */
  predictProbaBatch(x: Float64Array | number[], n: number): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.predictProba(x, i * this.nFeatures);
    return out;
  }

  /**
   * {@link predictOutputs} for `n` rows of a row-major matrix: a row-major `n × nOutputs` matrix.
   *
   * @example
   * const p = model.predictOutputsBatch(test.x, test.n); // p[i * model.nOutputs + k]
   */
  predictOutputsBatch(x: Float64Array | number[], n: number): Float64Array {
    const k = this.nOutputs;
    const out = new Float64Array(n * k);
    for (let i = 0; i < n; i++) this.predictOutputs(x, i * this.nFeatures, out.subarray(i * k, i * k + k));
    return out;
  }

  /**
   * Plain-JSON artifact, rebuilt from the compiled arrays so it is exactly what predicts: layout
   * version 1 for a binary model, version 2 for the others (see model-json.ts).
   *
   * @example
   * fs.writeFileSync('model.json', JSON.stringify(model.toJSON()));
   */
  toJSON(): GbdtModelJson {
    const trees: GbdtTreeJson[] = [];
    for (let t = 0; t < this.nTrees; t++) trees.push(this.treeJson(t));
    if (this.objective !== 'binary') {
      return {
        format: MODEL_FORMAT_V2,
        version: MODEL_VERSION_V2,
        objective: this.objective,
        nClasses: this.nClasses,
        nFeatures: this.nFeatures,
        categorical: [...this.categorical],
        initScore: [...this.initScores],
        params: { ...this.params },
        featureImportance: [...this.featureImportance],
        validationLoss: [...this.validationLoss],
        trees,
      };
    }
    // Binary models keep layout version 1, byte for byte (see model-json.ts).
    return {
      format: MODEL_FORMAT,
      version: MODEL_VERSION,
      nFeatures: this.nFeatures,
      categorical: [...this.categorical],
      initScore: this.initScore,
      params: { ...this.params },
      featureImportance: [...this.featureImportance],
      validationLoss: [...this.validationLoss],
      trees,
    };
  }

  private treeJson(t: number): GbdtTreeJson {
    const base = this.treeStart[t];
    const tree: GbdtTreeJson = { feature: [], threshold: [], left: [], right: [], value: [], leftCategories: [] };
    for (let k = base; k < this.treeStart[t + 1]; k++) {
      tree.feature.push(this.feature[k]);
      tree.threshold.push(this.threshold[k]);
      tree.left.push(this.left[k] < 0 ? -1 : this.left[k] - base);
      tree.right.push(this.right[k] < 0 ? -1 : this.right[k] - base);
      tree.value.push(this.value[k]);
      const cats: number[] = [];
      for (let c = 0; this.catStart[k] >= 0 && c < this.catLimit[k]; c++) {
        if ((this.catBits[this.catStart[k] + (c >>> 5)] & (1 << (c & 31))) !== 0) cats.push(c);
      }
      tree.leftCategories.push(cats);
    }
    return tree;
  }

  /**
   * Validates an artifact thoroughly and compiles it. A corrupted or hand-edited artifact is refused
   * with an Error naming the first problem (e.g. `tree 3: node 7 references child 99 beyond 41 nodes`).
   *
   * @example
   * const model = GbdtModel.fromJSON(JSON.parse(fs.readFileSync('model.json', 'utf8')));
   */
  static fromJSON(obj: unknown): GbdtModel {
    return new GbdtModel(normalizeModelJson(obj));
  }
}

/**
 * Same as {@link GbdtModel.fromJSON}.
 *
 * @example
 * const model = gbdtFromJSON(JSON.parse(text));
 */
export function gbdtFromJSON(obj: unknown): GbdtModel {
  return GbdtModel.fromJSON(obj);
}
