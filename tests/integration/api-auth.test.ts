// Authentication and authorization of every web-API route, the way a script calls the API (HTTP
// with a bearer token): the routes are listed from the Fastify instance `apiRoutes` registers, so
// a new route is walked too — and must be given its scopes in SCOPE_MATRIX below (the scopes of
// the Sentry permission class its endpoint uses). For every route: no token → 401, an unknown
// token → 401, a token without any of the route's scopes → 403, a token with just one of them →
// past authorization, and another organization's objects → 404, all worded as Sentry words them.
// Real stores: SQLite metadata, embedded chDB.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes } from '../../src/server/api/index.js';
import { organizationRole } from '../../src/server/api/roles.js';
import { closeTestStore, openTestStore } from '../../src/storage/clickhouse/test-store.js';
import type { ClickHouseStore } from '../../src/storage/clickhouse/index.js';
import {
  ALL_API_SCOPES,
  addOrganizationMember,
  addProjectTeam,
  bootstrap,
  createApiToken,
  createOrganization,
  createProject,
  createProjectKey,
  createTeam,
  createUser,
  createUserApiToken,
  openMetadataStore,
  resolveGroups,
  type MetadataStore,
} from '../../src/storage/metadata/index.js';

/** Sentry's `OrganizationReleasePermission` (and `ProjectReleasePermission`). */
const RELEASE = {
  GET: ['project:read', 'project:write', 'project:admin', 'project:releases', 'org:ci'],
  POST: ['project:write', 'project:admin', 'project:releases', 'org:ci'],
  PUT: ['project:write', 'project:admin', 'project:releases', 'org:ci'],
  DELETE: ['project:admin', 'project:releases'],
};

/**
 * Per route (`METHOD path` as registered), the scopes its Sentry permission class accepts for
 * the method; `public` = open without a token (`GET /api/0/`), `user` = any user token (the
 * token's own API tokens; Sentry serves those to sessions only).
 */
