/**
 * `modelwatch model list | promote <version> | rollback`: manage the registry by hand. Moving
 * CURRENT is all a running service needs: it switches within MODEL_WATCH_INTERVAL_SECONDS (or at
 * once on SIGHUP or POST /admin/reload).
 */
import { existsSync, statSync } from 'node:fs';
import { Command } from 'commander';
import { loadConfig } from '../config.js';
import { RegistryNotFoundError } from '../errors.js';
import { ModelRegistry } from '../model/registry.js';

/**
 * Why `dir` is not a model registry, or undefined when it is one. A registry has a versions/
 * directory or a CURRENT file (the first `train` creates both); anything else — a typo, the project
 * root, a data folder — is refused rather than listed as an empty registry.
 *
 * @example notARegistry('/tmp') // 'it has no versions/ directory and no CURRENT file'
 */
export function notARegistry(dir: string): string | undefined {
  if (!existsSync(dir)) return 'it does not exist';
  if (!statSync(dir).isDirectory()) return 'it is not a directory';
  const registry = new ModelRegistry(dir);
  if (existsSync(registry.versionsDir) || existsSync(registry.pointerFile)) return undefined;
  return 'it has no versions/ directory and no CURRENT file';
}

/** The registry the flags or MODEL_DIR name; a directory that is not one is an error (exit code 1). */
function registryOf(flags: { modelDir?: string }): ModelRegistry {
  const dir = loadConfig(process.env, { MODEL_DIR: flags.modelDir }).MODEL_DIR;
  const problem = notARegistry(dir);
  if (problem) throw new RegistryNotFoundError(dir, problem, dir);
  return new ModelRegistry(dir);
}

/** The result of promote and rollback: the version now current and the one it replaced. */
interface PointerMove {
  readonly current: string;
  readonly previous: string | null;
  readonly model_dir: string;
}

const printMove = (move: PointerMove, json: boolean | undefined, text: string) => process.stdout.write(json ? `${JSON.stringify(move)}\n` : `${text}\n`);

/**
 * The version `rollback` returns to: the one CURRENT pointed at before the change that made the
 * current version current. Rollbacks themselves are passed over, so rolling back twice walks two
 * steps back rather than undoing the first rollback.
 *
 * @example rollbackTarget(registry) // 'v2'
 */
export function rollbackTarget(registry: ModelRegistry): string | undefined {
  const current = registry.currentVersion();
  if (!current) return undefined;
  const arrival = registry
    .history()
    .reverse()
    .find((change) => change.to === current && change.by !== 'rollback' && change.from !== null && change.from !== current);
  if (arrival?.from) return arrival.from;
  // No record (a registry from before history.jsonl): the version registered just before.
  const versions = registry.list().map((e) => e.version);
  const index = versions.indexOf(current);
  return index > 0 ? versions[index - 1] : undefined;
}

const withModelDir = (command: Command) => command.option('--model-dir <dir>', 'model registry directory (env MODEL_DIR, default "models")');

/** A metric to four decimals, or "-" for one the version's task does not have. */
const fixed = (value: number | null) => (value === null ? '-'.padEnd(6) : value.toFixed(4));

/**
 * Adds the `model` command group.
 *
 * @example registerModelCommands(program); // modelwatch model list --json
 */
export function registerModelCommands(program: Command): void {
  const model = program.command('model').description('List, promote and roll back model versions in the registry.');

  withModelDir(model.command('list').description('List registered versions with their holdout metrics; * marks the current one. A directory that is not a registry is an error (exit code 1).'))
    .option('--json', 'print a JSON array')
    .action((flags: { modelDir?: string; json?: boolean }) => {
      const registry = registryOf(flags);
      const rows = registry.list().map((entry) => {
        const { artifact } = registry.read(entry.version);
        // A regression version has errors instead of the accuracy family: null there, and its MAE and RMSE.
        const m = artifact.metrics.holdout as Partial<Record<'accuracy' | 'auc' | 'f1' | 'mae' | 'rmse', number>>;
        const errors = m.mae === undefined ? {} : { mae: m.mae, rmse: m.rmse ?? null };
        return { version: entry.version, current: entry.current, created_at: artifact.created_at, accuracy: m.accuracy ?? null, auc: m.auc ?? null, f1: m.f1 ?? null, ...errors, rows: artifact.training.rows, data_source: artifact.training.data_source };
      });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(rows)}\n`);
        return;
      }
      if (rows.length === 0) {
        process.stdout.write(`no versions in ${registry.dir}; run \`modelwatch train\` or \`modelwatch pipeline run\`\n`);
        return;
      }
      process.stdout.write('  version  created                   accuracy  auc     f1      rows    data\n');
      for (const r of rows) {
        process.stdout.write(`${r.current ? '*' : ' '} ${r.version.padEnd(8)} ${r.created_at.padEnd(25)} ${fixed(r.accuracy)}    ${fixed(r.auc)}  ${fixed(r.f1)}  ${String(r.rows).padEnd(7)} ${r.data_source}\n`);
      }
    });

  withModelDir(model.command('promote').description('Make <version> the current version (a running service switches to it).'))
    .argument('<version>', 'a registered version, e.g. v3')
    .option('--json', 'print {"current", "previous", "model_dir"} as one JSON object')
    .action((version: string, flags: { modelDir?: string; json?: boolean }) => {
      const registry = registryOf(flags);
      const before = registry.currentVersion();
      registry.read(version); // refuses a missing or corrupt version before it can be served
      registry.setCurrent(version, { by: 'promote', reason: 'modelwatch model promote' });
      printMove({ current: version, previous: before ?? null, model_dir: registry.dir }, flags.json, `${version} is now current${before ? ` (was ${before})` : ''}`);
    });

  withModelDir(model.command('rollback').description('Return to the version that was current before the current one.'))
    .option('--json', 'print {"current", "previous", "model_dir"} as one JSON object')
    .action((flags: { modelDir?: string; json?: boolean }) => {
      const registry = registryOf(flags);
      const current = registry.currentVersion();
      const target = rollbackTarget(registry);
      if (!current) throw new Error(`nothing to roll back: ${registry.dir} has no current version`);
      if (!target) throw new Error(`nothing to roll back to: ${current} is the first version that was current in ${registry.dir}`);
      registry.read(target);
      registry.setCurrent(target, { by: 'rollback', reason: `modelwatch model rollback from ${current}` });
      printMove({ current: target, previous: current, model_dir: registry.dir }, flags.json, `rolled back from ${current} to ${target}`);
    });
}
