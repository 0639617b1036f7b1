import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { syntheticRows } from '../src/data/synthetic.js';
import { createLogger } from '../src/monitoring/audit/logger.js';
import { startService } from '../src/server/serve.js';
import { LOG_FIELDS, type FieldType } from '../src/stack/catalogue/log-fields.js';
import { BOOTSTRAP_INDEX, generateElasticsearch, ILM_POLICY, INDEX_PATTERN, WRITE_ALIAS } from '../src/stack/elasticsearch/generate.js';
import { FILEBEAT_INDEX, generateFilebeat } from '../src/stack/filebeat/generate.js';
import { join } from 'node:path';
import { parse } from 'yaml';
import { freePort } from '../bench/children.js';
import { createProgress } from '../src/cli/progress.js';
import { writeLabelledCsv } from '../src/data/csv.js';
import { generateSynthetic } from '../src/data/synthetic.js';
import { runPipeline } from '../src/pipeline/run.js';
import { resolveDateMath } from './helpers/date-math.js';
import { CapturedLines, SEED_BODY, tempDir, testApp, trainedRegistry } from './helpers/fixtures.js';

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
    const lines: Record<string, unknown>[] = [];
    // Request lines: predictions with raw inputs, rejections with problems, feedback of every
    // outcome, drift level changes, and the console's in-process alerts firing (`for` scaled to 0).
    const t = await testApp({ AUDIT_RAW_INPUTS: 'true', DRIFT_WINDOW_SIZE: '200', DRIFT_MIN_SAMPLES: '200', PREDICTION_STORE_TTL_SECONDS: '1', CONSOLE_ALERT_FOR_SCALE: '0' });
    const rows = [...syntheticRows({ rows: 200, seed: 3, drift: 1 })];
    await t.app.inject({ method: 'POST', url: '/predict/batch', payload: { rows: rows.slice(0, 100).map((r) => r.features) }, headers: { 'x-request-id': 'es-a' } });
    await t.app.inject({ method: 'POST', url: '/predict/batch', payload: { rows: rows.slice(100).map((r) => r.features) }, headers: { 'x-request-id': 'es-b' } });
    await t.app.inject({ method: 'POST', url: '/predict', payload: { ...SEED_BODY, age: 5, job: 'astronaut' } });
    await t.app.inject({ method: 'POST', url: '/predict', payload: '{"age":', headers: { 'content-type': 'application/json' } });
    await t.app.inject({ method: 'POST', url: '/feedback', payload: { request_id: 'es-a:0', actual: 1 } });
    await t.app.inject({ method: 'POST', url: '/feedback', payload: { request_id: 'es-a:0', actual: 1 } });
    await t.app.inject({ method: 'POST', url: '/feedback', payload: { request_id: 'es-a:0', actual: 0 } });
    await t.app.inject({ method: 'POST', url: '/feedback', payload: { request_id: 'nope', actual: 0 } });
    await t.app.inject({ method: 'POST', url: '/feedback', payload: { actual: 3 } });
    t.monitor!.tick();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await t.app.inject({ method: 'POST', url: '/feedback', payload: { request_id: 'es-b:0', actual: 1 } });
    await t.app.close();
    await t.log.drain();
    lines.push(...t.captured.lines);
    // Operational lines of a real start and stop.
    const captured = new CapturedLines();
    const config = loadConfig({}, { PORT: 0, HOST: '127.0.0.1', MODEL_DIR: trainedRegistry().dir, LOG_STDOUT: false });
    const service = await startService(config, { log: createLogger({ serviceName: config.SERVICE_NAME, level: 'info', stdout: false, stream: captured }) });
    await service.close();
    lines.push(...captured.lines);
    // Training-pipeline lines: a run that succeeds (with a push that fails) and one that fails.
    const pipelineLines = new CapturedLines();
    const pipelineLog = createLogger({ serviceName: config.SERVICE_NAME, level: 'info', stdout: false, stream: pipelineLines });
    const data = join(tempDir(), 'train.csv');
    await writeLabelledCsv(data, generateSynthetic({ rows: 1000, seed: 9 }));
    const settings = { data, seed: 1, testShare: 0.2, tolerance: 0.005, maxIterations: 10 };
    const modelDir = tempDir();
    await runPipeline({ settings, modelDir, log: pipelineLog.pipeline, progress: createProgress(false), pushgatewayUrl: `http://127.0.0.1:${await freePort()}` });
    await runPipeline({ settings, modelDir, log: pipelineLog.pipeline, progress: createProgress(false), failAt: 'validate' });
    await pipelineLog.drain();
    lines.push(...pipelineLines.lines);

    const messages = new Set(lines.map((l) => String(l.message)));
    for (const kind of ['prediction', 'request rejected', 'feedback joined', 'feedback repeated; counted once', 'feedback for an unknown request id; not joined', 'feedback for an expired prediction; not joined']) {
      assert.ok(messages.has(kind), `a "${kind}" line was written`);
    }
    assert.ok(lines.some((l) => l.drift), 'a drift line was written');
    assert.ok(lines.some((l) => (l.alert as { state?: string } | undefined)?.state === 'firing'), 'an alert line was written');
    assert.ok(lines.some((l) => String(l.message).startsWith('modelwatch listening on')), 'service lines were written');
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
