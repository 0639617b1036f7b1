/**
 * Gateway mappings, the machinery: the path syntax (JSON Pointer with one `*`), route templates,
 * mapping files (a full example read, observed and driven; every kind of bad file refused naming
 * the field), every reason a body goes unobserved, text features and vocabularies, and a batch of
 * thousands of rows read in linear work.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BANK_SCHEMA } from '../src/data/model-schema.js';
import { MappingFileError, VocabularyFileError } from '../src/errors.js';
import { readAnswered } from '../src/gateway/mapping/extraction.js';
import { compilePath, JsonPathError, readPath, writePath } from '../src/gateway/mapping/json-path.js';
import { parseMapping, readMappingFile } from '../src/gateway/mapping/mapping-file.js';
import { PRESETS } from '../src/gateway/mapping/presets/index.js';
import { compileTemplate } from '../src/gateway/mapping/route-template.js';
import { endpointOf, mappingFor, OTHER_ENDPOINT, routeOf } from '../src/gateway/mapping/routes.js';
import { readVocabulary, textFeatures, tokensOf } from '../src/gateway/mapping/text-features.js';
import { TEXT_FEATURES, type Mapping, type MappedRoute } from '../src/gateway/mapping/types.js';
import { tempDir } from './helpers/fixtures.js';
import { failureOf, observedOf } from './helpers/extraction.js';

describe('paths: JSON Pointer with one "*"', () => {
  test('"" is the whole body; keys, array indexes and the RFC 6901 escapes', () => {
    const body = { 'a/b': 1, 'm~n': 2, '~1': 3, list: [10, 20], '': { x: 4 } };
    const read = (path: string) => readPath(compilePath(path), body);
    assert.deepEqual(read(''), { ok: true, values: [body], batch: false });
    assert.deepEqual(read('/a~1b'), { ok: true, values: [1], batch: false });
    assert.deepEqual(read('/m~0n'), { ok: true, values: [2], batch: false });
    // ~01 is "~1" (the ~1 escape is undone first, then ~0), not "/" .
    assert.deepEqual(read('/~01'), { ok: true, values: [3], batch: false });
    assert.deepEqual(read('/list/1'), { ok: true, values: [20], batch: false });
    assert.deepEqual(read('//x'), { ok: true, values: [4], batch: false });
    // "01" is no array index, and an inherited property is no key.
    assert.equal(read('/list/01').ok, false);
    assert.equal(read('/toString').ok, false);
  });

  test('"*" reads one value per element, and says where a row lacks one', () => {
    const body = { results: [{ out: { p: 0.9 } }, { out: { p: 0.2 } }, { out: {} }] };
    assert.deepEqual(readPath(compilePath('/results/*/out/p'), { results: body.results.slice(0, 2) }), { ok: true, values: [0.9, 0.2], batch: true });
    assert.deepEqual(readPath(compilePath('/results/*/out/p'), body), { ok: false, detail: 'nothing at /results/2/out/p' });
    assert.deepEqual(readPath(compilePath('/*'), [1, 2, 3]), { ok: true, values: [1, 2, 3], batch: true });
    assert.deepEqual(readPath(compilePath('/results/*'), { results: [] }), { ok: true, values: [], batch: true });
    assert.deepEqual(readPath(compilePath('/results/*'), { results: { a: 1 } }), { ok: false, detail: '/results is not an array (the "*" of /results/*)' });
    assert.deepEqual(readPath(compilePath('/nope/*'), body), { ok: false, detail: 'nothing at /nope' });
  });

  test('what is no path is refused once, saying why', () => {
    assert.throws(() => compilePath('rows/*'), (e: Error) => e instanceof JsonPathError && /must be "" \(the whole body\) or start with "\/"/.test(e.message));
    assert.throws(() => compilePath('/a~2b'), /bad escape in the segment "a~2b"/);
    assert.throws(() => compilePath('/a~'), /bad escape/);
    assert.throws(() => compilePath('/rows/*/cells/*'), /more than one "\*"/);
  });

  test('a body is written where a path reads it, when that is unambiguous', () => {
    assert.deepEqual(writePath(compilePath('/instances/*'), [{ a: 1 }, { a: 2 }]), { instances: [{ a: 1 }, { a: 2 }] });
    assert.deepEqual(writePath(compilePath('/data/*/features'), [[1, 2]]), { data: [{ features: [1, 2] }] });
    assert.deepEqual(writePath(compilePath(''), [{ a: 1 }]), { a: 1 });
    assert.deepEqual(writePath(compilePath('/a~1b'), [{ a: 1 }]), { 'a/b': { a: 1 } });
    assert.equal(writePath(compilePath(''), [{ a: 1 }, { a: 2 }]), undefined, 'a single-row body is no batch');
    assert.equal(writePath(compilePath('/inputs/0/*'), [{ a: 1 }]), undefined, 'a numeric segment may be an index or a key');
  });
});

