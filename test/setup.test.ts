import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { SetupConnection } from '../src/setup/connection.js';
import { INDEX_TEMPLATE, setupElasticsearch } from '../src/setup/elasticsearch.js';
import { setupKibana } from '../src/setup/kibana.js';
import { generateElasticsearch, ILM_POLICY } from '../src/stack/elasticsearch/generate.js';
import { ERROR_RULE_ID, errorRule } from '../src/stack/kibana/error-rule.js';
import { kibanaSavedObjects } from '../src/stack/kibana/saved-objects.js';
import { closedPort, CREDENTIALS, silentServer, startFakeElastic, type FakeElastic } from './helpers/fake-elastic.js';

const connection = (url: string, overrides: Partial<SetupConnection> = {}): SetupConnection => ({ url, ...CREDENTIALS, timeoutSeconds: 5, ...overrides });
const outcomes = (applied: { id: string; outcome: string }[]) => Object.fromEntries(applied.map((a) => [a.id, a.outcome]));
const calls = (fake: FakeElastic, from = 0) => fake.requests.slice(from).map((r) => `${r.method} ${r.path}`);

/** Runs the real CLI without blocking this process (the fake server lives in it). */
function runCli(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(ELASTICSEARCH|KIBANA)_/.test(key)));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}

describe('modelwatch setup elasticsearch', () => {
  let fake: FakeElastic;
  before(async () => (fake = await startFakeElastic()));
  after(() => fake.close());

  test('creates the ILM policy, then the template; a second run changes nothing; a drifted policy is updated', async () => {
    const first = await setupElasticsearch(connection(fake.url));
    assert.deepEqual(outcomes(first), { [ILM_POLICY]: 'created', [INDEX_TEMPLATE]: 'created' });
    assert.deepEqual(calls(fake), [`GET /_ilm/policy/${ILM_POLICY}`, `PUT /_ilm/policy/${ILM_POLICY}`, `GET /_index_template/${INDEX_TEMPLATE}`, `PUT /_index_template/${INDEX_TEMPLATE}`]);
    const files = generateElasticsearch();
    assert.deepEqual(JSON.parse(fake.requests[1].body), JSON.parse(files['ilm-policy.json']), 'the policy sent is the generated one');
    assert.deepEqual(JSON.parse(fake.requests[3].body), JSON.parse(files['index-template.json']), 'the template sent is the generated one');

    // What Elasticsearch answers back differs in form (min_age, nested text settings), not in substance.
    const seen = fake.requests.length;
    const second = await setupElasticsearch(connection(fake.url));
    assert.deepEqual(outcomes(second), { [ILM_POLICY]: 'unchanged', [INDEX_TEMPLATE]: 'unchanged' });
    assert.deepEqual(calls(fake, seen), [`GET /_ilm/policy/${ILM_POLICY}`, `GET /_index_template/${INDEX_TEMPLATE}`], 'a second run only reads');

    const policy = fake.ilm.get(ILM_POLICY) as { phases: { delete: { min_age: string } } };
    policy.phases.delete.min_age = '7d';
    const third = await setupElasticsearch(connection(fake.url));
    assert.deepEqual(outcomes(third), { [ILM_POLICY]: 'updated', [INDEX_TEMPLATE]: 'unchanged' });
    assert.equal((fake.ilm.get(ILM_POLICY) as typeof policy).phases.delete.min_age, '30d');
  });

  test('a refused password says to check --username/--password', async () => {
    await assert.rejects(setupElasticsearch(connection(fake.url, { password: 'wrong' })), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'MW_SETUP_UNAUTHORIZED');
      assert.match(error.message, /^authentication failed at Elasticsearch http:\/\/127\.0\.0\.1:\d+ \(unable to authenticate user \[elastic\]/);
      assert.match(error.message, /check --username\/--password \(ELASTICSEARCH_USERNAME, ELASTICSEARCH_PASSWORD\)/);
      return true;
    });
  });

  test('a missing privilege is named', async (t) => {
    fake.fail.forbidWrites = true;
    t.after(() => (fake.fail.forbidWrites = false));
    fake.ilm.clear();
    await assert.rejects(setupElasticsearch(connection(fake.url)), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'MW_SETUP_FORBIDDEN');
      assert.match(error.message, /^Elasticsearch refused to write the ILM policy ml-pipeline-logs: user elastic needs the manage_ilm cluster privilege \(action \[cluster:admin\/ilm\/put\] is unauthorized/);
      return true;
    });
  });

  test('connection refused, a silent server and a server that is not Elasticsearch each say so', async () => {
    const port = await closedPort();
    await assert.rejects(setupElasticsearch(connection(`http://127.0.0.1:${port}`)), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'MW_SETUP_UNREACHABLE');
      assert.equal(error.message, `cannot reach Elasticsearch at http://127.0.0.1:${port}: connection refused; is it running? check --url`);
      return true;
    });
    const silent = await silentServer();
    try {
      await assert.rejects(setupElasticsearch(connection(silent.url, { timeoutSeconds: 1 })), /cannot reach Elasticsearch at .*: no answer within 1 s \(--timeout\)/);
    } finally {
      await silent.close();
    }
    // A 200 without the product header (a proxy's page, another service) is not taken for Elasticsearch.
    const other = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      await assert.rejects(setupElasticsearch(connection(`http://127.0.0.1:${(other.address() as AddressInfo).port}`)), /could not read the ILM policy ml-pipeline-logs: the server at .* is not Elasticsearch/);
    } finally {
      other.close();
    }
  });
});

