import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LOG_FIELDS, type FieldType } from '../src/stack/catalogue/log-fields.js';
import { BOOTSTRAP_INDEX, generateElasticsearch, ILM_POLICY, INDEX_PATTERN, WRITE_ALIAS } from '../src/stack/elasticsearch/generate.js';
import { FILEBEAT_INDEX, generateFilebeat } from '../src/stack/filebeat/generate.js';
import { parse } from 'yaml';
import { resolveDateMath } from './helpers/date-math.js';
import { everyKindOfLogLine } from './helpers/log-lines.js';

type Mapping = { type?: string; properties?: Record<string, Mapping> };

/** The mapped type of a dotted path in the template, or undefined. */
function mappedType(properties: Record<string, Mapping>, path: string): string | undefined {
  let node: Mapping = { properties };
  for (const part of path.split('.')) {
    node = node.properties?.[part] as Mapping;
    if (!node) return undefined;
  }
  return node.type;
}

/** Leaf paths of a log line with their values; a flattened field is one leaf, arrays are looked into. */
function leaves(value: unknown, flattened: ReadonlySet<string>, prefix = ''): [string, unknown][] {
  if (Array.isArray(value)) return value.flatMap((item) => leaves(item, flattened, prefix));
  if (value !== null && typeof value === 'object' && !flattened.has(prefix)) {
    return Object.entries(value).flatMap(([key, inner]) => leaves(inner, flattened, prefix ? `${prefix}.${key}` : key));
  }
  return [[prefix, value]];
}

const fits = (type: FieldType | string, value: unknown): boolean => {
  if (value === null) return true;
  switch (type) {
    case 'integer':
    case 'long':
      return Number.isInteger(value);
    case 'float':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'date':
      return typeof value === 'string' && !Number.isNaN(Date.parse(value));
    case 'keyword':
      // Elasticsearch indexes a number or boolean sent to a keyword field as its text.
      return ['string', 'number', 'boolean'].includes(typeof value);
    case 'text':
    case 'match_only_text':
    case 'wildcard':
      return typeof value === 'string';
    case 'flattened':
      return typeof value === 'object';
    default:
      return false;
  }
};

/** Whether an index name matches an index pattern with `*` wildcards. */
const matchesPattern = (name: string, pattern: string) => new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(name);

