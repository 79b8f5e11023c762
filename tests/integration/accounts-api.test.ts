// Accounts through the web API the way a script uses it (HTTP with a bearer token, like curl) in
// the in-process server: organizations, teams, projects, members, DSN keys and API tokens in
// Sentry's shapes, role-limited tokens, the `Link` pagination walk, and DSN keys disabled or
// deleted through the API being refused by the edge from the next envelope on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Vigil } from '../../src/server/app.js';
import {
  ALL_API_SCOPES,
  acceptInvitations,
  createApiToken,
  createUser,
  createUserApiToken,
  getOrganizationBySlug,
} from '../../src/storage/metadata/index.js';
import { startTestVigil, type TestVigil } from '../helpers/in-process-vigil.js';

type Json = Record<string, unknown>;

let vigil: Vigil;
let server: TestVigil;
let base: string;
let admin: string;

beforeAll(async () => {
  server = await startTestVigil('accounts-api');
  vigil = server.vigil;
  base = server.url;
  admin = vigil.adminToken ?? '';
}, 60_000);

afterAll(async () => {
  await server?.close();
});

/** `curl -X <method> -H 'Authorization: Bearer <token>' [-d <json>] <base><path>`. */
/** A parsed response body: navigated freely and checked with `toMatchObject`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- bodies are asserted, not trusted
type Body = any;

async function api(
  method: string,
  urlPath: string,
  body?: unknown,
  token = admin,
): Promise<{ status: number; body: Body; link: string | null }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(urlPath.startsWith('http') ? urlPath : `${base}${urlPath}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text === '' ? undefined : JSON.parse(text),
    link: res.headers.get('link'),
  };
}

/** The `Link` header's entries by `rel`: `{url, results, cursor}`. */
function links(header: string | null): Record<string, { url: string; results: boolean; cursor: string }> {
  const out: Record<string, { url: string; results: boolean; cursor: string }> = {};
  for (const part of (header ?? '').split(/,\s*(?=<)/)) {
    const m = /^<([^>]+)>;\s*rel="(\w+)";\s*results="(true|false)";\s*cursor="([^"]+)"$/.exec(part.trim());
    if (m) out[m[2]!] = { url: m[1]!, results: m[3] === 'true', cursor: m[4]! };
  }
  return out;
}