const SCOPE_MATRIX: Record<string, readonly string[] | 'public' | 'user'> = {
  // IndexEndpoint
  'GET /api/0/': 'public',
  // OrganizationIndexEndpoint, OrganizationDetailsEndpoint, OrganizationProjectsEndpoint: OrganizationPermission
  'GET /api/0/organizations/': ['org:read', 'org:write', 'org:admin'],
  'POST /api/0/organizations/': ['org:write', 'org:admin'],
  'GET /api/0/organizations/:org/': ['org:read', 'org:write', 'org:admin'],
  'PUT /api/0/organizations/:org/': ['org:write', 'org:admin'],
  'GET /api/0/organizations/:org/projects/': ['org:read', 'org:write', 'org:admin'],
  // ProjectIndexEndpoint: ProjectPermission
  'GET /api/0/projects/': ['project:read', 'project:write', 'project:admin'],
  // OrganizationTeamsEndpoint: OrganizationTeamsPermission
  'GET /api/0/organizations/:org/teams/': ['org:read', 'org:write', 'org:admin'],
  'POST /api/0/organizations/:org/teams/': ['org:write', 'org:admin', 'team:write'],
  // TeamDetailsEndpoint: TeamPermission
  'GET /api/0/teams/:org/:team/': ['team:read', 'team:write', 'team:admin'],
  'PUT /api/0/teams/:org/:team/': ['team:write', 'team:admin'],
  'DELETE /api/0/teams/:org/:team/': ['team:admin'],
  // TeamProjectsEndpoint: TeamProjectPermission
  'GET /api/0/teams/:org/:team/projects/': ['project:read', 'project:write', 'project:admin'],
  'POST /api/0/teams/:org/:team/projects/': ['project:write', 'project:admin'],
  // ProjectDetailsEndpoint: RelaxedProjectPermission (PUT checks fields itself)
  'GET /api/0/projects/:org/:project/': ['project:read', 'project:write', 'project:admin'],
  'PUT /api/0/projects/:org/:project/': ['project:read', 'project:write', 'project:admin'],
  'DELETE /api/0/projects/:org/:project/': ['project:admin'],
  // OrganizationMemberIndexEndpoint: MemberPermission; details: RelaxedMemberPermission
  'GET /api/0/organizations/:org/members/': ['member:read', 'member:write', 'member:admin'],
  'POST /api/0/organizations/:org/members/': ['member:write', 'member:admin', 'member:invite'],
  'GET /api/0/organizations/:org/members/:memberId/': ['member:read', 'member:write', 'member:admin'],
  'PUT /api/0/organizations/:org/members/:memberId/': ['member:invite', 'member:write', 'member:admin'],
  'DELETE /api/0/organizations/:org/members/:memberId/': ['member:read', 'member:write', 'member:admin'],
  // ProjectTransactionThresholdEndpoint: ProjectSettingPermission
  'GET /api/0/projects/:org/:project/transaction-threshold/configure/': [
    'project:read',
    'project:write',
    'project:admin',
  ],
  'POST /api/0/projects/:org/:project/transaction-threshold/configure/': ['project:write', 'project:admin'],
  'DELETE /api/0/projects/:org/:project/transaction-threshold/configure/': ['project:write', 'project:admin'],
  // ProjectTransactionThresholdOverrideEndpoint: ProjectTransactionThresholdOverridePermission
  'GET /api/0/organizations/:org/project-transaction-threshold-override/': [
    'project:read',
    'project:write',
    'project:admin',
  ],
  'POST /api/0/organizations/:org/project-transaction-threshold-override/': [
    'project:write',
    'project:admin',
  ],
  'DELETE /api/0/organizations/:org/project-transaction-threshold-override/': [
    'project:write',
    'project:admin',
  ],
  // ProjectKeysEndpoint, ProjectKeyDetailsEndpoint: ProjectPermission
  'GET /api/0/projects/:org/:project/keys/': ['project:read', 'project:write', 'project:admin'],
  'POST /api/0/projects/:org/:project/keys/': ['project:write', 'project:admin'],
  'GET /api/0/projects/:org/:project/keys/:keyId/': ['project:read', 'project:write', 'project:admin'],
  'PUT /api/0/projects/:org/:project/keys/:keyId/': ['project:write', 'project:admin'],
  'DELETE /api/0/projects/:org/:project/keys/:keyId/': ['project:admin'],
  // ApiTokensEndpoint, ApiTokenDetailsEndpoint
  'GET /api/0/api-tokens/': 'user',
  'POST /api/0/api-tokens/': 'user',
  'DELETE /api/0/api-tokens/': 'user',
  'GET /api/0/api-tokens/:tokenId/': 'user',
  'DELETE /api/0/api-tokens/:tokenId/': 'user',
  // Issues: OrganizationEventPermission / GroupPermission
  'GET /api/0/organizations/:org/issues/': ['event:read', 'event:write', 'event:admin'],
  'GET /api/0/projects/:org/:project/issues/': ['event:read', 'event:write', 'event:admin'],
  'GET /api/0/issues/:id/': ['event:read', 'event:write', 'event:admin'],
  'PUT /api/0/issues/:id/': ['event:write', 'event:admin'],
  'DELETE /api/0/issues/:id/': ['event:admin'],
  'GET /api/0/issues/:id/activities/': ['event:read', 'event:write', 'event:admin'],
  'GET /api/0/organizations/:org/issues/:id/': ['event:read', 'event:write', 'event:admin'],
  'PUT /api/0/organizations/:org/issues/:id/': ['event:write', 'event:admin'],
  'DELETE /api/0/organizations/:org/issues/:id/': ['event:admin'],
  'GET /api/0/organizations/:org/issues/:id/activities/': ['event:read', 'event:write', 'event:admin'],
  // Bulk issue updates and deletes: OrganizationEventPermission / ProjectEventPermission
  'PUT /api/0/organizations/:org/issues/': ['event:write', 'event:admin'],
  'DELETE /api/0/organizations/:org/issues/': ['event:admin'],
  'PUT /api/0/projects/:org/:project/issues/': ['event:write', 'event:admin'],
  'DELETE /api/0/projects/:org/:project/issues/': ['event:admin'],
  'GET /api/0/issues/:id/events/': ['event:read', 'event:write', 'event:admin'],
  'GET /api/0/organizations/:org/issues/:id/events/': ['event:read', 'event:write', 'event:admin'],
  'GET /api/0/issues/:id/events/:eventId/': ['event:read', 'event:write', 'event:admin'],
  'GET /api/0/organizations/:org/issues/:id/events/:eventId/': ['event:read', 'event:write', 'event:admin'],
  // OrganizationGroupIndexStatsEndpoint: OrganizationEventPermission
  'GET /api/0/organizations/:org/issues-stats/': ['event:read', 'event:write', 'event:admin'],
  // GroupTagsEndpoint, GroupTagKeyDetailsEndpoint, GroupTagKeyValuesEndpoint, GroupStatsEndpoint: GroupPermission
  'GET /api/0/issues/:id/tags/': ['event:read', 'event:write', 'event:admin'],
  'GET /api/0/organizations/:org/issues/:id/tags/': ['event:read', 'event:write', 'event:admin'],
  'GET /api/0/issues/:id/tags/:key/': ['event:read', 'event:write', 'event:admin'],
  'GET /api/0/organizations/:org/issues/:id/tags/:key/': ['event:read', 'event:write', 'event:admin'],
  'GET /api/0/issues/:id/tags/:key/values/': ['event:read', 'event:write', 'event:admin'],
  'GET /api/0/organizations/:org/issues/:id/tags/:key/values/': ['event:read', 'event:write', 'event:admin'],
  'GET /api/0/issues/:id/stats/': ['event:read', 'event:write', 'event:admin'],
  'GET /api/0/organizations/:org/issues/:id/stats/': ['event:read', 'event:write', 'event:admin'],
  'GET /api/0/projects/:org/:project/events/:eventId/': ['event:read', 'event:write', 'event:admin'],
  // Sessions, events (logs, spans, metrics), traces: OrganizationEventPermission
  'GET /api/0/organizations/:org/sessions/': ['event:read', 'event:write', 'event:admin'],
  'GET /api/0/organizations/:org/events/': ['event:read', 'event:write', 'event:admin'],
  'GET /api/0/organizations/:org/trace/:traceId/': ['event:read', 'event:write', 'event:admin'],
  'GET /api/0/organizations/:org/events-trace/:traceId/': ['event:read', 'event:write', 'event:admin'],
  // stats_v2: OrganizationPermission
  'GET /api/0/organizations/:org/stats_v2/': ['org:read', 'org:write', 'org:admin'],
  // Attachments: ProjectEventPermission / GroupPermission
  'GET /api/0/projects/:org/:project/events/:eventId/attachments/': [
    'event:read',
    'event:write',
    'event:admin',
  ],
  'GET /api/0/projects/:org/:project/events/:eventId/attachments/:attachmentId/': [
    'event:read',
    'event:write',
    'event:admin',
  ],
  'GET /api/0/issues/:id/attachments/': ['event:read', 'event:write', 'event:admin'],
  'GET /api/0/organizations/:org/issues/:id/attachments/': ['event:read', 'event:write', 'event:admin'],
  // Releases, deploys, chunk upload, artifact bundles and lookup: OrganizationReleasePermission,
  // ProjectReleasePermission
  'GET /api/0/organizations/:org/releases/': RELEASE.GET,
  'POST /api/0/organizations/:org/releases/': RELEASE.POST,
  'GET /api/0/organizations/:org/releases/:version/': RELEASE.GET,
  'PUT /api/0/organizations/:org/releases/:version/': RELEASE.PUT,
  'DELETE /api/0/organizations/:org/releases/:version/': RELEASE.DELETE,
  'GET /api/0/projects/:org/:project/releases/': RELEASE.GET,
  'POST /api/0/projects/:org/:project/releases/': RELEASE.POST,
  'GET /api/0/projects/:org/:project/releases/:version/': RELEASE.GET,
  // Release commits: OrganizationReleasesBaseEndpoint, ProjectReleasePermission
  'GET /api/0/organizations/:org/releases/:version/commits/': RELEASE.GET,
  'GET /api/0/projects/:org/:project/releases/:version/commits/': RELEASE.GET,
  'GET /api/0/organizations/:org/releases/:version/commitfiles/': RELEASE.GET,
  'GET /api/0/organizations/:org/releases/:version/previous-with-commits/': RELEASE.GET,
  'GET /api/0/projects/:org/:project/releases/:version/repositories/': RELEASE.GET,
  // OrganizationRepositoriesEndpoint: OrganizationIntegrationsLoosePermission
  'GET /api/0/organizations/:org/repos/': [
    'org:read',
    'org:write',
    'org:admin',
    'org:integrations',
    'org:ci',
  ],
  'POST /api/0/organizations/:org/repos/': ['org:read', 'org:write', 'org:admin', 'org:integrations'],
  // OrganizationRepositoryDetailsEndpoint: OrganizationIntegrationsPermission
  'GET /api/0/organizations/:org/repos/:repoId/': ['org:read', 'org:write', 'org:admin', 'org:integrations'],
  'PUT /api/0/organizations/:org/repos/:repoId/': ['org:write', 'org:admin', 'org:integrations'],
  'DELETE /api/0/organizations/:org/repos/:repoId/': ['org:admin', 'org:integrations'],
  'GET /api/0/organizations/:org/releases/:version/deploys/': RELEASE.GET,
  'POST /api/0/organizations/:org/releases/:version/deploys/': RELEASE.POST,
  'GET /api/0/organizations/:org/chunk-upload/': RELEASE.GET,
  'POST /api/0/organizations/:org/chunk-upload/': RELEASE.POST,
  'POST /api/0/organizations/:org/artifactbundle/assemble/': RELEASE.POST,
  'GET /api/0/projects/:org/:project/files/artifact-bundles/': RELEASE.GET,
  'DELETE /api/0/projects/:org/:project/files/artifact-bundles/': RELEASE.DELETE,
  'GET /api/0/projects/:org/:project/artifact-lookup/': RELEASE.GET,
  // The following lists are the routes' own (their authors' reading of Sentry's classes).
  'GET /api/0/organizations/:org/monitors/': MONITOR_READ(),
  'GET /api/0/organizations/:org/monitors/:slug/': MONITOR_READ(),
  'GET /api/0/projects/:org/:project/monitors/:slug/': MONITOR_READ(),
  'GET /api/0/organizations/:org/monitors/:slug/checkins/': MONITOR_READ(),
  'GET /api/0/projects/:org/:project/monitors/:slug/checkins/': MONITOR_READ(),
  'GET /api/0/organizations/:org/feedback/': FEEDBACK_READ(),
  'GET /api/0/projects/:org/:project/feedback/:id/': FEEDBACK_READ(),
  'GET /api/0/projects/:org/:project/user-feedback/': FEEDBACK_READ(),
  'POST /api/0/projects/:org/:project/user-feedback/': ['project:write', 'project:admin'],
  'GET /api/0/projects/:org/:project/profiling/raw_profiles/:profileId/': PROFILE_READ(),
  'GET /api/0/projects/:org/:project/profiling/raw_chunks/:profilerId/:chunkId/': PROFILE_READ(),
  'GET /api/0/projects/:org/:project/profiling/profiles/': PROFILE_READ(),
  'GET /api/0/organizations/:org/replays/': REPLAY_READ(),
  'GET /api/0/organizations/:org/replays/:replayId/': REPLAY_READ(),
  'GET /api/0/projects/:org/:project/replays/:replayId/': REPLAY_READ(),
  'GET /api/0/projects/:org/:project/replays/:replayId/recording-segments/': REPLAY_READ(),
  'GET /api/0/projects/:org/:project/replays/:replayId/recording-segments/:segmentId/': REPLAY_READ(),
  'GET /api/0/projects/:org/:project/replays/:replayId/videos/:segmentId/': REPLAY_READ(),
  // Vigil's own project config endpoint and Sentry's inbound filters: ProjectPermission
  'GET /api/0/projects/:org/:project/config/': ['project:read', 'project:write', 'project:admin'],
  'PUT /api/0/projects/:org/:project/config/': ['project:write', 'project:admin'],
  'PATCH /api/0/projects/:org/:project/config/': ['project:write', 'project:admin'],
  'GET /api/0/projects/:org/:project/filters/': ['project:read', 'project:write', 'project:admin'],
  'PUT /api/0/projects/:org/:project/filters/:filterId/': ['project:write', 'project:admin'],
};

