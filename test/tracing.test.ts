/**
 * OpenTelemetry traces, received by a real OTLP/HTTP receiver (test/helpers/otlp-receiver.ts):
 * the native server's server span per request, whose ids are on the request's audit lines and in
 * the latency exemplars; an incoming traceparent honoured; sampling; and the gateway's server and
 * client spans with the traceparent the upstream saw. With tracing off nothing is sent, no
 * traceparent is added and the lines carry no trace fields.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Ajv } from 'ajv';
import { loadConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';
import { buildGateway, GATEWAY_PREFIX } from '../src/gateway/app.js';
import { createLogger } from '../src/monitoring/audit/logger.js';
import { createPredictionLineWriter, PREDICTION_LINE_SCHEMA } from '../src/monitoring/audit/prediction-line.js';
import { readTracingSettings } from '../src/monitoring/tracing/settings.js';
import { createTracing, type TraceIds, type Tracing } from '../src/monitoring/tracing/tracing.js';
import { startService, type RunningService } from '../src/server/serve.js';
import { CapturedLines, SEED_BODY, trainedRegistry } from './helpers/fixtures.js';
import { SPAN_KIND, startOtlpReceiver, type OtlpReceiver } from './helpers/otlp-receiver.js';

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;

interface Traced {
  service: RunningService;
  captured: CapturedLines;
}

async function tracedService(env: Record<string, string>): Promise<Traced> {
  const captured = new CapturedLines();
  const config = loadConfig({}, { PORT: 0, HOST: '127.0.0.1', MODEL_DIR: trainedRegistry().dir, LOG_STDOUT: false, MODEL_WATCH: false });
  const log = createLogger({ serviceName: config.SERVICE_NAME, level: 'info', stdout: false, stream: captured, recentLines: 500 });
  return { service: await startService(config, { log, env }), captured };
}

const predict = (url: string, headers: Record<string, string> = {}, body: unknown = SEED_BODY) =>
  fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

/** The audit lines of one request, once the log is drained. */
async function linesOf(t: Traced, requestId: string): Promise<Record<string, unknown>[]> {
  await t.service.log.drain();
  return t.captured.lines.filter((l) => l.request_id === requestId);
}

const conforms = new Ajv({ strict: false, validateFormats: false }).compile(PREDICTION_LINE_SCHEMA);

const idsOn = (line: Record<string, unknown>) => ({ trace: (line.trace as { id?: string } | undefined)?.id, span: (line.span as { id?: string } | undefined)?.id });

