/**
 * An index from request id to ring slot held entirely in typed arrays: each id is reduced to a
 * 64-bit hash (two 32-bit multiply-xor lanes, cyrb53's construction) kept per slot, and an
 * open-addressing table with linear probing maps the hash to its slot.
 *
 * Why not a `Map<string, number>`: profiled in the service, a Map of 100,000 request ids cost
 * more than all of drift — each id string, new with every request, survives into the old
 * generation because the Map holds it, so the garbage collector copies and promotes one string per
 * prediction, and the Map's own table churns. Here nothing per request reaches the heap, and an
 * entry costs 8 bytes of hash plus 16 of table (at most half full), against ~90 bytes for a Map
 * entry and its UUID string.
 *
 * The price is that two different ids with the same 64-bit hash are one id to the store: with a
 * million ids held the chance that any two collide is about 3 in 100 million, and the effect
 * would be one label joined to the wrong prediction.
 */

/** An index over `capacity` slots. */
export class IdIndex {
  /** Hash lanes of the id held in each slot (read in ring order on eviction: sequential). */
  private readonly laneA: Uint32Array;
  private readonly laneB: Uint32Array;
  /**
   * Open-addressing table of pairs: [slot + 1 (0 = empty), lane A of its hash]. Keeping lane A
   * beside the slot means a probe compares hashes on the cache line it already read, instead of
   * one more random read per probed entry.
   */
  private readonly table: Int32Array;
  private readonly mask: number;
  // The last id hashed and its hash, as two lanes (fields rather than a returned pair: no
  // allocation); `remember` looks an id up and then inserts it, and hashes it once.
  private lastId: string | undefined;
  private a = 0;
  private b = 0;

  /**
   * @example const index = new IdIndex(100_000); index.insert('req-1', 0); index.find('req-1') // 0
   */
  constructor(capacity: number) {
    this.laneA = new Uint32Array(capacity);
    this.laneB = new Uint32Array(capacity);
    let size = 2;
    while (size < capacity * 2) size *= 2;
    this.table = new Int32Array(size * 2);
    this.mask = size - 1;
  }

  /** The slot holding `id`, or -1. */
  find(id: string): number {
    this.hash(id);
    const position = this.positionOf(this.a, this.b);
    return position < 0 ? -1 : this.table[position * 2] - 1;
  }

  /** Records that `slot` holds `id`; the caller has made sure `id` is not held elsewhere. */
  insert(id: string, slot: number): void {
    this.hash(id);
    this.laneA[slot] = this.a;
    this.laneB[slot] = this.b;
    let position = this.a & this.mask;
    while (this.table[position * 2] !== 0) position = (position + 1) & this.mask;
    this.table[position * 2] = slot + 1;
    this.table[position * 2 + 1] = this.a | 0;
  }

  /** Forgets the id held in `slot` (which must hold one). */
  remove(slot: number): void {
    const position = this.positionOf(this.laneA[slot], this.laneB[slot]);
    if (position >= 0) this.deleteAt(position);
  }

  private hash(id: string): void {
    if (id === this.lastId) return;
    this.lastId = id;
    let h1 = 0xdeadbeef ^ id.length;
    let h2 = 0x41c6ce57 ^ id.length;
    for (let i = 0; i < id.length; i++) {
      const c = id.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 2654435761);
      h2 = Math.imul(h2 ^ c, 1597334677);
    }
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    this.a = h1 >>> 0;
    this.b = h2 >>> 0;
  }

  private positionOf(a: number, b: number): number {
    const { table, mask } = this;
    const signedA = a | 0;
    for (let position = a & mask; ; position = (position + 1) & mask) {
      const entry = table[position * 2];
      if (entry === 0) return -1;
      if (table[position * 2 + 1] === signedA && this.laneB[entry - 1] === b) return position;
    }
  }

  /** Linear-probing deletion by backward shift (no tombstones, so probes stay short forever). */
  private deleteAt(hole: number): void {
    const { table, mask } = this;
    table[hole * 2] = 0;
    for (let next = (hole + 1) & mask; table[next * 2] !== 0; next = (next + 1) & mask) {
      const home = table[next * 2 + 1] & mask;
      // The entry at `next` may move back into the hole unless its home lies cyclically in (hole, next].
      const stays = hole <= next ? home > hole && home <= next : home > hole || home <= next;
      if (stays) continue;
      table[hole * 2] = table[next * 2];
      table[hole * 2 + 1] = table[next * 2 + 1];
      table[next * 2] = 0;
      hole = next;
    }
  }
}
