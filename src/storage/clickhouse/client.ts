/**
 * Opening the telemetry store (DESIGN.md "Storage"): a ClickHouse server over HTTP when given
 * a URL, else embedded chDB (the in-process ClickHouse engine) bound to `<dataDir>/clickhouse`.
 * Both are driven through one `@clickhouse/client` instance, so every query in this folder is
 * the same SQL on both.
 *
 * chDB constraints that shape this module:
 * - libchdb binds ONE data directory per process. Opening the same directory again (while it is
 *   open, or after closing it) is fine; opening a different one while a store is open is refused
 *   with `ClickHouseOpenError` (`data_dir_in_use`). Tests therefore use one data dir per test
 *   file, each file running in its own process (vitest `forks` pool).
 * - Server-level settings (cache sizes, memory limit, memory worker) are engine arguments that
 *   only take effect when the engine starts, so the first open of a directory starts it through
 *   a chDB `Session` carrying `connectionArgs`, and the `@clickhouse/client` connection then
 *   joins that running engine at the same path.
 */
import { Readable } from 'node:stream';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import type { ClickHouseClient } from '@clickhouse/client';

// The client's own logger writes to the console; every failure it logs also reaches the caller as
// a rejected promise, which Vigil logs through pino.
const QUIET = { level: ClickHouseLogLevel.OFF };

/** The connection type `createClient({ connection })` expects. */
type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;

/** Default cap on the embedded engine's tracked memory: 1 GiB (bytes). */
export const DEFAULT_EMBEDDED_MEMORY_LIMIT_BYTES = 1024 * 1024 * 1024;

const MIB = 1024 * 1024;

/** Where and how to open the telemetry store. */
export interface OpenClickHouseOptions {
  /**
   * `http(s)://[user:password@]host:port` of a ClickHouse server. When set, the server is used
   * and `dataDir` is ignored.
   */
  url?: string;
  /** Data directory for embedded chDB; the engine's files go to `<dataDir>/clickhouse` (created if missing). */
  dataDir?: string;
  /**
   * Server only: database to use (created if missing). Must match `[A-Za-z_][A-Za-z0-9_]*`.
   * Default `default`. The embedded engine always uses `default` and rejects anything else.
   */
  database?: string;
  /**
   * Embedded only: cap on the engine's tracked memory in bytes (ClickHouse
   * `max_server_memory_usage`); queries that would exceed it fail with MEMORY_LIMIT_EXCEEDED
   * instead of growing the process. Default {@link DEFAULT_EMBEDDED_MEMORY_LIMIT_BYTES}.
   */
  memoryLimitBytes?: number;
}

/** Result of {@link ClickHouseStore.ping}: reachable, or the error that says why not. */
export type ClickHousePing = { ok: true } | { ok: false; error: Error };

/** An open telemetry store. Readers, migrations and sinks in this folder take it as their first argument. */
export interface ClickHouseStore {
  /** `embedded` = in-process chDB, `server` = ClickHouse over HTTP. */
  readonly kind: 'embedded' | 'server';
  /** The `@clickhouse/client` instance; same API and SQL for both kinds. */
  readonly client: ClickHouseClient;
  /** Database the client works in (`default` for embedded). */
  readonly database: string;
  /** Embedded only: absolute path of the engine's data directory (`<dataDir>/clickhouse`). */
  readonly path?: string;
  /** Liveness check (`SELECT 1` on chDB, `/ping` on a server); never throws. */
  ping(): Promise<ClickHousePing>;
  /**
   * Inserts rows that are already JSONEachRow lines (strings without the newline). JSON
   * objects given for `String` columns are stored as their JSON text
   * (`input_format_json_read_objects_as_strings`). Embedded: chDB's raw insert hands the
   * bytes to the engine's parser without converting them to a SQL string on the calling
   * thread; server: one `INSERT ... FORMAT JSONEachRow` request. Rejects on failure.
   */
  insertJsonLines(table: string, lines: readonly string[]): Promise<void>;
  /** Closes the client (and, for the last embedded store of the process, the engine). Idempotent. */
  close(): Promise<void>;
}

/** Why `openClickHouse` refused the options. */
export type ClickHouseOpenFailure =
  | { kind: 'missing_location'; detail: string }
  | { kind: 'invalid_database'; detail: string }
  | { kind: 'invalid_memory_limit'; detail: string }
  | { kind: 'data_dir_in_use'; detail: string }
  | { kind: 'connect_failed'; detail: string };

