// The sessions reader on embedded ClickHouse (chDB) over the real migrations: rows shaped like
// the processing output, the semantics of reference/sentry-semantics.md §6.2 (every session
// counted once, its worst status wins), groupings, filters and series.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NIL_SESSION_ID, type SessionColumns } from '../../protocol/session-columns.js';
import type { ClickHouseStore } from './client.js';
import { closeTestStore, openTestStore } from './test-store.js';
import { appliedVersions, migrate } from './migrations.js';
import {
  SESSIONS_MIGRATION,
  SESSIONS_TABLE,
  encodeSessionRow,
  listSessionRows,
  querySessions,
  type SessionsQuery,
} from './sessions.js';
import type { SessionsGroup, SessionsResult } from './session-metrics.js';

const HOUR = 3600_000;
// Recent hours (rows older than retention_days are removed by the table's TTL).
const T0 = Math.floor(Date.now() / HOUR) * HOUR - 6 * HOUR;
const at = (hours: number, minutes = 0): number => T0 + hours * HOUR + minutes * 60_000;

let seqCounter = 0;
function update(
  sid: number,
  over: Partial<SessionColumns<number>> & { started: number },
): SessionColumns<number> {
  return {
    project_id: 1,
    session_id: `00000000-0000-4000-8000-${String(sid).padStart(12, '0')}`,
    distinct_id: '',
    seq: over.init === 1 ? 0 : ++seqCounter,
    init: 0,
    status: 'ok',
    errors: 0,
    timestamp: over.started,
    received: over.started,
    duration: null,
    release: 'app@1.0',
    environment: 'prod',
    quantity: 1,
    aggregate: 0,
    abnormal_mechanism: 'none',
    sdk: 'sentry.javascript.node/11.11.0',
    ip_address: '',
    retention_days: 90,
    ...over,
  };
}

function aggregate(over: Partial<SessionColumns<number>> & { started: number }): SessionColumns<number> {
  return update(0, {
    session_id: NIL_SESSION_ID,
    init: 1,
    seq: 0,
    aggregate: 1,
    release: 'app@2.0',
    environment: 'staging',
    ...over,
  });
}

const ROWS: Array<SessionColumns<number>> = [
  // app@1.0 / prod, hour 0: healthy (u1, 10 s), errored (u2), crashed on its first update (u3).
  update(1, { distinct_id: 'u1', init: 1, started: at(0, 10) }),
  update(1, { distinct_id: 'u1', status: 'exited', duration: 10, started: at(0, 10) }),
  update(2, { distinct_id: 'u2', init: 1, errors: 1, started: at(0, 20) }),
  update(2, { distinct_id: 'u2', status: 'exited', errors: 1, duration: 30, started: at(0, 20) }),
  update(3, { distinct_id: 'u3', init: 1, status: 'crashed', errors: 1, started: at(0, 30) }),
  // hour 1: crashed with two crashed updates (u3 again), abnormal without a user,
  // unhandled (u4), and an update whose init was never received (u5).
  update(4, { distinct_id: 'u3', init: 1, started: at(1, 5) }),
  update(4, { distinct_id: 'u3', status: 'crashed', errors: 1, started: at(1, 5) }),
  update(4, { distinct_id: 'u3', status: 'crashed', errors: 2, started: at(1, 5) }),
  update(5, {
    init: 1,
    status: 'abnormal',
    errors: 1,
    abnormal_mechanism: 'anr_foreground',
    started: at(1, 6),
  }),
  update(6, { distinct_id: 'u4', init: 1, started: at(1, 7) }),
  update(6, { distinct_id: 'u4', status: 'unhandled', errors: 1, started: at(1, 7) }),
  update(7, { distinct_id: 'u5', status: 'exited', duration: 50, started: at(1, 8) }),
  // app@2.0 / staging: aggregates, hour 2 with a user and hour 3 without.
  aggregate({ status: 'exited', quantity: 3, distinct_id: 'agg-user', started: at(2) }),
  aggregate({ status: 'errored', errors: 1, quantity: 2, distinct_id: 'agg-user', started: at(2) }),
  aggregate({ status: 'crashed', errors: 1, quantity: 1, distinct_id: 'agg-user', started: at(2) }),
  aggregate({ status: 'exited', quantity: 4, started: at(3) }),
  // Project 2: one healthy session of u1; and a session before the range.
  update(8, { project_id: 2, distinct_id: 'u1', init: 1, status: 'exited', started: at(0, 40) }),
  update(9, { distinct_id: 'u9', init: 1, status: 'crashed', errors: 1, started: at(-2) }),
];

let store: ClickHouseStore;

