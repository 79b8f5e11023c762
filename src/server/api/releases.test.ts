// The release, deploy and `GET /api/0/` endpoints through Fastify's inject, over real stores
// (SQLite metadata, embedded chDB with events and sessions): Sentry's shapes and status codes
// (201/208 create, 204 delete, DRF field errors, 401/403/404), pagination links, and the values
// taken from real data (new issues from the groups' first release, first/last event from the
// events table, the refusal to delete a release with issues or sessions).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processSessionItem } from '../../processing/items/sessions/index.js';
import { toDateTime64, type ClickHouseStore } from '../../storage/clickhouse/index.js';
import { encodeEventRow, withGroupId, type EventRowInput } from '../../storage/clickhouse/events.js';
import { SESSIONS_TABLE, encodeSessionRow } from '../../storage/clickhouse/sessions.js';
import { closeTestStore, openTestStore } from '../../storage/clickhouse/test-store.js';
import {
  bootstrap,
  createApiToken,
  createOrganization,
  createProject,
  openMetadataStore,
  resolveGroups,
  type MetadataStore,
} from '../../storage/metadata/index.js';
import { apiRoutes } from './index.js';
import { ERR_RELEASE_HEALTH_DATA, ERR_RELEASE_REFERENCED } from './releases.js';

const DAY = 86_400_000;
const T1 = new Date(Math.floor(Date.now() / DAY) * DAY - DAY);
const T2 = new Date(T1.getTime() + 3_600_000);

let dataDir: string;
let metadata: MetadataStore;
let clickhouse: ClickHouseStore;
let app: FastifyInstance;
const tokens: Record<'all' | 'read' | 'releases' | 'write' | 'events' | 'rival', string> = {
  all: '',
  read: '',
  releases: '',
  write: '',
  events: '',
  rival: '',
};
let defaultId: number;
let mobileId: number;

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

async function call(
  method: Method,
  url: string,
  body?: unknown,
  token: string | null = tokens.all,
): Promise<{ status: number; body: unknown; link?: string }> {
  const res = await app.inject({
    method,
    url,
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      'user-agent': 'sentry-cli/3.8.0',
    },
    ...(body === undefined ? {} : { payload: body as object }),
  });
  return {
    status: res.statusCode,
    body: res.body === '' ? null : (res.json() as unknown),
    link: res.headers.link as string | undefined,
  };
}

function eventRow(projectId: number, release: string, timestamp: Date, id: string): string {
  const row: EventRowInput = {
    project_id: projectId,
    timestamp: toDateTime64(timestamp),
    event_id: id.repeat(32),
    primary_hash: 'a'.repeat(32),
    received: toDateTime64(timestamp),
    type: 'error',
    level: 'error',
    platform: 'javascript',
    logger: '',
    release,
    dist: '',
    environment: 'production',
    transaction: '',
    message: 'boom',
    title: 'Error: boom',
    culprit: '',
    user_id: '',
    user_email: '',
    user_username: '',
    user_ip: '',
    user: '',
    sdk_name: '',
    sdk_version: '',
    trace_id: '',
    replay_id: '',
    exception_types: [],
    exception_values: [],
    handled: null,
    'tags.key': [],
    'tags.value': [],
    'flags.key': [],
    'flags.value': [],
    data: {},
    retention_days: 90,
  };
  return withGroupId(encodeEventRow(row), 1);
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'vigil-releases-api-'));
  metadata = await openMetadataStore({ dataDir });
  const boot = await bootstrap(metadata);
  tokens.all = boot.token ?? '';
  defaultId = boot.project.id;
  const mobile = await createProject(metadata, boot.organization.id, 'mobile');
  if (!mobile.ok) throw new Error(mobile.error.detail);
  mobileId = mobile.value.id;
  const token = async (scopes: string[], orgId = boot.organization.id) =>
    (await createApiToken(metadata, orgId, scopes.join(','), scopes)).token;
  tokens.read = await token(['project:read']);
  tokens.releases = await token(['project:releases']);
  tokens.write = await token(['project:write']);
  tokens.events = await token(['event:read', 'org:read']);
  const rival = await createOrganization(metadata, 'rival');
  if (!rival.ok) throw new Error(rival.error.detail);
  tokens.rival = await token(['project:releases'], rival.value.id);

  clickhouse = await openTestStore('releases-api');
  await clickhouse.insertJsonLines('events', [
    eventRow(defaultId, 'web@1.0.0', T1, 'a'),
    eventRow(defaultId, 'web@1.0.0', T2, 'b'),
    eventRow(mobileId, 'web@1.0.0', new Date(T1.getTime() - 60_000), 'c'),
  ]);
  const sessions = processSessionItem(
    Buffer.from(
      JSON.stringify({
        sid: 'd'.repeat(32),
        init: true,
        started: T1.toISOString(),
        timestamp: T2.toISOString(),
        status: 'exited',
        attrs: { release: 'healthy@1', environment: 'production' },
      }),
    ),
    'session',
    { projectId: defaultId, receivedAt: T2.getTime() / 1000, clientIp: '192.0.2.1' },
  );
  if (sessions.kind !== 'ok') throw new Error(sessions.reason);
  await clickhouse.insertJsonLines(SESSIONS_TABLE, sessions.value.map(encodeSessionRow));
  await resolveGroups(metadata, [
    {
      projectId: defaultId,
      hashes: ['f'.repeat(32)],
      init: {
        type: 'error',
        title: 'Error',
        culprit: '',
        level: 'error',
        metadata: {},
        release: 'web@1.0.0',
        timestamp: T1,
      },
    },
  ]);

  app = Fastify();
  await app.register(apiRoutes, { metadata, clickhouse, publicUrl: 'http://vigil.test' });
}, 60_000);