describe('route templates', () => {
  test(':param matches one segment; what follows it in the segment is literal', () => {
    const tf = compileTemplate('/v1/models/:name:predict');
    assert.ok(tf.pattern.test('/v1/models/iris:predict'));
    assert.ok(!tf.pattern.test('/v1/models/a/b:predict'));
    assert.ok(!tf.pattern.test('/v1/models/iris:classify'));
    assert.equal(tf.fill({ name: 'my model' }), '/v1/models/my%20model:predict');
    assert.equal(tf.fill({}), undefined);
    const v2 = compileTemplate('/v2/models/:name/versions/:version/infer');
    assert.deepEqual(v2.params, ['name', 'version']);
    assert.ok(v2.pattern.test('/v2/models/m/versions/3/infer'));
    assert.ok(!compileTemplate('/predict.json').pattern.test('/predictxjson'), 'literal dots are escaped');
  });

  test('bad templates are refused', () => {
    assert.throws(() => compileTemplate('predict'), /must start with "\/"/);
    assert.throws(() => compileTemplate('/predict?x=1'), /query/);
    assert.throws(() => compileTemplate('/a/:/b'), /parameter without a name/);
    assert.throws(() => compileTemplate('/:a/:a'), /twice/);
  });
});

/** The example mapping of docs/gateway.md (a scoring service answering one result per row), as documented. */
const EXAMPLE: unknown = (() => {
  const doc = readFileSync(new URL('../docs/gateway.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('### Mapping files'));
  const block = /```json\n([\s\S]*?)\n```/.exec(section);
  assert.ok(block, 'docs/gateway.md has a JSON example under "Mapping files"');
  return JSON.parse(block[1]);
})();

describe('mapping files', () => {
  const dir = tempDir('modelwatch-mapping-');
  const file = (name: string, content: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };

  test('the example of docs/gateway.md is read, observes both routes, and drives the batch route', () => {
    const mapping = mappingFor({ file: file('example.json', EXAMPLE) });
    assert.equal(mapping.task, 'binary');
    assert.deepEqual(mapping.classes, ['stays', 'churns']);
    const batch = routeOf(mapping, 'post', '/api/acme/score') as MappedRoute;
    assert.equal(batch.endpoint, '/api/:tenant/score');
    const request = { customers: [{ id: 'c1', features: { age: 41, plan: 'pro' } }, { id: 'c2', features: { age: 23, plan: 'free' } }] };
    const response = { results: [{ decision: 'stays', 'churn/risk': 0.12 }, { decision: 'churns', 'churn/risk': 0.81 }] };
    assert.deepEqual(observedOf(batch.extract(request, response, {})), {
      rows: [{ age: 41, plan: 'pro' }, { age: 23, plan: 'free' }],
      outputs: [{ label: 'stays', probability: 0.12 }, { label: 'churns', probability: 0.81 }],
    });
    // encode → extract gives the rows back.
    const rows = [{ age: 41, plan: 'pro' }, { age: 23, plan: 'free' }];
    const encoded = batch.encode?.(rows, BANK_SCHEMA, { tenant: 'acme' });
    assert.deepEqual(encoded, { path: '/api/acme/score', body: { customers: [{ features: rows[0] }, { features: rows[1] }] } });
    assert.deepEqual(observedOf(batch.extract(encoded?.body, response, {})).rows, rows);
    assert.equal(batch.encode?.(rows, BANK_SCHEMA), undefined, 'without the tenant there is no path');

    const one = routeOf(mapping, 'POST', '/api/acme/score-one') as MappedRoute;
    const names = BANK_SCHEMA.features.map((f) => f.name);
    const values = BANK_SCHEMA.features.map((f) => f.default);
    const observed = observedOf(one.extract(values, { decision: 'churns', 'churn/risk': 0.7 }, { featureNames: names }));
    assert.deepEqual(observed.rows, [Object.fromEntries(names.map((n, i) => [n, values[i]]))]);
    // rows_as "array": encode sends the schema's values in order; one row per request.
    const row = Object.fromEntries(names.map((n, i) => [n, values[i]]));
    assert.deepEqual(one.encode?.([row], BANK_SCHEMA, { tenant: 't' }), { path: '/api/t/score-one', body: values });
    assert.equal(one.encode?.([row, row], BANK_SCHEMA, { tenant: 't' }), undefined);
  });

  test('a text mapping reads texts and observes their features', () => {
    const mapping = parseMapping({ classes: ['negative', 'positive'], routes: [{ path: '/sentiment', request: { text: '/documents/*/body' }, response: { label: '/labels/*', confidence: '/scores/*' } }] }, 'text.json');
    assert.equal(mapping.text, true);
    const route = routeOf(mapping, 'POST', '/sentiment') as MappedRoute;
    const observed = observedOf(route.extract({ documents: [{ body: 'Great film' }, { body: 'Dull, dull, dull.' }] }, { labels: ['positive', 'negative'], scores: [0.97, 0.88] }, { vocabulary: new Set(['great', 'film']) }));
    assert.deepEqual(observed.rows, [{ text_length: 10, token_count: 2, oov_share: 0 }, { text_length: 17, token_count: 3, oov_share: 1 }]);
    assert.deepEqual(observed.outputs, [{ label: 'positive', confidence: 0.97 }, { label: 'negative', confidence: 0.88 }]);
    assert.equal(route.encode?.([{}], BANK_SCHEMA), undefined, 'texts cannot be rebuilt from their features');
  });

  test('probabilities by class name are put in the mapping\'s class order; a number field reads as a number', () => {
    const mapping = parseMapping({ task: 'multiclass', classes: ['a', 'b', 'c'], routes: [{ path: '/p', request: { rows: '/x/*' }, response: { probabilities: '/y/*/probs', value: '/y/*/v' } }] }, 'm.json');
    const observed = observedOf(mapping.routes[0].extract({ x: [{ f: 1 }] }, { y: [{ probs: { c: 0.1, a: 0.7, b: 0.2 }, v: '2.5' }] }, {}));
    assert.deepEqual(observed.outputs, [{ probabilities: [0.7, 0.2, 0.1], value: 2.5 }]);
  });

  const refusals: [string, unknown, RegExp][] = [
    ['no routes', { task: 'binary' }, /routes is missing/],
    ['an empty route list', { routes: [] }, /routes must NOT have fewer than 1 items/],
    ['a misspelt field', { routes: [{ path: '/p', request: { rows: '' }, respones: {} }] }, /routes\[0\]\.respones is not a mapping field \(a typo\?\)/],
    ['a misspelt output', { routes: [{ path: '/p', request: { rows: '' }, response: { lable: '/x' } }] }, /routes\[0\]\.response\.lable is not a mapping field/],
    ['an unknown task', { task: 'ranking', routes: [] }, /task has an unexpected value: expected one of "binary", "multiclass", "regression"/],
    ['a path that is no pointer', { routes: [{ path: '/p', request: { rows: 'rows/*' }, response: { label: '/l' } }] }, /routes\[0\]\.request\.rows "rows\/\*" is not a JSON Pointer/],
    ['two stars', { routes: [{ path: '/p', request: { rows: '/a/*/b/*' }, response: { label: '/l' } }] }, /routes\[0\]\.request\.rows .*more than one "\*"/],
    ['a bad escape in a response path', { routes: [{ path: '/p', request: { rows: '' }, response: { probability: '/p~x' } }] }, /routes\[0\]\.response\.probability .*bad escape/],
    ['no rows and no text', { routes: [{ path: '/p', request: {}, response: { label: '/l' } }] }, /routes\[0\]\.request needs exactly one of "rows"/],
    ['both rows and text', { routes: [{ path: '/p', request: { rows: '', text: '/t' }, response: { label: '/l' } }] }, /routes\[0\]\.request needs exactly one of "rows"/],
    ['rows_as with text', { routes: [{ path: '/p', request: { text: '/t', rows_as: 'array' }, response: { label: '/l' } }] }, /routes\[0\]\.request\.rows_as applies to "rows"/],
    ['no output', { routes: [{ path: '/p', request: { rows: '' }, response: {} }] }, /routes\[0\]\.response names no output/],
    ['a bad route path', { routes: [{ path: 'predict', request: { rows: '' }, response: { label: '' } }] }, /routes\[0\]\.path "predict" is not a path/],
    ['a bad method', { routes: [{ path: '/p', method: 'PO ST', request: { rows: '' }, response: { label: '' } }] }, /routes\[0\]\.method must match pattern/],
    ['a route declared twice', { routes: [{ path: '/p', request: { rows: '' }, response: { label: '' } }, { path: '/p', method: 'post', request: { rows: '' }, response: { value: '' } }] }, /routes\[1\]\.path repeats routes\[0\] \(POST \/p\)/],
    ['three classes for a binary model', { task: 'binary', classes: ['a', 'b', 'c'], routes: [{ path: '/p', request: { rows: '' }, response: { label: '' } }] }, /classes has 3 names; a binary model has 2/],
    ['classes for a regression', { task: 'regression', classes: ['a', 'b'], routes: [{ path: '/p', request: { rows: '' }, response: { value: '' } }] }, /classes are given, but a regression has none/],
    ['a class named twice', { classes: ['a', 'a'], routes: [{ path: '/p', request: { rows: '' }, response: { label: '' } }] }, /classes\[1\] repeats "a"/],
    ['text and rows mixed', { routes: [{ path: '/a', request: { rows: '' }, response: { label: '' } }, { path: '/b', request: { text: '/t' }, response: { label: '' } }] }, /routes mixes routes that read "text" with routes that read "rows"/],
  ];
  for (const [name, content, message] of refusals) {
    test(`refused: ${name}`, () => {
      const path = file(`${name.replaceAll(' ', '-')}.json`, content);
      assert.throws(() => readMappingFile(path), (e: Error) => {
        assert.ok(e instanceof MappingFileError, `${e.name}: ${e.message}`);
        assert.equal(e.code, 'MW_MAPPING_INVALID');
        assert.match(e.message, message);
        assert.ok(e.message.includes(path), 'the message names the file');
        return true;
      });
    });
  }

  test('refused: a file that is not JSON, or not there', () => {
    assert.throws(() => readMappingFile(file('broken.json', '{"routes": [')), /Mapping file .*broken\.json is unusable: it is not JSON/);
    assert.throws(() => readMappingFile(join(dir, 'missing.json')), /Mapping file .*missing\.json is unusable: ENOENT/);
  });
});

describe('why a body goes unobserved', () => {
  const flask = PRESETS.flask.routes[0];
  const byPaths = parseMapping({ routes: [{ path: '/p', request: { rows: '/rows/*' }, response: { label: '/out/*/label' } }] }, 'm.json').routes[0];

  test('request_unreadable and response_unreadable: a body that did not parse, or of a shape the route cannot take', () => {
    assert.equal(failureOf(flask.extract(undefined, { prediction: 1 }, {})).reason, 'request_unreadable');
    assert.equal(failureOf(flask.extract({ age: 30 }, undefined, {})).reason, 'response_unreadable');
    assert.equal(failureOf(PRESETS.native.routes[0].extract('age=30', { prediction: 1 }, {})).reason, 'request_unreadable');
    assert.equal(failureOf(readAnswered(flask, '{"age": 30', '{"prediction": 1}', {}, 1024)).reason, 'request_unreadable');
    assert.equal(failureOf(readAnswered(flask, '{"age": 30}', '<html>502</html>', {}, 1024)).reason, 'response_unreadable');
    assert.equal(failureOf(readAnswered(flask, '{"age": 30}', undefined, {}, 1024)).reason, 'response_unreadable');
    assert.deepEqual(observedOf(readAnswered(flask, Buffer.from('{"age": 30}'), new TextEncoder().encode('{"prediction": 1}'), {}, 1024)), { rows: [{ age: 30 }], outputs: [{ label: 1 }] });
  });

  test('body_too_large: a body beyond what the gateway keeps', () => {
    const big = JSON.stringify({ rows: Array.from({ length: 100 }, (_, i) => ({ i })) });
    const failure = failureOf(readAnswered(byPaths, big, '{}', {}, 512));
    assert.equal(failure.reason, 'body_too_large');
    assert.match(failure.detail, /request body is larger than 512 bytes/);
    assert.equal(failureOf(readAnswered(byPaths, '{}', big, {}, 512)).reason, 'body_too_large');
  });

  test('features_not_found: nothing at the rows path, a row that is no row, an empty batch', () => {
    assert.match(failureOf(byPaths.extract({ data: [] }, {}, {})).detail, /rows at "\/rows\/\*": nothing at \/rows/);
    assert.match(failureOf(byPaths.extract({ rows: [{ a: 1 }, 'x'] }, {}, {})).detail, /row 1 at "\/rows\/\*" is a string/);
    assert.match(failureOf(byPaths.extract({ rows: [] }, { out: [] }, {})).detail, /no rows/);
    assert.match(failureOf(byPaths.extract({ rows: [[1, 2, 3]] }, { out: [{ label: 1 }] }, { featureNames: ['a', 'b'] })).detail, /3 values, but the model has 2 features \(a, b\)/);
    for (const extraction of [byPaths.extract({ rows: [] }, {}, {}), PRESETS.native.routes[1].extract({ row: [] }, {}, {}), PRESETS.instances.routes[0].extract({ inputs: [] }, {}, {})]) {
      assert.equal(failureOf(extraction).reason, 'features_not_found');
    }
  });

  test('prediction_not_found: nothing at an output path, a value of the wrong kind, an answer with no prediction', () => {
    assert.match(failureOf(byPaths.extract({ rows: [{ a: 1 }] }, { result: [] }, {})).detail, /label at "\/out\/\*\/label": nothing at \/out/);
    assert.match(failureOf(byPaths.extract({ rows: [{ a: 1 }] }, { out: [{ label: { x: 1 } }] }, {})).detail, /a object is not a class name or index/);
    assert.match(failureOf(flask.extract({ age: 30 }, { model: 'v3' }, {})).detail, /no label, prediction, .* field/);
    assert.match(failureOf(flask.extract({ age: 30 }, { prediction: 1, probability: 1.7 }, {})).detail, /1\.7 is not a probability/);
    assert.equal(failureOf(flask.extract({ age: 30 }, null, {})).reason, 'prediction_not_found');
  });

  test('row_count_mismatch: the request\'s rows and the response\'s predictions differ in number', () => {
    const failure = failureOf(byPaths.extract({ rows: [{ a: 1 }, { a: 2 }] }, { out: [{ label: 1 }] }, {}));
    assert.equal(failure.reason, 'row_count_mismatch');
    assert.match(failure.detail, /2 row\(s\) in the request, 1 label value\(s\)/);
    assert.equal(failureOf(flask.extract([{ a: 1 }, { a: 2 }], [1, 0, 1], {})).reason, 'row_count_mismatch');
    assert.equal(failureOf(flask.extract([{ a: 1 }, { a: 2 }], { prediction: 1 }, {})).reason, 'row_count_mismatch');
    // A single-row body (no "*") gives one row: a list of two answers does not fit it.
    const single = parseMapping({ routes: [{ path: '/p', request: { rows: '' }, response: { label: '/*' } }] }, 'm.json').routes[0];
    assert.equal(failureOf(single.extract({ a: 1 }, [1, 0], {})).reason, 'row_count_mismatch');
    assert.deepEqual(observedOf(single.extract({ a: 1 }, [1], {})).outputs, [{ label: 1 }]);
  });
});

describe('choosing a mapping and a route', () => {
  test('routeOf matches method and path; endpointOf labels undeclared paths "other"', () => {
    assert.equal(routeOf(PRESETS.v2, 'POST', '/v2/models/iris/versions/2/infer')?.endpoint, '/v2/models/:name/versions/:version/infer');
    assert.equal(routeOf(PRESETS.v2, 'GET', '/v2/models/iris/infer'), undefined, 'another method is not observed');
    assert.equal(endpointOf(PRESETS.v2.routes, '/v2/models/iris/infer'), '/v2/models/:name/infer', 'but labelled');
    assert.equal(routeOf(PRESETS.native, 'POST', '/predictx'), undefined);
    assert.equal(endpointOf(PRESETS.native.routes, '/admin/reload'), OTHER_ENDPOINT);
    assert.equal(routeOf(PRESETS.bentoml, 'POST', '/classify')?.endpoint, '/classify');
    assert.equal(routeOf(PRESETS.instances, 'POST', '/v1/models/iris:predict')?.endpoint, '/v1/models/:name:predict');
  });

  test('mappingFor gives a preset by name', () => {
    const mapping: Mapping = mappingFor('text');
    assert.equal(mapping.name, 'text');
    assert.equal(mapping.text, true);
  });
});

describe('text features', () => {
  test('length in code points, tokens of letters, marks and numbers lower-cased, the out-of-vocabulary share', () => {
    assert.deepEqual(tokensOf("Don't PANIC, 42 times!"), ['don', 't', 'panic', '42', 'times']);
    assert.deepEqual(tokensOf('Ünïcode café — naïve'), ['ünïcode', 'café', 'naïve']);
    assert.deepEqual(tokensOf('cafe\u0301 ok'), ['cafe\u0301', 'ok'], 'a combining accent stays inside its word');
    assert.deepEqual(tokensOf(' ... '), []);
    assert.deepEqual(textFeatures('Great 👍 film', new Set(['great'])), { text_length: 12, token_count: 2, oov_share: 0.5 });
    assert.deepEqual(textFeatures('Great film'), { text_length: 10, token_count: 2 }, 'no vocabulary: no oov_share');
    assert.deepEqual(textFeatures('', new Set(['a'])), { text_length: 0, token_count: 0, oov_share: 0 });
    assert.deepEqual(Object.keys(textFeatures('a b', new Set())), [...TEXT_FEATURES]);
  });

  test('a vocabulary file: one token per line, trimmed and lower-cased; unusable files refused', () => {
    const dir = tempDir('modelwatch-vocab-');
    const path = join(dir, 'vocab.txt');
    writeFileSync(path, 'The\r\n  film \n\ngreat\n');
    assert.deepEqual([...readVocabulary(path)], ['the', 'film', 'great']);
    writeFileSync(path, '\n  \n');
    assert.throws(() => readVocabulary(path), (e: Error) => e instanceof VocabularyFileError && /holds no token/.test(e.message));
    assert.throws(() => readVocabulary(join(dir, 'none.txt')), /Vocabulary file .*none\.txt is unusable: ENOENT/);
  });
});

describe('a batch of thousands of rows is read in linear work', () => {
  /** An array that counts the reads of its elements. */
  function counted<T>(items: T[]): { array: T[]; reads: () => number } {
    let reads = 0;
    const array = new Proxy(items, {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
        return Reflect.get(target, key, receiver);
      },
    });
    return { array, reads: () => reads };
  }

  const routes: [string, MappedRoute, (rows: unknown[], outputs: unknown[]) => [unknown, unknown]][] = [
    ['a mapping file', parseMapping({ routes: [{ path: '/p', request: { rows: '/rows/*' }, response: { label: '/out/*/label', probability: '/out/*/p' } }] }, 'm.json').routes[0], (rows, outputs) => [{ rows }, { out: outputs }]],
    ['native batch', PRESETS.native.routes[1], (rows, outputs) => [{ rows }, { predictions: outputs }]],
    ['flask list', PRESETS.flask.routes[0], (rows, outputs) => [rows, outputs]],
    ['instances', PRESETS.instances.routes[0], (rows, outputs) => [{ instances: rows }, { predictions: outputs }]],
  ];
  for (const [name, route, bodies] of routes) {
    test(name, () => {
      for (const n of [2_000, 8_000]) {
        const rows = counted(Array.from({ length: n }, (_, i) => ({ age: i, job: 'admin.' })));
        const outputs = counted(Array.from({ length: n }, (_, i) => ({ label: i % 2, p: 0.5, prediction: i % 2, probability: 0.5 })));
        const [request, response] = bodies(rows.array, outputs.array);
        const observed = observedOf(route.extract(request, response, {}));
        assert.equal(observed.rows.length, n);
        assert.equal(observed.outputs[n - 1].label, (n - 1) % 2);
        // Each element is read a bounded number of times, whatever the batch size: not once per pair of rows.
        assert.ok(rows.reads() <= 4 * n, `${rows.reads()} reads of ${n} rows`);
        assert.ok(outputs.reads() <= 6 * n, `${outputs.reads()} reads of ${n} outputs`);
      }
    });
  }
});
