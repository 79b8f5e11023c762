import { describe, expect, it } from 'vitest';
import type { MonitorConfig } from '../../../protocol/check-in.js';
import { nextCrontabTime, parseCrontab, previousCrontabTime, type Crontab } from './crontab.js';
import { expectedTimeOf, nextExpectedCheckIn } from './schedule.js';
import { validateMonitorConfig } from './monitor-config.js';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();

function cron(text: string): Crontab {
  const parsed = parseCrontab(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.crontab;
}

function config(overrides: Partial<MonitorConfig>): MonitorConfig {
  return {
    schedule_type: 'crontab',
    schedule: '0 * * * *',
    checkin_margin: null,
    max_runtime: null,
    timezone: null,
    failure_issue_threshold: null,
    recovery_threshold: null,
    ...overrides,
  };
}

describe('parseCrontab', () => {
  it('normalizes whitespace and expands @-aliases', () => {
    expect(cron('  */5\t1-3   * *  mon-fri ').text).toBe('*/5 1-3 * * mon-fri');
    expect(cron('@hourly').text).toBe('0 * * * *');
    expect(cron('@weekly').text).toBe('0 0 * * 0');
  });

  it.each([
    ['@reboot', 'not parseable'],
    ['* * * * * *', 'Only 5 field'],
    ['* * * *', 'invalid'],
    ['60 * * * *', 'invalid'],
    ['5-1 * * * *', 'invalid'],
    ['*/0 * * * *', 'invalid'],
    ['* * * foo *', 'invalid'],
    ['? * * * *', 'invalid'],
  ])('rejects %s', (text, message) => {
    const parsed = parseCrontab(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(message);
  });
});

describe('nextCrontabTime / previousCrontabTime', () => {
  it('steps, ranges, lists and names in UTC', () => {
    expect(iso(nextCrontabTime(cron('*/15 * * * *'), at('2025-03-01T10:07:30Z'), 'UTC'))).toBe(
      '2025-03-01T10:15:00.000Z',
    );
    expect(iso(nextCrontabTime(cron('0 9 * * MON-FRI'), at('2025-03-01T10:00:00Z'), 'UTC'))).toBe(
      '2025-03-03T09:00:00.000Z',
    );
    expect(iso(nextCrontabTime(cron('30 2 1,15 * *'), at('2025-03-02T00:00:00Z'), 'UTC'))).toBe(
      '2025-03-15T02:30:00.000Z',
    );
    expect(iso(nextCrontabTime(cron('0 0 1 jan *'), at('2025-03-01T00:00:00Z'), 'UTC'))).toBe(
      '2026-01-01T00:00:00.000Z',
    );
    expect(iso(nextCrontabTime(cron('0 0 L * *'), at('2024-02-10T00:00:00Z'), 'UTC'))).toBe(
      '2024-02-29T00:00:00.000Z',
    );
    expect(iso(nextCrontabTime(cron('0 8 * * 1#2'), at('2025-03-01T00:00:00Z'), 'UTC'))).toBe(
      '2025-03-10T08:00:00.000Z',
    );
    expect(iso(nextCrontabTime(cron('0 8 * * 5L'), at('2025-03-01T00:00:00Z'), 'UTC'))).toBe(
      '2025-03-28T08:00:00.000Z',
    );
    expect(nextCrontabTime(cron('0 0 30 2 *'), at('2025-03-01T00:00:00Z'), 'UTC')).toBeUndefined();
  });

  it('ORs restricted day-of-month and day-of-week, like Vixie cron', () => {
    // 2025-03-04 is a Tuesday; the 10th is the first day-of-month match.
    expect(iso(nextCrontabTime(cron('0 0 10 * tue'), at('2025-03-01T00:00:00Z'), 'UTC'))).toBe(
      '2025-03-04T00:00:00.000Z',
    );
    // `*/2` counts as starred: both fields must match.
    expect(iso(nextCrontabTime(cron('0 0 */2 * tue'), at('2025-03-01T00:00:00Z'), 'UTC'))).toBe(
      '2025-03-11T00:00:00.000Z',
    );
  });

  it('evaluates in the monitor timezone, across DST', () => {
    // 03:00 in Vienna (CET, UTC+1) on 1 March; CEST (UTC+2) after 30 March.
    expect(iso(nextCrontabTime(cron('0 3 * * *'), at('2025-03-01T00:00:00Z'), 'Europe/Vienna'))).toBe(
      '2025-03-01T02:00:00.000Z',
    );
    expect(iso(nextCrontabTime(cron('0 3 * * *'), at('2025-03-31T00:00:00Z'), 'Europe/Vienna'))).toBe(
      '2025-03-31T01:00:00.000Z',
    );
  });

  it('finds the previous slot at or before a time', () => {
    expect(iso(previousCrontabTime(cron('0 * * * *'), at('2025-03-01T10:59:59Z'), 'UTC'))).toBe(
      '2025-03-01T10:00:00.000Z',
    );
    expect(iso(previousCrontabTime(cron('0 * * * *'), at('2025-03-01T10:00:00Z'), 'UTC'))).toBe(
      '2025-03-01T10:00:00.000Z',
    );
  });
});

describe('nextExpectedCheckIn', () => {
  it('crontab: strictly after the reference minute', () => {
    expect(iso(nextExpectedCheckIn(config({}), at('2025-03-01T05:00:00Z')))).toBe('2025-03-01T06:00:00.000Z');
    expect(iso(nextExpectedCheckIn(config({}), at('2025-03-01T05:30:10Z')))).toBe('2025-03-01T06:00:00.000Z');
  });

  it('interval: adds units, truncated to the minute; months skip missing days', () => {
    const every = (count: number, unit: 'minute' | 'hour' | 'day' | 'month') =>
      config({ schedule_type: 'interval', schedule: [count, unit] });
    expect(iso(nextExpectedCheckIn(every(2, 'hour'), at('2025-03-01T05:35:20Z')))).toBe(
      '2025-03-01T07:35:00.000Z',
    );
    expect(iso(nextExpectedCheckIn(every(1, 'day'), at('2025-03-01T05:35:00Z')))).toBe(
      '2025-03-02T05:35:00.000Z',
    );
    expect(iso(nextExpectedCheckIn(every(1, 'month'), at('2025-01-31T00:00:00Z')))).toBe(
      '2025-03-31T00:00:00.000Z',
    );
  });

  it('expectedTimeOf maps a slightly late run to its crontab slot', () => {
    const c = config({ checkin_margin: 5 });
    expect(iso(expectedTimeOf(c, at('2025-03-01T05:58:00Z')))).toBe('2025-03-01T06:00:00.000Z');
    expect(iso(expectedTimeOf(c, at('2025-03-01T06:03:00Z')))).toBe('2025-03-01T06:00:00.000Z');
    expect(expectedTimeOf(config({ schedule_type: 'interval', schedule: [1, 'hour'] }), 0)).toBeUndefined();
  });
});

describe('validateMonitorConfig', () => {
  it.each([
    [{ schedule: { type: 'interval', value: 0, unit: 'day' } }, 'greater than zero'],
    [{ schedule: { type: 'crontab', value: '* * *' } }, 'schedule'],
    [{ schedule: { type: 'crontab', value: '* * * * *' }, max_runtime: 0 }, 'max_runtime'],
    [{ schedule: { type: 'crontab', value: '* * * * *' }, checkin_margin: 40_321 }, 'checkin_margin'],
    [
      { schedule: { type: 'crontab', value: '* * * * *' }, failure_issue_threshold: 721 },
      'failure_issue_threshold',
    ],
  ] as const)('rejects %j', (input, message) => {
    const result = validateMonitorConfig(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(message);
  });

  it('drops a blank timezone instead of failing', () => {
    expect(validateMonitorConfig({ schedule: { type: 'crontab', value: '@daily' }, timezone: '' })).toEqual({
      ok: true,
      patch: { schedule_type: 'crontab', schedule: '0 0 * * *' },
    });
  });
});
