import { describe, expect, it } from 'vitest';
import { formatRfc3339, parseTimestamp } from './timestamps.js';
import { RECEIVED, normalizeOk } from './test-helpers.js';

describe('parseTimestamp', () => {
  it.each([
    ['2011-05-02T17:41:36Z', 1304358096],
    ['2011-05-02T17:41:36', 1304358096],
    ['2011-05-02T17:41:36.000', 1304358096],
    ['2011-05-02T17:41:36.5+00:00', 1304358096.5],
    ['2021-04-26T08:00:05+0100', 1619420405],
    ['2021-04-26T08:00:05-01:30', 1619429405],
    [1304358096.0, 1304358096],
    [1668148328.308933, 1668148328.308933],
    ['1304358096', 1304358096],
  ])('parses %s', (input, expected) => {
    expect(parseTimestamp(input)).toBe(expected);
  });

  it.each([['nope'], ['2011-13-02T17:41:36Z'], ['2011-02-30T00:00:00Z'], [null], [{}], [Infinity], ['']])(
    'rejects %s',
    (input) => {
      expect(parseTimestamp(input)).toBeUndefined();
    },
  );
});

describe('formatRfc3339', () => {
  it('formats like chrono to_rfc3339', () => {
    expect(formatRfc3339(946857720)).toBe('2000-01-03T00:02:00+00:00');
    expect(formatRfc3339(946857720.25)).toBe('2000-01-03T00:02:00.250+00:00');
    expect(formatRfc3339(946857720.000123)).toBe('2000-01-03T00:02:00.000123+00:00');
  });
});

describe('clock drift (reference/relay-protocol.md §8.3)', () => {
  const event = () => ({
    timestamp: RECEIVED - 56 * 60,
    start_timestamp: RECEIVED - 56 * 60 - 2,
    breadcrumbs: { values: [{ timestamp: RECEIVED - 56 * 60 - 10, message: 'crumb' }] },
  });

  it('does not correct a drift of 54 minutes', () => {
    const out = normalizeOk(
      { timestamp: RECEIVED - 54 * 60, breadcrumbs: { values: [{ timestamp: RECEIVED - 3300 }] } },
      { sentAt: formatRfc3339(RECEIVED - 54 * 60) },
    );
    expect(out.timestamp).toBe(RECEIVED - 54 * 60);
    expect(out.breadcrumbs?.values?.[0]?.timestamp).toBe(RECEIVED - 3300);
    expect(out.errors).toBeUndefined();
    expect(out._meta).toBeUndefined();
  });

  it('shifts every timestamp by a drift of 56 minutes and records clock_drift', () => {
    const sentAt = formatRfc3339(RECEIVED - 56 * 60);
    const out = normalizeOk(event(), { sentAt });
    expect(out.timestamp).toBe(RECEIVED);
    expect(out.start_timestamp).toBe(RECEIVED - 2);
    expect(out.breadcrumbs?.values?.[0]?.timestamp).toBe(RECEIVED - 10);
    expect(out.received).toBe(RECEIVED);
    expect(out.errors).toEqual([
      {
        type: 'clock_drift',
        name: 'timestamp',
        sdk_time: '2000-01-02T23:04:00+00:00',
        server_time: '2000-01-03T00:00:00+00:00',
      },
    ]);
    expect(out._meta).toEqual({
      timestamp: {
        '': {
          err: [
            [
              'clock_drift',
              { sdk_time: '2000-01-02T23:04:00+00:00', server_time: '2000-01-03T00:00:00+00:00' },
            ],
          ],
        },
      },
    });
  });

  it('also shifts span timestamps of transactions', () => {
    const out = normalizeOk(
      {
        type: 'transaction',
        transaction: '/hello',
        timestamp: '1999-12-03T00:00:00Z',
        start_timestamp: '1999-12-02T23:59:58Z',
        contexts: { trace: { trace_id: 'a0fa8803753e40fd8124b21eeb2986b5', span_id: '968cff94913ebb07' } },
        spans: [
          {
            timestamp: '1999-12-02T23:59:59Z',
            start_timestamp: '1999-12-02T23:59:58.5Z',
            trace_id: 'a0fa8803753e40fd8124b21eeb2986b5',
            span_id: '968cff94913ebb08',
          },
        ],
      },
      { itemType: 'transaction', sentAt: '1999-12-03T00:00:00Z' },
    );
    expect(out.timestamp).toBe(RECEIVED);
    expect(out.start_timestamp).toBe(RECEIVED - 2);
    const span = (out.spans as { timestamp: number; start_timestamp: number }[])[0];
    expect(span).toMatchObject({ timestamp: RECEIVED - 1, start_timestamp: RECEIVED - 1.5 });
  });
});

describe('future and past timestamps', () => {
  // Relay normalize/mod.rs test_future_timestamp / test_past_timestamp.
  it('clamps a future timestamp to the receive time', () => {
    const out = normalizeOk(
      { timestamp: '2000-01-03T00:02:00Z' },
      { maxSecsInFuture: 60, maxSecsInPast: 30 * 86400 },
    );
    expect(out.timestamp).toBe(946857600);
    expect(out.received).toBe(946857600);
    expect(out._meta).toEqual({
      timestamp: {
        '': {
          err: [
            [
              'future_timestamp',
              { sdk_time: '2000-01-03T00:02:00+00:00', server_time: '2000-01-03T00:00:00+00:00' },
            ],
          ],
        },
      },
    });
    expect(out.errors?.[0]).toMatchObject({ type: 'future_timestamp', name: 'timestamp' });
  });

  it('clamps a past timestamp to the receive time', () => {
    const receivedAt = 952041600; // 2000-03-03
    const out = normalizeOk(
      { timestamp: '2000-01-03T00:00:00Z', breadcrumbs: { values: [{ timestamp: 946857590 }] } },
      { receivedAt, maxSecsInPast: 30 * 86400 },
    );
    expect(out.timestamp).toBe(952041600);
    expect(out.breadcrumbs?.values?.[0]?.timestamp).toBe(952041590);
    expect(out.errors).toEqual([
      {
        type: 'past_timestamp',
        name: 'timestamp',
        sdk_time: '2000-01-03T00:00:00+00:00',
        server_time: '2000-03-03T00:00:00+00:00',
      },
    ]);
  });

  it('keeps a timestamp within 60 seconds in the future', () => {
    expect(normalizeOk({ timestamp: RECEIVED + 59 }).timestamp).toBe(RECEIVED + 59);
  });

  it('defaults the past limit to 90 days', () => {
    expect(normalizeOk({ timestamp: RECEIVED - 89 * 86400 }).timestamp).toBe(RECEIVED - 89 * 86400);
    expect(normalizeOk({ timestamp: RECEIVED - 91 * 86400 }).timestamp).toBe(RECEIVED);
  });

  it('defaults a missing timestamp to the receive time and removes invalid ones', () => {
    expect(normalizeOk({}).timestamp).toBe(RECEIVED);
    const out = normalizeOk({ timestamp: 'yesterday' });
    expect(out.timestamp).toBe(RECEIVED);
    expect(out.errors).toEqual([
      { type: 'invalid_data', name: 'timestamp', value: 'yesterday', reason: 'expected a timestamp' },
    ]);
  });

  it('drops a time_spent that does not fit 32 bits', () => {
    expect(normalizeOk({ time_spent: 2_147_483_647 }).time_spent).toBeUndefined();
    expect(normalizeOk({ time_spent: 12 }).time_spent).toBe(12);
  });
});
