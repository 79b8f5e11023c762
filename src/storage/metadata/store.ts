/**
 * Opening the metadata store (DESIGN.md "Storage"): SQLite through better-sqlite3 as the
 * embedded default (`<dataDir>/metadata.sqlite3`, WAL mode), or Postgres through `pg` when
 * given a `postgres://` URL. Both are driven by one Kysely query builder; the schema is
 * migrated on open.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from './migrations.js';
import type { MetadataDialect } from './migrations.js';
import type { Database } from './schema.js';

/** An open metadata store. Repositories in this folder take it as their first argument. */
export interface MetadataStore {
  /** The query builder; typed by the schema in `schema.ts`. */
  db: Kysely<Database>;
  /** Which SQL dialect `db` speaks. */
  dialect: MetadataDialect;
  /** The store's clock (defaults to the system clock); every `date_*` value comes from it. */
  now(): Date;
  /** Closes the SQLite file or drains the Postgres pool. The store is unusable afterwards. */
  close(): Promise<void>;
}

/** Where and how to open the store. */
export interface OpenMetadataStoreOptions {
  /**
   * `postgres://…` / `postgresql://…` for Postgres; `sqlite:<path>` (or `sqlite::memory:`)
   * for an explicit SQLite file. When absent, SQLite at `<dataDir>/metadata.sqlite3`.
   */
  url?: string;
  /** Data directory for the embedded SQLite file; created if missing. */
  dataDir?: string;
  /**
   * Postgres only: schema to use (created if missing, set as `search_path`), e.g. to run
   * several isolated stores in one database. Must match `[a-z_][a-z0-9_]*`, ≤ 63 chars.
   */
  schema?: string;
  /** Postgres only: pool size; default 10. */
  maxConnections?: number;
  /** Clock override (tests); default `() => new Date()`. */
  now?: () => Date;
}

/** Why the store could not be opened from the given options. */
export type MetadataOpenFailure =
  | { kind: 'missing_location'; detail: string }
  | { kind: 'unsupported_url'; detail: string }
  | { kind: 'invalid_schema'; detail: string };

/** Rejection of `openMetadataStore` for unusable options; `failure` says which. */
export class MetadataOpenError extends Error {
  /** The typed reason. */
  readonly failure: MetadataOpenFailure;
  constructor(failure: MetadataOpenFailure) {
    super(failure.detail);
    this.name = 'MetadataOpenError';
    this.failure = failure;
  }
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Postgres int8 (OID 20) → number; ids and counts stay far below 2^53. */
function parseInt8(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${value} exceeds Number.MAX_SAFE_INTEGER`);
  return n;
}

const INT8_OID = 20;

const pgTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? parseInt8
      : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

function openPostgres(url: string, options: OpenMetadataStoreOptions): Kysely<Database> {
  if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
    throw new MetadataOpenError({
      kind: 'invalid_schema',
      detail: `Postgres schema name must match ${SCHEMA_NAME.source}`,
    });
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: 10_000,
    types: pgTypes,
    ...(options.schema !== undefined ? { options: `-c search_path=${options.schema}` } : {}),
  });
  // A connection that drops (Postgres restarted, network cut) emits 'error' — on the pool for an
  // idle client, on the client itself while a query holds it. An 'error' event nobody listens to
  // crashes the process; here the failing query rejects anyway (and is retried by its caller),
  // and the pool discards a client that is no longer queryable when it is released.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

function sqlitePath(options: OpenMetadataStoreOptions): string {
  const url = options.url;
  if (url !== undefined && url !== '') {
    if (!url.startsWith('sqlite:')) {
      throw new MetadataOpenError({
        kind: 'unsupported_url',
        detail: 'metadata URL must start with postgres://, postgresql:// or sqlite:',
      });
    }
    const rest = url.slice('sqlite:'.length);
    return rest.startsWith('//') ? rest.slice(2) : rest;
  }
  if (options.dataDir === undefined || options.dataDir === '') {
    throw new MetadataOpenError({
      kind: 'missing_location',
      detail: 'either a metadata URL or a data directory is required',
    });
  }
  mkdirSync(options.dataDir, { recursive: true });
  return path.join(options.dataDir, 'metadata.sqlite3');
}

function openSqlite(file: string): Kysely<Database> {
  const database = new SqliteDatabase(file, { timeout: 5_000 });
  if (file !== ':memory:') database.pragma('journal_mode = WAL');
  // NORMAL is durable across application crashes in WAL mode; only an OS crash can lose
  // the last transactions, which is the usual trade-off for an embedded store.
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
}

/**
 * Takes a `schema` query parameter off a Postgres URL (`postgres://u@h/db?schema=vigil`) as
 * the `schema` option, so a whole deployment is configured by one URL; an explicit
 * `schema` option wins.
 */
function withUrlSchema(options: OpenMetadataStoreOptions): OpenMetadataStoreOptions {
  const url = options.url;
  if (!url || !/^postgres(ql)?:\/\//.test(url)) return options;
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema');
  if (schema === null) return options;
  parsed.searchParams.delete('schema');
  return { ...options, url: parsed.toString(), schema: options.schema ?? schema };
}

/** `create schema if not exists`, tolerating a concurrent creator (it is not atomic in Postgres). */
async function createSchema(db: Kysely<Database>, schema: string): Promise<void> {
  try {
    await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
    // duplicate_schema / unique_violation on pg_namespace: another process created it first.
    if (code !== '42P06' && code !== '23505') throw error;
  }
}

/**
 * Opens (and migrates) the metadata store. A Postgres URL may carry `?schema=<name>`.
 * Dialect by `options.url`: `postgres://` or
 * `postgresql://` → Postgres; `sqlite:<file>` → that SQLite file; none → SQLite at
 * `<dataDir>/metadata.sqlite3` (directory created). Rejects with `MetadataOpenError` for
 * unusable options, and with the driver's error when the database is unreachable or a
 * migration fails (startup should stop then).
 */
export async function openMetadataStore(input: OpenMetadataStoreOptions): Promise<MetadataStore> {
  const options = withUrlSchema(input);
  const url = options.url ?? '';
  const dialect: MetadataDialect = /^postgres(ql)?:\/\//.test(url) ? 'postgres' : 'sqlite';
  const db = dialect === 'postgres' ? openPostgres(url, options) : openSqlite(sqlitePath(options));
  const now = options.now ?? (() => new Date());
  try {
    if (dialect === 'postgres' && options.schema !== undefined) {
      await createSchema(db, options.schema);
    }
    await migrateToLatest(db as Kysely<unknown>, dialect, now());
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { db, dialect, now, close: () => db.destroy() };
}

/**
 * Whether the store answers a trivial query (`SELECT 1`) within `timeoutMs` (default 2000):
 * the readiness check of the health endpoint. Never throws.
 */
export async function pingMetadata(store: Pick<MetadataStore, 'db'>, timeoutMs = 2000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const query = sql`select 1 as ok`
    .execute(store.db)
    .then(() => true)
    .catch(() => false);
  try {
    return await Promise.race([query, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
