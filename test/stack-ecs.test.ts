/**
 * The log and its index template against Elastic's published ECS field definitions (`ecs_flat` of
 * @elastic/ecs 8.11.5). The lines say `ecs.version` 8.10.0 (@elastic/ecs-pino-format and the
 * prediction-line writer); ECS 8.11 only added to 8.10 (the `volume.*` beta set, `threat.*.indicator.name`,
 * an `expected_values` fix) and changed no field's type, so what fits 8.11.5 fits 8.10.
 *
 * Every field of real lines of every kind (test/helpers/log-lines.ts) and every field the template
 * maps is held against ECS: a field ECS defines must carry a value of ECS's type and be mapped with
 * ECS's type and multi-fields; no field may be a leaf where ECS has an object (`url` as a string)
 * or an object where ECS has a leaf; and a field ECS does not define must live outside ECS's field
 * sets (no `http.whatever`), so a future ECS field cannot take its name in a set we share.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EcsFlat } from '@elastic/ecs/build/esm/ecs_flat.js';
import { LOG_FIELDS } from '../src/stack/catalogue/log-fields.js';
import { ECS_VERSION } from '../src/monitoring/audit/prediction-line.js';
import { generateElasticsearch } from '../src/stack/elasticsearch/generate.js';
import { generateFilebeat } from '../src/stack/filebeat/generate.js';
import { parse } from 'yaml';
import { everyKindOfLogLine, type LogLine } from './helpers/log-lines.js';

interface EcsField {
  readonly flat_name: string;
  readonly type: string;
  readonly multi_fields?: readonly { readonly name: string; readonly type: string }[];
}
const ECS = EcsFlat as unknown as Readonly<Record<string, EcsField>>;
/** Every proper prefix of an ECS field: the objects ECS defines (`url`, `http.response`, …). */
const ECS_OBJECTS = new Set(Object.keys(ECS).flatMap((name) => name.split('.').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('.'))));
/** ECS's field sets, by their top-level name. */
const ECS_TOP_LEVEL = new Set(Object.keys(ECS).map((name) => name.split('.')[0]));

type Mapping = { type?: string; properties?: Record<string, Mapping>; fields?: Record<string, Mapping> };

/** Whether a JSON value is one Elasticsearch indexes under an ECS type without coercion. */
function fitsEcsType(type: string, value: unknown): boolean {
  if (value === null) return true;
  switch (type) {
    case 'keyword':
    case 'constant_keyword':
    case 'wildcard':
    case 'text':
    case 'match_only_text':
    case 'ip':
      return typeof value === 'string';
    case 'long':
    case 'integer':
    case 'short':
    case 'byte':
      return Number.isInteger(value);
    case 'float':
    case 'double':
    case 'half_float':
    case 'scaled_float':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'date':
      return typeof value === 'string' && !Number.isNaN(Date.parse(value));
    case 'object':
    case 'flattened':
    case 'nested':
      return typeof value === 'object';
    default:
      return false;
  }
}

/** Leaf paths of a line with their values; dotted keys are paths, arrays are looked into, `opaque` paths are leaves. */
function leaves(value: unknown, opaque: ReadonlySet<string>, prefix = ''): [string, unknown][] {
  if (Array.isArray(value)) return value.flatMap((item) => leaves(item, opaque, prefix));
  if (value !== null && typeof value === 'object' && !opaque.has(prefix)) {
    return Object.entries(value).flatMap(([key, inner]) => leaves(inner, opaque, prefix ? `${prefix}.${key}` : key));
  }
  return [[prefix, value]];
}

/** Leaf fields of a mapping, by path, and the paths of its objects. */
function mappedFields(properties: Record<string, Mapping>, prefix = ''): { leaves: Map<string, Mapping>; objects: Set<string> } {
  const found = { leaves: new Map<string, Mapping>(), objects: new Set<string>() };
  for (const [name, mapping] of Object.entries(properties)) {
    const path = prefix ? `${prefix}.${name}` : name;
    if (mapping.properties) {
      found.objects.add(path);
      const inner = mappedFields(mapping.properties, path);
      inner.leaves.forEach((m, p) => found.leaves.set(p, m));
      inner.objects.forEach((p) => found.objects.add(p));
    } else found.leaves.set(path, mapping);
  }
  return found;
}

