import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { generateElasticsearch, INDEX_PATTERN } from '../src/stack/elasticsearch/generate.js';
import { ERROR_RULE_THRESHOLD, ERROR_RULE_WINDOW_MINUTES } from '../src/stack/kibana/error-rule.js';
import { generateKibana } from '../src/stack/kibana/generate.js';

// Everything here is read back from the generated files, as Kibana would read them.
type Mapping = { type?: string; properties?: Record<string, Mapping> };
type Reference = { name: string; type: string; id: string };
type SavedObject = { type: string; id: string; attributes: Record<string, unknown>; references: Reference[] };
type Column = { operationType: string; sourceField?: string; isBucketed: boolean };
type LensState = {
  datasourceStates: { formBased: { layers: Record<string, { columns: Record<string, Column>; columnOrder: string[] }> } };
  visualization: Record<string, unknown>;
  query: { query: string; language: string };
};

const files = generateKibana();
const objects = files['saved-objects.ndjson'].trimEnd().split('\n').map((line) => JSON.parse(line) as SavedObject);
const rule = JSON.parse(files['error-rule.json']) as { rule_type_id: string; params: Record<string, unknown> };
const properties = (JSON.parse(generateElasticsearch()['index-template.json']) as { template: { mappings: { properties: Record<string, Mapping> } } }).template.mappings.properties;

/** The mapped type of a dotted path in the index template, or undefined. */
function mappedType(path: string): string | undefined {
  let node: Mapping | undefined = { properties };
  for (const part of path.split('.')) node = node?.properties?.[part];
  return node?.type;
}

const NUMERIC = ['integer', 'long', 'float', 'double'];
// What each use needs: `text` cannot be aggregated, ranges need an ordered type.
const AGGREGATABLE = ['keyword', 'boolean', 'date', ...NUMERIC];
const RANGEABLE = ['date', 'keyword', ...NUMERIC];

/**
 * Field names in a KQL query: a name followed by `:` or a range operator. Values never are
 * (`event.action:(predict or feedback)` yields event.action only), and modelwatch's queries quote
 * nothing, so this small pattern is enough; a query it cannot read fails the "has fields" check.
 */
function kqlFields(query: string): { field: string; range: boolean }[] {
  return [...query.matchAll(/([@A-Za-z_][\w.@]*)\s*(:|<=|>=|<|>)/g)].map((m) => ({ field: m[1], range: m[2] !== ':' }));
}

const byType = (type: string) => objects.filter((o) => o.type === type);
const lensState = (o: SavedObject) => o.attributes.state as LensState;
const searchSource = (o: SavedObject) => JSON.parse((o.attributes.kibanaSavedObjectMeta as { searchSourceJSON: string }).searchSourceJSON) as { query: { query: string; language: string }; indexRefName: string };

/** Every (field, use) pair a saved object or the rule depends on. */
function fieldUses(): { where: string; field: string; allowed?: string[] }[] {
  const uses: { where: string; field: string; allowed?: string[] }[] = [];
  const query = (where: string, q: { query: string; language: string }) => {
    assert.equal(q.language, 'kuery', `${where} uses KQL`);
    for (const { field, range } of kqlFields(q.query)) uses.push({ where: `${where} query`, field, allowed: range ? RANGEABLE : undefined });
  };
  for (const o of byType('index-pattern')) uses.push({ where: o.id, field: String(o.attributes.timeFieldName), allowed: ['date'] });
  for (const o of byType('lens')) {
    const state = lensState(o);
    for (const layer of Object.values(state.datasourceStates.formBased.layers)) {
      for (const column of Object.values(layer.columns)) {
        if (column.sourceField === '___records___') continue;
        const allowed = column.operationType === 'date_histogram' ? ['date'] : column.operationType === 'average' ? NUMERIC : AGGREGATABLE;
        uses.push({ where: `${o.id} ${column.operationType}`, field: String(column.sourceField), allowed });
      }
    }
    query(o.id, state.query);
  }
  for (const o of byType('search')) {
    for (const field of o.attributes.columns as string[]) uses.push({ where: `${o.id} column`, field });
    for (const [field] of o.attributes.sort as [string, string][]) uses.push({ where: `${o.id} sort`, field, allowed: RANGEABLE });
    query(o.id, searchSource(o).query);
  }
  uses.push({ where: 'rule timeField', field: String(rule.params.timeField), allowed: ['date'] });
  const esQuery = JSON.parse(String(rule.params.esQuery)) as { query: { term: Record<string, unknown> } };
  for (const field of Object.keys(esQuery.query.term)) uses.push({ where: 'rule term query', field, allowed: ['keyword'] });
  return uses;
}

