// The logs table and reader on embedded ClickHouse (chDB): migration, row round trip with
// microsecond times and typed attribute maps, filters on columns and attributes, body search,
// sort and cursor paging.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseStore } from './client.js';
import { closeTestStore, openTestStore } from './test-store.js';
import { CLICKHOUSE_MIGRATIONS, appliedVersions } from './migrations.js';
import {
  LOGS_MIGRATION,
  LOGS_TABLE,
  encodeLogRow,
  queryLogs,
  type LogsQuery,
  type StoredLog,
} from './logs.js';
import { TRACE_METRICS_MIGRATION } from './trace-metrics.js';
import { attributeOf, microsToDateTime64, type TraceItemCondition } from './trace-items.js';

const MINUTE_US = 60_000_000;
// Recent times (rows older than retention_days are removed by the table's TTL).
const T0 = Math.floor(Date.now() / 3_600_000) * 3_600_000_000 - 60 * MINUTE_US;

let n = 0;
function log(over: Partial<StoredLog>): StoredLog {
  n += 1;
  return {
    project_id: 1,
    organization_id: 1,
    item_id: String(n).padStart(32, '0'),
    timestamp: T0 + n * MINUTE_US + 123_456,
    observed_timestamp: T0 + n * MINUTE_US + 500_000,
    trace_id: 'a'.repeat(32),
    span_id: '',
    level: 'info',
    severity_number: 9,
    body: `log number ${n}`,
    release: 'app@1.0',
    environment: 'prod',
    sdk_name: 'sentry.javascript.node',
    sdk_version: '11.11.0',
    attributes_string: {},
    attributes_int: {},
    attributes_float: {},
    attributes_bool: {},
    attributes_array: {},
    payload_size_bytes: 10,
    meta: '',
    retention_days: 90,
    ...over,
  };
}

const ROWS: StoredLog[] = [
  log({
    body: 'User alice logged in',
    attributes_string: { 'user.id': 'alice' },
    attributes_int: { attempt: 1 },
  }),
  log({
    body: 'Connection TIMEOUT after 30s',
    level: 'error',
    severity_number: 17,
    trace_id: 'b'.repeat(32),
    span_id: 'c'.repeat(16),
    attributes_float: { latency: 30.5 },
    attributes_bool: { retry: true },
    attributes_array: { hosts: '["db1","db2"]' },
    meta: '{"body":{"":{"rem":[["@email:replace","s",0,7]],"len":9}}}',
  }),
  log({
    body: 'User bob logged in',
    level: 'warn',
    severity_number: 13,
    attributes_string: { 'user.id': 'bob' },
  }),
  log({ body: '100% done_now', environment: 'staging', attributes_int: { attempt: 3 } }),
  log({ project_id: 2, body: 'other project timeout' }),
];

let store: ClickHouseStore;

beforeAll(async () => {
  store = await openTestStore('logs', [
    ...CLICKHOUSE_MIGRATIONS.filter((m) => m.version < 4),
    LOGS_MIGRATION,
    TRACE_METRICS_MIGRATION,
  ]);
  await store.insertJsonLines(LOGS_TABLE, ROWS.map(encodeLogRow));
});

afterAll(() => closeTestStore(store));

const window = (over: Partial<LogsQuery> = {}): LogsQuery => ({
  projectIds: [1],
  start: new Date(T0 / 1000),
  end: new Date(T0 / 1000 + 3_600_000),
  ...over,
});

async function bodies(conditions: TraceItemCondition[], over: Partial<LogsQuery> = {}): Promise<string[]> {
  const result = await queryLogs(store, window({ conditions, ...over }));
  if (!result.ok) throw new Error(result.error.detail);
  return result.value.rows.map((r) => r.body);
}