/** Rejection of {@link openClickHouse}; `failure` says why. */
export class ClickHouseOpenError extends Error {
  /** The typed reason. */
  readonly failure: ClickHouseOpenFailure;
  constructor(failure: ClickHouseOpenFailure, options?: { cause?: unknown }) {
    super(failure.detail, options);
    this.name = 'ClickHouseOpenError';
    this.failure = failure;
  }
}

const DATABASE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Engine arguments for embedded chDB (server settings, given as `--name=value` on the engine's
 * command line; verified with `getServerSetting()` to be honoured by chDB 26.7):
 * - `max_server_memory_usage`: hard cap on tracked memory (default would be 90% of RAM).
 * - `memory_worker_period_ms` + `memory_worker_purge_dirty_pages_threshold_ratio`: chDB does not
 *   run ClickHouse's memory worker unless given a period; with it, jemalloc's dirty pages are
 *   purged every 100 ms once they exceed 5% of the cap. This is what keeps RSS down after bulk
 *   inserts — a 10k-row insert frees hundreds of MB that jemalloc otherwise keeps resident for
 *   its 5 s decay time. Costs some insert throughput (measured ~17k rows/s instead of ~25k).
 * - `merges_mutations_memory_usage_soft_limit`: no new merges above half the cap.
 * - cache sizes: ClickHouse sizes its caches for a dedicated server (mark and primary-index
 *   caches default to 5 GiB); a few tens of MB suffice for one process's working set.
 * Query-level settings (`clickhouse_settings`) are not used: chdb/connection turns them into
 * `SET` statements prefixed to every query.
 */
export function embeddedEngineArgs(memoryLimitBytes: number): string[] {
  const settings: Record<string, number> = {
    max_server_memory_usage: memoryLimitBytes,
    memory_worker_period_ms: 100,
    memory_worker_purge_dirty_pages_threshold_ratio: 0.05,
    merges_mutations_memory_usage_soft_limit: Math.floor(memoryLimitBytes / 2),
    mark_cache_size: 64 * MIB,
    index_mark_cache_size: 32 * MIB,
    primary_index_cache_size: 32 * MIB,
    uncompressed_cache_size: 0,
    index_uncompressed_cache_size: 0,
    query_condition_cache_size: 16 * MIB,
    compiled_expression_cache_size: 16 * MIB,
  };
  return Object.entries(settings).map(([name, value]) => `--${name}=${value}`);
}

/**
 * Opens the telemetry store: a ClickHouse server when `options.url` is set, else embedded chDB
 * at `<options.dataDir>/clickhouse` (see the module comment for chDB's one-directory-per-process
 * rule). Does not migrate; call `migrate(store)` next.
 *
 * @throws ClickHouseOpenError when neither `url` nor `dataDir` is given, the database name or
 *   memory limit is invalid, another embedded data directory is open in this process, or the
 *   server cannot be reached to create the database.
 */
export async function openClickHouse(options: OpenClickHouseOptions): Promise<ClickHouseStore> {
  const database = options.database ?? 'default';
  if (!DATABASE_NAME.test(database)) {
    throw new ClickHouseOpenError({
      kind: 'invalid_database',
      detail: `database must match ${DATABASE_NAME.source}, got ${JSON.stringify(database)}`,
    });
  }
  if (options.url !== undefined) return openServer(options.url, database);
  if (options.dataDir === undefined) {
    throw new ClickHouseOpenError({
      kind: 'missing_location',
      detail: 'openClickHouse needs a server url or a dataDir for the embedded engine',
    });
  }
  if (database !== 'default') {
    throw new ClickHouseOpenError({
      kind: 'invalid_database',
      detail: `the embedded engine only uses the "default" database, got ${JSON.stringify(database)}`,
    });
  }
  const memoryLimitBytes = options.memoryLimitBytes ?? DEFAULT_EMBEDDED_MEMORY_LIMIT_BYTES;
  if (!Number.isSafeInteger(memoryLimitBytes) || memoryLimitBytes < 64 * MIB) {
    throw new ClickHouseOpenError({
      kind: 'invalid_memory_limit',
      detail: `memoryLimitBytes must be an integer >= ${64 * MIB}, got ${memoryLimitBytes}`,
    });
  }
  return openEmbedded(path.resolve(options.dataDir, 'clickhouse'), memoryLimitBytes);
}