describe('the Kibana saved objects and rule', () => {
  test('every field an object or the rule uses is in the index template, with a type that suits its use', () => {
    const uses = fieldUses();
    assert.ok(uses.length >= 20, `checked ${uses.length} field uses`);
    for (const { where, field, allowed } of uses) {
      const type = mappedType(field);
      assert.ok(type, `${where}: field ${field} is mapped in the index template`);
      if (allowed) assert.ok(allowed.includes(type), `${where}: field ${field} is ${type}, needs one of ${allowed.join(', ')}`);
    }
    // The parser sees every field of the queries (so a misspelt one cannot slip past unread).
    assert.deepEqual(kqlFields('event.action:(predict or feedback) and event.outcome:success and confidence < 0.6').map((f) => f.field), ['event.action', 'event.outcome', 'confidence']);
  });

  test('every reference resolves to an object of the file, with the right type', () => {
    const ids = new Map(objects.map((o) => [`${o.type}/${o.id}`, o]));
    assert.equal(ids.size, objects.length, 'ids are unique per type');
    for (const o of objects) {
      for (const ref of o.references) assert.ok(ids.has(`${ref.type}/${ref.id}`), `${o.id}: reference ${ref.name} → ${ref.type}/${ref.id} resolves`);
    }
    // Each place that names a reference finds it.
    for (const o of byType('lens')) {
      for (const layerId of Object.keys(lensState(o).datasourceStates.formBased.layers)) {
        assert.ok(o.references.some((r) => r.name === `indexpattern-datasource-layer-${layerId}` && r.type === 'index-pattern'), `${o.id}: layer ${layerId} has its data view`);
      }
    }
    for (const o of byType('search')) {
      const name = searchSource(o).indexRefName;
      assert.ok(o.references.some((r) => r.name === name && r.type === 'index-pattern'), `${o.id}: ${name} is a reference`);
    }
    for (const o of byType('dashboard')) {
      for (const panel of JSON.parse(String(o.attributes.panelsJSON)) as { panelIndex: string; panelRefName: string; type: string }[]) {
        const ref = o.references.find((r) => r.name === `${panel.panelIndex}:${panel.panelRefName}`);
        assert.ok(ref, `${o.id}: panel ${panel.panelIndex} has its reference`);
        assert.equal(ref.type, panel.type, `panel ${panel.panelIndex} is a ${panel.type}`);
      }
    }
  });

  test('the data view is "ML Pipeline Logs" on ml-pipeline-* by @timestamp', () => {
    const [view] = byType('index-pattern');
    assert.deepEqual(view.attributes, { name: 'ML Pipeline Logs', title: INDEX_PATTERN, timeFieldName: '@timestamp' });
    assert.equal(INDEX_PATTERN, 'ml-pipeline-*');
  });

  test("the dashboard shows 000's four visualisations", () => {
    const [dashboard] = byType('dashboard');
    assert.equal(dashboard.attributes.title, 'ML Pipeline Logs Dashboard');
    const panels = dashboard.references.map((r) => objects.find((o) => o.id === r.id && o.type === r.type)!);
    assert.equal(panels.length, 4);
    const lensOf = (title: string) => {
      const panel = panels.find((o) => o.attributes.title === title);
      assert.ok(panel, `the dashboard has "${title}"`);
      return panel;
    };
    const columns = (o: SavedObject) => Object.values(lensState(o).datasourceStates.formBased.layers.main.columns).map((c) => `${c.operationType}(${c.sourceField})`);

    const levels = lensOf('Log Levels Over Time');
    assert.equal(levels.attributes.visualizationType, 'lnsXY');
    assert.equal((lensState(levels).visualization.layers as { seriesType: string; splitAccessor?: string }[])[0].seriesType, 'bar_stacked');
    assert.ok((lensState(levels).visualization.layers as { splitAccessor?: string }[])[0].splitAccessor, 'split by a column');
    assert.deepEqual(columns(levels).sort(), ['count(___records___)', 'date_histogram(@timestamp)', 'terms(level)']);

    const errors = lensOf('Errors');
    assert.equal(errors.type, 'search');
    assert.equal(searchSource(errors).query.query, 'level:ERROR');
    assert.deepEqual(errors.attributes.sort, [['@timestamp', 'desc']]);
    for (const field of ['level', 'message', 'error.message', 'request_id']) assert.ok((errors.attributes.columns as string[]).includes(field), field);

    const duration = lensOf('Average Request Duration');
    assert.equal((lensState(duration).visualization.layers as { seriesType: string }[])[0].seriesType, 'line');
    assert.deepEqual(columns(duration).sort(), ['average(duration)', 'date_histogram(@timestamp)']);

    const successes = lensOf('Successful Requests');
    assert.equal(successes.attributes.visualizationType, 'lnsMetric');
    assert.deepEqual(columns(successes), ['count(___records___)']);
    assert.match(lensState(successes).query.query, /event\.outcome:success/);
  });

  test("001's low-confidence search lists predictions below the first confidence edge", () => {
    const search = objects.find((o) => o.id === 'ml-pipeline-low-confidence')!;
    assert.equal(searchSource(search).query.query, 'event.action:predict and confidence < 0.6');
    for (const field of ['request_id', 'prediction', 'confidence', 'model_version']) assert.ok((search.attributes.columns as string[]).includes(field), field);
  });

  test('the rule fires on more than 5 ERROR lines of ml-pipeline-* in 5 minutes', () => {
    assert.equal(rule.rule_type_id, '.es-query');
    assert.deepEqual(rule.params.index, ['ml-pipeline-*']);
    assert.deepEqual(JSON.parse(String(rule.params.esQuery)), { query: { term: { level: 'ERROR' } } });
    assert.equal(rule.params.thresholdComparator, '>');
    assert.deepEqual(rule.params.threshold, [5]);
    assert.equal(rule.params.timeWindowSize, 5);
    assert.equal(rule.params.timeWindowUnit, 'm');
    assert.equal(rule.params.aggType, 'count');
    assert.deepEqual([ERROR_RULE_THRESHOLD, ERROR_RULE_WINDOW_MINUTES], [5, 5]);
  });
});
