/**
 * Where a prediction waits for its ground-truth label.
 *
 * Bank-marketing outcomes (did the client subscribe?) arrive minutes to days after the prediction,
 * so the service keeps each prediction under its request id until a label joins it, or until the
 * store forgets it. Forgetting is bounded twice: by size (a ring of `maxEntries` slots, so memory is
 * fixed however fast requests come) and by age (a label for a prediction older than `ttlSeconds` is
 * refused, because a join that late would mix an old model's answer into today's quality figures).
 */

import { IdIndex } from './id-index.js';

/** What is kept of one prediction: enough to score it once its label arrives. */
export interface StoredPrediction {
  /** The predicted class's index (0..C−1; binary 0 or 1); 0 for a regression's prediction. */
  readonly predicted: number;
  /** Probability of the predicted class; NaN for a regression's prediction. */
  readonly confidence: number;
  /** A regression's predicted value; absent for a class prediction. */
  readonly value?: number;
  readonly modelVersion: string;
  /** When the prediction was made (ms since the epoch); label delays and ages count from here. */
  readonly timeMs: number;
}

/** The answer to one label: each status is a different counter on the dashboards. */
export type LabelOutcome =
  | { readonly status: 'joined'; readonly prediction: StoredPrediction; readonly actual: number; readonly delaySeconds: number }
  /** The same label again (a retried request): idempotent, not counted again. */
  | { readonly status: 'duplicate'; readonly prediction: StoredPrediction; readonly actual: number }
  /** A different label for an already-labelled id: refused; `actual` is the first label, which stands, `given` the refused one. */
  | { readonly status: 'conflict'; readonly prediction: StoredPrediction; readonly actual: number; readonly given: number }
  | { readonly status: 'expired'; readonly ageSeconds: number }
  | { readonly status: 'unknown_id' };

/**
 * The store as the service uses it. Small on purpose, so that a shared store (e.g. Redis) can
 * implement it later; methods are named as operations rather than data access because such an
 * implementation may have to become asynchronous.
 */
export interface PredictionStore {
  /** Keeps `prediction` under `requestId`, replacing whatever that id held before. */
  remember(requestId: string, prediction: StoredPrediction): void;
  /**
   * Joins the ground truth `actual` to the prediction made under `requestId`: a class index for a
   * class prediction (binary 0 or 1), the true value for a regression's.
   */
  label(requestId: string, actual: number, nowMs: number): LabelOutcome;
  /** Predictions currently held, expired ones included until they are evicted. */
  readonly size: number;
  /** Of those, how many carry a label (numerator of the label-coverage gauge). */
  readonly labelled: number;
  /** The most predictions the store can hold. */
  readonly capacity: number;
  /** Predictions that left the store unlabelled because it was full, since start: their labels can no longer be joined. */
  readonly evictedUnlabelled: number;
}

/** Sizing of an {@link InMemoryPredictionStore}. */
export interface InMemoryPredictionStoreOptions {
  /** Ring slots; a prediction is evicted `maxEntries` remembers after its own. */
  readonly maxEntries: number;
  /** A label for a prediction older than this is answered `expired`. */
  readonly ttlSeconds: number;
}

// Bounds the typed arrays (about 60 bytes a slot, the index included) to under 1 GB.
const MAX_ENTRIES = 16_777_216;

// Bits of the per-slot state byte.
const OCCUPIED = 1;
const LABELLED = 4;
/** A regression's prediction: the output slot holds the value, not a confidence. */
const VALUE = 16;

/** The most classes a stored class index can name (a 16-bit index). */
export const MAX_STORED_CLASSES = 0x10000;

const UNKNOWN_ID: LabelOutcome = Object.freeze({ status: 'unknown_id' });

