import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseStore } from './client.js';
import { closeTestStore, openTestStore } from './test-store.js';
import { toDateTime64 } from './datetime.js';
import { CLICKHOUSE_MIGRATIONS, appliedVersions } from './migrations.js';
import { encodeEventRow, withGroupId, type EventRowInput } from './events.js';
import {
  FEEDBACK_MIGRATION,
  FEEDBACK_TABLE,
  encodeFeedbackRow,
  feedbackRow,
  getAssociatedEvents,
  getFeedback,
  listFeedback,
  type FeedbackRowInput,
} from './feedback.js';

const HOUR_S = 3600;
// Recent times: rows older than retention_days are removed by the table's TTL.
const T0 = Math.floor(Date.now() / 1000 / HOUR_S) * HOUR_S - 2 * 24 * HOUR_S;
const id = (n: number): string => n.toString(16).padStart(32, '0');
const ERROR_ID = 'ee'.repeat(16);

let store: ClickHouseStore;

function input(overrides: Partial<FeedbackRowInput> = {}): FeedbackRowInput {
  return {
    projectId: 1,
    feedbackId: id(1),
    itemType: 'feedback',
    timestamp: T0,
    receivedAt: T0,
    message: 'hello',
    contactEmail: '',
    name: '',
    url: '',
    source: 'api',
    associatedEventId: '',
    replayId: '',
    traceId: '',
    release: '',
    environment: 'production',
    platform: 'node',
    level: 'info',
    user: { id: '', email: '', username: '', ipAddress: '', name: '' },
    tags: [],
    event: { type: 'feedback' },
    ...overrides,
  };
}

async function insert(...rows: FeedbackRowInput[]): Promise<void> {
  await store.insertJsonLines(
    FEEDBACK_TABLE,
    rows.map((row) => encodeFeedbackRow(feedbackRow(row))),
  );
}

beforeAll(async () => {
  // Versions 4 and 5 belong to other tables; migrate() must accept the gap.
  store = await openTestStore('feedback', [
    ...CLICKHOUSE_MIGRATIONS.filter((m) => m.version < 4),
    FEEDBACK_MIGRATION,
  ]);
  await insert(
    input({
      feedbackId: id(1),
      timestamp: T0,
      receivedAt: T0 + 1,
      message: 'The checkout button does nothing',
      contactEmail: 'jane@example.org',
      name: 'Jane',
      url: 'https://shop.example.org/checkout',
      associatedEventId: ERROR_ID,
      replayId: 'bb'.repeat(16),
      traceId: 'cc'.repeat(16),
      release: 'app@1',
      user: { id: '42', email: 'jane@example.org', username: 'jane', ipAddress: '203.0.113.9', name: 'J' },
      tags: [
        ['associated_event_id', ERROR_ID],
        ['has_linked_error', 'true'],
      ],
      event: { type: 'feedback', contexts: { feedback: { message: 'The checkout button does nothing' } } },
    }),
    input({ feedbackId: id(2), timestamp: T0 + HOUR_S, receivedAt: T0 + HOUR_S, environment: 'staging' }),
    // A user report, then a replacement of it five minutes later: one feedback, latest content.
    input({
      feedbackId: id(3),
      itemType: 'user_report',
      timestamp: T0 + 2 * HOUR_S,
      receivedAt: T0 + 2 * HOUR_S,
      message: 'first words',
      associatedEventId: ERROR_ID,
    }),
    input({
      feedbackId: id(3),
      itemType: 'user_report',
      timestamp: T0 + 2 * HOUR_S + 300,
      receivedAt: T0 + 2 * HOUR_S + 300,
      message: 'second thoughts',
      associatedEventId: ERROR_ID,
    }),
    input({ projectId: 2, feedbackId: id(4), timestamp: T0 + 3 * HOUR_S, receivedAt: T0 + 3 * HOUR_S }),
  );
  const event: EventRowInput = {
    project_id: 1,
    timestamp: toDateTime64(new Date(T0 * 1000)),
    event_id: ERROR_ID,
    primary_hash: 'a'.repeat(32),
    received: toDateTime64(new Date(T0 * 1000)),
    type: 'error',
    level: 'error',
    platform: 'node',
    logger: '',
    release: '',
    dist: '',
    environment: 'production',
    transaction: '',
    message: 'boom',
    title: 'Error: boom',
    culprit: '',
    user_id: '42',
    user_email: 'jane@example.org',
    user_username: 'jane',
    user_ip: '203.0.113.9',
    user: 'id:42',
    sdk_name: '',
    sdk_version: '',
    trace_id: '',
    replay_id: '',
    exception_types: [],
    exception_values: [],
    handled: null,
    'tags.key': [],
    'tags.value': [],
    'flags.key': [],
    'flags.value': [],
    data: { user: { id: '42', name: 'Jane Doe' } },
    retention_days: 90,
  };
  await store.insertJsonLines('events', [withGroupId(encodeEventRow(event), 77)]);
});