beforeAll(async () => {
  store = await openTestStore('sessions');
  await store.insertJsonLines(SESSIONS_TABLE, ROWS.map(encodeSessionRow));
});

afterAll(() => closeTestStore(store));

const base: SessionsQuery = {
  projectIds: [1],
  start: new Date(at(0)),
  end: new Date(at(5)),
  interval: 3600,
  groupBy: [],
  fields: [],
};

async function query(over: Partial<SessionsQuery>): Promise<SessionsResult> {
  const result = await querySessions(store, { ...base, ...over });
  if (!result.ok) throw new Error(result.error.detail);
  return result.value;
}

const byKey = (groups: SessionsGroup[], key: string): Record<string, SessionsGroup> =>
  Object.fromEntries(groups.map((g) => [String(g.by[key]), g]));

describe('SESSIONS_MIGRATION', () => {
  it('is version 2 after the events table and is idempotent', async () => {
    expect(SESSIONS_MIGRATION.version).toBe(2);
    expect((await appliedVersions(store)).slice(0, 2)).toEqual([1, 2]);
    const again = await migrate(store);
    expect(again.applied).toEqual([]);
  });

  it('stores rows as encoded (times, UUIDs, nullable duration)', async () => {
    const rows = await listSessionRows(store, 2);
    expect(rows).toEqual([
      {
        ...ROWS[16],
        session_id: '00000000-0000-4000-8000-000000000008',
        started: new Date(at(0, 40)),
        timestamp: new Date(at(0, 40)),
        received: new Date(at(0, 40)),
      },
    ]);
  });
});