function MONITOR_READ(): string[] {
  return ['org:read', 'org:write', 'org:admin', 'project:read', 'project:write', 'event:read'];
}
function FEEDBACK_READ(): string[] {
  return ['project:read', 'project:write', 'project:admin', 'event:read'];
}
function PROFILE_READ(): string[] {
  return ['event:read', 'event:write', 'event:admin', 'project:read'];
}
function REPLAY_READ(): string[] {
  return ['org:read', 'project:read', 'project:write', 'project:admin', 'event:read'];
}

interface Route {
  method: string;
  url: string;
}

const NOT_AUTHENTICATED = { detail: 'Authentication credentials were not provided.' };
const INVALID_TOKEN = { detail: 'Invalid token' };
const FORBIDDEN = { detail: 'You do not have permission to perform this action.' };
const NOT_FOUND = { detail: 'The requested resource does not exist' };

let dir: string;
let store: MetadataStore;
let clickhouse: ClickHouseStore;
let app: FastifyInstance;
let base: string;
const routes: Route[] = [];

/** Values of path parameters: ours (organization `vigil`) and another organization's. */
let own: Record<string, string>;
let foreign: Record<string, string>;
let adminId: number;
let adminToken: string;
let orgToken: string;
/** Another organization's owner (bob): user id and a token with every scope. */
let bobId: number;
let bobApiToken: string;
let ownOrganizationId: number;
let counter = 0;

