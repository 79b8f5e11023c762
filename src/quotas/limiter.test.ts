/**
 * One suite for both counter backends (in memory and Redis at 127.0.0.1:6379): Relay's fixed
 * window semantics from relay-quotas/src/redis.rs tests and reference/relay-protocol.md §6.4.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { formatRateLimits } from '../protocol/rate-limit-header.js';
import {
  MemoryCounterBackend,
  RateLimiter,
  RedisCounterBackend,
  type CounterBackend,
  type ItemScoping,
  type Quota,
} from './index.js';

const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1 });
afterAll(() => redis.quit());

const item = (over: Partial<ItemScoping> = {}): ItemScoping => ({
  organizationId: 42,
  projectId: 43,
  publicKey: 'a94ae32be2584e0bbd7a4cbb95971fee',
  keyId: 44,
  category: 'error',
  ...over,
});

const quota = (over: Partial<Quota> = {}): Quota => ({
  id: `q-${randomUUID()}`,
  categories: ['error'],
  scope: 'organization',
  limit: 5,
  window: 60,
  reasonCode: 'get_lost',
  ...over,
});

/** A clock at real time plus an offset the test moves forward (Redis expires keys in real time). */
function testClock() {
  let offset = 0;
  return { now: () => Date.now() + offset, advance: (ms: number) => (offset += ms) };
}

const backends: Array<[string, (clock: () => number) => CounterBackend]> = [
  ['memory', (clock) => new MemoryCounterBackend(clock)],
  ['redis', () => new RedisCounterBackend(redis)],
];

describe.each(backends)('%s counters', (_name, makeBackend) => {
  const limiter = (clock = testClock()) => ({
    clock,
    limiter: new RateLimiter(makeBackend(clock.now), clock.now),
  });

  async function admitted(l: RateLimiter, quotas: Quota[], n: number, scoping = item(), quantity = 1) {
    let ok = 0;
    for (let i = 0; i < n; i++)
      if (!(await l.isRateLimited(quotas, scoping, quantity)).isLimited(Date.now())) ok++;
    return ok;
  }

  it('admits the first N of a quota of N, then limits with the quota reason until the window ends', async () => {
    const { limiter: l, clock } = limiter();
    const q = quota();
    expect(await admitted(l, [q], 10)).toBe(5);
    const limits = await l.isRateLimited([q], item(), 1);
    const [limit] = limits.active(clock.now());
    expect(limit).toMatchObject({
      categories: ['error'],
      scope: { scope: 'organization', organizationId: 42 },
      reasonCode: 'get_lost',
    });
    // The window is shifted by org_id % window: it ends at a multiple of 60 plus 42 seconds.
    expect(Math.round(limit!.expiresAt / 1000) % 60).toBe(42);
    expect(limit!.expiresAt - clock.now()).toBeLessThanOrEqual(60_000);
  });

  it('a reject-all quota (limit 0) limits for 60 s without an id or window', async () => {
    const { limiter: l, clock } = limiter();
    const limits = await l.isRateLimited(
      [{ categories: [], scope: 'organization', limit: 0, reasonCode: 'not_yet' }],
      item(),
      1,
    );
    expect(limits.active(clock.now())).toHaveLength(1);
    expect(formatRateLimits(limits.toHeaderEntries(clock.now()))).toBe('60::organization:not_yet');
  });

  it('is all-or-nothing across matching quotas: a rejecting quota leaves the others uncounted', async () => {
    const { limiter: l } = limiter();
    const wide = quota({ limit: 5 });
    const narrow = quota({ limit: 3 });
    expect(await admitted(l, [wide, narrow], 6)).toBe(3);
    // Only the 3 admitted requests counted against `wide`: 2 more fit.
    expect(await admitted(l, [wide], 5)).toBe(2);
  });

  it('counts quantities, checks with quantity 0 and admits the crossing request once with overAcceptOnce', async () => {
    const { limiter: l } = limiter();
    const q = quota({ categories: ['attachment'], limit: 100 });
    const attachment = item({ category: 'attachment' });
    expect((await l.isRateLimited([q], attachment, 60)).isLimited(Date.now())).toBe(false);
    expect((await l.isRateLimited([q], attachment, 60)).isLimited(Date.now())).toBe(true);
    expect((await l.isRateLimited([q], attachment, 0)).isLimited(Date.now())).toBe(false);
    expect((await l.isRateLimited([q], attachment, 60, { overAcceptOnce: true })).isLimited(Date.now())).toBe(
      false,
    );
    expect((await l.isRateLimited([q], attachment, 0)).isLimited(Date.now())).toBe(true);
  });

  it('opens a new window when the old one ends', async () => {
    const { limiter: l, clock } = limiter();
    const q = quota({ limit: 1, window: 3600 });
    expect((await l.isRateLimited([q], item(), 1)).isLimited(clock.now())).toBe(false);
    expect((await l.isRateLimited([q], item(), 1)).isLimited(clock.now())).toBe(true);
    clock.advance(3600_000);
    expect((await l.isRateLimited([q], item(), 1)).isLimited(clock.now())).toBe(false);
  });

  it('matches scope ids and counts each key of a key-scoped quota separately', async () => {
    const { limiter: l } = limiter();
    const projectOnly = quota({ scope: 'project', scopeId: '43', limit: 1 });
    expect(await admitted(l, [projectOnly], 3, item({ projectId: 99 }))).toBe(3);
    expect(await admitted(l, [projectOnly], 3)).toBe(1);
    const perKey = quota({ scope: 'key', limit: 2 });
    expect(await admitted(l, [perKey], 3, item({ keyId: 1 }))).toBe(2);
    expect(await admitted(l, [perKey], 3, item({ keyId: 2 }))).toBe(2);
  });

  it('never limits on unlimited quotas, other categories or quotas it cannot count', async () => {
    const { limiter: l } = limiter();
    expect(await admitted(l, [quota({ limit: null })], 10)).toBe(10);
    expect(await admitted(l, [quota({ limit: 1, categories: ['transaction'] })], 3)).toBe(3);
    expect(await admitted(l, [quota({ limit: 1, id: undefined })], 3)).toBe(3);
    expect(await admitted(l, [quota({ limit: 1, window: undefined })], 3)).toBe(3);
  });
});

describe('Redis counters shared by several nodes', () => {
  it('admits exactly N of concurrent requests from two limiters on one Redis', async () => {
    const other = new Redis({ host: '127.0.0.1', port: 6379 });
    try {
      const q = quota({ limit: 5 });
      const a = new RateLimiter(new RedisCounterBackend(redis));
      const b = new RateLimiter(new RedisCounterBackend(other));
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).isRateLimited([q], item(), 1)),
      );
      expect(results.filter((r) => !r.isLimited(Date.now()))).toHaveLength(5);
    } finally {
      other.disconnect();
    }
  });
});
