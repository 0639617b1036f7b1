/**
 * The drift panel: PSI of every feature (and of the model's outputs) against the 0.1 and 0.2
 * lines, now and over time, and, for the chosen feature, each bin's share in the current window
 * against its training share — which bins moved is what tells a cause.
 */
import type { DriftResponse, SeriesResponse } from './api-types.js';
import { TimePanel, swatch } from './charts.js';
import { psiText } from './drift-level.js';
import { h, replaceChildren } from './dom.js';

const PALETTE = ['#1c7ed6', '#e8590c', '#2f9e44', '#ae3ec9', '#f08c00', '#0ca678', '#d6336c', '#5c7cfa', '#74b816', '#845ef7', '#fa5252', '#15aabf', '#fab005', '#495057', '#be4bdb', '#4263eb', '#82c91e', '#f76707'];

/** Chart order of the PSI lines: features, then the model's outputs. */

/** The drift panel. */
export class DriftPanel {
  private readonly list: HTMLElement;
  private readonly bins: HTMLElement;
  private readonly summary: HTMLElement;
  private readonly history: TimePanel;
  private names: string[] = [];
  private chosen: string | undefined;
  private last: DriftResponse | undefined;

  constructor(
    parent: HTMLElement,
    chosen: string | undefined,
    private readonly onChoose: (feature: string) => void,
  ) {
    this.chosen = chosen;
    this.summary = h('small', {});
    this.list = h('ul', { class: 'psi-list' });
    this.bins = h('div', { class: 'bins', 'data-panel': 'drift-bins', 'data-points': '0' });
    const section = h('section', { class: 'panel wide', 'data-panel': 'drift', 'data-points': '0' }, h('h2', {}, 'Feature Drift ', h('small', {}, 'PSI against the training baseline · > 0.1 moderate · > 0.2 significant'), ' ', this.summary), h('div', { class: 'drift-grid' }, this.list, this.bins));
    parent.append(section);
    this.history = new TimePanel(section, {
      id: 'drift-psi',
      title: 'PSI over time',
      unit: '',
      digits: 2,
      noValues: true,
      floor: 0,
      lines: [],
      thresholds: [
        { value: 0.1, color: '#f08c00' },
        { value: 0.2, color: '#e03131' },
      ],
    });
  }

  /** Draws a /api/drift answer (the bars and the bin shares). */
  update(drift: DriftResponse): void {
    this.last = drift;
    const signals = [...drift.signals].sort((a, b) => (b.psi ?? -1) - (a.psi ?? -1));
    const section = this.list.closest('section')!;
    section.setAttribute('data-points', String(drift.signals.filter((s) => s.psi !== null).length));
    replaceChildren(this.summary, `· window ${drift.window_predictions.toLocaleString()} of ${drift.window_size.toLocaleString()} predictions${drift.window_predictions < drift.min_samples ? ` (PSI from ${drift.min_samples})` : ''}`);
    if (this.chosen === undefined || !drift.signals.some((s) => s.name === this.chosen)) this.chosen = signals.find((s) => s.family === 'feature')?.name;
    const scale = Math.max(0.3, ...signals.map((s) => s.psi ?? 0));
    replaceChildren(
      this.list,
      ...signals.map((signal) => {
        const fill = h('span', { class: `fill ${signal.level}` });
        fill.style.width = `${((signal.psi ?? 0) / scale) * 100}%`;
        const marks = [drift.thresholds.warning, drift.thresholds.critical].map((at) => {
          const mark = h('span', { class: 'mark' });
          mark.style.left = `${(at / scale) * 100}%`;
          return mark;
        });
        const colour = PALETTE[this.names.indexOf(signal.name) % PALETTE.length] ?? '#868e96';
        const item = h(
          'li',
          { class: `${signal.level}${signal.name === this.chosen ? ' chosen' : ''}`, 'data-feature': signal.name, 'data-family': signal.family, 'data-psi': signal.psi === null ? '' : String(signal.psi), 'data-level': signal.level, title: 'Show its bins' },
          swatch(colour),
          h('span', { class: 'name' }, signal.family === 'prediction' ? `prediction ${signal.name}` : signal.name),
          h('span', { class: 'bar' }, fill, ...marks),
          h('b', {}, psiText(signal)),
        );
        item.addEventListener('click', () => this.choose(signal.name));
        return item;
      }),
    );
    this.drawBins();
  }

  /** Draws the PSI history from a /api/series answer. */
  updateHistory(series: SeriesResponse): void {
    const names = Object.keys(series.psi);
    if (names.join() !== this.names.join()) {
      this.names = names;
      this.history.setLines(names.map((name, i) => ({ label: name, color: PALETTE[i % PALETTE.length], width: 1.5 })));
    }
    this.history.update(series.t, names.map((name) => series.psi[name]));
    this.history.focus(this.chosen === undefined ? null : names.indexOf(this.chosen));
  }

  private choose(name: string): void {
    this.chosen = name;
    this.onChoose(name);
    if (this.last) this.update(this.last);
    this.history.focus(this.names.indexOf(name));
  }

  private drawBins(): void {
    const signal = this.last?.signals.find((s) => s.name === this.chosen);
    if (!signal) {
      replaceChildren(this.bins, h('p', { class: 'muted' }, 'No drift data yet.'));
      this.bins.dataset.points = '0';
      return;
    }
    const top = Math.max(0.01, ...signal.bins.flatMap((b) => [b.baseline, b.current]));
    const bar = (share: number, kind: string) => {
      const element = h('span', { class: `share ${kind}` });
      element.style.width = `${(share / top) * 100}%`;
      return element;
    };
    const pct = (share: number) => `${(share * 100).toFixed(1)} %`;
    replaceChildren(
      this.bins,
      h('h3', {}, `${signal.family === 'prediction' ? 'prediction ' : ''}${signal.name}: bin shares `, h('small', {}, `PSI ${psiText(signal)}`)),
      h('div', { class: 'legend' }, h('span', { class: 'share baseline key' }), ' baseline ', h('span', { class: 'share current key' }), ' current window'),
      h(
        'table',
        {},
        ...signal.bins.map((b) =>
          h('tr', { 'data-bin': b.label }, h('th', {}, b.label), h('td', { class: 'bars' }, bar(b.baseline, 'baseline'), bar(b.current, 'current')), h('td', { class: 'num' }, pct(b.baseline)), h('td', { class: `num ${b.current > b.baseline ? 'up' : 'down'}` }, pct(b.current))),
        ),
      ),
    );
    this.bins.dataset.points = String(this.last!.window_predictions > 0 ? signal.bins.length : 0);
  }
}
