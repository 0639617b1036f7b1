/**
 * The model registry: a directory that keeps every version and a pointer to the current one.
 *
 *   <MODEL_DIR>/versions/v1.json, v2.json, …   one artifact per version, never rewritten
 *   <MODEL_DIR>/CURRENT                         the serving version's name, e.g. "v2"
 *   <MODEL_DIR>/history.jsonl                   every change of CURRENT: when, from, to, why
 *
 * Every write goes to a temporary file that is fsynced and renamed into place, so a crash leaves
 * either the old file or the new one, never half of one. A version number is claimed with an
 * exclusive create, so two trainers registering at once get different versions.
 */
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, existsSync, unlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ArtifactError, RegistryEmptyError, VersionNotFoundError } from '../errors.js';
import { appendDurably, writeAtomically } from '../util/atomic-file.js';
import { DEFAULT_MODEL_NAME, holdoutOf, parseArtifact, serializeArtifact, type ModelArtifact, type UnsealedArtifact } from './artifact.js';
import { createEncoder, encodeRows } from './encoding.js';
import type { Row } from '../data/schema.js';
import type { ServingModel } from './serving-model.js';
import type { ModelSchema } from '../data/model-schema.js';
import type { RowScorer } from './row-scorer.js';

/** One registered version, as listed. */
export interface RegistryEntry {
  readonly version: string;
  readonly file: string;
  readonly current: boolean;
}

/** One change of the current version, as recorded in history.jsonl. */
export interface PointerChange {
  readonly at: string;
  readonly from: string | null;
  readonly to: string;
  /** Who moved it: train, pipeline, promote, rollback, bootstrap, admin … */
  readonly by: string;
  readonly reason: string;
}

const VERSION_FILE = /^v([0-9]+)\.json$/;
const VERSION_NAME = /^v[0-9]{1,9}$/;

/**
 * Whether `name` has the shape of a version ("v" and a number). Names that come from outside (an
 * HTTP body) are checked with it before they become a path, so "../x" never reaches the file system.
 *
 * @example isVersionName('v3') // true
 */
export const isVersionName = (name: string): boolean => VERSION_NAME.test(name);

/** A model registry rooted at a directory. */
export class ModelRegistry {
  readonly versionsDir: string;
  readonly pointerFile: string;
  readonly historyFile: string;

  /** @example const registry = new ModelRegistry('models'); */
  constructor(readonly dir: string) {
    this.versionsDir = join(dir, 'versions');
    this.pointerFile = join(dir, 'CURRENT');
    this.historyFile = join(dir, 'history.jsonl');
  }

  /** Registered versions, oldest first. */
  list(): RegistryEntry[] {
    if (!existsSync(this.versionsDir)) return [];
    const current = this.currentVersion();
    return readdirSync(this.versionsDir)
      .map((name) => VERSION_FILE.exec(name))
      .filter((m): m is RegExpExecArray => m !== null)
      .sort((a, b) => Number(a[1]) - Number(b[1]))
      .map((m) => ({ version: `v${m[1]}`, file: join(this.versionsDir, m[0]), current: `v${m[1]}` === current }));
  }

  /** The current version's name, or undefined when none is set. */
  currentVersion(): string | undefined {
    if (!existsSync(this.pointerFile)) return undefined;
    const version = readFileSync(this.pointerFile, 'utf8').trim();
    return version || undefined;
  }

  /** Whether `version` is a well-formed version name with an artifact in the registry. */
  has(version: string): boolean {
    return isVersionName(version) && existsSync(this.fileOf(version));
  }

