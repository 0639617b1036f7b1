/**
 * A small, typed step runner: named steps with explicit dependencies, run one at a time in
 * dependency order, each timed; a failed step stops everything that depends on it (directly or
 * not), and the report says which step failed, why, and on what input. Not a general orchestrator —
 * Airflow, cron or a Kubernetes CronJob schedule the runs and retry them — so no retries, no parallelism, no
 * persistence here: what a run needs is a typed, testable sequence (run-state.ts keeps a run between
 * the processes of its steps when a scheduler runs them one task each). (Packages such as `p-graph` or
 * `dependency-graph` give the ordering only; timing, skipping dependents and the report are the
 * substance here, so the few lines of topological sort are written out.)
 */
import { performance } from 'node:perf_hooks';

/** One step: what it needs, what it reads, and its work on the shared context. */
export interface Step<C> {
  readonly name: string;
  /** Steps that must succeed first. */
  readonly needs: readonly string[];
  /** A one-line description of the step's input, for the failure report (e.g. the data file). */
  input(context: C): string;
  /** Does the work; returns how many rows it processed, when that means something. */
  run(context: C): Promise<{ rows?: number } | void>;
}

/** What happened to one step. */
export interface StepReport {
  readonly name: string;
  readonly status: 'succeeded' | 'failed' | 'skipped';
  readonly seconds: number;
  readonly rows?: number;
  /** For a failed step: the error's message and the input it was working on. */
  readonly error?: { readonly message: string; readonly code?: string; readonly input: string };
  /** For a skipped step: the failed step it depended on. */
  readonly skippedBecause?: string;
}

/** What happened to the run. */
export interface RunReport {
  readonly status: 'success' | 'failure';
  readonly seconds: number;
  readonly steps: readonly StepReport[];
  /** The first step that failed. */
  readonly failedStep?: string;
}

/** Called around every step (logging, progress, metrics). */
export interface StepHooks {
  onStart?(step: string, index: number, total: number): void;
  onEnd?(report: StepReport, index: number, total: number): void;
}

/**
 * Orders steps so each comes after what it needs, keeping the declared order otherwise.
 *
 * @throws Error naming an unknown dependency or a cycle.
 */
export function orderSteps<C>(steps: readonly Step<C>[]): Step<C>[] {
  const byName = new Map(steps.map((s) => [s.name, s]));
  if (byName.size !== steps.length) throw new Error('two steps share a name');
  for (const step of steps) {
    for (const need of step.needs) if (!byName.has(need)) throw new Error(`step "${step.name}" needs unknown step "${need}"`);
  }
  const ordered: Step<C>[] = [];
  const placed = new Set<string>();
  while (ordered.length < steps.length) {
    const next = steps.find((s) => !placed.has(s.name) && s.needs.every((n) => placed.has(n)));
    if (!next) throw new Error(`the steps' dependencies form a cycle among: ${steps.filter((s) => !placed.has(s.name)).map((s) => s.name).join(', ')}`);
    ordered.push(next);
    placed.add(next.name);
  }
  return ordered;
}

/**
 * Runs the steps in dependency order on `context`.
 *
 * @example const report = await runSteps([ingest, validate, train], context, { onEnd: log });
 */
export async function runSteps<C>(steps: readonly Step<C>[], context: C, hooks: StepHooks = {}): Promise<RunReport> {
  const ordered = orderSteps(steps);
  const started = performance.now();
  const reports: StepReport[] = [];
  const failedOrSkipped = new Map<string, string>(); // step → the failed step at the root of it
  for (const [index, step] of ordered.entries()) {
    const blocker = step.needs.map((n) => failedOrSkipped.get(n)).find((b) => b !== undefined);
    let report: StepReport;
    if (blocker !== undefined) {
      failedOrSkipped.set(step.name, blocker);
      report = { name: step.name, status: 'skipped', seconds: 0, skippedBecause: blocker };
    } else {
      hooks.onStart?.(step.name, index, ordered.length);
      const t0 = performance.now();
      try {
        const result = await step.run(context);
        report = { name: step.name, status: 'succeeded', seconds: (performance.now() - t0) / 1000, ...(result?.rows !== undefined ? { rows: result.rows } : {}) };
      } catch (error) {
        failedOrSkipped.set(step.name, step.name);
        const err = error as Error & { code?: unknown };
        report = {
          name: step.name,
          status: 'failed',
          seconds: (performance.now() - t0) / 1000,
          error: { message: err?.message ?? String(error), ...(typeof err?.code === 'string' ? { code: err.code } : {}), input: safeInput(step, context) },
        };
      }
    }
    reports.push(report);
    hooks.onEnd?.(report, index, ordered.length);
  }
  const failed = reports.find((r) => r.status === 'failed');
  return { status: failed ? 'failure' : 'success', seconds: (performance.now() - started) / 1000, steps: reports, ...(failed ? { failedStep: failed.name } : {}) };
}

function safeInput<C>(step: Step<C>, context: C): string {
  try {
    return step.input(context);
  } catch {
    return '(unknown)';
  }
}
