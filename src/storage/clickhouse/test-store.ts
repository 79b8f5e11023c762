/**
 * Test helper of the ClickHouse store tests (excluded from the build like every `test-*.ts`): an
 * embedded chDB store in a fresh temporary data directory, migrated, and its removal. chDB binds
 * one data directory per process and vitest runs each test file in its own process, so a file
 * opens one such store in `beforeAll` and closes it in `afterAll`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openClickHouse, type ClickHouseStore } from './client.js';
import { CLICKHOUSE_MIGRATIONS, migrate, type ClickHouseMigration } from './migrations.js';

const dataDirs = new Map<ClickHouseStore, string>();

/**
 * Opens an embedded store in a new directory `<tmp>/vigil-ch-<name>-XXXXXX` and applies
 * `migrations` (default all of `CLICKHOUSE_MIGRATIONS`). On failure the store is closed, the
 * directory removed and the error rethrown.
 */
export async function openTestStore(
  name: string,
  migrations: readonly ClickHouseMigration[] = CLICKHOUSE_MIGRATIONS,
): Promise<ClickHouseStore> {
  const dataDir = await mkdtemp(path.join(tmpdir(), `vigil-ch-${name}-`));
  let store: ClickHouseStore | undefined;
  try {
    store = await openClickHouse({ dataDir });
    await migrate(store, migrations);
  } catch (err) {
    await store?.close();
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  dataDirs.set(store, dataDir);
  return store;
}

/** Closes a store of {@link openTestStore} and removes its directory; nothing for `undefined`. */
export async function closeTestStore(store: ClickHouseStore | undefined): Promise<void> {
  if (store === undefined) return;
  await store.close();
  const dataDir = dataDirs.get(store);
  dataDirs.delete(store);
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
}
