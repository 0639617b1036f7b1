/**
 * Kibana saved objects as typed builders: the "ML Pipeline Logs" data view, 000's four
 * visualisations and their dashboard, and 001's low-confidence search, in the 8.x export format
 * (the NDJSON that `POST /api/saved_objects/_import` takes).
 *
 * Ids are fixed strings, so importing twice overwrites instead of duplicating and every reference
 * is known when the file is generated. Each object carries the migration versions of the shape it
 * is written in: Lens state keyed `formBased` is the 8.6 shape, dashboards with
 * `<panelIndex>:panel_<panelIndex>` references the 8.7 one, so Kibana 8.8 or later (9.x included)
 * runs only the migrations newer than that and never an older one on a newer shape.
 */
import { CONFIDENCE_EDGES } from '../../model/baseline.js';
import { INDEX_PATTERN } from '../elasticsearch/generate.js';

/** A reference from one saved object to another, by name inside the referencing object. */
export interface SavedObjectReference {
  readonly name: string;
  readonly type: string;
  readonly id: string;
}

/** One saved object, as exported by Kibana 8.x. */
export interface SavedObject {
  readonly type: 'index-pattern' | 'lens' | 'search' | 'dashboard';
  readonly id: string;
  readonly attributes: Record<string, unknown>;
  readonly references: readonly SavedObjectReference[];
  readonly coreMigrationVersion: string;
  readonly typeMigrationVersion: string;
}

/** Id of the "ML Pipeline Logs" data view. */
export const DATA_VIEW_ID = 'ml-pipeline-logs';
/** Title of the dashboard (000). */
export const DASHBOARD_TITLE = 'ML Pipeline Logs Dashboard';
/** The time field of every log line. */
export const TIME_FIELD = '@timestamp';
/**
 * A prediction is "low confidence" below the first confidence edge above 0.5 (001's buckets): for a
 * binary classifier confidence is at least 0.5, so (0.5, 0.6) is the bin where the model is close to
 * a coin flip, the same bin the confidence histogram and the drift baseline start with.
 */
export const LOW_CONFIDENCE = CONFIDENCE_EDGES[0];

const CORE_MIGRATION_VERSION = '8.8.0';
const kuery = (query: string) => ({ query, language: 'kuery' });
const dataViewRef = (name: string): SavedObjectReference => ({ name, type: 'index-pattern', id: DATA_VIEW_ID });

/** The data view over every daily index, with `@timestamp` as its time field. */
export function dataView(): SavedObject {
  return {
    type: 'index-pattern',
    id: DATA_VIEW_ID,
    attributes: { name: 'ML Pipeline Logs', title: INDEX_PATTERN, timeFieldName: TIME_FIELD },
    references: [],
    coreMigrationVersion: CORE_MIGRATION_VERSION,
    typeMigrationVersion: '8.0.0',
  };
}

/** A Lens column (formBased datasource). */
type LensColumn = Record<string, unknown> & { label: string; operationType: string };

/** Lens columns, by the operation 000 names. */
const column = {
  dateHistogram: (): LensColumn => ({
    label: TIME_FIELD,
    dataType: 'date',
    operationType: 'date_histogram',
    sourceField: TIME_FIELD,
    isBucketed: true,
    scale: 'interval',
    params: { interval: 'auto', includeEmptyRows: true, dropPartials: false },
  }),
  count: (label: string): LensColumn => ({
    label,
    customLabel: true,
    dataType: 'number',
    operationType: 'count',
    sourceField: '___records___',
    isBucketed: false,
    scale: 'ratio',
    params: { emptyAsNull: false },
  }),
  average: (field: string, label: string): LensColumn => ({
    label,
    customLabel: true,
    dataType: 'number',
    operationType: 'average',
    sourceField: field,
    isBucketed: false,
    scale: 'ratio',
    params: { emptyAsNull: true },
  }),
  /** Top values of a keyword field, ordered by the count column `orderBy`. */
  terms: (field: string, label: string, orderBy: string, size = 10): LensColumn => ({
    label,
    customLabel: true,
    dataType: 'string',
    operationType: 'terms',
    sourceField: field,
    isBucketed: true,
    scale: 'ordinal',
    params: { size, orderBy: { type: 'column', columnId: orderBy }, orderDirection: 'desc', otherBucket: true, missingBucket: false, parentFormat: { id: 'terms' } },
  }),
};

const LAYER = 'main';

