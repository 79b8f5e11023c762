import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseStore } from './client.js';
import { closeTestStore, openTestStore } from './test-store.js';
import { appliedVersions, migrate } from './migrations.js';
import {
  CHECK_INS_MIGRATION,
  CHECK_INS_TABLE,
  CheckInIdResolver,
  checkInRow,
  encodeCheckInRow,
  latestCheckInsByMonitor,
  listCheckIns,
  type CheckInIdRequest,
  type CheckInRowInput,
} from './check-ins.js';

const HOUR_S = 3600;
// Recent times: rows older than retention_days are removed by the table's TTL.
const T0 = Math.floor(Date.now() / 1000 / HOUR_S) * HOUR_S - 2 * 24 * HOUR_S;
const NIL = '0'.repeat(32);
const id = (n: number): string => n.toString(16).padStart(32, '0');

let store: ClickHouseStore;

function input(overrides: Partial<CheckInRowInput> = {}): CheckInRowInput {
  return {
    projectId: 1,
    monitorSlug: 'nightly',
    environment: 'production',
    status: 'in_progress',
    startedAt: T0,
    receivedAt: T0,
    ...overrides,
  };
}

async function insert(...rows: Array<[CheckInRowInput, string]>): Promise<void> {
  await store.insertJsonLines(
    CHECK_INS_TABLE,
    rows.map(([row, checkInId]) => encodeCheckInRow(checkInRow(row, checkInId))),
  );
}

beforeAll(async () => {
  store = await openTestStore('check-ins');
  await insert(
    // 1: in_progress, then ok with an explicit duration; a late second terminal row is ignored.
    [input({ receivedAt: T0, startedAt: T0, release: 'app@1', traceId: 'a'.repeat(32) }), id(1)],
    [
      input({ status: 'ok', durationMs: 90_000, receivedAt: T0 + 90, startedAt: T0, release: 'app@2' }),
      id(1),
    ],
    [input({ status: 'error', durationMs: 5, receivedAt: T0 + 100, startedAt: T0 + 100 }), id(1)],
    // 2: in_progress then error without duration: implicit duration from the start.
    [input({ receivedAt: T0 + HOUR_S, startedAt: T0 + HOUR_S }), id(2)],
    [input({ status: 'error', receivedAt: T0 + HOUR_S + 30, startedAt: T0 + HOUR_S + 30 }), id(2)],
    // 3: still running.
    [input({ receivedAt: T0 + 2 * HOUR_S, startedAt: T0 + 2 * HOUR_S }), id(3)],
    // 4: another environment, a single ok whose start is inferred from its duration.
    [
      input({
        environment: 'staging',
        status: 'ok',
        durationMs: 2000,
        receivedAt: T0 + 12,
        startedAt: T0 + 10,
      }),
      id(4),
    ],
    // 5: another monitor; 6: another project.
    [input({ monitorSlug: 'hourly', status: 'ok', receivedAt: T0, startedAt: T0 }), id(5)],
    [input({ projectId: 2, status: 'ok' }), id(6)],
  );
});

afterAll(() => closeTestStore(store));

describe('CHECK_INS_MIGRATION', () => {
  it('is version 3 and applies after the telemetry migrations', async () => {
    expect(CHECK_INS_MIGRATION.version).toBe(3);
    expect(await appliedVersions(store)).toContain(3);
    const again = await migrate(store);
    expect(again.applied).toEqual([]);
  });
});

describe('listCheckIns', () => {
  it('folds each check-in: first terminal status wins, explicit or implicit duration', async () => {
    const checkIns = await listCheckIns(store, { projectId: 1, monitorSlug: 'nightly', limit: 10 });
    expect(checkIns.map((c) => [c.checkInId, c.environment, c.status, c.durationMs])).toEqual([
      [id(3), 'production', 'in_progress', null],
      [id(2), 'production', 'error', 30_000],
      [id(4), 'staging', 'ok', 2000],
      [id(1), 'production', 'ok', 90_000],
    ]);
    const first = checkIns[3]!;
    expect(first.dateCreated.getTime()).toBe(T0 * 1000);
    expect(first.dateUpdated.getTime()).toBe((T0 + 100) * 1000);
    expect(first.release).toBe('app@2');
    expect(first.traceId).toBe('a'.repeat(32));
    expect(first.projectId).toBe(1);
    expect(first.monitorSlug).toBe('nightly');
    expect(checkIns[2]!.dateCreated.getTime()).toBe((T0 + 10) * 1000);
  });

  it('pages with limit and cursor, filters environments and start times', async () => {
    const page = (cursor: number) =>
      listCheckIns(store, { projectId: 1, monitorSlug: 'nightly', limit: 2, cursor });
    expect((await page(0)).map((c) => c.checkInId)).toEqual([id(3), id(2)]);
    expect((await page(2)).map((c) => c.checkInId)).toEqual([id(4), id(1)]);
    expect(await page(4)).toEqual([]);
    const staging = await listCheckIns(store, {
      projectId: 1,
      monitorSlug: 'nightly',
      environments: ['staging'],
      limit: 10,
    });
    expect(staging.map((c) => c.checkInId)).toEqual([id(4)]);
    const window = await listCheckIns(store, {
      projectId: 1,
      monitorSlug: 'nightly',
      start: new Date((T0 + 60) * 1000),
      end: new Date((T0 + 2 * HOUR_S) * 1000),
      limit: 10,
    });
    expect(window.map((c) => c.checkInId)).toEqual([id(2)]);
    expect(await listCheckIns(store, { projectId: 2, monitorSlug: 'nightly', limit: 10 })).toHaveLength(1);
  });
});

