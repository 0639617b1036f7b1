/**
 * A stand-in for the parts of Elasticsearch and Kibana that `modelwatch setup` uses (neither can run
 * on these machines): one node:http server that records each request and answers as the real APIs
 * do, including what they add to what they store, so "unchanged" has to survive that:
 *
 * - Elasticsearch sends `x-elastic-product: Elasticsearch` (the official client refuses a server
 *   without it), adds `min_age: "0ms"` to ILM phases, and answers index settings nested and as text
 *   (`{ index: { number_of_shards: "1" } }`) and `dynamic: "false"`. Indices: `PUT /<name>` resolves
 *   date math (`{now/d}`), takes its settings from the matching index template of highest priority
 *   and answers `{ acknowledged, shards_acknowledged, index }`; an index or alias name can be only
 *   one of the two; `GET /_alias/<name>` answers 404 `{ error: "alias [x] missing" }` for a missing
 *   alias, and `HEAD /<name>` 200 for an index or an alias of that name.
 * - Kibana needs `kbn-xsrf` on writes, refuses an import over an existing object without
 *   `overwrite=true`, re-serialises panelsJSON, adds attributes when it migrates, and refuses
 *   `rule_type_id`, `consumer` and `enabled` in a rule update.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolveDateMath } from './date-math.js';

/** One request as received. */
export interface Recorded {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

type Json = Record<string, unknown>;

/** An index as the fake keeps it: its aliases and its settings as flat `index.*` keys. */
export interface FakeIndex {
  aliases: Record<string, { is_write_index?: boolean }>;
  settings: Record<string, string>;
}

/** The fake, its state and the failures it can be told to answer with. */
export interface FakeElastic {
  readonly url: string;
  readonly requests: Recorded[];
  /** Stored state, editable by tests to simulate a changed or older object. */
  readonly ilm: Map<string, Json>;
  readonly templates: Map<string, Json>;
  /** Indices by their resolved name. */
  readonly indices: Map<string, FakeIndex>;
  readonly savedObjects: Map<string, Json>;
  readonly rules: Map<string, Json>;
  /** Answer every request 401, or every write 403. */
  fail: { unauthorized?: boolean; forbidWrites?: boolean };
  close(): Promise<void>;
}

const PASSWORD = 'secret';
/** The credentials the fake accepts. */
export const CREDENTIALS = { username: 'elastic', password: PASSWORD };

function send(res: ServerResponse, status: number, body: unknown, elasticsearch: boolean): void {
  res.writeHead(status, { 'content-type': 'application/json', ...(elasticsearch ? { 'x-elastic-product': 'Elasticsearch' } : {}) });
  res.end(JSON.stringify(body));
}

/** The NDJSON file of a multipart/form-data body (the import API's only part). */
function uploadedFile(req: Recorded): Json[] {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(String(req.headers['content-type']));
  if (!boundary) return [];
  const part = req.body.split(`--${boundary[1] ?? boundary[2]}`).find((p) => /filename="[^"]+\.ndjson"/.test(p)) ?? '';
  const content = part.slice(part.indexOf('\r\n\r\n') + 4);
  return content.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Json);
}

/** ILM as Elasticsearch stores it: every phase gets a min_age. */
function storedPolicy(policy: Json): Json {
  const phases = Object.fromEntries(Object.entries(policy.phases as Record<string, Json>).map(([name, phase]) => [name, { min_age: '0ms', ...phase }]));
  return { ...policy, phases };
}

/** An index template as Elasticsearch answers it: settings nested under `index`, values as text. */
function storedTemplate(template: Json): Json {
  const inner = template.template as { settings: Record<string, unknown>; mappings: Json };
  const index: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(inner.settings)) {
    const path = key.replace(/^index\./, '').split('.');
    let node = index;
    for (const part of path.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[path.at(-1)!] = String(value);
  }
  return { ...template, composed_of: [], template: { settings: { index }, mappings: { ...inner.mappings, dynamic: String(inner.mappings.dynamic) } } };
}

