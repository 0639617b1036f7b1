/**
 * The fire drill: `POST /admin/drill` makes a share of predict requests fail with a real 503
 * (`MW_DRILL_INJECTED`) and/or adds latency to them, for a limited time, so a team can prove that
 * its alerting works end to end — the errors are real server errors to every metric, so the real
 * alerts fire and the real Alertmanager routes them. `DELETE /admin/drill` ends it early, `GET`
 * shows it. The routes exist only with ADMIN_TOKEN and carry the admin bearer check.
 *
 * On the predict routes the drill adds one onRequest hook; while no drill runs it is a single
 * comparison, so an idle drill costs the hot path nothing measurable. (No onResponse hook: any such
 * hook makes Fastify add two listeners to every response.) Drilled requests are counted
 * (ml_drill_requests_total{effect}) and get an audit line of their own that marks them
 * (`drill.effect`), written when the response closes — 'close', not 'finish', because 'finish' never
 * comes when the client hangs up first (see observability.ts). A drill ends by itself on a timer,
 * so its "ended (expired)" line comes on time even without traffic; closing the app stops the drill
 * and answers the requests it is delaying at once, so a shutdown never waits out a drill's latency.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { Logger } from 'pino';
import { DrillInjectedError, InvalidInputError, type InputProblem } from '../../errors.js';
import type { DrillEffect, DrillMetrics } from '../../monitoring/metrics/drill.js';
import { adminAuthorization } from './admin.js';
import { PREDICT_ROUTES } from './predict.js';
import { whenAnswered } from '../when-answered.js';

/** What a drill does, as POST /admin/drill takes it. */
export interface DrillSettings {
  /** Share of predict requests answered 503 MW_DRILL_INJECTED, 0..1. */
  readonly errorShare: number;
  /** Milliseconds added to every predict request while the drill runs. */
  readonly extraLatencyMs: number;
  /** How long the drill runs before it ends by itself. */
  readonly seconds: number;
}

/** Bounds of the settings: a drill is short and cannot hold a request longer than a client waits. */
export const DRILL_LIMITS = { maxLatencyMs: 10_000, maxSeconds: 3600, defaultSeconds: 300 } as const;

/** How a drill ended. */
export type DrillEnd = 'expired' | 'stopped' | 'replaced';

/** A drill's state as the admin routes report it. */
export interface DrillReport {
  readonly active: boolean;
  readonly error_share: number;
  readonly extra_latency_ms: number;
  readonly seconds: number;
  readonly started_at: string | null;
  readonly ends_at: string | null;
  /** Requests this drill touched so far, by effect. */
  readonly drilled: Readonly<Record<DrillEffect, number>>;
}

/**
 * The drill's state: which requests to fail and delay, decided in O(1) per request. The share is
 * exact, not random: a running credit grows by the share with each request and a request fails
 * whenever the credit reaches 1, so 10 % means every tenth request.
 *
 * @example
 * const drill = new FireDrill();
 * drill.start({ errorShare: 0.1, extraLatencyMs: 0, seconds: 300 });
 * drill.decide(Date.now()); // 'error' on every tenth call, else undefined
 */
export class FireDrill {
  /** When the running drill ends (ms since the epoch); 0 when none runs. The hot path reads only this. */
  endsAtMs = 0;
  private settings: DrillSettings = { errorShare: 0, extraLatencyMs: 0, seconds: 0 };
  private startedAtMs = 0;
  private credit = 0;
  private drilled: Record<DrillEffect, number> = { error: 0, latency: 0 };
  /** Ends the running drill when its time is up, so the end is noticed without a request. */
  private expiry: NodeJS.Timeout | undefined;

  constructor(private readonly onEnd: (end: DrillEnd, report: DrillReport) => void = () => {}, private readonly now: () => number = Date.now) {}

  /** Whether a drill runs now (ends one that has expired). */
  get active(): boolean {
    if (this.endsAtMs === 0) return false;
    if (this.now() < this.endsAtMs) return true;
    this.end('expired');
    return false;
  }

  /** The running drill's settings. */
  get current(): DrillSettings {
    return this.settings;
  }

  /** Starts a drill, replacing one that runs. */
  start(settings: DrillSettings): DrillReport {
    if (this.active) this.end('replaced');
    this.settings = settings;
    this.startedAtMs = this.now();
    this.endsAtMs = this.startedAtMs + settings.seconds * 1000;
    this.credit = 0;
    this.drilled = { error: 0, latency: 0 };
    // unref: a drill alone does not keep the process alive. Cleared whenever the drill ends otherwise.
    this.expiry = setTimeout(() => {
      this.expiry = undefined;
      if (this.endsAtMs !== 0) this.end('expired');
    }, settings.seconds * 1000);
    this.expiry.unref();
    return this.report();
  }