interface LensSpec {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly visualizationType: 'lnsXY' | 'lnsMetric';
  /** Columns by id; bucket columns nest in this order (the first is the outermost aggregation). */
  readonly columns: Readonly<Record<string, LensColumn>>;
  readonly visualization: Record<string, unknown>;
  /** KQL applied to the whole visualisation. */
  readonly query?: string;
}

/** A by-value Lens visualisation with one layer on the data view. */
function lens(spec: LensSpec): SavedObject {
  // Lens runs bucket columns as nested aggregations in columnOrder, metrics inside the last one.
  const ids = Object.keys(spec.columns);
  const columnOrder = [...ids.filter((id) => spec.columns[id].isBucketed), ...ids.filter((id) => !spec.columns[id].isBucketed)];
  return {
    type: 'lens',
    id: spec.id,
    attributes: {
      title: spec.title,
      description: spec.description,
      visualizationType: spec.visualizationType,
      state: {
        datasourceStates: { formBased: { layers: { [LAYER]: { columns: spec.columns, columnOrder, incompleteColumns: {} } } } },
        visualization: spec.visualization,
        query: kuery(spec.query ?? ''),
        filters: [],
      },
    },
    references: [dataViewRef(`indexpattern-datasource-layer-${LAYER}`)],
    coreMigrationVersion: CORE_MIGRATION_VERSION,
    typeMigrationVersion: '8.6.0',
  };
}

/** An XY chart of one metric column `y` over the column `x`, optionally split by the column `split`. */
function xyChart(spec: Omit<LensSpec, 'visualizationType' | 'visualization'> & { seriesType: 'bar_stacked' | 'line'; x: string; y: string; split?: string }): SavedObject {
  const { x, y } = spec;
  const visibility = { x: true, yLeft: true, yRight: true };
  return lens({
    ...spec,
    visualizationType: 'lnsXY',
    visualization: {
      preferredSeriesType: spec.seriesType,
      legend: { isVisible: true, position: 'right' },
      valueLabels: 'hide',
      fittingFunction: 'None',
      axisTitlesVisibilitySettings: visibility,
      tickLabelsVisibilitySettings: visibility,
      gridlinesVisibilitySettings: visibility,
      layers: [{ layerId: LAYER, layerType: 'data', seriesType: spec.seriesType, xAccessor: x, accessors: [y], ...(spec.split ? { splitAccessor: spec.split } : {}) }],
    },
  });
}

/** 000 (1): log lines per level over time, a vertical bar per interval stacked by level. */
export function logLevelsOverTime(): SavedObject {
  return xyChart({
    id: 'ml-pipeline-log-levels',
    title: 'Log Levels Over Time',
    description: 'Log lines per interval, split by level (INFO, WARNING, ERROR, CRITICAL).',
    seriesType: 'bar_stacked',
    // The levels are chosen over the whole range, then counted per interval: one colour per level.
    columns: { level: column.terms('level', 'Level', 'lines'), time: column.dateHistogram(), lines: column.count('Log lines') },
    x: 'time',
    y: 'lines',
    split: 'level',
  });
}

/** 000 (3): average request duration over time. */
export function averageDuration(): SavedObject {
  return xyChart({
    id: 'ml-pipeline-average-duration',
    title: 'Average Request Duration',
    description: 'Average `duration` (milliseconds from request to response) of the request lines.',
    seriesType: 'line',
    columns: { time: column.dateHistogram(), duration: column.average('duration', 'Average duration (ms)') },
    x: 'time',
    y: 'duration',
  });
}

/**
 * 000 (4): the number of successful requests. 000 counts lines matching `NOT error:*`, but there is
 * no top-level `error` field (errors are `error.code`, `error.type`, `error.message`) and that
 * filter would also count start-up and drift lines; a request line says how it ended in
 * `event.outcome`, so this counts prediction and feedback lines that succeeded (a batch writes one
 * prediction line per row).
 */
export function successfulRequests(): SavedObject {
  return lens({
    id: 'ml-pipeline-successful-requests',
    title: 'Successful Requests',
    description: 'Prediction and feedback lines with event.outcome "success".',
    visualizationType: 'lnsMetric',
    columns: { requests: column.count('Successful requests') },
    visualization: { layerId: LAYER, layerType: 'data', metricAccessor: 'requests' },
    query: 'event.action:(predict or feedback) and event.outcome:success',
  });
}

interface SearchSpec {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly query: string;
  readonly columns: readonly string[];
}

const SEARCH_INDEX_REF = 'kibanaSavedObjectMeta.searchSourceJSON.index';