/** Posts a minimal error envelope with a DSN public key; returns the status. */
async function sendEvent(publicKey: string, projectId: number): Promise<number> {
  const payload = JSON.stringify({ message: 'hello', level: 'error' });
  const envelope = `{}\n${JSON.stringify({ type: 'event', length: Buffer.byteLength(payload) })}\n${payload}\n`;
  const res = await fetch(`${base}/api/${projectId}/envelope/?sentry_key=${publicKey}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-sentry-envelope' },
    body: envelope,
  });
  await res.text();
  return res.status;
}

describe('GET /api/0/', () => {
  it('tells sentry-cli who the token is and what it may do', async () => {
    const res = await api('GET', '/api/0/');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      version: '0',
      auth: { scopes: [...ALL_API_SCOPES] },
      user: { username: 'admin', email: 'admin@localhost', name: 'Admin', isSuperuser: true, isActive: true },
    });
    expect(res.body.user.id).toMatch(/^\d+$/);
    const org = await getOrganizationBySlug(vigil.metadata, 'vigil');
    const orgToken = (await createApiToken(vigil.metadata, org!.id, 'ci', ['project:releases'])).token;
    expect((await api('GET', '/api/0/', undefined, orgToken)).body).toEqual({
      version: '0',
      auth: { scopes: ['project:releases'] },
      user: null,
    });
  });
});

describe('organizations', () => {
  it('lists the token’s organizations with the seven fields sentry-cli requires, and creates one', async () => {
    const list = await api('GET', '/api/0/organizations/');
    expect(list.status).toBe(200);
    expect(list.body).toHaveLength(1);
    const [vigilOrg] = list.body as Json[];
    expect(vigilOrg).toMatchObject({
      slug: 'vigil',
      name: 'Vigil',
      isEarlyAdopter: false,
      require2FA: false,
    });
    for (const field of ['id', 'slug', 'name', 'dateCreated'])
      expect(typeof vigilOrg?.[field]).toBe('string');
    expect(typeof vigilOrg?.requireEmailVerification).toBe('boolean');

    expect(await api('POST', '/api/0/organizations/', { slug: 'acme' })).toEqual({
      status: 400,
      body: { name: ['This field is required.'] },
      link: null,
    });
    expect((await api('POST', '/api/0/organizations/', { name: 'X', slug: 'Not OK' })).body).toEqual({
      slug: [
        'Enter a valid slug consisting of lowercase letters, numbers or hyphens. It cannot be entirely numeric.',
      ],
    });
    const created = await api('POST', '/api/0/organizations/', { name: 'Acme', defaultTeam: true });
    expect(created).toMatchObject({ status: 201, body: { slug: 'acme', name: 'Acme' } });
    expect(await api('POST', '/api/0/organizations/', { name: 'Acme' })).toMatchObject({
      status: 409,
      body: { detail: 'An organization with this slug already exists.' },
    });
    // Newest first.
    expect(((await api('GET', '/api/0/organizations/')).body as Json[]).map((o) => o.slug)).toEqual([
      'acme',
      'vigil',
    ]);
    expect(
      ((await api('GET', '/api/0/organizations/?owner=1')).body as Json[]).map((o) => o.singleOwner),
    ).toEqual([true, true]);

    const details = await api('GET', '/api/0/organizations/acme/');
    expect(details.status).toBe(200);
    expect(details.body).toMatchObject({
      slug: 'acme',
      role: 'owner',
      orgRole: 'owner',
      openMembership: true,
      projects: [],
      teams: [{ slug: 'acme', isMember: true, teamRole: 'admin', memberCount: 1, hasAccess: true }],
    });
    expect(details.body.access).toContain('org:admin');
    expect((details.body.orgRoleList as Json[]).map((r) => [r.id, r.isAllowed])).toEqual([
      ['member', true],
      ['admin', true],
      ['manager', true],
      ['owner', true],
    ]);

    const renamed = await api('PUT', '/api/0/organizations/acme/', { name: 'Acme Inc', slug: 'acme-inc' });
    expect(renamed).toMatchObject({ status: 200, body: { slug: 'acme-inc', name: 'Acme Inc' } });
    expect((await api('GET', '/api/0/organizations/acme/')).status).toBe(404);
    expect((await api('PUT', '/api/0/organizations/acme-inc/', { slug: 'vigil' })).body).toEqual({
      slug: ['The slug "vigil" is already in use.'],
    });
  });
});

describe('teams, projects and DSN keys', () => {
  it('creates a team, a project under it with a first key, lists and deletes them', async () => {
    const team = await api('POST', '/api/0/organizations/acme-inc/teams/', { slug: 'backend' });
    expect(team).toMatchObject({
      status: 201,
      body: {
        slug: 'backend',
        name: 'backend',
        isMember: true,
        teamRole: 'admin',
        memberCount: 1,
        flags: { 'idp:provisioned': false },
        avatar: { avatarType: 'letter_avatar', avatarUuid: null },
      },
    });
    expect(await api('POST', '/api/0/organizations/acme-inc/teams/', { slug: 'backend' })).toMatchObject({
      status: 409,
      body: {
        detail: 'A team with this slug already exists.',
        non_field_errors: ['A team with this slug already exists.'],
      },
    });
    expect((await api('POST', '/api/0/organizations/acme-inc/teams/', {})).body).toEqual({
      non_field_errors: ['Name or slug is required'],
    });

    const project = await api('POST', '/api/0/teams/acme-inc/backend/projects/', {
      name: 'API Server',
      platform: 'node',
    });
    expect(project).toMatchObject({
      status: 201,
      body: {
        slug: 'api-server',
        name: 'API Server',
        platform: 'node',
        team: { slug: 'backend', name: 'backend' },
        teams: [{ slug: 'backend' }],
      },
    });
    expect(
      await api('POST', '/api/0/teams/acme-inc/backend/projects/', { name: 'x', slug: 'api-server' }),
    ).toMatchObject({ status: 409, body: { detail: 'A project with this slug already exists.' } });
    // Without a slug a taken one gets a suffix, as Sentry's slugify_instance does.
    const twin = await api('POST', '/api/0/teams/acme-inc/backend/projects/', { name: 'API Server' });
    expect(twin.body.slug).toMatch(/^api-server-[0-9a-f]{6}$/);
    expect((await api('POST', '/api/0/teams/acme-inc/backend/projects/', {})).body).toEqual({
      name: ['This field is required.'],
    });

    const keys = await api('GET', '/api/0/projects/acme-inc/api-server/keys/');
    expect(keys.status).toBe(200);
    expect(keys.body).toHaveLength(1);
    const key = (keys.body as Json[])[0]!;
    const projectId = Number(project.body.id);
    expect(key).toMatchObject({
      label: expect.stringMatching(/^[A-Z][a-z]+ [A-Z][a-z]+$/),
      projectId,
      isActive: true,
      rateLimit: null,
      browserSdkVersion: 'latest',
      dsn: {
        public: `http://${key.public}@127.0.0.1:${new URL(base).port}/${projectId}`,
        secret: `http://${key.public}:${key.secret}@127.0.0.1:${new URL(base).port}/${projectId}`,
        csp: `${base}/api/${projectId}/csp-report/?sentry_key=${key.public}`,
      },
    });
    expect(key.id).toBe(key.public);

    const orgProjects = await api('GET', '/api/0/organizations/acme-inc/projects/');
    expect((orgProjects.body as Json[]).map((p) => p.slug)).toEqual(['api-server', twin.body.slug]);
    const mine = await api('GET', '/api/0/projects/');
    expect((mine.body as Json[]).map((p) => p.slug)).toEqual([twin.body.slug, 'api-server', 'default']);
    expect((mine.body as Json[])[0]).toMatchObject({ organization: { slug: 'acme-inc' } });
    expect(
      ((await api('GET', '/api/0/teams/acme-inc/backend/projects/')).body as Json[]).map((p) => p.slug),
    ).toEqual(['api-server', twin.body.slug]);
    const teamDetails = await api('GET', '/api/0/teams/acme-inc/backend/');
    expect(teamDetails.body).toMatchObject({ slug: 'backend', organization: { slug: 'acme-inc' } });
    const teamList = await api('GET', '/api/0/organizations/acme-inc/teams/');
    expect((teamList.body as Json[]).map((t) => [t.slug, (t.projects as Json[]).length])).toEqual([
      ['acme', 0],
      ['backend', 2],
    ]);

    expect((await api('DELETE', `/api/0/projects/acme-inc/${twin.body.slug}/`)).status).toBe(204);
    expect((await api('GET', `/api/0/projects/acme-inc/${twin.body.slug}/keys/`)).status).toBe(404);
    expect((await api('PUT', '/api/0/teams/acme-inc/backend/', { name: 'Backend' })).body).toMatchObject({
      slug: 'backend',
      name: 'Backend',
    });
    expect((await api('DELETE', '/api/0/teams/acme-inc/acme/')).status).toBe(204);
    expect((await api('GET', '/api/0/teams/acme-inc/acme/')).status).toBe(404);
  });

  it('creates, renames, disables and deletes DSN keys, and the edge follows at once', async () => {
    const projectId = 1;
    const created = await api('POST', '/api/0/projects/vigil/default/keys/', { name: 'Web' });
    expect(created).toMatchObject({
      status: 201,
      body: { name: 'Web', label: 'Web', isActive: true, projectId },
    });
    const publicKey = created.body.public as string;
    expect(await sendEvent(publicKey, projectId)).toBe(200);

    const updated = await api('PUT', `/api/0/projects/vigil/default/keys/${publicKey}/`, {
      name: 'Web (old)',
      isActive: false,
      browserSdkVersion: '7.x',
      dynamicSdkLoaderOptions: { hasDebug: true },
    });
    expect(updated).toMatchObject({
      status: 200,
      body: {
        name: 'Web (old)',
        isActive: false,
        browserSdkVersion: '7.x',
        dynamicSdkLoaderOptions: { hasReplay: true, hasPerformance: true, hasDebug: true },
      },
    });
    // Refused from the very next envelope (Relay's answer for a disabled key).
    expect(await sendEvent(publicKey, projectId)).toBe(403);
    expect(
      ((await api('GET', '/api/0/projects/vigil/default/keys/?status=inactive')).body as Json[]).map(
        (k) => k.id,
      ),
    ).toEqual([publicKey]);
    expect(
      (await api('PUT', `/api/0/projects/vigil/default/keys/${publicKey}/`, { browserSdkVersion: '1.x' }))
        .body,
    ).toEqual({
      browserSdkVersion: ['"1.x" is not a valid choice.'],
    });

    expect(
      (await api('PUT', `/api/0/projects/vigil/default/keys/${publicKey}/`, { isActive: true })).status,
    ).toBe(200);
    expect(await sendEvent(publicKey, projectId)).toBe(200);
    expect((await api('DELETE', `/api/0/projects/vigil/default/keys/${publicKey}/`)).status).toBe(204);
    expect(await sendEvent(publicKey, projectId)).toBe(403);
    expect((await api('GET', `/api/0/projects/vigil/default/keys/${publicKey}/`)).body).toEqual({
      detail: 'The requested resource does not exist',
    });

    // Keys may be given, so DSNs survive a move from another server.
    const given = await api('POST', '/api/0/projects/vigil/default/keys/', {
      public: 'a'.repeat(32),
      secret: 'b'.repeat(32),
    });
    expect(given).toMatchObject({ status: 201, body: { public: 'a'.repeat(32), secret: 'b'.repeat(32) } });
    expect(await sendEvent('a'.repeat(32), projectId)).toBe(200);
    expect(
      (await api('POST', '/api/0/projects/vigil/default/keys/', { public: 'a'.repeat(32) })).status,
    ).toBe(400);
  });
});

