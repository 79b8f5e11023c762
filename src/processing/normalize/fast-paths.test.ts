import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonObject, JsonValue } from '../../protocol/json.js';
import { EventMeta } from './meta.js';
import { BAG_SIZE, fitsBag, trimBagValue, type BagSize } from './trimming.js';
import { normalizeOk, RECEIVED } from './test-helpers.js';

/** Runs the bag trimmer itself (no fast path) on a copy of `value`. */
function trimmerOutput(value: JsonValue, bag: BagSize, childBag?: BagSize): string {
  const holder: JsonObject = {};
  const out = trimBagValue(structuredClone(value), ['bag'], new EventMeta(holder), bag, childBag);
  return JSON.stringify({ out, meta: holder._meta });
}

const BREADCRUMB_DATA: BagSize = { maxDepth: 5, maxBytes: 2048 };

/** JSON values with strings and nesting around the small bag limits. */
const nearLimits: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.nat(1100).map((n) => 'x'.repeat(n)),
    fc.string({ maxLength: 30 }),
    fc.oneof(fc.integer(), fc.double(), fc.constantFrom(1e21, -1.234567890123456e-7, 0.1, -0, 1e15)),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 5 }),
  ),
})).value;

describe('fitsBag (the bag trimmer fast path)', () => {
  const bags: [string, BagSize, BagSize | undefined][] = [
    ['small', BAG_SIZE.small, undefined],
    ['medium', BAG_SIZE.medium, undefined],
    ['breadcrumb data', BREADCRUMB_DATA, undefined],
    ['extra (per-child bags)', { maxDepth: 7, maxBytes: 2048 }, { maxDepth: 3, maxBytes: 1024 }],
  ];

  it.each(bags)('only accepts values the trimmer leaves untouched (%s bag)', (_name, bag, childBag) => {
    let accepted = 0;
    fc.assert(
      fc.property(nearLimits, (value) => {
        if (!fitsBag(value, bag, childBag)) return;
        accepted++;
        expect(trimmerOutput(value, bag, childBag)).toBe(JSON.stringify({ out: value }));
      }),
      { numRuns: 1500, seed: 7 },
    );
    // The property must be exercised, not vacuously true.
    expect(accepted).toBeGreaterThan(200);
  });

  it('accepts a string member up to the byte limit minus the bookkeeping, and no further', () => {
    // Charged: 3 for the object, length + 3 for the string; the total must stay below 2048.
    expect(fitsBag({ a: 'x'.repeat(2041) }, BREADCRUMB_DATA)).toBe(true);
    expect(fitsBag({ a: 'x'.repeat(2042) }, BREADCRUMB_DATA)).toBe(false);
    for (const n of [2041, 2042, 2048, 2049, 3000]) {
      const out = normalizeOk({ breadcrumbs: [{ message: 'm', data: { a: 'x'.repeat(n) } }] });
      const kept = (out.breadcrumbs?.values?.[0]?.data as JsonObject).a as string;
      // The trimmer itself only cuts once the string is longer than what is left (2048).
      expect(kept.length).toBe(n <= 2048 ? n : 2048);
    }
  });

  it('refuses containers deep enough to be stringified', () => {
    expect(fitsBag({ a: { b: 1 } }, BAG_SIZE.small)).toBe(true);
    expect(fitsBag({ a: { b: { c: 1 } } }, BAG_SIZE.small)).toBe(false);
    expect(fitsBag({ a: { b: { c: {} } } }, BAG_SIZE.small)).toBe(false);
    expect(fitsBag({ a: { b: {} } }, BAG_SIZE.small)).toBe(true);
    expect(trimmerOutput({ a: { b: {} } }, BAG_SIZE.small)).toBe(JSON.stringify({ out: { a: { b: {} } } }));
  });

  it('uses the tighter of the bag and per-child limits', () => {
    const bag: BagSize = { maxDepth: 7, maxBytes: 262144 };
    const child: BagSize = { maxDepth: 7, maxBytes: 16384 };
    expect(fitsBag({ a: 'x'.repeat(16000) }, bag, child)).toBe(true);
    expect(fitsBag({ a: 'x'.repeat(16400) }, bag, child)).toBe(false);
  });
});