/** A placeholder for a parameter that names no stored object (a 404 past authorization). */
function placeholder(name: string): string {
  if (name === 'filterId') return 'browser-extensions';
  if (name === 'slug') return 'no-such-monitor';
  if (name === 'segmentId' || name === 'chunkId') return '0';
  return '0123456789abcdef0123456789abcdef';
}

function pathOf(url: string, values: Record<string, string>): string {
  return url.replace(/:([A-Za-z]+)/g, (_, name: string) =>
    encodeURIComponent(values[name] ?? placeholder(name)),
  );
}

async function call(
  route: Route,
  values: Record<string, string>,
  token?: string,
): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const init: RequestInit = { method: route.method, headers };
  if (route.method !== 'GET' && route.method !== 'DELETE') {
    headers['content-type'] = 'application/json';
    init.body = '{}';
  }
  const res = await fetch(`${base}${pathOf(route.url, values)}`, init);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON (attachments, recordings)
  }
  return { status: res.status, body };
}

const tokens = new Map<string, string>();
/**
 * A token with exactly `scopes` (made once per set): the admin's (owner of `vigil`), or an
 * organization token of `vigil` when a scope is beyond the owner role (`org:ci`, which Sentry
 * gives organization tokens).
 */
async function tokenWith(scopes: readonly string[]): Promise<string> {
  const key = [...scopes].sort().join(' ');
  let token = tokens.get(key);
  if (token === undefined) {
    const owner = organizationRole('owner')?.scopes ?? [];
    const boot = await bootstrap(store);
    token = scopes.every((s) => owner.includes(s))
      ? (await createUserApiToken(store, adminId, key || 'none', scopes)).token
      : (await createApiToken(store, boot.organization.id, key, scopes)).token;
    tokens.set(key, token);
  }
  return token;
}

