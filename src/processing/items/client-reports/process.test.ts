import { describe, expect, it } from 'vitest';
import { clientReportOutcomes, parseClientReport } from './index.js';

const NOW = 1_700_000_000.75;
const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

describe('client reports (Relay report.rs)', () => {
  it('sums identical reports per reason and category (test_client_report.py: 84 and 2462)', () => {
    const report = json({
      timestamp: NOW - 10,
      discarded_events: [
        { reason: 'queue_overflow', category: 'error', quantity: 42 },
        { reason: 'queue_overflow', category: 'transaction', quantity: 1231 },
      ],
    });
    expect(clientReportOutcomes([report, report], { receivedAt: NOW })).toEqual([
      {
        outcome: 'client_discard',
        reason: 'queue_overflow',
        category: 'error',
        quantity: 84,
        timestamp: 1_699_999_990,
      },
      {
        outcome: 'client_discard',
        reason: 'queue_overflow',
        category: 'transaction',
        quantity: 2462,
        timestamp: 1_699_999_990,
      },
    ]);
  });

  it('maps the Relay-to-Relay lists and accepts the tuple form', () => {
    const outcomes = clientReportOutcomes(
      [
        json({
          discarded_events: [['before_send', 'span', 3]],
          rate_limited_events: [
            { reason: '', category: 'error', quantity: 1 },
            { reason: 'org_quota', category: 'error', quantity: 2 },
          ],
          filtered_events: [{ reason: 'browser-extensions', category: 'error', quantity: 4 }],
          filtered_sampling_events: [
            { reason: 'Sampled:1000,1004', category: 'transaction', quantity: 5 },
            { reason: 'not-sampled', category: 'transaction', quantity: 6 },
          ],
        }),
      ],
      { receivedAt: NOW },
    );
    expect(
      outcomes.map(({ outcome, reason, category, quantity }) => [outcome, reason, category, quantity]),
    ).toEqual([
      ['client_discard', 'before_send', 'span', 3],
      ['filtered', 'browser-extensions', 'error', 4],
      ['filtered', 'Sampled:1000,1004', 'transaction', 5],
      ['rate_limited', null, 'error', 1],
      ['rate_limited', 'org_quota', 'error', 2],
    ]);
    expect(outcomes[0]).toMatchObject({ timestamp: Math.floor(NOW) });
  });

  it('skips over-long reasons and unknown categories, keeping the rest', () => {
    const outcomes = clientReportOutcomes(
      [
        json({
          discarded_events: [
            { reason: 'x'.repeat(201), category: 'error', quantity: 1 },
            { reason: 'é'.repeat(101), category: 'error', quantity: 1 },
            { reason: 'x'.repeat(200), category: 'error', quantity: 7 },
            { reason: 'network_error', category: 'no_such_category', quantity: 1 },
          ],
        }),
      ],
      { receivedAt: NOW },
    );
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ reason: 'x'.repeat(200), quantity: 7 });
  });

  it('drops malformed reports whole without outcomes, other reports unaffected', () => {
    const good = json({ discarded_events: [{ reason: 'sample_rate', category: 'error', quantity: 1 }] });
    for (const bad of [
      Buffer.from('{nope'),
      json([]),
      json({}),
      json({ discarded_events: null }),
      json({ discarded_events: [{ reason: 'a', category: 'error', quantity: -1 }] }),
      json({ discarded_events: [{ reason: 'a', category: 'error', quantity: 1.5 }] }),
      json({ discarded_events: [{ reason: 5, category: 'error', quantity: 1 }] }),
      json({ discarded_events: [['a', 'error']] }),
      json({ timestamp: 'yesterday', discarded_events: [] }),
      json({ discarded_events: [], rate_limited_events: {} }),
    ]) {
      expect(parseClientReport(bad)).toBeUndefined();
      expect(clientReportOutcomes([bad, good], { receivedAt: NOW })).toEqual([
        {
          outcome: 'client_discard',
          reason: 'sample_rate',
          category: 'error',
          quantity: 1,
          timestamp: Math.floor(NOW),
        },
      ]);
    }
  });

  it('uses the first timestamp, corrects clock drift of 55 min or more, and drops old or future reports', () => {
    const at = (timestamp: unknown) =>
      json({ timestamp, discarded_events: [{ reason: 'r', category: 'error', quantity: 1 }] });
    const time = (payloads: Buffer[], ctx: object = {}) =>
      clientReportOutcomes(payloads, { receivedAt: NOW, ...ctx })[0]?.timestamp;
    expect(time([at('2023-11-14T22:13:00Z'), at(NOW)])).toBe(1_699_999_980);
    // The SDK clock is 2 h behind: its report time moves forward by the drift.
    expect(time([at(NOW - 7200 - 5)], { sentAt: new Date((NOW - 7200) * 1000).toISOString() })).toBe(
      Math.floor(NOW - 5),
    );
    // 30 min of drift is transmission delay, not a wrong clock.
    expect(time([at(NOW - 1805)], { sentAt: new Date((NOW - 1800) * 1000).toISOString() })).toBe(
      Math.floor(NOW - 1805),
    );
    expect(time([at(NOW - 91 * 86_400)])).toBeUndefined();
    expect(time([at(NOW - 91 * 86_400)], { retentionDays: 120 })).toBeDefined();
    expect(time([at(NOW + 300 * 86_400)])).toBeUndefined();
    expect(time([at(NOW + 61)])).toBeUndefined();
    expect(time([at(NOW + 59)])).toBeDefined();
  });
});
