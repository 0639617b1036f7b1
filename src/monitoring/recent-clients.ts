/**
 * Distinct clients seen in the last `windowMs`, exactly, in memory bounded by `maxTracked`.
 *
 * A visit is one Map write (the client's last-seen time, updated in place); expired clients are
 * removed when the count is read (at scrape time, O(tracked)). When `maxTracked` clients are
 * remembered, a new one first triggers that pruning (at most once a second); if the map is still full the new client is
 * not remembered, the count saturates at the cap and `saturated` says so. (A HyperLogLog would
 * estimate beyond the cap; an exact count is more useful for the numbers one model service sees.)
 */
export class RecentClients {
  private readonly lastSeen = new Map<string, number>();
  private dropped = false;
  private lastPrune = -Infinity;

  constructor(
    private readonly windowMs: number,
    private readonly maxTracked: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Records a visit by `client` (a user id or an address; truncated to 128 characters). Anything
   * else — the undefined address of a socket that closed before it was read — is not a client to
   * count, and is ignored rather than thrown on: this runs for every answered request.
   *
   * @example clients.touch(request.headers['x-user-id'] ?? request.ip)
   */
  touch(client: string | undefined): void {
    if (typeof client !== 'string' || client === '') return;
    const key = client.length > 128 ? client.slice(0, 128) : client;
    const now = this.now();
    if (this.lastSeen.size >= this.maxTracked && !this.lastSeen.has(key)) {
      // At most one O(tracked) pass a second, however many new clients knock while the map is full.
      if (now - this.lastPrune >= 1000) this.prune(now);
      if (this.lastSeen.size >= this.maxTracked) {
        this.dropped = true;
        return;
      }
    }
    this.lastSeen.set(key, now);
  }

  /** Number of distinct clients whose last visit is inside the window. */
  count(): number {
    this.prune(this.now());
    return this.lastSeen.size;
  }

  /** True when the cap kept active clients out since the last time the map had room. */
  get saturated(): boolean {
    return this.dropped;
  }

  private prune(now: number): void {
    this.lastPrune = now;
    const oldest = now - this.windowMs;
    for (const [key, seen] of this.lastSeen) if (seen < oldest) this.lastSeen.delete(key);
    if (this.lastSeen.size < this.maxTracked) this.dropped = false;
  }
}
