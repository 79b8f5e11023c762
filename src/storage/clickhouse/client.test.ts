import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClickHouseOpenError, openClickHouse } from './client.js';
import type { ClickHouseOpenFailure, ClickHouseStore } from './client.js';

// One temp dir for this file (chDB binds one data directory per process); the two engine
// directories the test moves between live inside it.
let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'vigil-ch-client-'));
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

async function scalar(store: ClickHouseStore, query: string): Promise<unknown> {
  const rows = await (
    await store.client.query({ query, format: 'JSONEachRow' })
  ).json<Record<string, unknown>>();
  return Object.values(rows[0] ?? {})[0];
}

async function failureOf(promise: Promise<unknown>): Promise<ClickHouseOpenFailure['kind'] | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ClickHouseOpenError);
    return (error as ClickHouseOpenError).failure.kind;
  }
}

describe('openClickHouse (embedded)', () => {
  it('starts chDB under <dataDir>/clickhouse with bounded memory settings', async () => {
    const store = await openClickHouse({
      dataDir: path.join(root, 'a'),
      memoryLimitBytes: 512 * 1024 * 1024,
    });
    try {
      expect(store.kind).toBe('embedded');
      expect(store.database).toBe('default');
      expect(store.path).toBe(path.join(root, 'a', 'clickhouse'));
      expect(await store.ping()).toEqual({ ok: true });
      expect(Number(await scalar(store, "SELECT getServerSetting('max_server_memory_usage')"))).toBe(
        512 * 1024 * 1024,
      );
      expect(Number(await scalar(store, "SELECT getServerSetting('mark_cache_size')"))).toBe(
        64 * 1024 * 1024,
      );
      expect(Number(await scalar(store, "SELECT getServerSetting('memory_worker_period_ms')"))).toBe(100);
    } finally {
      await store.close();
    }
    expect((await store.ping()).ok).toBe(false);
  });

  it('shares one engine between stores on the same directory and refuses another directory', async () => {
    const first = await openClickHouse({ dataDir: path.join(root, 'a') });
    const second = await openClickHouse({ dataDir: path.join(root, 'a') });
    try {
      await first.client.command({
        query: 'CREATE TABLE IF NOT EXISTS t (x UInt8) ENGINE = MergeTree ORDER BY x',
      });
      await first.client.insert({ table: 't', values: [{ x: 7 }], format: 'JSONEachRow' });
      expect(Number(await scalar(second, 'SELECT sum(x) FROM t'))).toBe(7);
      expect(await failureOf(openClickHouse({ dataDir: path.join(root, 'b') }))).toBe('data_dir_in_use');
      await first.close();
      await first.close(); // idempotent
      expect(Number(await scalar(second, 'SELECT count() FROM t'))).toBe(1);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('reopens the same directory with its data, and another one once all stores are closed', async () => {
    const again = await openClickHouse({ dataDir: path.join(root, 'a') });
    expect(Number(await scalar(again, 'SELECT sum(x) FROM t'))).toBe(7);
    await again.close();
    const other = await openClickHouse({ dataDir: path.join(root, 'b') });
    try {
      expect(
        Number(
          await scalar(other, "SELECT count() FROM system.tables WHERE database = 'default' AND name = 't'"),
        ),
      ).toBe(0);
    } finally {
      await other.close();
    }
  });

  it('rejects unusable options with a typed failure', async () => {
    expect(await failureOf(openClickHouse({}))).toBe('missing_location');
    expect(await failureOf(openClickHouse({ dataDir: root, database: 'vigil' }))).toBe('invalid_database');
    expect(await failureOf(openClickHouse({ dataDir: root, memoryLimitBytes: 1024 }))).toBe(
      'invalid_memory_limit',
    );
    expect(await failureOf(openClickHouse({ url: 'http://127.0.0.1:1', database: 'bad-name' }))).toBe(
      'invalid_database',
    );
  });
});

describe('openClickHouse (server)', () => {
  it('opens lazily and reports an unreachable server through ping', async () => {
    const store = await openClickHouse({ url: 'http://127.0.0.1:1' });
    try {
      expect(store.kind).toBe('server');
      const ping = await store.ping();
      expect(ping.ok).toBe(false);
    } finally {
      await store.close();
    }
  });

  it('fails to open when the database cannot be created', async () => {
    expect(await failureOf(openClickHouse({ url: 'http://127.0.0.1:1', database: 'vigil' }))).toBe(
      'connect_failed',
    );
  });
});
