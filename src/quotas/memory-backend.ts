/**
 * Quota counters in this process's memory: the embedded default, for a single Vigil node.
 * Same semantics as the Redis script (see `CounterBackend` in limiter.ts); expired counters are
 * swept as windows pass so memory stays bounded by the number of live windows.
 */
import type { CountedQuota, CounterBackend } from './limiter.js';

/** In-memory counters; `clock` returns ms since the epoch. */
export class MemoryCounterBackend implements CounterBackend {
  private readonly counters = new Map<string, { value: number; expiry: number }>();
  private nextSweep = 0;

  constructor(private readonly clock: () => number = Date.now) {}

  private get(key: string, nowSeconds: number): number {
    const c = this.counters.get(key);
    return c && c.expiry > nowSeconds ? c.value : 0;
  }

  consume(quotas: readonly CountedQuota[], quantity: number, overAcceptOnce: boolean): Promise<boolean[]> {
    const nowSeconds = this.clock() / 1000;
    this.sweep(nowSeconds);
    const rejected = quotas.map((q) => {
      if (q.limit < 0) return false;
      const consumed = this.get(q.key, nowSeconds) - this.get(q.refundKey, nowSeconds);
      return quantity === 0 || overAcceptOnce ? consumed >= q.limit : consumed + quantity > q.limit;
    });
    if (!rejected.some(Boolean)) {
      for (const q of quotas) {
        this.counters.set(q.key, { value: this.get(q.key, nowSeconds) + quantity, expiry: q.keyExpiry });
      }
    }
    return Promise.resolve(rejected);
  }

  private sweep(nowSeconds: number): void {
    if (nowSeconds < this.nextSweep) return;
    this.nextSweep = nowSeconds + 60;
    for (const [key, c] of this.counters) if (c.expiry <= nowSeconds) this.counters.delete(key);
  }
}
