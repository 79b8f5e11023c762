import { CHECK_INS_MIGRATION } from './check-ins.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openClickHouse } from './client.js';
import type { ClickHouseStore } from './client.js';
import { appliedVersions, CLICKHOUSE_MIGRATIONS, migrate } from './migrations.js';

let dataDir: string;
let store: ClickHouseStore;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'vigil-ch-migrations-'));
  store = await openClickHouse({ dataDir });
});

afterAll(async () => {
  await store?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function rows<T>(query: string): Promise<T[]> {
  return (await store.client.query({ query, format: 'JSONEachRow' })).json<T>();
}

describe('migrate', () => {
  it('applies every migration once and is idempotent', async () => {
    expect(await appliedVersions(store)).toEqual([]);
    const first = await migrate(store);
    const all = CLICKHOUSE_MIGRATIONS.map(({ version, name }) => ({ version, name }));
    expect(all.slice(0, 3)).toEqual([
      { version: 1, name: 'create_events' },
      { version: 2, name: 'create_sessions' },
      { version: 3, name: CHECK_INS_MIGRATION.name },
    ]);
    expect(first.applied).toEqual(all);
    expect(first.version).toBe(CLICKHOUSE_MIGRATIONS.at(-1)?.version);
    const second = await migrate(store);
    expect(second).toEqual({ applied: [], version: first.version });
    const recorded = await rows<{ version: number; name: string }>(
      'SELECT version, name FROM schema_migrations ORDER BY version',
    );
    expect(recorded).toEqual(all);
  });

  it('creates events with the storage contract layout', async () => {
    const [table] = await rows<{
      engine: string;
      partition_key: string;
      sorting_key: string;
      create_table_query: string;
    }>(
      "SELECT engine, partition_key, sorting_key, create_table_query FROM system.tables WHERE database = currentDatabase() AND name = 'events'",
    );
    expect(table?.engine).toBe('ReplacingMergeTree');
    expect(table?.partition_key).toBe('toMonday(timestamp)');
    expect(table?.sorting_key).toBe('project_id, toStartOfDay(timestamp), group_id, cityHash64(event_id)');
    expect(table?.create_table_query).toContain('TTL toDateTime(timestamp) + toIntervalDay(retention_days)');
    const columns = await rows<{ name: string; type: string; default_kind: string }>(
      "SELECT name, type, default_kind FROM system.columns WHERE database = currentDatabase() AND table = 'events'",
    );
    const byName = new Map(columns.map((c) => [c.name, c]));
    expect(byName.get('_tags_hash_map')).toMatchObject({
      type: 'Array(UInt64)',
      default_kind: 'MATERIALIZED',
    });
    expect(byName.get('_flags_hash_map')).toMatchObject({
      type: 'Array(UInt64)',
      default_kind: 'MATERIALIZED',
    });
    expect(byName.get('tags.key')?.type).toBe('Array(String)');
    expect(byName.get('event_id')?.type).toBe('UUID');
    expect(byName.get('handled')?.type).toBe('Nullable(UInt8)');
    expect(byName.get('timestamp')?.type).toBe("DateTime64(3, 'UTC')");
    const indexes = await rows<{ name: string; type: string }>(
      "SELECT name, type FROM system.data_skipping_indices WHERE database = currentDatabase() AND table = 'events'",
    );
    expect(indexes).toEqual(
      expect.arrayContaining([
        { name: 'bf_tags_hash_map', type: 'bloom_filter' },
        { name: 'bf_flags_hash_map', type: 'bloom_filter' },
      ]),
    );
  });

  it('applies a new migration after the recorded ones, in order', async () => {
    const extra = [
      ...CLICKHOUSE_MIGRATIONS,
      {
        version: 100,
        name: 'scratch_a',
        statements: ['CREATE TABLE IF NOT EXISTS scratch_a (x UInt8) ENGINE = Memory'],
      },
      { version: 101, name: 'scratch_b', statements: ['CREATE TABLE IF NOT EXISTS scratch_b AS scratch_a'] },
    ];
    const report = await migrate(store, extra);
    expect(report.applied.map((m) => m.version)).toEqual([100, 101]);
    expect(report.version).toBe(101);
    expect((await migrate(store, extra)).applied).toEqual([]);
  });

  it('refuses a list that is not strictly increasing', async () => {
    const bad = [
      { version: 2, name: 'b', statements: [] },
      { version: 2, name: 'c', statements: [] },
    ];
    await expect(migrate(store, bad)).rejects.toThrow(/strictly increasing/);
  });
});