  /** Ends the running drill; false when none ran. */
  stop(): boolean {
    if (!this.active) return false;
    this.end('stopped');
    return true;
  }

  /**
   * What the drill does to the next predict request: 'error' (fail it), 'latency' (only delay it)
   * or undefined (nothing: no drill, or neither applies to this one).
   */
  decide(nowMs: number): DrillEffect | undefined {
    if (nowMs >= this.endsAtMs) {
      if (this.endsAtMs !== 0) this.end('expired');
      return undefined;
    }
    this.credit += this.settings.errorShare;
    if (this.credit >= 1 - 1e-9) {
      this.credit -= 1;
      this.drilled.error++;
      return 'error';
    }
    if (this.settings.extraLatencyMs > 0) {
      this.drilled.latency++;
      return 'latency';
    }
    return undefined;
  }

  /** The state, for the admin routes. */
  report(): DrillReport {
    const active = this.active;
    const iso = (ms: number) => new Date(ms).toISOString();
    return {
      active,
      error_share: this.settings.errorShare,
      extra_latency_ms: this.settings.extraLatencyMs,
      seconds: this.settings.seconds,
      started_at: this.startedAtMs ? iso(this.startedAtMs) : null,
      ends_at: active ? iso(this.endsAtMs) : null,
      drilled: { ...this.drilled },
    };
  }

  private end(end: DrillEnd): void {
    clearTimeout(this.expiry);
    this.expiry = undefined;
    this.endsAtMs = 0;
    this.onEnd(end, this.report());
  }
}

/** Options of {@link fireDrillPlugin}. */
export interface FireDrillOptions {
  /** ADMIN_TOKEN. */
  readonly token: string;
  readonly drill: FireDrill;
  /** Absent when METRICS_ENABLED is false. */
  readonly metrics?: DrillMetrics;
  /** The audit logger; absent when AUDIT_LOG is false. */
  readonly audit?: Logger;
  /** Operational lines: a drill started, ended. */
  readonly log: Logger;
}

/** What the fire drill did to one request, and the settings of the drill that decided it. */
export interface DrilledRequest {
  readonly effect: DrillEffect;
  /** Kept from the moment of the decision: the drill may be replaced or end while the request waits. */
  readonly settings: DrillSettings;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** What the fire drill did to this request, if anything. */
    drill: DrilledRequest | null;
  }
}

const toArray = <T>(hooks: T | T[] | undefined): T[] => (hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks]);

/**
 * Registers the drill's routes and its hooks on the predict routes. Must be registered before the
 * predict routes (the hooks are attached as those routes are added).
 *
 * @example await app.register(fireDrillPlugin, { token: config.ADMIN_TOKEN, drill: new FireDrill(), metrics: metrics.drill, audit: log.audit, log: log.service });
 */
