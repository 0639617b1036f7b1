/**
 * GET /openapi.json and /docs on a running service: the document is valid OpenAPI 3.0 (checked
 * against the OpenAPI Initiative's own JSON Schema, test/fixtures/openapi/), lists every route
 * Fastify has registered with its summary, and describes the serving model's request body — also
 * after another model starts serving. /docs is a page whose every file comes from the service, and
 * in headless Chromium it draws every operation without asking any other origin.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Ajv } from 'ajv';
import type { FastifyInstance } from 'fastify';
import { chromium } from 'playwright-core';
import { loadConfig } from '../src/config.js';
import { rowJsonSchema } from '../src/data/row-validation.js';
import { startService, type RunningService } from '../src/server/serve.js';
import { ROUTE_DOCS } from '../src/server/openapi/route-docs.js';
import { testApp, trainedRegistry } from './helpers/fixtures.js';
import { fileMissing, skipUnlessTool } from './helpers/tools.js';

type Operation = { summary?: string; tags?: string[]; description?: string; requestBody?: { content: Record<string, { schema: Record<string, unknown> }> } };
type OpenApiDocument = { openapi: string; paths: Record<string, Record<string, Operation>> };

/**
 * The official OpenAPI 3.0 schema, read for Ajv: it is written in JSON Schema draft 4, and the two
 * draft-4 spellings it uses are turned into draft 7's (the fixture's README says which).
 */
function openApiValidator() {
  const text = readFileSync(new URL('./fixtures/openapi/openapi-3.0-schema.json', import.meta.url), 'utf8');
  const schema = JSON.parse(text) as Record<string, unknown> & { definitions: { Schema: { properties: { multipleOf: Record<string, unknown> } } } };
  const { id, $schema: _draft4, ...rest } = schema;
  const multipleOf = rest.definitions.Schema.properties.multipleOf;
  assert.equal(multipleOf.exclusiveMinimum, true, 'the fixture is the draft-4 schema the README describes');
  rest.definitions.Schema.properties.multipleOf = { type: 'number', exclusiveMinimum: 0 };
  const ajv = new Ajv({
    allErrors: true,
    strict: false,
    formats: {
      'uri-reference': true,
      uri: true,
      email: true,
      regex: (pattern: string) => {
        try {
          new RegExp(pattern, 'u');
          return true;
        } catch {
          return false;
        }
      },
    },
  });
  return ajv.compile({ ...rest, $id: id as string });
}

/**
 * Every route Fastify has registered, as `METHOD url`, read from its route tree
 * (`printRoutes({ commonPrefix: false })`: each line a path fragment appended to its parent's, with
 * its methods). HEAD routes mirror GET ones and are not listed.
 */
function registeredRoutes(app: FastifyInstance): string[] {
  const routes: string[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)[├└]── (\S+)(?: \(([^)]*)\))?/.exec(line);
    if (!match) continue;
    const depth = match[1].length / 4;
    const path = `${depth ? stack[depth - 1] : ''}${match[2]}`;
    stack[depth] = path;
    for (const method of (match[3] ?? '').split(', ').filter((m) => m && m !== 'HEAD')) routes.push(`${method} ${path}`);
  }
  return routes;
}

/** A Fastify URL as OpenAPI writes it: `:name` → `{name}`. */
const openApiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');

