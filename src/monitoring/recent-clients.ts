/**
 * Distinct clients seen in the last `windowMs`, exactly, in memory bounded by `maxTracked`.
 *
 * A Map keeps insertion order, so deleting and re-inserting a client on every visit keeps the map
 * sorted by last visit: expiry pops from the front in O(expired), a visit is O(1). When more than
 * `maxTracked` clients are active the oldest are forgotten and the count saturates at the cap, which
 * `saturated` reports. (A HyperLogLog would estimate beyond the cap; an exact count is more useful
 * for the small numbers a single model service sees.)
 */
export class RecentClients {
  private readonly lastSeen = new Map<string, number>();
  private dropped = false;

  constructor(
    private readonly windowMs: number,
    private readonly maxTracked: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Records a visit by `client` (a user id or an address; truncated to 128 characters).
   *
   * @example clients.touch(request.headers['x-user-id'] ?? request.ip)
   */
  touch(client: string): void {
    const key = client.length > 128 ? client.slice(0, 128) : client;
    this.lastSeen.delete(key);
    this.lastSeen.set(key, this.now());
    if (this.lastSeen.size > this.maxTracked) {
      this.lastSeen.delete(this.lastSeen.keys().next().value as string);
      this.dropped = true;
    }
  }

  /** Number of distinct clients whose last visit is inside the window. */
  count(): number {
    const oldest = this.now() - this.windowMs;
    for (const [key, seen] of this.lastSeen) {
      if (seen >= oldest) break;
      this.lastSeen.delete(key);
    }
    if (this.lastSeen.size < this.maxTracked) this.dropped = false;
    return this.lastSeen.size;
  }

  /** True when the cap forgot active clients, so `count()` is a lower bound. */
  get saturated(): boolean {
    return this.dropped;
  }
}