describe('querySessions: release health per release', () => {
  const FIELDS = [
    'sum(session)',
    'count_unique(user)',
    'crash_free_rate(session)',
    'crash_free_rate(user)',
    'crash_rate(session)',
    'crash_rate(user)',
  ] as const;

  it('counts each session once with its worst status (sentry-semantics §6.2)', async () => {
    const result = await query({ groupBy: ['release'], fields: FIELDS });
    const groups = byKey(result.groups, 'release');
    // app@1.0: 6 sessions with an init update, 2 crashed (s3, s4 with two crashed updates);
    // users u1..u5, of whom u3 crashed.
    expect(groups['app@1.0']!.totals).toEqual({
      'sum(session)': 6,
      'count_unique(user)': 5,
      'crash_free_rate(session)': 1 - 2 / 6,
      'crash_free_rate(user)': 1 - 1 / 5,
      'crash_rate(session)': 2 / 6,
      'crash_rate(user)': 1 / 5,
    });
    // app@2.0: aggregates 3 + 2 + 1 + 4 = 10 sessions, 1 crashed; its one user crashed.
    expect(groups['app@2.0']!.totals).toEqual({
      'sum(session)': 10,
      'count_unique(user)': 1,
      'crash_free_rate(session)': 0.9,
      'crash_free_rate(user)': 0,
      'crash_rate(session)': 0.1,
      'crash_rate(user)': 1,
    });
    // Ordered by sum(session), descending.
    expect(result.groups.map((g) => g.by)).toEqual([{ release: 'app@2.0' }, { release: 'app@1.0' }]);
  });

  it("lays out Sentry's start, end and hourly intervals with series per field", async () => {
    const result = await query({
      groupBy: ['release'],
      fields: ['sum(session)', 'crash_free_rate(session)'],
    });
    const iso = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}Z`;
    expect(result.start).toBe(iso(at(0)));
    expect(result.end).toBe(iso(at(5)));
    expect(result.intervals).toEqual([0, 1, 2, 3, 4].map((h) => iso(at(h))));
    const groups = byKey(result.groups, 'release');
    expect(groups['app@1.0']!.series).toEqual({
      'sum(session)': [3, 3, 0, 0, 0],
      'crash_free_rate(session)': [1 - 1 / 3, 1 - 1 / 3, null, null, null],
    });
    expect(groups['app@2.0']!.series).toEqual({
      'sum(session)': [0, 0, 6, 4, 0],
      'crash_free_rate(session)': [null, null, 1 - 1 / 6, 1, null],
    });
  });

  it('splits sessions and users by session.status', async () => {
    const result = await query({
      groupBy: ['session.status'],
      fields: ['sum(session)', 'count_unique(user)'],
      release: ['app@1.0'],
    });
    expect(result.groups.map((g) => [g.by['session.status'], g.totals])).toEqual([
      ['abnormal', { 'sum(session)': 1, 'count_unique(user)': 0 }],
      ['crashed', { 'sum(session)': 2, 'count_unique(user)': 1 }],
      // s2 only (errored_all 5 − crashed 2 − abnormal 1 − unhandled 1); users u2,u3,u4 − u3 − u4.
      ['errored', { 'sum(session)': 1, 'count_unique(user)': 1 }],
      // s1: all 6 − errored_all 5; users 5 − errored users 3.
      ['healthy', { 'sum(session)': 1, 'count_unique(user)': 2 }],
      ['unhandled', { 'sum(session)': 1, 'count_unique(user)': 1 }],
    ]);
    const crashed = result.groups.find((g) => g.by['session.status'] === 'crashed')!;
    expect(crashed.series['sum(session)']).toEqual([1, 1, 0, 0, 0]);
  });

  it('groups by project and environment, filters by project, environment and release', async () => {
    const both = await query({ projectIds: [1, 2], groupBy: ['project'], fields: ['sum(session)'] });
    expect(both.groups.map((g) => [g.by, g.totals])).toEqual([
      [{ project: 1 }, { 'sum(session)': 16 }],
      [{ project: 2 }, { 'sum(session)': 1 }],
    ]);
    const users = await query({ projectIds: [1, 2], fields: ['count_unique(user)'] });
    // u1 is in both projects: distinct users over the whole query.
    expect(users.groups).toEqual([
      { by: {}, totals: { 'count_unique(user)': 6 }, series: { 'count_unique(user)': [3, 3, 1, 0, 0] } },
    ]);
    const staging = await query({
      environment: ['staging'],
      groupBy: ['environment', 'release'],
      fields: ['sum(session)'],
    });
    expect(staging.groups.map((g) => g.by)).toEqual([{ release: 'app@2.0', environment: 'staging' }]);
    const notTwo = await query({
      conditions: [{ column: 'release', negated: true, values: ['app@2.0'] }],
      fields: ['sum(session)'],
    });
    expect(notTwo.groups[0]!.totals).toEqual({ 'sum(session)': 6 });
  });

  it('reports durations of exited sessions in milliseconds', async () => {
    const result = await query({
      release: ['app@1.0'],
      fields: ['avg(session.duration)', 'max(session.duration)', 'p50(session.duration)'],
    });
    // Exited durations 10 s (s1), 30 s (s2) and 50 s (s7, without init).
    expect(result.groups[0]!.totals).toEqual({
      'avg(session.duration)': 30_000,
      'max(session.duration)': 50_000,
      'p50(session.duration)': 30_000,
    });
    const none = await query({ release: ['app@2.0'], fields: ['avg(session.duration)'] });
    expect(none.groups[0]!.totals).toEqual({ 'avg(session.duration)': null });
  });

  it("answers Sentry's defaults when nothing matches", async () => {
    const empty = await query({ release: ['nope'], fields: ['sum(session)', 'crash_free_rate(user)'] });
    expect(empty.groups).toEqual([
      {
        by: {},
        totals: { 'sum(session)': 0, 'crash_free_rate(user)': null },
        series: { 'sum(session)': [0, 0, 0, 0, 0], 'crash_free_rate(user)': [null, null, null, null, null] },
      },
    ]);
    expect(
      (await query({ release: ['nope'], groupBy: ['release'], fields: ['sum(session)'] })).groups,
    ).toEqual([]);
    expect((await query({ projectIds: [], fields: ['sum(session)'] })).groups).toHaveLength(1);
  });

  it('filters by session.status', async () => {
    const crashedOrAbnormal = await query({
      release: ['app@1.0'],
      statusFilter: ['crashed', 'abnormal'],
      fields: ['sum(session)'],
    });
    expect(crashedOrAbnormal.groups[0]!.totals).toEqual({ 'sum(session)': 3 });
  });

  it('rejects what Sentry rejects', async () => {
    const rate = await querySessions(store, {
      ...base,
      groupBy: ['session.status'],
      fields: ['crash_free_rate(session)'],
    });
    expect(rate).toEqual({
      ok: false,
      error: {
        kind: 'invalid_params',
        detail: 'Cannot group field crash_free_rate(session) by session.status',
      },
    });
    const users = await querySessions(store, {
      ...base,
      statusFilter: ['crashed', 'healthy'],
      fields: ['count_unique(user)'],
    });
    expect(users.ok).toBe(false);
  });

  it('limits and orders groups', async () => {
    const one = await query({ groupBy: ['release'], fields: ['sum(session)'], limit: 1 });
    expect(one.groups.map((g) => g.by)).toEqual([{ release: 'app@2.0' }]);
    const asc = await query({
      groupBy: ['release'],
      fields: ['sum(session)', 'crash_free_rate(session)'],
      orderBy: { field: 'crash_free_rate(session)', direction: 'asc' },
    });
    expect(asc.groups.map((g) => g.by.release)).toEqual(['app@1.0', 'app@2.0']);
  });
});