/**
 * A {@link PredictionStore} in one process: a ring of preallocated typed arrays plus an index from
 * request id to slot that is itself typed arrays (id-index.ts: a 64-bit hash per id, so no id string
 * is retained), so that `remember`, which runs on every prediction request, is O(1) and leaves
 * nothing on the heap for the garbage collector to move.
 *
 * Semantics worth knowing:
 * - Eviction is by insertion order: each `remember` takes the next ring slot, and whatever that slot
 *   held (the prediction remembered `maxEntries` calls ago) is evicted. An evicted prediction that
 *   had no label is counted in {@link evictedUnlabelled}: its label, if it ever comes, will find
 *   `unknown_id`.
 * - Remembering an id that is already held (a client reusing `X-Request-Id`) replaces the old
 *   prediction and its label, if any: the id now means the newer request, which takes a fresh slot
 *   and therefore lives a full ring turn. The old slot stays empty until the ring comes round, so
 *   `size` can be below `capacity` on a full ring; a replacement is not counted as an eviction.
 * - Age is checked only when a label arrives: an unlabelled prediction older than `ttlSeconds`
 *   answers `expired`, and keeps answering `expired` (rather than `unknown_id`) until evicted, so
 *   a late label is reported for what it is. A prediction that already has a label answers
 *   `duplicate` or `conflict` at any age, so retries stay idempotent.
 * - Model versions are interned to 16-bit indices and recycled once no held prediction uses them,
 *   so any number of versions may come and go; only more than 65,535 distinct versions held at the
 *   same moment overflow, and predictions past that bound read back version `'(unknown)'`.
 *   (Versions come from the model registry, a handful per process, so this is a bound, not a case.)
 *
 * Memory: 29 bytes of ring per entry (8 time, 8 confidence or predicted value, 8 label — a class
 * index or a true value —, 2 class index, 1 state, 2 version index) and 24 of id index (8 of hash,
 * 16 of table at most half full). Before the label and class index were added for multiclass and
 * regression models, `npm run bench:store` (Node 20, 1,000,000 entries, growth of heap used plus
 * external memory after forced GCs) measured 44 bytes per entry, 42 MB at a million, whatever the
 * ids look like, against a bar of 200 MB; with them, 54.2 bytes and 51.7 MB (Node 24). A
 * `Map` keyed by the id strings measured 114 bytes per entry with UUIDs, and cost the garbage
 * collector a promoted string per prediction.
 *
 * @example
 * const store = new InMemoryPredictionStore({ maxEntries: 1_000_000, ttlSeconds: 7 * 86_400 });
 * store.remember('req-1', { predicted: 1, confidence: 0.83, modelVersion: 'v3', timeMs: 1_000 });
 * store.remember('req-9', { predicted: 0, confidence: Number.NaN, value: 152.5, modelVersion: 'v4', timeMs: 1_000 }); // regression
 * store.label('req-1', 1, 61_000); // { status: 'joined', prediction: {...}, actual: 1, delaySeconds: 60 }
 * store.label('req-1', 1, 62_000); // { status: 'duplicate', ... }
 * store.label('req-2', 0, 62_000); // { status: 'unknown_id' }
 */
export class InMemoryPredictionStore implements PredictionStore {
  readonly capacity: number;
  private readonly ttlMs: number;
  private readonly index: IdIndex;
  private readonly times: Float64Array;
  // Float64 rather than Float32 so a confidence (or a regression's value) reads back exactly as remembered, for 4 bytes an entry.
  private readonly outputs: Float64Array;
  /** The predicted class index. */
  private readonly classes: Uint16Array;
  /** The label once joined: a class index, or a regression's true value. */
  private readonly actuals: Float64Array;
  private readonly states: Uint8Array;
  private readonly versionIndices: Uint16Array;
  private readonly versions = new VersionTable();
  private next = 0;
  private held = 0;
  private labelledCount = 0;
  private evictedUnlabelledCount = 0;

  /** @throws RangeError when `maxEntries` is not an integer in [1, 2^24] or `ttlSeconds` is not positive and finite */
  constructor(options: InMemoryPredictionStoreOptions) {
    const { maxEntries, ttlSeconds } = options;
    if (!Number.isInteger(maxEntries) || maxEntries < 1 || maxEntries > MAX_ENTRIES) {
      throw new RangeError(`maxEntries must be an integer in [1, ${MAX_ENTRIES}], got ${maxEntries}`);
    }
    // Written as a negated test so NaN fails it too.
    if (!(ttlSeconds > 0 && Number.isFinite(ttlSeconds))) throw new RangeError(`ttlSeconds must be a positive number, got ${ttlSeconds}`);
    this.capacity = maxEntries;
    this.ttlMs = ttlSeconds * 1000;
    this.index = new IdIndex(maxEntries);
    this.times = new Float64Array(maxEntries);
    this.outputs = new Float64Array(maxEntries);
    this.classes = new Uint16Array(maxEntries);
    this.actuals = new Float64Array(maxEntries);
    this.states = new Uint8Array(maxEntries);
    this.versionIndices = new Uint16Array(maxEntries);
  }

  get size(): number {
    return this.held;
  }

  get labelled(): number {
    return this.labelledCount;
  }

  /** Predictions that left the store through eviction without having been labelled, since construction. */
  get evictedUnlabelled(): number {
    return this.evictedUnlabelledCount;
  }

  /**
   * Keeps `prediction` under `requestId`, evicting the oldest slot's prediction and replacing an
   * earlier prediction under the same id (see the class comment). O(1).
   *
   * @example store.remember(request.id, { predicted, confidence, modelVersion: model.version, timeMs: Date.now() })
   */
  remember(requestId: string, prediction: StoredPrediction): void {
    const isValue = prediction.value !== undefined;
    if (!isValue && !(Number.isInteger(prediction.predicted) && prediction.predicted >= 0 && prediction.predicted < MAX_STORED_CLASSES)) {
      throw new RangeError(`predicted must be a class index in [0, ${MAX_STORED_CLASSES}), got ${String(prediction.predicted)}`);
    }
    // Acquired before any release, so a version held by a single replaced entry keeps its index
    // instead of leaving and re-entering the table.
    const version = this.versions.acquire(prediction.modelVersion);
    const previous = this.index.find(requestId);
    if (previous >= 0) {
      this.index.remove(previous);
      this.vacate(previous);
    }
    const slot = this.next;
    if ((this.states[slot] & OCCUPIED) !== 0) this.evict(slot);
    this.times[slot] = prediction.timeMs;
    this.outputs[slot] = isValue ? (prediction.value as number) : prediction.confidence;
    this.classes[slot] = isValue ? 0 : prediction.predicted;
    this.versionIndices[slot] = version;
    this.states[slot] = isValue ? OCCUPIED | VALUE : OCCUPIED;
    this.index.insert(requestId, slot);
    this.held++;
    this.next = slot + 1 === this.capacity ? 0 : slot + 1;
  }

