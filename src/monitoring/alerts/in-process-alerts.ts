/**
 * The alert catalogue evaluated in-process, for the embedded tier's console: after every sample of
 * the series, each catalogue alert that has an in-process evaluator (`console`) is evaluated, and
 * its instances move through pending and firing as Prometheus moves them (pending while the
 * condition holds for less than `for`, then firing until it stops holding). Going to firing and
 * back writes an audit line. Alerts without an evaluator are reported as needing Prometheus.
 */
import type { Logger } from 'pino';
import type { AlertInstanceView, AlertsResponse, AlertView } from '../../console/api-types.js';
import { ALERTS, type AlertRule } from '../../stack/catalogue/alerts.js';
import { renderAnnotation } from '../../stack/prometheus/annotations.js';
import type { SeriesView } from '../series/view.js';

/** Options of {@link InProcessAlerts}. */
export interface InProcessAlertsOptions {
  /** The catalogue (every alert of src/stack/catalogue/alerts.ts unless a test narrows it). */
  readonly rules?: readonly AlertRule[];
  /** Multiplies every `for` (CONSOLE_ALERT_FOR_SCALE): 1 waits as Prometheus would. */
  readonly forScale: number;
  /** Where firing and resolved lines go; absent when AUDIT_LOG is off. */
  readonly audit?: Logger;
}

/** An instance whose condition holds. */
interface Active {
  readonly labels: Readonly<Record<string, string>>;
  value: number;
  readonly activeSince: number;
  firingSince: number | undefined;
}

const UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600 };

/**
 * Seconds of a Prometheus duration as the catalogue writes them.
 *
 * @example durationSeconds('10m') // 600
 */
export function durationSeconds(duration: string): number {
  const match = /^(\d+)([smh])$/.exec(duration);
  if (!match) throw new Error(`unsupported duration ${duration}`);
  return Number(match[1]) * UNITS[match[2]];
}

/** Labels every modelwatch alert can name in its annotations, as this process fills them. */
const OWN_LABELS = { job: 'modelwatch', instance: 'this process' };

/** Renders an annotation for the console; a form the renderer does not know is shown as written. */
function render(template: string, labels: Readonly<Record<string, string>>, value: number): string {
  try {
    return renderAnnotation(template, { ...OWN_LABELS, ...labels }, value);
  } catch {
    return template;
  }
}

const keyOf = (labels: Readonly<Record<string, string>>) => JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The catalogue's alerts, evaluated on every sample.
 *
 * @example
 * const alerts = new InProcessAlerts({ forScale: 1, audit: log.audit });
 * sampler.onSample((view, at) => alerts.evaluate(view, at));
 * alerts.report().alerts.filter((a) => a.state === 'firing');
 */
export class InProcessAlerts {
  private readonly rules: readonly AlertRule[];
  private readonly active = new Map<string, Map<string, Active>>();
  private evaluatedAt: number | undefined;

  constructor(private readonly options: InProcessAlertsOptions) {
    this.rules = options.rules ?? ALERTS;
    for (const rule of this.rules) if (rule.console) this.active.set(rule.name, new Map());
  }

  /** The `for` the console waits for `rule`, in seconds. */
  forSeconds(rule: AlertRule): number {
    return durationSeconds(rule.for) * this.options.forScale;
  }

  /** Evaluates every in-process alert against the series as of `atMs`. */
  evaluate(view: SeriesView, atMs: number): void {
    this.evaluatedAt = atMs;
    for (const rule of this.rules) {
      const instances = this.active.get(rule.name);
      if (!rule.console || !instances) continue;
      const forMs = this.forSeconds(rule) * 1000;
      const seen = new Set<string>();
      for (const finding of rule.console(view)) {
        const key = keyOf(finding.labels);
        seen.add(key);
        let instance = instances.get(key);
        if (!instance) {
          instance = { labels: finding.labels, value: finding.value, activeSince: atMs, firingSince: undefined };
          instances.set(key, instance);
        }
        instance.value = finding.value;
        if (instance.firingSince === undefined && atMs - instance.activeSince >= forMs) {
          instance.firingSince = atMs;
          this.audit(rule, instance, 'firing');
        }
      }
      for (const [key, instance] of instances) {
        if (seen.has(key)) continue;
        instances.delete(key);
        if (instance.firingSince !== undefined) this.audit(rule, instance, 'resolved');
      }
    }
  }

  /** Every catalogue alert with its state and instances (GET /api/alerts). */
  report(): AlertsResponse {
    const alerts = this.rules.map((rule): AlertView => {
      const instances = [...(this.active.get(rule.name)?.values() ?? [])].map(
        (a): AlertInstanceView => ({
          labels: a.labels,
          value: a.value,
          state: a.firingSince === undefined ? 'pending' : 'firing',
          active_since: iso(a.activeSince),
          firing_since: a.firingSince === undefined ? null : iso(a.firingSince),
          summary: render(rule.summary, a.labels, a.value),
          description: render(rule.description, a.labels, a.value),
        }),
      );
      const state = !rule.console ? 'needs_prometheus' : instances.some((i) => i.state === 'firing') ? 'firing' : instances.length ? 'pending' : 'inactive';
      return { name: rule.name, severity: rule.severity, state, summary: rule.summary, expr: rule.expr, for: rule.for, for_seconds: this.forSeconds(rule), runbook: rule.runbook, instances };
    });
    return { evaluated_at: this.evaluatedAt === undefined ? null : iso(this.evaluatedAt), for_scale: this.options.forScale, alerts };
  }

  private audit(rule: AlertRule, instance: Active, state: 'firing' | 'resolved'): void {
    const audit = this.options.audit;
    if (!audit) return;
    const summary = render(rule.summary, instance.labels, instance.value);
    const fields = {
      alert: {
        name: rule.name,
        severity: rule.severity,
        state,
        value: instance.value,
        labels: instance.labels,
        since: iso(instance.firingSince ?? instance.activeSince),
        for_seconds: this.forSeconds(rule),
        runbook: rule.runbook,
        summary,
      },
      event: { action: 'alert', outcome: state === 'firing' ? 'failure' : 'success' },
    };
    if (state === 'resolved') audit.info(fields, `alert ${rule.name} resolved: ${summary}`);
    else if (rule.severity === 'critical') audit.error(fields, `alert ${rule.name} firing: ${summary}`);
    else audit.warn(fields, `alert ${rule.name} firing: ${summary}`);
  }
}