describe('latestCheckInsByMonitor', () => {
  it('returns the newest check-ins of every monitor environment', async () => {
    const latest = await latestCheckInsByMonitor(store, { projectIds: [1], perEnvironment: 2 });
    expect(
      latest.map((e) => [e.monitorSlug, e.environment, e.recent.map((r) => [r.checkInId, r.status])]),
    ).toEqual([
      ['hourly', 'production', [[id(5), 'ok']]],
      [
        'nightly',
        'production',
        [
          [id(3), 'in_progress'],
          [id(2), 'error'],
        ],
      ],
      ['nightly', 'staging', [[id(4), 'ok']]],
    ]);
    const nightly = latest[1]!;
    expect(nightly.firstCheckIn.getTime()).toBe(T0 * 1000);
    expect(nightly.recent[0]!.dateCreated.getTime()).toBe((T0 + 2 * HOUR_S) * 1000);
    const one = await latestCheckInsByMonitor(store, { projectIds: [1, 2], monitorSlugs: ['nightly'] });
    expect(one.map((e) => [e.projectId, e.environment, e.recent.length])).toEqual([
      [1, 'production', 1],
      [1, 'staging', 1],
      [2, 'production', 1],
    ]);
    expect(await latestCheckInsByMonitor(store, { projectIds: [] })).toEqual([]);
  });
});

describe('CheckInIdResolver', () => {
  const request = (overrides: Partial<CheckInIdRequest>): CheckInIdRequest => ({
    projectId: 1,
    monitorSlug: 'resolver',
    environment: 'production',
    status: 'in_progress',
    checkInId: NIL,
    startedAt: T0 + 5 * HOUR_S,
    receivedAt: T0 + 5 * HOUR_S,
    ...overrides,
  });

  function sequentialIds(): () => string {
    let n = 100;
    return () => id(n++);
  }

  it('opens a check-in for a nil in_progress and closes the same one with a nil ok, in one batch', async () => {
    const resolver = new CheckInIdResolver(store, { newId: sequentialIds() });
    const ids = await resolver.resolve([
      request({}),
      request({ status: 'in_progress', receivedAt: T0 + 5 * HOUR_S + 10 }),
      request({ status: 'ok', receivedAt: T0 + 5 * HOUR_S + 20 }),
      request({ status: 'ok', receivedAt: T0 + 5 * HOUR_S + 30 }),
      request({ environment: 'staging', status: 'ok' }),
    ]);
    expect(ids).toEqual([id(100), id(100), id(100), id(101), id(102)]);
  });

  it('keeps explicit ids and lets a nil id pick the newest open one', async () => {
    const resolver = new CheckInIdResolver(store, { newId: sequentialIds() });
    const ids = await resolver.resolve([
      request({ checkInId: id(7) }),
      request({ checkInId: id(8), receivedAt: T0 + 5 * HOUR_S + 1 }),
      request({ status: 'error' }),
      request({ status: 'ok' }),
      request({ status: 'ok' }),
    ]);
    expect(ids).toEqual([id(7), id(8), id(8), id(7), id(100)]);
  });

  it('finds an open check-in stored in ClickHouse, skipping finished and timed-out ones', async () => {
    const base = T0 + 10 * HOUR_S;
    await insert(
      [input({ monitorSlug: 'stored', receivedAt: base, startedAt: base }), id(20)],
      [input({ monitorSlug: 'stored', receivedAt: base + 60, startedAt: base + 60 }), id(21)],
      [input({ monitorSlug: 'stored', status: 'ok', receivedAt: base + 70, startedAt: base + 60 }), id(21)],
      [input({ monitorSlug: 'old', receivedAt: base - 2 * HOUR_S, startedAt: base - 2 * HOUR_S }), id(22)],
    );
    const resolver = new CheckInIdResolver(store, { newId: sequentialIds() });
    const ids = await resolver.resolve([
      request({ monitorSlug: 'stored', status: 'ok', receivedAt: base + 120 }),
      request({ monitorSlug: 'old', status: 'ok', receivedAt: base }),
      request({ monitorSlug: 'old', status: 'ok', receivedAt: base, maxRuntimeMinutes: 180 }),
    ]);
    // `old` started 2 h ago: timed out under the default 30 min max runtime (a new check-in
    // opens and closes), still running under a 3 h one.
    expect(ids).toEqual([id(20), id(100), id(22)]);
    const fresh = new CheckInIdResolver(store, { newId: sequentialIds() });
    expect(
      await fresh.resolve([request({ monitorSlug: 'stored', status: 'ok', receivedAt: base + 120 })]),
    ).toEqual([id(20)]);
  });

  it('forgets the least recently used environments beyond maxKeys', async () => {
    let queries = 0;
    const counting = {
      client: {
        query: (...args: Parameters<ClickHouseStore['client']['query']>) => {
          queries++;
          return store.client.query(...args);
        },
      },
    } as unknown as ClickHouseStore;
    const resolver = new CheckInIdResolver(counting, { maxKeys: 1, newId: sequentialIds() });
    await resolver.resolve([request({ monitorSlug: 'a' })]);
    await resolver.resolve([request({ monitorSlug: 'a', status: 'ok' })]);
    expect(queries).toBe(1);
    await resolver.resolve([request({ monitorSlug: 'b' })]);
    await resolver.resolve([request({ monitorSlug: 'a' })]);
    expect(queries).toBe(3);
  });
});
