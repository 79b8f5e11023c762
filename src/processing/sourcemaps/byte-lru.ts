/**
 * A least-recently-used cache bounded by the bytes its values hold, for parsed source maps and
 * sources: a hot bundle is parsed once and stays, a bundle nobody hits any more makes room.
 */

/** A value that knows (an estimate of) the memory it holds, in bytes. */
export interface Sized {
  readonly bytes: number;
}

/** Map-backed LRU: `get` refreshes an entry, `set` evicts the least recently used ones over `maxBytes`. */
export class ByteLru<V extends Sized> {
  private readonly entries = new Map<string, V>();
  private total = 0;

  /** `maxBytes` ≥ 0; a value larger than it is never kept. */
  constructor(readonly maxBytes: number) {}

  /** The value under `key` (now the most recently used), or `undefined`. */
  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  /** Stores `value` under `key`, replacing any previous one, then evicts down to `maxBytes`. */
  set(key: string, value: V): void {
    this.delete(key);
    if (value.bytes > this.maxBytes) return;
    this.entries.set(key, value);
    this.total += value.bytes;
    for (const [oldest, old] of this.entries) {
      if (this.total <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.total -= old.bytes;
    }
  }

  /** Forgets `key`. */
  delete(key: string): void {
    const old = this.entries.get(key);
    if (old === undefined) return;
    this.entries.delete(key);
    this.total -= old.bytes;
  }

  /** Bytes held by the cached values. */
  get bytes(): number {
    return this.total;
  }

  /** Number of cached values. */
  get size(): number {
    return this.entries.size;
  }
}
