// One conformance suite for both dialects of the metadata store: every repository function
// runs against SQLite (temp dir) and Postgres (a fresh schema per test, dropped afterwards); the
// backends are in test-backends.ts.
import { createHash, randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ALL_API_SCOPES,
  bootstrap,
  createApiToken,
  createOrganization,
  createProject,
  createProjectKey,
  deleteApiToken,
  acceptInvitations,
  addOrganizationMember,
  addProjectTeam,
  addTeamMember,
  countMembersWithRole,
  countTeamMembers,
  createTeam,
  createUser,
  createUserApiToken,
  deleteOrganizationMember,
  deleteProject,
  deleteProjectKey,
  deleteTeam,
  getApiToken,
  getMembership,
  getOrganizationMember,
  getProjectKey,
  getTeamBySlug,
  getUser,
  getUserByEmail,
  getUsers,
  listOrganizationMembers,
  listProjectKeysPage,
  listProjectTeams,
  listProjectsPage,
  listTeamMemberships,
  listTeamProjectIds,
  listTeams,
  listUserApiTokens,
  listUserMemberships,
  listUsers,
  setMemberRole,
  setMemberTeams,
  updateOrganization,
  updateProjectKey,
  updateTeam,
  formatShortId,
  getGroup,
  getGroupByShortId,
  getGroupIdsByShortIds,
  getGroups,
  getOrganizationById,
  getOrganizationBySlug,
  getProjectById,
  getProjectBySlug,
  getProjectKeyByPublicKey,
  getProjectConfigJson,
  getProjectConfigJsons,
  getMonitorBySlug,
  listActivities,
  listMonitors,
  listApiTokens,
  listOrganizations,
  listProjectKeys,
  listProjects,
  openMetadataStore,
  parseShortId,
  base32Decode,
  resolveGroups,
  setProjectConfigJson,
  setProjectKeyActive,
  updateGroupStatus,
  upsertMonitors,
  verifyApiToken,
  MetadataOpenError,
} from './index.js';
import type { GroupInit, MetadataStore, Organization, Project, ResolveGroupsItem } from './index.js';
import { METADATA_MIGRATIONS } from './migrations.js';
import { countGroupsWhere, groupIdsWhere, type GroupPredicate } from './group-states.js';
import {
  openStoreAtVersion,
  postgresBackend,
  postgresTestUrl,
  sqliteBackend,
  unwrap,
  type Fixture,
} from './test-backends.js';

function init(overrides: Partial<GroupInit> = {}): GroupInit {
  return {
    type: 'error',
    title: 'TypeError: x is undefined',
    culprit: 'app/main.js in run',
    level: 'error',
    metadata: { type: 'TypeError', value: 'x is undefined', in_app_frame_mix: 'in-app-only' },
    timestamp: new Date('2025-03-01T11:59:00.000Z'),
    ...overrides,
  };
}

function item(projectId: number, hashes: string[], overrides: Partial<GroupInit> = {}): ResolveGroupsItem {
  return { projectId, hashes, init: init(overrides) };
}

function h(label: string): string {
  return createHash('md5').update(label).digest('hex');
}

