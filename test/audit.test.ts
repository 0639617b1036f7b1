import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Ajv } from 'ajv';
import { loadConfig } from '../src/config.js';
import { PREDICTION_LINE_SCHEMA } from '../src/monitoring/audit/prediction-line.js';
import { startService } from '../src/server/serve.js';
import { SEED_BODY, tempDir, trainedRegistry } from './helpers/fixtures.js';

/** A parsed log line; tests read nested fields freely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON of known shape, asserted field by field
type AuditLine = Record<string, any>;

const readLines = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as AuditLine);

async function serviceWithLogFile(env: Record<string, string> = {}) {
  const logFile = join(tempDir(), 'logs', 'audit.ndjson');
  const config = loadConfig({ MODEL_DIR: trainedRegistry().dir, PORT: '0', HOST: '127.0.0.1', LOG_FILE: logFile, LOG_STDOUT: 'false', ...env });
  const service = await startService(config);
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${service.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { service, logFile, post };
}

describe('audit log', () => {
  test('one ECS line per prediction with the seed fields, model_version and input_hash, parsed from the file written', async () => {
    const { service, logFile, post } = await serviceWithLogFile();
    const answer = (await (await post(SEED_BODY, { 'x-request-id': 'audit-1' })).json()) as Record<string, unknown>;
    await post(SEED_BODY, { 'x-request-id': 'audit-2' });
    await post({ ...SEED_BODY, duration: 900 }, { 'x-request-id': 'audit-3' });
    await post({ ...SEED_BODY, job: 'wizard' }, { 'x-request-id': 'audit-bad' });
    await service.close();
    const lines = readLines(logFile);
    const byId = (id: string) => lines.find((l) => l.request_id === id)!;
    const line = byId('audit-1');
    assert.ok(line, 'the prediction was logged');
    assert.match(line['@timestamp'], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(line.level, 'INFO');
    assert.equal(line['log.level'], 'info');
    assert.equal(line['service.name'], 'ml-pipeline');
    assert.equal(line['event.dataset'], 'ml-pipeline.audit');
    assert.equal(line['ecs.version'], '8.10.0');
    assert.equal(line.message, 'prediction');
    assert.equal(line.prediction, answer.prediction);
    assert.equal(line.confidence, answer.confidence);
    assert.equal(line.probability, answer.probability);
    assert.equal(line.model_type, 'gbdt');
    assert.equal(line.model_version, 'v1');
    assert.equal(line.endpoint, '/predict');
    assert.ok(typeof line.duration === 'number' && line.duration > 0 && line.duration < 1000, `duration in ms: ${line.duration}`);
    assert.match(line.input_hash, /^[0-9a-f]{16}$/);
    assert.equal(line.error, undefined);
    assert.equal(line.input, undefined, 'raw inputs are off by default');
    assert.equal(byId('audit-2').input_hash, line.input_hash, 'equal inputs, equal hash');
    const conforms = new Ajv({ strict: false, validateFormats: false }).compile(PREDICTION_LINE_SCHEMA);
    for (const prediction of lines.filter((l) => l.message === 'prediction')) assert.ok(conforms(prediction), JSON.stringify(conforms.errors));
    assert.notEqual(byId('audit-3').input_hash, line.input_hash);
    const rejected = byId('audit-bad');
    assert.equal(rejected.level, 'WARNING');
    assert.equal(rejected.error.code, 'MW_INVALID_INPUT');
    assert.equal(rejected.error.type, 'unknown_category');
    assert.equal(rejected.endpoint, '/predict');
    assert.equal(rejected.problems[0].field, 'job');
    const listening = lines.find((l) => l['event.dataset'] === 'ml-pipeline.service' && /listening/.test(l.message))!;
    assert.ok(listening, 'operational lines go to the same file');
    for (const field of ['ecs.version', 'service.name', 'process.pid', 'host.hostname']) assert.equal(line[field], listening[field], `audit and service lines agree on ${field}`);
  });

  test('raw inputs are logged only when enabled, with the configured fields redacted', async () => {
    const { service, logFile, post } = await serviceWithLogFile({ AUDIT_RAW_INPUTS: 'true', AUDIT_REDACT_FIELDS: 'balance,age' });
    await post({ ...SEED_BODY, balance: 12345 }, { 'x-request-id': 'raw-1' });
    await service.close();
    const line = readLines(logFile).find((l) => l.request_id === 'raw-1')!;
    assert.equal(line.input.balance, '[redacted]');
    assert.equal(line.input.age, '[redacted]');
    assert.equal(line.input.job, 'admin.');
    assert.equal(line.input.duration, 200);
    assert.ok(new Ajv({ strict: false, validateFormats: false }).validate(PREDICTION_LINE_SCHEMA, line), 'a line with raw input conforms too');
    assert.doesNotMatch(readFileSync(logFile, 'utf8'), /12345/);
  });

  test('no accepted line is lost on shutdown: closing with requests in flight, every answered prediction is in the file', async () => {
    const { service, logFile, post } = await serviceWithLogFile();
    const ids = Array.from({ length: 600 }, (_, i) => `burst-${i}`);
    const inFlight = ids.map((id) => post(SEED_BODY, { 'x-request-id': id }).then((r) => (r.status === 200 ? id : undefined), () => undefined));
    await inFlight[0];
    const closed = service.close();
    const answered = (await Promise.all(inFlight)).filter((id): id is string => id !== undefined);
    await closed;
    assert.ok(answered.length > 0);
    const logged = new Set(readLines(logFile).map((l) => l.request_id));
    assert.deepEqual(answered.filter((id) => !logged.has(id)), [], 'every 200 has its audit line');
  });

  test('a failure while recording one request loses no other request\'s line, and is logged once, not per request', async () => {
    const { service, logFile, post } = await serviceWithLogFile();
    service.metrics.touchClient = () => {
      throw new TypeError('a recorder that fails');
    };
    const ids = Array.from({ length: 200 }, (_, i) => `fail-${i}`);
    for (let i = 0; i < ids.length; i += 50) await Promise.all(ids.slice(i, i + 50).map((id) => post(SEED_BODY, { 'x-request-id': id })));
    await service.close();
    const lines = readLines(logFile);
    const logged = new Set(lines.filter((l) => l.message === 'prediction').map((l) => l.request_id));
    assert.deepEqual(ids.filter((id) => !logged.has(id)), [], 'every answered request has its line');
    const failures = lines.filter((l) => l.level === 'ERROR');
    assert.equal(failures.length, 1, 'one line for a burst of failures');
    assert.match(failures[0].message, /recording an answered request failed/);
    assert.equal(failures[0].error.message, 'a recorder that fails');
  });

  test('a rejected request does not echo input values into the log unless raw inputs are on', async () => {
    const { service, logFile, post } = await serviceWithLogFile();
    await post({ ...SEED_BODY, balance: 'IBAN DE89 3704 0044' }, { 'x-request-id': 'leak-1' });
    await service.close();
    const line = readLines(logFile).find((l) => l.request_id === 'leak-1')!;
    assert.equal(line.problems[0].field, 'balance');
    assert.equal(line.problems[0].got, undefined);
    assert.doesNotMatch(readFileSync(logFile, 'utf8'), /IBAN/);
  });

  test('a LOG_FILE that cannot be written is a bad setting, refused at start', async () => {
    const dir = tempDir();
    const config = loadConfig({ MODEL_DIR: trainedRegistry().dir, PORT: '0', HOST: '127.0.0.1', LOG_FILE: dir, LOG_STDOUT: 'false' });
    // Should it start after all, close it so the failure is an assertion, not a hang.
    const attempt = startService(config).then((started) => started.close());
    await assert.rejects(attempt, /Invalid setting LOG_FILE=.*a file that can be appended to \(EISDIR\)/);
  });

  test('with AUDIT_LOG=false no audit line is written, but service lines are', async () => {
    const { service, logFile, post } = await serviceWithLogFile({ AUDIT_LOG: 'false' });
    await post(SEED_BODY);
    await service.close();
    const lines = readLines(logFile);
    assert.equal(lines.filter((l) => l['event.dataset'] === 'ml-pipeline.audit').length, 0);
    assert.ok(lines.length > 0);
  });
});
