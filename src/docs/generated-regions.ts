/**
 * Parts of the hand-written docs that come from code: every count or list of alerts (and the
 * console's column count) is written between markers and filled from the catalogue by
 * `npm run docs`, so a doc cannot say 13 alerts where there are 17. A region is
 *
 *     <!-- generated:NAME -->…<!-- /generated:NAME -->
 *
 * inline or spanning lines; the text between the markers is replaced, the rest of the file kept.
 * test/docs.test.ts fails when a region drifts from its source, and when a doc states an alert
 * count outside a region.
 */
import { seriesColumns } from '../monitoring/series/columns.js';
import { PIPELINE_JOB } from '../pipeline/metrics.js';
import { ALERTS, type AlertRule } from '../stack/catalogue/alerts.js';

const code = (name: string) => `\`${name}\``;

/** "a, b and c". */
function sentenceList(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** A summary template as prose: `{{ $labels.instance }}` becomes *instance* (and a pipe is escaped for the table). */
const prose = (template: string) => template.replace(/\{\{ \$labels\.(\w+) \}\}/g, '*$1*').replace(/\|/g, '\\|');

const isPipelineAlert = (alert: AlertRule) => alert.expr.includes(`job="${PIPELINE_JOB}"`);

/** The table of every alert, for docs/runbooks.md. */
function alertTable(): string {
  const rows = ALERTS.map((a) => `| [${a.name}](#${a.runbook}) | ${a.severity} | ${a.for} | ${prose(a.summary)} | ${a.console ? 'yes' : 'no: needs Prometheus'} |`);
  return ['', '| alert | severity | for | fires when | in-process (console) |', '| --- | --- | --- | --- | --- |', ...rows, ''].join('\n');
}

/** Every generated region, by name. */
export const REGIONS: Readonly<Record<string, () => string>> = {
  'alert-count': () => `${ALERTS.length} alerts`,
  'alert-severities': () => `${ALERTS.filter((a) => a.severity === 'critical').length} critical, ${ALERTS.filter((a) => a.severity === 'warning').length} warning`,
  'alerts-table': alertTable,
  'pipeline-alerts': () => sentenceList(ALERTS.filter(isPipelineAlert).map((a) => code(a.name))),
  'alerts-needing-prometheus': () => sentenceList(ALERTS.filter((a) => !a.console).map((a) => code(a.name))),
  'in-process-alert-count': () => `${ALERTS.filter((a) => a.console).length} of the ${ALERTS.length} alerts`,
  'series-column-count': () => `${seriesColumns().length} columns`,
};

/** The docs holding generated regions, relative to the project root. */
export const DOCS_WITH_REGIONS = ['README.md', 'docs/api.md', 'docs/pipeline.md', 'docs/runbooks.md', 'docs/stack.md'] as const;

const REGION = /<!-- generated:([\w-]+) -->([\s\S]*?)<!-- \/generated:\1 -->/g;

/**
 * The text with every generated region filled from its source; an unknown region name throws.
 *
 * @example fillRegions('There are <!-- generated:alert-count -->13 alerts<!-- /generated:alert-count -->.') // 'There are <!-- generated:alert-count -->23 alerts<!-- /generated:alert-count -->.'
 */
export function fillRegions(text: string): string {
  return text.replace(REGION, (_whole, name: string) => {
    const render = REGIONS[name];
    if (!render) throw new Error(`unknown generated region "${name}" (known: ${Object.keys(REGIONS).join(', ')})`);
    return `<!-- generated:${name} -->${render()}<!-- /generated:${name} -->`;
  });
}

/**
 * The text outside generated regions: where a hand-written count would be a mistake.
 *
 * @example outsideRegions('a <!-- generated:x -->b<!-- /generated:x --> c') // 'a  c'
 */
export function outsideRegions(text: string): string {
  return text.replace(REGION, '');
}
