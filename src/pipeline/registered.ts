/**
 * Which version a pipeline run already registered. The register step records the run's id in the
 * artifact (`training.pipeline_run_id`) and looks for it before registering, so that running the
 * step again — an Airflow retry, or a process killed after the registry write but before run.json
 * was saved — returns the same version instead of adding an identical one.
 */
import { readFileSync } from 'node:fs';
import type { GbdtModelJson } from '../model/gbdt/index.js';
import type { ModelRegistry } from '../model/registry.js';

/**
 * The newest version registered by run `runId` with exactly these trees, or undefined. The trees are
 * compared too: a run whose train step was run again with a different result registers anew.
 *
 * @example const version = versionRegisteredBy(registry, runId, fitted.model.toJSON());
 */
export function versionRegisteredBy(registry: ModelRegistry, runId: string, model: GbdtModelJson): string | undefined {
  let wanted: string | undefined;
  for (const entry of registry.list().reverse()) {
    let text: string;
    try {
      text = readFileSync(entry.file, 'utf8');
    } catch {
      continue;
    }
    // Most versions are not this run's: a substring test spares parsing and verifying them.
    if (!text.includes(runId)) continue;
    try {
      const { artifact } = registry.read(entry.version);
      wanted ??= JSON.stringify(model);
      if (artifact.training.pipeline_run_id === runId && JSON.stringify(artifact.model) === wanted) return entry.version;
    } catch {
      // A version that no longer verifies is not one to hand back.
    }
  }
  return undefined;
}
