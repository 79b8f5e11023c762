import { describe, expect, it } from 'vitest';
import { isValidQuota, parseQuota, quotaMatches, type Quota } from './quota.js';
import { RateLimits, rateLimitFromQuota } from './rate-limits.js';
import { formatRateLimits } from '../protocol/rate-limit-header.js';

const item = {
  organizationId: 1,
  projectId: 2,
  publicKey: 'k'.repeat(32),
  keyId: 3,
  category: 'error' as const,
};

describe('parseQuota (Relay project config JSON)', () => {
  it('defaults to organization scope, all categories and unlimited', () => {
    expect(parseQuota({ id: 'o', window: 42 })).toEqual({
      id: 'o',
      categories: [],
      scope: 'organization',
      limit: null,
      window: 42,
    });
  });
  it('maps unknown categories and scopes to unknown', () => {
    expect(
      parseQuota({ id: 'f', categories: ['future'], scope: 'future', scopeId: 1, limit: 4711, window: 42 }),
    ).toMatchObject({
      categories: ['unknown'],
      scope: 'unknown',
      scopeId: '1',
    });
  });
  it('rejects wrong types with a message', () => {
    expect(parseQuota({ limit: -1 })).toEqual({ error: 'limit must be a non-negative integer' });
    expect(parseQuota({ categories: 'error' })).toEqual({
      error: 'categories must be a list of data category names',
    });
    expect(parseQuota(null)).toEqual({ error: 'a quota must be an object' });
  });
});

describe('isValidQuota (Relay Quota::is_valid)', () => {
  const q = (over: Partial<Quota>): Quota => ({
    categories: [],
    scope: 'organization',
    limit: 10,
    window: 60,
    id: 'x',
    ...over,
  });
  it('accepts reject-all quotas of any categories', () => {
    expect(isValidQuota(q({ limit: 0 }))).toBe(true);
    expect(isValidQuota(q({ limit: 0, categories: ['error', 'attachment'] }))).toBe(true);
  });
  it('rejects quotas of only unknown categories', () => {
    expect(isValidQuota(q({ limit: 0, categories: ['unknown'] }))).toBe(false);
  });
  it('requires one unit for counted quotas', () => {
    expect(isValidQuota(q({ categories: ['error', 'transaction'] }))).toBe(true);
    expect(isValidQuota(q({ categories: ['error', 'attachment'] }))).toBe(false);
    expect(isValidQuota(q({ categories: [] }))).toBe(false);
  });
});

describe('quotaMatches', () => {
  const base: Quota = { categories: ['error'], scope: 'project', limit: 1, window: 60, id: 'p' };
  it('checks categories, numeric scope ids and namespaces', () => {
    expect(quotaMatches(base, item)).toBe(true);
    expect(quotaMatches({ ...base, categories: ['transaction'] }, item)).toBe(false);
    expect(quotaMatches({ ...base, scopeId: '2' }, item)).toBe(true);
    expect(quotaMatches({ ...base, scopeId: '3' }, item)).toBe(false);
    expect(quotaMatches({ ...base, scopeId: 'abc' }, item)).toBe(false);
    expect(quotaMatches({ ...base, scope: 'key', scopeId: '3' }, item)).toBe(true);
    expect(quotaMatches({ ...base, scope: 'key', scopeId: '3' }, { ...item, keyId: undefined })).toBe(false);
    expect(quotaMatches({ ...base, namespace: 'custom' }, item)).toBe(false);
  });
});

describe('RateLimits', () => {
  const now = 1_000_000;
  const quota: Quota = {
    categories: ['error', 'default'],
    scope: 'project',
    limit: 1,
    window: 60,
    id: 'p',
    reasonCode: 'r',
  };
  it('caps retry-after at 300 s and keeps the longer of two limits for one target', () => {
    const limits = new RateLimits([
      rateLimitFromQuota(quota, item, 900, now),
      rateLimitFromQuota(quota, item, 10, now),
    ]);
    expect(formatRateLimits(limits.toHeaderEntries(now))).toBe('300:error;default:project:r');
  });
  it('applies a limit only to its categories and scope instance, until it expires', () => {
    const limits = new RateLimits([rateLimitFromQuota(quota, item, 10, now)]);
    expect(limits.check(item, now).isLimited(now)).toBe(true);
    expect(limits.check({ ...item, category: 'transaction' }, now).isLimited(now)).toBe(false);
    expect(limits.check({ ...item, projectId: 7 }, now).isLimited(now)).toBe(false);
    expect(limits.check(item, now + 10_000).isLimited(now + 10_000)).toBe(false);
    expect(limits.longest(now)).toBe(now + 10_000);
  });
});
