/**
 * The modelwatch console: one page, served by the service itself, that draws what the embedded
 * tier knows — the seed dashboard's panels, drift per feature, live against estimated accuracy,
 * the alert catalogue evaluated in-process, and the recent audit log — refreshing on its own.
 * Everything it loads or asks for comes from the origin that served it.
 */
import 'uplot/dist/uPlot.min.css';
import './console.css';
import { AlertsPanel } from './alerts.js';
import { fetchAlerts, fetchDrift, fetchSeries } from './api.js';
import { DriftPanel } from './drift.js';
import { byId, h, replaceChildren } from './dom.js';
import { LogExplorer } from './logs.js';
import { Panels } from './panels.js';

const RANGES = ['5m', '15m', '30m', '1h'];
const REFRESHES = ['1', '2', '5', '10', '30', '0'];
const LOG_FILTERS = ['level', 'request_id', 'trace_id', 'prediction', 'confidence_below', 'endpoint'];

const params = new URLSearchParams(location.search);
const pick = (name: string, allowed: readonly string[], fallback: string) => {
  const value = params.get(name);
  return value !== null && allowed.includes(value) ? value : fallback;
};
const settings = {
  range: pick('range', RANGES, '15m'),
  refresh: pick('refresh', REFRESHES, '5'),
};

/** Keeps the URL in step with the page, so a reload or a shared link shows the same view. */
function remember(name: string, value: string | undefined): void {
  if (value) params.set(name, value);
  else params.delete(name);
  const query = params.toString();
  history.replaceState(null, '', `${location.pathname}${query ? `?${query}` : ''}`);
}

const select = (name: string, options: readonly string[], value: string, caption: (v: string) => string) => {
  const element = h('select', { name, id: `${name}-select` }, ...options.map((v) => h('option', { value: v }, caption(v))));
  element.value = value;
  return element;
};

const rangeSelect = select('range', RANGES, settings.range, (v) => `last ${v.replace('m', ' min').replace('h', ' h')}`);
const refreshSelect = select('refresh', REFRESHES, settings.refresh, (v) => (v === '0' ? 'paused' : `every ${v} s`));
const status = h('span', { class: 'status' }, 'loading…');
replaceChildren(byId('controls'), h('label', {}, 'range ', rangeSelect), h('label', {}, 'refresh ', refreshSelect), status);

const app = byId('app');
const alerts = new AlertsPanel(app);
const grid = h('div', { class: 'grid' });
app.append(grid);
const panels = new Panels(grid);
const drift = new DriftPanel(app, params.get('feature') ?? undefined, (feature) => remember('feature', feature));
const logs = new LogExplorer(app, Object.fromEntries(LOG_FILTERS.map((name) => [name, params.get(name) ?? ''])), (filters) => {
  for (const name of LOG_FILTERS) remember(name, filters[name]);
});

let timer: number | undefined;
let refreshes = 0;

/** Fetches everything once and draws it; a failed part is reported and the rest still drawn. */
async function refresh(): Promise<void> {
  window.clearTimeout(timer);
  const [series, driftData, alertData, logResult] = await Promise.allSettled([fetchSeries(settings.range), fetchDrift(), fetchAlerts(), logs.refresh()]);
  const failures: string[] = [];
  if (series.status === 'fulfilled') {
    panels.update(series.value);
    drift.updateHistory(series.value);
  } else failures.push(String(series.reason));
  if (driftData.status === 'fulfilled') {
    drift.update(driftData.value);
    const version = driftData.value.model_version;
    replaceChildren(byId('model'), version ? `model ${version}` : '');
  } else failures.push(String(driftData.reason));
  if (alertData.status === 'fulfilled') alerts.update(alertData.value);
  else failures.push(String(alertData.reason));
  if (logResult.status === 'rejected') failures.push(String(logResult.reason));
  refreshes++;
  document.body.dataset.refreshes = String(refreshes);
  status.className = `status${failures.length ? ' failed' : ''}`;
  replaceChildren(status, failures.length ? `update failed: ${failures.join('; ')}` : `updated ${new Date().toLocaleTimeString([], { hour12: false })}`);
  const seconds = Number(settings.refresh);
  if (seconds > 0) timer = window.setTimeout(() => void refresh(), seconds * 1000);
}

rangeSelect.addEventListener('change', () => {
  settings.range = rangeSelect.value;
  remember('range', settings.range);
  void refresh();
});
refreshSelect.addEventListener('change', () => {
  settings.refresh = refreshSelect.value;
  remember('refresh', settings.refresh);
  void refresh();
});
void refresh();
