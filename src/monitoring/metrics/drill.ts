/**
 * The fire-drill family: ml_drill_requests_total{effect} counts the predict requests a fire drill
 * (POST /admin/drill) touched, and ml_drill_active says whether one is running. A drill makes real
 * server errors and real latency, which every other metric counts as it would a real incident, so
 * alerts fire for real; these two series are how a dashboard or a post-mortem tells the drill apart.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * What a drill did to a request: the bounded `effect` label.
 *
 * - `error`: answered 503 `MW_DRILL_INJECTED` instead of a prediction (whether or not also delayed);
 * - `latency`: delayed by the drill's extra latency, then answered normally.
 */
export const DRILL_EFFECTS = ['error', 'latency'] as const;
export type DrillEffect = (typeof DRILL_EFFECTS)[number];

/** Recorders of the family. */
export interface DrillMetrics {
  /** Counts one drilled request. */
  recordDrilledRequest(effect: DrillEffect): void;
  /** Where ml_drill_active reads whether a drill runs (the app's fire drill, once it exists). */
  watchDrill(isActive: () => boolean): void;
}

/**
 * Registers the family; every effect is pre-set to 0 so `increase()` sees the first drilled request.
 * Whether a drill runs is read at scrape time from the function given to `watchDrill` (0 before).
 *
 * @example const drill = createDrillMetrics(registry); drill.watchDrill(() => fireDrill.active); drill.recordDrilledRequest('error');
 */
export function createDrillMetrics(registry: Registry): DrillMetrics {
  let isActive = () => false;
  const requests = new Counter({
    name: 'ml_drill_requests_total',
    help: 'Predict requests a fire drill (POST /admin/drill) failed on purpose (effect="error") or only delayed (effect="latency").',
    labelNames: ['effect'] as const,
    registers: [registry],
  });
  const children = Object.fromEntries(DRILL_EFFECTS.map((effect) => [effect, requests.labels({ effect })])) as Record<DrillEffect, ReturnType<typeof requests.labels>>;
  for (const child of Object.values(children)) child.inc(0);
  new Gauge({
    name: 'ml_drill_active',
    help: 'Whether a fire drill is running on this process: 1 while POST /admin/drill is in effect, else 0.',
    registers: [registry],
    collect() {
      this.set(isActive() ? 1 : 0);
    },
  });
  return {
    recordDrilledRequest: (effect) => children[effect].inc(),
    watchDrill: (supplier) => {
      isActive = supplier;
    },
  };
}