/** Where a field path stands against ECS: problems, or none. */
function pathProblems(path: string): string[] {
  if (ECS[path]) return [];
  if (ECS_OBJECTS.has(path)) return [`${path}: ECS defines ${path} as an object (${Object.keys(ECS).filter((n) => n.startsWith(`${path}.`)).slice(0, 2).join(', ')}, …), not a value`];
  const parts = path.split('.');
  for (let i = 1; i < parts.length; i++) {
    const prefix = parts.slice(0, i).join('.');
    const ecs = ECS[prefix];
    if (ecs && ecs.type !== 'object') return [`${path}: ECS defines ${prefix} as a ${ecs.type} value, not an object`];
    if (ecs?.type === 'object') return [];
  }
  if (ECS_TOP_LEVEL.has(parts[0])) return [`${path}: not an ECS field, but inside ECS's field set ${parts[0]}`];
  return [];
}

/** Problems of written lines against ECS and the template's mapping. */
function lineProblems(lines: readonly LogLine[], properties: Record<string, Mapping>): string[] {
  const mapped = mappedFields(properties);
  // Opaque: flattened fields and ECS object fields (`labels`) hold their keys as values.
  const opaque = new Set([...[...mapped.leaves].filter(([, m]) => m.type === 'flattened').map(([p]) => p), ...Object.values(ECS).filter((f) => f.type === 'object').map((f) => f.flat_name)]);
  const problems = new Set<string>();
  for (const line of lines) {
    for (const [path, value] of leaves(line, opaque)) {
      for (const problem of pathProblems(path)) problems.add(`${problem} (in "${line.message}")`);
      const ecs = ECS[path];
      if (ecs && !fitsEcsType(ecs.type, value)) problems.add(`${path} = ${JSON.stringify(value)} is not an ECS ${ecs.type}`);
      if (!mapped.leaves.has(path)) problems.add(`${path} is not mapped in the index template`);
    }
  }
  return [...problems];
}

/** Problems of the template's mapping against ECS: clashes, types and multi-fields that differ. */
function mappingProblems(properties: Record<string, Mapping>): string[] {
  const { leaves: fields, objects } = mappedFields(properties);
  const problems: string[] = [];
  for (const [path, mapping] of fields) {
    problems.push(...pathProblems(path));
    const ecs = ECS[path];
    if (!ecs) continue;
    if (mapping.type !== ecs.type) problems.push(`${path} is mapped as ${mapping.type}, ECS says ${ecs.type}`);
    const multi = Object.fromEntries(Object.entries(mapping.fields ?? {}).map(([name, m]) => [name, m.type]));
    const ecsMulti = Object.fromEntries((ecs.multi_fields ?? []).map((m) => [m.name, m.type]));
    if (JSON.stringify(multi) !== JSON.stringify(ecsMulti)) problems.push(`${path} has multi-fields ${JSON.stringify(multi)}, ECS has ${JSON.stringify(ecsMulti)}`);
  }
  for (const path of objects) if (ECS[path] && ECS[path].type !== 'object') problems.push(`${path} is mapped as an object, ECS says ${ECS[path].type}`);
  return problems;
}

