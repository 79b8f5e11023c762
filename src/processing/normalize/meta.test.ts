import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../protocol/json.js';
import { EventMeta } from './meta.js';

describe('EventMeta', () => {
  it('keeps user keys named __proto__ as own nodes (no prototype pollution)', () => {
    const event: JsonObject = {};
    const meta = new EventMeta(event);
    meta.addInvalid(['contexts', '__proto__'], 'expected a context', 'x');
    meta.addRemark(['extra', '__proto__', 'a'], ['rule', 'x']);
    expect(Object.hasOwn(Object.prototype, '')).toBe(false);
    expect(JSON.parse(JSON.stringify(event._meta))).toEqual(
      JSON.parse(
        '{"contexts": {"__proto__": {"": {"err": [["invalid_data", {"reason": "expected a context"}]], "val": "x"}}},' +
          ' "extra": {"__proto__": {"a": {"": {"rem": [["rule", "x"]]}}}}}',
      ),
    );
    expect(meta.peek(['contexts', '__proto__'])?.val).toBe('x');
    expect(meta.peek(['contexts', 'toString'])).toBeUndefined();
  });
});
