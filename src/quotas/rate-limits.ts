/**
 * Active rate limits: what a quota check rejected, until when, and for which scope
 * (reference/relay-protocol.md §6.1, §6.6; Relay's `relay-quotas/src/rate_limit.rs`). Kept in
 * memory per project to drop limited items at the edge before they are processed, and turned
 * into `Retry-After` / `X-Sentry-Rate-Limits`. Times are milliseconds since the epoch.
 */
import type { DataCategory } from '../protocol/data-category.js';
import type { RateLimitEntry } from '../protocol/rate-limit-header.js';
import type { ItemScoping, Quota, Scoping } from './quota.js';

/** Relay's `processing.max_rate_limit`: no reported limit lasts longer than this (seconds). */
export const MAX_RATE_LIMIT_SECONDS = 300;
/** Relay's `REJECT_ALL_SECS`: how long a reject-all quota (limit 0) is reported for (seconds). */
export const REJECT_ALL_SECONDS = 60;

/** The scope instance a rate limit applies to: the exceeded quota's scope with its id. */
export type RateLimitScope =
  | { scope: 'organization'; organizationId: number }
  | { scope: 'project'; projectId: number }
  | { scope: 'key'; publicKey: string }
  | { scope: 'global' };

/** One active rate limit. */
export interface RateLimit {
  /** Limited categories; empty = all. */
  categories: DataCategory[];
  scope: RateLimitScope;
  reasonCode?: string;
  /** Metric namespaces limited (for `metric_bucket`); absent = all. */
  namespaces?: string[];
  /** When the limit ends, ms since the epoch. */
  expiresAt: number;
}

/** The scope instance of `quota` for an item: Relay's `RateLimitScope::for_quota` (unknown → key). */
function scopeFor(quota: Quota, scoping: Scoping): RateLimitScope {
  switch (quota.scope) {
    case 'organization':
      return { scope: 'organization', organizationId: scoping.organizationId };
    case 'project':
      return { scope: 'project', projectId: scoping.projectId };
    case 'global':
      return { scope: 'global' };
    default:
      return { scope: 'key', publicKey: scoping.publicKey };
  }
}

/**
 * The rate limit a rejecting quota produces for `item`, lasting `retryAfterSeconds` from `now`
 * (capped at {@link MAX_RATE_LIMIT_SECONDS}).
 */
export function rateLimitFromQuota(
  quota: Quota,
  item: ItemScoping,
  retryAfterSeconds: number,
  now: number,
): RateLimit {
  const seconds = Math.min(Math.max(0, retryAfterSeconds), MAX_RATE_LIMIT_SECONDS);
  return {
    categories: [...quota.categories],
    scope: scopeFor(quota, item),
    ...(quota.reasonCode !== undefined && { reasonCode: quota.reasonCode }),
    ...(quota.namespace !== undefined && { namespaces: [quota.namespace] }),
    expiresAt: now + seconds * 1000,
  };
}

function scopeMatches(limit: RateLimit, item: ItemScoping): boolean {
  const s = limit.scope;
  switch (s.scope) {
    case 'organization':
      return s.organizationId === item.organizationId;
    case 'project':
      return s.projectId === item.projectId;
    case 'key':
      return s.publicKey === item.publicKey;
    case 'global':
      return true;
  }
}

function sameTarget(a: RateLimit, b: RateLimit): boolean {
  return (
    JSON.stringify([a.categories, a.scope, a.reasonCode ?? null, a.namespaces ?? null]) ===
    JSON.stringify([b.categories, b.scope, b.reasonCode ?? null, b.namespaces ?? null])
  );
}

/**
 * A set of rate limits. Adding a limit for the same categories, scope, reason and namespaces
 * keeps the later expiry (Relay's `RateLimits::add`). Expired limits are ignored by every query
 * and removed by `clean`.
 */
export class RateLimits {
  private limits: RateLimit[] = [];

  constructor(limits: Iterable<RateLimit> = []) {
    for (const limit of limits) this.add(limit);
  }

  /** Adds or extends a limit. */
  add(limit: RateLimit): void {
    const existing = this.limits.find((l) => sameTarget(l, limit));
    if (existing) existing.expiresAt = Math.max(existing.expiresAt, limit.expiresAt);
    else this.limits.push({ ...limit, categories: [...limit.categories] });
  }

  /** Adds every limit of `other`. */
  merge(other: RateLimits): void {
    for (const limit of other.limits) this.add(limit);
  }

  /** Drops limits that ended at or before `now`. */
  clean(now: number): void {
    this.limits = this.limits.filter((l) => l.expiresAt > now);
  }

  /** The active limits, in insertion order. */
  active(now: number): RateLimit[] {
    return this.limits.filter((l) => l.expiresAt > now);
  }

  /** True when at least one limit is active. */
  isLimited(now: number): boolean {
    return this.limits.some((l) => l.expiresAt > now);
  }

  /** The active limits that apply to `item` (category, namespace and scope instance). */
  check(item: ItemScoping, now: number): RateLimits {
    return new RateLimits(
      this.active(now).filter(
        (l) =>
          (l.categories.length === 0 || l.categories.includes(item.category)) &&
          (l.namespaces === undefined ||
            item.namespace === undefined ||
            l.namespaces.includes(item.namespace)) &&
          scopeMatches(l, item),
      ),
    );
  }

  /** The latest expiry among active limits (ms since the epoch), or `undefined`. */
  longest(now: number): number | undefined {
    const active = this.active(now);
    return active.length === 0 ? undefined : Math.max(...active.map((l) => l.expiresAt));
  }

  /** The active limits as `X-Sentry-Rate-Limits` entries (seconds remaining, unrounded). */
  toHeaderEntries(now: number): RateLimitEntry[] {
    return this.active(now).map((l) => ({
      retryAfterSeconds: (l.expiresAt - now) / 1000,
      categories: l.categories,
      scope: l.scope.scope,
      ...(l.reasonCode !== undefined && { reasonCode: l.reasonCode }),
      ...(l.namespaces !== undefined && { namespaces: l.namespaces }),
    }));
  }
}
