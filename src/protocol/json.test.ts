import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from './json.js';

describe('exceedsJsonDepth', () => {
  it("allows serde_json's 128 levels and refuses the 129th", () => {
    const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);
    expect(exceedsJsonDepth(nested(MAX_JSON_DEPTH))).toBe(false);
    expect(exceedsJsonDepth(nested(MAX_JSON_DEPTH + 1))).toBe(true);
    expect(exceedsJsonDepth('{"a":'.repeat(200))).toBe(true);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(exceedsJsonDepth(JSON.stringify({ a: '['.repeat(500) }))).toBe(false);
    expect(exceedsJsonDepth(`["\\"${'['.repeat(500)}"]`)).toBe(false);
  });

  it('counts depth, not the number of containers', () => {
    expect(exceedsJsonDepth(JSON.stringify(Array.from({ length: 1000 }, () => [[1]])))).toBe(false);
  });

  it('ends a string at a quote after an even run of backslashes', () => {
    const deep = '['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1);
    expect(exceedsJsonDepth(`["\\\\", ${deep}]`)).toBe(true);
    expect(exceedsJsonDepth(`["\\\\\\"${deep}"]`)).toBe(false);
  });

  it('agrees with the depth of the parsed value on any JSON text', () => {
    const depth = (v: unknown): number =>
      v !== null && typeof v === 'object' ? 1 + Math.max(0, ...Object.values(v).map(depth)) : 0;
    const nestedJson = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.string({ unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', 'a') }),
        fc.array(tie('value'), { maxLength: 3 }),
        fc.dictionary(fc.string({ maxLength: 3 }), tie('value'), { maxKeys: 2 }),
      ),
    })).value;
    fc.assert(
      fc.property(nestedJson, fc.integer({ min: 0, max: 6 }), (value, limit) => {
        const text = JSON.stringify(value);
        expect(exceedsJsonDepth(text, limit)).toBe(depth(value) > limit);
      }),
      { numRuns: 2000, seed: 20261121 },
    );
  });
});