/** A saved object as Kibana keeps it after an import and a migration. */
function storedObject(object: Json): Json {
  const attributes = { ...(object.attributes as Json) };
  if (typeof attributes.panelsJSON === 'string') {
    // Same panels, keys in another order: equal as JSON, different as text.
    attributes.panelsJSON = JSON.stringify((JSON.parse(attributes.panelsJSON) as Json[]).map(({ panelIndex, ...rest }) => ({ panelIndex, ...rest })));
  }
  if (object.type === 'index-pattern') attributes.fieldAttrs = '{}';
  return { ...object, attributes, namespaces: ['default'], updated_at: new Date().toISOString(), version: 'WzEsMV0=' };
}

/** Nested settings (`{ index: { lifecycle: { name } } }`) as flat keys (`index.lifecycle.name`). */
function flatten(settings: Record<string, unknown>, prefix = ''): Record<string, string> {
  return Object.fromEntries(
    Object.entries(settings).flatMap(([key, value]) =>
      value !== null && typeof value === 'object' ? Object.entries(flatten(value as Record<string, unknown>, `${prefix}${key}.`)) : [[`${prefix}${key}`, String(value)]],
    ),
  );
}

/** The settings a new index gets: those of the matching template with the highest priority. */
function templateSettings(fake: FakeElastic, index: string): Record<string, string> {
  const glob = (pattern: string) => new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  const matching = [...fake.templates.values()].filter((t) => (t.index_patterns as string[]).some((p) => glob(p).test(index)));
  const best = matching.sort((a, b) => Number(b.priority ?? 0) - Number(a.priority ?? 0))[0];
  return best ? flatten((best.template as { settings: Record<string, unknown> }).settings) : {};
}

const aliasExists = (fake: FakeElastic, name: string) => [...fake.indices.values()].some((index) => name in index.aliases);

