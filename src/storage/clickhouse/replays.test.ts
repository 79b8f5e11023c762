import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseStore } from './client.js';
import { closeTestStore, openTestStore } from './test-store.js';
import { toDateTime64 } from './datetime.js';
import { CLICKHOUSE_MIGRATIONS } from './migrations.js';
import { encodeEventRow, withGroupId, type EventRowInput } from './events.js';
import {
  REPLAYS_MIGRATION,
  REPLAYS_TABLE,
  REPLAY_RECORDINGS_MIGRATION,
  REPLAY_RECORDINGS_TABLE,
  encodeReplayClickRow,
  encodeReplayRecordingRow,
  encodeReplaySegmentRow,
  getReplay,
  linkedErrorIds,
  listRecordingSegments,
  listReplays,
  type ReplayClickInput,
  type ReplaySegmentInput,
} from './replays.js';
import { compileReplaySearch } from '../../query/replay-search.js';

const HOUR_S = 3600;
// Recent times: rows older than retention_days are removed by the tables' TTL.
const T0 = Math.floor(Date.now() / 1000 / HOUR_S) * HOUR_S - 2 * 24 * HOUR_S;
const REPLAY_A = 'aa'.repeat(16);
const REPLAY_B = 'bb'.repeat(16);
const REPLAY_C = 'cc'.repeat(16);
const ERROR_1 = '11'.repeat(16);
const ERROR_2 = '22'.repeat(16);
const TRACE = '33'.repeat(16);

let store: ClickHouseStore;

function segment(overrides: Partial<ReplaySegmentInput> = {}): ReplaySegmentInput {
  return {
    projectId: 1,
    replayId: REPLAY_A,
    eventId: REPLAY_A,
    segmentId: 0,
    replayType: 'session',
    timestamp: T0,
    replayStartTimestamp: undefined,
    receivedAt: T0,
    urls: [],
    errorIds: [],
    traceIds: [],
    platform: 'javascript',
    release: 'web@1',
    environment: 'production',
    dist: '',
    user: { id: '42', username: 'jane', email: 'jane@example.org', ipAddress: '203.0.113.9' },
    sdk: { name: 'sentry.javascript.browser', version: '11.11.0' },
    browser: { name: 'Chrome', version: '120.0' },
    os: { name: 'Linux', version: '' },
    device: { name: '', brand: '', family: 'Other', model: '' },
    tags: [['page', 'checkout']],
    errorSampleRate: 1,
    sessionSampleRate: 1,
    ...overrides,
  };
}

function click(overrides: Partial<ReplayClickInput['click']> = {}): string {
  return encodeReplayClickRow({
    projectId: 1,
    replayId: REPLAY_A,
    receivedAt: T0,
    click: {
      nodeId: 7,
      tag: 'button',
      id: 'pay',
      classes: ['btn', 'primary'],
      text: 'Pay',
      role: '',
      alt: '',
      testid: 'pay-button',
      ariaLabel: '',
      title: '',
      componentName: '',
      isDead: false,
      isRage: false,
      timestamp: T0 + 3,
      ...overrides,
    },
  });
}

