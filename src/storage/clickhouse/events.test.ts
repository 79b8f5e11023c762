import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseStore } from './client.js';
import { toDateTime64 } from './datetime.js';
import {
  countEvents,
  encodeEventRow,
  withGroupId,
  EVENTS_TABLE,
  getEvent,
  getLatestEvent,
  getOldestEvent,
  groupStats,
  hashMapEntry,
  listGroupEvents,
  queryIssueAggregates,
} from './events.js';
import type { ErrorEventRow } from './events.js';
import { BatchSink, jsonLinesWriter } from './sink.js';
import { closeTestStore, openTestStore } from './test-store.js';

const HOUR = 3_600_000;
// Recent times: rows older than retention_days are removed by the table's TTL.
const t0 = new Date(Math.floor((Date.now() - 2 * 24 * HOUR) / HOUR) * HOUR);
const at = (offsetMs: number): Date => new Date(t0.getTime() + offsetMs);

function row(eventId: string, overrides: Partial<ErrorEventRow> & { time: Date }): ErrorEventRow {
  const { time, ...rest } = overrides;
  return {
    project_id: 1,
    timestamp: toDateTime64(time),
    event_id: eventId,
    group_id: 10,
    primary_hash: 'f'.repeat(32),
    received: toDateTime64(time),
    type: 'error',
    level: 'error',
    platform: 'node',
    logger: '',
    release: 'app@1.0.0',
    dist: '',
    environment: 'prod',
    transaction: '/checkout',
    message: 'TypeError: boom',
    title: 'TypeError: boom',
    culprit: 'app.js in handler',
    user_id: '',
    user_email: '',
    user_username: '',
    user_ip: '',
    user: '',
    sdk_name: 'sentry.javascript.node',
    sdk_version: '11.11.0',
    trace_id: '',
    replay_id: '',
    exception_types: ['TypeError'],
    exception_values: ['boom'],
    handled: 0,
    'tags.key': [],
    'tags.value': [],
    'flags.key': [],
    'flags.value': [],
    data: JSON.stringify({ event_id: eventId, message: 'boom' }),
    retention_days: 90,
    ...rest,
  };
}

const E1 = '1'.repeat(32);
const E2 = '2'.repeat(32);
const E3 = '3'.repeat(32);
const E4 = '4'.repeat(32);
const E5 = '5'.repeat(32);

const ROWS: ErrorEventRow[] = [
  row(E1, {
    time: at(0),
    user_id: '1',
    user: 'id:1',
    'tags.key': ['browser', 'level'],
    'tags.value': ['Chrome', 'error'],
    'flags.key': ['feature_x'],
    'flags.value': ['true'],
    data: JSON.stringify({ event_id: E1, message: 'first', extra: { n: 1 } }),
  }),
  row(E2, {
    time: at(HOUR),
    user: 'id:2',
    environment: 'dev',
    handled: 1,
    'tags.key': ['browser'],
    'tags.value': ['Firefox'],
  }),
  row(E3, { time: at(2 * HOUR), handled: null, 'tags.key': ['a=b'], 'tags.value': ['c'] }),
  row(E4, {
    time: at(HOUR / 2),
    group_id: 11,
    user: 'id:1',
    'tags.key': ['back\\slash'],
    'tags.value': ['v'],
  }),
  row(E5, { time: at(0), project_id: 2, group_id: 20, user: 'id:9' }),
];

let store: ClickHouseStore;

beforeAll(async () => {
  store = await openTestStore('events');
  const sink = new BatchSink<ErrorEventRow>({ store, table: EVENTS_TABLE, maxDelayMs: 10 });
  expect(sink.push(ROWS.slice(0, 2))).toBe(true);
  expect(sink.push(ROWS.slice(2))).toBe(true);
  await sink.close();
  expect(sink.pendingRows).toBe(0);
});

afterAll(() => closeTestStore(store));

describe('countEvents', () => {
  it('counts per project set, environment and time range', async () => {
    expect(await countEvents(store, { projectIds: [1] })).toBe(4);
    expect(await countEvents(store, { projectIds: [1, 2] })).toBe(5);
    expect(await countEvents(store, { projectIds: [] })).toBe(0);
    expect(await countEvents(store, { projectIds: [1], environment: ['prod'] })).toBe(3);
    expect(await countEvents(store, { projectIds: [1], start: at(HOUR), end: at(2 * HOUR) })).toBe(1);
    expect(await countEvents(store, { projectIds: [1], groupIds: [11] })).toBe(1);
  });
});

