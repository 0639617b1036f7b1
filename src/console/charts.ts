/**
 * Time-series panels drawn with uPlot (bundled, not fetched): a header with the current values,
 * coloured by the panel's thresholds, and a chart with the threshold lines drawn across it. Each
 * panel records how many points it drew in `data-points`, which the end-to-end test reads.
 */
import uPlot from 'uplot';
import type { Points } from './api-types.js';
import { h, replaceChildren } from './dom.js';

/** A status against the seed's thresholds. */
export type Status = 'ok' | 'warning' | 'critical' | 'none';

/** One line of a chart. */
export interface LineSpec {
  readonly label: string;
  readonly color: string;
  /** Another y scale, drawn on the right (e.g. seconds beside percent). */
  readonly scale?: string;
  readonly dash?: number[];
  readonly width?: number;
}

/** A horizontal line at a threshold. */
export interface Threshold {
  readonly value: number;
  readonly color: string;
  /** Drawn only when the data reach it, instead of stretching the axis to it (an alert far above normal values). */
  readonly onlyInRange?: boolean;
}

/** A panel's definition. */
export interface PanelSpec {
  /** `data-panel` of the panel (the test finds panels by it). */
  readonly id: string;
  readonly title: string;
  /** Unit of the left axis, shown in the header. */
  readonly unit: string;
  readonly lines: readonly LineSpec[];
  readonly thresholds?: readonly Threshold[];
  /** Lowest and highest value the y axis always shows (thresholds stay in view). */
  readonly floor?: number;
  readonly ceiling?: number;
  /** Leave the header's current values out (panels with many lines list them elsewhere). */
  readonly noValues?: boolean;
  /** Decimals shown in the header and on the axis. */
  readonly digits: number;
  /** Unit and decimals of the right axis, when a line uses scale "right". */
  readonly right?: { readonly unit: string; readonly digits: number };
  /** The status of the latest value of line `index`, if the panel colours it. */
  readonly status?: (value: number, index: number) => Status;
}

/** A colour swatch; styled through the CSSOM, which the page's CSP allows (a style attribute it does not). */
export function swatch(color: string): HTMLElement {
  const element = h('i', { class: 'swatch' });
  element.style.background = color;
  return element;
}

/** The last number of a series, if any. */
export const lastValue = (points: Points): number | null => {
  for (let i = points.length - 1; i >= 0; i--) if (points[i] !== null) return points[i];
  return null;
};

/** uPlot's series options of a line. */
const seriesOf = (line: LineSpec): uPlot.Series => ({ label: line.label, stroke: line.color, width: line.width ?? 2, dash: line.dash, scale: line.scale ?? 'y', spanGaps: false, points: { show: false } });

/** Draws each threshold as a dashed line across the plotting area. */
function thresholdLines(thresholds: readonly Threshold[]) {
  return (u: uPlot) => {
    const { ctx, bbox } = u;
    for (const t of thresholds) {
      const y = u.valToPos(t.value, 'y', true);
      if (!Number.isFinite(y) || y < bbox.top || y > bbox.top + bbox.height) continue;
      ctx.save();
      ctx.strokeStyle = t.color;
      ctx.lineWidth = Math.max(1, devicePixelRatio);
      ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
      ctx.beginPath();
      ctx.moveTo(bbox.left, y);
      ctx.lineTo(bbox.left + bbox.width, y);
      ctx.stroke();
      ctx.restore();
    }
  };
}

/**
 * One time-series panel.
 *
 * @example
 * const panel = new TimePanel(grid, { id: 'memory', title: 'Memory Usage', unit: 'MB', digits: 1, lines: [{ label: 'RSS', color: '#4c6ef5' }] });
 * panel.update(t, [memory]);
 */
export class TimePanel {
  readonly element: HTMLElement;
  private readonly values: HTMLElement;
  private readonly plotArea: HTMLElement;
  private readonly chart: uPlot;
  private readonly extra: HTMLElement;
  private lines: readonly LineSpec[];