beforeAll(async () => {
  store = await openTestStore('replays', [
    ...CLICKHOUSE_MIGRATIONS.filter((m) => m.version === 1),
    REPLAYS_MIGRATION,
    REPLAY_RECORDINGS_MIGRATION,
  ]);
  await store.insertJsonLines(REPLAYS_TABLE, [
    // Replay A: two segments (the second one sent twice), urls in segment order, two clicks.
    encodeReplaySegmentRow(
      segment({ timestamp: T0 + 5, replayStartTimestamp: T0, urls: ['http://shop/', 'http://shop/cart'] }),
    ),
    encodeReplaySegmentRow(
      segment({
        segmentId: 1,
        timestamp: T0 + 65,
        urls: ['http://shop/pay'],
        errorIds: [ERROR_1],
        traceIds: [TRACE],
      }),
    ),
    encodeReplaySegmentRow(
      segment({
        segmentId: 1,
        timestamp: T0 + 65,
        urls: ['http://shop/pay'],
        errorIds: [ERROR_1],
        traceIds: [TRACE],
      }),
    ),
    click(),
    click({ nodeId: 9, id: 'dead', isDead: true, isRage: true, timestamp: T0 + 9 }),
    // Replay B: newer, production, one segment.
    encodeReplaySegmentRow(
      segment({ replayId: REPLAY_B, timestamp: T0 + HOUR_S, replayStartTimestamp: T0 + HOUR_S - 10 }),
    ),
    // Replay C: no segment 0 (its first segment was lost), so it is not listed.
    encodeReplaySegmentRow(segment({ replayId: REPLAY_C, segmentId: 3, timestamp: T0 + 2 * HOUR_S })),
  ]);
  await store.insertJsonLines(REPLAY_RECORDINGS_TABLE, [
    encodeReplayRecordingRow({
      projectId: 1,
      replayId: REPLAY_A,
      segmentId: 1,
      rrweb: '[{"type":3}]',
      receivedAt: T0 + 65,
    }),
    encodeReplayRecordingRow({
      projectId: 1,
      replayId: REPLAY_A,
      segmentId: 0,
      rrweb: '[{"type":4},{"type":2}]',
      receivedAt: T0 + 5,
    }),
    // A resent segment 1: the latest copy wins.
    encodeReplayRecordingRow({
      projectId: 1,
      replayId: REPLAY_A,
      segmentId: 1,
      rrweb: '[{"type":3,"data":{}}]',
      receivedAt: T0 + 66,
    }),
  ]);
  const event: EventRowInput = {
    project_id: 1,
    timestamp: toDateTime64(new Date((T0 + 60) * 1000)),
    event_id: ERROR_2,
    primary_hash: 'a'.repeat(32),
    received: toDateTime64(new Date((T0 + 60) * 1000)),
    type: 'error',
    level: 'error',
    platform: 'javascript',
    logger: '',
    release: '',
    dist: '',
    environment: 'production',
    transaction: '',
    message: 'boom',
    title: 'Error: boom',
    culprit: '',
    user_id: '',
    user_email: '',
    user_username: '',
    user_ip: '',
    user: '',
    sdk_name: '',
    sdk_version: '',
    trace_id: '',
    replay_id: REPLAY_A,
    exception_types: [],
    exception_values: [],
    handled: null,
    'tags.key': [],
    'tags.value': [],
    'flags.key': [],
    'flags.value': [],
    data: {},
    retention_days: 90,
  };
  await store.insertJsonLines('events', [withGroupId(encodeEventRow(event), 5)]);
}, 60_000);

afterAll(() => closeTestStore(store));