describe('modelwatch setup kibana', () => {
  let fake: FakeElastic;
  before(async () => (fake = await startFakeElastic()));
  after(() => fake.close());
  const objects = kibanaSavedObjects();

  test('imports every saved object and creates the rule; a second run changes nothing; changes are applied', async () => {
    const first = await setupKibana(connection(fake.url));
    assert.deepEqual(outcomes(first), { ...Object.fromEntries(objects.map((o) => [o.id, 'created'])), [ERROR_RULE_ID]: 'created' });
    assert.deepEqual(calls(fake), ['POST /api/saved_objects/_bulk_get', 'POST /api/saved_objects/_import?overwrite=true', `GET /api/alerting/rule/${ERROR_RULE_ID}`, `POST /api/alerting/rule/${ERROR_RULE_ID}`]);
    assert.ok(fake.requests.every((r) => r.headers['kbn-xsrf'] === 'true'), 'every request carries kbn-xsrf');
    assert.equal(fake.savedObjects.size, objects.length);
    assert.deepEqual(JSON.parse(fake.requests[3].body), errorRule(), 'the rule sent is the generated one');

    const seen = fake.requests.length;
    const second = await setupKibana(connection(fake.url));
    assert.ok(second.every((a) => a.outcome === 'unchanged'), JSON.stringify(second));
    assert.deepEqual(calls(fake, seen), ['POST /api/saved_objects/_bulk_get', `GET /api/alerting/rule/${ERROR_RULE_ID}`], 'a second run only reads');

    // Someone edits the dashboard and the rule in Kibana: the next run puts both back.
    const dashboard = fake.savedObjects.get('dashboard/ml-pipeline-logs-dashboard') as { attributes: { title: string } };
    dashboard.attributes.title = 'Renamed';
    (fake.rules.get(ERROR_RULE_ID) as { params: { threshold: number[] } }).params.threshold = [50];
    const before = fake.requests.length;
    const third = await setupKibana(connection(fake.url));
    assert.deepEqual(
      third.filter((a) => a.outcome !== 'unchanged').map((a) => `${a.id}:${a.outcome}`),
      ['ml-pipeline-logs-dashboard:updated', `${ERROR_RULE_ID}:updated`],
    );
    const update = fake.requests.slice(before).find((r) => r.method === 'PUT')!;
    assert.deepEqual(Object.keys(JSON.parse(update.body)).sort(), ['actions', 'name', 'params', 'schedule', 'tags'], 'the update sends only what PUT accepts');
    assert.equal((fake.savedObjects.get('dashboard/ml-pipeline-logs-dashboard') as typeof dashboard).attributes.title, 'ML Pipeline Logs Dashboard');
    assert.deepEqual((fake.rules.get(ERROR_RULE_ID) as { params: { threshold: number[] } }).params.threshold, [5]);
  });

  test('401, 403 and connection refused give messages that say what to do', async (t) => {
    await assert.rejects(setupKibana(connection(fake.url, { password: undefined })), /authentication failed at Kibana http:\/\/127\.0\.0\.1:\d+ \(Unauthorized\): check --username\/--password/);
    fake.fail.forbidWrites = true;
    t.after(() => (fake.fail.forbidWrites = false));
    fake.savedObjects.clear();
    await assert.rejects(setupKibana(connection(fake.url)), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'MW_SETUP_FORBIDDEN');
      assert.match(error.message, /^Kibana refused to import the saved objects: user elastic needs the All privilege on Saved Objects Management .*\(Unable to bulk_create/);
      return true;
    });
    const port = await closedPort();
    await assert.rejects(setupKibana(connection(`http://127.0.0.1:${port}`)), { code: 'MW_SETUP_UNREACHABLE', message: `cannot reach Kibana at http://127.0.0.1:${port}: connection refused; is it running? check --url` });
  });
});