describe('native server with OTEL_EXPORTER_OTLP_ENDPOINT set', () => {
  let receiver: OtlpReceiver;
  let t: Traced;
  before(async () => {
    receiver = await startOtlpReceiver();
    t = await tracedService({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_SERVICE_NAME: 'modelwatch-traced' });
  });
  after(async () => {
    await t?.service.close();
    await receiver?.close();
  });

  test('one /predict: a server span whose trace and span ids are on its audit line', async () => {
    const response = await predict(t.service.url, { 'x-request-id': 'traced-1' });
    assert.equal(response.status, 200);
    await t.service.tracing!.flush();
    const spans = receiver.spans.filter((s) => s.attributes['modelwatch.request_id'] === 'traced-1');
    assert.equal(spans.length, 1, 'one span for the request');
    const [span] = spans;
    assert.equal(span.name, 'POST /predict');
    assert.equal(span.kind, SPAN_KIND.server);
    assert.equal(span.parentSpanId, '', 'no caller: a root span');
    assert.match(span.traceId, TRACE_ID);
    assert.match(span.spanId, SPAN_ID);
    assert.deepEqual(
      { method: span.attributes['http.request.method'], route: span.attributes['http.route'], status: span.attributes['http.response.status_code'], path: span.attributes['url.path'] },
      { method: 'POST', route: '/predict', status: 200, path: '/predict' },
    );
    assert.equal(span.resource['service.name'], 'modelwatch-traced', 'OTEL_SERVICE_NAME names the resource');
    const [line] = await linesOf(t, 'traced-1');
    assert.equal(line.message, 'prediction');
    assert.deepEqual(idsOn(line), { trace: span.traceId, span: span.spanId });
    assert.ok(conforms(line), `the traced line conforms to PREDICTION_LINE_SCHEMA: ${JSON.stringify(conforms.errors)}`);
  });

  test('an incoming traceparent: the server span is its child, in its trace; a rejected request\'s line carries it too', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpan = '00f067aa0ba902b7';
    const ok = await predict(t.service.url, { 'x-request-id': 'child-1', traceparent: `00-${traceId}-${callerSpan}-01` });
    assert.equal(ok.status, 200);
    const bad = await predict(t.service.url, { 'x-request-id': 'child-2', traceparent: `00-${traceId}-${callerSpan}-01` }, { ...SEED_BODY, age: 'old' });
    assert.equal(bad.status, 400);
    await t.service.tracing!.flush();
    const span = receiver.spans.find((s) => s.attributes['modelwatch.request_id'] === 'child-1')!;
    assert.equal(span.traceId, traceId);
    assert.equal(span.parentSpanId, callerSpan);
    const rejected = receiver.spans.find((s) => s.attributes['modelwatch.request_id'] === 'child-2')!;
    assert.equal(rejected.attributes['http.response.status_code'], 400);
    assert.equal(rejected.statusCode, 0, 'a 4xx is the client\'s error, not the server span\'s');
    assert.deepEqual(idsOn((await linesOf(t, 'child-1'))[0]), { trace: traceId, span: span.spanId });
    const [rejectedLine] = await linesOf(t, 'child-2');
    assert.equal(rejectedLine.message, 'request rejected');
    assert.deepEqual(idsOn(rejectedLine), { trace: traceId, span: rejected.spanId });
  });

  test('the log explorer finds a traced request\'s lines by trace id', async () => {
    const traceId = '5bf92f3577b34da6a3ce929d0e0e4736';
    await predict(t.service.url, { 'x-request-id': 'explorer-1', traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    await predict(t.service.url, { 'x-request-id': 'explorer-2' });
    const found = (await (await fetch(`${t.service.url}/api/logs?trace_id=${traceId.toUpperCase()}`)).json()) as { lines: Record<string, unknown>[] };
    assert.deepEqual(found.lines.map((l) => l.request_id), ['explorer-1']);
    assert.equal(idsOn(found.lines[0]).trace, traceId);
    const bad = await fetch(`${t.service.url}/api/logs?trace_id=xyz`);
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { code: string }).code, 'MW_INVALID_QUERY');
  });

  test('a route that does not exist is named by its method alone; a malformed traceparent starts a new trace', async () => {
    const response = await fetch(`${t.service.url}/no/such/path`, { headers: { 'x-request-id': 'unrouted-1', traceparent: '00-not-a-trace-01' } });
    assert.equal(response.status, 404);
    await t.service.tracing!.flush();
    const span = receiver.spans.find((s) => s.attributes['modelwatch.request_id'] === 'unrouted-1')!;
    assert.equal(span.name, 'GET');
    assert.equal(span.attributes['http.route'], undefined);
    assert.equal(span.parentSpanId, '');
  });

  test('exemplars: the latency histograms carry the trace id in OpenMetrics output only', async () => {
    await predict(t.service.url, { 'x-request-id': 'exemplar-1' });
    const [line] = await linesOf(t, 'exemplar-1');
    const traceId = idsOn(line).trace!;
    const om = await fetch(`${t.service.url}/metrics`, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } });
    assert.match(String(om.headers.get('content-type')), /^application\/openmetrics-text/);
    const text = await om.text();
    // A bucket's exemplar is its latest sampled request: this one, in the bucket its latency fell in.
    const exemplar = (family: string) => new RegExp(`^${family}_bucket\\{[^}]*\\} \\d+ # \\{trace_id="([0-9a-f]{32})"\\} [0-9.e-]+ [0-9.]+$`, 'm');
    assert.match(text, exemplar('http_request_duration_seconds'));
    assert.match(text, exemplar('model_latency_seconds'));
    assert.ok(text.includes(`trace_id="${traceId}"`), 'the request\'s trace is an exemplar');
    assert.ok(text.endsWith('# EOF\n'));
    const plain = await (await fetch(`${t.service.url}/metrics`)).text();
    assert.ok(!plain.includes('trace_id'), 'no exemplar in the Prometheus text format');
    assert.match(plain, /^# TYPE model_requests_total counter$/m, 'counters keep their text-format names');
  });
});