describe('trimming pre-checks on breadcrumbs and frames', () => {
  it('still trims breadcrumb data when only the data is over its limit', () => {
    const data: JsonObject = {};
    for (let i = 0; i < 6; i++) data[`k${i}`] = 'v'.repeat(500);
    const out = normalizeOk({ breadcrumbs: [{ message: 'short', data }] });
    const kept = out.breadcrumbs?.values?.[0]?.data as JsonObject;
    expect(Object.keys(kept)).toEqual(['k0', 'k1', 'k2', 'k3', 'k4']);
    // Four members cost 4 × 503 bytes; the fifth gets the 36 left.
    expect(kept.k4).toBe(`${'v'.repeat(33)}...`);
    expect(out._meta?.breadcrumbs).toEqual({
      values: {
        0: {
          data: {
            '': { len: 6 },
            k4: { '': { rem: [['!limit', 's', 33, 36]], len: 500 } },
          },
        },
      },
    });
  });

  it('still trims frame vars when only the vars are too deep', () => {
    const vars = { a: { b: { c: { d: { e: 'deep' } } } } };
    const out = normalizeOk({
      exception: { values: [{ type: 'E', stacktrace: { frames: [{ function: 'f', vars }] } }] },
    });
    const frame = out.exception?.values?.[0]?.stacktrace?.frames?.[0] as JsonObject;
    expect(frame.vars).toEqual({ a: { b: { c: { d: '{"e":"deep"}' } } } });
  });

  it('leaves fitting breadcrumbs alone without any _meta', () => {
    const crumb = {
      timestamp: RECEIVED - 1,
      category: 'http',
      message: 'GET /a',
      data: { status_code: 200 },
    };
    const out = normalizeOk({ breadcrumbs: [crumb] });
    expect(out.breadcrumbs?.values?.[0]).toEqual(crumb);
    expect(out._meta).toBeUndefined();
  });
});

describe('key enumeration without key arrays', () => {
  it('ignores inherited enumerable keys, like Object.keys', () => {
    const crumb = Object.assign(Object.create({ inherited: 'x'.repeat(5000) }) as JsonObject, {
      message: 'm',
      data: Object.assign(Object.create({ big: 'y'.repeat(5000) }) as JsonObject, { a: 1 }),
    });
    expect(fitsBag(crumb.data as JsonObject, BREADCRUMB_DATA)).toBe(true);
    const out = normalizeOk({ breadcrumbs: [crumb] });
    expect(out.errors).toBeUndefined();
    expect(Object.keys(out.breadcrumbs?.values?.[0] ?? {})).toEqual(['message', 'data']);
  });

  it('drops null and unknown breadcrumb keys while enumerating', () => {
    const out = normalizeOk({ breadcrumbs: [{ a: 1, message: null, b: 2, category: 'c', ty: 'http' }] });
    expect(out.breadcrumbs?.values?.[0]).toEqual({ category: 'c', type: 'http' });
    expect(out.errors?.map((error) => error.name)).toEqual([
      'breadcrumbs.values.0.a',
      'breadcrumbs.values.0.b',
    ]);
  });
});

describe('negative timestamps (the final pass runs only when one can exist)', () => {
  it('removes a negative breadcrumb timestamp', () => {
    const out = normalizeOk({ breadcrumbs: [{ message: 'm', timestamp: -5 }] });
    expect(out.breadcrumbs?.values?.[0]).toEqual({ message: 'm' });
    expect(out.errors).toEqual([
      {
        type: 'invalid_data',
        name: 'breadcrumbs.values.0.timestamp',
        value: -5,
        reason: 'timestamp is too stale',
      },
    ]);
  });

  it('removes timestamps a future-clamp shift makes negative', () => {
    // The event is 10^9 s in the future; shifting the crumb by that takes it below zero.
    const out = normalizeOk({
      timestamp: RECEIVED + 1e9,
      breadcrumbs: [
        { message: 'early', timestamp: 5e8 },
        { message: 'late', timestamp: RECEIVED + 1e9 - 1 },
      ],
    });
    expect(out.timestamp).toBe(RECEIVED);
    expect(out.breadcrumbs?.values?.map((crumb) => crumb.timestamp)).toEqual([undefined, RECEIVED - 1]);
    expect(out.errors?.map((error) => [error.type, error.name])).toEqual([
      ['future_timestamp', 'timestamp'],
      ['invalid_data', 'breadcrumbs.values.0.timestamp'],
    ]);
  });
});