afterAll(async () => {
  await app?.close();
  await metadata?.close();
  await closeTestStore(clickhouse);
  await rm(dataDir, { recursive: true, force: true });
});

describe('GET /api/0/', () => {
  it('answers the token scopes, null without a token and 401 for a bad one', async () => {
    expect(await call('GET', '/api/0/', undefined, null)).toMatchObject({
      status: 200,
      body: { version: '0', auth: null, user: null },
    });
    expect(await call('GET', '/api/0/', undefined, tokens.read)).toMatchObject({
      status: 200,
      body: { version: '0', auth: { scopes: ['project:read'] }, user: null },
    });
    expect((await call('GET', '/api/0/', undefined, 'sntryu_nope')).status).toBe(401);
  });
});

describe('creating releases', () => {
  it('creates with 201 in Sentry full shape, 208 when nothing changes, 201 when a project is added', async () => {
    const created = await call('POST', '/api/0/organizations/vigil/releases/', {
      version: 'web@1.0.0',
      projects: ['default'],
      url: 'https://example.com/web/1.0.0',
      dateStarted: '2025-01-01T00:00:00Z',
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(Number),
      version: 'web@1.0.0',
      status: 'open',
      shortVersion: 'web@1.0.0',
      versionInfo: {
        package: 'web',
        version: { raw: '1.0.0', major: 1, minor: 0, patch: 0, pre: null, buildCode: null, components: 3 },
        description: '1.0.0',
        buildHash: null,
      },
      ref: null,
      url: 'https://example.com/web/1.0.0',
      dateReleased: null,
      dateCreated: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      data: {},
      newGroups: 1,
      owner: null,
      commitCount: 0,
      lastCommit: null,
      deployCount: 0,
      lastDeploy: null,
      authors: [],
      projects: [
        {
          id: defaultId,
          slug: 'default',
          name: 'Default',
          newGroups: 1,
          platform: null,
          platforms: [],
          hasHealthData: false,
        },
      ],
      // Sentry does not query events right after a create.
      firstEvent: null,
      lastEvent: null,
      currentProjectMeta: {},
      userAgent: 'sentry-cli/3.8.0',
    });
    const again = await call('POST', '/api/0/organizations/vigil/releases/', {
      version: 'web@1.0.0',
      projects: ['default'],
    });
    expect(again.status).toBe(208);
    const withMobile = await call('POST', '/api/0/organizations/vigil/releases/', {
      version: 'web@1.0.0',
      projects: [mobileId, 'default'],
    });
    expect(withMobile.status).toBe(201);
    expect((withMobile.body as { projects: Array<{ slug: string }> }).projects.map((p) => p.slug)).toEqual([
      'default',
      'mobile',
    ]);
  });

  it('answers DRF field errors for bad bodies', async () => {
    const post = (body: unknown) => call('POST', '/api/0/organizations/vigil/releases/', body);
    expect(await post({})).toMatchObject({
      status: 400,
      body: { version: ['This field is required.'], projects: ['This field is required.'] },
    });
    expect(await post([1])).toMatchObject({
      status: 400,
      body: { non_field_errors: ['Invalid data. Expected a dictionary, but got list.'] },
    });
    expect((await post({ version: 'latest', projects: [] })).body).toEqual({
      version: ['Release with name latest is not allowed'],
    });
    expect((await post({ version: 'a/b', projects: [] })).body).toEqual({
      version: ['Release with name a/b is not allowed'],
    });
    expect((await post({ version: 'x'.repeat(201), projects: [] })).body).toEqual({
      version: ['Ensure this field has no more than 200 characters.'],
    });
    expect((await post({ version: 'v', projects: 'default' })).body).toEqual({
      projects: ['Expected a list of items but got type "str".'],
    });
    expect((await post({ version: 'v', projects: ['nope'] })).body).toEqual({
      projects: ['Invalid project ids or slugs'],
    });
    expect((await post({ version: 'v', projects: [], url: 'not a url' })).body).toEqual({
      url: ['Enter a valid URL.'],
    });
    expect((await post({ version: 'v', projects: [], dateReleased: 'yesterday' })).body).toEqual({
      dateReleased: [
        'Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].',
      ],
    });
    expect(
      (await post({ version: 'v', projects: [], commits: [{ id: 'a' }, { message: 'x' }] })).body,
    ).toEqual({
      commits: { '1': { id: ['This field is required.'] } },
    });
    expect((await post({ version: 'v', projects: [], status: 'gone' })).body).toEqual({
      status: ['Invalid status gone'],
    });
  });

  it('needs a release scope and the token organization', async () => {
    const body = { version: 'scoped@1', projects: [] };
    expect((await call('POST', '/api/0/organizations/vigil/releases/', body, null)).status).toBe(401);
    expect(await call('POST', '/api/0/organizations/vigil/releases/', body, tokens.read)).toMatchObject({
      status: 403,
      body: { detail: 'You do not have permission to perform this action.' },
    });
    expect((await call('POST', '/api/0/organizations/vigil/releases/', body, tokens.events)).status).toBe(
      403,
    );
    expect((await call('POST', '/api/0/organizations/vigil/releases/', body, tokens.rival)).status).toBe(404);
    expect((await call('POST', '/api/0/organizations/vigil/releases/', body, tokens.releases)).status).toBe(
      201,
    );
  });
});

