import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { SetupConnection } from '../src/setup/connection.js';
import { INDEX_TEMPLATE, setupElasticsearch } from '../src/setup/elasticsearch.js';
import { setupKibana } from '../src/setup/kibana.js';
import { BOOTSTRAP_INDEX, generateElasticsearch, ILM_POLICY, WRITE_ALIAS } from '../src/stack/elasticsearch/generate.js';
import { ERROR_RULE_ID, errorRule } from '../src/stack/kibana/error-rule.js';
import { kibanaSavedObjects } from '../src/stack/kibana/saved-objects.js';
import { resolveDateMath } from './helpers/date-math.js';
import { closedPort, CREDENTIALS, silentServer, startFakeElastic, type FakeElastic } from './helpers/fake-elastic.js';

const connection = (url: string, overrides: Partial<SetupConnection> = {}): SetupConnection => ({ url, ...CREDENTIALS, timeoutSeconds: 5, ...overrides });
const outcomes = (applied: { id: string; outcome: string }[]) => Object.fromEntries(applied.map((a) => [a.id, a.outcome]));
/** Outcomes by `kind id`: the template and the alias are both named ml-pipeline. */
const outcomesByKind = (applied: { kind: string; id: string; outcome: string }[]) => Object.fromEntries(applied.map((a) => [`${a.kind} ${a.id}`, a.outcome]));
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

  const BOOTSTRAP_PATH = `/${encodeURIComponent(BOOTSTRAP_INDEX)}`;
  const kinds = (policy: string, template: string, alias: string) => ({ [`ilm-policy ${ILM_POLICY}`]: policy, [`index-template ${INDEX_TEMPLATE}`]: template, [`write-alias ${WRITE_ALIAS}`]: alias });

  test('creates the ILM policy, the template, then the first index behind the write alias; a second run changes nothing; a drifted policy is updated', async () => {
    const started = new Date();
    const first = await setupElasticsearch(connection(fake.url));
    assert.deepEqual(outcomesByKind(first), kinds('created', 'created', 'created'));
    assert.equal(BOOTSTRAP_PATH, '/%3Cml-pipeline-%7Bnow%2Fd%7D-000001%3E', 'the date math is URL-encoded');
    assert.deepEqual(calls(fake), [
      `GET /_ilm/policy/${ILM_POLICY}`,
      `PUT /_ilm/policy/${ILM_POLICY}`,
      `GET /_index_template/${INDEX_TEMPLATE}`,
      `PUT /_index_template/${INDEX_TEMPLATE}`,
      `GET /_alias/${WRITE_ALIAS}`,
      `HEAD /${WRITE_ALIAS}`,
      `PUT ${BOOTSTRAP_PATH}`,
    ]);
    const files = generateElasticsearch();
    assert.deepEqual(JSON.parse(fake.requests[1].body), JSON.parse(files['ilm-policy.json']), 'the policy sent is the generated one');
    assert.deepEqual(JSON.parse(fake.requests[3].body), JSON.parse(files['index-template.json']), 'the template sent is the generated one');
    assert.deepEqual(JSON.parse(fake.requests[6].body), { aliases: { [WRITE_ALIAS]: { is_write_index: true } } }, 'the alias is the write index of the first index');
    assert.deepEqual(JSON.parse(fake.requests[6].body), JSON.parse(files['bootstrap-index.json']));

    // The first index carries today's date (UTC), is the alias's write index, and got its lifecycle
    // settings from the template because the template was installed before it.
    const [created, index] = [...fake.indices][0];
    assert.ok([resolveDateMath(BOOTSTRAP_INDEX, started), resolveDateMath(BOOTSTRAP_INDEX)].includes(created), created);
    assert.match(created, /^ml-pipeline-\d{4}\.\d{2}\.\d{2}-000001$/);
    assert.equal(first[2].title, `${WRITE_ALIAS} (write index ${created})`);
    assert.deepEqual(index.aliases, { [WRITE_ALIAS]: { is_write_index: true } });
    assert.equal(index.settings['index.lifecycle.name'], ILM_POLICY);
    assert.equal(index.settings['index.lifecycle.rollover_alias'], WRITE_ALIAS);

    // What Elasticsearch answers back differs in form (min_age, nested text settings), not in substance.
    const seen = fake.requests.length;
    const second = await setupElasticsearch(connection(fake.url));
    assert.deepEqual(outcomesByKind(second), kinds('unchanged', 'unchanged', 'unchanged'));
    assert.deepEqual(calls(fake, seen), [`GET /_ilm/policy/${ILM_POLICY}`, `GET /_index_template/${INDEX_TEMPLATE}`, `GET /_alias/${WRITE_ALIAS}`], 'a second run only reads');
    assert.equal(fake.indices.size, 1, 'no second first index');

    const policy = fake.ilm.get(ILM_POLICY) as { phases: { delete: { min_age: string } } };
    policy.phases.delete.min_age = '7d';
    const third = await setupElasticsearch(connection(fake.url));
    assert.deepEqual(outcomesByKind(third), kinds('updated', 'unchanged', 'unchanged'));
    assert.equal((fake.ilm.get(ILM_POLICY) as typeof policy).phases.delete.min_age, '30d');

    // After ILM rolled over (a later day's index is now the write index), the alias is still fine.
    index.aliases[WRITE_ALIAS] = { is_write_index: false };
    fake.indices.set('ml-pipeline-2099.01.02-000002', { aliases: { [WRITE_ALIAS]: { is_write_index: true } }, settings: {} });
    const rolled = await setupElasticsearch(connection(fake.url));
    assert.deepEqual(outcomesByKind(rolled), kinds('unchanged', 'unchanged', 'unchanged'));
    assert.equal(rolled[2].title, `${WRITE_ALIAS} (write index ml-pipeline-2099.01.02-000002)`);
  });

  test('an index named like the alias (an early Filebeat) or an alias without a write index stops setup with what to do', async (t) => {
    t.after(() => fake.indices.clear());
    fake.indices.clear();
    // Filebeat shipped before setup ran: Elasticsearch auto-created a plain index named ml-pipeline.
    fake.indices.set(WRITE_ALIAS, { aliases: {}, settings: {} });
    const seen = fake.requests.length;
    await assert.rejects(setupElasticsearch(connection(fake.url)), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'MW_SETUP_FAILED');
      assert.match(error.message, /^Elasticsearch could not create the write alias ml-pipeline: an index named ml-pipeline is in its place \(did Filebeat ship before setup ran\?\); stop Filebeat, delete that index \(DELETE \/ml-pipeline; .*\) and run setup again$/);
      return true;
    });
    assert.ok(!calls(fake, seen).includes(`PUT ${BOOTSTRAP_PATH}`), 'no index is created');
    assert.deepEqual([...fake.indices.keys()], [WRITE_ALIAS]);

    fake.indices.clear();
    fake.indices.set('ml-pipeline-2099.01.01-000001', { aliases: { [WRITE_ALIAS]: {} }, settings: {} });
    fake.indices.set('ml-pipeline-2099.01.02-000002', { aliases: { [WRITE_ALIAS]: {} }, settings: {} });
    await assert.rejects(
      setupElasticsearch(connection(fake.url)),
      /Elasticsearch could not check the alias ml-pipeline: it points to ml-pipeline-2099\.01\.01-000001, ml-pipeline-2099\.01\.02-000002 and none is its write index.*"index":"ml-pipeline-2099\.01\.02-000002","alias":"ml-pipeline","is_write_index":true/,
    );
  });

  test('a refused index creation names the privilege', async (t) => {
    t.after(() => {
      fake.fail.forbidWrites = false;
      fake.indices.clear();
    });
    fake.indices.clear();
    await setupElasticsearch(connection(fake.url));
    fake.indices.clear();
    fake.fail.forbidWrites = true;
    await assert.rejects(setupElasticsearch(connection(fake.url)), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'MW_SETUP_FORBIDDEN');
      assert.match(error.message, /^Elasticsearch refused to create the index <ml-pipeline-\{now\/d\}-000001> behind the write alias ml-pipeline: user elastic needs the create_index and manage index privileges on ml-pipeline\* \(action \[indices:admin\/create\] is unauthorized/);
      return true;
    });
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

    const esEnv = { ELASTICSEARCH_PASSWORD: CREDENTIALS.password, ELASTICSEARCH_URL: fake.url };
    const es = await runCli(['setup', 'elasticsearch'], esEnv);
    assert.equal(es.status, 0, es.stderr);
    assert.match(es.stdout, /^write-alias ml-pipeline \(write index ml-pipeline-\d{4}\.\d{2}\.\d{2}-000001\): created$/m);
    assert.match(es.stdout, /Elasticsearch at http:\/\/127\.0\.0\.1:\d+\/: 3 created$/m);
    const esAgain = await runCli(['setup', 'elasticsearch', '--json'], esEnv);
    assert.equal(esAgain.status, 0, esAgain.stderr);
    assert.deepEqual((JSON.parse(esAgain.stdout) as { objects: { kind: string; outcome: string }[] }).objects.map((o) => `${o.kind}:${o.outcome}`), ['ilm-policy:unchanged', 'index-template:unchanged', 'write-alias:unchanged']);
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