/**
 * Parameter values of our organization for a request that may change or delete its target:
 * fresh objects, so a DELETE or PUT that passes authorization harms nothing the walk needs.
 */
async function disposable(): Promise<Record<string, string>> {
  const n = ++counter;
  const boot = await bootstrap(store);
  const project = await createProject(store, boot.organization.id, `walk-${n}`);
  const team = await createTeam(store, boot.organization.id, `walk-${n}`);
  if (!project.ok || !team.ok) throw new Error('setup failed');
  await addProjectTeam(store, project.value.id, team.value.id);
  const key = await createProjectKey(store, project.value.id);
  const invite = await addOrganizationMember(store, boot.organization.id, {
    email: `walk-${n}@example.com`,
    role: 'member',
    inviterId: adminId,
  });
  if (!invite.ok) throw new Error('setup failed');
  const token = await createUserApiToken(store, adminId, `walk-${n}`, ['org:read']);
  const [group] = await resolveGroups(store, [
    {
      projectId: project.value.id,
      hashes: [n.toString(16).padStart(32, '0')],
      init: {
        type: 'error',
        title: 'Error',
        culprit: '',
        level: 'error',
        metadata: {},
        timestamp: new Date(),
      },
    },
  ]);
  return {
    ...own,
    id: String(group?.groupId ?? 0),
    project: project.value.slug,
    team: team.value.slug,
    keyId: key.public_key,
    memberId: String(invite.value.id),
    tokenId: String(token.row.id),
  };
}