describe('reading releases', () => {
  it('fills newGroups and first/last event from the stored issues and events', async () => {
    const details = await call('GET', '/api/0/organizations/vigil/releases/web@1.0.0/');
    expect(details.status).toBe(200);
    expect(details.body).toMatchObject({
      version: 'web@1.0.0',
      newGroups: 1,
      firstEvent: new Date(T1.getTime() - 60_000).toISOString(),
      lastEvent: T2.toISOString(),
      projects: [
        { slug: 'default', newGroups: 1 },
        { slug: 'mobile', newGroups: 0 },
      ],
    });
    const inMobile = await call('GET', '/api/0/projects/vigil/mobile/releases/web@1.0.0/');
    expect(inMobile.body).toMatchObject({
      newGroups: 0,
      firstEvent: new Date(T1.getTime() - 60_000).toISOString(),
      lastEvent: new Date(T1.getTime() - 60_000).toISOString(),
    });
    expect((await call('GET', '/api/0/organizations/vigil/releases/nope@1/')).status).toBe(404);
    expect(
      (await call('GET', '/api/0/organizations/vigil/releases/web@1.0.0/', undefined, tokens.rival)).status,
    ).toBe(404);
    expect(
      (await call('GET', '/api/0/organizations/vigil/releases/web@1.0.0/', undefined, tokens.read)).status,
    ).toBe(200);
    expect((await call('GET', '/api/0/organizations/vigil/releases/', undefined, tokens.events)).status).toBe(
      403,
    );
  });

  it('pages the organization list with Sentry Link headers, newest first, open by default', async () => {
    for (const v of ['page@1', 'page@2', 'page@3']) {
      await call('POST', '/api/0/organizations/vigil/releases/', { version: v, projects: ['mobile'] });
    }
    await call('POST', '/api/0/organizations/vigil/releases/', {
      version: 'page@old',
      projects: ['mobile'],
      status: 'archived',
    });
    const first = await call(
      'GET',
      `/api/0/organizations/vigil/releases/?project=${mobileId}&per_page=2&query=page`,
    );
    expect((first.body as Array<{ version: string }>).map((r) => r.version)).toEqual(['page@3', 'page@2']);
    expect(first.link).toContain('rel="next"; results="true"; cursor="0:2:0"');
    expect(first.link).toContain('rel="previous"; results="false"');
    expect(first.link).toContain('http://vigil.test/api/0/organizations/vigil/releases/');
    const second = await call(
      'GET',
      `/api/0/organizations/vigil/releases/?project=${mobileId}&per_page=2&query=page&cursor=0:2:0`,
    );
    expect((second.body as Array<{ version: string }>).map((r) => r.version)).toEqual(['page@1']);
    expect(second.link).toContain('rel="next"; results="false"');
    const archived = await call('GET', '/api/0/organizations/vigil/releases/?status=archived');
    expect((archived.body as Array<{ version: string }>).map((r) => r.version)).toEqual(['page@old']);
    expect(await call('GET', '/api/0/organizations/vigil/releases/?status=gone')).toMatchObject({
      status: 400,
      body: { detail: 'invalid value for status' },
    });
    expect(await call('GET', '/api/0/organizations/vigil/releases/?sort=semver')).toMatchObject({
      status: 400,
      body: { detail: 'invalid sort' },
    });
    const projectList = await call('GET', '/api/0/projects/vigil/mobile/releases/?query=page');
    expect((projectList.body as Array<{ version: string }>).map((r) => r.version)).toEqual([
      'page@3',
      'page@2',
      'page@1',
    ]);
    expect((await call('GET', '/api/0/projects/vigil/nope/releases/')).status).toBe(404);
  });
});