describe('replays', () => {
  it('aggregates the segments of a replay as Sentry does', async () => {
    const replay = await getReplay(store, [1], REPLAY_A.toUpperCase());
    expect(replay).toMatchObject({
      projectId: 1,
      replayId: REPLAY_A,
      startedAt: new Date(T0 * 1000),
      finishedAt: new Date((T0 + 65) * 1000),
      duration: 65,
      countSegments: 2,
      errorIds: [ERROR_1, ERROR_2],
      countErrors: 2,
      traceIds: [TRACE],
      urls: ['http://shop/', 'http://shop/cart', 'http://shop/pay'],
      releases: ['web@1'],
      environment: 'production',
      platform: 'javascript',
      replayType: 'session',
      user: { id: '42', username: 'jane', email: 'jane@example.org', ip: '203.0.113.9' },
      sdk: { name: 'sentry.javascript.browser', version: '11.11.0' },
      browser: { name: 'Chrome', version: '120.0' },
      os: { name: 'Linux', version: '' },
      countDeadClicks: 1,
      countRageClicks: 1,
    });
    expect(replay!.clicks).toHaveLength(2);
    expect(replay!.clicks).toContainEqual(
      expect.objectContaining({
        tag: 'button',
        id: 'pay',
        classes: ['btn', 'primary'],
        testid: 'pay-button',
      }),
    );
    // A resent segment counts once: floor((2 errors * 25 + 3 urls * 5) / 10) = 6.
    expect(replay!.activity).toBe(6);
    expect(await getReplay(store, [2], REPLAY_A)).toBeNull();
    expect(await getReplay(store, [1], REPLAY_C)).toBeNull();
    expect(await getReplay(store, [1], 'not-an-id')).toBeNull();
  });

  it('lists replays that have their first segment, newest first, with sorting and paging', async () => {
    const all = await listReplays(store, { projectIds: [1], limit: 10 });
    expect(all.map((r) => r.replayId)).toEqual([REPLAY_B, REPLAY_A]);
    const byErrors = await listReplays(store, { projectIds: [1], limit: 10, sort: 'count_errors' });
    expect(byErrors.map((r) => r.replayId)).toEqual([REPLAY_A, REPLAY_B]);
    const oldestFirst = await listReplays(store, { projectIds: [1], limit: 1, cursor: 1, descending: false });
    expect(oldestFirst.map((r) => r.replayId)).toEqual([REPLAY_B]);
    const window = await listReplays(store, {
      projectIds: [1],
      limit: 10,
      start: new Date((T0 + HOUR_S - 1) * 1000),
    });
    expect(window.map((r) => r.replayId)).toEqual([REPLAY_B]);
    expect(await listReplays(store, { projectIds: [1], limit: 10, environments: ['staging'] })).toEqual([]);
    expect(await listReplays(store, { projectIds: [], limit: 10 })).toEqual([]);
  });

  it('links error events by their replay id', async () => {
    const linked = await linkedErrorIds(store, [1], [REPLAY_A, REPLAY_B]);
    expect(linked.get(REPLAY_A)).toEqual([ERROR_2]);
    expect(linked.has(REPLAY_B)).toBe(false);
  });

  it('reads recording segments in order, the latest copy of each', async () => {
    const segments = await listRecordingSegments(store, 1, REPLAY_A);
    expect(segments).toEqual([
      { segmentId: 0, received: new Date((T0 + 5) * 1000), rrweb: '[{"type":4},{"type":2}]' },
      { segmentId: 1, received: new Date((T0 + 66) * 1000), rrweb: '[{"type":3,"data":{}}]' },
    ]);
    expect(await listRecordingSegments(store, 1, REPLAY_A, { limit: 10, segmentId: 1 })).toEqual([
      { segmentId: 1, received: new Date((T0 + 66) * 1000), rrweb: '[{"type":3,"data":{}}]' },
    ]);
    expect(await listRecordingSegments(store, 1, REPLAY_A, { limit: 1, cursor: 1 })).toHaveLength(1);
    expect(await listRecordingSegments(store, 2, REPLAY_A)).toEqual([]);
    expect(await listRecordingSegments(store, 1, 'nope')).toEqual([]);
  });

  it.each([
    ['browser.name:Chrome', [REPLAY_B, REPLAY_A]],
    ['!browser.name:Chrome', []],
    ['click.tag:button', [REPLAY_A]],
    ['!click.id:dead', [REPLAY_B]],
    ['click.class:primary', [REPLAY_A]],
    ['url:*pay', [REPLAY_A]],
    [`error_id:${ERROR_1}`, [REPLAY_A]],
    ['count_errors:>0', [REPLAY_A]],
    ['count_segments:1', [REPLAY_B]],
    ['duration:>1m', [REPLAY_A]],
    ['count_dead_clicks:>=1 OR user.email:nobody@example.org', [REPLAY_A]],
    ['(release:web@1 count_urls:0) OR count_rage_clicks:1', [REPLAY_B, REPLAY_A]],
    [`id:${REPLAY_B.toUpperCase()}`, [REPLAY_B]],
  ])('searches replays with %s', async (query, expected) => {
    const search = compileReplaySearch(query);
    if (!search.ok) throw new Error(search.error.message);
    const found = await listReplays(store, { projectIds: [1], limit: 10, search: search.value });
    expect(found.map((r) => r.replayId)).toEqual(expected);
  });
});
