// Conformance of repositories and release commits (migration 8) on SQLite and Postgres: Sentry's
// set_commits (order, #skipsentry, repositories and authors found or created, file changes, head
// commits, the release's count and last commit), set_refs and clear_commits, the listings the API
// pages through, previous-with-commits, and repository registration, update and deletion.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  clearReleaseCommits,
  createOrganization,
  createProject,
  createRelease,
  createRepository,
  deleteRepository,
  findActiveRepository,
  getRelease,
  listReleaseCommits,
  listReleaseFileChanges,
  listReleaseHeadCommits,
  listReleaseRepositories,
  listRepositories,
  previousReleaseWithCommits,
  releaseCommitSummaries,
  setReleaseCommits,
  setReleaseRefs,
  updateRelease,
  updateRepository,
  type CommitInput,
  type MetadataStore,
  type Organization,
  type Project,
  type Release,
} from './index.js';
import { postgresBackend, sqliteBackend, unwrap, type Fixture } from './test-backends.js';

const PAGE = { limit: 100, offset: 0 };

describe.each([
  ['sqlite', sqliteBackend],
  ['postgres', postgresBackend],
] as const)('repositories and release commits on %s', (_dialect, backend) => {
  let fx: Fixture;
  let store: MetadataStore;
  let org: Organization;
  let web: Project;
  let api: Project;

  beforeAll(() => backend.prepare());
  beforeEach(async () => {
    fx = await backend.create();
    store = fx.store;
    org = unwrap(await createOrganization(store, 'acme'));
    web = unwrap(await createProject(store, org.id, 'web'));
    api = unwrap(await createProject(store, org.id, 'api'));
  });
  afterEach(async () => {
    await fx.dispose();
  });

  async function release(version: string, projectIds: number[] = [web.id]): Promise<Release> {
    fx.clock.advance(1000);
    return (await createRelease(store, { organizationId: org.id, version, projectIds })).release;
  }

  async function reread(r: Release): Promise<Release> {
    const found = await getRelease(store, org.id, r.version);
    if (found === undefined) throw new Error(`release ${r.version} vanished`);
    return found;
  }

  const keys = async (r: Release) => (await listReleaseCommits(store, r.id, PAGE)).map((c) => c.key);

  describe('set_commits', () => {
    it('orders newest first, drops #skipsentry, finds or creates repositories and authors', async () => {
      const registered = unwrap(await createRepository(store, { organizationId: org.id, name: 'acme/web' }));
      const r = await release('1.0');
      const commits: CommitInput[] = [
        {
          id: 'c1',
          repository: 'acme/web',
          message: 'one',
          author_email: 'ann@example.com',
          author_name: 'Ann',
          timestamp: '2024-01-01T10:00:00.000Z',
        },
        {
          id: 'c3',
          repository: 'acme/web',
          message: 'three',
          author_name: 'Bob B.',
          timestamp: '2024-01-01T10:02:00.000Z',
        },
        {
          id: 'c2',
          repository: 'acme/lib',
          message: 'two #skipsentry',
          timestamp: '2024-01-01T10:01:00.000Z',
        },
        { id: 'c0', message: 'undated' },
        {
          id: 'c4',
          repository: 'acme/web',
          message: 'tie',
          timestamp: '2024-01-01T10:02:00.000Z',
          author_email: 'ann@example.com',
          author_name: 'Ann A.',
        },
      ];
      await setReleaseCommits(store, r, commits);

      expect(await keys(r)).toEqual(['c3', 'c4', 'c1', 'c0']);
      const listed = await listReleaseCommits(store, r.id, PAGE);
      expect(
        listed.map((c) => [c.key, c.repository.name, c.author?.email ?? null, c.author?.name ?? null]),
      ).toEqual([
        ['c3', 'acme/web', 'bobb.@localhost', 'Bob B.'],
        ['c4', 'acme/web', 'ann@example.com', 'Ann A.'],
        ['c1', 'acme/web', 'ann@example.com', 'Ann A.'],
        ['c0', `organization-${org.id}`, null, null],
      ]);
      expect(listed[0]?.repository.id).toBe(registered.id);
      expect(listed[0]?.date_added).toBe('2024-01-01T10:02:00.000Z');
      // An undated new commit is dated when recorded; the #skipsentry one made no repository.
      expect(listed[3]?.date_added).toBe(new Date(fx.clock.t).toISOString());
      const repos = await listRepositories(store, { organizationId: org.id, status: 'active', ...PAGE });
      expect(repos.map((x) => [x.name, x.provider])).toEqual([
        ['acme/web', null],
        [`organization-${org.id}`, null],
      ]);

      const updated = await reread(r);
      expect(updated.commit_count).toBe(4);
      const summary = (await releaseCommitSummaries(store, [updated])).get(r.id);
      expect(summary?.lastCommit?.key).toBe('c3');
      expect(summary?.authors.map((a) => a.email)).toEqual(['bobb.@localhost', 'ann@example.com']);
      const heads = await listReleaseHeadCommits(store, r.id);
      expect(heads.map((c) => [c.repository.name, c.key])).toEqual([
        ['acme/web', 'c3'],
        [`organization-${org.id}`, 'c0'],
      ]);
    });

    it('replaces the list, updates what is sent about known commits and keeps head commits', async () => {
      const r = await release('1.0');
      await setReleaseCommits(store, r, [
        {
          id: 'a',
          repository: 'x/y',
          message: 'first',
          author_email: 'ann@example.com',
          timestamp: '2024-01-01T00:00:00.000Z',
          patch_set: [{ path: 'f.js', type: 'A' }],
        },
        { id: 'b', repository: 'x/y', message: 'second', timestamp: '2024-01-02T00:00:00.000Z' },
      ]);
      await setReleaseCommits(store, r, [
        { id: 'c', repository: 'x/y', timestamp: '2024-01-03T00:00:00.000Z' },
        {
          id: 'a',
          repository: 'x/y',
          patch_set: [
            { path: 'f.js', type: 'M' },
            { path: 'g.js', type: 'D' },
          ],
        },
      ]);
      const listed = await listReleaseCommits(store, r.id, PAGE);
      // `a` has no timestamp this time: it sorts last, and keeps its message, author and date.
      expect(listed.map((c) => [c.key, c.message, c.author?.email ?? null, c.date_added])).toEqual([
        ['c', null, null, '2024-01-03T00:00:00.000Z'],
        ['a', 'first', 'ann@example.com', '2024-01-01T00:00:00.000Z'],
      ]);
      expect((await reread(r)).commit_count).toBe(2);
      // The head commit of the first list stays (Sentry only fills in missing ones).
      expect((await listReleaseHeadCommits(store, r.id)).map((c) => c.key)).toEqual(['b']);
      const files = await listReleaseFileChanges(store, r.id, PAGE);
      expect(files.map((f) => [f.filename, f.type, f.commit.key])).toEqual([
        ['f.js', 'A', 'a'],
        ['g.js', 'D', 'a'],
      ]);
      await setReleaseCommits(store, r, [{ id: 'a', repository: 'x/y', message: null }]);
      expect((await listReleaseCommits(store, r.id, PAGE)).map((c) => c.message)).toEqual([null]);
    });

    it('pages, filters by repository and lists the repositories of a release', async () => {
      const r = await release('1.0');
      await setReleaseCommits(
        store,
        r,
        ['5', '4', '3', '2', '1'].map((id, i) => ({
          id,
          repository: i % 2 === 0 ? 'b/even' : 'a/odd',
          timestamp: `2024-01-0${9 - i}T00:00:00.000Z`,
          patch_set: [{ path: `${id}.js`, type: 'A' }],
        })),
      );
      expect((await listReleaseCommits(store, r.id, { limit: 2, offset: 1 })).map((c) => c.key)).toEqual([
        '4',
        '3',
      ]);
      const odd = await findActiveRepository(store, org.id, { name: 'a/odd' });
      expect(
        (await listReleaseCommits(store, r.id, { ...PAGE, repositoryId: odd?.id })).map((c) => c.key),
      ).toEqual(['4', '2']);
      expect(
        (await listReleaseFileChanges(store, r.id, { limit: 2, offset: 1, repositoryId: odd?.id })).map(
          (f) => f.filename,
        ),
      ).toEqual(['4.js']);
      expect((await listReleaseRepositories(store, r.id)).map((x) => x.name)).toEqual(['a/odd', 'b/even']);
    });

    it('creates a new repository once when releases name it at the same time', async () => {
      if (!fx.independentPeers) return;
      const other = await fx.reopen();
      const releases = await Promise.all(['1', '2', '3', '4'].map((v) => release(v)));
      await Promise.all(
        releases.map((r, i) =>
          setReleaseCommits(i % 2 === 0 ? store : other, r, [
            { id: `k${i}`, repository: 'new/repo', author_email: 'ann@example.com' },
          ]),
        ),
      );
      const repos = await listRepositories(store, { organizationId: org.id, status: 'active', ...PAGE });
      expect(repos.map((x) => x.name)).toEqual(['new/repo']);
    });
  });

  describe('set_refs and clear_commits', () => {
    it('records and moves head commits by repository; refuses unknown repositories', async () => {
      unwrap(await createRepository(store, { organizationId: org.id, name: 'acme/web' }));
      const r = await release('1.0');
      expect(
        await setReleaseRefs(store, r, [
          { repository: 'acme/web', commit: 'a' },
          { repository: 'acme/api', commit: 'b' },
          { repository: 'acme/lib', commit: 'c' },
        ]),
      ).toEqual({
        ok: false,
        error: { kind: 'not_found', detail: 'Invalid repository names: acme/api,acme/lib' },
      });
      expect(await listReleaseHeadCommits(store, r.id)).toEqual([]);

      expect((await setReleaseRefs(store, r, [{ repository: 'acme/web', commit: 'a0..a1' }])).ok).toBe(true);
      expect((await listReleaseHeadCommits(store, r.id)).map((c) => c.key)).toEqual(['a1']);
      expect(
        (await setReleaseRefs(store, r, [{ repository: 'acme/web', commit: 'a2', previousCommit: 'a1' }])).ok,
      ).toBe(true);
      expect((await listReleaseHeadCommits(store, r.id)).map((c) => c.key)).toEqual(['a2']);
      expect(await reread(r)).toMatchObject({ commit_count: 0, last_commit_id: null });
    });

    it('clears the commits and head commits of one release only', async () => {
      const [r1, r2] = [await release('1'), await release('2')];
      for (const r of [r1, r2]) await setReleaseCommits(store, r, [{ id: 'shared', repository: 'x/y' }]);
      await clearReleaseCommits(store, r1);
      expect(await reread(r1)).toMatchObject({ commit_count: 0, last_commit_id: null });
      expect(await keys(r1)).toEqual([]);
      expect(await listReleaseHeadCommits(store, r1.id)).toEqual([]);
      expect(await keys(r2)).toEqual(['shared']);
      expect((await reread(r2)).commit_count).toBe(1);
    });
  });

  describe('previous release with commits', () => {
    it('is the newest linked release with commits released no later, possibly the release itself', async () => {
      const old = await release('1');
      const otherProject = await release('2', [api.id]);
      const none = await release('3');
      const current = await release('4');
      const later = await release('5');
      for (const r of [old, otherProject, later])
        await setReleaseCommits(store, r, [{ id: r.version, repository: 'x/y' }]);
      const previous = (r: Release, projects = [web.id]) =>
        previousReleaseWithCommits(store, r, projects).then((p) => p?.version);
      expect(await previous(current)).toBe('1');
      expect(await previous(none)).toBe('1');
      expect(await previous(old)).toBe('1');
      expect(await previous(current, [])).toBeUndefined();
      expect(await previous(current, [api.id])).toBe('2');
      // Finalized releases count by release date.
      await updateRelease(store, old.id, { dateReleased: new Date(fx.clock.t + 60_000).toISOString() });
      expect(await previous(current)).toBeUndefined();
    });
  });

  describe('repositories', () => {
    it('keeps one active repository per name; hidden ones keep theirs', async () => {
      const first = unwrap(
        await createRepository(store, { organizationId: org.id, name: 'acme/web', url: 'https://x' }),
      );
      expect(await createRepository(store, { organizationId: org.id, name: 'acme/web' })).toMatchObject({
        ok: false,
        error: { kind: 'conflict' },
      });
      unwrap(await updateRepository(store, first, { status: 'hidden' }));
      const second = unwrap(
        await createRepository(store, {
          organizationId: org.id,
          name: 'acme/web',
          provider: 'integrations:custom_scm',
          externalId: 'e1',
        }),
      );
      expect(await updateRepository(store, first, { status: 'active' })).toMatchObject({ ok: false });
      expect(
        unwrap(await updateRepository(store, first, { name: 'acme/old', status: 'active', url: '' })),
      ).toMatchObject({
        name: 'acme/old',
        status: 'active',
        url: null,
      });
      const list = (status: 'active' | 'deleted', query?: string) =>
        listRepositories(store, { organizationId: org.id, status, query, ...PAGE }).then((rs) =>
          rs.map((x) => x.id),
        );
      expect(await list('active')).toEqual([first.id, second.id]);
      expect(await list('active', 'OLD')).toEqual([first.id]);
      unwrap(await updateRepository(store, second, { status: 'hidden' }));
      expect(await list('deleted')).toEqual([second.id]);
      expect(await findActiveRepository(store, org.id, { externalId: 'e1' })).toBeUndefined();
    });

    it('deletes a repository with its commits and recounts the releases that had some', async () => {
      const r = await release('1.0');
      await setReleaseCommits(store, r, [
        { id: 'gone', repository: 'x/gone', timestamp: '2024-01-02T00:00:00.000Z' },
        { id: 'kept', repository: 'x/kept', timestamp: '2024-01-01T00:00:00.000Z' },
      ]);
      const gone = await findActiveRepository(store, org.id, { name: 'x/gone' });
      if (gone === undefined) throw new Error('no repository');
      await deleteRepository(store, gone);
      expect(await keys(r)).toEqual(['kept']);
      const updated = await reread(r);
      expect(updated.commit_count).toBe(1);
      expect((await releaseCommitSummaries(store, [updated])).get(r.id)?.lastCommit?.key).toBe('kept');
      expect((await listReleaseHeadCommits(store, r.id)).map((c) => c.repository.name)).toEqual(['x/kept']);
    });
  });
});