  /**
   * {@link currentVersion} without blocking the event loop: what a running service polls.
   *
   * @example await registry.readCurrentVersion() // 'v2'
   */
  async readCurrentVersion(): Promise<string | undefined> {
    try {
      return (await readFile(this.pointerFile, 'utf8')).trim() || undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** Path of a version's artifact. */
  fileOf(version: string): string {
    return join(this.versionsDir, `${version}.json`);
  }

  /**
   * Stores a new artifact under the next free version and returns that version. The artifact's
   * `version` field is set here, before sealing, so file name and content always agree.
   *
   * @example const version = registry.register(unsealedWithoutVersion);
   */
  register(artifact: Omit<UnsealedArtifact, 'version'>): string {
    mkdirSync(this.versionsDir, { recursive: true });
    const taken = this.list().map((e) => Number(e.version.slice(1)));
    for (let n = (taken.length ? Math.max(...taken) : 0) + 1; ; n++) {
      const version = `v${n}`;
      const file = this.fileOf(version);
      let fd: number;
      try {
        fd = openSync(file, 'wx');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue; // another trainer claimed it
        throw error;
      }
      closeSync(fd);
      try {
        writeAtomically(file, serializeArtifact({ ...artifact, version } as UnsealedArtifact));
      } catch (error) {
        unlinkSync(file);
        throw error;
      }
      return version;
    }
  }

  /**
   * Points CURRENT at `version` (which must exist) and records the change in history.jsonl, which
   * `modelwatch model rollback` walks back through.
   *
   * @example registry.setCurrent('v3', { by: 'promote', reason: 'accuracy 0.912 ≥ 0.909 − 0.005' });
   */
  setCurrent(version: string, why: { by: string; reason: string } = { by: 'api', reason: '' }): void {
    if (!existsSync(this.fileOf(version))) throw new VersionNotFoundError(version, this.dir);
    const from = this.currentVersion() ?? null;
    writeAtomically(this.pointerFile, `${version}\n`);
    const change: PointerChange = { at: new Date().toISOString(), from, to: version, ...why };
    appendDurably(this.historyFile, `${JSON.stringify(change)}\n`);
  }

  /** Every recorded change of CURRENT, oldest first (lines a crash cut short are skipped). */
  history(): PointerChange[] {
    if (!existsSync(this.historyFile)) return [];
    return readFileSync(this.historyFile, 'utf8')
      .split('\n')
      .flatMap((line) => {
        try {
          return line ? [JSON.parse(line) as PointerChange] : [];
        } catch {
          return [];
        }
      });
  }

  /** Reads and verifies one version's artifact. */
  read(version: string): { artifact: ModelArtifact; file: string; text: string } {
    const file = this.fileOf(version);
    if (!existsSync(file)) throw new VersionNotFoundError(version, this.dir);
    const text = readFileSync(file, 'utf8');
    return { artifact: parseArtifact(text, file, { openSessions: false }).artifact, file, text };
  }

  /**
   * Loads a version (the current one by default) as a serving model, timing the load.
   *
   * @throws RegistryEmptyError when there is no current version; ArtifactError for a bad file.
   * @example const model = new ModelRegistry('models').load();
   */
  load(version = this.currentVersion()): ServingModel {
    if (!version) throw new RegistryEmptyError(this.dir);
    const started = performance.now();
    const file = this.fileOf(version);
    if (!existsSync(file)) throw new VersionNotFoundError(version, this.dir);
    const model = servingModelFromText(version, file, readFileSync(file, 'utf8'), started);
    if (model instanceof Promise) {
      // Its session is opening already; a failure there is this error's business, not an unhandled rejection.
      model.catch(() => undefined);
      throw new ArtifactError(file, 'it holds a model that loads asynchronously (ONNX); load it with loadAsync');
    }
    return model;
  }

  /**
   * {@link load} for a running service: the file is read without blocking the event loop (it may sit
   * on a slow volume); verifying and compiling it is synchronous (~15 ms for the default ~1 MB model),
   * so requests wait at most that long once. `loadSeconds` is the wall time of both.
   *
   * @throws as {@link load}.
   * @example const model = await registry.loadAsync('v2');
   */
  async loadAsync(version = this.currentVersion()): Promise<ServingModel> {
    if (!version) throw new RegistryEmptyError(this.dir);
    const started = performance.now();
    const file = this.fileOf(version);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new VersionNotFoundError(version, this.dir);
      throw error;
    }
    return servingModelFromText(version, file, text, started);
  }
}

function servingModelFromText(version: string, file: string, text: string, started: number): ServingModel | Promise<ServingModel> {
  const { artifact, schema, scorer } = parseArtifact(text, file);
  // A file copied under another version's name would serve as a version that CURRENT never names,
  // and a pointer watcher comparing the two would reload it for ever.
  if (artifact.version !== version) throw new ArtifactError(file, `it holds version ${artifact.version}, not ${version}: the file was copied or renamed`);
  if (scorer instanceof Promise) return scorer.then((ready) => servingModelOf(artifact, schema, ready, (performance.now() - started) / 1000, file));
  return servingModelOf(artifact, schema, scorer, (performance.now() - started) / 1000, file);
}

/**
 * A serving model from a parsed artifact, its schema and its scorer: what every registry load ends
 * in, and what a backend or a test that builds a version in memory uses directly. The scorer must
 * give one output per row (binary, regression) or one per class (multiclass); the holdout metrics
 * must be the task's.
 *
 * @throws ArtifactError naming `file` when the outputs or the metrics do not fit the task.
 * @example const model = servingModelOf(artifact, schema, scorer, 0.01, 'memory');
 */
export function servingModelOf(artifact: ModelArtifact, schema: ModelSchema, scorer: RowScorer, loadSeconds: number, file: string): ServingModel {
  const encoder = createEncoder(scorer.encoder);
  const expected = schema.task === 'multiclass' ? schema.classes.length : 1;
  if (scorer.nOutputs !== expected) throw new ArtifactError(file, `the model gives ${scorer.nOutputs} outputs per row; a ${schema.task} model with ${schema.classes.length} classes gives ${expected}`);
  // One buffer per model: prediction is synchronous, so no two requests use it at once.
  const x = new Float64Array(encoder.width);
  const out = new Float64Array(scorer.nOutputs);
  return {
    version: artifact.version,
    name: artifact.name ?? DEFAULT_MODEL_NAME,
    type: artifact.model_type,
    createdAt: artifact.created_at,
    schema,
    holdout: holdoutOf(artifact, schema, file),
    baseline: artifact.baseline,
    loadSeconds,
    threshold: artifact.decision_threshold,
    nOutputs: scorer.nOutputs,
    predictProba(row) {
      encoder.encode(row, x);
      if (!scorer.score) throw new Error(`model ${artifact.version} (${artifact.model_type}) scores asynchronously: predict it in batches`);
      scorer.score(x, out);
      return out[0];
    },
    predictOutputs(row, into) {
      encoder.encode(row, x);
      if (!scorer.score) throw new Error(`model ${artifact.version} (${artifact.model_type}) scores asynchronously: predict it in batches`);
      scorer.score(x, into);
    },
    // Only a model that scores asynchronously has it: predictRows then awaits it, the others never await.
    ...(scorer.scoreBatch ? { predictOutputsBatch: (rows: readonly Row[]) => scorer.scoreBatch(encodeRows(encoder, rows), rows.length) } : {}),
  };
}