describe('members and roles', () => {
  it('invites, adds, limits a member’s token to the member role, changes roles and removes', async () => {
    const invite = await api('POST', '/api/0/organizations/acme-inc/members/', {
      email: 'carol@example.com',
      orgRole: 'member',
      teams: ['backend'],
    });
    expect(invite).toMatchObject({
      status: 201,
      body: {
        email: 'carol@example.com',
        role: 'member',
        orgRole: 'member',
        pending: true,
        user: null,
        inviteStatus: 'approved',
      },
    });
    expect(
      await api('POST', '/api/0/organizations/acme-inc/members/', { email: 'CAROL@example.com' }),
    ).toMatchObject({
      status: 409,
      body: { email: ['The user CAROL@example.com has already been invited'] },
    });
    expect(
      (await api('POST', '/api/0/organizations/acme-inc/members/', { email: 'nope', orgRole: 'boss' })).body,
    ).toEqual({
      email: ['Enter a valid email address.'],
      orgRole: ['"boss" is not a valid choice.'],
    });
    expect(
      (
        await api('POST', '/api/0/organizations/acme-inc/members/', {
          email: 'x@example.com',
          orgRole: 'admin',
        })
      ).body,
    ).toEqual({
      orgRole: ["The role 'admin' is deprecated and may no longer be assigned."],
    });

    // Carol's user appears (as `vigil users create` does it): the invitation becomes her membership.
    const carol = await createUser(vigil.metadata, { email: 'carol@example.com', name: 'Carol' });
    if (!carol.ok) throw new Error(carol.error.detail);
    await acceptInvitations(vigil.metadata, carol.value.id, carol.value.email);
    const carolToken = (await createUserApiToken(vigil.metadata, carol.value.id, 'all', ALL_API_SCOPES))
      .token;

    // Her token has every scope, but she is a member: reading works, owner things are refused.
    const seen = await api('GET', '/api/0/organizations/acme-inc/', undefined, carolToken);
    expect(seen).toMatchObject({ status: 200, body: { role: 'member' } });
    expect(seen.body.access).not.toContain('org:write');
    expect(await api('PUT', '/api/0/organizations/acme-inc/', { name: 'Mine' }, carolToken)).toEqual({
      status: 403,
      body: { detail: 'You do not have permission to perform this action.' },
      link: null,
    });
    expect((await api('DELETE', '/api/0/projects/acme-inc/api-server/', undefined, carolToken)).status).toBe(
      403,
    );
    expect((await api('GET', '/api/0/organizations/vigil/', undefined, carolToken)).status).toBe(404);
    const me = await api('GET', '/api/0/organizations/acme-inc/members/me/', undefined, carolToken);
    expect(me).toMatchObject({
      status: 200,
      body: {
        email: 'carol@example.com',
        pending: false,
        teams: ['backend'],
        teamRoles: [{ teamSlug: 'backend', role: null }],
        isOnlyOwner: false,
      },
    });
    expect(me.body.user).toMatchObject({ email: 'carol@example.com', name: 'Carol' });
    expect((me.body.orgRoleList as Json[]).every((r) => r.isAllowed === false)).toBe(true);

    // An existing user is added at once.
    const dave = await createUser(vigil.metadata, { email: 'dave@example.com' });
    if (!dave.ok) throw new Error(dave.error.detail);
    const added = await api('POST', '/api/0/organizations/acme-inc/members/', { email: 'dave@example.com' });
    expect(added).toMatchObject({
      status: 201,
      body: { pending: false, role: 'member', user: { email: 'dave@example.com' } },
    });
    expect(
      await api('POST', '/api/0/organizations/acme-inc/members/', { email: 'dave@example.com' }),
    ).toMatchObject({
      status: 409,
      body: { email: ['The user dave@example.com is already a member'] },
    });

    // Carol (member:invite) may invite members but not managers, and not remove Dave.
    expect(
      (
        await api(
          'POST',
          '/api/0/organizations/acme-inc/members/',
          { email: 'erin@example.com', orgRole: 'manager' },
          carolToken,
        )
      ).body,
    ).toEqual({ orgRole: ['You do not have permission to set that org-level role'] });
    const erin = await api(
      'POST',
      '/api/0/organizations/acme-inc/members/',
      { email: 'erin@example.com' },
      carolToken,
    );
    expect(erin.status).toBe(201);
    expect(
      await api('DELETE', `/api/0/organizations/acme-inc/members/${added.body.id}/`, undefined, carolToken),
    ).toMatchObject({
      status: 400,
      body: { detail: 'You are missing the member:admin scope.' },
    });
    expect(
      (await api('DELETE', `/api/0/organizations/acme-inc/members/${erin.body.id}/`, undefined, carolToken))
        .status,
    ).toBe(204);

    const list = await api('GET', '/api/0/organizations/acme-inc/members/?query=email:carol@example.com');
    expect((list.body as Json[]).map((m) => m.email)).toEqual(['carol@example.com']);
    const promoted = await api('PUT', `/api/0/organizations/acme-inc/members/${invite.body.id}/`, {
      orgRole: 'manager',
      teamRoles: [{ teamSlug: 'backend', role: 'admin' }],
    });
    expect(promoted).toMatchObject({
      status: 200,
      body: { role: 'manager', teamRoles: [{ teamSlug: 'backend', role: 'admin' }] },
    });
    expect((await api('GET', '/api/0/organizations/acme-inc/', undefined, carolToken)).body.access).toContain(
      'org:write',
    );
    expect(
      await api(
        'PUT',
        `/api/0/organizations/acme-inc/members/${invite.body.id}/`,
        { orgRole: 'owner' },
        carolToken,
      ),
    ).toMatchObject({ status: 403, body: { role: 'You do not have permission to assign the given role.' } });

    // Members of a higher role cannot be removed; others can, and their tokens lose the
    // organization; the only owner or manager left cannot be removed.
    const owner = await api('GET', '/api/0/organizations/acme-inc/members/me/');
    expect(
      await api('DELETE', `/api/0/organizations/acme-inc/members/${owner.body.id}/`, undefined, carolToken),
    ).toMatchObject({
      status: 400,
      body: { detail: 'You cannot remove a member who has more access than you.' },
    });
    expect((await api('DELETE', `/api/0/organizations/acme-inc/members/${invite.body.id}/`)).status).toBe(
      204,
    );
    expect((await api('GET', '/api/0/organizations/acme-inc/', undefined, carolToken)).status).toBe(404);
    expect(await api('DELETE', `/api/0/organizations/acme-inc/members/${owner.body.id}/`)).toMatchObject({
      status: 403,
      body: { detail: 'You cannot remove the only remaining owner or manager of the organization.' },
    });
  });
});

