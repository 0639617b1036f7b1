/** Reads the service's console endpoints; every request goes to the origin that served the page. */
import type { AlertsResponse, DriftResponse, LogsResponse, SeriesResponse } from './api-types.js';

async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { headers: { accept: 'application/json' }, cache: 'no-store' });
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { message?: string };
    throw new Error(`${path}: ${response.status} ${body.message ?? response.statusText}`);
  }
  return (await response.json()) as T;
}

/** GET /api/series over `range` (e.g. "15m"). */
export const fetchSeries = (range: string) => getJson<SeriesResponse>(`/api/series?range=${encodeURIComponent(range)}`);
/** GET /api/drift. */
export const fetchDrift = () => getJson<DriftResponse>('/api/drift');
/** GET /api/alerts. */
export const fetchAlerts = () => getJson<AlertsResponse>('/api/alerts');
/** GET /api/logs with the given filters (empty ones left out). */
export function fetchLogs(filters: Readonly<Record<string, string>>, limit: number): Promise<LogsResponse> {
  const query = new URLSearchParams({ limit: String(limit) });
  for (const [name, value] of Object.entries(filters)) if (value.trim() !== '') query.set(name, value.trim());
  return getJson<LogsResponse>(`/api/logs?${query}`);
}