describe('updating and deleting releases', () => {
  it('finalizes, archives, sets commits and refs, and clears them', async () => {
    await call('POST', '/api/0/organizations/vigil/releases/', { version: 'api@2', projects: ['default'] });
    const finalized = await call('PUT', '/api/0/organizations/vigil/releases/api@2/', {
      dateReleased: '2025-02-03T04:05:06.123456789Z',
      projects: ['default'],
      commits: [
        { id: 'c'.repeat(40), message: 'Fix it', author_name: 'Ada', author_email: 'ada@example.com' },
        { id: 'b'.repeat(40), author_email: 'ada@example.com' },
      ],
    });
    expect(finalized.status).toBe(200);
    // Commits without a repository go to Sentry's per-organization one.
    const repository = { name: expect.stringMatching(/^organization-\d+$/), provider: { id: 'unknown' } };
    expect(finalized.body).toMatchObject({
      dateReleased: '2025-02-03T04:05:06.123Z',
      commitCount: 2,
      lastCommit: {
        id: 'c'.repeat(40),
        message: 'Fix it',
        repository,
        author: { name: 'Ada', email: 'ada@example.com' },
      },
      authors: [{ name: 'Ada', email: 'ada@example.com' }],
    });
    const repositoryName = (finalized.body as { lastCommit: { repository: { name: string } } }).lastCommit
      .repository.name;
    expect(
      await call('PUT', '/api/0/organizations/vigil/releases/api@2/', {
        refs: [{ repository: 'acme/api', commit: 'a'.repeat(40) }],
      }),
    ).toMatchObject({ status: 400, body: { refs: ['Invalid repository names: acme/api'] } });
    const archived = await call('PUT', '/api/0/organizations/vigil/releases/api@2/', {
      status: 'archived',
      refs: [{ repository: repositoryName, commit: 'a'.repeat(40), previousCommit: 'b'.repeat(40) }],
    });
    expect(archived.body).toMatchObject({ status: 'archived', commitCount: 2 });
    const cleared = await call('PUT', '/api/0/organizations/vigil/releases/api@2/', { refs: [] });
    expect(cleared.body).toMatchObject({
      commitCount: 0,
      lastCommit: null,
      authors: [],
      dateReleased: '2025-02-03T04:05:06.123Z',
    });
    expect(
      (await call('PUT', '/api/0/organizations/vigil/releases/api@2/', { refs: [{ commit: 'x..' }] })).body,
    ).toEqual({
      refs: {
        '0': { commit: ['Commit cannot begin or end with ..'], repository: ['This field is required.'] },
      },
    });
    expect(
      (
        await call('PUT', '/api/0/organizations/vigil/releases/api@2/', {
          commits: [{ id: 'd', timestamp: 'soon', patch_set: [{ path: 'a.js', type: 'R' }] }],
        })
      ).body,
    ).toEqual({
      commits: {
        '0': {
          timestamp: [expect.stringContaining('Datetime has wrong format.')],
          patch_set: { '0': { type: ['Commit patch_set type R is not supported.'] } },
        },
      },
    });
    expect((await call('PUT', '/api/0/organizations/vigil/releases/nope@2/', {})).status).toBe(404);
  });

  it('deletes with 204, but not a release issues or sessions refer to', async () => {
    expect(await call('DELETE', '/api/0/organizations/vigil/releases/web@1.0.0/')).toMatchObject({
      status: 400,
      body: { detail: ERR_RELEASE_REFERENCED },
    });
    await call('POST', '/api/0/organizations/vigil/releases/', {
      version: 'healthy@1',
      projects: ['default'],
    });
    expect(await call('DELETE', '/api/0/organizations/vigil/releases/healthy@1/')).toMatchObject({
      status: 400,
      body: { detail: ERR_RELEASE_HEALTH_DATA },
    });
    await call('POST', '/api/0/organizations/vigil/releases/', { version: 'gone@1', projects: ['default'] });
    expect(
      (await call('DELETE', '/api/0/organizations/vigil/releases/gone@1/', undefined, tokens.write)).status,
    ).toBe(403);
    expect(
      (await call('DELETE', '/api/0/organizations/vigil/releases/gone@1/', undefined, tokens.releases))
        .status,
    ).toBe(204);
    expect((await call('GET', '/api/0/organizations/vigil/releases/gone@1/')).status).toBe(404);
    expect((await call('DELETE', '/api/0/organizations/vigil/releases/gone@1/')).status).toBe(404);
  });
});

