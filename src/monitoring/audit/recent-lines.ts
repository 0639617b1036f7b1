/**
 * The console's window onto the log: the last N lines exactly as they were written. The log sink
 * hands it each batch it writes (line-sink.ts) — the bytes already made for the destinations — and
 * the batch is copied into one buffer allocated at start and used as a ring: per batch of up to
 * ~150 lines that is one memcpy and three typed-array stores, nothing per line or per request, and
 * nothing left for the garbage collector (keeping the lines' strings, or the batches' buffers,
 * measured several µs per request: they outlived the young generation). Lines are decoded and
 * parsed only when the console asks, and filters are looked for in the raw bytes first, so a batch
 * without the request id (or level, endpoint, class, trace id) asked for is never decoded.
 */
import type { BatchKeeper } from './line-sink.js';

/** Bytes reserved per line of capacity (audit lines are ~0.5 kB; a window of longer lines holds fewer). */
export const BYTES_PER_LINE = 1024;
/** Smallest buffer: room for a few whole batches of the sink (64 KiB each). */
const MIN_BYTES = 256 * 1024;

/** What GET /api/logs filters on; every given field must match. */
export interface LogFilter {
  /** The upper-case `level` (INFO, WARNING, ERROR, CRITICAL), any case. */
  readonly level?: string;
  readonly requestId?: string;
  readonly prediction?: 0 | 1;
  /** Lines with a confidence strictly below this. */
  readonly confidenceBelow?: number;
  readonly endpoint?: string;
  /** The ECS `trace.id` (32 hex digits): every line of one traced request. */
  readonly traceId?: string;
}

/** The answer of {@link RecentLines.query}. */
export interface LogQueryResult {
  /** Lines in the window (at most the capacity). */
  readonly held: number;
  /** Lines in the window that match. */
  readonly matched: number;
  /** The newest `limit` of them, parsed, newest first. */
  readonly lines: Record<string, unknown>[];
}

/**
 * A window of the most recent log lines, kept as written batches in a ring of bytes.
 *
 * @example
 * const recent = new RecentLines(2000);
 * recent.keep(Buffer.from('{"level":"INFO","message":"prediction"}\n'), 1);
 * recent.query({ level: 'info' }, 100).lines; // [{ level: 'INFO', message: 'prediction' }]
 */
export class RecentLines implements BatchKeeper {
  private readonly ring: Buffer;
  /** Where the next batch goes. */
  private next = 0;
  // One record per batch held, oldest first from `head`: where it starts, its bytes and lines.
  private readonly starts: Uint32Array;
  private readonly lengths: Uint32Array;
  private readonly lineCounts: Uint32Array;
  private head = 0;
  private count = 0;
  private total = 0;
  private pending: () => string = () => '';
  private readonly beforeRead: (() => void)[] = [];

  constructor(
    readonly capacity: number,
    bytes = Math.max(capacity * BYTES_PER_LINE, MIN_BYTES),
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.ring = Buffer.allocUnsafeSlow(bytes);
    // A batch holds at least one line, and batches are dropped once the newer ones hold `capacity`.
    this.starts = new Uint32Array(capacity + 2);
    this.lengths = new Uint32Array(capacity + 2);
    this.lineCounts = new Uint32Array(capacity + 2);
  }

  /** Lines held now (at most the capacity; the lines not handed over yet not counted). */
  get size(): number {
    return Math.min(this.total, this.capacity);
  }

  /** Keeps a copy of a written batch, dropping the oldest batches it overwrites or no longer needs. */
  keep(batch: Buffer, writes: number): void {
    const n = batch.length;
    const lines = Math.max(1, writes);
    if (n === 0 || n > this.ring.length) return;
    let at = this.next;
    const wrapped = at + n > this.ring.length;
    if (wrapped) at = 0;
    // Ring order: the oldest batches lie just after `next` (the tail left unused when wrapping
    // holds the very oldest), so what the copy overwrites is always dropped from the oldest end.
    while (this.count > 0) {
      const start = this.starts[this.head];
      const inTail = wrapped && start >= this.next;
      const overlaps = start < at + n && at < start + this.lengths[this.head];
      if (!inTail && !overlaps) break;
      this.dropOldest();
    }
    while (this.count > 0 && this.total - this.lineCounts[this.head] >= this.capacity) this.dropOldest();
    batch.copy(this.ring, at);
    const slot = (this.head + this.count) % this.starts.length;
    this.starts[slot] = at;
    this.lengths[slot] = n;
    this.lineCounts[slot] = lines;
    this.count++;
    this.total += lines;
    this.next = at + n;
  }