  constructor(parent: HTMLElement, private readonly spec: PanelSpec) {
    this.lines = spec.lines;
    this.values = h('span', { class: 'values' });
    this.extra = h('div', { class: 'extra' });
    this.plotArea = h('div', { class: 'plot' });
    this.element = h('section', { class: 'panel', 'data-panel': spec.id, 'data-points': '0' }, h('h2', {}, spec.title, ' ', h('small', {}, spec.unit)), this.values, this.extra, this.plotArea);
    parent.append(this.element);
    const range = (_u: uPlot, min: number | null, max: number | null): uPlot.Range.MinMax => {
      const marks = [...(spec.thresholds ?? []).filter((t) => !t.onlyInRange).map((t) => t.value), spec.floor, spec.ceiling].filter((v): v is number => v !== undefined);
      const lo = Math.min(min ?? Number.POSITIVE_INFINITY, ...marks);
      const hi = Math.max(max ?? Number.NEGATIVE_INFINITY, ...marks);
      if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
      if (lo === hi) return [lo - 1, hi + 1];
      const pad = (hi - lo) * 0.08;
      return [spec.floor !== undefined && lo >= spec.floor ? lo : lo - pad, spec.ceiling !== undefined && hi <= spec.ceiling ? hi : hi + pad];
    };
    // Whole seconds and round minutes on the time axis: samples are seconds apart, never less.
    const timeSteps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];
    const axes: uPlot.Axis[] = [{ stroke: '#667085', grid: { stroke: '#eef0f3' }, space: 60, incrs: timeSteps }, { stroke: '#667085', grid: { stroke: '#eef0f3' }, size: 56 }];
    if (spec.right) axes.push({ scale: 'right', side: 1, stroke: '#667085', grid: { show: false }, size: 48 });
    this.chart = new uPlot(
      {
        width: this.width(),
        height: 170,
        // The header shows each line's colour and latest value; uPlot's legend would repeat it.
        legend: { show: false },
        focus: { alpha: 0.25 },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true }, y: { range }, ...(spec.right ? { right: { range: (_u, min, max) => [Math.min(0, min ?? 0), Math.max(1, (max ?? 1) * 1.1)] } } : {}) },
        axes,
        series: [{}, ...spec.lines.map(seriesOf)],
        hooks: { draw: [thresholdLines(spec.thresholds ?? [])] },
      },
      [[], ...spec.lines.map(() => [])],
      this.plotArea,
    );
    // Sized to its panel, whatever the grid does (first layout, window resize, a wider column).
    new ResizeObserver(() => this.resize()).observe(this.plotArea);
  }

  private width(): number {
    return Math.max(240, Math.floor(this.plotArea.clientWidth || this.element.clientWidth - 24 || 480));
  }

  /** Fits the chart to its panel (after a resize). */
  resize(): void {
    const width = this.width();
    if (width !== this.chart.width) this.chart.setSize({ width, height: 170 });
  }

  /** Replaces the lines (a panel whose lines are known only from the data). */
  setLines(lines: readonly LineSpec[]): void {
    for (let i = this.chart.series.length - 1; i > 0; i--) this.chart.delSeries(i);
    for (const line of lines) this.chart.addSeries(seriesOf(line));
    this.lines = lines;
  }

  /** Brings line `index` forward (the others fade), or with null shows all alike. */
  focus(index: number | null): void {
    if (index === null) this.chart.setSeries(null, { focus: false });
    else this.chart.setSeries(index + 1, { focus: true });
  }

  /** A line under the header (e.g. shares of the prediction distribution). */
  setExtra(...children: (Node | string)[]): void {
    replaceChildren(this.extra, ...children);
  }

  /** Draws the series (one per line) against times `t` (Unix seconds) and updates the header. */
  update(t: readonly number[], lines: readonly Points[]): void {
    this.chart.setData([t as number[], ...lines] as uPlot.AlignedData);
    const drawn = lines.reduce((sum, points) => sum + points.filter((v) => v !== null).length, 0);
    this.element.dataset.points = String(drawn);
    if (this.spec.noValues) return;
    const statuses: Status[] = [];
    replaceChildren(
      this.values,
      ...this.lines.map((line, i) => {
        const value = lastValue(lines[i] ?? []);
        const status = value === null ? 'none' : (this.spec.status?.(value, i) ?? 'none');
        statuses.push(status);
        const digits = line.scale === 'right' && this.spec.right ? this.spec.right.digits : this.spec.digits;
        return h('span', { class: `value ${status}`, title: line.label }, swatch(line.color), `${line.label} `, h('b', {}, value === null ? '—' : value.toFixed(digits)));
      }),
    );
    this.element.dataset.status = statuses.includes('critical') ? 'critical' : statuses.includes('warning') ? 'warning' : statuses.includes('ok') ? 'ok' : 'none';
  }
}
