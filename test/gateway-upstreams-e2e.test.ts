/**
 * `modelwatch gateway` in front of model servers someone else runs, every part real and in its own
 * process: a Flask + scikit-learn app (Debian's python3-flask and python3-sklearn) shaped like the
 * classic Flask model service, modelwatch's own server (through the native and the /v2 presets), and
 * a small text API taking `{"request": {"text": …}}`. For each: a reference profile built by
 * `modelwatch profile` through the server itself, a gateway started from the CLI with it, answers
 * through the gateway byte-identical to direct ones, the bank-marketing file's late (drifted) rows
 * replayed through it with their true labels sent back under the prefix — and then, from a real
 * Prometheus scraping all four gateways: every API-gateway PromQL line returns data, the drifted
 * features' PSI is above 0.2, and live accuracy equals the accuracy of the server's own answers.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { freePort } from '../bench/children.js';
import { GATEWAY_PREFIX } from '../src/gateway/app.js';
import { PYTHON, pythonModulesMissing } from './helpers/debian-python.js';
import { tempDir, trainedRegistry } from './helpers/fixtures.js';
import { spawnWatched, waitReady, type WatchedChild } from './helpers/processes.js';
import { commandMissing, skipUnlessTool } from './helpers/tools.js';

const BANK_FULL = fileURLToPath(new URL('../../shared/data/bank-full.csv', import.meta.url));
const FLASK_APP = fileURLToPath(new URL('./helpers/flask-bank-app.py', import.meta.url));
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];
const missing = pythonModulesMissing(['flask', 'sklearn', 'pandas']) ?? commandMissing('prometheus', "install Debian's prometheus package (apt-get install prometheus); .ci/run does");

/** The PromQL an API-gateway dashboard and its alerts run on the gateway_* families. */
const GATEWAY_QUERIES = [
  'rate(gateway_http_requests_total[5m])',
  'sum(rate(gateway_http_requests_total[5m])) by (endpoint)',
  'sum(rate(gateway_http_requests_total[5m])) by (status)',
  'histogram_quantile(0.95, rate(gateway_http_request_duration_seconds_bucket[5m]))',
  'histogram_quantile(0.99, rate(gateway_http_request_duration_seconds_bucket[5m]))',
  'histogram_quantile(0.95, rate(gateway_backend_request_duration_seconds_bucket[5m]))',
  'rate(gateway_backend_requests_total[5m])',
];

type Row = Record<string, string | number>;

/** bank-full.csv's rows (numbers as numbers) and labels, from `start` for `count` rows. */
function bankRows(start: number, count: number): { rows: Row[]; labels: string[] } {
  const lines = readFileSync(BANK_FULL, 'utf8').split('\n');
  const header = lines[0].split(',');
  const rows: Row[] = [];
  const labels: string[] = [];
  for (const line of lines.slice(1 + start, 1 + start + count)) {
    const cells = line.split(',');
    const row: Row = {};
    header.forEach((name, i) => {
      if (name !== 'y') row[name] = /^-?\d+(\.\d+)?$/.test(cells[i]) ? Number(cells[i]) : cells[i];
    });
    rows.push(row);
    labels.push(cells[header.indexOf('y')]);
  }
  return { rows, labels };
}

/** Runs the CLI to its end; its exit code and output. */
function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...CLI, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

/** A child kept for stopping at the end. */
const children: ChildProcess[] = [];
function startChild(command: string, args: string[], env: NodeJS.ProcessEnv): WatchedChild {
  const watched = spawnWatched(command, args, { env: { ...process.env, ...env } });
  children.push(watched.process);
  return watched;
}

/** A text API in the shape of an API-gateway example: a lexicon sentiment model. */
function textApi(): Server {
  const positive = new Set(['amazing', 'great', 'love', 'good', 'fast']);
  const negative = new Set(['awful', 'bad', 'slow', 'hate', 'broken']);
  return createServer((request, response) => {
    let body = '';
    request.on('data', (c: Buffer) => (body += c.toString()));
    request.on('end', () => {
      let text: string;
      try {
        text = String((JSON.parse(body) as { request: { text: string } }).request.text);
      } catch {
        response.statusCode = request.method === 'POST' ? 400 : 404;
        return response.end();
      }
      const words = text.toLowerCase().split(/[^a-z]+/);
      const score = words.filter((w) => positive.has(w)).length - words.filter((w) => negative.has(w)).length;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ response: { label: score >= 0 ? 'positive' : 'negative', confidence: Math.min(0.99, 0.6 + 0.1 * Math.abs(score)) } }));
    });
  });
}

