// The issue-state half of issue search on SQLite and Postgres: compiled `assigned:`, `bookmarks:`,
// `subscribed:`, `is:assigned`, `is:unassigned`, `is:for_review` and status filters answered by
// `groupFilterPredicate` through the search's issue-id condition (`groupIdFilter`) over real
// stores, for a user viewer and an organization token.
import { createHash } from 'node:crypto';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { compileIssueSearch } from '../../query/index.js';
import {
  addBookmarks,
  addOrganizationMember,
  addTeamMember,
  assignGroups,
  changeGroupStatus,
  createOrganization,
  createProject,
  createTeam,
  createUser,
  markGroupsReviewed,
  resolveGroups,
  setSubscribed,
  type MetadataStore,
  type User,
} from '../../storage/metadata/index.js';
import {
  postgresBackend,
  sqliteBackend,
  unwrap,
  type Fixture,
} from '../../storage/metadata/test-backends.js';
import type { SearchViewer } from './group-filters.js';
import { groupIdFilter } from './group-candidates.js';

describe.each([
  ['sqlite', sqliteBackend],
  ['postgres', postgresBackend],
] as const)('issue-state search on %s', (_dialect, backend) => {
  let fx: Fixture;
  let store: MetadataStore;
  let ann: User;
  let bob: User;
  let ids: Record<string, number>;
  let projectIds: number[];
  let viewer: SearchViewer;

  beforeAll(() => backend.prepare());
  beforeEach(async () => {
    fx = await backend.create();
    store = fx.store;
    const org = unwrap(await createOrganization(store, 'acme'));
    const project = unwrap(await createProject(store, org.id, 'api'));
    const other = unwrap(await createProject(store, org.id, 'web'));
    projectIds = [project.id, other.id];
    ann = unwrap(await createUser(store, { email: 'Ann@Example.com', username: 'ann' }));
    bob = unwrap(await createUser(store, { email: 'bob@example.com' }));
    const annMember = unwrap(await addOrganizationMember(store, org.id, { userId: ann.id, role: 'member' }));
    const team = unwrap(await createTeam(store, org.id, 'backend'));
    await addTeamMember(store, team.id, annMember.id);
    viewer = { userId: ann.id, organizationId: org.id };

    const make = async (label: string, projectId = project.id) => {
      const [g] = await resolveGroups(store, [
        {
          projectId,
          hashes: [createHash('md5').update(label).digest('hex')],
          init: {
            type: 'error',
            title: label,
            culprit: '',
            level: 'error',
            metadata: {},
            timestamp: store.now(),
          },
        },
      ]);
      return g?.groupId ?? 0;
    };
    // `old` entered the inbox eight days before the others.
    ids = { old: await make('old') };
    fx.clock.advance(8 * 86_400_000);
    for (const label of ['mine', 'team', 'free', 'marked', 'bobs', 'reviewed', 'done'])
      ids[label] = await make(label);
    ids.web = await make('web', other.id);
    const ref = (label: string) => ({ id: ids[label] ?? 0, project_id: project.id });
    const now = store.now();
    await assignGroups(store.db, [ref('mine')], { type: 'user', id: ann.id }, ann.email, null, now);
    await assignGroups(store.db, [ref('team')], { type: 'team', id: team.id }, null, null, now);
    await assignGroups(store.db, [ref('bobs')], { type: 'user', id: bob.id }, bob.email, null, now);
    await addBookmarks(store.db, [ref('marked')], ann.id, now);
    await addBookmarks(store.db, [ref('bobs')], bob.id, now);
    await setSubscribed(store.db, [ref('bobs')], ann.id, false, now);
    await markGroupsReviewed(store, [ids.reviewed ?? 0], ann.id);
    await changeGroupStatus(store, {
      groupIds: [ids.done ?? 0],
      status: 'resolved',
      substatus: null,
      actorId: null,
    });
  });
  afterEach(async () => {
    await fx.dispose();
  });

  /** The names of the issues of `searched` projects the search may return. */
  async function search(query: string, who: SearchViewer = viewer, searched = projectIds): Promise<string[]> {
    const compiled = compileIssueSearch(query, { now: store.now() });
    if (!compiled.ok) throw new Error(compiled.error.message);
    const filter = await groupIdFilter(store, {
      projectIds: searched,
      filters: compiled.groupFilters,
      viewer: who,
      now: store.now(),
    });
    // Every issue of the fixture; the id condition narrows them (or not, when undefined).
    const kept = Object.values(ids).filter(
      (id) => filter === undefined || filter.ids.includes(id) === filter.include,
    );
    const names = new Map(Object.entries(ids).map(([name, id]) => [id, name]));
    return kept.map((id) => names.get(id) ?? String(id)).sort();
  }

  const all = ['bobs', 'done', 'free', 'marked', 'mine', 'old', 'reviewed', 'team', 'web'];
  const except = (...names: string[]) => all.filter((n) => !names.includes(n));

  it.each([
    ['assigned:me', ['mine']],
    ['assigned:#backend', ['team']],
    ['assigned:my_teams', ['team']],
    ['assigned:[me, my_teams]', ['mine', 'team']],
    ['assigned:ann@example.com', ['mine']],
    ['assigned:ann', ['mine']],
    ['assigned:bob@example.com', ['bobs']],
    ['assigned:none', except('mine', 'team', 'bobs')],
    ['assigned:[me, none]', except('team', 'bobs')],
    ['!assigned:me', except('mine')],
    ['assigned:#nosuchteam', []],
    ['assigned:nobody@example.com', []],
    ['assigned_or_suggested:[me, my_teams, none]', except('bobs')],
    ['is:assigned', ['bobs', 'mine', 'team']],
    ['is:unassigned', except('mine', 'team', 'bobs')],
    ['bookmarks:me', ['marked']],
    ['bookmarks:bob@example.com', ['bobs']],
    ['!bookmarks:me', except('marked')],
    ['subscribed:me', ['marked', 'mine', 'team']],
    ['subscribed:bob@example.com', ['bobs']],
    ['is:for_review', except('old', 'reviewed', 'done')],
    ['!is:for_review', ['done', 'old', 'reviewed']],
    ['is:unresolved is:for_review assigned:[me, none]', ['free', 'marked', 'mine', 'web']],
    ['is:resolved', ['done']],
    ['is:unresolved is:ongoing', ['reviewed']],
    ['is:new is:unassigned', except('mine', 'team', 'bobs', 'reviewed', 'done')],
    ['is:linked', []],
  ])('%s', async (query, expected) => {
    expect(await search(query)).toEqual([...expected].sort());
  });

  it('resolves `me` and `my_teams` to nothing for an organization token', async () => {
    const orgToken = { userId: null, organizationId: viewer.organizationId };
    expect(await search('assigned:me', orgToken)).toEqual([]);
    expect(await search('assigned:my_teams', orgToken)).toEqual([]);
    expect(await search('bookmarks:me', orgToken)).toEqual([]);
    expect(await search('assigned:[me, none]', orgToken)).toEqual(except('mine', 'team', 'bobs'));
  });

  it('counts only the issues of the searched projects', async () => {
    const web = [projectIds[1] ?? 0];
    // `done` (resolved) is in the other project: nothing of `web` is resolved.
    expect(await search('is:resolved', viewer, web)).toEqual([]);
    // Every issue of `web` is unresolved: no condition, though `done` elsewhere is resolved.
    const compiled = compileIssueSearch('is:unresolved', { now: store.now() });
    if (!compiled.ok) throw new Error(compiled.error.message);
    expect(
      await groupIdFilter(store, {
        projectIds: web,
        filters: compiled.groupFilters,
        viewer,
        now: store.now(),
      }),
    ).toBeUndefined();
  });
});
