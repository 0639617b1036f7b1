/**
 * The alert strip: the catalogue's alerts as this process evaluates them — firing and pending
 * instances first, with since when — then the quiet ones, then those only Prometheus can evaluate.
 */
import type { AlertsResponse, AlertView } from './api-types.js';
import { h, replaceChildren, since } from './dom.js';

const labelText = (labels: Readonly<Record<string, string>>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');

/** The alerts panel. */
export class AlertsPanel {
  private readonly body: HTMLElement;
  private readonly counts: HTMLElement;

  constructor(parent: HTMLElement) {
    this.counts = h('small', {});
    this.body = h('div', {});
    parent.append(h('section', { class: 'panel wide alerts', 'data-panel': 'alerts' }, h('h2', {}, 'Alerts ', this.counts), this.body));
  }

  /** Draws a /api/alerts answer. */
  update(data: AlertsResponse): void {
    const active = data.alerts.filter((a) => a.state === 'firing' || a.state === 'pending');
    active.sort((a, b) => (a.state === b.state ? (a.severity === b.severity ? 0 : a.severity === 'critical' ? -1 : 1) : a.state === 'firing' ? -1 : 1));
    const quiet = data.alerts.filter((a) => a.state === 'inactive');
    const fleet = data.alerts.filter((a) => a.state === 'needs_prometheus');
    const firing = active.filter((a) => a.state === 'firing').length;
    replaceChildren(
      this.counts,
      `${firing} firing · ${active.length - firing} pending · ${quiet.length} quiet · evaluated in-process from the stack's catalogue${data.for_scale !== 1 ? ` (for × ${data.for_scale})` : ''}${data.evaluated_at ? ` at ${new Date(data.evaluated_at).toLocaleTimeString([], { hour12: false })}` : ''}`,
    );
    replaceChildren(
      this.body,
      active.length ? h('ul', { class: 'alert-list' }, ...active.map((a) => this.activeItem(a))) : h('p', { class: 'muted ok-line' }, 'Nothing firing or pending.'),
      h('details', {}, h('summary', {}, `Quiet (${quiet.length})`), h('ul', { class: 'quiet-list' }, ...quiet.map((a) => h('li', { 'data-alert': a.name, 'data-state': a.state }, h('b', {}, a.name), ` ${a.severity} · for ${a.for} · `, h('code', {}, a.expr))))),
      h('details', {}, h('summary', {}, `Needs Prometheus (${fleet.length})`), h('ul', { class: 'quiet-list' }, ...fleet.map((a) => h('li', { 'data-alert': a.name, 'data-state': a.state }, h('b', {}, a.name), ` ${a.severity} · `, h('code', {}, a.expr), ' — evaluated only by the stack\'s Prometheus')))),
    );
  }

  private activeItem(alert: AlertView): HTMLElement {
    return h(
      'li',
      { class: `alert ${alert.state} ${alert.severity}`, 'data-alert': alert.name, 'data-state': alert.state },
      h('div', { class: 'alert-head' }, h('span', { class: `badge ${alert.severity}` }, alert.severity), h('b', {}, alert.name), h('span', { class: `state ${alert.state}` }, alert.state), h('small', {}, `for ${alert.for}${alert.for_seconds !== parseFor(alert.for) ? ` (here ${alert.for_seconds} s)` : ''} · runbook docs/runbooks.md#${alert.runbook}`)),
      h(
        'ul',
        {},
        ...alert.instances.map((i) =>
          h(
            'li',
            { 'data-state': i.state },
            h('span', {}, i.summary),
            i.labels && Object.keys(i.labels).length ? h('code', {}, labelText(i.labels)) : null,
            h('small', {}, i.state === 'firing' && i.firing_since ? `firing since ${since(i.firing_since)}` : `pending since ${since(i.active_since)}`),
          ),
        ),
      ),
    );
  }
}

/** Seconds of a catalogue duration ("10m"). */
function parseFor(text: string): number {
  const match = /^(\d+)([smh])$/.exec(text);
  return match ? Number(match[1]) * ({ s: 1, m: 60, h: 3600 } as Record<string, number>)[match[2]] : Number.NaN;
}