describe('deploys', () => {
  it('creates deploys and lists the last one per environment', async () => {
    await call('POST', '/api/0/organizations/vigil/releases/', { version: 'ship@1', projects: ['default'] });
    const url = '/api/0/organizations/vigil/releases/ship@1/deploys/';
    const first = await call('POST', url, {
      environment: 'staging',
      name: 'one',
      url: 'https://ci.example.com/1',
    });
    expect(first).toMatchObject({
      status: 201,
      body: {
        id: expect.stringMatching(/^\d+$/),
        environment: 'staging',
        dateStarted: null,
        dateFinished: expect.stringMatching(/^\d{4}-/),
        name: 'one',
        url: 'https://ci.example.com/1',
      },
    });
    await call('POST', url, { environment: 'production', dateFinished: '2025-01-01T00:00:00Z' });
    const latest = await call('POST', url, {
      environment: 'production',
      projects: ['default'],
      name: 'again',
    });
    const list = await call('GET', url);
    expect((list.body as Array<{ id: string }>).map((d) => d.id)).toEqual([
      (latest.body as { id: string }).id,
      (first.body as { id: string }).id,
    ]);
    expect((await call('GET', '/api/0/organizations/vigil/releases/ship@1/')).body).toMatchObject({
      deployCount: 3,
      lastDeploy: { name: 'again', environment: 'production' },
    });
  });

  it('answers Sentry errors for bad deploys', async () => {
    const url = '/api/0/organizations/vigil/releases/ship@1/deploys/';
    expect((await call('POST', url, {})).body).toEqual({ environment: ['This field is required.'] });
    expect((await call('POST', url, { environment: 'a/b' })).body).toEqual({
      environment: ['Invalid value for environment'],
    });
    expect((await call('POST', url, { environment: 'prod', projects: [] })).body).toEqual({
      projects: ['This list may not be empty.'],
    });
    expect(await call('POST', url, { environment: 'prod', projects: ['mobile'] })).toMatchObject({
      status: 400,
      body: { detail: 'Invalid projects (mobile) for release ship@1' },
    });
    expect(
      (await call('POST', '/api/0/organizations/vigil/releases/nope@1/deploys/', { environment: 'x' }))
        .status,
    ).toBe(404);
  });
});

describe('project releases', () => {
  it('creates in a project with 201, then 208', async () => {
    const url = '/api/0/projects/vigil/mobile/releases/';
    const created = await call('POST', url, { version: 'app@7' });
    expect(created.status).toBe(201);
    expect((created.body as { projects: Array<{ slug: string }> }).projects).toEqual([
      expect.objectContaining({ slug: 'mobile' }),
    ]);
    expect((await call('POST', url, { version: 'app@7' })).status).toBe(208);
    expect((await call('GET', '/api/0/projects/vigil/default/releases/app@7/')).status).toBe(404);
  });
});