describe('logs table', () => {
  it('is migration 4 and coexists with trace_metrics (5)', async () => {
    expect(LOGS_MIGRATION.version).toBe(4);
    expect(await appliedVersions(store)).toEqual(expect.arrayContaining([4, 5]));
  });

  it('round-trips rows with microsecond times and typed attributes, newest first', async () => {
    const result = await queryLogs(store, window());
    if (!result.ok) throw new Error(result.error.detail);
    expect(result.value.hasMore).toBe(false);
    expect(result.value.rows.map((r) => r.item_id)).toEqual(
      ROWS.slice(0, 4)
        .map((r) => r.item_id)
        .reverse(),
    );
    expect(result.value.rows[3]).toEqual(ROWS[0]);
    expect(result.value.rows[2]).toEqual(ROWS[1]);
    const second = result.value.rows[2]!;
    expect(attributeOf(second, 'latency')).toEqual({ type: 'double', value: 30.5 });
    expect(attributeOf(second, 'retry')).toEqual({ type: 'boolean', value: true });
    expect(attributeOf(second, 'hosts')).toEqual({ type: 'array', value: ['db1', 'db2'] });
    expect(attributeOf(second, 'missing')).toBeUndefined();
  });

  it('searches the body case-insensitively and filters columns', async () => {
    expect(await bodies([{ target: { column: 'body' }, op: 'like', values: ['%timeout%'] }])).toEqual([
      'Connection TIMEOUT after 30s',
    ]);
    // LIKE escapes keep % and _ literal.
    expect(await bodies([{ target: { column: 'body' }, op: 'like', values: ['100\\% done\\_now'] }])).toEqual(
      ['100% done_now'],
    );
    expect(await bodies([{ target: { column: 'level' }, op: 'in', values: ['warn', 'error'] }])).toEqual([
      'User bob logged in',
      'Connection TIMEOUT after 30s',
    ]);
    expect(await bodies([{ target: { column: 'severity_number' }, op: '>=', values: [13] }])).toHaveLength(2);
    expect(await bodies([{ target: { column: 'trace_id' }, op: 'in', values: ['b'.repeat(32)] }])).toEqual([
      'Connection TIMEOUT after 30s',
    ]);
    expect(await bodies([{ target: { column: 'environment' }, op: 'not_in', values: ['prod'] }])).toEqual([
      '100% done_now',
    ]);
  });

  it('filters attributes of every type by equality, comparison and existence', async () => {
    expect(await bodies([{ target: { attribute: 'user.id' }, op: 'in', values: ['bob'] }])).toEqual([
      'User bob logged in',
    ]);
    expect(await bodies([{ target: { attribute: 'attempt' }, op: 'in', values: ['3'] }])).toEqual([
      '100% done_now',
    ]);
    expect(await bodies([{ target: { attribute: 'attempt' }, op: '<', values: [2] }])).toEqual([
      'User alice logged in',
    ]);
    expect(await bodies([{ target: { attribute: 'latency' }, op: 'in', values: ['30.5'] }])).toHaveLength(1);
    expect(await bodies([{ target: { attribute: 'retry' }, op: 'in', values: ['true'] }])).toHaveLength(1);
    expect(await bodies([{ target: { attribute: 'user.id' }, op: 'like', values: ['AL%'] }])).toEqual([
      'User alice logged in',
    ]);
    expect(await bodies([{ target: { attribute: 'hosts' }, op: 'exists', values: [] }])).toHaveLength(1);
    // Negation also matches rows without the attribute.
    expect(await bodies([{ target: { attribute: 'user.id' }, op: 'not_in', values: ['bob'] }])).toHaveLength(
      3,
    );
  });

  it('sorts, pages with a cursor and scopes by project and time', async () => {
    const page1 = await queryLogs(
      store,
      window({ orderBy: { column: 'timestamp', direction: 'asc' }, limit: 3 }),
    );
    const page2 = await queryLogs(
      store,
      window({ orderBy: { column: 'timestamp', direction: 'asc' }, limit: 3, cursor: 3 }),
    );
    if (!page1.ok || !page2.ok) throw new Error('query failed');
    expect(page1.value.hasMore).toBe(true);
    expect(page2.value.hasMore).toBe(false);
    expect([...page1.value.rows, ...page2.value.rows].map((r) => r.item_id)).toEqual(
      ROWS.slice(0, 4).map((r) => r.item_id),
    );
    expect(await bodies([], { projectIds: [2] })).toEqual(['other project timeout']);
    expect(await bodies([], { projectIds: [] })).toEqual([]);
    expect(await bodies([], { end: new Date((T0 + 2 * MINUTE_US + 200_000) / 1000) })).toEqual([
      'Connection TIMEOUT after 30s',
      'User alice logged in',
    ]);
  });

  it('refuses unknown columns, unsupported operators and sorts', async () => {
    expect(
      await queryLogs(
        store,
        window({ conditions: [{ target: { column: 'nope' }, op: 'in', values: ['x'] }] }),
      ),
    ).toEqual({ ok: false, error: { kind: 'invalid_condition', detail: 'unknown field nope' } });
    expect(
      await queryLogs(store, window({ conditions: [{ target: { column: 'body' }, op: '>', values: [1] }] })),
    ).toMatchObject({ ok: false });
    expect(await queryLogs(store, window({ orderBy: { column: 'meta', direction: 'asc' } }))).toMatchObject({
      ok: false,
    });
  });

  it('formats microsecond times for DateTime64(6)', () => {
    expect(microsToDateTime64(1_700_000_000_000_001)).toBe('2023-11-14 22:13:20.000001');
  });
});