describe('sampling', () => {
  let receiver: OtlpReceiver;
  let t: Traced;
  before(async () => {
    receiver = await startOtlpReceiver();
    t = await tracedService({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' });
  });
  after(async () => {
    await t?.service.close();
    await receiver?.close();
  });

  test('ratio 0: nothing is exported and no exemplar is kept, yet the lines still carry the trace id', async () => {
    for (let i = 0; i < 20; i++) assert.equal((await predict(t.service.url, { 'x-request-id': `unsampled-${i}` })).status, 200);
    await t.service.tracing!.flush();
    assert.equal(receiver.spans.length, 0);
    assert.equal(receiver.posts, 0, 'no export at all');
    const [line] = await linesOf(t, 'unsampled-0');
    assert.match(idsOn(line).trace ?? '', TRACE_ID, 'the id a log search can still use');
    const om = await (await fetch(`${t.service.url}/metrics`, { headers: { accept: 'application/openmetrics-text' } })).text();
    assert.ok(!om.includes('trace_id'), 'an exemplar only for a sampled trace');
  });

  test('parent-based: a caller that sampled its trace has it sampled here too', async () => {
    const traceId = 'a'.repeat(32);
    await predict(t.service.url, { 'x-request-id': 'parent-sampled', traceparent: `00-${traceId}-${'b'.repeat(16)}-01` });
    await predict(t.service.url, { 'x-request-id': 'parent-unsampled', traceparent: `00-${'c'.repeat(32)}-${'d'.repeat(16)}-00` });
    await t.service.tracing!.flush();
    assert.deepEqual(receiver.spans.map((s) => s.attributes['modelwatch.request_id']), ['parent-sampled']);
    assert.equal(receiver.spans[0].traceId, traceId);
  });
});

test('the prediction line writer: trace ids with and without the raw input, and none without a trace', () => {
  const written: string[] = [];
  const write = createPredictionLineWriter({ write: (line: string) => void written.push(line) }, 'svc');
  const record = { request_id: 'r', endpoint: '/predict', prediction: 1, confidence: 0.9, probability: 0.9, duration: 1.5, model_type: 'gbdt', model_version: 'v1', input_hash: '0123456789abcdef' };
  const ids = { trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7' };
  write({ ...record, ...ids });
  write({ ...record, ...ids, input: { age: 30 } });
  write({ ...record, value: 2.5, ...ids });
  write(record);
  const lines = written.map((l) => JSON.parse(l) as Record<string, unknown>);
  for (const line of lines) assert.ok(conforms(line), JSON.stringify(conforms.errors));
  assert.deepEqual(lines.map(idsOn), [...Array(3).fill({ trace: ids.trace_id, span: ids.span_id }), { trace: undefined, span: undefined }]);
  assert.deepEqual(lines[1].input, { age: 30 });
});

describe('native server without an OTLP endpoint', () => {
  let t: Traced;
  before(async () => {
    t = await tracedService({});
  });
  after(async () => t?.service.close());

  test('no tracer, no trace fields on the lines, no exemplars', async () => {
    assert.equal(t.service.tracing, undefined);
    await predict(t.service.url, { 'x-request-id': 'untraced-1', traceparent: `00-${'e'.repeat(32)}-${'f'.repeat(16)}-01` });
    const [line] = await linesOf(t, 'untraced-1');
    assert.equal(line.message, 'prediction');
    assert.ok(!('trace' in line) && !('span' in line));
    const om = await (await fetch(`${t.service.url}/metrics`, { headers: { accept: 'application/openmetrics-text' } })).text();
    assert.ok(!om.includes('trace_id'));
  });
});

/** A node:http model server that answers every request and keeps the headers it saw. */
async function recordingUpstream(): Promise<{ url: string; seen: IncomingHttpHeaders[]; server: Server }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"prediction":1}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0([01])$/;

describe('gateway with tracing on', () => {
  let receiver: OtlpReceiver;
  let upstream: Awaited<ReturnType<typeof recordingUpstream>>;
  let tracing: Tracing;
  let gateway: Awaited<ReturnType<typeof buildGateway>>;
  let url: string;
  const requestIds = new Map<string, TraceIds | null>();
  const gatewayLines = new CapturedLines();
  before(async () => {
    receiver = await startOtlpReceiver();
    upstream = await recordingUpstream();
    tracing = (await createTracing({ serviceName: 'modelwatch-gateway', env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.endpoint}/v1/traces` } }))!;
    const log = createLogger({ serviceName: 'modelwatch-gateway', level: 'info', stdout: false, stream: gatewayLines });
    gateway = await buildGateway({ upstream: upstream.url, preset: 'native', timeoutSeconds: 5, prefix: GATEWAY_PREFIX, tracing, log, config: loadConfig({}, { LOG_STDOUT: false }) });
    // What the audit line of the gateway reads.
    gateway.app.addHook('onResponse', async (request) => void requestIds.set(request.id, request.traceIds));
    url = await gateway.app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await gateway?.app.close();
    await tracing?.shutdown();
    await receiver?.close();
    upstream?.server.close();
  });

  test('one request: a server span and a client span in one trace, the upstream saw the client span as parent', async () => {
    const response = await predict(url, { 'x-request-id': 'gw-1' });
    assert.equal(response.status, 200);
    assert.equal(await response.text(), '{"prediction":1}');
    await tracing.flush();
    const traceparent = String(upstream.seen.at(-1)?.traceparent);
    const [, traceId, parentId, sampled] = TRACEPARENT.exec(traceparent) ?? [];
    assert.ok(traceId, `a W3C traceparent reached the upstream: ${traceparent}`);
    assert.equal(sampled, '1');
    const server = receiver.spans.find((s) => s.kind === SPAN_KIND.server && s.attributes['modelwatch.request_id'] === 'gw-1')!;
    assert.ok(server, 'the server span');
    const client = receiver.spans.find((s) => s.kind === SPAN_KIND.client && s.parentSpanId === server.spanId)!;
    assert.ok(client, 'the client span, child of the server span');
    assert.equal(server.traceId, traceId);
    assert.equal(client.traceId, traceId);
    assert.equal(client.spanId, parentId, 'the upstream\'s parent is the client span');
    assert.equal(server.name, 'POST /predict');
    assert.equal(server.attributes['http.route'], '/predict');
    assert.equal(server.attributes['http.response.status_code'], 200);
    assert.equal(client.name, 'POST');
    assert.equal(client.attributes['http.response.status_code'], 200);
    assert.equal(client.attributes['url.full'], `${upstream.url}/predict`);
    assert.deepEqual(requestIds.get('gw-1'), { traceId, spanId: server.spanId, sampled: true }, 'request.traceIds, for the audit line');
    await gateway.log.drain();
    const line = gatewayLines.lines.find((l) => l.request_id === 'gw-1' && (l.event as { action: string }).action === 'predict')!;
    assert.ok(line, 'the gateway\'s audit line of the prediction it observed');
    assert.deepEqual(line.trace, { id: traceId }, 'the audit line carries the trace id the upstream saw');
    assert.deepEqual(line.span, { id: server.spanId });
    assert.equal(server.resource['service.name'], 'modelwatch-gateway');
  });

  test('a caller\'s traceparent: the same trace all the way to the upstream', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    await predict(url, { 'x-request-id': 'gw-2', traceparent: `00-${traceId}-b7ad6b7169203331-01`, tracestate: 'vendor=1' });
    await tracing.flush();
    const [, upstreamTrace, parentId] = TRACEPARENT.exec(String(upstream.seen.at(-1)?.traceparent)) ?? [];
    assert.equal(upstreamTrace, traceId);
    assert.notEqual(parentId, 'b7ad6b7169203331', 'the caller\'s span is the gateway\'s parent, not the upstream\'s');
    assert.equal(upstream.seen.at(-1)?.tracestate, 'vendor=1', 'tracestate passed on');
    const server = receiver.spans.find((s) => s.attributes['modelwatch.request_id'] === 'gw-2')!;
    assert.equal(server.parentSpanId, 'b7ad6b7169203331');
    assert.ok(receiver.spans.some((s) => s.kind === SPAN_KIND.client && s.spanId === parentId && s.parentSpanId === server.spanId));
  });

  test('an upstream that cannot be reached: the client span ends in error, the server span has the 502', async () => {
    const down = createServer();
    await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
    const port = (down.address() as AddressInfo).port;
    await new Promise<void>((resolve) => down.close(() => resolve()));
    const tracedGateway = await buildGateway({ upstream: `http://127.0.0.1:${port}`, preset: 'native', timeoutSeconds: 2, prefix: GATEWAY_PREFIX, tracing });
    const at = await tracedGateway.app.listen({ port: 0, host: '127.0.0.1' });
    try {
      assert.equal((await predict(at, { 'x-request-id': 'gw-down' })).status, 502);
      await tracing.flush();
      const server = receiver.spans.find((s) => s.attributes['modelwatch.request_id'] === 'gw-down')!;
      assert.equal(server.attributes['http.response.status_code'], 502);
      assert.equal(server.statusCode, 2);
      const client = receiver.spans.find((s) => s.parentSpanId === server.spanId)!;
      assert.equal(client.kind, SPAN_KIND.client);
      assert.equal(client.statusCode, 2);
      assert.equal(client.attributes['error.type'], 'unreachable');
    } finally {
      await tracedGateway.app.close();
    }
  });
});

describe('gateway with tracing off', () => {
  test('no traceparent added; a caller\'s passed on unchanged; request.traceIds is null', async () => {
    const upstream = await recordingUpstream();
    const gateway = await buildGateway({ upstream: upstream.url, preset: 'native', timeoutSeconds: 5, prefix: GATEWAY_PREFIX });
    const ids: (TraceIds | null)[] = [];
    gateway.app.addHook('onResponse', async (request) => void ids.push(request.traceIds));
    const url = await gateway.app.listen({ port: 0, host: '127.0.0.1' });
    try {
      await predict(url);
      assert.equal(upstream.seen.at(-1)?.traceparent, undefined);
      const given = `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`;
      await predict(url, { traceparent: given });
      assert.equal(upstream.seen.at(-1)?.traceparent, given);
      assert.deepEqual(ids, [null, null]);
    } finally {
      await gateway.app.close();
      upstream.server.close();
    }
  });
});

describe('the OTEL_* variables', () => {
  test('tracing is on only with an endpoint, and off with OTEL_SDK_DISABLED or OTEL_TRACES_EXPORTER=none', () => {
    assert.equal(readTracingSettings({}), undefined);
    assert.equal(readTracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }), undefined);
    assert.equal(readTracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' }), undefined);
    assert.equal(readTracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' })?.tracesUrl, 'http://c:4318/v1/traces');
    assert.equal(readTracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t:9999/traces' })?.tracesUrl, 'http://t:9999/traces', 'the per-signal URL as given');
    assert.deepEqual(
      (({ sampler, ratio }) => ({ sampler, ratio }))(readTracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' })!),
      { sampler: 'parentbased_traceidratio', ratio: 0.25 },
    );
    assert.equal(readTracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })?.sampler, 'parentbased_always_on', 'the specification\'s default');
  });

  test('a value that cannot be used stops the start with the variable named (MW_CONFIG_INVALID)', async () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' };
    for (const [env, variable] of [
      [{ ...endpoint, OTEL_TRACES_SAMPLER: 'sometimes' }, 'OTEL_TRACES_SAMPLER'],
      [{ ...endpoint, OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1.5' }, 'OTEL_TRACES_SAMPLER_ARG'],
      [{ ...endpoint, OTEL_TRACES_EXPORTER: 'zipkin' }, 'OTEL_TRACES_EXPORTER'],
      [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, 'OTEL_EXPORTER_OTLP_ENDPOINT'],
    ] as const) {
      await assert.rejects(createTracing({ serviceName: 'x', env }), (error: unknown) => error instanceof ConfigError && error.code === 'MW_CONFIG_INVALID' && error.message.includes(variable));
    }
  });
});