export const fireDrillPlugin = fp<FireDrillOptions>(async (app: FastifyInstance, options) => {
  const { drill, metrics, audit, log } = options;
  app.decorateRequest('drill', null);

  const describe = (settings: DrillSettings) =>
    `${Math.round(settings.errorShare * 1000) / 10} % of predict requests fail, ${settings.extraLatencyMs} ms added, until ${new Date(drill.endsAtMs).toISOString()}`;

  /** The counter and audit line of one drilled request whose answer was sent. */
  const record = (request: FastifyRequest, reply: FastifyReply, drilled: DrilledRequest, durationMs: number) => {
    const { effect, settings } = drilled;
    metrics?.recordDrilledRequest(effect);
    audit?.[effect === 'error' ? 'warn' : 'info'](
      {
        request_id: request.id,
        endpoint: request.routeOptions.url,
        duration: durationMs,
        drill: { effect, error_share: settings.errorShare, extra_latency_ms: settings.extraLatencyMs },
        ...(effect === 'error' ? { error: { code: 'MW_DRILL_INJECTED', type: 'drill', message: 'failure injected by the fire drill' } } : {}),
        http: { response: { status_code: reply.statusCode } },
        event: { action: 'drill', outcome: effect === 'error' ? 'failure' : 'success' },
      },
      effect === 'error' ? 'drilled request failed on purpose' : 'drilled request delayed on purpose',
    );
  };

  // The delays running now, each able to end early: closing the app answers them at once.
  const delays = new Map<NodeJS.Timeout, { readonly reply: FastifyReply; readonly act: () => void }>();

  const onRequest: onRequestHookHandler = (request, reply, done) => {
    // The idle path: one comparison.
    if (drill.endsAtMs === 0) return done();
    const effect = drill.decide(Date.now());
    if (effect === undefined) return done();
    const settings = drill.current;
    const drilled: DrilledRequest = { effect, settings };
    request.drill = drilled;
    // Only a drilled request pays for a listener; a client that left before any answer was made got
    // nothing from the drill and is not recorded.
    whenAnswered(request, reply, log, 'recording a drilled request', (durationMs) => record(request, reply, drilled, durationMs));
    // Built now: after the delay the drill may have ended.
    const failure = effect === 'error' ? new DrillInjectedError(describe(settings)) : undefined;
    const act = () => (failure ? done(failure) : done());
    if (settings.extraLatencyMs <= 0) return act();
    const timer = setTimeout(() => {
      delays.delete(timer);
      act();
    }, settings.extraLatencyMs);
    delays.set(timer, { reply, act });
  };

  app.addHook('onRoute', (route) => {
    const methods = toArray(route.method);
    if (!PREDICT_ROUTES.has(route.url) || !methods.includes('POST')) return;
    route.onRequest = [...toArray(route.onRequest), onRequest];
  });

  // preClose runs before the server stops taking connections and waits for the open requests: a
  // delay of up to DRILL_LIMITS.maxLatencyMs would otherwise outlast SHUTDOWN_TIMEOUT_SECONDS.
  // 'connection: close' because the server's close also waits for a kept-alive connection to go idle
  // and time out (Fastify's keepAliveTimeout, 72 s), and these answers come after it began.
  app.addHook('preClose', (done) => {
    drill.stop();
    for (const [timer, { reply, act }] of delays) {
      clearTimeout(timer);
      reply.header('connection', 'close');
      act();
    }
    delays.clear();
    done();
  });

  const authorize = adminAuthorization(options.token);
  app.post('/admin/drill', { onRequest: authorize }, async (request) => {
    const settings = drillSettingsOf(request.body);
    const report = drill.start(settings);
    log.warn({ event: { action: 'drill_start' }, drill: { error_share: settings.errorShare, extra_latency_ms: settings.extraLatencyMs, seconds: settings.seconds } }, `fire drill started: ${describe(settings)}`);
    return { status: 'started', ...report };
  });
  app.get('/admin/drill', { onRequest: authorize }, async () => drill.report());
  app.delete('/admin/drill', { onRequest: authorize }, async () => {
    const stopped = drill.stop();
    return { status: stopped ? 'stopped' : 'not_running', ...drill.report() };
  });
});

/**
 * A new fire drill whose end (expired, stopped, replaced) is logged.
 *
 * @example const drill = createFireDrill(log.service);
 */
export function createFireDrill(log: Logger): FireDrill {
  return new FireDrill((end, report) => log.warn({ event: { action: 'drill_end', reason: end }, drill: { failed: report.drilled.error, delayed: report.drilled.latency } }, `fire drill ended (${end}): ${report.drilled.error} failed, ${report.drilled.latency} delayed`));
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads and checks the body of POST /admin/drill; every problem is listed (400 MW_INVALID_INPUT).
 *
 * @example drillSettingsOf({ error_share: 0.1 }) // { errorShare: 0.1, extraLatencyMs: 0, seconds: 300 }
 */
export function drillSettingsOf(body: unknown): DrillSettings {
  const wrong = (field: string, expected: string, got: unknown): InputProblem => ({ field, reason: typeof got === 'number' && Number.isFinite(got) ? 'out_of_range' : 'wrong_type', expected, got });
  if (!isObject(body)) throw new InvalidInputError([{ field: '(body)', reason: 'wrong_type', expected: 'an object {"error_share": 0.1, "extra_latency_ms": 0, "seconds": 300}', got: Array.isArray(body) ? 'array' : body === null ? null : typeof body }]);
  const problems: InputProblem[] = [];
  const number = (field: string, fallback: number, min: number, max: number, expected: string): number => {
    const value = body[field];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      problems.push(wrong(field, expected, value));
      return fallback;
    }
    return value;
  };
  const errorShare = number('error_share', 0, 0, 1, 'a share of predict requests to fail, 0..1');
  const extraLatencyMs = number('extra_latency_ms', 0, 0, DRILL_LIMITS.maxLatencyMs, `milliseconds to add to each predict request, 0..${DRILL_LIMITS.maxLatencyMs}`);
  const seconds = number('seconds', DRILL_LIMITS.defaultSeconds, 1, DRILL_LIMITS.maxSeconds, `how long the drill runs, 1..${DRILL_LIMITS.maxSeconds} seconds`);
  for (const field of Object.keys(body)) {
    if (!['error_share', 'extra_latency_ms', 'seconds'].includes(field)) problems.push({ field, reason: 'too_many_fields', expected: 'only error_share, extra_latency_ms and seconds' });
  }
  if (!problems.length && errorShare === 0 && extraLatencyMs === 0) {
    problems.push({ field: 'error_share', reason: 'out_of_range', expected: 'error_share above 0 or extra_latency_ms above 0: a drill that does nothing proves nothing', got: 0 });
  }
  if (problems.length) throw new InvalidInputError(problems);
  return { errorShare, extraLatencyMs, seconds };
}