/** POSTs JSON; the answer's status and exact text. */
async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, text: await response.text() };
}

/** Runs `work` over `items` with `concurrency` in flight. */
async function pooled<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i], i);
    }
  }));
}

describe('the gateway in front of real model servers', { skip: skipUnlessTool(missing) }, () => {
  const dir = tempDir('modelwatch-gateway-e2e-');
  const reference = bankRows(0, 300);
  const late = bankRows(40_000, 400);
  let text: Server;
  let api = '';
  /** Gateways by the upstream they front: their URL, and the labels joined through them. */
  const gateways: Record<string, { url: string; direct: string; path: string; instance: string }> = {};
  /** Per gateway: the answers to the late rows (class per row) and their true labels. */
  const answered: Record<string, { predicted: number[]; actual: number[] }> = {};

  const query = async (expr: string) => {
    const response = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await response.json()) as { status: string; error?: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
    assert.equal(body.status, 'success', `${expr}: ${body.error}`);
    return body.data.result;
  };

  before(async () => {
    // The model servers.
    const flaskPort = await freePort();
    const flask = startChild(PYTHON, [FLASK_APP, '--data', BANK_FULL, '--rows', '8000', '--port', String(flaskPort)], {});
    const nativePort = await freePort();
    const native = startChild(process.execPath, [...CLI, 'serve'], { PORT: String(nativePort), HOST: '127.0.0.1', MODEL_DIR: trainedRegistry().dir, LOG_STDOUT: 'false' });
    text = textApi();
    await new Promise<void>((resolve) => text.listen(0, '127.0.0.1', resolve));
    const textUrl = `http://127.0.0.1:${(text.address() as { port: number }).port}`;
    const flaskUrl = `http://127.0.0.1:${flaskPort}`;
    const nativeUrl = `http://127.0.0.1:${nativePort}`;
    await waitReady(flask, `${flaskUrl}/health`, 120_000);
    await waitReady(native, `${nativeUrl}/ready`, 60_000);

    // Reference profiles, scored through each server by `modelwatch profile`.
    const refCsv = join(dir, 'reference.csv');
    writeFileSync(refCsv, readFileSync(BANK_FULL, 'utf8').split('\n').slice(0, 1 + reference.rows.length).join('\n') + '\n');
    const textCsv = join(dir, 'texts.csv');
    const texts = ['Go is amazing!', 'I love this great work', 'fast and good', 'this is bad', 'awful and slow', 'broken again'];
    writeFileSync(textCsv, 'text,label\n' + Array.from({ length: 120 }, (_, i) => `${texts[i % texts.length]},${i % texts.length < 3 ? 'positive' : 'negative'}`).join('\n') + '\n');
    const vocabulary = join(dir, 'vocabulary.txt');
    writeFileSync(vocabulary, 'go\nis\namazing\ni\nlove\nthis\ngreat\nwork\nfast\nand\ngood\nbad\nawful\nslow\nbroken\nagain\n');
    const profiles = {
      flask: ['--data', refCsv, '--target', 'y', '--upstream', flaskUrl, '--preset', 'flask'],
      native: ['--data', refCsv, '--target', 'y', '--upstream', nativeUrl, '--preset', 'native'],
      v2: ['--data', refCsv, '--target', 'y', '--upstream', nativeUrl, '--preset', 'v2', '--model-name', 'bank-marketing'],
      text: ['--data', textCsv, '--target', 'label', '--text-column', 'text', '--vocabulary', vocabulary, '--upstream', textUrl, '--preset', 'text'],
    };
    await Promise.all(
      Object.entries(profiles).map(async ([name, args]) => {
        const result = await cli(['profile', ...args, '--out', join(dir, `${name}.profile.json`)]);
        assert.equal(result.status, 0, `profile ${name}: ${result.stderr}`);
      }),
    );

    // The gateways, from the CLI, each with its profile, its own audit log, a 1 s monitor tick.
    const upstreamOf = { flask: flaskUrl, native: nativeUrl, v2: nativeUrl, text: textUrl };
    const pathOf = { flask: '/predict', native: '/predict', v2: '/v2/models/bank-marketing/infer', text: '/predict' };
    await Promise.all(
      (Object.keys(profiles) as (keyof typeof profiles)[]).map(async (name) => {
        const port = await freePort();
        const env = { LOG_STDOUT: 'false', LOG_FILE: join(dir, `${name}.audit.ndjson`), MONITOR_INTERVAL_SECONDS: '1', DRIFT_MIN_SAMPLES: '100', DRIFT_WINDOW_SIZE: '400', QUALITY_MIN_LABELS: '30' };
        const gateway = startChild(process.execPath, [...CLI, 'gateway', '--upstream', upstreamOf[name], '--preset', name, '--reference', join(dir, `${name}.profile.json`), '--port', String(port), '--host', '127.0.0.1'], env);
        gateways[name] = { url: `http://127.0.0.1:${port}`, direct: upstreamOf[name], path: pathOf[name], instance: `127.0.0.1:${port}` };
        await waitReady(gateway, `${gateways[name].url}${GATEWAY_PREFIX}/ready`, 60_000);
      }),
    );

    // One Prometheus scraping the four gateways every second.
    const promPort = await freePort();
    api = `http://127.0.0.1:${promPort}`;
    writeFileSync(
      join(dir, 'prometheus.yml'),
      stringify({ global: { scrape_interval: '1s' }, scrape_configs: [{ job_name: 'model-gateway', metrics_path: `${GATEWAY_PREFIX}/metrics`, static_configs: [{ targets: Object.values(gateways).map((g) => g.instance) }] }] }),
    );
    const prometheus = startChild('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`], {});
    await waitReady(prometheus, `${api}/-/ready`);
    for (let i = 0; i < 100 && (await query('up{job="model-gateway"} == 1')).length < 4; i++) await sleep(200);
  });

  after(async () => {
    for (const child of children) child.kill('SIGTERM');
    text?.close();
    await sleep(300);
  });

  /** The request a server takes for one bank row, by gateway. */
  const bodyOf = (name: string, row: Row): unknown =>
    name === 'v2'
      ? { inputs: Object.entries(row).map(([feature, value]) => ({ name: feature, shape: [1], datatype: typeof value === 'number' ? 'FP64' : 'BYTES', data: [value] })) }
      : row;

  test('answers through each gateway are byte-identical to the server\'s own', async () => {
    for (const name of ['flask', 'native', 'v2']) {
      const g = gateways[name];
      for (const [i, row] of reference.rows.slice(0, 10).entries()) {
        const id = `same-${name}-${i}`;
        const direct = await post(`${g.direct}${g.path}`, bodyOf(name, row), { 'x-request-id': id });
        const through = await post(`${g.url}${g.path}`, bodyOf(name, row), { 'x-request-id': id });
        assert.equal(direct.status, 200, `${name}: ${direct.text}`);
        assert.equal(through.status, direct.status);
        assert.equal(through.text, direct.text, `${name} row ${i}`);
      }
    }
    const g = gateways.text;
    const direct = await post(`${g.direct}/predict`, { request: { text: 'Go is amazing!' } });
    const through = await post(`${g.url}/predict`, { request: { text: 'Go is amazing!' } });
    assert.equal(through.text, direct.text);
  });

  test('the late rows replayed with their labels: drift past 0.2, live accuracy equal to the answers\' accuracy', async () => {
    const classOf = (name: string, text: string): number => {
      const body = JSON.parse(text) as { prediction?: number; outputs?: { name: string; data: (string | number)[] }[] };
      // The Open Inference Protocol answers the class by name.
      if (name === 'v2') return body.outputs!.find((o) => o.name === 'predict')!.data[0] === 'yes' ? 1 : 0;
      return body.prediction!;
    };
    await Promise.all(
      ['flask', 'native', 'v2'].map(async (name) => {
        const g = gateways[name];
        answered[name] = { predicted: [], actual: [] };
        await pooled(late.rows, 4, async (row, i) => {
          const answer = await post(`${g.url}${g.path}`, bodyOf(name, row), { 'x-request-id': `late-${name}-${i}` });
          assert.equal(answer.status, 200, answer.text);
          answered[name].predicted[i] = classOf(name, answer.text);
          answered[name].actual[i] = late.labels[i] === 'yes' ? 1 : 0;
        });
        const feedback = late.labels.map((label, i) => ({ request_id: `late-${name}-${i}`, actual: label }));
        const joined = await post(`${g.url}${GATEWAY_PREFIX}/feedback/batch`, { feedback: feedback.slice(0, 200) });
        const joined2 = await post(`${g.url}${GATEWAY_PREFIX}/feedback/batch`, { feedback: feedback.slice(200) });
        for (const result of [joined, joined2]) {
          assert.equal(result.status, 200, result.text);
          assert.equal((JSON.parse(result.text) as { joined: number }).joined, 200, `${name}: every label joined`);
        }
      }),
    );
    // The text model's traffic moves to long texts in another language, each labelled.
    const foreign = 'Das ist ein völlig neuer und viel längerer Text ohne ein einziges bekanntes Wort darin';
    await pooled(Array.from({ length: 120 }, (_, i) => i), 4, async (i) => {
      const answer = await post(`${gateways.text.url}/predict`, { request: { text: foreign } }, { 'x-request-id': `text-${i}` });
      assert.equal(answer.status, 200);
    });
    const labels = await post(`${gateways.text.url}${GATEWAY_PREFIX}/feedback/batch`, { feedback: Array.from({ length: 120 }, (_, i) => ({ request_id: `text-${i}`, actual: 'negative' })) });
    assert.equal((JSON.parse(labels.text) as { joined: number }).joined, 120, labels.text);
    await sleep(4000);
    for (const name of ['flask', 'native', 'v2']) {
      const instance = gateways[name].instance;
      const drifted = await query(`ml_feature_drift_psi{instance="${instance}"} > 0.2`);
      const features = drifted.map((s) => s.metric.feature).sort();
      assert.ok(features.includes('month'), `${name}: month drifted (${features.join(', ')})`);
      assert.ok(features.length >= 3, `${name}: ${features.join(', ')}`);
      const { predicted, actual } = answered[name];
      const offline = predicted.filter((p, i) => p === actual[i]).length / predicted.length;
      const [live] = await query(`sum(ml_feedback_correct_total{instance="${instance}"}) / sum(ml_feedback_total{instance="${instance}"})`);
      assert.equal(Number(live.value[1]), offline, `${name}: live accuracy from the joined labels`);
      const [predictions] = await query(`sum(ml_predictions_total{instance="${instance}"})`);
      assert.equal(Number(predictions.value[1]), 10 + late.rows.length, `${name}: every prediction counted once`);
    }
    const [oov] = await query(`sum(ml_gateway_text_oov_ratio_count{instance="${gateways.text.instance}"})`);
    assert.equal(Number(oov.value[1]), 121);
    const textDrift = (await query(`ml_feature_drift_psi{instance="${gateways.text.instance}"} > 0.2`)).map((s) => s.metric.feature).sort();
    assert.deepEqual(textDrift, ['oov_share', 'text_length', 'token_count'], 'every derived text feature drifted');
    // The lexicon calls the foreign text positive (no negative word): every label says otherwise.
    const [textAccuracy] = await query(`sum(ml_feedback_correct_total{instance="${gateways.text.instance}"}) / sum(ml_feedback_total{instance="${gateways.text.instance}"})`);
    assert.equal(Number(textAccuracy.value[1]), 0);
    const [unseen] = await query(`sum(ml_gateway_text_oov_ratio_bucket{instance="${gateways.text.instance}",le="0"})`);
    assert.equal(Number(unseen.value[1]), 1, 'the one known text has no unknown token');
  });

  test('every API-gateway PromQL line returns data for every gateway; audit lines carry the server\'s answers', async () => {
    for (const expr of GATEWAY_QUERIES) {
      const result = await query(expr);
      for (const g of Object.values(gateways)) assert.ok(result.some((s) => s.metric.instance === undefined || s.metric.instance === g.instance) && result.length > 0, `${expr} returns data`);
    }
    const byInstance = await query('sum by (instance) (rate(gateway_http_requests_total[5m]))');
    assert.equal(byInstance.length, 4);
    const lines = readFileSync(join(dir, 'flask.audit.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const predictions = lines.filter((l) => typeof l.request_id === 'string' && (l.request_id as string).startsWith('late-flask-') && (l.event as { action: string }).action === 'predict');
    assert.equal(predictions.length, late.rows.length, 'one audit line per prediction');
    for (const line of predictions) assert.equal(line.prediction, answered.flask.predicted[Number((line.request_id as string).slice('late-flask-'.length))]);
  });
});
