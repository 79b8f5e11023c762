import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../protocol/json.js';
import { EventMeta } from './meta.js';
import { trimString } from './trimming.js';
import { normalizeOk } from './test-helpers.js';

function nested(depth: number): JsonObject | string {
  if (depth === 0) return 'max depth';
  return { [`key${depth}`]: nested(depth - 1) };
}

describe('trimming (trimming.rs, §8.7)', () => {
  it('cuts strings with "..." and a !limit remark (test_string_trimming)', () => {
    const holder: JsonObject = {};
    const meta = new EventMeta(holder);
    expect(
      trimString('This is my long string I want to have trimmed!', { limit: 20, allowance: 0 }, ['x'], meta),
    ).toBe('This is my long s...');
    expect(holder._meta).toEqual({ x: { '': { rem: [['!limit', 's', 17, 20]], len: 46 } } });
  });

  it('trims the culprit to 200 characters (test_basic_trimming)', () => {
    const out = normalizeOk({ culprit: 'x'.repeat(300) });
    expect(out.culprit).toBe(`${'x'.repeat(197)}...`);
    expect(out._meta?.culprit).toEqual({ '': { rem: [['!limit', 's', 197, 200]], len: 300 } });
  });

  it('allows messages up to 8192 + 200 characters, then cuts to 8192', () => {
    expect(normalizeOk({ logentry: { formatted: 'a'.repeat(8392) } }).logentry?.formatted).toHaveLength(8392);
    const out = normalizeOk({ logentry: { formatted: 'a'.repeat(8393) } });
    expect(out.logentry?.formatted).toBe(`${'a'.repeat(8189)}...`);
    expect(out._meta?.logentry).toEqual({
      formatted: { '': { rem: [['!limit', 's', 8189, 8192]], len: 8393 } },
    });
  });

  it('stringifies extra data beyond depth 7 (test_databag_stripping)', () => {
    const out = normalizeOk({ extra: { key_1: 'value 1', key_2: nested(8), key_3: nested(5) } });
    expect(out.extra).toEqual({
      key_1: 'value 1',
      key_2: { key8: { key7: { key6: { key5: { key4: '{"key3":{"key2":{"key1":"max depth"}}}' } } } } },
      key_3: { key5: { key4: { key3: { key2: { key1: 'max depth' } } } } },
    });
  });

  it('cuts a 20 KiB extra value to the 16 KiB per-value bag', () => {
    const out = normalizeOk({ extra: { big: 'x'.repeat(20_000) } });
    const big = out.extra?.big as string;
    expect(big.length).toBe(16384);
    expect(big.endsWith('...')).toBe(true);
    expect(out._meta?.extra).toEqual({ big: { '': { rem: [['!limit', 's', 16381, 16384]], len: 20_000 } } });
  });

  it('drops breadcrumb data members once the 2 KiB bag is exhausted', () => {
    const data: JsonObject = {};
    for (let i = 0; i < 10; i++) data[`k${i}`] = 'v'.repeat(500);
    const out = normalizeOk({ breadcrumbs: { values: [{ message: 'm', data }] } });
    const kept = out.breadcrumbs?.values?.[0]?.data ?? {};
    expect(Object.keys(kept).length).toBeLessThan(10);
    expect(JSON.stringify(kept).length).toBeLessThanOrEqual(2048 + 64);
    expect(out._meta).toMatchObject({ breadcrumbs: { values: { 0: { data: { '': { len: 10 } } } } } });
  });

  it('limits frame vars to depth 5', () => {
    const out = normalizeOk({ stacktrace: { frames: [{ function: 'f', vars: { a: nested(6) } }] } });
    expect(out.stacktrace?.frames?.[0]?.vars).toEqual({
      a: { key6: { key5: { key4: '{"key3":{"key2":{"key1":"max depth"}}}' } } },
    });
  });

  it('trims user emails to 75 characters', () => {
    const out = normalizeOk({ user: { email: `${'a'.repeat(80)}@example.com` } });
    expect(out.user?.email).toHaveLength(75);
  });
});