describe('queryIssueAggregates', () => {
  it('returns count, distinct users and first/last seen per group', async () => {
    const aggregates = await queryIssueAggregates(store, { projectIds: [1] });
    expect(aggregates).toEqual([
      { group_id: 10, count: 3, user_count: 2, first_seen: at(0), last_seen: at(2 * HOUR), unhandled: true },
      {
        group_id: 11,
        count: 1,
        user_count: 1,
        first_seen: at(HOUR / 2),
        last_seen: at(HOUR / 2),
        unhandled: true,
      },
    ]);
  });

  it('filters the per-issue aggregates with a HAVING condition', async () => {
    const busy = await queryIssueAggregates(store, {
      projectIds: [1],
      having: { sql: 'count() > {h0:UInt64}', params: { h0: 1 } },
    });
    expect(busy.map((a) => a.group_id)).toEqual([10]);
  });

  it('applies start, groupIds and environment', async () => {
    expect(
      await queryIssueAggregates(store, { projectIds: [1, 2], groupIds: [10], start: at(HOUR) }),
    ).toEqual([
      // The unhandled event of group 10 is before `start`: the remaining ones are handled or unknown.
      {
        group_id: 10,
        count: 2,
        user_count: 1,
        first_seen: at(HOUR),
        last_seen: at(2 * HOUR),
        unhandled: false,
      },
    ]);
    const dev = await queryIssueAggregates(store, { projectIds: [1], environment: ['dev'] });
    expect(dev.map((a) => [a.group_id, a.count])).toEqual([[10, 1]]);
    expect(await queryIssueAggregates(store, { projectIds: [1], groupIds: [] })).toEqual([]);
  });

  it('matches tags through the hash map and rejects a wrong value', async () => {
    const byTag = (key: string, value: string) =>
      queryIssueAggregates(store, {
        projectIds: [1],
        where: {
          sql: 'has(_tags_hash_map, cityHash64({p0:String}))',
          params: { p0: hashMapEntry(key, value) },
        },
      });
    expect((await byTag('browser', 'Chrome')).map((a) => [a.group_id, a.count])).toEqual([[10, 1]]);
    expect(await byTag('browser', 'Chrom')).toEqual([]);
    expect(await byTag('browse', 'Chrome')).toEqual([]);
  });

  it('escapes = and \\ in keys', async () => {
    const has = (entry: string) =>
      countEvents(store, {
        projectIds: [1],
        where: { sql: 'has(_tags_hash_map, cityHash64({p0:String}))', params: { p0: entry } },
      });
    expect(hashMapEntry('a=b', 'c')).toBe('a\\=b=c');
    expect(await has(hashMapEntry('a=b', 'c'))).toBe(1);
    // Unescaped, "a=b=c" would also be key "a" with value "b=c"; it must not match.
    expect(await has('a=b=c')).toBe(0);
    expect(await has(hashMapEntry('back\\slash', 'v'))).toBe(1);
    expect(await has('back\\slash=v')).toBe(0);
  });

  it('matches flags through the flags hash map', async () => {
    const byFlag = (value: string) =>
      countEvents(store, {
        projectIds: [1, 2],
        where: {
          sql: 'has(_flags_hash_map, cityHash64({p0:String}))',
          params: { p0: hashMapEntry('feature_x', value) },
        },
      });
    expect(await byFlag('true')).toBe(1);
    expect(await byFlag('false')).toBe(0);
  });

  it('refuses filter parameters in the reserved namespace', async () => {
    await expect(
      countEvents(store, { projectIds: [1], where: { sql: '1', params: { vigil_project_ids: [2] } } }),
    ).rejects.toThrow(/reserved/);
  });
});

