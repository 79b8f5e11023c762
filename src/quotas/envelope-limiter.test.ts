import { describe, expect, it } from 'vitest';
import type { DataCategory } from '../protocol/data-category.js';
import type { EnvelopeItem } from '../protocol/envelope.js';
import { limitEnvelope } from './envelope-limiter.js';
import { RateLimits, rateLimitFromQuota } from './rate-limits.js';

const now = 1_700_000_000_000;
const scoping = { organizationId: 1, projectId: 1, publicKey: 'a'.repeat(32), category: 'error' as const };

const item = (type: string, extra: Record<string, unknown> = {}, payload = '{}'): EnvelopeItem => ({
  headers: { type, ...extra },
  payload: Buffer.from(payload),
});

/** A check that limits the given categories with reason `r:<category>` and records its calls. */
function limiting(...categories: DataCategory[]) {
  const calls: Array<[DataCategory, number]> = [];
  const check = (category: DataCategory, quantity: number) => {
    calls.push([category, quantity]);
    if (!categories.includes(category)) return new RateLimits();
    return new RateLimits([
      rateLimitFromQuota(
        { categories: [category], scope: 'project', limit: 0, reasonCode: `r:${category}` },
        scoping,
        60,
        now,
      ),
    ]);
  };
  return { check, calls };
}

describe('limitEnvelope (Relay EnvelopeLimiter)', () => {
  it('drops a limited event with its attachments and user reports, and keeps the rest', async () => {
    const items = [
      item('event'),
      item('attachment', { attachment_type: 'event.attachment' }, 'abcd'),
      item('user_report'),
      item('session'),
    ];
    const { check } = limiting('error');
    const result = await limitEnvelope(items, check, now);
    expect(result.dropped).toEqual([
      { index: 0, outcomes: [{ category: 'error', quantity: 1, reason: 'r:error' }] },
      {
        index: 1,
        outcomes: [
          { category: 'attachment', quantity: 4, reason: 'r:error' },
          { category: 'attachment_item', quantity: 1, reason: 'r:error' },
        ],
      },
      { index: 2, outcomes: [{ category: 'feedback', quantity: 1, reason: 'r:error' }] },
    ]);
    expect(result.limits).toHaveLength(1);
  });

  it('drops plain attachments on an attachment limit but keeps crash attachments flagged', async () => {
    const items = [
      item('event'),
      item('attachment', { attachment_type: 'event.attachment' }, 'x'.repeat(10)),
      item('attachment', { attachment_type: 'event.minidump' }, 'MDMP'),
    ];
    const { check, calls } = limiting('attachment');
    const result = await limitEnvelope(items, check, now);
    expect(calls).toContainEqual(['attachment', 14]);
    expect(result.dropped.map((d) => d.index)).toEqual([1]);
    expect(result.flagged).toEqual([{ index: 2, reason: 'r:attachment' }]);
  });

  it('a limited transaction takes its profile; sessions go without outcomes', async () => {
    const items = [item('transaction'), item('profile'), item('session')];
    const result = await limitEnvelope(items, limiting('transaction', 'session').check, now);
    expect(result.dropped).toEqual([
      {
        index: 0,
        outcomes: [
          { category: 'transaction', quantity: 1, reason: 'r:transaction' },
          { category: 'transaction_indexed', quantity: 1, reason: 'r:transaction' },
        ],
      },
      {
        index: 1,
        outcomes: [
          { category: 'profile', quantity: 1, reason: 'r:transaction' },
          { category: 'profile_indexed', quantity: 1, reason: 'r:transaction' },
        ],
      },
      { index: 2, outcomes: [] },
    ]);
  });

  it('checks each category once with the envelope total and drops the items counted in it', async () => {
    const items = [
      item(
        'log',
        { item_count: 3, content_type: 'application/vnd.sentry.items.log+json' },
        '{"items":[1,2,3]}',
      ),
      item('span', { item_count: 2 }),
      item('span', { item_count: 5 }),
      item('check_in'),
    ];
    const { check, calls } = limiting('span');
    const result = await limitEnvelope(items, check, now);
    expect(calls).toEqual([
      ['log_item', 3],
      ['log_byte', 17],
      ['span', 7],
      ['monitor', 1],
    ]);
    expect(result.dropped.map((d) => d.index)).toEqual([1, 2]);
    expect(result.dropped[1]!.outcomes).toEqual([{ category: 'span', quantity: 5, reason: 'r:span' }]);
  });

  it('drops nothing when nothing is limited', async () => {
    const items = [
      item('event'),
      item('attachment'),
      item('replay_event'),
      item('profile_chunk', { platform: 'javascript' }),
    ];
    const { check, calls } = limiting();
    const result = await limitEnvelope(items, check, now);
    expect(result).toEqual({ dropped: [], flagged: [], limits: [] });
    expect(calls.map(([c]) => c)).toEqual([
      'error',
      'attachment',
      'attachment_item',
      'replay',
      'profile_chunk_ui',
    ]);
  });
});

describe('limitEnvelope with counted quantities (what processing left of the items)', () => {
  it('counts and drops containers with their quantities left; a quantity of 0 records nothing', async () => {
    const logs = item('log', { item_count: 3 }, 'x'.repeat(300));
    const first = item('replay_event');
    const second = item('replay_recording');
    const counted = new Map<EnvelopeItem, Array<[DataCategory, number]>>([
      [
        logs,
        [
          ['log_item', 1],
          ['log_byte', 40],
        ],
      ],
      [first, [['replay', 2]]],
      [second, [['replay', 0]]],
    ]);
    const { check, calls } = limiting('log_item', 'replay');
    const result = await limitEnvelope([logs, first, second], check, now, counted);
    expect(calls).toEqual([
      ['log_item', 1],
      ['log_byte', 40],
      ['replay', 2],
    ]);
    expect(result.dropped).toEqual([
      {
        index: 0,
        outcomes: [
          { category: 'log_item', quantity: 1, reason: 'r:log_item' },
          { category: 'log_byte', quantity: 40, reason: 'r:log_item' },
        ],
      },
      { index: 1, outcomes: [{ category: 'replay', quantity: 2, reason: 'r:replay' }] },
      { index: 2, outcomes: [] },
    ]);
  });

  it("replaces a limited event's drop outcomes (a sampled-out transaction is no longer indexed)", async () => {
    const transaction = item('transaction');
    const counted = new Map<EnvelopeItem, Array<[DataCategory, number]>>([
      [transaction, [['transaction', 1]]],
    ]);
    const result = await limitEnvelope([transaction], limiting('transaction').check, now, counted);
    expect(result.dropped).toEqual([
      { index: 0, outcomes: [{ category: 'transaction', quantity: 1, reason: 'r:transaction' }] },
    ]);
  });
});
