import { describe, expect, it } from 'vitest';
import { parseProjectId, rawQuery } from './route-kit.js';

describe('parseProjectId', () => {
  it('accepts positive safe integers in ASCII digits only', () => {
    expect(parseProjectId('42')).toBe(42);
    expect(parseProjectId('007')).toBe(7);
    for (const text of ['', '0', '-1', '1e3', ' 1', '1.5', 'abc', '９', '9007199254740992']) {
      expect(parseProjectId(text)).toBeUndefined();
    }
  });
});

describe('rawQuery', () => {
  it('returns the undecoded query without the question mark', () => {
    expect(rawQuery('/api/1/cron/job/?status=ok&x=%20')).toBe('status=ok&x=%20');
    expect(rawQuery('/api/1/cron/job/')).toBe('');
    expect(rawQuery('/a?')).toBe('');
  });
});
