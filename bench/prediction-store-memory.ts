/**
 * `npm run bench:store`: memory and speed of InMemoryPredictionStore at 1,000,000 entries, against
 * the project's bar of 200 MB for a million predictions waiting for their labels. A script, not a
 * test: it prints one JSON object.
 *
 * Each id style runs in its own child process, so that one run's garbage and RSS high-water mark do
 * not leak into the other's figures. Memory is measured after forced GCs (`--expose-gc`) as the
 * growth of heap used plus external memory (the ring and the id index are typed arrays, outside the
 * V8 heap). The store keeps no id string (only a 64-bit hash), so the ids' own memory is the
 * request's, not the store's; RSS growth also shows the pages the ids passed through.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { InMemoryPredictionStore, type StoredPrediction } from '../src/monitoring/quality/index.js';

const ENTRIES = 1_000_000;
const BUDGET_MB = 200;
const MB = 1024 * 1024;
const BATCH = 10_000;
const ID_STYLES = ['uuid', 'loadgen'] as const;
type IdStyle = (typeof ID_STYLES)[number];

/** The figures of one id style, as the child prints them. */
interface StyleResult {
  readonly idStyle: IdStyle;
  readonly exampleId: string;
  readonly heapUsedMb: number;
  readonly externalMb: number;
  readonly storeMb: number;
  readonly rssMb: number;
  readonly bytesPerEntry: number;
  readonly nsPerRememberFilling: number;
  readonly nsPerRememberEvicting: number;
  readonly nsPerLabel: number;
}

/**
 * A batch of ids shaped like the service's: a UUID when the client sent no X-Request-Id (as the
 * server makes it: a rope, which hashing flattens, part of what a remember costs), or the load generator's
 * `lg<base36 run id>-<n>` sent as a header, hence a flat string (a template literal would build a
 * rope, so it is copied flat).
 *
 * @example makeIds('loadgen', 'lgm9x2k3ab', 2, 0) // ['lgm9x2k3ab-0', 'lgm9x2k3ab-1']
 */
function makeIds(style: IdStyle, runId: string, count: number, first: number): string[] {
  const ids = new Array<string>(count);
  for (let i = 0; i < count; i++) ids[i] = style === 'uuid' ? randomUUID() : flatCopy(`${runId}-${first + i}`);
  return ids;
}

/** A fresh flat string equal to `text`, as the server gets from parsing a header or a body. */
function flatCopy(text: string): string {
  return Buffer.from(text, 'latin1').toString('latin1');
}

/** Two full collections: the first may only schedule finalisation of what the second frees. */
function collect(): void {
  if (globalThis.gc === undefined) throw new Error('run with node --expose-gc (npm run bench:store)');
  globalThis.gc();
  globalThis.gc();
}

/**
 * Calls `call` on every index of `count`, in batches whose inputs `prepare` builds outside the
 * timing, so that the ids arrive a few thousand at a time as in the service (no million ropes
 * waiting at once to inflate RSS) and their making is not counted. Returns the timed nanoseconds.
 */
function timeInBatches<T>(count: number, prepare: (first: number, size: number) => T[], call: (input: T, index: number) => void): number {
  let elapsed = 0n;
  for (let first = 0; first < count; first += BATCH) {
    const inputs = prepare(first, Math.min(BATCH, count - first));
    const start = process.hrtime.bigint();
    for (let k = 0; k < inputs.length; k++) call(inputs[k], first + k);
    elapsed += process.hrtime.bigint() - start;
  }
  return Number(elapsed);
}

/**
 * Fills, labels and overruns one store, timing each phase, and returns the figures.
 *
 * @example measureStyle('uuid').bytesPerEntry // about 36
 */
function measureStyle(style: IdStyle): StyleResult {
  // A few hundred prediction objects reused round-robin: the caller's object is not the store's cost.
  const predictions: StoredPrediction[] = Array.from({ length: 256 }, (_, i) => ({
    predicted: (i & 1) as 0 | 1,
    confidence: 0.5 + i / 512,
    modelVersion: i % 16 === 0 ? 'v2' : 'v1',
    timeMs: Date.now(),
  }));
  const runId = `lg${Date.now().toString(36)}`;
  collect();
  const before = process.memoryUsage();

  const store = new InMemoryPredictionStore({ maxEntries: ENTRIES, ttlSeconds: 86_400 });
  // Kept only to label the same ids afterwards; dropped before memory is read.
  let remembered: string[] | undefined = new Array<string>(ENTRIES);
  const rememberFillingNs = timeInBatches(
    ENTRIES,
    (first, size) => makeIds(style, runId, size, first),
    (id, i) => {
      store.remember(id, predictions[i & 255]);
      remembered![i] = id;
    },
  );

  const now = Date.now();
  let joined = 0;
  // Labels come in their own requests, so each lookup gets a fresh copy of the id to hash.
  const labelNs = timeInBatches(
    ENTRIES,
    (first, size) => remembered!.slice(first, first + size).map(flatCopy),
    (id, i) => {
      if (store.label(id, (i & 3) === 0 ? 1 : 0, now).status === 'joined') joined++;
    },
  );
  if (joined !== ENTRIES || store.size !== ENTRIES) throw new Error(`expected ${ENTRIES} joined and held, got ${joined} and ${store.size}`);
  const exampleId = remembered[0];
  remembered = undefined;
  collect();
  const after = process.memoryUsage();

  // The steady state of a long-running service: every remember evicts the oldest prediction.
  const rememberEvictingNs = timeInBatches(
    ENTRIES,
    (first, size) => makeIds(style, runId, size, ENTRIES + first),
    (id, i) => store.remember(id, predictions[i & 255]),
  );

  const heapUsed = after.heapUsed - before.heapUsed;
  const external = after.external - before.external;
  const round = (value: number, digits = 1): number => Number(value.toFixed(digits));
  return {
    idStyle: style,
    exampleId,
    heapUsedMb: round(heapUsed / MB),
    externalMb: round(external / MB),
    storeMb: round((heapUsed + external) / MB),
    rssMb: round((after.rss - before.rss) / MB),
    bytesPerEntry: round((heapUsed + external) / ENTRIES),
    nsPerRememberFilling: round(rememberFillingNs / ENTRIES, 0),
    nsPerRememberEvicting: round(rememberEvictingNs / ENTRIES, 0),
    nsPerLabel: round(labelNs / ENTRIES, 0),
  };
}

/** Runs each id style in a child with this process's flags (`--expose-gc --import tsx`) and gathers the results. */
function runAll(): void {
  const script = fileURLToPath(import.meta.url);
  const results: StyleResult[] = [];
  for (const style of ID_STYLES) {
    const child = spawnSync(process.execPath, [...process.execArgv, script, style], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (child.status !== 0) throw new Error(`the ${style} run exited with ${child.status ?? child.signal}`);
    results.push(JSON.parse(child.stdout) as StyleResult);
  }
  const worstMb = Math.max(...results.map((r) => Math.max(r.storeMb, r.rssMb)));
  console.log(JSON.stringify({ node: process.version, entries: ENTRIES, budgetMb: BUDGET_MB, withinBudget: worstMb < BUDGET_MB, results }, null, 2));
}

const style = process.argv[2] as IdStyle | undefined;
if (style === undefined) runAll();
else if (ID_STYLES.includes(style)) console.log(JSON.stringify(measureStyle(style)));
else throw new Error(`unknown id style ${style}; expected one of ${ID_STYLES.join(', ')}`);