async function openServer(url: string, database: string): Promise<ClickHouseStore> {
  if (database !== 'default') {
    // The HTTP interface rejects every request naming a missing database, so it is created
    // through a client that does not name one.
    const bootstrap = createClient({ url, log: QUIET });
    try {
      await bootstrap.command({ query: `CREATE DATABASE IF NOT EXISTS \`${database}\`` });
    } catch (error) {
      throw new ClickHouseOpenError(
        { kind: 'connect_failed', detail: `cannot create database ${database}: ${errorMessage(error)}` },
        { cause: error },
      );
    } finally {
      await bootstrap.close();
    }
  }
  const client = createClient({ url, database, log: QUIET });
  let closed = false;
  return {
    kind: 'server',
    client,
    database,
    ping: () => pingClient(client),
    insertJsonLines: async (table, lines) => {
      const result = await client.exec({
        query: `INSERT INTO ${table} FORMAT JSONEachRow`,
        values: Readable.from([jsonLinesText(lines)]),
        clickhouse_settings: {
          input_format_json_read_objects_as_strings: 1,
          input_format_json_throw_on_bad_escape_sequence: 0,
        },
      });
      // Drain the (empty) response so the connection returns to the pool.
      for await (const _chunk of result.stream) void _chunk;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await client.close();
    },
  };
}

/** The engine's data directory bound in this process, and how many open stores use it. */
interface EmbeddedEngine {
  path: string;
  refs: number;
  /** Session that started the engine with `connectionArgs`; kept open while any store is. */
  starter: { close(): void };
}

let engine: EmbeddedEngine | undefined;
/** Serializes opens and closes: they touch `engine` across awaits. */
let engineLock: Promise<unknown> = Promise.resolve();

function withEngineLock<T>(task: () => Promise<T>): Promise<T> {
  const run = engineLock.then(task, task);
  engineLock = run.catch(() => undefined);
  return run;
}

async function openEmbedded(dataPath: string, memoryLimitBytes: number): Promise<ClickHouseStore> {
  // Loaded lazily: libchdb is a few hundred MB of native code a server deployment never needs.
  const chdb = await import('chdb');
  const { createChdbConnection } = await import('chdb/connection');
  const connection = await withEngineLock(async () => {
    if (engine !== undefined && engine.path !== dataPath) {
      throw new ClickHouseOpenError({
        kind: 'data_dir_in_use',
        detail: `chDB binds one data directory per process: ${engine.path} is open, cannot open ${dataPath}`,
      });
    }
    if (engine === undefined) {
      mkdirSync(dataPath, { recursive: true });
      try {
        const starter = new chdb.Session(dataPath, { connectionArgs: embeddedEngineArgs(memoryLimitBytes) });
        engine = { path: dataPath, refs: 0, starter };
      } catch (error) {
        throw new ClickHouseOpenError(
          { kind: 'connect_failed', detail: `cannot start chDB at ${dataPath}: ${errorMessage(error)}` },
          { cause: error },
        );
      }
    }
    const conn = createChdbConnection({ path: dataPath });
    engine.refs += 1;
    return conn;
  });
  // chdb types its connection against @clickhouse/client-common 1.23.0 while @clickhouse/client
  // 1.23.1 bundles its own copy of those types; the runtime contract is the same.
  const client = createClient({ connection: connection as unknown as ClientConnection, log: QUIET });
  let closed = false;
  return {
    kind: 'embedded',
    client,
    database: 'default',
    path: dataPath,
    ping: () => pingClient(client),
    insertJsonLines: async (table, lines) => {
      await connection.chdb.rawInsert({
        table,
        values: Buffer.from(jsonLinesText(lines)),
        format: 'JSONEachRow',
        settings: {
          input_format_json_read_objects_as_strings: 1,
          input_format_json_throw_on_bad_escape_sequence: 0,
        },
      });
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await client.close();
      await withEngineLock(async () => {
        if (engine === undefined) return;
        engine.refs -= 1;
        if (engine.refs > 0) return;
        engine.starter.close();
        engine = undefined;
        // close() defers tearing a connection down behind running operations; wait for that so
        // a later open (of any directory) finds the engine free.
        await chdb.drainPending();
      });
    },
  };
}

function jsonLinesText(lines: readonly string[]): string {
  return `${lines.join('\n')}\n`;
}

async function pingClient(client: ClickHouseClient): Promise<ClickHousePing> {
  try {
    const result = await client.ping();
    return result.success ? { ok: true } : { ok: false, error: result.error };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