/** Whether the route's path names objects of one organization (so another's must be 404). */
function namesOrganizationObjects(route: Route): boolean {
  return /:(org|id|tokenId)\b/.test(route.url);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'vigil-api-auth-'));
  store = await openMetadataStore({ dataDir: dir });
  const boot = await bootstrap(store);
  adminId = boot.owner?.id ?? 0;
  adminToken = boot.token ?? '';
  orgToken = (await createApiToken(store, boot.organization.id, 'org', ALL_API_SCOPES)).token;
  const [ownGroup] = await resolveGroups(store, [
    {
      projectId: boot.project.id,
      hashes: ['a'.repeat(32)],
      init: {
        type: 'error',
        title: 'Error',
        culprit: '',
        level: 'error',
        metadata: {},
        timestamp: new Date(),
      },
    },
  ]);
  own = {
    org: boot.organization.slug,
    project: boot.project.slug,
    team: 'vigil',
    keyId: boot.key.public_key,
    memberId: 'me',
    id: String(ownGroup?.groupId ?? 0),
  };

  // Another organization, with an owner of its own and one of everything.
  const other = await createOrganization(store, 'other');
  if (!other.ok) throw new Error('setup failed');
  const bob = await createUser(store, { email: 'bob@example.com' });
  if (!bob.ok) throw new Error('setup failed');
  const bobMember = await addOrganizationMember(store, other.value.id, {
    userId: bob.value.id,
    role: 'owner',
  });
  const otherProject = await createProject(store, other.value.id, 'other-project');
  const otherTeam = await createTeam(store, other.value.id, 'other-team');
  if (!bobMember.ok || !otherProject.ok || !otherTeam.ok) throw new Error('setup failed');
  const otherKey = await createProjectKey(store, otherProject.value.id);
  const bobToken = await createUserApiToken(store, bob.value.id, 'bob', ALL_API_SCOPES);
  bobId = bob.value.id;
  bobApiToken = bobToken.token;
  ownOrganizationId = boot.organization.id;
  const [otherGroup] = await resolveGroups(store, [
    {
      projectId: otherProject.value.id,
      hashes: ['b'.repeat(32)],
      init: {
        type: 'error',
        title: 'Error',
        culprit: '',
        level: 'error',
        metadata: {},
        timestamp: new Date(),
      },
    },
  ]);
  foreign = {
    org: 'other',
    project: 'other-project',
    team: 'other-team',
    keyId: otherKey.public_key,
    memberId: String(bobMember.value.id),
    id: String(otherGroup?.groupId ?? 0),
    tokenId: String(bobToken.row.id),
  };

  clickhouse = await openTestStore('api-auth');
  app = Fastify();
  app.addHook('onRoute', (route) => {
    for (const method of ([] as string[]).concat(route.method)) {
      if (method !== 'HEAD' && route.url.startsWith('/api/0/')) routes.push({ method, url: route.url });
    }
  });
  await app.register(apiRoutes, { metadata: store, clickhouse, publicUrl: 'http://127.0.0.1:8000' });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}, 120_000);

