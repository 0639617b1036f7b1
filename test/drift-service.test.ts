import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FEATURES } from '../src/data/schema.js';
import { syntheticRows } from '../src/data/synthetic.js';
import { categoricalBin, numericBin, type FeatureBaseline } from '../src/model/baseline.js';
import { computePsi, PSI_EPSILON } from '../src/monitoring/drift/psi.js';
import { sampleValue, testApp, type TestApp } from './helpers/fixtures.js';

/** Sends rows through /predict/batch (100 at a time) and, if asked, their labels through /feedback/batch. */
async function send(t: TestApp, rows: { features: Record<string, number | string>; y: 0 | 1 }[], prefix: string, withLabels = false) {
  for (let start = 0; start < rows.length; start += 100) {
    const chunk = rows.slice(start, start + 100);
    const id = `${prefix}-${start}`;
    const res = await t.app.inject({ method: 'POST', url: '/predict/batch', payload: { rows: chunk.map((r) => r.features) }, headers: { 'x-request-id': id } });
    assert.equal(res.statusCode, 200);
    if (withLabels) await t.app.inject({ method: 'POST', url: '/feedback/batch', payload: { feedback: chunk.map((r, i) => ({ request_id: `${id}:${i}`, actual: r.y })) } });
  }
}

/** Every sample of one family in Prometheus text, as label maps with values. */
function samples(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    out.push({ labels: Object.fromEntries([...match[2].matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]])), value: Number(match[3]) });
  }
  return out;
}

/**
 * The recording rule's formula, written out here from the exposition alone:
 * Σ_bin (clamp_min(a, ε) − clamp_min(e, ε)) · ln(clamp_min(a, ε) / clamp_min(e, ε)), a = bin count / total.
 */
function psiFromExposition(text: string, family: 'feature' | 'prediction', label: string, name: string): number {
  const counts = samples(text, `ml_${family}_bin_total`).filter((s) => s.labels[label] === name);
  const shares = new Map(samples(text, `ml_${family}_baseline_share`).filter((s) => s.labels[label] === name).map((s) => [s.labels.bin, s.value]));
  const total = counts.reduce((sum, s) => sum + s.value, 0);
  let psi = 0;
  for (const { labels, value } of counts) {
    const a = Math.max(value / total, PSI_EPSILON);
    const e = Math.max(shares.get(labels.bin)!, PSI_EPSILON);
    psi += (a - e) * Math.log(a / e);
  }
  return psi;
}

const binOf = (baseline: FeatureBaseline, value: number | string) =>
  baseline.kind === 'numeric' ? numericBin(baseline, value as number) : categoricalBin(baseline, value as string);

