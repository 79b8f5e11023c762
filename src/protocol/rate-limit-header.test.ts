import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { DataCategory } from './data-category.js';
import { DATA_CATEGORIES } from './data-category.js';
import type { RateLimitEntry, RateLimitScope } from './rate-limit-header.js';
import { formatRateLimits, formatRetryAfter, parseRateLimits } from './rate-limit-header.js';

describe('formatRateLimits', () => {
  it('formats the documented examples', () => {
    expect(
      formatRateLimits([
        { retryAfterSeconds: 60, categories: ['transaction'], scope: 'key' },
        { retryAfterSeconds: 2700, categories: ['default', 'error', 'security'], scope: 'organization' },
      ]),
    ).toBe('60:transaction:key, 2700:default;error;security:organization');
    expect(
      formatRateLimits([
        { retryAfterSeconds: 60, categories: [], scope: 'organization' },
        { retryAfterSeconds: 2700, categories: [], scope: 'organization' },
      ]),
    ).toBe('60::organization, 2700::organization');
    expect(
      formatRateLimits([
        {
          retryAfterSeconds: 2700,
          categories: ['metric_bucket'],
          scope: 'organization',
          reasonCode: 'quota_exceeded',
          namespaces: ['custom'],
        },
      ]),
    ).toBe('2700:metric_bucket:organization:quota_exceeded:custom');
  });

  it('writes an empty reason slot when only namespaces are present', () => {
    expect(
      formatRateLimits([
        {
          retryAfterSeconds: 1,
          categories: ['metric_bucket'],
          scope: 'organization',
          namespaces: ['custom', 'spans'],
        },
      ]),
    ).toBe('1:metric_bucket:organization::custom;spans');
  });

  it('writes a reason code without namespaces, and nothing for empty namespaces', () => {
    expect(
      formatRateLimits([
        { retryAfterSeconds: 5, categories: ['error'], scope: 'project', reasonCode: 'r', namespaces: [] },
      ]),
    ).toBe('5:error:project:r');
  });

  it('rounds retry_after up to whole seconds, clamping to 0', () => {
    const format = (seconds: number) =>
      formatRateLimits([{ retryAfterSeconds: seconds, categories: [], scope: 'key' }]);
    expect(format(1.2)).toBe('2::key');
    expect(format(59.0001)).toBe('60::key');
    expect(format(0)).toBe('0::key');
    expect(format(-3)).toBe('0::key');
    expect(format(Number.NaN)).toBe('0::key');
  });

  it('returns an empty string for no entries', () => {
    expect(formatRateLimits([])).toBe('');
  });
});

describe('parseRateLimits', () => {
  it('parses the documented examples', () => {
    expect(parseRateLimits('60:transaction:key, 2700:default;error;security:organization')).toEqual([
      { retryAfterSeconds: 60, categories: ['transaction'], scope: 'key' },
      { retryAfterSeconds: 2700, categories: ['default', 'error', 'security'], scope: 'organization' },
    ]);
    expect(parseRateLimits('2700:metric_bucket:organization:quota_exceeded:custom')).toEqual([
      {
        retryAfterSeconds: 2700,
        categories: ['metric_bucket'],
        scope: 'organization',
        reasonCode: 'quota_exceeded',
        namespaces: ['custom'],
      },
    ]);
    expect(parseRateLimits('1:metric_bucket:organization::custom;;spans')).toEqual([
      {
        retryAfterSeconds: 1,
        categories: ['metric_bucket'],
        scope: 'organization',
        namespaces: ['custom', 'spans'],
      },
    ]);
  });

  it('trims entries and skips empty ones', () => {
    expect(parseRateLimits(' , 60::global ,,\t30:error:project\t')).toEqual([
      { retryAfterSeconds: 60, categories: [], scope: 'global' },
      { retryAfterSeconds: 30, categories: ['error'], scope: 'project' },
    ]);
  });

  it('skips entries whose retry_after does not parse', () => {
    expect(parseRateLimits('abc:error:key, :error:key, 60 :error:key, 0x10::key, 5:error:key')).toEqual([
      { retryAfterSeconds: 5, categories: ['error'], scope: 'key' },
    ]);
  });

  it('reads retry_after as a float, rounded up; negative, NaN, infinite and overflowing become 0', () => {
    const seconds = (text: string) => parseRateLimits(`${text}::key`)[0]?.retryAfterSeconds;
    expect(seconds('1.5')).toBe(2);
    expect(seconds('.5')).toBe(1);
    expect(seconds('5.')).toBe(5);
    expect(seconds('+7')).toBe(7);
    expect(seconds('1e2')).toBe(100);
    expect(seconds('-5')).toBe(0);
    expect(seconds('NaN')).toBe(0);
    expect(seconds('inf')).toBe(0);
    expect(seconds('-Infinity')).toBe(0);
    expect(seconds('1e400')).toBe(0);
    expect(seconds('1e19')).toBe(0);
    expect(seconds('1e15')).toBe(1e15);
  });

  it('maps unknown categories and scopes to unknown', () => {
    expect(parseRateLimits('60:error;bogus;user_report_v2:somewhere')).toEqual([
      { retryAfterSeconds: 60, categories: ['error', 'unknown', 'feedback'], scope: 'unknown' },
    ]);
  });

  it('accepts missing trailing fields and ignores extra ones', () => {
    expect(parseRateLimits('60')).toEqual([{ retryAfterSeconds: 60, categories: [], scope: 'unknown' }]);
    expect(parseRateLimits('60:error:key:reason:custom:extra:more')).toEqual([
      {
        retryAfterSeconds: 60,
        categories: ['error'],
        scope: 'key',
        reasonCode: 'reason',
        namespaces: ['custom'],
      },
    ]);
  });

  it('round-trips formatted entries', () => {
    const categories = Object.keys(DATA_CATEGORIES) as DataCategory[];
    const token = fc.stringMatching(/^[a-z_]{1,12}$/);
    const entry: fc.Arbitrary<RateLimitEntry> = fc.record(
      {
        retryAfterSeconds: fc.nat({ max: 1_000_000 }),
        categories: fc.array(fc.constantFrom(...categories), { maxLength: 4 }),
        scope: fc.constantFrom<RateLimitScope>('organization', 'project', 'key', 'global', 'unknown'),
        reasonCode: token,
        namespaces: fc.array(token, { minLength: 1, maxLength: 3 }),
      },
      { requiredKeys: ['retryAfterSeconds', 'categories', 'scope'] },
    );
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 4 }), (entries) => {
        expect(parseRateLimits(formatRateLimits(entries))).toEqual(entries);
      }),
    );
  });

  it('never throws', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (text) => {
        for (const entry of parseRateLimits(text)) expect(entry.retryAfterSeconds).toBeGreaterThanOrEqual(0);
      }),
    );
  });
});

describe('formatRetryAfter', () => {
  it('is the longest limit, rounded up', () => {
    expect(
      formatRetryAfter([
        { retryAfterSeconds: 30, categories: ['error'], scope: 'key' },
        { retryAfterSeconds: 59.2, categories: [], scope: 'organization' },
        { retryAfterSeconds: 10, categories: ['transaction'], scope: 'project' },
      ]),
    ).toBe('60');
  });

  it('is 0 without limits', () => {
    expect(formatRetryAfter([])).toBe('0');
  });
});
