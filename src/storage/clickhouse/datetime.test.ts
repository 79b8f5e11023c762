import { describe, expect, it } from 'vitest';
import { parseDateTime, toDateTime64 } from './datetime.js';

describe('ClickHouse DateTime text', () => {
  it('formats UTC with milliseconds', () => {
    expect(toDateTime64(new Date('2026-03-04T05:06:07.089Z'))).toBe('2026-03-04 05:06:07.089');
  });

  it('parses ClickHouse output as UTC, with or without fraction, and ISO form', () => {
    expect(parseDateTime('2026-03-04 05:06:07.089')).toEqual(new Date('2026-03-04T05:06:07.089Z'));
    expect(parseDateTime('2026-03-04 05:00:00')).toEqual(new Date('2026-03-04T05:00:00Z'));
    expect(parseDateTime('2026-03-04T05:06:07.089Z')).toEqual(new Date('2026-03-04T05:06:07.089Z'));
  });

  it('throws on anything else', () => {
    expect(() => parseDateTime(1700000000)).toThrow(/unexpected/);
    expect(() => parseDateTime('yesterday')).toThrow(/unexpected/);
  });
});
