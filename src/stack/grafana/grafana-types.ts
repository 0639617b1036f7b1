/**
 * The shapes of the generated dashboards, taken from Grafana's own published TypeScript types
 * (`@grafana/schema`: the dashboard model and each panel plugin's `Options` and `FieldConfig`), so
 * the compiler rejects a field in the wrong place — a time series' `thresholdsStyle` in `options`
 * instead of `fieldConfig.defaults.custom`, where Grafana reads it — or an option Grafana does not
 * know. `Panel` in `@grafana/schema` types `options` and `fieldConfig.defaults.custom` as open
 * records; the panel types here close them with the plugin's own types, per panel `type`.
 *
 * Type-only imports: nothing of `@grafana/schema` (a dev dependency) is loaded at run time.
 * test/stack-grafana-schema.test.ts compiles every committed dashboard file against these types.
 */
import type { Dashboard, FieldConfig, Panel, VariableModel } from '@grafana/schema';
import type * as Heatmap from '@grafana/schema/dist/esm/raw/composable/heatmap/panelcfg/x/HeatmapPanelCfg_types.gen';
import type * as PieChart from '@grafana/schema/dist/esm/raw/composable/piechart/panelcfg/x/PieChartPanelCfg_types.gen';
import type * as Stat from '@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen';
import type * as TimeSeries from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';
import type { GrafanaUnit } from './units.js';

/**
 * `T` with every string enum replaced by the union of its values. Grafana's types use TypeScript
 * enums (`BigValueColorMode.Background`); JSON holds their values (`"background"`), and a value is
 * not assignable to a string enum. Numeric enums already accept their numeric values.
 */
export type Plain<T> = T extends string ? `${T}` : T extends readonly (infer U)[] ? Plain<U>[] : T extends object ? { [K in keyof T]: Plain<T[K]> } : T;

/** A Prometheus query of a panel (the Prometheus data source's query model). */
export interface PrometheusTarget {
  readonly refId: string;
  readonly datasource: { readonly type: 'prometheus'; readonly uid: string };
  readonly expr: string;
  readonly legendFormat: string;
  readonly format?: 'time_series' | 'table' | 'heatmap';
}

/** A panel of plugin `type` whose options and custom field config are the plugin's own types. */
type TypedPanel<Type extends string, Options, Custom> = Omit<Plain<Panel>, 'type' | 'options' | 'fieldConfig' | 'targets'> & {
  type: Type;
  options: Plain<Options>;
  targets: PrometheusTarget[];
  fieldConfig: {
    // `unit` is a plain string in Grafana's types; here it must be a unit Grafana knows.
    defaults: Omit<Plain<FieldConfig>, 'custom' | 'unit'> & { unit?: GrafanaUnit; custom?: Plain<Custom> };
    overrides: Plain<NonNullable<Panel['fieldConfig']>>['overrides'];
  };
};

/** A time series panel: a line per series over time (`thresholdsStyle` draws the threshold lines). */
export type TimeSeriesPanel = TypedPanel<'timeseries', TimeSeries.Options, TimeSeries.FieldConfig>;
/** A stat panel: one big number per series; it has no custom field config of its own. */
export type StatPanel = TypedPanel<'stat', Stat.Options, Record<string, never>>;
/** A pie chart panel: each series' share of the whole. */
export type PieChartPanel = TypedPanel<'piechart', PieChart.Options, PieChart.FieldConfig>;
/** A heatmap panel: histogram buckets over time. */
export type HeatmapPanel = TypedPanel<'heatmap', Heatmap.Options, Heatmap.FieldConfig>;
/** The panel types the generator writes, by plugin id. */
export interface PanelByType {
  timeseries: TimeSeriesPanel;
  stat: StatPanel;
  piechart: PieChartPanel;
  heatmap: HeatmapPanel;
}
/** Every panel the generator writes. */
export type GeneratedPanel = PanelByType[keyof PanelByType];

/** A generated dashboard: Grafana's `Dashboard` with typed panels. */
export type GeneratedDashboard = Omit<Plain<Dashboard>, 'panels' | 'templating'> & {
  panels: GeneratedPanel[];
  templating: { list: Plain<VariableModel>[] };
};