/** `GET /_alias/<name>`, `HEAD /<name>` and `PUT /<index>` (create index), or false for another path. */
function indexApi(fake: FakeElastic, req: Recorded, res: ServerResponse): boolean {
  const alias = /^\/_alias\/([^/?]+)$/.exec(req.path);
  if (alias && req.method === 'GET') {
    const name = decodeURIComponent(alias[1]);
    const found = Object.fromEntries([...fake.indices].filter(([, index]) => name in index.aliases).map(([index, { aliases }]) => [index, { aliases: { [name]: aliases[name] } }]));
    if (Object.keys(found).length === 0) send(res, 404, { error: `alias [${name}] missing`, status: 404 }, true);
    else send(res, 200, found, true);
    return true;
  }
  const single = /^\/([^/?_][^/?]*)$/.exec(req.path);
  if (!single) return false;
  const requested = decodeURIComponent(single[1]);
  if (req.method === 'HEAD') {
    // Index resolution takes an alias for the indices behind it, so HEAD says 200 for either.
    send(res, fake.indices.has(requested) || aliasExists(fake, requested) ? 200 : 404, {}, true);
    return true;
  }
  if (req.method !== 'PUT') return false;
  const name = resolveDateMath(requested);
  const refuse = (status: number, type: string, reason: string) => {
    send(res, status, { error: { root_cause: [{ type, reason }], type, reason }, status }, true);
    return true;
  };
  if (fake.fail.forbidWrites) {
    return refuse(403, 'security_exception', `action [indices:admin/create] is unauthorized for user [elastic] with effective roles [viewer] on indices [${name}], this action is granted by the index privileges [create_index,manage,all]`);
  }
  if (!/^[a-z0-9][^\\/*?"<>| ,#:A-Z]*$/.test(name)) return refuse(400, 'invalid_index_name_exception', `Invalid index name [${name}], must be lowercase and not contain \\, /, *, ?, ", <, >, |, space, comma, #`);
  if (fake.indices.has(name)) return refuse(400, 'resource_already_exists_exception', `index [${name}/uuid] already exists`);
  if (aliasExists(fake, name)) return refuse(400, 'invalid_index_name_exception', `Invalid index name [${name}], already exists as alias`);
  const aliases = ((req.body ? (JSON.parse(req.body) as Json) : {}).aliases ?? {}) as FakeIndex['aliases'];
  const taken = Object.keys(aliases).find((a) => fake.indices.has(a));
  if (taken) return refuse(400, 'invalid_alias_name_exception', `Invalid alias name [${taken}]: an index or data stream exists with the same name as the alias`);
  fake.indices.set(name, { aliases, settings: templateSettings(fake, name) });
  send(res, 200, { acknowledged: true, shards_acknowledged: true, index: name }, true);
  return true;
}

function elasticsearch(fake: FakeElastic, req: Recorded, res: ServerResponse): void {
  if (indexApi(fake, req, res)) return;
  const [, kind, name] = /^\/(_ilm\/policy|_index_template)\/([^/?]+)/.exec(req.path) ?? [];
  const store = kind === '_ilm/policy' ? fake.ilm : kind === '_index_template' ? fake.templates : undefined;
  if (!store) return send(res, 404, { error: { type: 'no_handler', reason: `no handler for ${req.path}` }, status: 404 }, true);
  if (req.method === 'PUT') {
    if (fake.fail.forbidWrites) {
      const action = kind === '_ilm/policy' ? 'cluster:admin/ilm/put' : 'indices:admin/index_template/put';
      const privileges = kind === '_ilm/policy' ? 'manage_ilm,manage,all' : 'manage_index_templates,manage,all';
      return send(res, 403, { error: { type: 'security_exception', reason: `action [${action}] is unauthorized for user [elastic] with effective roles [viewer], this action is granted by the cluster privileges [${privileges}]` }, status: 403 }, true);
    }
    const body = JSON.parse(req.body) as Json;
    store.set(name, kind === '_ilm/policy' ? storedPolicy(body.policy as Json) : storedTemplate(body));
    return send(res, 200, { acknowledged: true }, true);
  }
  const stored = store.get(name);
  if (!stored) return send(res, 404, { error: { type: 'resource_not_found_exception', reason: `${name} not found` }, status: 404 }, true);
  if (kind === '_ilm/policy') return send(res, 200, { [name]: { version: 1, modified_date: '2026-01-01T00:00:00.000Z', policy: stored, in_use_by: { indices: [] } } }, true);
  send(res, 200, { index_templates: [{ name, index_template: stored }] }, true);
}

function kibana(fake: FakeElastic, req: Recorded, res: ServerResponse): void {
  if (req.method !== 'GET' && req.headers['kbn-xsrf'] === undefined) return send(res, 400, { statusCode: 400, error: 'Bad Request', message: 'Request must contain a kbn-xsrf header.' }, false);
  if (fake.fail.forbidWrites && req.path.startsWith('/api/saved_objects/_import')) return send(res, 403, { statusCode: 403, error: 'Forbidden', message: 'Unable to bulk_create index-pattern,lens,search,dashboard' }, false);
  if (req.path === '/api/saved_objects/_bulk_get') {
    const wanted = JSON.parse(req.body) as { type: string; id: string }[];
    const found = wanted.map(({ type, id }) => fake.savedObjects.get(`${type}/${id}`) ?? { type, id, error: { statusCode: 404, error: 'Not Found', message: `Saved object [${type}/${id}] not found` } });
    return send(res, 200, { saved_objects: found }, false);
  }
  if (req.path.startsWith('/api/saved_objects/_import')) {
    const overwrite = new URL(req.path, 'http://x').searchParams.get('overwrite') === 'true';
    const objects = uploadedFile(req);
    const conflicts = objects.filter((o) => !overwrite && fake.savedObjects.has(`${o.type}/${o.id}`));
    if (conflicts.length) return send(res, 200, { success: false, successCount: objects.length - conflicts.length, errors: conflicts.map((o) => ({ type: o.type, id: o.id, error: { type: 'conflict' } })) }, false);
    for (const o of objects) fake.savedObjects.set(`${o.type}/${o.id}`, storedObject(o));
    return send(res, 200, { success: true, successCount: objects.length, successResults: objects.map(({ type, id }) => ({ type, id })) }, false);
  }
  const rule = /^\/api\/alerting\/rule\/([^/?]+)$/.exec(req.path);
  if (rule) {
    const [, id] = rule;
    const stored = fake.rules.get(id);
    if (fake.fail.forbidWrites && req.method !== 'GET') return send(res, 403, { statusCode: 403, error: 'Forbidden', message: 'Unauthorized to create a ".es-query" rule for "alerts"' }, false);
    if (req.method === 'GET') return stored ? send(res, 200, stored, false) : send(res, 404, { statusCode: 404, error: 'Not Found', message: `Saved object [alert/${id}] not found` }, false);
    const body = JSON.parse(req.body) as Json;
    if (req.method === 'POST') {
      if (stored) return send(res, 409, { statusCode: 409, error: 'Conflict', message: `Saved object [alert/${id}] conflict` }, false);
      const created = { id, ...body, params: { ...(body.params as Json) }, execution_status: { status: 'pending' }, revision: 0 };
      fake.rules.set(id, created);
      return send(res, 200, created, false);
    }
    if (!stored) return send(res, 404, { statusCode: 404, error: 'Not Found', message: `Saved object [alert/${id}] not found` }, false);
    const refused = Object.keys(body).find((key) => !['name', 'tags', 'schedule', 'params', 'actions', 'throttle', 'notify_when'].includes(key));
    if (refused) return send(res, 400, { statusCode: 400, error: 'Bad Request', message: `[request body.${refused}]: definition for this key is missing` }, false);
    const updated = { ...stored, ...body, revision: Number(stored.revision) + 1 };
    fake.rules.set(id, updated);
    return send(res, 200, updated, false);
  }
  send(res, 404, { statusCode: 404, error: 'Not Found', message: 'Not Found' }, false);
}

/**
 * Starts the fake on a free port of 127.0.0.1; `/api/...` paths are Kibana's, the rest
 * Elasticsearch's.
 *
 * @example const fake = await startFakeElastic(); await setupKibana({ url: fake.url, ... });
 */
export async function startFakeElastic(): Promise<FakeElastic> {
  const server: Server = createServer((incoming, res) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (c: Buffer) => chunks.push(c));
    incoming.on('end', () => {
      const req: Recorded = { method: incoming.method ?? 'GET', path: incoming.url ?? '/', headers: incoming.headers, body: Buffer.concat(chunks).toString('utf8') };
      fake.requests.push(req);
      const isKibana = req.path.startsWith('/api/');
      const expected = `Basic ${Buffer.from(`${CREDENTIALS.username}:${CREDENTIALS.password}`).toString('base64')}`;
      if (fake.fail.unauthorized || req.headers.authorization !== expected) {
        if (isKibana) return send(res, 401, { statusCode: 401, error: 'Unauthorized', message: 'Unauthorized' }, false);
        return send(res, 401, { error: { type: 'security_exception', reason: `unable to authenticate user [elastic] for REST request [${req.path}]` }, status: 401 }, true);
      }
      (isKibana ? kibana : elasticsearch)(fake, req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const fake: FakeElastic = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: [],
    ilm: new Map(),
    templates: new Map(),
    indices: new Map(),
    savedObjects: new Map(),
    rules: new Map(),
    fail: {},
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return fake;
}

/** A port nothing listens on: opened, then closed. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A server that accepts connections and never answers (for timeouts). */
export async function silentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(() => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
