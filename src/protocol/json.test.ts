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
});