describe('drift in the service', () => {
  test('in-process PSI equals the same formula over the exported counters, and an offline computation', async () => {
    const t = await testApp({ DRIFT_WINDOW_SIZE: '1000', DRIFT_MIN_SAMPLES: '100' });
    const rows = [...syntheticRows({ rows: 600, seed: 5, drift: 0.5 })];
    await send(t, rows, 'psi');
    t.monitor!.tick();
    const text = await t.metrics.registry.metrics();
    const baseline = t.state.current!.baseline;
    for (const feature of FEATURES) {
      const gauge = sampleValue(text, 'ml_feature_drift_psi', { feature: feature.name });
      assert.ok(gauge !== undefined && gauge >= 0, feature.name);
      assert.ok(Math.abs(gauge - psiFromExposition(text, 'feature', 'feature', feature.name)) < 1e-9, `${feature.name}: gauge ${gauge} vs counters`);
      const fb = baseline.features[feature.name];
      const counts = new Array<number>(fb.labels.length).fill(0);
      for (const r of rows) counts[binOf(fb, r.features[feature.name])]++;
      assert.ok(Math.abs(gauge - computePsi(fb.shares, counts)) < 1e-12, `${feature.name}: gauge vs offline binning`);
      const binTotal = samples(text, 'ml_feature_bin_total').filter((s) => s.labels.feature === feature.name).reduce((sum, s) => sum + s.value, 0);
      assert.equal(binTotal, rows.length);
    }
    for (const signal of ['class', 'confidence']) {
      const gauge = sampleValue(text, 'ml_prediction_drift_psi', { signal })!;
      assert.ok(Math.abs(gauge - psiFromExposition(text, 'prediction', 'signal', signal)) < 1e-9, signal);
    }
    assert.equal(sampleValue(text, 'ml_drift_window_predictions'), 600);
    await t.app.close();
  });

  test('PSI is not reported below DRIFT_MIN_SAMPLES', async () => {
    const t = await testApp({ DRIFT_MIN_SAMPLES: '300' });
    await send(t, [...syntheticRows({ rows: 200, seed: 6 })], 'few');
    t.monitor!.tick();
    const text = await t.metrics.registry.metrics();
    assert.equal(sampleValue(text, 'ml_feature_drift_psi', { feature: 'age' }), undefined);
    assert.equal(sampleValue(text, 'ml_model_estimated_accuracy', { model_version: 'v1' }), undefined);
    assert.equal(sampleValue(text, 'ml_drift_window_predictions'), 200);
    await t.app.close();
  });

  test('/status says "warming_up" (PSI null) for every signal below DRIFT_MIN_SAMPLES, and a level from there on', async () => {
    const t = await testApp({ DRIFT_MIN_SAMPLES: '300', DRIFT_WINDOW_SIZE: '1000' });
    type Levels = Record<string, { psi: number | null; level: string; top_moved_bins: unknown[] }>;
    const drift = async () => (await t.app.inject({ method: 'GET', url: '/status' })).json<{ drift: { features: Levels; predictions: Levels } }>().drift;
    const signals = (d: { features: Levels; predictions: Levels }) => [...Object.entries(d.features), ...Object.entries(d.predictions)];
    // Before any prediction and before the first tick, then with 200 of the 300.
    for (const rows of [0, 200]) {
      if (rows) await send(t, [...syntheticRows({ rows, seed: 6 })], 'warm');
      t.monitor!.tick();
      const before = signals(await drift());
      assert.equal(before.length, FEATURES.length + 2);
      for (const [name, signal] of before) assert.deepEqual([name, signal.psi, signal.level, signal.top_moved_bins], [name, null, 'warming_up', []]);
    }
    await send(t, [...syntheticRows({ rows: 200, seed: 7 })], 'warmer');
    t.monitor!.tick();
    for (const [name, signal] of signals(await drift())) {
      assert.equal(typeof signal.psi, 'number', name);
      assert.ok(['ok', 'warning', 'critical'].includes(signal.level), `${name}: ${signal.level}`);
    }
    await t.app.close();
  });

  test('drift crossing 0.2 writes an ERROR audit line, /status shows the moved bins, and recovery writes an INFO line', async () => {
    const t = await testApp({ DRIFT_WINDOW_SIZE: '400', DRIFT_MIN_SAMPLES: '400' });
    await send(t, [...syntheticRows({ rows: 400, seed: 8 })], 'calm');
    t.monitor!.tick();
    await send(t, [...syntheticRows({ rows: 400, seed: 9, drift: 1 })], 'storm');
    t.monitor!.tick();
    const text = await t.metrics.registry.metrics();
    const drifted = FEATURES.filter((f) => sampleValue(text, 'ml_feature_drift_psi', { feature: f.name })! > 0.2).map((f) => f.name);
    assert.ok(drifted.length > 0, 'the late period drifts some feature past 0.2');
    await t.log.drain();
    const critical = t.captured.lines.filter((l) => (l.drift as { level?: string } | undefined)?.level === 'critical');
    assert.deepEqual(new Set(critical.map((l) => (l.drift as { feature: string }).feature).filter(Boolean)), new Set(drifted));
    assert.equal(critical[0].level, 'ERROR');
    assert.equal(critical[0]['event.dataset'], 'ml-pipeline.audit');
    assert.match(String(critical[0].message), /drifted: PSI .* above 0.2 \(critical\)/);
    const status = (await t.app.inject({ method: 'GET', url: '/status' })).json();
    const feature = status.drift.features[drifted[0]];
    assert.ok(feature.psi > 0.2);
    assert.equal(feature.level, 'critical');
    assert.ok(feature.top_moved_bins.length > 0);
    assert.ok(feature.top_moved_bins[0].psi_contribution >= feature.top_moved_bins.at(-1).psi_contribution);
    await send(t, [...syntheticRows({ rows: 400, seed: 10 })], 'calm-again');
    t.monitor!.tick();
    await t.log.drain();
    const recovered = t.captured.lines.filter((l) => String(l.message).includes('recovered'));
    assert.ok(recovered.length >= drifted.length, 'every drifted feature reports its recovery');
    assert.equal(recovered[0].level, 'INFO');
    await t.app.close();
  });

  test('calibration: on a stationary stream the estimated accuracy is within 0.02 of the realized accuracy', async () => {
    const t = await testApp({ DRIFT_WINDOW_SIZE: '5000', QUALITY_WINDOW_SIZE: '5000' });
    await send(t, [...syntheticRows({ rows: 5000, seed: 12 })], 'cal', true);
    t.monitor!.tick();
    const text = await t.metrics.registry.metrics();
    const estimated = sampleValue(text, 'ml_model_estimated_accuracy', { model_version: 'v1' })!;
    const realized = sampleValue(text, 'ml_model_accuracy', { model_version: 'v1', source: 'live' })!;
    assert.ok(Math.abs(estimated - realized) <= 0.02, `estimated ${estimated} vs realized ${realized}`);
    await t.app.close();
  });
});