describe('pre-encoded rows (encodeEventRow + withGroupId + jsonLinesWriter)', () => {
  it('stores the event object as its JSON text and the issue id added afterwards', async () => {
    const id = 'abcdefabcdefabcdefabcdefabcdef01';
    const { group_id: _g, data: _d, ...rest } = row(id, { time: at(3 * HOUR), project_id: 7 });
    const data = {
      event_id: id,
      message: 'quote " and \\ backslash',
      tags: [['a', 'b']],
      nested: { n: 1.5 },
    };
    const sink = new BatchSink<string>({
      store,
      table: EVENTS_TABLE,
      maxDelayMs: 10,
      write: jsonLinesWriter(store, EVENTS_TABLE),
    });
    expect(sink.push([withGroupId(encodeEventRow({ ...rest, data }), 77)])).toBe(true);
    await sink.close();
    const stored = await getEvent(store, 7, id);
    expect(stored?.group_id).toBe(77);
    expect(stored?.data).toEqual(data);
    expect(stored?.timestamp).toEqual(at(3 * HOUR));
  });
});

describe('getEvent', () => {
  it('reads the whole row with parsed data and UTC dates', async () => {
    const event = await getEvent(store, 1, E1);
    expect(event).not.toBeNull();
    expect(event).toMatchObject({
      project_id: 1,
      event_id: E1,
      group_id: 10,
      timestamp: at(0),
      received: at(0),
      user: 'id:1',
      user_id: '1',
      environment: 'prod',
      handled: 0,
      exception_types: ['TypeError'],
      'tags.key': ['browser', 'level'],
      'tags.value': ['Chrome', 'error'],
      'flags.key': ['feature_x'],
      'flags.value': ['true'],
      data: { event_id: E1, message: 'first', extra: { n: 1 } },
      retention_days: 90,
    });
    expect((await getEvent(store, 1, E3))?.handled).toBeNull();
    expect((await getEvent(store, 1, E2))?.handled).toBe(1);
  });

  it('accepts dashed upper-case ids and returns null for other projects or bad ids', async () => {
    const dashed = '11111111-1111-1111-1111-111111111111'.toUpperCase();
    expect((await getEvent(store, 1, dashed))?.event_id).toBe(E1);
    expect(await getEvent(store, 2, E1)).toBeNull();
    expect(await getEvent(store, 1, 'not-an-id')).toBeNull();
    expect(await getEvent(store, 1, 'a'.repeat(32))).toBeNull();
  });
});

describe('listGroupEvents', () => {
  it('orders latest and oldest and pages', async () => {
    const ids = async (order: 'latest' | 'oldest', limit = 10, offset = 0) =>
      (await listGroupEvents(store, { groupId: 10, limit, offset, order })).map((e) => e.event_id);
    expect(await ids('latest')).toEqual([E3, E2, E1]);
    expect(await ids('oldest')).toEqual([E1, E2, E3]);
    expect(await ids('latest', 1, 1)).toEqual([E2]);
    expect(
      await listGroupEvents(store, { groupId: 10, projectId: 2, limit: 10, offset: 0, order: 'latest' }),
    ).toEqual([]);
  });

  it('gets the latest and oldest event of a group', async () => {
    expect((await getLatestEvent(store, 10))?.event_id).toBe(E3);
    expect((await getOldestEvent(store, 10, 1))?.event_id).toBe(E1);
    expect((await getLatestEvent(store, 10))?.data).toEqual({ event_id: E3, message: 'boom' });
    expect(await getLatestEvent(store, 999)).toBeNull();
  });
});

describe('groupStats', () => {
  it('counts per hour, zero-filled, for every requested group', async () => {
    const stats = await groupStats(store, {
      groupIds: [10, 11, 99],
      since: at(0),
      until: at(3 * HOUR),
      interval: 'hour',
    });
    const counts = (g: number) => stats.get(g)?.map((b) => b.count);
    expect(counts(10)).toEqual([1, 1, 1]);
    expect(counts(11)).toEqual([1, 0, 0]);
    expect(counts(99)).toEqual([0, 0, 0]);
    expect(stats.get(10)?.map((b) => b.start)).toEqual([at(0), at(HOUR), at(2 * HOUR)]);
  });

  it('counts per day and honours projectIds', async () => {
    const stats = await groupStats(store, {
      groupIds: [10, 20],
      since: at(0),
      until: at(3 * HOUR),
      interval: 'day',
      projectIds: [1],
    });
    const total = (g: number) => (stats.get(g) ?? []).reduce((sum, b) => sum + b.count, 0);
    expect(total(10)).toBe(3);
    expect(total(20)).toBe(0);
    for (const bucket of stats.get(10) ?? []) expect(bucket.start.getTime() % (24 * HOUR)).toBe(0);
  });
});
