/**
 * The log explorer: the service's most recent audit and service lines (a bounded window kept in
 * memory), filtered by level, request id, trace id, prediction, confidence below a value and
 * endpoint. Each line opens to the whole JSON document as it was written, under its trace and span
 * ids when the request was traced (to look the trace up in the tracing backend).
 */
import type { LogsResponse } from './api-types.js';
import { fetchLogs } from './api.js';
import { h, replaceChildren } from './dom.js';

/** Lines shown at most. */
const LIMIT = 100;

const text = (value: unknown) => (value === undefined || value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value));
const keyOf = (line: Readonly<Record<string, unknown>>) => `${text(line['@timestamp'])} ${text(line.request_id)} ${text(line.message)}`;

/** The log explorer panel. */
export class LogExplorer {
  private readonly form: HTMLFormElement;
  private readonly table: HTMLTableSectionElement;
  private readonly counts: HTMLElement;
  private readonly expanded = new Set<string>();
  private pending: number | undefined;

  constructor(
    parent: HTMLElement,
    initial: Readonly<Record<string, string>>,
    private readonly onFilter: (filters: Record<string, string>) => void,
  ) {
    const input = (name: string, label: string, attributes: Record<string, string> = {}) => h('label', {}, label, h('input', { name, value: initial[name] ?? '', autocomplete: 'off', ...attributes }));
    const select = (name: string, label: string, options: [string, string][]) => {
      const element = h('select', { name }, ...options.map(([value, caption]) => h('option', { value }, caption)));
      element.value = initial[name] ?? '';
      return h('label', {}, label, element);
    };
    this.form = h(
      'form',
      { class: 'filters' },
      select('level', 'level', [['', 'any'], ['INFO', 'INFO'], ['WARNING', 'WARNING'], ['ERROR', 'ERROR'], ['CRITICAL', 'CRITICAL']]),
      input('request_id', 'request id', { placeholder: 'exact id', size: '24' }),
      input('trace_id', 'trace id', { placeholder: '32 hex digits', size: '24' }),
      select('prediction', 'prediction', [['', 'any'], ['0', '0 · No Subscribe'], ['1', '1 · Subscribe']]),
      input('confidence_below', 'confidence below', { type: 'number', step: '0.01', min: '0', max: '1', placeholder: 'e.g. 0.6', size: '6' }),
      select('endpoint', 'endpoint', [['', 'any'], ['/predict', '/predict'], ['/predict/batch', '/predict/batch'], ['/feedback', '/feedback'], ['/feedback/batch', '/feedback/batch']]),
    );
    this.form.addEventListener('submit', (event) => event.preventDefault());
    this.form.addEventListener('input', () => {
      // Typing a request id fires an input per key: ask once it settles.
      window.clearTimeout(this.pending);
      this.pending = window.setTimeout(() => {
        this.onFilter(this.filters());
        void this.refresh();
      }, 250);
    });
    this.counts = h('small', {});
    this.table = h('tbody', {});
    parent.append(
      h(
        'section',
        { class: 'panel wide logs', 'data-panel': 'logs', 'data-points': '0' },
        h('h2', {}, 'Log Explorer ', this.counts),
        this.form,
        h('div', { class: 'log-scroll' }, h('table', { class: 'log-table' }, h('thead', {}, h('tr', {}, ...['time', 'level', 'message', 'request id', 'endpoint', 'prediction', 'confidence'].map((c) => h('th', {}, c)))), this.table)),
      ),
    );
  }

  /** The filters as the form holds them. */
  filters(): Record<string, string> {
    const data = new FormData(this.form);
    return Object.fromEntries(['level', 'request_id', 'trace_id', 'prediction', 'confidence_below', 'endpoint'].map((name) => [name, String(data.get(name) ?? '')]));
  }

  /** Fetches and draws the lines matching the filters. */
  async refresh(): Promise<void> {
    this.draw(await fetchLogs(this.filters(), LIMIT));
  }

  private draw(data: LogsResponse): void {
    const section = this.table.closest('section')!;
    section.setAttribute('data-points', String(data.lines.length));
    section.setAttribute('data-filter', JSON.stringify(this.filters()));
    replaceChildren(this.counts, `${data.matched.toLocaleString()} matching of the last ${data.held.toLocaleString()} lines kept (at most ${data.capacity.toLocaleString()}); newest ${Math.min(LIMIT, data.matched)} shown`);
    const rows: HTMLElement[] = [];
    for (const line of data.lines) {
      const key = keyOf(line);
      const level = text(line.level);
      const row = h(
        'tr',
        { class: `log-row ${level.toLowerCase()}`, 'data-request-id': text(line.request_id), title: 'Show the whole line' },
        h('td', { class: 'time' }, text(line['@timestamp']).replace('T', ' ').replace('Z', '')),
        h('td', {}, h('span', { class: `level ${level.toLowerCase()}` }, level)),
        h('td', {}, text(line.message)),
        h('td', { class: 'mono' }, text(line.request_id)),
        h('td', {}, text(line.endpoint)),
        h('td', { class: 'num' }, text(line.prediction)),
        h('td', { class: 'num' }, typeof line.confidence === 'number' ? line.confidence.toFixed(4) : ''),
      );
      const traceId = text((line.trace as { id?: unknown } | undefined)?.id);
      const spanId = text((line.span as { id?: unknown } | undefined)?.id);
      const traced = traceId ? h('p', { class: 'trace-ids mono' }, `trace.id ${traceId}`, spanId ? ` · span.id ${spanId}` : null) : null;
      const detail = h('tr', { class: 'log-detail' }, h('td', { colspan: '7' }, traced, h('pre', {}, JSON.stringify(line, null, 2))));
      detail.hidden = !this.expanded.has(key);
      row.addEventListener('click', () => {
        detail.hidden = !detail.hidden;
        if (detail.hidden) this.expanded.delete(key);
        else this.expanded.add(key);
      });
      rows.push(row, detail);
    }
    if (!rows.length) rows.push(h('tr', {}, h('td', { colspan: '7', class: 'muted' }, 'No line matches.')));
    replaceChildren(this.table, ...rows);
  }
}