  private dropOldest(): void {
    this.total -= this.lineCounts[this.head];
    this.head = (this.head + 1) % this.starts.length;
    this.count--;
  }

  /** Where the newest lines, accepted but not yet written, are read from (the sink's pending text). */
  readPendingFrom(pending: () => string): void {
    this.pending = pending;
  }

  /** Runs `hook` before every query (recording deferred to a batch writes its lines first). */
  beforeQuery(hook: () => void): void {
    this.beforeRead.push(hook);
  }

  /**
   * The lines that match `filter`, newest first: how many matched, and the first `limit` of them
   * parsed. Without filters only the returned lines are parsed. A line that is not JSON is skipped.
   */
  query(filter: LogFilter, limit: number): LogQueryResult {
    for (const hook of this.beforeRead) hook();
    const level = filter.level?.toUpperCase();
    // Ids, levels, endpoints and classes are written unescaped (see app.ts and prediction-line.ts),
    // so a line that matches contains each of these texts.
    const needles = [
      filter.requestId === undefined ? undefined : `"request_id":${JSON.stringify(filter.requestId)}`,
      level === undefined ? undefined : `"level":"${level}"`,
      filter.endpoint === undefined ? undefined : `"endpoint":${JSON.stringify(filter.endpoint)}`,
      filter.prediction === undefined ? undefined : `"prediction":${filter.prediction}`,
      filter.traceId === undefined ? undefined : `"trace":{"id":${JSON.stringify(filter.traceId)}}`,
    ].filter((n): n is string => n !== undefined);
    const filtered = needles.length > 0 || filter.confidenceBelow !== undefined;
    const lines: Record<string, unknown>[] = [];
    let budget = this.capacity;
    let matched = 0;
    const scan = (text: string) => {
      for (const line of newestLinesFirst(text)) {
        if (budget <= 0) return;
        budget--;
        if (!filtered && lines.length >= limit) {
          matched++;
          continue;
        }
        if (!needles.every((needle) => line.includes(needle))) continue;
        const parsed = parse(line);
        if (!parsed || !matches(parsed, filter, level)) continue;
        matched++;
        if (lines.length < limit) lines.push(parsed);
      }
    };
    scan(this.pending());
    for (let k = this.count - 1; k >= 0 && budget > 0; k--) {
      const slot = (this.head + k) % this.starts.length;
      const batchLines = this.lineCounts[slot];
      if (!filtered && lines.length >= limit) {
        // Only counting from here on: no need to decode.
        matched += Math.min(batchLines, budget);
        budget -= batchLines;
        continue;
      }
      const bytes = this.ring.subarray(this.starts[slot], this.starts[slot] + this.lengths[slot]);
      if (!needles.every((needle) => bytes.includes(needle))) {
        budget -= batchLines;
        continue;
      }
      scan(bytes.toString('utf8'));
    }
    return { held: this.capacity - Math.max(0, budget), matched, lines };
  }
}

/** The lines of a text of complete lines, last first. */
function newestLinesFirst(text: string): string[] {
  if (text === '') return [];
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  return body.split('\n').reverse();
}

function parse(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function matches(line: Record<string, unknown>, filter: LogFilter, level: string | undefined): boolean {
  if (level !== undefined && line.level !== level) return false;
  if (filter.requestId !== undefined && line.request_id !== filter.requestId) return false;
  if (filter.prediction !== undefined && line.prediction !== filter.prediction) return false;
  if (filter.confidenceBelow !== undefined && !(typeof line.confidence === 'number' && line.confidence < filter.confidenceBelow)) return false;
  if (filter.endpoint !== undefined && line.endpoint !== filter.endpoint) return false;
  if (filter.traceId !== undefined && (line.trace as { id?: unknown } | undefined)?.id !== filter.traceId) return false;
  return true;
}