  /**
   * Joins the ground truth to the prediction made under `requestId`. Checks, in order: unknown id;
   * already labelled (`duplicate` or `conflict`, at any age); older than the TTL (`expired`, strictly
   * older: an age of exactly `ttlSeconds` still joins); otherwise `joined`, with the delay since the
   * prediction (clamped at 0 should the caller's clock have stepped back).
   *
   * @param nowMs - the label's arrival time, on the same clock as {@link StoredPrediction.timeMs}
   * @throws RangeError when `actual` is not a finite number (the caller checks it fits the model: a
   *   class index below its number of classes, or any value for a regression)
   *
   * @example
   * const outcome = store.label('req-1', 0, Date.now());
   * if (outcome.status === 'joined') window.add(outcome.prediction.predicted, outcome.actual);
   */
  label(requestId: string, actual: number, nowMs: number): LabelOutcome {
    if (typeof actual !== 'number' || !Number.isFinite(actual)) throw new RangeError(`actual must be a finite number, got ${String(actual)}`);
    const slot = this.index.find(requestId);
    if (slot < 0) return UNKNOWN_ID;
    const state = this.states[slot];
    if ((state & LABELLED) !== 0) {
      const first = this.actuals[slot];
      const prediction = this.predictionAt(slot);
      return first === actual ? { status: 'duplicate', prediction, actual } : { status: 'conflict', prediction, actual: first, given: actual };
    }
    const ageMs = nowMs - this.times[slot];
    if (ageMs > this.ttlMs) return { status: 'expired', ageSeconds: ageMs / 1000 };
    this.states[slot] = state | LABELLED;
    this.actuals[slot] = actual;
    this.labelledCount++;
    return { status: 'joined', prediction: this.predictionAt(slot), actual, delaySeconds: Math.max(0, ageMs) / 1000 };
  }

  private predictionAt(slot: number): StoredPrediction {
    const modelVersion = this.versions.name(this.versionIndices[slot]);
    if ((this.states[slot] & VALUE) !== 0) return { predicted: 0, confidence: Number.NaN, value: this.outputs[slot], modelVersion, timeMs: this.times[slot] };
    return { predicted: this.classes[slot], confidence: this.outputs[slot], modelVersion, timeMs: this.times[slot] };
  }

  /** The ring came round to an occupied slot: its prediction leaves the store for good. */
  private evict(slot: number): void {
    this.index.remove(slot);
    if ((this.states[slot] & LABELLED) === 0) this.evictedUnlabelledCount++;
    this.vacate(slot);
  }

  /** Empties a slot, keeping `labelled` and `size` exact; the caller removes it from the index. */
  private vacate(slot: number): void {
    if ((this.states[slot] & LABELLED) !== 0) this.labelledCount--;
    this.versions.release(this.versionIndices[slot]);
    this.states[slot] = 0;
    this.held--;
  }
}

/** Index 0 stands for every version past the table's bound. */
const OVERFLOW_INDEX = 0;
const OVERFLOW_VERSION = '(unknown)';
const MAX_VERSION_INDEX = 0xffff;

/**
 * Model-version strings interned to 16-bit indices, reference-counted so that an index returns to
 * the pool once no held prediction uses it: bounded at 65,535 versions held at once, unbounded over
 * time, and O(1) per acquire/release (a Map lookup and a counter in the steady state).
 */
class VersionTable {
  private readonly indexOf = new Map<string, number>();
  private readonly names: string[] = [OVERFLOW_VERSION];
  private readonly references = new Uint32Array(MAX_VERSION_INDEX + 1);
  private readonly freed: number[] = [];
  // The index acquired last; `names` says whether it still belongs to the same version.
  private lastIndex = OVERFLOW_INDEX;

  acquire(version: string): number {
    // Nearly every prediction comes from the serving version: skip the Map for a repeat.
    if (this.lastIndex !== OVERFLOW_INDEX && this.names[this.lastIndex] === version) {
      this.references[this.lastIndex]++;
      return this.lastIndex;
    }
    let index = this.indexOf.get(version);
    if (index === undefined) {
      index = this.freed.pop() ?? (this.names.length <= MAX_VERSION_INDEX ? this.names.length : OVERFLOW_INDEX);
      if (index === OVERFLOW_INDEX) return OVERFLOW_INDEX;
      this.indexOf.set(version, index);
      this.names[index] = version;
    }
    this.references[index]++;
    this.lastIndex = index;
    return index;
  }

  release(index: number): void {
    if (index === OVERFLOW_INDEX) return;
    if (--this.references[index] === 0) {
      this.indexOf.delete(this.names[index]);
      this.names[index] = '';
      this.freed.push(index);
    }
  }

  name(index: number): string {
    return this.names[index];
  }
}