describe('GET /openapi.json', () => {
  const validate = openApiValidator();

  test('is valid OpenAPI 3.0 and lists every registered route with its summary and tag', async () => {
    const t = await testApp({ ADMIN_TOKEN: 'openapi-doc-token-1234' });
    try {
      const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
      assert.equal(res.statusCode, 200);
      const document = res.json() as OpenApiDocument;
      assert.ok(validate(document), JSON.stringify(validate.errors?.slice(0, 5), null, 1));
      assert.equal(document.openapi, '3.0.3');
      // The validator is no rubber stamp: an operation without responses, or a schema keyword OpenAPI 3.0 lacks, fails it.
      const broken = structuredClone(document);
      broken.paths['/health'].get = { summary: 'x' };
      assert.equal(validate(broken), false);
      const withConst = structuredClone(document);
      withConst.paths['/predict'].post.requestBody!.content['application/json'].schema.const = 1;
      assert.equal(validate(withConst), false);

      const routes = registeredRoutes(t.app);
      assert.ok(routes.includes('POST /v2/models/:name/infer') && routes.includes('GET /api/logs') && routes.includes('DELETE /admin/drill'), routes.join('\n'));
      // Swagger UI's own routes (/docs/, /docs/static/*, /docs/json, /docs/yaml) are the page's, not the API's; /docs is listed.
      const apiRoutes = routes.filter((r) => !/^GET \/docs\//.test(r));
      for (const route of apiRoutes) {
        const [method, url] = route.split(' ');
        const operation = document.paths[openApiPath(url)]?.[method.toLowerCase()];
        assert.ok(operation, `${route} is in the document`);
        assert.ok(ROUTE_DOCS[route], `${route} has an entry in src/server/openapi/route-docs.ts`);
        assert.equal(operation.summary, ROUTE_DOCS[route].summary, route);
        assert.deepEqual(operation.tags, [ROUTE_DOCS[route].tag], route);
      }
      // And nothing is documented that is not served.
      const documented = Object.entries(document.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
      const served = new Set([...apiRoutes.map((r) => openApiPath(r)), 'GET /docs']);
      assert.deepEqual(documented.filter((d) => !served.has(d)), []);
    } finally {
      await t.app.close();
    }
  });

  test('describes the serving model\'s request body, and another model\'s once it serves', async () => {
    const t = await testApp({ PREDICT_MAX_EXTRA_FIELDS: '3', BATCH_MAX_ROWS: '7' });
    try {
      const model = t.state.current!;
      const documentOf = async () => (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as OpenApiDocument;
      const bodyOf = (document: OpenApiDocument, path: string) => document.paths[path].post.requestBody!.content['application/json'].schema;
      const first = await documentOf();
      const row = bodyOf(first, '/predict');
      const expected = rowJsonSchema(3, model.schema.features);
      assert.deepEqual(row.required, expected.required);
      assert.deepEqual(row.properties, JSON.parse(JSON.stringify(expected.properties)));
      assert.equal(row.maxProperties, model.schema.features.length + 3);
      const batch = bodyOf(first, '/predict/batch') as { properties: { rows: { maxItems: number; items: unknown } } };
      assert.equal(batch.properties.rows.maxItems, 7);
      assert.deepEqual(batch.properties.rows.items, row);
      assert.match(first.paths['/v2/models/{name}/infer'].post.description!, new RegExp(`Serving ${model.version}: inputs age \\(FP64\\), job \\(BYTES\\)`));
      assert.ok(validate(first));

      // A model of other features starts serving (as a hot reload of an imported model would make it).
      const features = model.schema.features.filter((f) => ['age', 'job', 'balance'].includes(f.name));
      t.state.serve(Object.assign(Object.create(Object.getPrototypeOf(model) as object) as object, model, { version: 'v-other', schema: { ...model.schema, features } }) as typeof model);
      const second = await documentOf();
      assert.deepEqual(Object.keys(bodyOf(second, '/predict').properties as object), ['age', 'job', 'balance']);
      assert.match(second.paths['/v2/models/{name}/infer'].post.description!, /Serving v-other: inputs age \(FP64\), job \(BYTES\), balance \(FP64\);/);
      assert.ok(validate(second));
    } finally {
      await t.app.close();
    }
  });
});

const CHROMIUM = '/usr/bin/chromium';

describe('/docs on a running service', () => {
  let service: RunningService;
  before(async () => {
    const config = loadConfig({}, { PORT: 0, HOST: '127.0.0.1', MODEL_DIR: trainedRegistry().dir, LOG_STDOUT: false });
    service = await startService(config);
  });
  after(async () => {
    await service.close();
  });

  test('is a page whose every script, style and icon is a file of this service', async () => {
    const res = await fetch(`${service.url}/docs`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'; script-src 'self';/);
    const html = await res.text();
    const references = [...html.matchAll(/<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(references.length >= 5, html);
    for (const reference of references) {
      assert.ok(!/^[a-z][a-z0-9+.-]*:|^\/\//i.test(reference), `${reference} is a path on this service`);
      const file = await fetch(new URL(reference, `${service.url}/docs`));
      assert.equal(file.status, 200, reference);
      await file.arrayBuffer();
    }
    // The page reads the same document as /openapi.json.
    const [page, document] = await Promise.all([fetch(`${service.url}/docs/json`).then((r) => r.json()), fetch(`${service.url}/openapi.json`).then((r) => r.json())]);
    assert.deepEqual(page, document);
  });

  test('draws every operation in headless Chromium, asking no other origin', { skip: skipUnlessTool(fileMissing(CHROMIUM, `needs Debian's chromium at ${CHROMIUM} (apt-get install chromium; .ci/run installs it)`)) }, async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    try {
      const page = await browser.newPage();
      const requested: string[] = [];
      const errors: string[] = [];
      page.on('request', (request) => requested.push(request.url()));
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      await page.goto(`${service.url}/docs`);
      const document = (await (await fetch(`${service.url}/openapi.json`)).json()) as OpenApiDocument;
      const operations = Object.values(document.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
      await page.waitForFunction((n) => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll('.opblock').length >= n, operations, { timeout: 15_000 });
      assert.deepEqual(errors, []);
      const origin = new URL(service.url).origin;
      assert.deepEqual(requested.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith('data:')), []);
      assert.ok(requested.some((url) => url.endsWith('/docs/json')), 'the page loaded the document');
    } finally {
      await browser.close();
    }
  });
});