describe('API tokens', () => {
  it('creates a token shown once, lists it without the secret and revokes it at once', async () => {
    const created = await api('POST', '/api/0/api-tokens/', {
      name: 'ci',
      scopes: ['org:read', 'project:releases'],
    });
    expect(created).toMatchObject({
      status: 201,
      body: { name: 'ci', scopes: ['org:read', 'project:releases'], application: null, expiresAt: null },
    });
    const token = created.body.token as string;
    expect(token).toMatch(/^sntryu_[0-9a-f]{64}$/);
    expect(created.body.tokenLastCharacters).toBe(token.slice(-4));
    expect((await api('GET', '/api/0/', undefined, token)).body.auth).toEqual({
      scopes: ['org:read', 'project:releases'],
    });
    const listed = await api('GET', '/api/0/api-tokens/');
    const entry = (listed.body as Json[]).find((t) => t.id === created.body.id);
    expect(entry).toMatchObject({ name: 'ci', tokenLastCharacters: token.slice(-4) });
    expect(entry).not.toHaveProperty('token');

    expect((await api('POST', '/api/0/api-tokens/', { name: 'x' })).body).toEqual({
      scopes: ['This field is required.'],
    });
    expect((await api('POST', '/api/0/api-tokens/', { scopes: ['root'] })).body).toEqual({
      scopes: ['"root" is not a valid choice.'],
    });
    expect((await api('POST', '/api/0/api-tokens/', { scopes: ['org:admin'] }, token)).status).toBe(400);
    expect((await api('GET', `/api/0/api-tokens/${created.body.id}/`, undefined, token)).body).toMatchObject({
      name: 'ci',
    });

    expect((await api('DELETE', `/api/0/api-tokens/${created.body.id}/`)).status).toBe(204);
    expect(await api('GET', '/api/0/', undefined, token)).toMatchObject({
      status: 401,
      body: { detail: 'Invalid token' },
    });
    const second = await api('POST', '/api/0/api-tokens/', { scopes: ['org:read'] });
    expect((await api('DELETE', '/api/0/api-tokens/', { tokenId: second.body.id })).status).toBe(204);
    expect((await api('GET', '/api/0/', undefined, second.body.token)).status).toBe(401);
  });
});

describe('pagination', () => {
  it('walks a list page by page along the Link header until results="false"', async () => {
    const slugs = ['t-a', 't-b', 't-c', 't-d', 't-e', 't-f', 't-g'];
    for (const slug of slugs) {
      expect((await api('POST', '/api/0/organizations/acme-inc/teams/', { slug })).status).toBe(201);
    }
    const expected = [...slugs, 'backend'].sort();
    const seen: string[] = [];
    let url = `${base}/api/0/organizations/acme-inc/teams/?per_page=3&detailed=0`;
    const cursors: string[] = [];
    for (let pages = 0; pages < 10; pages++) {
      const res = await api('GET', url);
      expect(res.status).toBe(200);
      seen.push(...(res.body as Json[]).map((t) => t.slug as string));
      const rels = links(res.link);
      expect(rels.previous?.results).toBe(pages > 0);
      cursors.push(rels.next!.cursor);
      if (!rels.next!.results) break;
      url = rels.next!.url;
    }
    expect(seen).toEqual(expected);
    expect(cursors).toEqual(['0:3:0', '0:6:0', '0:9:0']);
  });
});
