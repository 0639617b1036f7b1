/**
 * Hot reload: switches the running service to another model version without a restart. Three
 * triggers lead here: a watch of the registry's CURRENT pointer (a promotion), SIGHUP, and
 * POST /admin/reload. All of them go through one queue, so loads never overlap.
 *
 * The request path gains nothing: nothing per request looks at the pointer. A version is loaded
 * beside the serving one and then swapped in with one assignment (ModelState.serve), so a request
 * keeps the model it started with and the next one gets the new model; metrics labels and the drift
 * baseline follow through ModelState's listeners. A version that fails to load changes nothing that
 * serves: it is counted in ml_model_reload_failures_total{reason} and logged at ERROR.
 */
import { stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import { ArtifactError, RegistryEmptyError, VersionNotFoundError } from '../errors.js';
import type { ModelRegistry } from '../model/registry.js';
import type { ServingModel } from '../model/serving-model.js';
import type { ReloadFailureReason } from '../monitoring/metrics/model-reload.js';
import type { ModelState } from './model-state.js';

/** What asked for a reload (the `event.reason` of its log line). */
export type ReloadTrigger = 'watch' | 'sighup' | 'admin';

/** The result of one reload; a reload never rejects for a bad version, it reports `failed`. */
export type ReloadResult =
  | { readonly status: 'reloaded'; readonly from: string | undefined; readonly to: string; readonly loadSeconds: number }
  | { readonly status: 'unchanged'; readonly from: string; readonly to: string }
  | { readonly status: 'failed'; readonly from: string | undefined; readonly to: string | undefined; readonly reason: ReloadFailureReason; readonly error: Error };

/** Options of {@link ModelReloader}. */
export interface ModelReloaderOptions {
  readonly registry: ModelRegistry;
  readonly state: ModelState;
  /** The service logger (operational lines). */
  readonly log: Logger;
  /** Counts a failed load (ml_model_reload_failures_total). */
  readonly recordFailure: (reason: ReloadFailureReason) => void;
}

/** The bounded metric reason of a load failure. */
function reasonOf(error: unknown): ReloadFailureReason {
  if (error instanceof ArtifactError) return 'corrupt';
  if (error instanceof VersionNotFoundError || error instanceof RegistryEmptyError) return 'not_found';
  return 'io_error';
}

/**
 * Loads and swaps model versions for a running service.
 *
 * @example
 * const reloader = new ModelReloader({ registry, state, log: log.service, recordFailure: metrics.recordReloadFailure });
 * reloader.watch(2);                         // follow CURRENT
 * await reloader.reload('admin', 'v3');      // or switch on demand: { status: 'reloaded', from: 'v2', to: 'v3', … }
 */
export class ModelReloader {
  /** The last reload queued; the next one starts after it. */
  private tail: Promise<unknown> = Promise.resolve();
  /** A queued, not yet started reload of whatever CURRENT names: later such requests join it. */
  private queuedCurrent: Promise<ReloadResult> | undefined;
  private inFlight = 0;
  /**
   * The pointer value whose load failed, with its artifact's size and mtime: the watch does not retry
   * it on every tick, only once CURRENT or that file changes (SIGHUP and the admin endpoint always do).
   */
  private failed: { readonly version: string; readonly fingerprint: string } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(private readonly options: ModelReloaderOptions) {}

  /**
   * Serves the version CURRENT names (or `version`, which then also becomes CURRENT, so the watch
   * keeps it). Reloads run one at a time; a request for CURRENT made while another is waiting joins
   * that one, which reads the pointer only when it starts and so sees every promotion made before.
   *
   * @throws VersionNotFoundError (rejected at once, nothing is queued) when `version` is not registered.
   * @example const result = await reloader.reload('sighup'); // { status: 'unchanged', from: 'v2', to: 'v2' }
   */
  reload(trigger: ReloadTrigger, version?: string): Promise<ReloadResult> {
    const { registry } = this.options;
    if (version !== undefined && !registry.has(version)) return Promise.reject(new VersionNotFoundError(version, registry.dir));
    if (version === undefined && this.queuedCurrent) return this.queuedCurrent;
    this.inFlight++;
    const run: Promise<ReloadResult> = this.tail
      .then(() => {
        if (this.queuedCurrent === run) this.queuedCurrent = undefined;
        return this.switchTo(trigger, version);
      })
      .finally(() => this.inFlight--);
    if (version === undefined) this.queuedCurrent = run;
    // A failed load resolves; only a bug rejects, and it must not stop every later reload.
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * Checks CURRENT every `seconds` and reloads when it names another version. Polling a 3-byte file
   * is cheap and dependable; fs.watch is not: it misses or doubles events when a file is replaced by
   * a rename (which is how the registry writes CURRENT), and it does not work on NFS or on volumes
   * that Kubernetes and Docker mount (a ConfigMap swaps a symlink). The timer does not keep the
   * process alive.
   */
  watch(seconds: number): void {
    this.stop();
    this.timer = setInterval(() => {
      this.poll().catch((error: unknown) => this.options.log.error({ err: error }, 'model watch: a reload failed unexpectedly'));
    }, seconds * 1000);
    this.timer.unref();
  }

  /** Stops watching; a reload already under way still finishes (see {@link idle}). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Resolves when every reload queued so far has finished. */
  async idle(): Promise<void> {
    await this.tail;
  }

  /** One watch tick: reload when CURRENT moved, unless it still names the version that failed. */
  async poll(): Promise<void> {
    if (this.polling || this.inFlight > 0) return;
    this.polling = true;
    try {
      // An unreadable pointer reads as "none": the reload then fails once, with its reason, and is
      // remembered like any other failed value.
      const pointer = (await this.options.registry.readCurrentVersion().catch(() => undefined)) ?? '';
      if (pointer === this.options.state.current?.version) return;
      if (this.failed?.version === pointer && this.failed.fingerprint === (await this.fingerprint(pointer))) return;
      await this.reload('watch');
    } finally {
      this.polling = false;
    }
  }

  private async switchTo(trigger: ReloadTrigger, explicit: string | undefined): Promise<ReloadResult> {
    const { registry, state, log } = this.options;
    const from = state.current?.version;
    let target = explicit;
    let fingerprint = '';
    let model: ServingModel;
    try {
      target ??= await registry.readCurrentVersion();
      if (!target) throw new RegistryEmptyError(registry.dir);
      if (target === from) {
        // Naming the serving version moves CURRENT back to it: the way to undo a bad promotion.
        if (explicit !== undefined && (await registry.readCurrentVersion()) !== target) registry.setCurrent(target, { by: trigger, reason: `${target} named in a reload; already serving` });
        if (explicit === undefined) this.failed = undefined;
        if (trigger !== 'watch') log.info({ model_version: target, event: { action: 'model_reload', outcome: 'success', reason: trigger } }, `reload (${trigger}): model ${target} is already serving`);
        return { status: 'unchanged', from: target, to: target };
      }
      fingerprint = await this.fingerprint(target);
      model = await registry.loadAsync(target);
      // Synchronous from here to the swap: no other reload or watch tick can come in between.
      if (explicit !== undefined) registry.setCurrent(target, { by: trigger, reason: `${target} named in a reload; loaded and serving` });
    } catch (raw) {
      const error = raw instanceof Error ? raw : new Error(String(raw));
      const reason = reasonOf(error);
      if (explicit === undefined) this.failed = { version: target ?? '', fingerprint };
      this.options.recordFailure(reason);
      log.error(
        {
          model_version: target,
          previous_model_version: from,
          error: { code: (error as { code?: unknown }).code ?? error.name, type: reason, message: error.message },
          event: { action: 'model_reload', outcome: 'failure', reason: trigger },
        },
        `model ${target ?? '(no current version)'} failed to load (${reason}); ${from ?? 'no model'} is still serving: ${error.message}`,
      );
      return { status: 'failed', from, to: target, reason, error };
    }
    state.serve(model);
    this.failed = undefined;
    log.info(
      { model_version: target, previous_model_version: from, model_type: model.type, load_seconds: model.loadSeconds, event: { action: 'model_reload', outcome: 'success', reason: trigger } },
      `switched from model ${from} to ${target} (${trigger}); loaded in ${(model.loadSeconds * 1000).toFixed(1)} ms`,
    );
    return { status: 'reloaded', from, to: target, loadSeconds: model.loadSeconds };
  }

  /** Size and mtime of a version's file ('' for no version, 'missing' for no file). */
  private async fingerprint(version: string): Promise<string> {
    if (!version) return '';
    try {
      const s = await stat(this.options.registry.fileOf(version));
      return `${s.size}:${s.mtimeMs}`;
    } catch {
      return 'missing';
    }
  }
}
