/**
 * What protects a model server, and the gateway, from each other: a bound on the calls in flight
 * (beyond it a client gets a 503 at once, instead of a queue growing without limit in memory) and a
 * circuit breaker (after `failureThreshold` calls in a row that got no answer, calls stop for
 * `openSeconds`; then one probe goes through, and its outcome closes or reopens the circuit), so a
 * dead upstream is not hammered and clients learn at once that it is down, with a Retry-After.
 */

/** The circuit's state: closed (calls go through), open (refused), half-open (one probe in flight). */
export type CircuitState = 'closed' | 'open' | 'half_open';

/** Why a call was not let through, for the 503 the client gets. */
export type Refusal = { readonly reason: 'overloaded'; readonly retryAfterSeconds: number } | { readonly reason: 'circuit_open'; readonly retryAfterSeconds: number };

/** Options of {@link UpstreamGuard}. */
export interface UpstreamGuardOptions {
  /** Most calls in flight to the upstream at once. */
  readonly maxInFlight: number;
  /** Failed calls in a row (no answer: unreachable, timeout, reset) that open the circuit; 0 turns the breaker off. */
  readonly failureThreshold: number;
  /** Seconds the circuit stays open before a probe. */
  readonly openSeconds: number;
  /** Clock in ms (tests inject one). */
  readonly now?: () => number;
}

/**
 * The guard of one upstream.
 *
 * @example
 * const guard = new UpstreamGuard({ maxInFlight: 256, failureThreshold: 5, openSeconds: 10 });
 * const refusal = guard.admit(); if (refusal) reply 503; else call, then guard.done(answered);
 */
export class UpstreamGuard {
  inFlight = 0;
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  private state: CircuitState = 'closed';
  private readonly now: () => number;

  constructor(private readonly options: UpstreamGuardOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The circuit's state now (an open circuit past its time reads as half-open). */
  get circuit(): CircuitState {
    if (this.state === 'open' && this.now() - this.openedAt >= this.options.openSeconds * 1000) return 'half_open';
    return this.state;
  }

  /** Lets a call through (and counts it in flight), or says why not. O(1). */
  admit(): Refusal | undefined {
    if (this.inFlight >= this.options.maxInFlight) return { reason: 'overloaded', retryAfterSeconds: 1 };
    const circuit = this.circuit;
    if (circuit === 'open') return { reason: 'circuit_open', retryAfterSeconds: Math.max(1, Math.ceil(this.options.openSeconds - (this.now() - this.openedAt) / 1000)) };
    if (circuit === 'half_open') {
      if (this.probing) return { reason: 'circuit_open', retryAfterSeconds: 1 };
      this.probing = true;
    }
    this.inFlight++;
    return undefined;
  }

  /**
   * Ends an admitted call whose outcome is unknown (the client went away before the upstream
   * answered): it leaves the in-flight count, and a probe may be sent again, but nothing is judged.
   */
  release(): void {
    this.inFlight--;
    this.probing = false;
  }

  /** Records the end of an admitted call: `answered` when the upstream answered (any status). */
  done(answered: boolean): void {
    this.inFlight--;
    if (answered) {
      this.failures = 0;
      this.state = 'closed';
      this.probing = false;
      return;
    }
    this.failures++;
    if (this.probing || (this.options.failureThreshold > 0 && this.failures >= this.options.failureThreshold)) {
      this.state = 'open';
      this.openedAt = this.now();
      this.probing = false;
    }
  }
}