describe('the Elasticsearch index template', () => {
  const files = generateElasticsearch();
  const template = JSON.parse(files['index-template.json']) as { index_patterns: string[]; template: { settings: Record<string, unknown>; mappings: { properties: Record<string, Mapping> } } };
  const properties = template.template.mappings.properties;

  test('covers ml-pipeline-* and maps every catalogued field with its type, under the ILM policy and its rollover alias', () => {
    assert.deepEqual(template.index_patterns, [INDEX_PATTERN]);
    assert.equal(template.template.settings['index.lifecycle.name'], ILM_POLICY);
    assert.equal(template.template.settings['index.lifecycle.rollover_alias'], WRITE_ALIAS);
    for (const field of LOG_FIELDS) assert.equal(mappedType(properties, field.path), field.type, field.path);
  });

  test('the ILM policy rolls over daily or at 50 GB a primary shard and deletes 30 days after rollover', () => {
    const { policy } = JSON.parse(files['ilm-policy.json']) as { policy: { phases: Record<string, { min_age?: string; actions: Record<string, Record<string, unknown>> }> } };
    assert.deepEqual(Object.keys(policy.phases), ['hot', 'delete']);
    assert.deepEqual(policy.phases.hot.actions.rollover, { max_age: '1d', max_primary_shard_size: '50gb' });
    assert.equal(policy.phases.hot.min_age, undefined, 'the hot phase starts when the index is created');
    assert.equal(policy.phases.delete.min_age, '30d');
    assert.deepEqual(policy.phases.delete.actions, { delete: {} });
  });

  test('Filebeat, the template and the first index agree on one write alias, and every index behind it matches the pattern', () => {
    const filebeat = parse(generateFilebeat()['filebeat.yml']) as Record<string, unknown> & { 'output.elasticsearch': { index: string } };
    const bootstrap = JSON.parse(files['bootstrap-index.json']) as { aliases: Record<string, { is_write_index?: boolean }> };
    assert.equal(filebeat['output.elasticsearch'].index, FILEBEAT_INDEX);
    assert.equal(FILEBEAT_INDEX, WRITE_ALIAS, 'Filebeat writes to the alias');
    assert.equal(template.template.settings['index.lifecycle.rollover_alias'], FILEBEAT_INDEX, "the template's rollover alias is Filebeat's index");
    assert.deepEqual(bootstrap, { aliases: { [FILEBEAT_INDEX]: { is_write_index: true } } }, 'the first index makes that alias its write index');
    assert.equal(filebeat['setup.template.enabled'], false, 'modelwatch installs its own template');
    assert.equal(filebeat['setup.ilm.enabled'], false, 'and its own policy and alias');
    // The alias is not itself caught by the pattern: the data view and the rule count each line once.
    assert.ok(!matchesPattern(WRITE_ALIAS, INDEX_PATTERN), `${WRITE_ALIAS} does not match ${INDEX_PATTERN}`);

    assert.equal(BOOTSTRAP_INDEX, '<ml-pipeline-{now/d}-000001>');
    assert.equal(resolveDateMath(BOOTSTRAP_INDEX, new Date('2026-11-22T23:59:59Z')), 'ml-pipeline-2026.11.22-000001', 'the date is the UTC day');
    const today = resolveDateMath(BOOTSTRAP_INDEX);
    // A rollover on a later day re-resolves the date math and bumps the counter.
    const rolled = resolveDateMath(BOOTSTRAP_INDEX.replace('000001', '000002'), new Date(Date.now() + 86_400_000));
    for (const name of [today, rolled]) {
      assert.match(name, /^ml-pipeline-\d{4}\.\d{2}\.\d{2}-\d{6}$/);
      assert.ok(matchesPattern(name, INDEX_PATTERN), `${name} matches the template's ${INDEX_PATTERN}`);
      assert.match(name, /^.*-\d+$/, 'ILM can name the next index');
    }
  });

  test('every field of real lines of every kind the service writes is mapped, with a type that fits its value', async () => {
    const lines = await everyKindOfLogLine();
    const messages = new Set(lines.map((l) => String(l.message)));
    for (const kind of ['prediction', 'request rejected', 'feedback joined', 'feedback repeated; counted once', 'feedback for an unknown request id; not joined', 'feedback for an expired prediction; not joined']) {
      assert.ok(messages.has(kind), `a "${kind}" line was written`);
    }
    assert.ok(lines.some((l) => l.drift), 'a drift line was written');
    assert.ok(lines.some((l) => (l.alert as { state?: string } | undefined)?.state === 'firing'), 'an alert line was written');
    assert.ok(lines.some((l) => String(l.message).startsWith('modelwatch listening on')), 'service lines were written');
    assert.ok(lines.some((l) => l.message === 'unhandled error' && (l.error as { stack_trace?: string } | undefined)?.stack_trace), 'an unhandled error with its stack was written');
    for (const outcome of ['success', 'failure']) assert.ok(lines.some((l) => (l.event as { action?: string; outcome?: string } | undefined)?.action === 'model_reload' && (l.event as { outcome: string }).outcome === outcome), `a reload ${outcome} line was written`);
    assert.ok(lines.some((l) => /SIGTERM received/.test(String(l.message))), 'the lines of modelwatch serve were written');
    assert.ok(lines.some((l) => l.holdout), 'the lines of a first start that trains a model were written');
    for (const action of ['pipeline_run_start', 'pipeline_step_start', 'pipeline_step_end', 'model_promotion', 'pipeline_push', 'pipeline_run_end']) {
      assert.ok(lines.some((l) => l['event.action'] === action), `a pipeline "${action}" line was written`);
    }
    const flattened = new Set(LOG_FIELDS.filter((f) => f.type === 'flattened').map((f) => f.path));
    const seen = new Set<string>();
    for (const line of lines) {
      for (const [path, value] of leaves(line, flattened)) {
        const type = mappedType(properties, path);
        assert.ok(type, `field ${path} (in "${line.message}") is mapped in the index template`);
        assert.ok(fits(type, value), `field ${path} = ${JSON.stringify(value)} fits its mapped type ${type}`);
        seen.add(path);
      }
    }
    assert.ok(seen.size >= 40, `checked ${seen.size} distinct fields`);
  });
});
