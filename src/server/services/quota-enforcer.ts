/**
 * Enforces a project's quotas on accepted envelopes in Relay's two places
 * (reference/relay-protocol.md §6.5, §6.6):
 * - at the edge, `checkCached` removes the items that limits already known to this process
 *   cover, plus everything a reject-all quota (limit 0) covers, without counting anything;
 *   when nothing is left the edge answers 429;
 * - in processing, `enforce` counts the remaining items against the quotas (in memory, or in
 *   Redis shared by every Vigil node) and removes what is over quota; each rejection is cached
 *   so the next envelopes are refused at the edge until the window ends.
 * Removed items record `rate_limited` outcomes with the quota's reason code; crash attachments
 * over an attachment quota stay (the crash still becomes an event) but are flagged so their
 * bytes are not stored. A failing counter store (Redis down) admits the items: losing accepted
 * data is worse than a late quota (Relay also lets such envelopes through).
 */
import type { Logger } from 'pino';
import type { DataCategory } from '../../protocol/data-category.js';
import { RATE_LIMITED_HEADER, type AcceptedEnvelope, type RateLimitHeaders } from '../ingest/index.js';
import { formatRateLimits, formatRetryAfter } from '../../protocol/rate-limit-header.js';
import {
  RateLimits,
  REJECT_ALL_SECONDS,
  limitEnvelope,
  limitEnvelopeSync,
  quotaMatches,
  rateLimitFromQuota,
  type CountedQuantities,
  type EnvelopeLimits,
  type ItemScoping,
  type RateLimiter,
} from '../../quotas/index.js';
import type { OutcomeCounter } from './outcome-counter.js';
import { outcomeScoping } from './envelope-processor.js';

/** What the edge check did to an envelope. */
export interface CachedLimitResult {
  /** Limits that removed or flagged items (for `X-Sentry-Rate-Limits`); empty when none applied. */
  limits: RateLimits;
  /** True when every item was removed: the request is answered 429. */
  rejected: boolean;
}

/** Collaborators of {@link QuotaEnforcer}. */
export interface QuotaEnforcerDeps {
  limiter: RateLimiter;
  outcomes: OutcomeCounter;
  logger: Logger;
  /** Clock, ms since the epoch; default `Date.now`. */
  now?: () => number;
}

/** See the module comment. One per process; the cache is shared by all projects (limits carry their scope). */
export class QuotaEnforcer {
  private readonly cached = new RateLimits();
  private lastClean = 0;

  constructor(private readonly deps: QuotaEnforcerDeps) {}

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /**
   * The edge's check: cached limits and reject-all quotas, nothing counted. Removes the limited
   * items from `accepted.envelope` (recording their outcomes) and flags crash attachments.
   */
  checkCached(accepted: AcceptedEnvelope): CachedLimitResult {
    const now = this.now();
    this.cleanCache(now);
    const items = accepted.envelope.items;
    const quotas = accepted.config.quotas;
    if (!this.cached.isLimited(now) && !quotas.some((q) => q.limit === 0)) {
      return { limits: new RateLimits(), rejected: false };
    }
    const result = limitEnvelopeSync(
      items,
      (category) => {
        const scoping = this.itemScoping(accepted, category);
        const limits = this.cached.check(scoping, now);
        for (const quota of quotas) {
          if (quota.limit === 0 && quotaMatches(quota, scoping))
            limits.add(rateLimitFromQuota(quota, scoping, REJECT_ALL_SECONDS, now));
        }
        return limits;
      },
      now,
    );
    const limits = this.apply(accepted, result);
    return { limits, rejected: items.length > 0 && accepted.envelope.items.length === 0 };
  }

  /**
   * {@link checkCached} as the edge answers it: the `X-Sentry-Rate-Limits` and `Retry-After`
   * values of the limits that applied (reference/relay-protocol.md §6.1), or `undefined`.
   */
  edgeRateLimits(accepted: AcceptedEnvelope): RateLimitHeaders | undefined {
    const { limits } = this.checkCached(accepted);
    const now = this.now();
    if (!limits.isLimited(now)) return undefined;
    const entries = limits.toHeaderEntries(now);
    return { rateLimits: formatRateLimits(entries), retryAfter: formatRetryAfter(entries) };
  }

  /**
   * The processing step: counts the envelope's items against its project's quotas and removes
   * what is over quota (see the module comment). Envelopes of projects without counted quotas
   * cost nothing. `counted` gives the quantities left of items processing already cut down
   * (entries dropped by inbound filters or as invalid), which count instead of their own.
   */
  async enforce(accepted: AcceptedEnvelope, counted?: CountedQuantities): Promise<void> {
    const quotas = accepted.config.quotas;
    if (quotas.length === 0 || accepted.envelope.items.length === 0) return;
    const now = this.now();
    let result: EnvelopeLimits;
    try {
      result = await limitEnvelope(
        accepted.envelope.items,
        async (category, quantity) => {
          const scoping = this.itemScoping(accepted, category);
          const known = this.cached.check(scoping, now);
          if (known.isLimited(now)) return known;
          const limits = await this.deps.limiter.isRateLimited(quotas, scoping, quantity);
          this.cached.merge(limits);
          return limits;
        },
        now,
        counted,
      );
    } catch (err) {
      this.deps.logger.error(
        { err, projectId: accepted.projectId },
        'quota counters unavailable; items admitted',
      );
      return;
    }
    this.apply(accepted, result);
  }

  private itemScoping(accepted: AcceptedEnvelope, category: DataCategory): ItemScoping {
    return {
      organizationId: accepted.organizationId,
      projectId: accepted.projectId,
      publicKey: accepted.publicKey,
      keyId: accepted.keyId,
      category,
    };
  }

  /** Removes dropped items, flags crash attachments, records outcomes; returns the limits applied. */
  private apply(accepted: AcceptedEnvelope, result: EnvelopeLimits): RateLimits {
    const limits = new RateLimits();
    for (const applied of result.limits) limits.merge(applied);
    if (result.dropped.length === 0 && result.flagged.length === 0) return limits;
    const scoping = outcomeScoping(accepted);
    for (const { outcomes } of result.dropped) {
      for (const { category, quantity, reason } of outcomes) {
        this.deps.outcomes.record({ outcome: 'rate_limited', reason, category, quantity, scoping });
      }
    }
    const items = accepted.envelope.items;
    for (const { index, reason } of result.flagged)
      items[index]!.headers[RATE_LIMITED_HEADER] = reason ?? true;
    const dropped = new Set(result.dropped.map((d) => d.index));
    accepted.envelope.items = items.filter((_, i) => !dropped.has(i));
    return limits;
  }

  private cleanCache(now: number): void {
    if (now - this.lastClean < 10_000) return;
    this.lastClean = now;
    this.cached.clean(now);
  }
}
