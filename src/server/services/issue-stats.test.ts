import { describe, expect, it } from 'vitest';
import { autoRollup, statsWindow } from './issue-stats.js';

const HOUR = 3600;
const DAY = 86_400;

describe('autoRollup (GroupStatsMixin, groupStatsPeriod=auto)', () => {
  it.each([
    [6 * HOUR, Math.trunc((6 * HOUR) / 29)],
    [DAY, HOUR],
    [28 * HOUR, HOUR],
    [2 * DAY, 2 * HOUR],
    [3 * DAY, 3 * HOUR],
    [7 * DAY, 6 * HOUR],
    [14 * DAY, 12 * HOUR],
    [20 * DAY, DAY],
    [90 * DAY, 3 * DAY],
  ])('a window of %i s is cut in buckets of %i s', (seconds, rollup) => {
    expect(autoRollup(seconds)).toBe(rollup);
  });
});

describe('statsWindow', () => {
  const now = new Date('2024-05-01T12:34:56Z');
  it('24h: 24 hourly buckets ending with the current hour; 14d: 14 daily ones', () => {
    expect(statsWindow({ statsPeriod: '24h', now })).toEqual({
      since: new Date('2024-04-30T13:34:56Z'),
      until: now,
      rollup: HOUR,
    });
    expect(statsWindow({ statsPeriod: '14d', now })).toEqual({
      since: new Date('2024-04-18T12:34:56Z'),
      until: now,
      rollup: DAY,
    });
  });

  it('auto: the request window', () => {
    const start = new Date('2024-04-01T00:00:00Z');
    expect(statsWindow({ statsPeriod: 'auto', start, end: now, now })).toMatchObject({
      since: start,
      until: now,
      rollup: DAY,
    });
  });
});
