/**
 * Grafana dashboards as typed JSON (Grafana's dashboard model, schemaVersion 39). Panels are
 * described once — title, type, queries, unit, thresholds — and every query is also run against a
 * real Prometheus by the tests.
 */

/** One query of a panel; `legend` becomes the series name. */
export interface PanelQuery {
  readonly expr: string;
  readonly legend?: string;
}

/** A threshold step: from `value` up (null for the base), this colour. */
export interface ThresholdStep {
  readonly color: 'green' | 'yellow' | 'red';
  readonly value: number | null;
}

/** One panel. */
export interface PanelSpec {
  readonly title: string;
  readonly type: 'stat' | 'timeseries' | 'piechart';
  readonly queries: readonly PanelQuery[];
  readonly unit?: string;
  readonly min?: number;
  readonly thresholds?: readonly ThresholdStep[];
}

/** One dashboard. */
export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly source: string;
  readonly panels: readonly PanelSpec[];
}

/** 000_a6e68bdc8b3a3add.txt's "ML Pipeline Production", panel for panel. */
export const ML_PIPELINE_PRODUCTION: DashboardSpec = {
  uid: 'ml-pipeline-production',
  title: 'ML Pipeline Production',
  source: '000',
  panels: [
    {
      title: 'Model Accuracy',
      type: 'stat',
      queries: [{ expr: 'ml_model_accuracy', legend: '{{source}} {{model_version}}' }],
      unit: 'percentunit',
      thresholds: [{ color: 'red', value: null }, { color: 'yellow', value: 0.85 }, { color: 'green', value: 0.9 }],
    },
    { title: 'Predictions per Minute', type: 'timeseries', queries: [{ expr: 'rate(ml_predictions_total[1m]) * 60', legend: '{{instance}}' }], unit: 'reqps', min: 0 },
    {
      title: 'Error Rate',
      type: 'stat',
      queries: [{ expr: 'ml_prediction_error_rate * 100', legend: '{{instance}}' }],
      unit: 'percent',
      thresholds: [{ color: 'green', value: null }, { color: 'yellow', value: 5 }, { color: 'red', value: 10 }],
    },
    { title: '95th Percentile Latency', type: 'timeseries', queries: [{ expr: 'histogram_quantile(0.95, rate(http_request_duration_seconds_bucket[5m]))', legend: '{{route}} {{status_code}}' }], unit: 's' },
    {
      title: 'Prediction Distribution',
      type: 'piechart',
      queries: [
        { expr: 'ml_predictions_by_class_total{prediction_class="0"}', legend: 'No Subscribe' },
        { expr: 'ml_predictions_by_class_total{prediction_class="1"}', legend: 'Subscribe' },
      ],
    },
    { title: 'Memory Usage', type: 'timeseries', queries: [{ expr: 'ml_app_memory_bytes / 1024 / 1024', legend: '{{instance}}' }], unit: 'decmbytes' },
  ],
};

/** Every generated dashboard. */
export const DASHBOARDS: readonly DashboardSpec[] = [ML_PIPELINE_PRODUCTION];

const DATASOURCE = { type: 'prometheus', uid: 'prometheus' } as const;

function panelJson(panel: PanelSpec, id: number) {
  const width = 8;
  const x = ((id - 1) % 3) * width;
  const y = Math.floor((id - 1) / 3) * 8;
  return {
    id,
    type: panel.type,
    title: panel.title,
    datasource: DATASOURCE,
    gridPos: { h: 8, w: width, x, y },
    targets: panel.queries.map((q, i) => ({ refId: String.fromCharCode(65 + i), datasource: DATASOURCE, expr: q.expr, legendFormat: q.legend ?? '' })),
    fieldConfig: {
      defaults: {
        ...(panel.unit ? { unit: panel.unit } : {}),
        ...(panel.min !== undefined ? { min: panel.min } : {}),
        ...(panel.thresholds ? { thresholds: { mode: 'absolute', steps: panel.thresholds } } : {}),
      },
      overrides: [],
    },
    options:
      panel.type === 'piechart'
        ? { legend: { displayMode: 'list', placement: 'right', showLegend: true }, pieType: 'pie', reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false } }
        : panel.type === 'stat'
          ? { colorMode: 'background', graphMode: 'area', reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false } }
          : { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi' } },
  };
}

/**
 * A dashboard as Grafana's JSON model: last hour, refreshing every 30 s.
 *
 * @example JSON.stringify(dashboardJson(ML_PIPELINE_PRODUCTION))
 */
export function dashboardJson(spec: DashboardSpec) {
  return {
    uid: spec.uid,
    title: spec.title,
    tags: ['modelwatch', `seed-${spec.source}`],
    timezone: 'browser',
    schemaVersion: 39,
    version: 1,
    editable: true,
    time: { from: 'now-1h', to: 'now' },
    refresh: '30s',
    panels: spec.panels.map((panel, i) => panelJson(panel, i + 1)),
  };
}
