// Conformance of migration 8's conversion on SQLite and Postgres: releases stored by version 7 with
// their commits and refs as JSON text (as the release API kept them, malformed entries included)
// come out of the migration with the repositories, authors, commits, file changes, order, head
// commits, commit count and last commit that setting them through the API gives now.
import { sql, type Kysely } from 'kysely';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  getRelease,
  listReleaseCommits,
  listReleaseFileChanges,
  listReleaseHeadCommits,
  listRepositories,
  releaseCommitSummaries,
  type MetadataStore,
  type Release,
} from './index.js';
import { Clock, openStoreAtVersion, postgresBackend, sqliteBackend, type OldStore } from './test-backends.js';

const PAGE = { limit: 100, offset: 0 };
const CREATED = '2025-01-05T00:00:00.000Z';

/** A release row of schema version 7, `commits` and `refs` as stored text (or null). */
interface OldRelease {
  organizationId: number;
  version: string;
  commits: string | null;
  refs: string | null;
  commitCount: number;
}

async function insertOldRelease(db: Kysely<unknown>, r: OldRelease): Promise<void> {
  await sql`insert into releases (organization_id, version, status, data, commits, refs, commit_count, date_added)
    values (${r.organizationId}, ${r.version}, 'open', '{}', ${r.commits}, ${r.refs}, ${r.commitCount}, ${CREATED})`.execute(
    db,
  );
}

const json = (value: unknown): string => JSON.stringify(value);