describe('modelwatch setup (CLI)', () => {
  let fake: FakeElastic;
  before(async () => (fake = await startFakeElastic()));
  after(() => fake.close());

  for (const target of ['elasticsearch', 'kibana']) {
    test(`setup ${target} --help explains itself`, async () => {
      const result = await runCli(['setup', target, '--help']);
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`^Usage: modelwatch setup ${target}`, 'm'));
      for (const flag of ['--url', '--username', '--password', '--ca', '--timeout', '--json', 'ELASTICSEARCH_PASSWORD']) assert.ok(result.stdout.includes(flag), flag);
    });
  }

  test('applies through the real CLI, idempotently, with progress lines or --json', async () => {
    const env = { ELASTICSEARCH_PASSWORD: CREDENTIALS.password, KIBANA_URL: fake.url };
    const first = await runCli(['setup', 'kibana'], env);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /^dashboard ML Pipeline Logs Dashboard: created$/m);
    assert.match(first.stdout, /^rule ML Pipeline Errors: created$/m);
    assert.match(first.stdout, /Kibana at http:\/\/127\.0\.0\.1:\d+\/: 8 created$/m);
    const second = await runCli(['setup', 'kibana', '--json'], env);
    assert.equal(second.status, 0, second.stderr);
    const report = JSON.parse(second.stdout) as { target: string; objects: { outcome: string }[] };
    assert.equal(report.target, 'kibana');
    assert.equal(report.objects.length, 8);
    assert.ok(report.objects.every((o) => o.outcome === 'unchanged'));
  });

  test('failures exit 1 with the reason; a missing --url is a usage error (2)', async () => {
    const port = await closedPort();
    const refused = await runCli(['setup', 'elasticsearch', '--url', `http://127.0.0.1:${port}`]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /cannot reach Elasticsearch at http:\/\/127\.0\.0\.1:\d+\/: connection refused; is it running\? check --url/);
    assert.doesNotMatch(refused.stderr, /--help for usage/);

    const denied = await runCli(['setup', 'elasticsearch', '--url', fake.url, '--password', 'wrong']);
    assert.equal(denied.status, 1);
    assert.match(denied.stderr, /authentication failed at Elasticsearch .*check --username\/--password/);

    const missing = await runCli(['setup', 'kibana']);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /required option '--url <url>' not specified/);
  });
});
