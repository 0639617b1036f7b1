/**
 * Fixtures of the reference-profile tests: a churn CSV with a model's predictions in it, a model
 * server of our own on node:http that answers a small JSON protocol (and counts what it is sent),
 * and hand-written mapped routes for it and for modelwatch's own POST /predict/batch.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { freePort } from '../../bench/children.js';
import type { Extraction, MappedRoute, Mapping, ObservedOutput, RawRow } from '../../src/gateway/mapping/types.js';
import { createRandom } from '../../src/util/random.js';

/** The churn "model": P(churn) of a row, the same in the CSV's columns and in the test server. */
export function churnProbability(row: { plan?: unknown; support_calls?: unknown; tenure_months?: unknown }): number {
  const risk = (row.plan === 'monthly' ? 1.2 : -0.8) + 0.45 * Number(row.support_calls ?? 0) - 0.03 * Number(row.tenure_months ?? 0);
  return 1 / (1 + Math.exp(-(risk - 0.4)));
}

/**
 * Writes a churn CSV: four features, the label `churned` (churn/stay, noisy), and the model's
 * prediction `predicted` and `p_churn` per row. Returns the rows' P(churn).
 */
export function writeChurnCsv(file: string, rows: number, seed = 5): number[] {
  const rng = createRandom(seed);
  const lines = ['tenure_months,plan,support_calls,monthly_fee,churned,predicted,p_churn'];
  const probabilities: number[] = [];
  for (let i = 0; i < rows; i++) {
    const row = { tenure_months: 1 + rng.int(72), plan: ['monthly', 'yearly', 'two-year'][rng.int(3)], support_calls: rng.int(8) };
    const p = churnProbability(row);
    const fee = Math.round((20 + rng.next() * 80) * 100) / 100;
    const label = p + rng.normal() * 0.2 > 0.5 ? 'churn' : 'stay';
    probabilities.push(Number(p.toFixed(6)));
    lines.push(`${row.tenure_months},${row.plan},${row.support_calls},${fee},${label},${p >= 0.5 ? 'churn' : 'stay'},${p.toFixed(6)}`);
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  return probabilities;
}

/** A model server of our own: POST /score `{"instances": [row]}` → `{"results": [{"class", "p"}]}`. */
export interface ScoringServer {
  readonly url: string;
  /** Every answer given, in order. */
  readonly answered: { class: string; p: number }[];
  /** Requests received, with their row counts. */
  readonly batches: number[];
  close(): Promise<void>;
}

/**
 * Starts the scoring server on a free port. `answer` decides each row's answer (default: the churn
 * model); `status` makes every request fail with that status.
 */
export async function startScoringServer(options: { answer?: (row: RawRow) => { class: string; p: number }; status?: number } = {}): Promise<ScoringServer> {
  const answered: { class: string; p: number }[] = [];
  const batches: number[] = [];
  const answer = options.answer ?? ((row: RawRow) => ({ class: churnProbability(row) >= 0.5 ? 'churn' : 'stay', p: Number(churnProbability(row).toFixed(6)) }));
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      if (options.status) {
        response.writeHead(options.status, { 'content-type': 'text/plain' }).end('model exploded');
        return;
      }
      const instances = (JSON.parse(body) as { instances: RawRow[] }).instances;
      batches.push(instances.length);
      const results = instances.map((row) => answer(row));
      answered.push(...results);
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results }));
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    answered,
    batches,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The scoring server's route: rows as `instances`, each answer's class and P(churn). */
export const scoreRoute: MappedRoute = {
  endpoint: '/score',
  pattern: /^\/score$/,
  method: 'POST',
  extract(request: unknown, response: unknown): Extraction {
    const rows = (request as { instances: RawRow[] }).instances;
    const results = (response as { results?: { class: string; p: number }[] }).results;
    if (!Array.isArray(results)) return { ok: false, reason: 'prediction_not_found', detail: 'no "results"' };
    return { ok: true, observed: { rows, outputs: results.map((r): ObservedOutput => ({ label: r.class, probability: r.p })) } };
  },
  encode: (rows) => ({ path: '/score', body: { instances: rows } }),
};

/** A mapping of the scoring server. */
export const scoreMapping: Mapping = { name: 'score-test', routes: [scoreRoute] };

/** modelwatch's POST /predict/batch, written by hand: `{"rows"}` → `{"predictions": [{prediction, label, confidence, probability}]}`. */
export const nativeBatchRoute: MappedRoute = {
  endpoint: '/predict/batch',
  pattern: /^\/predict\/batch$/,
  method: 'POST',
  extract(request: unknown, response: unknown): Extraction {
    const rows = (request as { rows: RawRow[] }).rows;
    const predictions = (response as { predictions?: { label: string; confidence: number; probability: number }[] }).predictions;
    if (!Array.isArray(predictions)) return { ok: false, reason: 'prediction_not_found', detail: 'no "predictions"' };
    return { ok: true, observed: { rows, outputs: predictions.map((p) => ({ label: p.label, confidence: p.confidence, probability: p.probability })) } };
  },
  encode: (rows) => ({ path: '/predict/batch', body: { rows } }),
};
