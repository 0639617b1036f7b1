/**
 * Drives one server with autocannon (closed loop: each connection sends its next request as soon as
 * the previous answer arrives, which finds the server's throughput). Latencies are recorded here in
 * microseconds, because autocannon's own histogram keeps whole milliseconds and p50 on loopback is
 * well under one.
 */
import autocannon from 'autocannon';
import { build, type Histogram } from 'hdr-histogram-js';
import type { ServerChild } from './children.js';

/** What one measurement gives. */
/** The seed's curl body (000_a6e68bdc8b3a3add.txt), byte for byte in content: what every benchmark sends. */
export const SEED_BODY = JSON.stringify({ age: 30, job: 'admin', marital: 'single', education: 'secondary', housing: 'yes', loan: 'no', duration: 200, campaign: 2 });

export interface Measurement {
  /** 2xx answers per second. */
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly answers: number;
  /** Answers that were not 2xx, plus connection errors and timeouts: should be 0. */
  readonly failures: number;
  readonly seconds: number;
}

/** Options of {@link drive}. */
export interface DriveOptions {
  readonly connections: number;
  readonly seconds: number;
  readonly path: string;
  readonly body: string;
  /** Records latencies here too, so slices of one server's measurement add up (default: a fresh one). */
  readonly latency?: Histogram;
}

/**
 * An empty latency histogram in microseconds, from 1 µs to 60 s at 3 significant digits.
 *
 * @example const latency = latencyHistogram(); await drive(url, { ...load, latency });
 */
export function latencyHistogram(): Histogram {
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
}

/**
 * Sends POST `path` with `body` over `connections` keep-alive connections for `seconds`.
 *
 * @example const m = await drive('http://127.0.0.1:5001', { connections: 16, seconds: 10, path: '/predict', body });
 */
export function drive(url: string, options: DriveOptions): Promise<Measurement> {
  const latency = options.latency ?? latencyHistogram();
  const before = latency.totalCount;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${url}${options.path}`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: options.body,
        connections: options.connections,
        pipelining: 1,
        duration: options.seconds,
        timeout: 10,
      },
      (error: unknown, result: autocannon.Result) => {
        if (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        const ok = result['2xx'];
        resolve({
          rps: ok / result.duration,
          p50Ms: latency.getValueAtPercentile(50) / 1000,
          p99Ms: latency.getValueAtPercentile(99) / 1000,
          answers: latency.totalCount - before,
          failures: result.non2xx + result.errors,
          seconds: result.duration,
        });
      },
    );
    instance.on('response', (_client, _status, _bytes, responseTimeMs) => {
      latency.recordValue(Math.max(1, Math.round(responseTimeMs * 1000)));
    });
  });
}

/** What {@link driveInTurns} reports after each turn. */
export interface Turn {
  /** Which server, as an index into the list given. */
  readonly index: number;
  readonly measurement: Measurement;
  /** The server's CPU time during the turn, in seconds. */
  readonly cpuSeconds: number;
}

/**
 * Drives several servers in turns (0, 1, 2, then 1, 2, 0, ...), so that a spell in which a shared
 * machine runs slower falls on all of them alike. `secondsOf(turn)` is how long each server is driven
 * in round `turn` of the turns; `latencyOf(index)` gives a server's histogram to add its latencies to.
 *
 * @example await driveInTurns(servers, 10, () => 1, load, (i) => histograms[i], ({ index, measurement }) => ...);
 */
export async function driveInTurns(
  servers: readonly Pick<ServerChild, 'url' | 'cpuSeconds'>[],
  turns: number,
  secondsOf: (turn: number) => number,
  load: Omit<DriveOptions, 'seconds' | 'latency'>,
  latencyOf: (index: number) => Histogram | undefined,
  onTurn: (turn: Turn) => void,
): Promise<void> {
  for (let turn = 0; turn < turns; turn++) {
    for (let i = 0; i < servers.length; i++) {
      const index = (i + turn) % servers.length;
      const server = servers[index];
      const before = server.cpuSeconds();
      const measurement = await drive(server.url, { ...load, seconds: secondsOf(turn), latency: latencyOf(index) });
      onTurn({ index, measurement, cpuSeconds: server.cpuSeconds() - before });
    }
  }
}
