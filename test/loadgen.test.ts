/**
 * The load generator against a tiny node:http stand-in for the service: rate, invalid share,
 * replay order, the summary's arithmetic, and an unreachable URL. The stand-in validates rows with
 * the service's own validator, so "malformed" means malformed to the real schema.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Command, CommanderError } from 'commander';
import { registerLoadgenCommand } from '../src/cli/loadgen.js';
import { createRowValidator } from '../src/data/row-validation.js';
import { syntheticRows } from '../src/data/synthetic.js';
import { MALFORMED_KINDS, malformedRequest, runLoad, validRequest, type LoadSummary, type WireRequest } from '../src/loadgen/index.js';

const validate = createRowValidator(8);

/** 200 for a JSON body that is a valid row, 400 for anything else; `delayMs` holds every answer. */
function judge(contentType: string | undefined, body: string): number {
  if (contentType !== 'application/json') return 400;
  try {
    return validate(JSON.parse(body)) === undefined ? 200 : 400;
  } catch {
    return 400;
  }
}

interface StandIn {
  readonly url: string;
  readonly received: { body: string; status: number; requestId: string }[];
  close(): Promise<void>;
}

async function startStandIn(delayMs = 0): Promise<StandIn> {
  const received: { body: string; status: number; requestId: string }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const status = req.method === 'POST' && req.url === '/predict' ? judge(req.headers['content-type'], body) : 404;
      received.push({ body, status, requestId: String(req.headers['x-request-id']) });
      setTimeout(() => res.writeHead(status, { 'content-type': 'application/json' }).end('{"prediction":0}'), delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function assertAddsUp(s: LoadSummary): void {
  assert.equal(s.scheduled, s.sent + s.dropped, 'scheduled = sent + dropped');
  assert.equal(s.sent, s.ok + s.clientErrors + s.serverErrors + s.otherStatus + s.networkErrors, 'sent = every outcome');
}

describe('malformed requests', () => {
  const row = syntheticRows({ seed: 3, rows: 1 }).next().value!.features;
  const judged = (w: WireRequest) => judge(w.contentType, w.body);

  it('a valid request passes the service validator', () => {
    assert.equal(judged(validRequest(row)), 200);
  });

  for (const kind of MALFORMED_KINDS) {
    it(`${kind} is rejected for every field it rotates through`, () => {
      for (let n = 0; n < 8; n++) assert.equal(judged(malformedRequest(kind, row, n)), 400, `${kind} #${n}: ${malformedRequest(kind, row, n).body}`);
    });
  }
});

describe('runLoad', () => {
  let standIn: StandIn;
  let dir: string;
  before(async () => {
    standIn = await startStandIn();
    dir = await mkdtemp(join(tmpdir(), 'loadgen-'));
  });
  after(async () => {
    await standIn.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('holds the target rate, all valid', async () => {
    standIn.received.length = 0;
    const s = await runLoad({ url: standIn.url, rps: 50, durationSeconds: 2 });
    assertAddsUp(s);
    assert.equal(s.scheduled, 100);
    assert.equal(s.ok, 100);
    assert.equal(s.dropped, 0);
    assert.ok(Math.abs(s.achievedRps - 50) <= 5, `achieved ${s.achievedRps} rps`);
    assert.equal(s.endedBy, 'duration');
    assert.ok(s.latencyMs && s.latencyMs.p50 > 0 && s.latencyMs.p50 <= s.latencyMs.p99 && s.latencyMs.p99 <= s.latencyMs.max);
    assert.equal(standIn.received.length, 100);
  });

  it('sends the requested invalid share, every kind, each one rejected', async () => {
    standIn.received.length = 0;
    const s = await runLoad({ url: standIn.url, rps: 200, durationSeconds: 1, invalidShare: 0.3, seed: 5 });
    assertAddsUp(s);
    const malformed = MALFORMED_KINDS.reduce((sum, k) => sum + s.malformed[k], 0);
    assert.ok(Math.abs(malformed / s.sent - 0.3) <= 0.1, `invalid share ${malformed / s.sent}`);
    for (const kind of MALFORMED_KINDS) assert.ok(s.malformed[kind] > 0, `no ${kind} sent`);
    // The stand-in says 400 exactly to the malformed ones: none slipped through, no valid one was hit.
    assert.equal(s.clientErrors, malformed);
    assert.equal(s.ok, s.sent - malformed);
    assert.equal(standIn.received.filter((r) => r.status === 400).length, malformed);
  });

  const header = 'age,job,marital,education,default,balance,housing,loan,contact,day,month,duration,campaign,pdays,previous,poutcome,y';
  const commaRows = [
    '58,management,married,tertiary,no,2143,yes,no,unknown,5,may,261,1,-1,0,unknown,no',
    '44,technician,single,secondary,no,29,yes,no,unknown,5,may,151,1,-1,0,unknown,no',
    '33,entrepreneur,married,secondary,no,2,yes,yes,unknown,5,may,76,1,-1,0,unknown,yes',
    '47,blue-collar,married,unknown,no,1506,yes,no,unknown,5,may,92,1,-1,0,unknown,no',
  ];
  const semicolon = (line: string) => line.split(',').map((v) => (/^-?\d/.test(v) ? v : `"${v}"`)).join(';');
  const ages = [58, 44, 33, 47];

  for (const format of ['comma', 'semicolon-quoted'] as const) {
    it(`replays a ${format} CSV in file order and stops at its end`, async () => {
      const file = join(dir, `${format}.csv`);
      const lines = format === 'comma' ? [header, ...commaRows] : [header, ...commaRows].map(semicolon);
      await writeFile(file, `${lines.join('\n')}\n`);
      standIn.received.length = 0;
      const s = await runLoad({ url: standIn.url, rps: 100, durationSeconds: 5, replay: file });
      assertAddsUp(s);
      assert.equal(s.endedBy, 'end-of-file');
      assert.equal(s.source, 'replay');
      assert.equal(s.sent, 4);
      assert.equal(s.ok, 4);
      // Requests travel on separate connections, so order by the slot in X-Request-Id "<run>-<slot>".
      const slotOf = (id: string) => Number(id.split('-').at(-1));
      const inOrder = [...standIn.received].sort((x, y) => slotOf(x.requestId) - slotOf(y.requestId));
      assert.deepEqual(inOrder.map((r) => slotOf(r.requestId)), [0, 1, 2, 3]);
      const bodies = inOrder.map((r) => JSON.parse(r.body) as Record<string, unknown>);
      assert.deepEqual(bodies.map((b) => b.age), ages);
      assert.equal(bodies[2].job, 'entrepreneur');
      assert.equal(bodies[0].balance, 2143);
    });
  }

  it('a replay file that does not exist fails before sending', async () => {
    standIn.received.length = 0;
    await assert.rejects(runLoad({ url: standIn.url, rps: 10, durationSeconds: 1, replay: join(dir, 'missing.csv') }), /ENOENT/);
    assert.equal(standIn.received.length, 0);
  });

  it('drops what would exceed the in-flight limit instead of slowing down', async () => {
    const slow = await startStandIn(700);
    try {
      const s = await runLoad({ url: slow.url, rps: 40, durationSeconds: 0.5, concurrency: 2 });
      assertAddsUp(s);
      assert.equal(s.scheduled, 20);
      assert.equal(s.sent, 2);
      assert.equal(s.dropped, 18);
      assert.equal(s.ok, 2);
    } finally {
      await slow.close();
    }
  });

  it('counts network errors when nothing listens', async () => {
    const gone = await startStandIn();
    await gone.close();
    const s = await runLoad({ url: gone.url, rps: 20, durationSeconds: 0.5 });
    assertAddsUp(s);
    assert.equal(s.networkErrors, s.sent);
    assert.ok(s.sent >= 9);
    assert.equal(s.latencyMs, null);
    assert.match(s.firstNetworkError ?? '', /ECONNREFUSED/);
  });

  it('rejects impossible options', async () => {
    await assert.rejects(runLoad({ url: 'ftp://127.0.0.1', rps: 1, durationSeconds: 1 }), RangeError);
    await assert.rejects(runLoad({ url: standIn.url, rps: 0, durationSeconds: 1 }), RangeError);
    await assert.rejects(runLoad({ url: standIn.url, rps: 1, durationSeconds: 1, invalidShare: 1.5 }), RangeError);
  });
});

describe('modelwatch loadgen options', () => {
  const parse = async (...args: string[]) => {
    const program = new Command('modelwatch').exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
    registerLoadgenCommand(program);
    for (const command of program.commands) command.exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
    await program.parseAsync(['loadgen', ...args], { from: 'user' });
  };
  const invalid = (error: unknown) => error instanceof CommanderError && error.code === 'commander.invalidArgument';

  for (const args of [['--rps', '0'], ['--duration', 'x'], ['--invalid-share', '1.5'], ['--concurrency', '2.5'], ['--seed', '-1'], ['--url', 'ftp://127.0.0.1']]) {
    it(`rejects ${args.join(' ')} as a usage error`, async () => {
      await assert.rejects(parse(...args), invalid);
    });
  }
});