afterAll(async () => {
  await app?.close();
  await closeTestStore(clickhouse);
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const label = (r: Route) => `${r.method} ${r.url}`;

describe('the scope matrix', () => {
  it('lists exactly the registered routes', () => {
    expect(routes.length).toBeGreaterThan(60);
    const registered = routes.map(label).sort();
    expect(registered.filter((r) => !(r in SCOPE_MATRIX))).toEqual([]);
    expect(Object.keys(SCOPE_MATRIX).filter((r) => !registered.includes(r))).toEqual([]);
  });
});

describe('every route', () => {
  it('answers 401 without a token and with an unknown one (GET /api/0/ is open)', async () => {
    for (const route of routes) {
      const entry = SCOPE_MATRIX[label(route)];
      const anonymous = await call(route, own);
      if (entry === 'public') {
        expect(anonymous, label(route)).toMatchObject({ status: 200, body: { auth: null, user: null } });
      } else {
        expect(anonymous, label(route)).toEqual({ status: 401, body: NOT_AUTHENTICATED });
      }
      expect(await call(route, own, 'sntryu_' + '0'.repeat(64)), label(route)).toEqual({
        status: 401,
        body: INVALID_TOKEN,
      });
    }
  });

  it('answers 403 to a token without any of the scopes the route accepts', async () => {
    for (const route of routes) {
      const entry = SCOPE_MATRIX[label(route)];
      if (!Array.isArray(entry)) continue;
      const lacking = await tokenWith(ALL_API_SCOPES.filter((s) => !entry.includes(s)));
      expect(await call(route, own, lacking), label(route)).toEqual({ status: 403, body: FORBIDDEN });
    }
  });

  it('lets a token with any one of the accepted scopes past authorization', async () => {
    for (const route of routes) {
      const entry = SCOPE_MATRIX[label(route)];
      const scopeSets = Array.isArray(entry) ? entry.map((s) => [s]) : [[]];
      for (const scopes of scopeSets) {
        const values = route.method === 'GET' ? own : await disposable();
        const res = await call(route, values, await tokenWith(scopes));
        expect(
          [401, 403],
          `${label(route)} with ${scopes.join(' ')}: ${JSON.stringify(res.body)}`,
        ).not.toContain(res.status);
        expect(
          res.status,
          `${label(route)} with ${scopes.join(' ')}: ${JSON.stringify(res.body)}`,
        ).toBeLessThan(500);
      }
    }
  });

  it("answers 404 for another organization's objects, to user and organization tokens with every scope", async () => {
    let checked = 0;
    for (const route of routes.filter(namesOrganizationObjects)) {
      const isTokenRoute = route.url.includes(':tokenId');
      expect(await call(route, foreign, adminToken), label(route)).toEqual({ status: 404, body: NOT_FOUND });
      if (!isTokenRoute) {
        expect(await call(route, foreign, orgToken), label(route)).toEqual({ status: 404, body: NOT_FOUND });
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(50);
  });

  it("answers 404 on an organization's issue paths for another organization's issue", async () => {
    // bob owns `other` and now belongs to `vigil` too, so only the path's organization tells.
    const joined = await addOrganizationMember(store, ownOrganizationId, { userId: bobId, role: 'member' });
    expect(joined.ok).toBe(true);
    let checked = 0;
    const issueRoutes = routes.filter((r) => r.url.startsWith('/api/0/organizations/:org/issues/:id/'));
    // DELETE last: it takes the issue away from the routes after it.
    issueRoutes.sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
    for (const route of issueRoutes) {
      expect(await call(route, { ...own, id: foreign.id ?? '' }, bobApiToken), label(route)).toEqual({
        status: 404,
        body: NOT_FOUND,
      });
      // The same issue through its own organization's path is found (on the routes naming
      // nothing else: an unknown tag key or event id is a 404 of its own).
      if (!/:(?!org\b|id\b)[A-Za-z]+/.test(route.url)) {
        expect((await call(route, foreign, bobApiToken)).body, label(route)).not.toEqual(NOT_FOUND);
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(8);
  });
});