/** A Discover session (saved search): matching lines, newest first, with the given columns. */
function savedSearch(spec: SearchSpec): SavedObject {
  const searchSource = { query: kuery(spec.query), filter: [], indexRefName: SEARCH_INDEX_REF };
  return {
    type: 'search',
    id: spec.id,
    attributes: {
      title: spec.title,
      description: spec.description,
      columns: spec.columns,
      sort: [[TIME_FIELD, 'desc']],
      kibanaSavedObjectMeta: { searchSourceJSON: JSON.stringify(searchSource) },
    },
    references: [dataViewRef(SEARCH_INDEX_REF)],
    coreMigrationVersion: CORE_MIGRATION_VERSION,
    typeMigrationVersion: '7.9.3',
  };
}

/**
 * 000 (2): the error table. It lists log lines, not aggregates, so it is a saved search (a Lens
 * table can only show buckets); Discover always shows `@timestamp` first, so it is not repeated in
 * the columns. 000's `error` column is `error.type` and `error.message` here, the fields an ERROR
 * line (an unhandled error, a drift level turning critical, a shutdown timeout) carries.
 */
export function errorTable(): SavedObject {
  return savedSearch({
    id: 'ml-pipeline-errors',
    title: 'Errors',
    description: 'Lines at level ERROR, newest first.',
    query: 'level:ERROR',
    columns: ['level', 'message', 'error.type', 'error.message', 'request_id'],
  });
}

/** 001: predictions the model was least sure of, newest first, to review by hand. */
export function lowConfidencePredictions(): SavedObject {
  return savedSearch({
    id: 'ml-pipeline-low-confidence',
    title: 'Low-Confidence Predictions',
    description: `Predictions with confidence below ${LOW_CONFIDENCE}: the model was close to a coin flip.`,
    query: `event.action:predict and confidence < ${LOW_CONFIDENCE}`,
    columns: ['request_id', 'prediction', 'confidence', 'probability', 'model_version', 'endpoint'],
  });
}

/** Where a panel sits on the dashboard's 48-column grid. */
interface Placement {
  readonly object: SavedObject;
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** 000's dashboard: the four visualisations by reference, over the last hour. */
export function logsDashboard(placements: readonly Placement[]): SavedObject {
  const panels = placements.map(({ object, x, y, w, h }, index) => {
    const panelIndex = String(index + 1);
    return { version: CORE_MIGRATION_VERSION, type: object.type, gridData: { x, y, w, h, i: panelIndex }, panelIndex, embeddableConfig: { enhancements: {} }, panelRefName: `panel_${panelIndex}` };
  });
  return {
    type: 'dashboard',
    id: 'ml-pipeline-logs-dashboard',
    attributes: {
      title: DASHBOARD_TITLE,
      description: 'The service at a glance from its logs: levels over time, errors, average duration, successful requests.',
      panelsJSON: JSON.stringify(panels),
      optionsJSON: JSON.stringify({ useMargins: true, syncColors: false, syncCursor: true, syncTooltips: false, hidePanelTitles: false }),
      timeRestore: true,
      timeFrom: 'now-1h',
      timeTo: 'now',
      refreshInterval: { pause: false, value: 30_000 },
      kibanaSavedObjectMeta: { searchSourceJSON: JSON.stringify({ query: kuery(''), filter: [] }) },
      version: 1,
    },
    // Kibana 8.7+ prefixes a panel's references with its panelIndex.
    references: panels.map((panel, i) => ({ name: `${panel.panelIndex}:${panel.panelRefName}`, type: placements[i].object.type, id: placements[i].object.id })),
    coreMigrationVersion: CORE_MIGRATION_VERSION,
    typeMigrationVersion: '8.7.0',
  };
}

/**
 * Every saved object, in import order (what is referenced before what references it).
 *
 * @example kibanaSavedObjects().map((o) => o.id) // ['ml-pipeline-logs', …, 'ml-pipeline-logs-dashboard']
 */
export function kibanaSavedObjects(): SavedObject[] {
  const levels = logLevelsOverTime();
  const errors = errorTable();
  const duration = averageDuration();
  const successes = successfulRequests();
  const dashboard = logsDashboard([
    { object: levels, x: 0, y: 0, w: 24, h: 15 },
    { object: errors, x: 24, y: 0, w: 24, h: 15 },
    { object: duration, x: 0, y: 15, w: 36, h: 15 },
    { object: successes, x: 36, y: 15, w: 12, h: 15 },
  ]);
  return [dataView(), levels, errors, duration, successes, lowConfidencePredictions(), dashboard];
}
