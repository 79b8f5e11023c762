// Runs compiled issue searches on embedded ClickHouse (chDB) over the real `events` table
// (the storage migrations), so the SQL, the parameter types and the semantics are checked
// against the engine and the schema, not just as text.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileEventCondition } from '../../src/query/event-fields.js';
import { compileIssueSearch } from '../../src/query/issue-search.js';
import { SqlParams } from '../../src/query/sql.js';
import { migrate, openClickHouse, type ClickHouseStore } from '../../src/storage/clickhouse/index.js';
import { searchGroups } from '../../src/storage/clickhouse/group-search.js';

const now = new Date('2024-04-30T12:00:00.000Z');

const id = (n: number): string => `00000000-0000-0000-0000-00000000000${n}`;
const base = {
  project_id: 1,
  type: 'error',
  platform: 'javascript',
  logger: '',
  dist: '',
  transaction: '',
  user_id: '',
  user_email: '',
  user_username: '',
  user_ip: '',
  user: '',
  sdk_name: 'sentry.javascript.node',
  sdk_version: '8.0.0',
  trace_id: '',
  replay_id: '',
};
const ROWS = [
  {
    ...base,
    event_id: id(1),
    group_id: 1,
    timestamp: '2024-04-30 10:00:00.500',
    level: 'error',
    environment: 'prod',
    release: '1.0',
    message: 'TypeError: undefined is not a function',
    title: 'TypeError: undefined is not a function',
    culprit: 'app/handler',
    exception_types: ['TypeError'],
    exception_values: ['undefined is not a function'],
    handled: 0,
    'tags.key': ['browser', 'os.name', 'k=e\\y'],
    'tags.value': ['Chrome', 'Windows', 'v'],
    'flags.key': ['beta'],
    'flags.value': ['true'],
  },
  {
    ...base,
    event_id: id(2),
    group_id: 2,
    timestamp: '2024-04-01 00:00:00.000',
    level: 'warning',
    environment: 'staging',
    release: '2.0',
    message: 'Connection refused',
    title: 'ConnectionError',
    culprit: 'db/pool',
    exception_types: ['ConnectionError'],
    exception_values: ['refused'],
    handled: 1,
    'tags.key': ['browser'],
    'tags.value': ['Firefox'],
    'flags.key': ['beta'],
    'flags.value': ['false'],
  },
  {
    ...base,
    event_id: id(3),
    group_id: 2,
    timestamp: '2024-04-30 11:59:00.000',
    level: 'error',
    environment: 'prod',
    release: '2.0',
    message: 'Résumé failed 100%_done',
    title: 'Résumé failed',
    culprit: '',
    exception_types: [],
    exception_values: [],
    handled: null,
    user_email: 'ann@example.com',
    trace_id: '0123456789abcdef0123456789abcdef',
    'tags.key': [],
    'tags.value': [],
    'flags.key': [],
    'flags.value': [],
  },
];

let store: ClickHouseStore;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'vigil-issue-search-'));
  store = await openClickHouse({ dataDir });
  await migrate(store);
  // The fixture rows are from 2024: a long retention keeps the TTL from dropping them.
  const defaults = {
    primary_hash: '',
    received: '2024-04-30 12:00:00.000',
    data: '{}',
    retention_days: 3650,
  };
  await store.client.insert({
    table: 'events',
    values: ROWS.map((r) => ({ ...defaults, ...r })),
    format: 'JSONEachRow',
  });
}, 60_000);

afterAll(async () => {
  await store?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function rows(sql: string, params: Record<string, unknown>): Promise<string[]> {
  const result = await store.client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
  const data: unknown = await result.json();
  return (Array.isArray(data) ? data : []).map((r: unknown) => String((r as { v: unknown }).v));
}

async function matching(query: string): Promise<number[]> {
  const compiled = compileIssueSearch(query, { now });
  if (!compiled.ok) throw new Error(`${query}: ${compiled.error.message}`);
  const where = compiled.eventWhere ?? { sql: '1', params: {} };
  const ids = await rows(
    `SELECT toString(event_id) AS v FROM events WHERE ${where.sql} ORDER BY v`,
    where.params,
  );
  return ids.map((v) => Number(v.slice(-1)));
}

describe('compiled issue search on chDB', () => {
  it.each([
    ['TypeError', [1]],
    ['RÉSUMÉ', [3]],
    ['"is not a"', [1]],
    ['level:error', [1, 3]],
    ['!environment:prod', [2]],
    ['release:[1.0, 3.0]', [1]],
    ['browser:Chrome', [1]],
    ['!browser:Chrome', [2, 3]],
    ['browser:chro*', [1]],
    ['has:browser', [1, 2]],
    ['!has:browser', [3]],
    ['os.name:Windows browser:Chrome', [1]],
    ['error.type:TypeError', [1]],
    ['error.value:*REFUSED*', [2]],
    ['!has:error.type', [3]],
    ['error.handled:false', [1]],
    ['error.handled:true', [2, 3]],
    ['error.unhandled:true', [1]],
    ['flags[beta]:true', [1]],
    ['flags[beta]:[true, false]', [1, 2]],
    ['!flags[beta]:true', [2, 3]],
    ['timestamp:>2024-04-30T10:00:00.400Z', [1, 3]],
    ['timestamp:>2024-04-30T10:00:00.600Z', [3]],
    ['timestamp:-1h', [3]],
    ['timestamp:2024-04-01', [2]],
    ['message:*100%_done', [3]],
    ['message:*100%_x*', []],
    ['culprit:app/*ler', [1]],
    ['user.email:*@EXAMPLE.com', [3]],
    ['trace:0123456789ABCDEF0123456789ABCDEF', [3]],
    ['id:00000000000000000000000000000002', [2]],
    ['issue.id:[1, 2] !level:warning', [1, 3]],
    [`level:"x' OR 1=1 --"`, []],
    [`browser:"Chrome' OR '1'='1"`, []],
  ])('%s', async (query, expected) => {
    expect(await matching(query)).toEqual(expected);
  });

  it('matches tag keys containing = and \\ through the escaped hash', async () => {
    const params = new SqlParams();
    const cond = compileEventCondition(
      { type: 'filter', key: 'tags[k=e\\y]', operator: '=', value: { kind: 'text', value: 'v' } },
      { kind: 'lookup', store: 'tags', name: 'k=e\\y', number: false },
      params,
    );
    if (!cond.ok) throw new Error(cond.error.message);
    expect(
      await rows(`SELECT toString(event_id) AS v FROM events WHERE ${cond.value}`, params.values),
    ).toEqual([id(1)]);
  });

  it('applies the conditions on per-issue values in the issue search', async () => {
    const run = async (query: string): Promise<number[]> => {
      const compiled = compileIssueSearch(query, { now });
      if (!compiled.ok) throw new Error(compiled.error.message);
      const page = await searchGroups(store, {
        projectIds: [1],
        start: new Date('2024-01-01T00:00:00Z'),
        end: now,
        where: compiled.eventWhere ?? undefined,
        having: compiled.having ?? undefined,
        sort: 'date',
        now,
        limit: 100,
        offset: 0,
      });
      return page.groupIds.sort();
    };
    expect(await run('timesSeen:>1')).toEqual([2]);
    expect(await run('lastSeen:-1h')).toEqual([2]);
    expect(await run('firstSeen:+7d')).toEqual([2]);
    expect(await run('level:error timesSeen:1')).toEqual([1, 2]);
  });
});
