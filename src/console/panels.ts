/**
 * The panels of 000_a6e68bdc8b3a3add.txt's "ML Pipeline Production" dashboard, with its meaning and
 * thresholds (accuracy red < 0.85 ≤ yellow < 0.90 ≤ green; error rate green < 5 % ≤ yellow < 10 % ≤
 * red), plus the live/holdout/estimated split and ground-truth coverage and delay.
 */
import type { SeriesResponse } from './api-types.js';
import { TimePanel, type PanelSpec, type Status } from './charts.js';
import { h } from './dom.js';

const RED = '#e03131';
const YELLOW = '#f08c00';
const GREY = '#adb5bd';

/** The seed's accuracy colours. */
export const accuracyStatus = (value: number): Status => (value < 0.85 ? 'critical' : value < 0.9 ? 'warning' : 'ok');
/** The seed's error-rate colours (percent). */
export const errorRateStatus = (value: number): Status => (value < 5 ? 'ok' : value < 10 ? 'warning' : 'critical');

const SPECS: readonly PanelSpec[] = [
  {
    id: 'accuracy',
    title: 'Model Accuracy',
    unit: '0..1',
    digits: 3,
    lines: [
      { label: 'live', color: '#2f9e44', width: 2.5 },
      { label: 'holdout', color: '#495057', dash: [4, 4] },
      { label: 'estimated', color: '#7048e8' },
    ],
    thresholds: [
      { value: 0.85, color: RED },
      { value: 0.9, color: YELLOW },
    ],
    ceiling: 1,
    status: accuracyStatus,
  },
  { id: 'predictions', title: 'Predictions per Minute', unit: '/min', digits: 0, lines: [{ label: 'predictions', color: '#1971c2' }], floor: 0 },
  {
    id: 'error-rate',
    title: 'Error Rate',
    unit: '% (5 min)',
    digits: 2,
    lines: [{ label: 'errors', color: RED }],
    thresholds: [
      { value: 5, color: YELLOW },
      { value: 10, color: RED },
    ],
    floor: 0,
    status: errorRateStatus,
  },
  { id: 'latency', title: '95th Percentile Latency', unit: 'ms (5 min)', digits: 2, lines: [{ label: 'p95', color: '#e8590c' }], floor: 0, thresholds: [{ value: 1000, color: GREY, onlyInRange: true }], status: (v) => (v > 1000 ? 'warning' : 'ok') },
  {
    id: 'distribution',
    title: 'Prediction Distribution',
    unit: '/min',
    digits: 0,
    lines: [
      { label: 'No Subscribe', color: '#1c7ed6' },
      { label: 'Subscribe', color: '#f59f00' },
    ],
    floor: 0,
  },
  { id: 'memory', title: 'Memory Usage', unit: 'MB', digits: 1, lines: [{ label: 'RSS', color: '#5c7cfa' }], floor: 0 },
  {
    id: 'feedback',
    title: 'Ground Truth: Coverage and Delay',
    unit: '% / s',
    digits: 1,
    lines: [
      { label: 'coverage %', color: '#0ca678' },
      { label: 'mean delay s', color: '#ae3ec9', scale: 'right' },
    ],
    floor: 0,
    right: { unit: 's', digits: 1 },
  },
];

/** The time-series panels of the page. */
export class Panels {
  private readonly panels = new Map<string, TimePanel>();

  constructor(grid: HTMLElement) {
    for (const spec of SPECS) this.panels.set(spec.id, new TimePanel(grid, spec));
  }

  /** Draws a /api/series answer. */
  update(data: SeriesResponse): void {
    const s = data.series;
    const draw = (id: string, lines: SeriesResponse['series'][keyof SeriesResponse['series']][]) => this.panels.get(id)!.update(data.t, lines);
    draw('accuracy', [s.accuracy_live, s.accuracy_holdout, s.accuracy_estimated]);
    draw('predictions', [s.predictions_per_minute]);
    draw('error-rate', [s.error_rate_percent]);
    draw('latency', [s.latency_p95_ms]);
    draw('distribution', [s.no_subscribe_per_minute, s.subscribe_per_minute]);
    draw('memory', [s.memory_mb]);
    draw('feedback', [s.feedback_coverage_percent, s.feedback_delay_seconds]);
    const { no_subscribe: no, subscribe: yes, by_class: byClass } = data.totals;
    if (byClass && Object.keys(byClass).length) {
      // A multiclass model: its classes by name (the per-minute lines are a binary model's).
      const all = Object.values(byClass).reduce<number>((sum, n) => sum + (n ?? 0), 0);
      const parts = Object.entries(byClass).flatMap(([name, n], i) => [...(i ? [' · '] : []), h('b', {}, `${name} ${all > 0 ? `${(((n ?? 0) / all) * 100).toFixed(1)} %` : '—'}`)]);
      this.panels.get('distribution')!.setExtra('Since start: ', ...parts, ` of ${all.toLocaleString()}`);
      return;
    }
    const total = (no ?? 0) + (yes ?? 0);
    const share = (n: number | null) => (total > 0 ? `${(((n ?? 0) / total) * 100).toFixed(1)} %` : '—');
    this.panels.get('distribution')!.setExtra('Since start: ', h('b', {}, `No Subscribe ${share(no)}`), ' · ', h('b', {}, `Subscribe ${share(yes)}`), ` of ${total.toLocaleString()}`);
  }
}