async function count(store: MetadataStore, table: 'groups' | 'group_hashes' | 'activities'): Promise<number> {
  const row = await store.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Organization `vigil` with project `default`, its token `Bootstrap` (id 1), `ci` (2) and a deleted one (3). */
async function insertLegacyTokens(db: Kysely<unknown>): Promise<{ token: string }> {
  const now = '2025-01-01T00:00:00.000Z';
  await sql`insert into organizations (id, slug, name, date_created) values (1, 'vigil', 'Vigil', ${now})`.execute(
    db,
  );
  await sql`insert into projects (id, organization_id, slug, name, date_created) values (1, 1, 'default', 'Default', ${now})`.execute(
    db,
  );
  const token = 'sntryu_' + 'ab'.repeat(32);
  const hash = (t: string) => createHash('sha256').update(t).digest('hex');
  for (const [name, plain] of [
    ['Bootstrap', token],
    ['ci', 'sntryu_' + 'cd'.repeat(32)],
    ['gone', 'sntryu_' + 'ef'.repeat(32)],
  ] as const) {
    await sql`insert into api_tokens (organization_id, name, token_hash, token_last_characters, scopes, date_created)
      values (1, ${name}, ${hash(plain)}, ${plain.slice(-4)}, '["org:read"]', ${now})`.execute(db);
  }
  await sql`delete from api_tokens where name = 'gone'`.execute(db);
  return { token };
}

describe.each([
  ['sqlite', sqliteBackend],
  ['postgres', postgresBackend],
] as const)('metadata store on %s', (dialect, backend) => {
  let fx: Fixture;
  let store: MetadataStore;

  beforeAll(() => backend.prepare());
  beforeEach(async () => {
    fx = await backend.create();
    store = fx.store;
  });
  afterEach(async () => {
    await fx.dispose();
  });

  /** The issues of one project, read directly. */
  function projectGroups(projectId: number) {
    return store.db.selectFrom('groups').selectAll().where('project_id', '=', projectId).execute();
  }

  async function orgAndProject(): Promise<{ org: Organization; project: Project }> {
    const org = unwrap(await createOrganization(store, 'acme', 'Acme'));
    const project = unwrap(await createProject(store, org.id, 'backend', 'Backend', 'node'));
    return { org, project };
  }

  describe('opening and migrations', () => {
    it('speaks the expected dialect and records every applied migration', async () => {
      expect(store.dialect).toBe(dialect);
      const rows = await sql<{ version: number; name: string; applied_at: string }>`
        select version, name, applied_at from schema_migrations`.execute(store.db);
      expect(rows.rows).toEqual([
        { version: 1, name: 'initial', applied_at: '2025-03-01T12:00:00.000Z' },
        { version: 2, name: 'group_platform_logger', applied_at: '2025-03-01T12:00:00.000Z' },
        { version: 3, name: 'monitors', applied_at: '2025-03-01T12:00:00.000Z' },
        { version: 4, name: 'project_configs', applied_at: '2025-03-01T12:00:00.000Z' },
        { version: 5, name: 'releases_and_artifact_bundles', applied_at: '2025-03-01T12:00:00.000Z' },
        { version: 6, name: 'accounts', applied_at: '2025-03-01T12:00:00.000Z' },
        { version: 7, name: 'issue_workflow', applied_at: '2025-03-01T12:00:00.000Z' },
        { version: 8, name: 'repositories_and_release_commits', applied_at: '2025-03-01T12:00:00.000Z' },
        { version: 9, name: 'group_forecasts', applied_at: '2025-03-01T12:00:00.000Z' },
      ]);
    });

    it('re-opening the same database migrates nothing and sees the data', async () => {
      const org = unwrap(await createOrganization(store, 'persisted'));
      const again = await fx.reopen();
      expect((await getOrganizationBySlug(again, 'persisted'))?.id).toBe(org.id);
      const rows = await sql<{ name: string }>`select name from schema_migrations`.execute(again.db);
      expect(rows.rows).toHaveLength(METADATA_MIGRATIONS.length);
    });

    it.runIf(dialect === 'sqlite')('uses WAL journaling for the SQLite file', async () => {
      const { rows } = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(store.db);
      expect(rows[0]?.journal_mode).toBe('wal');
    });

    it.runIf(dialect === 'sqlite')('opens an explicit sqlite: URL, including :memory:', async () => {
      const memory = await openMetadataStore({ url: 'sqlite::memory:' });
      try {
        expect(memory.dialect).toBe('sqlite');
        expect((await createOrganization(memory, 'mem')).ok).toBe(true);
      } finally {
        await memory.close();
      }
    });

    it.runIf(dialect === 'postgres')(
      'migrates once when several processes open a fresh schema together',
      async () => {
        const schema = `vigil_test_${randomBytes(6).toString('hex')}`;
        const stores = await Promise.all(
          [1, 2, 3].map(() => openMetadataStore({ url: postgresTestUrl() ?? '', schema, maxConnections: 2 })),
        );
        try {
          const rows = await sql<{ name: string }>`select name from schema_migrations`.execute(
            stores[0]?.db ?? store.db,
          );
          expect(rows.rows).toHaveLength(METADATA_MIGRATIONS.length);
          expect((await createOrganization(stores[1] ?? store, 'shared')).ok).toBe(true);
          expect((await getOrganizationBySlug(stores[2] ?? store, 'shared'))?.slug).toBe('shared');
        } finally {
          await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(store.db);
          for (const s of stores) await s.close();
        }
      },
    );

    it('rejects unusable options with a typed MetadataOpenError', async () => {
      await expect(openMetadataStore({})).rejects.toMatchObject({ failure: { kind: 'missing_location' } });
      await expect(openMetadataStore({ url: 'mysql://x' })).rejects.toBeInstanceOf(MetadataOpenError);
      await expect(
        openMetadataStore({ url: 'postgres://x@127.0.0.1/y', schema: 'Bad-Name' }),
      ).rejects.toMatchObject({ failure: { kind: 'invalid_schema' } });
    });
  });

  describe('organizations', () => {
    it('creates, reads by slug and id, and lists', async () => {
      const org = unwrap(await createOrganization(store, 'acme', 'Acme Inc'));
      expect(org).toMatchObject({ slug: 'acme', name: 'Acme Inc', date_created: '2025-03-01T12:00:00.000Z' });
      expect(typeof org.id).toBe('number');
      expect(await getOrganizationBySlug(store, 'acme')).toEqual(org);
      expect(await getOrganizationById(store, org.id)).toEqual(org);
      expect(await getOrganizationBySlug(store, 'nope')).toBeUndefined();
      expect(await getOrganizationById(store, org.id + 100)).toBeUndefined();
      const other = unwrap(await createOrganization(store, 'other'));
      expect(other.name).toBe('other');
      expect((await listOrganizations(store)).map((o) => o.slug)).toEqual(['acme', 'other']);
    });

    it('returns typed errors for bad and taken slugs', async () => {
      unwrap(await createOrganization(store, 'acme'));
      expect(await createOrganization(store, 'acme')).toMatchObject({
        ok: false,
        error: { kind: 'slug_taken' },
      });
      expect(await createOrganization(store, 'Acme')).toMatchObject({
        ok: false,
        error: { kind: 'invalid_slug' },
      });
    });
  });

  describe('projects', () => {
    it('creates with defaults and reads back', async () => {
      const org = unwrap(await createOrganization(store, 'acme'));
      const project = unwrap(await createProject(store, org.id, 'web-app_2'));
      expect(project).toMatchObject({
        organization_id: org.id,
        slug: 'web-app_2',
        name: 'web-app_2',
        platform: null,
        next_short_id: 1,
      });
      const named = unwrap(await createProject(store, org.id, 'api', 'API', 'python'));
      expect(named).toMatchObject({ name: 'API', platform: 'python' });
      expect(await getProjectById(store, project.id)).toEqual(project);
      expect(await getProjectBySlug(store, org.id, 'api')).toEqual(named);
      expect(await getProjectBySlug(store, org.id, 'missing')).toBeUndefined();
      expect(await getProjectById(store, named.id + 100)).toBeUndefined();
      expect((await listProjects(store, org.id)).map((p) => p.slug)).toEqual(['web-app_2', 'api']);
    });

    it('validates slugs: lowercase [a-z0-9_-], at most 50, not only digits', async () => {
      const org = unwrap(await createOrganization(store, 'acme'));
      for (const bad of ['', 'Upper', 'has space', 'dot.ted', 'ümlaut', '12345', 'a'.repeat(51)]) {
        const result = await createProject(store, org.id, bad);
        expect(result, bad).toMatchObject({ ok: false, error: { kind: 'invalid_slug' } });
      }
      expect((await createProject(store, org.id, 'a'.repeat(50))).ok).toBe(true);
      expect((await createProject(store, org.id, '1st-project')).ok).toBe(true);
      expect(await listProjects(store, org.id)).toHaveLength(2);
    });

    it('scopes slugs to the organization and reports unknown organizations', async () => {
      const a = unwrap(await createOrganization(store, 'a'));
      const b = unwrap(await createOrganization(store, 'b'));
      unwrap(await createProject(store, a.id, 'web'));
      expect(await createProject(store, a.id, 'web')).toMatchObject({
        ok: false,
        error: { kind: 'slug_taken' },
      });
      expect((await createProject(store, b.id, 'web')).ok).toBe(true);
      expect(await createProject(store, b.id + 100, 'web')).toMatchObject({
        ok: false,
        error: { kind: 'not_found' },
      });
    });
  });

  describe('project keys', () => {
    it('creates random 32-hex keys, lists them and resolves a public key with its owners', async () => {
      const { org, project } = await orgAndProject();
      const key = await createProjectKey(store, project.id);
      expect(key.public_key).toMatch(/^[0-9a-f]{32}$/);
      expect(key.secret_key).toMatch(/^[0-9a-f]{32}$/);
      expect(key.secret_key).not.toBe(key.public_key);
      expect(key).toMatchObject({ project_id: project.id, label: 'Default', is_active: true });
      const second = await createProjectKey(store, project.id, 'CI');
      expect(second.public_key).not.toBe(key.public_key);
      expect((await listProjectKeys(store, project.id)).map((k) => k.label)).toEqual(['Default', 'CI']);

      const found = await getProjectKeyByPublicKey(store, second.public_key);
      expect(found).toEqual({ key: second, project, organization: org });
      expect(await getProjectKeyByPublicKey(store, '0'.repeat(32))).toBeUndefined();
    });

    it('activates and deactivates keys', async () => {
      const { project } = await orgAndProject();
      const key = await createProjectKey(store, project.id);
      expect(await setProjectKeyActive(store, key.id, false)).toMatchObject({ id: key.id, is_active: false });
      expect((await getProjectKeyByPublicKey(store, key.public_key))?.key.is_active).toBe(false);
      expect((await setProjectKeyActive(store, key.id, true))?.is_active).toBe(true);
      expect(await setProjectKeyActive(store, key.id + 100, true)).toBeUndefined();
    });
  });

  describe('API tokens', () => {
    it('creates a sntryu_ token shown once and stores only its sha256', async () => {
      const { org } = await orgAndProject();
      const { token, row } = await createApiToken(store, org.id, 'cli', ['project:read', 'project:releases']);
      expect(token).toMatch(/^sntryu_[0-9a-f]{64}$/);
      expect(row).toMatchObject({
        organization_id: org.id,
        name: 'cli',
        scopes: ['project:read', 'project:releases'],
        token_last_characters: token.slice(-4),
        date_last_used: null,
      });
      const stored = await store.db.selectFrom('api_tokens').selectAll().executeTakeFirstOrThrow();
      expect(stored.token_hash).toBe(createHash('sha256').update(token).digest('hex'));
      expect(JSON.stringify(stored)).not.toContain(token.slice(7));
      expect(await listApiTokens(store, org.id)).toEqual([row]);
    });

    it('verifies by hash and refreshes date_last_used at most once a minute', async () => {
      const { org } = await orgAndProject();
      const { token, row } = await createApiToken(store, org.id, 'cli', ['org:read']);
      expect(
        await verifyApiToken(store, token.slice(0, -1) + (token.endsWith('0') ? '1' : '0')),
      ).toBeUndefined();
      expect(await verifyApiToken(store, '')).toBeUndefined();

      const first = await verifyApiToken(store, token);
      expect(first).toMatchObject({
        id: row.id,
        scopes: ['org:read'],
        date_last_used: '2025-03-01T12:00:00.000Z',
      });

      fx.clock.advance(30_000);
      expect((await verifyApiToken(store, token))?.date_last_used).toBe('2025-03-01T12:00:00.000Z');
      expect((await listApiTokens(store, org.id))[0]?.date_last_used).toBe('2025-03-01T12:00:00.000Z');

      fx.clock.advance(31_000);
      expect((await verifyApiToken(store, token))?.date_last_used).toBe('2025-03-01T12:01:01.000Z');
      expect((await listApiTokens(store, org.id))[0]?.date_last_used).toBe('2025-03-01T12:01:01.000Z');

      expect(await deleteApiToken(store, row.id)).toBe(true);
      expect(await verifyApiToken(store, token)).toBeUndefined();
      expect(await deleteApiToken(store, row.id)).toBe(false);
    });
  });

  describe('bootstrap', () => {
    it('creates vigil/default (id 1), an active key and a token once; later calls return the same ids', async () => {
      const first = await bootstrap(store);
      expect(first.organization.slug).toBe('vigil');
      expect(first.project).toMatchObject({ id: 1, slug: 'default', organization_id: first.organization.id });
      expect(first.key).toMatchObject({ project_id: 1, is_active: true });
      expect(first.token).toMatch(/^sntryu_[0-9a-f]{64}$/);
      const verified = await verifyApiToken(store, first.token ?? '');
      expect(verified?.scopes).toEqual([...ALL_API_SCOPES]);

      const second = await bootstrap(store);
      expect(second.organization.id).toBe(first.organization.id);
      expect(second.project.id).toBe(1);
      expect(second.key.id).toBe(first.key.id);
      expect(second.token).toBeUndefined();
      expect(await listProjectKeys(store, 1)).toHaveLength(1);
      expect(first.owner).toMatchObject({ username: 'admin', email: 'admin@localhost', is_superuser: true });
      expect(second.owner).toEqual(first.owner);
      expect(verified).toMatchObject({ user_id: first.owner?.id, organization_id: null, name: 'Bootstrap' });
      expect(await listUserApiTokens(store, first.owner?.id ?? 0)).toHaveLength(1);
      expect(await listApiTokens(store, first.organization.id)).toHaveLength(0);
      // The admin owns the organization, on its default team, which the project is on.
      const member = await getMembership(store, first.organization.id, first.owner?.id ?? 0);
      expect(member).toMatchObject({ role: 'owner', email: null });
      const team = await getTeamBySlug(store, first.organization.id, 'vigil');
      expect(await listTeamMemberships(store, [member?.id ?? 0])).toEqual([
        { team_id: team?.id, member_id: member?.id, role: null },
      ]);
      expect((await listProjectTeams(store, [1])).get(1)?.map((t) => t.slug)).toEqual(['vigil']);

      // Ids keep counting after the explicit id 1 (Postgres sequences included).
      const next = unwrap(await createProject(store, first.organization.id, 'second'));
      expect(next.id).toBe(2);
      const nextOrg = unwrap(await createOrganization(store, 'other'));
      expect(nextOrg.id).toBeGreaterThan(first.organization.id);
    });

    it('replaces a deactivated key with a new active one', async () => {
      const first = await bootstrap(store);
      await setProjectKeyActive(store, first.key.id, false);
      const again = await bootstrap(store);
      expect(again.key.id).not.toBe(first.key.id);
      expect(again.key.is_active).toBe(true);
      expect(again.token).toBeUndefined();
    });

    it('creates everything once when two processes start together', async () => {
      const peer = fx.independentPeers ? await fx.reopen() : store;
      const [a, b] = await Promise.all([bootstrap(store), bootstrap(peer)]);
      expect(a.project.id).toBe(1);
      expect(b.project.id).toBe(1);
      expect(a.key.id).toBe(b.key.id);
      expect([a.token, b.token].filter((t) => t !== undefined)).toHaveLength(1);
      expect(await listOrganizations(store)).toHaveLength(1);
    });
  });

  describe('short ids', () => {
    it('formats and parses like Sentry (base32 without I, L, O, U)', () => {
      expect(formatShortId('default', 1)).toBe('DEFAULT-1');
      expect(formatShortId('web-app', 31)).toBe('WEB-APP-Z');
      expect(formatShortId('web-app', 32)).toBe('WEB-APP-10');
      expect(formatShortId('x', 1234)).toBe('X-16J');
      expect(parseShortId('web-app-16j')).toEqual({ projectSlug: 'web-app', shortId: 1234 });
      expect(parseShortId(' DEFAULT-1 ')).toEqual({ projectSlug: 'default', shortId: 1 });
      expect(parseShortId('nohyphen')).toBeUndefined();
      expect(parseShortId('-1')).toBeUndefined();
      expect(parseShortId('X-U')).toBeUndefined();
      expect(base32Decode('1O')).toBe(32);
      expect(base32Decode('IL')).toBe(33);
      expect(() => formatShortId('x', -1)).toThrow(RangeError);
    });
  });

  describe('resolveGroups', () => {
    it('creates groups with sequential short ids and first_seen activities; a batch shares new hashes', async () => {
      const { org, project } = await orgAndProject();
      const results = await resolveGroups(store, [
        item(project.id, [h('a')], { release: 'app@1.0.0', platform: 'node', logger: 'console' }),
        item(project.id, [h('b')], { title: 'Other', level: 'warning' }),
        item(project.id, [h('a')]),
      ]);
      expect(results[0]).toMatchObject({ created: true, regressed: false });
      expect(results[1]).toMatchObject({ created: true, regressed: false });
      expect(results[2]).toEqual({ groupId: results[0]?.groupId, created: false, regressed: false });
      expect(results[1]?.groupId).not.toBe(results[0]?.groupId);

      const a = await getGroup(store, results[0]?.groupId ?? 0);
      expect(a).toMatchObject({
        project_id: project.id,
        short_id: 1,
        type: 'error',
        status: 'unresolved',
        substatus: 'new',
        title: 'TypeError: x is undefined',
        culprit: 'app/main.js in run',
        level: 'error',
        metadata: { type: 'TypeError', value: 'x is undefined', in_app_frame_mix: 'in-app-only' },
        first_release: 'app@1.0.0',
        date_created: '2025-03-01T12:00:00.000Z',
        resolved_at: null,
        active_at: '2025-03-01T11:59:00.000Z',
        platform: 'node',
        logger: 'console',
      });
      const b = await getGroup(store, results[1]?.groupId ?? 0);
      expect(b).toMatchObject({
        short_id: 2,
        title: 'Other',
        level: 'warning',
        first_release: null,
        platform: null,
        logger: null,
      });
      expect((await getProjectById(store, project.id))?.next_short_id).toBe(3);
      expect((await getGroupByShortId(store, org.id, 'BACKEND-2'))?.id).toBe(b?.id);
      expect(await getGroupByShortId(store, org.id, 'BACKEND-3')).toBeUndefined();
      expect(await getGroupByShortId(store, org.id + 1, 'BACKEND-2')).toBeUndefined();
      expect(
        await getGroupIdsByShortIds(store, org.id, ['BACKEND-2', 'backend-1', 'BACKEND-3', 'OTHER-1', 'x']),
      ).toEqual(
        new Map([
          ['BACKEND-2', b?.id],
          ['backend-1', a?.id],
        ]),
      );
      expect(await getGroupIdsByShortIds(store, org.id + 1, ['BACKEND-2'])).toEqual(new Map());
      expect(await listActivities(store, a?.id ?? 0)).toMatchObject([{ type: 'first_seen', user_id: null }]);
      expect(await count(store, 'group_hashes')).toBe(2);
    });

    it('picks the first hash in list order that has a group and attaches the new ones to it', async () => {
      const { project } = await orgAndProject();
      const [g1, g2] = await resolveGroups(store, [item(project.id, [h('1')]), item(project.id, [h('2')])]);
      const second = await resolveGroups(store, [
        item(project.id, [h('new'), h('1'), h('2')]),
        item(project.id, [h('2'), h('1')]),
      ]);
      expect(second.map((r) => r.groupId)).toEqual([g1?.groupId, g2?.groupId]);
      expect(second.every((r) => !r.created)).toBe(true);
      const [later] = await resolveGroups(store, [item(project.id, [h('new')])]);
      expect(later?.groupId).toBe(g1?.groupId);
      // h('2') stayed with its group; the new hash was attached exactly once.
      expect(await count(store, 'group_hashes')).toBe(3);
      expect(await count(store, 'groups')).toBe(2);
    });

    it('chains new hashes across items of one batch and keeps projects apart', async () => {
      const { org, project } = await orgAndProject();
      const other = unwrap(await createProject(store, org.id, 'frontend'));
      const results = await resolveGroups(store, [
        item(project.id, [h('x'), h('y')]),
        item(project.id, [h('y'), h('z')]),
        item(other.id, [h('x')]),
        item(project.id, [h('z'), h('x'), h('x')]),
      ]);
      expect(results.map((r) => r.created)).toEqual([true, false, true, false]);
      expect(results[1]?.groupId).toBe(results[0]?.groupId);
      expect(results[3]?.groupId).toBe(results[0]?.groupId);
      expect(results[2]?.groupId).not.toBe(results[0]?.groupId);
      expect((await getGroup(store, results[2]?.groupId ?? 0))?.short_id).toBe(1);
      const [z] = await resolveGroups(store, [item(project.id, [h('z')])]);
      expect(z).toEqual({ groupId: results[0]?.groupId, created: false, regressed: false });
      expect(await count(store, 'group_hashes')).toBe(4);
    });

    it('resolves large multi-project batches split over several statements', async () => {
      const { org, project } = await orgAndProject();
      const projects = [
        project.id,
        unwrap(await createProject(store, org.id, 'p2')).id,
        unwrap(await createProject(store, org.id, 'p3')).id,
      ];
      const batch = Array.from({ length: 2_500 }, (_, i) =>
        item(projects[i % 3] ?? 0, [h(`big-${i}`), h(`big-${i}-b`)]),
      );
      const first = await resolveGroups(store, batch);
      expect(first.every((r) => r.created)).toBe(true);
      expect(new Set(first.map((r) => r.groupId)).size).toBe(2_500);
      const again = await resolveGroups(store, batch);
      expect(again.map((r) => r.groupId)).toEqual(first.map((r) => r.groupId));
      expect(again.some((r) => r.created)).toBe(false);
      expect(await count(store, 'group_hashes')).toBe(5_000);
      expect(await count(store, 'activities')).toBe(2_500);
      expect((await getProjectById(store, projects[2] ?? 0))?.next_short_id).toBe(834);
    });

    it('handles empty batches and rejects items without hashes', async () => {
      const { project } = await orgAndProject();
      expect(await resolveGroups(store, [])).toEqual([]);
      await expect(resolveGroups(store, [item(project.id, [])])).rejects.toThrow(/at least one hash/);
      await expect(resolveGroups(store, [item(project.id + 100, [h('p')])])).rejects.toThrow();
      expect(await count(store, 'groups')).toBe(0);
    });

    it('regresses a resolved group once, with a set_regression activity', async () => {
      const { project } = await orgAndProject();
      const [created] = await resolveGroups(store, [item(project.id, [h('r')])]);
      const groupId = created?.groupId ?? 0;
      fx.clock.advance(60_000);
      const resolved = await updateGroupStatus(store, groupId, { status: 'resolved' }, 7);
      expect(resolved).toMatchObject({
        status: 'resolved',
        substatus: null,
        resolved_at: '2025-03-01T12:01:00.000Z',
      });

      // Within 5 s of the last activation (2025-03-01T11:59:00Z): not a regression (Sentry's race window).
      const early = await resolveGroups(store, [
        item(project.id, [h('r')], { timestamp: new Date('2025-03-01T11:59:03Z') }),
      ]);
      expect(early[0]).toEqual({ groupId, created: false, regressed: false });
      expect((await getGroup(store, groupId))?.status).toBe('resolved');

      const later = await resolveGroups(store, [
        item(project.id, [h('r')], {
          timestamp: new Date('2025-03-01T12:05:00Z'),
          release: 'app@1.0.0',
          eventId: 'a'.repeat(32),
        }),
        item(project.id, [h('r')], {
          timestamp: new Date('2025-03-01T12:06:00Z'),
          release: 'app@2.0.0',
          eventId: 'b'.repeat(32),
        }),
      ]);
      expect(later).toEqual([
        { groupId, created: false, regressed: false },
        { groupId, created: false, regressed: true },
      ]);
      expect(await getGroup(store, groupId)).toMatchObject({
        status: 'unresolved',
        substatus: 'regressed',
        resolved_at: null,
        active_at: '2025-03-01T12:06:00.000Z',
      });
      const activities = await listActivities(store, groupId);
      expect(activities.map((a) => a.type)).toEqual(['first_seen', 'set_resolved', 'set_regression']);
      expect(activities[1]?.user_id).toBe(7);
      expect(activities[2]?.data).toEqual({ version: 'app@2.0.0', event_id: 'b'.repeat(32) });

      const again = await resolveGroups(store, [
        item(project.id, [h('r')], { timestamp: new Date('2025-03-01T13:00:00Z') }),
      ]);
      expect(again[0]?.regressed).toBe(false);
      expect(await listActivities(store, groupId)).toHaveLength(3);
    });

    it('does not regress ignored or unresolved groups', async () => {
      const { project } = await orgAndProject();
      const [ignored, open] = await resolveGroups(store, [
        item(project.id, [h('i')]),
        item(project.id, [h('o')]),
      ]);
      await updateGroupStatus(store, ignored?.groupId ?? 0, { status: 'ignored' });
      const results = await resolveGroups(store, [
        item(project.id, [h('i')], { timestamp: new Date('2025-03-02T00:00:00Z') }),
        item(project.id, [h('o')], { timestamp: new Date('2025-03-02T00:00:00Z') }),
      ]);
      expect(results.map((r) => r.regressed)).toEqual([false, false]);
      expect(await getGroup(store, ignored?.groupId ?? 0)).toMatchObject({
        status: 'ignored',
        substatus: 'archived_forever',
      });
      expect((await getGroup(store, open?.groupId ?? 0))?.substatus).toBe('new');
    });

    it('ends two concurrent writers on one new hash in one group, without leaking groups', async () => {
      const { project } = await orgAndProject();
      const peer = fx.independentPeers ? await fx.reopen() : store;
      const rounds = 12;
      for (let round = 0; round < rounds; round++) {
        const shared = h(`shared-${round}`);
        const [[a], [b]] = await Promise.all([
          resolveGroups(store, [item(project.id, [shared, h(`only-a-${round}`)])]),
          resolveGroups(peer, [item(project.id, [shared, h(`only-b-${round}`)])]),
        ]);
        expect(a?.groupId).toBe(b?.groupId);
        expect([a?.created, b?.created].filter(Boolean)).toHaveLength(1);
      }
      expect(await count(store, 'groups')).toBe(rounds);
      expect(await count(store, 'group_hashes')).toBe(rounds * 3);
      expect(await count(store, 'activities')).toBe(rounds);
      const shortIds = (await projectGroups(project.id)).map((g) => g.short_id).sort((x, y) => x - y);
      expect(shortIds).toEqual(Array.from({ length: rounds }, (_, i) => i + 1));
    });

    it('keeps hash → group consistent under concurrent overlapping batches', async () => {
      const { project } = await orgAndProject();
      const peers = fx.independentPeers
        ? [store, await fx.reopen(), await fx.reopen()]
        : [store, store, store];
      // Deterministic pseudo-random overlap between batches.
      let seed = 42;
      const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 30;
      const batches = peers.map(() =>
        Array.from({ length: 40 }, () =>
          item(project.id, [h(`k${next()}`), h(`k${next()}`), h(`k${next()}`)]),
        ),
      );
      const results = await Promise.all(batches.map((batch, i) => resolveGroups(peers[i] ?? store, batch)));

      const owner = new Map<string, number>();
      for (const row of await store.db.selectFrom('group_hashes').selectAll().execute())
        owner.set(row.hash, row.group_id);
      batches.forEach((batch, i) =>
        batch.forEach((entry, j) => {
          const groupId = results[i]?.[j]?.groupId;
          // The item's group owns at least one of its hashes, and every hash has an owner.
          expect(entry.hashes.some((hash) => owner.get(hash) === groupId)).toBe(true);
          for (const hash of entry.hashes) expect(owner.has(hash)).toBe(true);
        }),
      );
      const groups = await projectGroups(project.id);
      const owning = new Set(owner.values());
      expect(groups.every((g) => owning.has(g.id))).toBe(true);
      const created = results.flat().filter((r) => r.created).length;
      expect(created).toBe(groups.length);
    });
  });

  describe('group reads and status changes', () => {
    it('gets groups and counts and lists them by a condition', async () => {
      const { org, project } = await orgAndProject();
      const other = unwrap(await createProject(store, org.id, 'frontend'));
      const [g1, g2, g3] = await resolveGroups(store, [
        item(project.id, [h('1')]),
        item(project.id, [h('2')]),
        item(other.id, [h('3')]),
      ]);
      const ids = [g1?.groupId ?? 0, g2?.groupId ?? 0, g3?.groupId ?? 0];
      await updateGroupStatus(store, ids[1] ?? 0, { status: 'resolved' });

      expect((await getGroups(store, [ids[2] ?? 0, ids[0] ?? 0, 9999])).map((g) => g.id)).toEqual([
        ids[0],
        ids[2],
      ]);
      expect(await getGroups(store, [])).toEqual([]);
      expect(await getGroup(store, 9999)).toBeUndefined();
      const unresolved: GroupPredicate = (eb) => eb('status', '=', 'unresolved');
      expect(await countGroupsWhere(store, [project.id, other.id], unresolved)).toEqual({
        total: 3,
        matching: 2,
      });
      expect(await countGroupsWhere(store, [project.id], unresolved)).toEqual({ total: 2, matching: 1 });
      expect(await countGroupsWhere(store, [], unresolved)).toEqual({ total: 0, matching: 0 });
      const sorted = (list: number[]) => [...list].sort((a, b) => a - b);
      expect(sorted(await groupIdsWhere(store, [project.id, other.id], unresolved, true))).toEqual(
        sorted([ids[0] ?? 0, ids[2] ?? 0]),
      );
      expect(await groupIdsWhere(store, [project.id, other.id], unresolved, false)).toEqual([ids[1]]);
      expect(await groupIdsWhere(store, [other.id], unresolved, false)).toEqual([]);
      expect(await groupIdsWhere(store, [], unresolved, true)).toEqual([]);
    });

    it('records activities only for real status changes', async () => {
      const { project } = await orgAndProject();
      const [g] = await resolveGroups(store, [item(project.id, [h('s')])]);
      const id = g?.groupId ?? 0;
      expect(await updateGroupStatus(store, id, { status: 'ignored' }, 3)).toMatchObject({
        status: 'ignored',
        substatus: 'archived_forever',
      });
      fx.clock.advance(1_000);
      expect(await updateGroupStatus(store, id, { status: 'unresolved' })).toMatchObject({
        status: 'unresolved',
        substatus: 'ongoing',
        active_at: '2025-03-01T12:00:01.000Z',
      });
      await updateGroupStatus(store, id, { status: 'unresolved' });
      await updateGroupStatus(store, id, { status: 'resolved' });
      expect(
        await updateGroupStatus(store, id, { status: 'unresolved', substatus: 'escalating' }),
      ).toMatchObject({
        substatus: 'escalating',
        resolved_at: null,
      });
      const activities = await listActivities(store, id);
      expect(activities.map((a) => [a.type, a.user_id])).toEqual([
        ['first_seen', null],
        ['set_ignored', 3],
        ['set_unresolved', null],
        ['set_resolved', null],
        ['set_unresolved', null],
      ]);
      expect(await updateGroupStatus(store, 9999, { status: 'resolved' })).toBeUndefined();
      expect(await listActivities(store, 9999)).toEqual([]);
    });
  });

  describe('monitors', () => {
    const hourly = { schedule_type: 'crontab', schedule: '0 * * * *' } as const;

    it('creates a monitor from a config, finds it without one, and merges later configs', async () => {
      const { org, project } = await orgAndProject();
      const other = unwrap(await createProject(store, org.id, 'frontend'));
      // Unknown monitor without a config: nothing to find.
      expect(await upsertMonitors(store, [{ projectId: project.id, slug: 'nightly' }])).toEqual([undefined]);

      const [created] = await upsertMonitors(store, [
        { projectId: project.id, slug: 'nightly', config: { ...hourly, checkin_margin: 5 }, owner: 'user:1' },
      ]);
      expect(created).toMatchObject({
        project_id: project.id,
        slug: 'nightly',
        name: 'nightly',
        status: 'active',
        owner: 'user:1',
        date_created: '2025-03-01T12:00:00.000Z',
        date_updated: '2025-03-01T12:00:00.000Z',
        config: {
          schedule_type: 'crontab',
          schedule: '0 * * * *',
          checkin_margin: 5,
          max_runtime: null,
          timezone: null,
          failure_issue_threshold: null,
          recovery_threshold: null,
        },
      });
      expect(created?.guid).toMatch(/^[0-9a-f]{32}$/);

      fx.clock.advance(60_000);
      // One batch: a find-only item, an interval change and a timezone on top of it.
      const results = await upsertMonitors(store, [
        { projectId: project.id, slug: 'nightly' },
        {
          projectId: project.id,
          slug: 'nightly',
          config: { schedule_type: 'interval', schedule: [2, 'hour'] },
        },
        { projectId: project.id, slug: 'nightly', config: { ...hourly, timezone: 'Europe/Vienna' } },
        { projectId: other.id, slug: 'nightly', config: { ...hourly, max_runtime: 10 } },
      ]);
      expect(results[0]).toEqual(results[2]);
      expect(results[2]).toMatchObject({
        id: created?.id,
        guid: created?.guid,
        owner: 'user:1',
        date_created: '2025-03-01T12:00:00.000Z',
        date_updated: '2025-03-01T12:01:00.000Z',
        config: { schedule: '0 * * * *', checkin_margin: 5, timezone: 'Europe/Vienna', max_runtime: null },
      });
      expect(results[3]?.id).not.toBe(created?.id);
      expect(results[3]?.config.max_runtime).toBe(10);

      // An unchanged config writes nothing.
      fx.clock.advance(60_000);
      const [same] = await upsertMonitors(store, [
        { projectId: project.id, slug: 'nightly', config: { ...hourly, timezone: 'Europe/Vienna' } },
      ]);
      expect(same?.date_updated).toBe('2025-03-01T12:01:00.000Z');
    });

    it('lists by project and slug and gets by slug', async () => {
      const { org, project } = await orgAndProject();
      const other = unwrap(await createProject(store, org.id, 'frontend'));
      await upsertMonitors(store, [
        { projectId: project.id, slug: 'zeta', config: hourly },
        { projectId: project.id, slug: 'alpha', config: hourly },
        { projectId: other.id, slug: 'alpha', config: { schedule_type: 'interval', schedule: [1, 'day'] } },
      ]);
      expect((await listMonitors(store, { projectIds: [project.id] })).map((m) => m.slug)).toEqual([
        'alpha',
        'zeta',
      ]);
      const both = await listMonitors(store, { projectIds: [project.id, other.id], slugs: ['alpha'] });
      expect(both.map((m) => m.project_id)).toEqual([project.id, other.id]);
      expect(await listMonitors(store, { projectIds: [] })).toEqual([]);
      expect((await getMonitorBySlug(store, other.id, 'alpha'))?.config.schedule).toEqual([1, 'day']);
      expect(await getMonitorBySlug(store, other.id, 'zeta')).toBeUndefined();
    });

    it('a concurrent creator wins the insert and the batch merges into its row', async () => {
      const { project } = await orgAndProject();
      // SQLite has one writer per file (one process); Postgres may have several.
      const peer = fx.independentPeers ? await fx.reopen() : store;
      const [mine, theirs] = await Promise.all([
        upsertMonitors(store, [
          { projectId: project.id, slug: 'race', config: { ...hourly, max_runtime: 5 } },
        ]),
        upsertMonitors(peer, [
          { projectId: project.id, slug: 'race', config: { ...hourly, checkin_margin: 7 } },
        ]),
      ]);
      expect(mine[0]?.id).toBe(theirs[0]?.id);
      const stored = await getMonitorBySlug(store, project.id, 'race');
      expect(await listMonitors(store, { projectIds: [project.id] })).toHaveLength(1);
      // Whichever ran second merged its key on top of the first.
      expect(stored?.config.max_runtime === 5 || stored?.config.checkin_margin === 7).toBe(true);
    });
  });
  describe('project configs', () => {
    const config = {
      quotas: [{ id: 'errors', categories: ['error'], scope: 'project', limit: 100, window: 60 }],
      filterSettings: { localhost: { isEnabled: true }, releases: { releases: ['1.0-*'] } },
      piiConfig: { rules: {}, applications: { $string: ['@email:replace'] } },
    };

    it('stores, replaces and reads back a project config as JSON', async () => {
      const { org, project } = await orgAndProject();
      const other = unwrap(await createProject(store, org.id, 'frontend'));
      expect(await getProjectConfigJson(store, project.id)).toBeUndefined();

      expect(await setProjectConfigJson(store, project.id, config)).toEqual({ ok: true, value: undefined });
      expect(await getProjectConfigJson(store, project.id)).toEqual(config);
      expect(await getProjectConfigJson(store, other.id)).toBeUndefined();
      expect(await getProjectConfigJsons(store, [project.id, other.id, project.id])).toEqual(
        new Map([[project.id, config]]),
      );
      const stamped = () =>
        store.db
          .selectFrom('project_configs')
          .select('date_updated')
          .where('project_id', '=', project.id)
          .executeTakeFirstOrThrow();
      expect((await stamped()).date_updated).toBe('2025-03-01T12:00:00.000Z');

      fx.clock.advance(60_000);
      expect((await setProjectConfigJson(store, project.id, {})).ok).toBe(true);
      expect(await getProjectConfigJson(store, project.id)).toEqual({});
      expect((await stamped()).date_updated).toBe('2025-03-01T12:01:00.000Z');
      const again = await fx.reopen();
      expect(await getProjectConfigJson(again, project.id)).toEqual({});
    });

    it('reports unknown projects and drops the config with its project', async () => {
      const { project } = await orgAndProject();
      expect(await setProjectConfigJson(store, project.id + 100, config)).toMatchObject({
        ok: false,
        error: { kind: 'not_found' },
      });
      unwrap(await setProjectConfigJson(store, project.id, config));
      await store.db.deleteFrom('projects').where('id', '=', project.id).execute();
      expect(await getProjectConfigJson(store, project.id)).toBeUndefined();
      const rows = await store.db.selectFrom('project_configs').selectAll().execute();
      expect(rows).toEqual([]);
    });

    it('stores an initial config with a created project, and bootstrap with project default', async () => {
      const org = unwrap(await createOrganization(store, 'acme'));
      const created = unwrap(await createProject(store, org.id, 'api', 'API', 'node', { config }));
      expect(await getProjectConfigJson(store, created.id)).toEqual(config);
      // A taken slug stores nothing.
      expect((await createProject(store, org.id, 'api', 'x', 'x', { config: {} })).ok).toBe(false);
      expect(await getProjectConfigJson(store, created.id)).toEqual(config);

      const boot = await bootstrap(store, { projectConfig: { filterSettings: {} } });
      expect(await getProjectConfigJson(store, boot.project.id)).toEqual({ filterSettings: {} });
      // Later calls leave the existing project's config alone.
      unwrap(await setProjectConfigJson(store, boot.project.id, config));
      await bootstrap(store, { projectConfig: {} });
      expect(await getProjectConfigJson(store, boot.project.id)).toEqual(config);
    });
  });
  describe('accounts', () => {
    it('creates users with a unique username and a case-insensitively unique email', async () => {
      const ada = unwrap(await createUser(store, { email: 'Ada@Example.com', name: 'Ada' }));
      expect(ada).toEqual({
        id: ada.id,
        username: 'Ada@Example.com',
        email: 'Ada@Example.com',
        name: 'Ada',
        has_password: false,
        is_superuser: false,
        is_active: true,
        date_joined: '2025-03-01T12:00:00.000Z',
        last_login: null,
      });
      expect(await getUserByEmail(store, ' ada@example.COM ')).toEqual(ada);
      expect(await getUser(store, ada.id)).toEqual(ada);
      expect(await createUser(store, { email: 'ADA@example.com' })).toMatchObject({
        ok: false,
        error: { kind: 'conflict' },
      });
      expect(
        await createUser(store, { email: 'other@example.com', username: 'Ada@Example.com' }),
      ).toMatchObject({
        ok: false,
        error: { kind: 'conflict' },
      });
      const root = unwrap(
        await createUser(store, {
          email: 'root@example.com',
          username: 'root',
          isSuperuser: true,
          passwordHash: 'x',
        }),
      );
      expect(root).toMatchObject({ username: 'root', is_superuser: true, has_password: true });
      expect((await listUsers(store)).map((u) => u.id)).toEqual([ada.id, root.id]);
      expect([...(await getUsers(store, [root.id, 999, root.id])).keys()]).toEqual([root.id]);
      await expect(createUser(store, { email: 'no-at-sign' })).rejects.toBeInstanceOf(RangeError);
    });

    it('adds members and invitations, pages them, changes roles and accepts invitations', async () => {
      const { org } = await orgAndProject();
      const other = unwrap(await createOrganization(store, 'other'));
      const ada = unwrap(await createUser(store, { email: 'ada@example.com' }));
      const owner = unwrap(await addOrganizationMember(store, org.id, { userId: ada.id, role: 'owner' }));
      expect(owner).toEqual({
        id: owner.id,
        organization_id: org.id,
        user_id: ada.id,
        email: null,
        role: 'owner',
        inviter_id: null,
        date_created: '2025-03-01T12:00:00.000Z',
      });
      expect(await addOrganizationMember(store, org.id, { userId: ada.id, role: 'member' })).toMatchObject({
        ok: false,
        error: { kind: 'conflict' },
      });
      const invite = unwrap(
        await addOrganizationMember(store, org.id, {
          email: 'Bob@example.com',
          role: 'manager',
          inviterId: ada.id,
        }),
      );
      expect(invite).toMatchObject({
        user_id: null,
        email: 'Bob@example.com',
        role: 'manager',
        inviter_id: ada.id,
      });
      expect(
        await addOrganizationMember(store, org.id, { email: 'bob@EXAMPLE.com', role: 'member' }),
      ).toMatchObject({
        ok: false,
        error: { kind: 'conflict', detail: 'The user bob@EXAMPLE.com has already been invited' },
      });
      const elsewhere = unwrap(
        await addOrganizationMember(store, other.id, { email: 'bob@example.com', role: 'member' }),
      );

      expect((await listOrganizationMembers(store, org.id)).map((m) => m.id)).toEqual([owner.id, invite.id]);
      expect(await listOrganizationMembers(store, org.id, { offset: 1, limit: 5 })).toEqual([invite]);
      expect(await getOrganizationMember(store, org.id, invite.id)).toEqual(invite);
      expect(await getOrganizationMember(store, other.id, invite.id)).toBeUndefined();
      expect(await getMembership(store, org.id, ada.id)).toEqual(owner);
      expect(await countMembersWithRole(store, org.id, ['owner', 'manager'])).toBe(1);

      // Bob's user appears: both invitations become memberships; one he already had is kept apart.
      const bob = unwrap(await createUser(store, { email: 'bob@example.com' }));
      const accepted = await acceptInvitations(store, bob.id, 'BOB@example.com');
      expect(accepted.map((m) => m.id).sort()).toEqual([invite.id, elsewhere.id].sort());
      expect(await getMembership(store, org.id, bob.id)).toMatchObject({
        id: invite.id,
        email: null,
        role: 'manager',
      });
      expect((await listUserMemberships(store, bob.id)).map((m) => m.organization_id)).toEqual([
        org.id,
        other.id,
      ]);
      expect(await countMembersWithRole(store, org.id, ['owner', 'manager'])).toBe(2);
      unwrap(await addOrganizationMember(store, org.id, { email: 'bob@example.com', role: 'member' }));
      expect(await acceptInvitations(store, bob.id, 'bob@example.com')).toEqual([]);

      expect(await setMemberRole(store, invite.id, 'member')).toMatchObject({
        id: invite.id,
        role: 'member',
      });
      expect(await setMemberRole(store, invite.id + 1000, 'member')).toBeUndefined();
      expect(await deleteOrganizationMember(store, invite.id)).toBe(true);
      expect(await deleteOrganizationMember(store, invite.id)).toBe(false);
      expect(await getMembership(store, org.id, bob.id)).toBeUndefined();
    });

    it('keeps teams, their members and their projects', async () => {
      const { org, project } = await orgAndProject();
      const ada = unwrap(await createUser(store, { email: 'ada@example.com' }));
      const member = unwrap(await addOrganizationMember(store, org.id, { userId: ada.id, role: 'member' }));
      const web = unwrap(await createTeam(store, org.id, 'web', 'Web'));
      const api = unwrap(await createTeam(store, org.id, 'api'));
      expect(web).toEqual({
        id: web.id,
        organization_id: org.id,
        slug: 'web',
        name: 'Web',
        date_created: '2025-03-01T12:00:00.000Z',
      });
      expect(api.name).toBe('api');
      expect(await createTeam(store, org.id, 'web')).toMatchObject({
        ok: false,
        error: { kind: 'slug_taken' },
      });
      expect(await createTeam(store, org.id, 'Web Team')).toMatchObject({
        ok: false,
        error: { kind: 'invalid_slug' },
      });
      expect((await listTeams(store, org.id)).map((t) => t.slug)).toEqual(['api', 'web']);
      expect((await listTeams(store, org.id, { offset: 1, limit: 1 })).map((t) => t.slug)).toEqual(['web']);
      expect(await getTeamBySlug(store, org.id, 'web')).toEqual(web);

      expect(await updateTeam(store, web.id, { slug: 'api' })).toMatchObject({
        ok: false,
        error: { kind: 'slug_taken', detail: 'The slug "api" is already in use.' },
      });
      expect(unwrap(await updateTeam(store, web.id, { slug: 'frontend', name: 'Frontend' }))).toMatchObject({
        slug: 'frontend',
        name: 'Frontend',
      });
      expect(await updateTeam(store, web.id + 1000, { name: 'x' })).toMatchObject({
        ok: false,
        error: { kind: 'not_found' },
      });

      await addTeamMember(store, web.id, member.id, 'admin');
      await addTeamMember(store, web.id, member.id, 'contributor');
      expect(await listTeamMemberships(store, [member.id])).toEqual([
        { team_id: web.id, member_id: member.id, role: 'admin' },
      ]);
      await setMemberTeams(store, member.id, [
        { teamId: api.id, role: null },
        { teamId: web.id, role: 'contributor' },
      ]);
      expect(await listTeamMemberships(store, [member.id])).toEqual(
        [
          { team_id: web.id, member_id: member.id, role: 'contributor' },
          { team_id: api.id, member_id: member.id, role: null },
        ].sort((a, b) => a.team_id - b.team_id),
      );
      expect(await countTeamMembers(store, [web.id, api.id])).toEqual(
        new Map([
          [web.id, 1],
          [api.id, 1],
        ]),
      );

      await addProjectTeam(store, project.id, web.id);
      await addProjectTeam(store, project.id, web.id);
      const second = unwrap(
        await createProject(store, org.id, 'aaa', undefined, undefined, { teamId: web.id }),
      );
      expect(
        (await listProjectTeams(store, [project.id, second.id])).get(project.id)?.map((t) => t.id),
      ).toEqual([web.id]);
      expect(await listTeamProjectIds(store, web.id)).toEqual([second.id, project.id]);
      expect(await listTeamProjectIds(store, web.id, { offset: 1, limit: 1 })).toEqual([project.id]);

      // Member-of-a-team filter of the project lists.
      const page = { offset: 0, limit: 10 };
      expect((await listProjectsPage(store, { organizationIds: [org.id] }, page)).map((p) => p.slug)).toEqual(
        ['aaa', 'backend'],
      );
      expect(
        await listProjectsPage(store, { organizationIds: [org.id], teamMemberUserId: ada.id + 1 }, page),
      ).toEqual([]);
      expect(
        (await listProjectsPage(store, { organizationIds: [org.id], teamMemberUserId: ada.id }, page)).map(
          (p) => p.id,
        ),
      ).toEqual([second.id, project.id]);

      expect(await deleteTeam(store, web.id)).toBe(true);
      expect(await deleteTeam(store, web.id)).toBe(false);
      expect(await listTeamMemberships(store, [member.id])).toEqual([
        { team_id: api.id, member_id: member.id, role: null },
      ]);
      expect((await listProjectTeams(store, [project.id])).size).toBe(0);
      // Removing the member removes its team memberships.
      await deleteOrganizationMember(store, member.id);
      expect(await listTeamMemberships(store, [member.id])).toEqual([]);
    });

    it('updates organizations', async () => {
      const { org } = await orgAndProject();
      unwrap(await createOrganization(store, 'taken'));
      expect(unwrap(await updateOrganization(store, org.id, { name: 'Acme 2', slug: 'acme-2' }))).toEqual({
        ...org,
        name: 'Acme 2',
        slug: 'acme-2',
      });
      expect(await updateOrganization(store, org.id, { slug: 'taken' })).toMatchObject({
        ok: false,
        error: { kind: 'slug_taken' },
      });
      expect(await updateOrganization(store, org.id, { slug: 'Bad Slug' })).toMatchObject({
        ok: false,
        error: { kind: 'invalid_slug' },
      });
      expect(await updateOrganization(store, org.id + 100, { name: 'x' })).toMatchObject({
        ok: false,
        error: { kind: 'not_found' },
      });
    });

    it('pages, reads, changes and deletes DSN keys; deleting a project deletes its keys', async () => {
      const { project } = await orgAndProject();
      const a = await createProjectKey(store, project.id, 'A');
      const b = await createProjectKey(store, project.id, 'B', { browserSdkVersion: '7.x' });
      expect(a.data).toEqual({});
      expect(b.data).toEqual({ browserSdkVersion: '7.x' });
      expect(
        (await listProjectKeysPage(store, project.id, { offset: 0, limit: 10 })).map((k) => k.id),
      ).toEqual([b.id, a.id]);
      expect(await getProjectKey(store, project.id, a.public_key)).toEqual(a);
      expect(await getProjectKey(store, project.id + 100, a.public_key)).toBeUndefined();
      const changed = await updateProjectKey(store, a.id, {
        label: 'Renamed',
        isActive: false,
        data: { x: 1 },
      });
      expect(changed).toEqual({ ...a, label: 'Renamed', is_active: false, data: { x: 1 } });
      expect(await updateProjectKey(store, a.id, {})).toEqual(changed);
      expect((await getProjectKeyByPublicKey(store, a.public_key))?.key).toEqual(changed);
      expect(
        (await listProjectKeysPage(store, project.id, { offset: 0, limit: 10 }, 'inactive')).map((k) => k.id),
      ).toEqual([a.id]);
      expect(
        (await listProjectKeysPage(store, project.id, { offset: 0, limit: 1 }, 'active')).map((k) => k.id),
      ).toEqual([b.id]);
      expect(await deleteProjectKey(store, a.id)).toBe(true);
      expect(await deleteProjectKey(store, a.id)).toBe(false);
      expect(await getProjectKeyByPublicKey(store, a.public_key)).toBeUndefined();

      expect(await deleteProject(store, project.id)).toBe(true);
      expect(await deleteProject(store, project.id)).toBe(false);
      expect(await getProjectKeyByPublicKey(store, b.public_key)).toBeUndefined();
    });

    it('creates user tokens, optionally restricted to one organization', async () => {
      const { org } = await orgAndProject();
      const ada = unwrap(await createUser(store, { email: 'ada@example.com' }));
      const anywhere = await createUserApiToken(store, ada.id, 'script', ['org:read']);
      const restricted = await createUserApiToken(store, ada.id, 'ci', ['project:releases'], org.id);
      const orgToken = await createApiToken(store, org.id, 'org', ['org:read']);
      expect(anywhere.row).toMatchObject({ user_id: ada.id, organization_id: null, name: 'script' });
      expect(await verifyApiToken(store, restricted.token)).toMatchObject({
        id: restricted.row.id,
        user_id: ada.id,
        organization_id: org.id,
        scopes: ['project:releases'],
      });
      expect((await listUserApiTokens(store, ada.id)).map((t) => t.id)).toEqual([
        anywhere.row.id,
        restricted.row.id,
      ]);
      expect((await listApiTokens(store, org.id)).map((t) => t.id)).toEqual([orgToken.row.id]);
      expect(await getApiToken(store, orgToken.row.id)).toEqual(orgToken.row);
      expect(await getApiToken(store, orgToken.row.id + 100)).toBeUndefined();
    });

    it('migrates a version-4 store: tokens keep ids and hashes, bootstrap hands its token to the admin', async () => {
      // Build the schema of version 4 by hand in a fresh location, with a token deleted last.
      const legacy = await openStoreAtVersion(dialect, 4);
      try {
        const { token: bootToken } = await insertLegacyTokens(legacy.db);
        await legacy.db.destroy();
        const migrated = await legacy.open();
        try {
          const versions = await sql<{
            version: number;
          }>`select version from schema_migrations order by version`.execute(migrated.db);
          expect(versions.rows.map((r) => Number(r.version))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
          expect(await verifyApiToken(migrated, bootToken)).toMatchObject({
            id: 1,
            user_id: null,
            organization_id: 1,
          });
          const boot = await bootstrap(migrated);
          expect(boot.token).toBeUndefined();
          expect(await verifyApiToken(migrated, bootToken)).toMatchObject({
            id: 1,
            user_id: boot.owner?.id,
            organization_id: null,
          });
          // The other organization token stays one; ids are not reused after the deleted token 3.
          expect((await listApiTokens(migrated, 1)).map((t) => t.name)).toEqual(['ci']);
          const next = await createApiToken(migrated, 1, 'new', []);
          expect(next.row.id).toBe(4);
          // The default project joined the default team.
          expect(
            (await listProjectTeams(migrated, [boot.project.id])).get(boot.project.id)?.map((t) => t.slug),
          ).toEqual(['vigil']);
        } finally {
          await migrated.close();
        }
      } finally {
        await legacy.dispose();
      }
    });
  });
});