afterAll(() => closeTestStore(store));

describe('feedback table', () => {
  it('is migration 6 and leaves 4 and 5 to later migrations', async () => {
    expect(await appliedVersions(store)).toEqual([1, 2, 3, 6]);
  });

  it('lists feedback newest first, folding replaced user reports', async () => {
    const page = await listFeedback(store, { projectIds: [1], limit: 10 });
    expect(page.map((f) => [f.feedbackId, f.message])).toEqual([
      [id(3), 'second thoughts'],
      [id(2), 'hello'],
      [id(1), 'The checkout button does nothing'],
    ]);
    // The first report's date, the latest report's content.
    expect(page[0]!.timestamp.getTime()).toBe((T0 + 2 * HOUR_S) * 1000);
    expect(page[0]!.received.getTime()).toBe((T0 + 2 * HOUR_S + 300) * 1000);
    expect(page[0]!.itemType).toBe('user_report');
  });

  it('reads back every column', async () => {
    const stored = await getFeedback(store, 1, id(1).toUpperCase());
    expect(stored).toEqual({
      projectId: 1,
      feedbackId: id(1),
      itemType: 'feedback',
      timestamp: new Date(T0 * 1000),
      received: new Date((T0 + 1) * 1000),
      message: 'The checkout button does nothing',
      contactEmail: 'jane@example.org',
      name: 'Jane',
      url: 'https://shop.example.org/checkout',
      source: 'api',
      associatedEventId: ERROR_ID,
      replayId: 'bb'.repeat(16),
      traceId: 'cc'.repeat(16),
      release: 'app@1',
      environment: 'production',
      platform: 'node',
      level: 'info',
      user: { id: '42', email: 'jane@example.org', username: 'jane', ipAddress: '203.0.113.9', name: 'J' },
      tags: [
        ['associated_event_id', ERROR_ID],
        ['has_linked_error', 'true'],
      ],
      data: { type: 'feedback', contexts: { feedback: { message: 'The checkout button does nothing' } } },
    });
    expect(await getFeedback(store, 2, id(1))).toBeNull();
    expect(await getFeedback(store, 1, 'nope')).toBeNull();
  });

  it('filters by time, environment, associated event and project, and pages with an offset', async () => {
    const ids = async (options: Partial<Parameters<typeof listFeedback>[1]>): Promise<string[]> =>
      (await listFeedback(store, { projectIds: [1], limit: 10, ...options })).map((f) => f.feedbackId);
    expect(
      await ids({ start: new Date((T0 + HOUR_S) * 1000), end: new Date((T0 + 2 * HOUR_S) * 1000) }),
    ).toEqual([id(2)]);
    expect(await ids({ environments: ['staging'] })).toEqual([id(2)]);
    expect(await ids({ associatedEventId: ERROR_ID.toUpperCase() })).toEqual([id(3), id(1)]);
    expect(await ids({ associatedEventId: 'x' })).toEqual([]);
    expect(await ids({ linkedOnly: true })).toEqual([id(3), id(1)]);
    expect(await ids({ projectIds: [1, 2], limit: 2, cursor: 1 })).toEqual([id(3), id(2)]);
    expect(await ids({ projectIds: [] })).toEqual([]);
  });

  it('finds the associated error events with their issue and user', async () => {
    const found = await getAssociatedEvents(store, 1, [ERROR_ID, id(9), 'bad']);
    expect([...found.values()]).toEqual([
      {
        eventId: ERROR_ID,
        groupId: 77,
        environment: 'production',
        user: {
          id: '42',
          email: 'jane@example.org',
          username: 'jane',
          ipAddress: '203.0.113.9',
          name: 'Jane Doe',
        },
      },
    ]);
    expect((await getAssociatedEvents(store, 2, [ERROR_ID])).size).toBe(0);
  });
});
