/**
 * Quota enforcement with fixed windows (reference/relay-protocol.md §6.4; Relay's
 * `relay-quotas/src/redis.rs` and `is_rate_limited.lua`). The algorithm lives here once; the
 * counters live in a {@link CounterBackend}: in memory for one process (`memory-backend.ts`), or
 * Redis so several Vigil nodes share them (`redis-backend.ts`). Both run the same test suite.
 */
import { quotaMatches, scopeId, type ItemScoping, type Quota } from './quota.js';
import { RateLimits, REJECT_ALL_SECONDS, rateLimitFromQuota } from './rate-limits.js';

/** Seconds counter keys outlive their window, for clock drift between nodes and Redis (Relay's GRACE). */
export const COUNTER_GRACE_SECONDS = 60;

/** One quota's counter for the current window, as a backend sees it. */
export interface CountedQuota {
  /** `quota:<id>{<org id>}<sub-scope id>:<slot>`; `{…}` is a Redis Cluster hash tag (one shard per org). */
  key: string;
  /** `r:<key>`: quantity refunded to the counter. */
  refundKey: string;
  /** The limit, or -1 for an unlimited (counted only) quota. */
  limit: number;
  /** When the counter may be forgotten, seconds since the epoch (window end + grace). */
  keyExpiry: number;
}

/**
 * Where the counters live. `consume` runs atomically over all `quotas`: a quota rejects when
 * `consumed + quantity > limit` (or `consumed >= limit` when `quantity` is 0 or `overAcceptOnce`
 * is set), with `consumed = counter - refund`; if any quota rejects nothing is incremented,
 * otherwise every counter grows by `quantity`. Returns one rejection flag per quota.
 */
export interface CounterBackend {
  consume(quotas: readonly CountedQuota[], quantity: number, overAcceptOnce: boolean): Promise<boolean[]>;
}

/** The fixed window of a counted quota at `nowSeconds`: Relay's org-shifted slots. */
export function quotaWindow(
  quota: Quota & { window: number },
  item: ItemScoping,
  nowSeconds: number,
): { slot: number; expiry: number } {
  const shift = quota.scope === 'global' ? 0 : item.organizationId % quota.window;
  const slot = Math.floor((Math.floor(nowSeconds) - shift) / quota.window);
  return { slot, expiry: (slot + 1) * quota.window + shift };
}

/** The counter key of a quota for an item and slot (see {@link CountedQuota.key}). */
export function counterKey(quota: Quota & { id: string }, item: ItemScoping, slot: number): string {
  if (quota.scope === 'global') return `quota:${quota.id}{global}:${slot}`;
  const sub = quota.scope === 'organization' ? undefined : scopeId(item, quota.scope);
  return `quota:${quota.id}{${item.organizationId}}${sub ?? ''}:${slot}`;
}

/** Options of one check. */
export interface CheckOptions {
  /** Admit the request that crosses the limit once (Relay's `over_accept_once`). Default false. */
  overAcceptOnce?: boolean;
}

/** Checks and consumes quotas; `clock` returns ms since the epoch (injectable for tests). */
export class RateLimiter {
  constructor(
    private readonly backend: CounterBackend,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * Checks `quantity` units of `item.category` against every quota matching `item`, all or
   * nothing (Relay's `is_rate_limited`): a matching reject-all quota (limit 0) limits for
   * {@link REJECT_ALL_SECONDS} without touching counters; quotas without `id` or `window` are
   * skipped; otherwise the backend counts atomically. Returns the rate limits of the rejecting
   * quotas (empty when admitted and counted). `quantity` 0 only checks.
   * @throws what the backend throws (e.g. Redis unreachable).
   */
  async isRateLimited(
    quotas: readonly Quota[],
    item: ItemScoping,
    quantity: number,
    options: CheckOptions = {},
  ): Promise<RateLimits> {
    const now = this.clock();
    const nowSeconds = now / 1000;
    const limits = new RateLimits();
    const tracked: Array<{ quota: Quota; counted: CountedQuota; expiry: number }> = [];
    for (const quota of quotas) {
      if (!quotaMatches(quota, item)) continue;
      if (quota.limit === 0) {
        limits.add(rateLimitFromQuota(quota, item, REJECT_ALL_SECONDS, now));
        continue;
      }
      if (quota.id === undefined || quota.window === undefined || quota.window <= 0) continue;
      const withWindow = quota as Quota & { id: string; window: number };
      const { slot, expiry } = quotaWindow(withWindow, item, nowSeconds);
      const key = counterKey(withWindow, item, slot);
      tracked.push({
        quota,
        expiry,
        counted: {
          key,
          refundKey: `r:${key}`,
          limit: quota.limit ?? -1,
          keyExpiry: expiry + COUNTER_GRACE_SECONDS,
        },
      });
    }
    if (tracked.length === 0 || limits.isLimited(now)) return limits;
    const rejected = await this.backend.consume(
      tracked.map((t) => t.counted),
      quantity,
      options.overAcceptOnce ?? false,
    );
    tracked.forEach((t, i) => {
      if (rejected[i]) limits.add(rateLimitFromQuota(t.quota, item, t.expiry - nowSeconds, now));
    });
    return limits;
  }
}
