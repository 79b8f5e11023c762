/**
 * The two backends the metadata store's conformance suites run against: SQLite in a temp dir and
 * Postgres in a fresh schema per test (dropped afterwards). Postgres must be reachable (it is on
 * dev and CI machines); set VIGIL_TEST_POSTGRES_URL to point elsewhere. Test support only.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { openMetadataStore, type MetadataDialect, type MetadataStore } from './index.js';
import { METADATA_MIGRATIONS } from './migrations.js';

/** A settable clock for the store's `now` (starts 2025-03-01T12:00:00Z). */
export class Clock {
  t = Date.parse('2025-03-01T12:00:00.000Z');
  readonly now = (): Date => new Date(this.t);
  advance(ms: number): void {
    this.t += ms;
  }
}

/** One test's store and what it needs to simulate other processes and time. */
export interface Fixture {
  store: MetadataStore;
  clock: Clock;
  /** Opens another store on the same database, like a second process would. */
  reopen(): Promise<MetadataStore>;
  /** True when `reopen` gives an independent connection usable concurrently (Postgres). */
  independentPeers: boolean;
  dispose(): Promise<void>;
}

/** A database the suites run against: `prepare` once, `create` a fresh store per test. */
export interface Backend {
  prepare(): Promise<void>;
  create(): Promise<Fixture>;
}

/** SQLite in a fresh temp directory per test. */
export const sqliteBackend: Backend = {
  prepare: () => Promise.resolve(),
  async create() {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'vigil-metadata-'));
    const clock = new Clock();
    const opened: MetadataStore[] = [];
    const open = async () => {
      const s = await openMetadataStore({ dataDir, now: clock.now });
      opened.push(s);
      return s;
    };
    const store = await open();
    return {
      store,
      clock,
      reopen: open,
      independentPeers: false,
      async dispose() {
        for (const s of opened) await s.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  },
};

function postgresCandidates(): string[] {
  const configured = process.env.VIGIL_TEST_POSTGRES_URL;
  if (configured !== undefined && configured !== '') return [configured];
  return ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test'];
}

let postgresUrl: string | undefined;

/** The Postgres URL `postgresBackend.prepare` found (undefined before). */
export function postgresTestUrl(): string | undefined {
  return postgresUrl;
}

/** Drops a test schema over a separate connection (used when opening the store failed). */
export async function dropTestSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Postgres: a fresh schema per test on the first reachable test database. */
export const postgresBackend: Backend = {
  async prepare() {
    const problems: string[] = [];
    for (const url of postgresCandidates()) {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
      try {
        await client.connect();
        await client.query('select 1');
        postgresUrl = url;
        return;
      } catch (error) {
        problems.push(`${url}: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        await client.end().catch(() => undefined);
      }
    }
    throw new Error(
      `The metadata conformance suite needs Postgres, which is not reachable (${problems.join('; ')}). ` +
        'Start Postgres on 127.0.0.1:5432 with a `test` database, or set VIGIL_TEST_POSTGRES_URL.',
    );
  },
  async create() {
    const url = postgresUrl;
    if (url === undefined) throw new Error('Postgres backend not prepared');
    const schema = `vigil_test_${randomBytes(6).toString('hex')}`;
    const clock = new Clock();
    const opened: MetadataStore[] = [];
    const open = async () => {
      const s = await openMetadataStore({ url, schema, now: clock.now });
      opened.push(s);
      return s;
    };
    let store: MetadataStore;
    try {
      store = await open();
    } catch (error) {
      await dropTestSchema(url, schema);
      throw error;
    }
    return {
      store,
      clock,
      reopen: open,
      independentPeers: true,
      async dispose() {
        await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(store.db);
        for (const s of opened) await s.close();
      },
    };
  },
};

/** A database at an older schema version, created without `openMetadataStore`. */
export interface OldStore {
  /** The database at that version (destroy it before `open`). */
  db: Kysely<unknown>;
  /** Opens the location with `openMetadataStore`, which runs the remaining migrations at `now`. */
  open(now?: () => Date): Promise<MetadataStore>;
  dispose(): Promise<void>;
}

/**
 * A fresh database (a SQLite file in a temp dir, or a new Postgres schema) with migrations 1 to
 * `version` applied and recorded, to test what later migrations do to existing data.
 */
export async function openStoreAtVersion(dialect: MetadataDialect, version: number): Promise<OldStore> {
  let db: Kysely<unknown>;
  let open: OldStore['open'];
  let dispose: () => Promise<void>;
  if (dialect === 'sqlite') {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'vigil-metadata-old-'));
    const database = new SqliteDatabase(path.join(dataDir, 'metadata.sqlite3'));
    database.pragma('foreign_keys = ON');
    db = new Kysely<unknown>({ dialect: new SqliteDialect({ database }) });
    open = (now) => openMetadataStore({ dataDir, now });
    dispose = async () => rmSync(dataDir, { recursive: true, force: true });
  } else {
    const url = postgresTestUrl() ?? '';
    const schema = `vigil_test_${randomBytes(6).toString('hex')}`;
    const pool = new pg.Pool({ connectionString: url, options: `-c search_path=${schema}` });
    db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
    await sql`create schema ${sql.id(schema)}`.execute(db);
    open = (now) => openMetadataStore({ url, schema, now });
    dispose = async () => dropTestSchema(url, schema);
  }
  const appliedAt = new Date('2025-01-01T00:00:00.000Z');
  await db.transaction().execute(async (trx) => {
    await sql`create table schema_migrations (version integer primary key, name text not null, applied_at text not null)`.execute(
      trx,
    );
    for (const migration of METADATA_MIGRATIONS.filter((m) => m.version <= version)) {
      await migration.up(trx, dialect, appliedAt);
      await sql`insert into schema_migrations values (${migration.version}, ${migration.name}, ${appliedAt.toISOString()})`.execute(
        trx,
      );
    }
  });
  return { db, open, dispose };
}

/** The value of a `MetadataResult`, or an exception naming its error. */
export function unwrap<T>(
  result: { ok: true; value: T } | { ok: false; error: { kind: string; detail: string } },
): T {
  if (!result.ok) throw new Error(`expected success, got ${result.error.kind}: ${result.error.detail}`);
  return result.value;
}