describe('the audit log and its index template against ECS', () => {
  const template = JSON.parse(generateElasticsearch()['index-template.json']) as { template: { mappings: { properties: Record<string, Mapping> } } };
  const properties = template.template.mappings.properties;

  test('the definitions are the published ones, and the lines say an ECS version they cover', async () => {
    assert.ok(Object.keys(ECS).length > 1500, `${Object.keys(ECS).length} ECS fields`);
    assert.deepEqual([ECS['url.full'].type, ECS.message.type, ECS['http.response.status_code'].type], ['wildcard', 'match_only_text', 'long']);
    assert.equal(ECS_VERSION, '8.10.0');
    const versions = new Set((await everyKindOfLogLine()).map((line) => line['ecs.version'] ?? (line.ecs as { version?: string } | undefined)?.version));
    assert.deepEqual([...versions], [ECS_VERSION], 'every line says ecs.version 8.10.0');
  });

  test('every field the index template maps agrees with ECS: no clash, ECS types and multi-fields', () => {
    assert.deepEqual(mappingProblems(properties), []);
    const mapped = mappedFields(properties).leaves;
    for (const path of ['message', 'error.message', 'error.stack_trace', 'http.response.status_code', 'url.full', 'event.duration', 'process.pid']) assert.equal(mapped.get(path)?.type, ECS[path].type, path);
    assert.deepEqual(mapped.get('error.stack_trace')?.fields, { text: { type: 'match_only_text' } });
    // The catalogue the template is made from says the same.
    for (const field of LOG_FIELDS) if (ECS[field.path]) assert.equal(field.type, ECS[field.path].type, `log-fields.ts: ${field.path}`);
  });

  test('every field of real lines of every kind fits ECS and is mapped', async () => {
    const lines = await everyKindOfLogLine();
    assert.deepEqual(lineProblems(lines, properties), []);
    const start = lines.find((l) => String(l.message).startsWith('modelwatch listening on'))!;
    assert.match((start.url as { full: string }).full, /^http:\/\/127\.0\.0\.1:\d+$/, 'the start line writes the address as url.full');
    const paths = new Set(lines.flatMap((line) => leaves(line, new Set(['input', 'alert.labels'])).map(([path]) => path)));
    const ecsWritten = [...paths].filter((path) => ECS[path]).sort();
    for (const path of ['@timestamp', 'message', 'log.level', 'error.stack_trace', 'error.message', 'http.response.status_code', 'url.full', 'event.duration']) assert.ok(ecsWritten.includes(path), `a line writes ${path}`);
    assert.ok(paths.size >= 60, `checked ${paths.size} distinct fields, ${ecsWritten.length} of them ECS's`);
  });

  test("the fields Filebeat's processors name are mapped ECS fields", () => {
    const filebeat = parse(generateFilebeat()['filebeat.yml']) as { processors: Record<string, { when?: { not?: { has_fields?: string[] } } }>[] };
    const named = filebeat.processors.flatMap((p) => Object.values(p).flatMap((processor) => processor.when?.not?.has_fields ?? []));
    assert.ok(named.length > 0);
    const mapped = mappedFields(properties).leaves;
    for (const field of named) {
      assert.ok(ECS[field], `${field} is an ECS field`);
      assert.equal(mapped.get(field)?.type, ECS[field].type, `${field} is mapped with ECS's type`);
    }
  });

  test('the checks catch what ECS rejects: a string url, an object where ECS has a value, custom fields in ECS sets, ECS fields mapped with other types', () => {
    const oldTemplate: Record<string, Mapping> = {
      url: { type: 'keyword' },
      message: { type: 'text', fields: { keyword: { type: 'keyword' } } },
      error: { properties: { message: { type: 'text' }, stack_trace: { type: 'text' } } },
      http: { properties: { response: { properties: { status_code: { type: 'integer' } } } } },
    };
    assert.deepEqual(mappingProblems(oldTemplate), [
      'url: ECS defines url as an object (url.domain, url.extension, …), not a value',
      'message is mapped as text, ECS says match_only_text',
      'message has multi-fields {"keyword":"keyword"}, ECS has {}',
      'error.message is mapped as text, ECS says match_only_text',
      'error.stack_trace is mapped as text, ECS says wildcard',
      'error.stack_trace has multi-fields {}, ECS has {"text":"match_only_text"}',
      'http.response.status_code is mapped as integer, ECS says long',
    ]);
    const lines = [
      { message: 'modelwatch listening on http://127.0.0.1:5000', url: 'http://127.0.0.1:5000' },
      { message: 'odd', log: { level: { name: 'info' } }, http: { response: { status_code: '400', retried: true } } },
    ];
    assert.deepEqual(lineProblems(lines, { ...properties, url: { type: 'keyword' } }), [
      'url: ECS defines url as an object (url.domain, url.extension, …), not a value (in "modelwatch listening on http://127.0.0.1:5000")',
      'log.level.name: ECS defines log.level as a keyword value, not an object (in "odd")',
      'log.level.name is not mapped in the index template',
      'http.response.status_code = "400" is not an ECS long',
      'http.response.retried: not an ECS field, but inside ECS\'s field set http (in "odd")',
      'http.response.retried is not mapped in the index template',
    ]);
  });
});
