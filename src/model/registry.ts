/**
 * The model registry: a directory that keeps every version and a pointer to the current one.
 *
 *   <MODEL_DIR>/versions/v1.json, v2.json, …   one artifact per version, never rewritten
 *   <MODEL_DIR>/CURRENT                         the serving version's name, e.g. "v2"
 *
 * Every write goes to a temporary file that is fsynced and renamed into place, so a crash leaves
 * either the old file or the new one, never half of one. A version number is claimed with an
 * exclusive create, so two trainers registering at once get different versions.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeSync, existsSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { RegistryEmptyError, VersionNotFoundError } from '../errors.js';
import { parseArtifact, serializeArtifact, type ModelArtifact, type UnsealedArtifact } from './artifact.js';
import { createEncoder } from './encoding.js';
import type { ServingModel } from './serving-model.js';

/** One registered version, as listed. */
export interface RegistryEntry {
  readonly version: string;
  readonly file: string;
  readonly current: boolean;
}

const VERSION_FILE = /^v([0-9]+)\.json$/;

/** A model registry rooted at a directory. */
export class ModelRegistry {
  readonly versionsDir: string;
  readonly pointerFile: string;

  /** @example const registry = new ModelRegistry('models'); */
  constructor(readonly dir: string) {
    this.versionsDir = join(dir, 'versions');
    this.pointerFile = join(dir, 'CURRENT');
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

  /** Points CURRENT at `version` (which must exist). */
  setCurrent(version: string): void {
    if (!existsSync(this.fileOf(version))) throw new VersionNotFoundError(version, this.dir);
    writeAtomically(this.pointerFile, `${version}\n`);
  }

  /** Reads and verifies one version's artifact. */
  read(version: string): { artifact: ModelArtifact; file: string; text: string } {
    const file = this.fileOf(version);
    if (!existsSync(file)) throw new VersionNotFoundError(version, this.dir);
    const text = readFileSync(file, 'utf8');
    return { artifact: parseArtifact(text, file).artifact, file, text };
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
    const { artifact, model } = parseArtifact(readFileSync(file, 'utf8'), file);
    return servingModelOf(artifact, model, (performance.now() - started) / 1000);
  }
}

function servingModelOf(artifact: ModelArtifact, model: ReturnType<typeof parseArtifact>['model'], loadSeconds: number): ServingModel {
  const encoder = createEncoder(artifact.schema);
  // One buffer per model: prediction is synchronous, so no two requests use it at once.
  const x = new Float64Array(encoder.width);
  const { accuracy, precision, recall, f1, auc } = artifact.metrics.holdout;
  return {
    version: artifact.version,
    type: artifact.model_type,
    createdAt: artifact.created_at,
    holdout: { accuracy, precision, recall, f1, auc },
    baseline: artifact.baseline,
    loadSeconds,
    threshold: artifact.decision_threshold,
    predictProba(row) {
      encoder.encode(row, x);
      return model.predictProba(x);
    },
  };
}

function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}