describe.each([
  ['sqlite', sqliteBackend],
  ['postgres', postgresBackend],
] as const)('migration 8 converts stored commit lists on %s', (dialect, backend) => {
  let old: OldStore;
  let store: MetadataStore;
  const clock = new Clock();
  const migratedAt = clock.now().toISOString();

  beforeAll(() => backend.prepare());
  beforeEach(async () => {
    old = await openStoreAtVersion(dialect, 7);
    const db = old.db;
    for (const [id, slug] of [
      [1, 'acme'],
      [2, 'other'],
    ] as const) {
      await sql`insert into organizations (id, slug, name, date_created) values (${id}, ${slug}, ${slug}, ${CREATED})`.execute(
        db,
      );
    }
    await insertOldRelease(db, {
      organizationId: 1,
      version: '1.0',
      commits: json([
        {
          id: 'c1',
          repository: 'acme/web',
          message: 'first',
          author_name: 'Ann',
          author_email: 'ann@example.com',
          timestamp: '2025-01-01T10:00:00Z',
          patch_set: [
            { path: 'src/a.ts', type: 'M' },
            { path: 'src/b.ts', type: 'X' },
            'junk',
            { type: 'A' },
          ],
          unknown_field: true,
        },
        { id: 'c2', repository: 'acme/web', message: 'wip #skipsentry', timestamp: '2025-01-03T00:00:00Z' },
        {
          id: 'c3',
          repository: 'acme/api',
          message: 'third',
          author_name: 'Bob Builder',
          timestamp: '2025-01-02T10:00:00+01:00',
        },
        { id: 'c4', message: 'no repository', timestamp: 'not a date' },
        { message: 'no sha' },
        42,
        null,
        { id: {} },
        { id: '  ' },
      ]),
      refs: json([
        { repository: 'acme/web', commit: 'c0..c1' },
        { repository: 'acme/infra', commit: 'i9', previousCommit: null },
        { commit: 'no repository' },
        'junk',
        { repository: 'acme/web', commit: 'c0..' },
      ]),
      commitCount: 9,
    });
    await insertOldRelease(db, {
      organizationId: 1,
      version: '1.1',
      commits: '[{"id": "c9",',
      refs: 'nope',
      commitCount: 1,
    });
    await insertOldRelease(db, {
      organizationId: 1,
      version: '1.2',
      commits: json([
        {
          id: 'c1',
          repository: 'acme/web',
          message: 'first, amended',
          author_name: 'Ann A.',
          author_email: 'ann@example.com',
        },
        { id: 'c1', repository: 'acme/web' },
      ]),
      refs: null,
      commitCount: 2,
    });
    await insertOldRelease(db, {
      organizationId: 1,
      version: '1.3',
      commits: null,
      refs: json([{ repository: 'acme/web', commit: 'c5', previousCommit: 'c1' }]),
      commitCount: 0,
    });
    await insertOldRelease(db, {
      organizationId: 1,
      version: '1.4',
      commits: null,
      refs: null,
      commitCount: 0,
    });
    await insertOldRelease(db, {
      organizationId: 2,
      version: '2.0',
      commits: json([{ id: 'c1', repository: 'acme/web', message: 'elsewhere' }]),
      refs: null,
      commitCount: 1,
    });
    await db.destroy();
    store = await old.open(clock.now);
  });
  afterEach(async () => {
    await store.close();
    await old.dispose();
  });

  async function release(organizationId: number, version: string): Promise<Release> {
    const found = await getRelease(store, organizationId, version);
    if (found === undefined) throw new Error(`release ${version} vanished`);
    return found;
  }

  async function commits(r: Release) {
    return (await listReleaseCommits(store, r.id, PAGE)).map((c) => ({
      key: c.key,
      repository: c.repository.name,
      message: c.message,
      author: c.author?.email ?? null,
      date: c.date_added,
    }));
  }

  async function heads(r: Release) {
    return (await listReleaseHeadCommits(store, r.id)).map((c) => `${c.repository.name}@${c.key}`);
  }

  it('records the migration', async () => {
    const rows = await sql<{
      version: number;
    }>`select version from schema_migrations order by version`.execute(store.db);
    expect(rows.rows.map((r) => Number(r.version))).toContain(8);
  });

  it('converts a list: order, #skipsentry, repositories, authors, dates, file changes, head commits', async () => {
    const r = await release(1, '1.0');
    expect(await commits(r)).toEqual([
      {
        key: 'c3',
        repository: 'acme/api',
        message: 'third',
        author: 'bobbuilder@localhost',
        date: '2025-01-02T09:00:00.000Z',
      },
      // Amended by release 1.2, converted after this one (as if set later through the API).
      {
        key: 'c1',
        repository: 'acme/web',
        message: 'first, amended',
        author: 'ann@example.com',
        date: '2025-01-01T10:00:00.000Z',
      },
      { key: 'c4', repository: 'organization-1', message: 'no repository', author: null, date: migratedAt },
    ]);
    expect(r.commit_count).toBe(3);
    const summary = (await releaseCommitSummaries(store, [r])).get(r.id);
    expect(summary?.lastCommit?.key).toBe('c3');
    expect(summary?.authors.map((a) => [a.name, a.email])).toEqual([
      ['Bob Builder', 'bobbuilder@localhost'],
      ['Ann A.', 'ann@example.com'],
    ]);
    expect(
      (await listReleaseFileChanges(store, r.id, PAGE)).map((f) => [f.filename, f.type, f.commit.key]),
    ).toEqual([['src/a.ts', 'M', 'c1']]);
    // The list's head per repository, then the refs' (a range's head; new repositories created).
    expect(await heads(r)).toEqual(['acme/api@c3', 'acme/infra@i9', 'acme/web@c1', 'organization-1@c4']);
  });

  it('creates each repository once per organization, plain and active', async () => {
    const names = async (organizationId: number) =>
      (await listRepositories(store, { organizationId, status: 'active', ...PAGE })).map((repo) => [
        repo.name,
        repo.provider,
        repo.date_added,
      ]);
    expect(await names(1)).toEqual([
      ['acme/api', null, migratedAt],
      ['acme/infra', null, migratedAt],
      ['acme/web', null, migratedAt],
      ['organization-1', null, migratedAt],
    ]);
    expect(await names(2)).toEqual([['acme/web', null, migratedAt]]);
    const other = await release(2, '2.0');
    expect(await commits(other)).toEqual([
      { key: 'c1', repository: 'acme/web', message: 'elsewhere', author: null, date: migratedAt },
    ]);
  });

  it('lists a commit sent twice once; refs alone record head commits only', async () => {
    const amended = await release(1, '1.2');
    expect((await commits(amended)).map((c) => c.key)).toEqual(['c1']);
    expect(amended.commit_count).toBe(1);
    expect(await heads(amended)).toEqual(['acme/web@c1']);

    const refsOnly = await release(1, '1.3');
    expect(await commits(refsOnly)).toEqual([]);
    expect(refsOnly).toMatchObject({ commit_count: 0, last_commit_id: null });
    expect(await heads(refsOnly)).toEqual(['acme/web@c5']);
  });

  it('skips malformed JSON without failing, and resets the count to the list', async () => {
    const broken = await release(1, '1.1');
    expect(broken).toMatchObject({ commit_count: 0, last_commit_id: null });
    expect(await commits(broken)).toEqual([]);
    expect(await heads(broken)).toEqual([]);
    const untouched = await release(1, '1.4');
    expect(untouched).toMatchObject({ commit_count: 0, last_commit_id: null });
  });
});
