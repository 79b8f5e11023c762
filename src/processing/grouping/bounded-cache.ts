/**
 * A size-bounded memo for the grouping hot path: real traffic repeats the same frames, rule
 * sets and messages endlessly, so remembering derived values pays off, but memory must stay
 * bounded. When the cache is full it is emptied at once (cheaper than LRU bookkeeping and good
 * enough when the working set fits; a working set larger than the bound just recomputes).
 */

/** A `Map` that clears itself when inserting would exceed `maxEntries` entries. */
export class BoundedCache<K, V> {
  private readonly entries = new Map<K, V>();

  /** `maxEntries` must be at least 1. */
  constructor(readonly maxEntries: number) {}

  /** The remembered value, or `undefined`. */
  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  /** Remembers `value` (emptying the cache first when it is full) and returns it. */
  set(key: K, value: V): V {
    if (this.entries.size >= this.maxEntries && !this.entries.has(key)) this.entries.clear();
    this.entries.set(key, value);
    return value;
  }

  /** Number of remembered entries (at most `maxEntries`). */
  get size(): number {
    return this.entries.size;
  }

  /** Forgets everything. */
  clear(): void {
    this.entries.clear();
  }
}

/** One level of a {@link BoundedTupleCache}: child levels, or values at the last level. */
type TupleLevel<V> = Map<string | undefined, TupleLevel<V> | V>;

/**
 * A bounded cache keyed by a fixed-length tuple of strings (or `undefined`), stored as nested
 * maps: looking up a tuple hashes each part (JavaScript engines cache a string's hash), instead
 * of allocating and hashing one long joined key. Emptied at once when it holds `maxEntries`.
 * Values must not be `undefined` (that reads as absent).
 */
export class BoundedTupleCache<V> {
  private root: TupleLevel<V> = new Map();
  private entries = 0;

  /** `maxEntries` must be at least 1; every key passed later must have `keyLength` parts. */
  constructor(
    readonly keyLength: number,
    readonly maxEntries: number,
  ) {}

  /** The value for `key`, computing (and remembering) it with `create` when absent. */
  get(key: readonly (string | undefined)[], create: () => V): V {
    let level = this.root;
    const last = this.keyLength - 1;
    for (let i = 0; i < last; i++) {
      let next = level.get(key[i]) as TupleLevel<V> | undefined;
      if (next === undefined) {
        next = new Map();
        level.set(key[i], next);
      }
      level = next;
    }
    const found = level.get(key[last]) as V | undefined;
    if (found !== undefined) return found;
    const value = create();
    if (this.entries >= this.maxEntries) {
      this.root = new Map();
      this.entries = 0;
      return this.get(key, () => value);
    }
    this.entries++;
    level.set(key[last], value);
    return value;
  }

  /** Number of remembered values (at most `maxEntries`). */
  get size(): number {
    return this.entries;
  }
}
