// The issue workflow through the in-process server, the way a script or the Sentry UI drives it
// (HTTP with a bearer token): resolving (now, in a release, in the next release), unresolving,
// ignoring (forever, until N more events), assigning, bookmarking, seen marks and subscriptions on
// one issue and in bulk with `?id=`, merging (events of both issues counted under the primary,
// later events of the merged hash landing there too) and deleting — each with Sentry's answer and
// its activity entry — and ingestion's side: regressions, "resolved in the next release" not undone
// by events of older releases, and ignored issues coming back after N more events. Real stores:
// SQLite metadata, embedded chDB.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Vigil } from '../../src/server/app.js';
import { IssueMaintenance } from '../../src/server/services/issue-maintenance.js';
import { mergeIssues } from '../../src/server/services/issue-removal.js';
import { toDateTime64 } from '../../src/storage/clickhouse/index.js';
import { queryRows } from '../../src/storage/clickhouse/query-helpers.js';
import {
  addOrganizationMember,
  addTeamMember,
  createTeam,
  createUser,
  createUserApiToken,
  getGroups,
  getOrganizationBySlug,
  type Team,
  type User,
} from '../../src/storage/metadata/index.js';
import { startTestVigil, type TestVigil } from '../helpers/in-process-vigil.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are asserted, not trusted
type Body = any;

let vigil: Vigil;
let server: TestVigil;
let base: string;
let admin: string;
let adminId: string;
let projectId: number;
let publicKey: string;
let alice: User;
let aliceToken: string;
let backend: Team;

beforeAll(async () => {
  server = await startTestVigil('issue-workflow');
  vigil = server.vigil;
  base = server.url;
  admin = vigil.adminToken ?? '';
  const dsn = new URL(vigil.dsn);
  publicKey = dsn.username;
  projectId = Number(dsn.pathname.slice(1));
  adminId = (await api('GET', '/api/0/')).body.user.id;

  const org = (await getOrganizationBySlug(vigil.metadata, 'vigil'))!;
  const created = await createUser(vigil.metadata, { email: 'alice@example.com', name: 'Alice' });
  if (!created.ok) throw new Error('setup');
  alice = created.value;
  const member = await addOrganizationMember(vigil.metadata, org.id, { userId: alice.id, role: 'member' });
  const team = await createTeam(vigil.metadata, org.id, 'backend');
  if (!member.ok || !team.ok) throw new Error('setup');
  backend = team.value;
  await addTeamMember(vigil.metadata, backend.id, member.value.id);
  aliceToken = (await createUserApiToken(vigil.metadata, alice.id, 'alice', ['event:read', 'event:write']))
    .token;
}, 60_000);

afterAll(async () => {
  await server?.close();
});

async function api(
  method: string,
  urlPath: string,
  body?: unknown,
  token = admin,
): Promise<{ status: number; body: Body }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${urlPath}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

/** Sends one error event grouped by `fingerprint` and waits until it is stored; returns its id. */
async function send(fingerprint: string, extra: Record<string, unknown> = {}): Promise<string> {
  const eventId = randomUUID().replace(/-/g, '');
  const payload = JSON.stringify({
    event_id: eventId,
    message: `boom ${fingerprint}`,
    level: 'error',
    fingerprint: [fingerprint],
    timestamp: Date.now() / 1000,
    ...extra,
  });
  const envelope = `{"event_id":"${eventId}"}\n${JSON.stringify({ type: 'event', length: Buffer.byteLength(payload) })}\n${payload}\n`;
  const res = await fetch(`${base}/api/${projectId}/envelope/?sentry_key=${publicKey}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-sentry-envelope' },
    body: envelope,
  });
  expect(res.status).toBe(200);
  await res.text();
  await vigil.flush();
  return eventId;
}

/** The issue of `eventId`. */
async function issueOf(eventId: string): Promise<Body> {
  const event = await api('GET', `/api/0/projects/vigil/default/events/${eventId}/`);
  expect(event.status).toBe(200);
  return (await api('GET', `/api/0/issues/${event.body.groupID}/`)).body;
}

async function activityTypes(issueId: string): Promise<string[]> {
  const res = await api('GET', `/api/0/issues/${issueId}/activities/`);
  expect(res.status).toBe(200);
  return (res.body.activity as Body[]).map((a) => a.type);
}

async function eventCounts(): Promise<Map<number, number>> {
  const rows = await queryRows(
    vigil.clickhouse,
    'SELECT group_id, count() AS n FROM events GROUP BY group_id',
    {},
  );
  return new Map(rows.map((r) => [Number(r.group_id), Number(r.n)]));
}

/** Stores an event of issue `groupId` straight into ClickHouse, as a sink does after a delay. */
async function insertEvent(eventId: string, groupId: number): Promise<void> {
  const now = toDateTime64(new Date());
  await vigil.clickhouse.insertJsonLines('events', [
    JSON.stringify({
      project_id: projectId,
      timestamp: now,
      event_id: eventId,
      group_id: groupId,
      received: now,
      level: 'error',
      'tags.key': ['level'],
      'tags.value': ['error'],
      data: '{}',
    }),
  ]);
}

/**
 * How each reader counts the events of a merged issue `parent` and of `child`, merged into it: the
 * issue's details, the issue stream (its rows for the two and whether every hit is listed),
 * Discover's `count()` per issue, the issue's event list and a tag's total.
 */
async function mergedCounts(parent: string, child: string): Promise<Body> {
  const res = await fetch(`${base}/api/0/projects/vigil/default/issues/?query=&limit=100`, {
    headers: { authorization: `Bearer ${admin}` },
  });
  const page = (await res.json()) as Body[];
  const discover = await api(
    'GET',
    `/api/0/organizations/vigil/events/?dataset=errors&field=issue.id&field=count()&statsPeriod=24h&query=${encodeURIComponent(
      `issue.id:[${parent},${child}]`,
    )}`,
  );
  return {
    details: (await api('GET', `/api/0/issues/${parent}/`)).body.count,
    stream: page.filter((i) => i.id === parent || i.id === child).map((i) => [i.id, i.count]),
    everyHitListed: Number(res.headers.get('x-hits')) === page.length,
    discover: (discover.body.data as Body[]).map((r) => [String(r['issue.id']), r['count()']]),
    events: (await api('GET', `/api/0/issues/${parent}/events/`)).body.length,
    tagged: (await api('GET', `/api/0/issues/${parent}/tags/level/`)).body.totalValues,
  };
}

/** {@link mergedCounts} when each of `count` events is counted once, under `parent`. */
const countedOnce = (parent: string, count: number) => ({
  details: String(count),
  stream: [[parent, String(count)]],
  everyHitListed: true,
  discover: [[parent, count]],
  events: count,
  tagged: count,
});

describe('status changes', () => {
  it('resolves, unresolves and ignores one issue with Sentry’s answers and activity entries', async () => {
    const issue = await issueOf(await send('status-1'));
    expect(issue).toMatchObject({ status: 'unresolved', substatus: 'new', statusDetails: {} });

    const resolved = await api('PUT', `/api/0/issues/${issue.id}/`, { status: 'resolved' });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({
      id: issue.id,
      status: 'resolved',
      substatus: null,
      statusDetails: {},
    });
    expect(resolved.body.count).toBe('1');
    expect(resolved.body.isSubscribed).toBe(true);
    expect(resolved.body.subscriptionDetails).toEqual({ reason: 'changed_status' });

    const reopened = await api('PUT', `/api/0/organizations/vigil/issues/${issue.id}/`, {
      status: 'unresolved',
    });
    // Sentry: an issue unresolved by hand after being resolved is "regressed".
    expect(reopened.body).toMatchObject({ status: 'unresolved', substatus: 'regressed' });

    const ignored = await api('PUT', `/api/0/issues/${issue.id}/`, {
      status: 'ignored',
      statusDetails: { ignoreDuration: 30 },
    });
    expect(ignored.body).toMatchObject({
      status: 'ignored',
      substatus: 'archived_until_condition_met',
      statusDetails: { ignoreCount: null, ignoreUserCount: null, ignoreUserWindow: null, ignoreWindow: null },
    });
    const until = Date.parse(ignored.body.statusDetails.ignoreUntil);
    expect(until - Date.now()).toBeGreaterThan(29 * 60_000);
    expect(ignored.body.statusDetails.actor).toMatchObject({ id: adminId, username: 'admin' });

    const log = await api('GET', `/api/0/issues/${issue.id}/activities/`);
    expect(log.body.activity.map((a: Body) => a.type)).toEqual([
      'set_ignored',
      'set_unresolved',
      'set_resolved',
      'first_seen',
    ]);
    const [ignore] = log.body.activity;
    expect(ignore).toMatchObject({
      id: expect.stringMatching(/^\d+$/),
      user: { id: adminId, username: 'admin', email: 'admin@localhost' },
      data: { ignoreDuration: 30, ignoreCount: null, ignoreUntilEscalating: null },
      dateCreated: expect.any(String),
    });
    expect(log.body.activity.at(-1)).toMatchObject({ type: 'first_seen', user: null, data: {} });

    const forever = await api('PUT', `/api/0/issues/${issue.id}/`, { status: 'ignored' });
    expect(forever.body).toMatchObject({
      status: 'ignored',
      substatus: 'archived_forever',
      statusDetails: {},
    });
  });

  it('answers DRF errors for bad fields and unknown releases, and refuses discard', async () => {
    const issue = await issueOf(await send('status-2'));
    expect(await api('PUT', `/api/0/issues/${issue.id}/`, { status: 'closed' })).toEqual({
      status: 400,
      body: { status: ['"closed" is not a valid choice.'] },
    });
    expect(
      await api('PUT', `/api/0/issues/${issue.id}/`, {
        status: 'ignored',
        statusDetails: { ignoreWindow: 20_000 },
      }),
    ).toEqual({
      status: 400,
      body: { statusDetails: { ignoreWindow: ['Ensure this value is less than or equal to 10080.'] } },
    });
    expect(
      await api('PUT', `/api/0/issues/${issue.id}/`, {
        status: 'resolved',
        statusDetails: { inRelease: 'nope' },
      }),
    ).toEqual({
      status: 400,
      body: { statusDetails: { inRelease: ['Unable to find a release with the given version.'] } },
    });
    expect(await api('PUT', `/api/0/issues/${issue.id}/`, { discard: true })).toEqual({
      status: 400,
      body: { detail: ['You do not have that feature enabled'] },
    });
    expect((await api('GET', `/api/0/issues/${issue.id}/`)).body.status).toBe('unresolved');
  });
});

describe('assignment, bookmarks, seen marks and subscriptions', () => {
  it('assigns to a user and a team, unassigns, and shows each as activity', async () => {
    const issue = await issueOf(await send('assign-1'));
    const toAlice = await api('PUT', `/api/0/issues/${issue.id}/`, { assignedTo: 'alice@example.com' });
    expect(toAlice.body.assignedTo).toEqual({
      type: 'user',
      id: String(alice.id),
      name: 'Alice',
      email: 'alice@example.com',
    });
    // Alice is now subscribed as the assignee.
    const asAlice = await api('GET', `/api/0/issues/${issue.id}/`, undefined, aliceToken);
    expect(asAlice.body).toMatchObject({ isSubscribed: true, subscriptionDetails: { reason: 'assigned' } });

    const toTeam = await api('PUT', `/api/0/issues/${issue.id}/`, { assignedTo: `team:${backend.id}` });
    expect(toTeam.body.assignedTo).toEqual({ type: 'team', id: String(backend.id), name: 'backend' });
    const unassigned = await api('PUT', `/api/0/issues/${issue.id}/`, { assignedTo: '' });
    expect(unassigned.body.assignedTo).toBeNull();

    const log = (await api('GET', `/api/0/issues/${issue.id}/activities/`)).body.activity;
    expect(log.map((a: Body) => [a.type, a.data])).toEqual([
      ['unassigned', {}],
      ['assigned', { assignee: String(backend.id), assigneeEmail: null, assigneeType: 'team' }],
      ['assigned', { assignee: String(alice.id), assigneeEmail: 'alice@example.com', assigneeType: 'user' }],
      ['first_seen', {}],
    ]);
    expect(await api('PUT', `/api/0/issues/${issue.id}/`, { assignedTo: 'nobody@example.com' })).toEqual({
      status: 400,
      body: {
        assignedTo: ['Could not parse actor. Format should be `type:id` where type is `team` or `user`.'],
      },
    });
    expect((await api('PUT', `/api/0/issues/${issue.id}/`, { assignedTo: 'user:999999' })).body).toEqual({
      assignedTo: ['User does not exist'],
    });
  });

  it('keeps bookmarks, seen marks and subscriptions per user', async () => {
    const issue = await issueOf(await send('bookmark-1'));
    const bookmarked = await api('PUT', `/api/0/issues/${issue.id}/`, { isBookmarked: true }, aliceToken);
    expect(bookmarked.body).toMatchObject({
      isBookmarked: true,
      isSubscribed: true,
      subscriptionDetails: { reason: 'bookmarked' },
    });
    // The admin has neither bookmarked nor subscribed; the admin's own visit marks it seen.
    const seenByAdmin = await api('GET', `/api/0/issues/${issue.id}/`);
    expect(seenByAdmin.body).toMatchObject({ isBookmarked: false, isSubscribed: false, hasSeen: true });
    expect(seenByAdmin.body.seenBy.map((u: Body) => u.id)).toContain(adminId);
    expect(seenByAdmin.body.participants.map((u: Body) => u.id)).toEqual([String(alice.id)]);

    const unseen = await api('PUT', `/api/0/issues/${issue.id}/`, { hasSeen: false }, aliceToken);
    expect(unseen.body.hasSeen).toBe(false);
    const unsubscribed = await api('PUT', `/api/0/issues/${issue.id}/`, { isSubscribed: false }, aliceToken);
    expect(unsubscribed.body).toMatchObject({
      isSubscribed: false,
      subscriptionDetails: null,
      isBookmarked: true,
    });
    const unbookmarked = await api('PUT', `/api/0/issues/${issue.id}/`, { isBookmarked: false }, aliceToken);
    expect(unbookmarked.body.isBookmarked).toBe(false);
  });

  it('marks issues reviewed, which takes new ones to ongoing', async () => {
    const issue = await issueOf(await send('inbox-1'));
    const reviewed = await api('PUT', `/api/0/organizations/vigil/issues/?id=${issue.id}`, { inbox: false });
    expect(reviewed).toEqual({ status: 200, body: { inbox: false } });
    expect((await api('GET', `/api/0/issues/${issue.id}/`)).body.substatus).toBe('ongoing');
    expect(await activityTypes(issue.id)).toEqual(['auto_set_ongoing', 'mark_reviewed', 'first_seen']);
  });
});

describe('bulk updates and deletes', () => {
  it('updates the issues of ?id= and answers the applied fields', async () => {
    const a = await issueOf(await send('bulk-a'));
    const b = await issueOf(await send('bulk-b'));
    const res = await api('PUT', `/api/0/organizations/vigil/issues/?id=${a.id}&id=${b.id}`, {
      status: 'ignored',
      statusDetails: { ignoreCount: 100, ignoreWindow: 60 },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: 'ignored',
      statusDetails: {
        ignoreCount: 100,
        ignoreUntil: null,
        ignoreUserCount: null,
        ignoreUserWindow: null,
        ignoreWindow: 60,
        actor: expect.objectContaining({ id: adminId }),
      },
      inbox: null,
    });
    for (const id of [a.id, b.id]) {
      const issue = (await api('GET', `/api/0/issues/${id}/`)).body;
      expect(issue).toMatchObject({ status: 'ignored', substatus: 'archived_until_condition_met' });
      expect(issue.statusDetails).toMatchObject({ ignoreCount: 100, ignoreWindow: 60 });
      expect(await activityTypes(id)).toEqual(['set_ignored', 'first_seen']);
    }
    const project = await api('PUT', `/api/0/projects/vigil/default/issues/?id=${a.id}`, {
      status: 'unresolved',
    });
    expect(project.body).toEqual({ status: 'unresolved', statusDetails: {} });
    // Sentry: one issue unignored within seven days of its first event is "new" again.
    expect((await api('GET', `/api/0/issues/${a.id}/`)).body.substatus).toBe('new');
    const both = await api('PUT', `/api/0/organizations/vigil/issues/?id=${a.id}&id=${b.id}`, {
      status: 'unresolved',
    });
    expect(both.body).toEqual({ status: 'unresolved', statusDetails: {} });
    expect((await api('GET', `/api/0/issues/${b.id}/`)).body.substatus).toBe('ongoing');
    expect(
      (await api('PUT', '/api/0/organizations/vigil/issues/?id=999999', { status: 'resolved' })).status,
    ).toBe(204);
  });

  it('deletes one issue (202) and several (204): gone from the API, events gone from ClickHouse', async () => {
    const one = await issueOf(await send('delete-1'));
    const two = await issueOf(await send('delete-2'));
    const three = await issueOf(await send('delete-3'));
    expect((await api('DELETE', `/api/0/issues/${one.id}/`)).status).toBe(202);
    expect(
      (await api('DELETE', `/api/0/organizations/vigil/issues/?id=${two.id}&id=${three.id}`)).status,
    ).toBe(204);
    for (const id of [one.id, two.id, three.id]) {
      expect((await api('GET', `/api/0/issues/${id}/`)).status).toBe(404);
    }
    const counts = await eventCounts();
    expect([one.id, two.id, three.id].map((id) => counts.get(Number(id)) ?? 0)).toEqual([0, 0, 0]);
    const list = (await api('GET', '/api/0/projects/vigil/default/issues/?query=')).body as Body[];
    expect(list.map((i) => i.id)).not.toContain(one.id);
    // A new event of a deleted issue's fingerprint starts a new issue.
    const again = await issueOf(await send('delete-1'));
    expect(again.id).not.toBe(one.id);
    expect(again.count).toBe('1');
  });
});

describe('merge', () => {
  it('merges into the issue with the most events; later events of the merged hash land there', async () => {
    const small = await issueOf(await send('merge-small'));
    await send('merge-big');
    const big = await issueOf(await send('merge-big'));
    const res = await api('PUT', `/api/0/organizations/vigil/issues/?id=${small.id}&id=${big.id}`, {
      merge: true,
    });
    expect(res).toEqual({ status: 200, body: { merge: { parent: big.id, children: [small.id] } } });

    const merged = (await api('GET', `/api/0/issues/${big.id}/`)).body;
    expect(merged.count).toBe('3');
    expect(merged.activity.map((a: Body) => a.type)).toContain('merge');
    expect(merged.activity.find((a: Body) => a.type === 'merge').data).toEqual({
      issues: [{ id: Number(small.id) }],
    });
    // The merged-away id answers as the primary (Sentry's GroupRedirect).
    expect((await api('GET', `/api/0/issues/${small.id}/`)).body.id).toBe(big.id);
    expect((await eventCounts()).get(Number(small.id))).toBeUndefined();

    const later = await send('merge-small');
    const event = await api('GET', `/api/0/projects/vigil/default/events/${later}/`);
    expect(event.body.groupID).toBe(big.id);
    expect((await api('GET', `/api/0/issues/${big.id}/`)).body.count).toBe('4');
    expect((await api('GET', `/api/0/issues/${big.id}/events/`)).body).toHaveLength(4);
  });

  it('serves the events and tags of a merged-away id as the primary’s (Sentry’s GroupEndpoint)', async () => {
    const first = await send('redirect-small', { tags: { shade: 'teal' } });
    const small = await issueOf(first);
    await send('redirect-big', { tags: { shade: 'plum' } });
    const newest = await send('redirect-big', { tags: { shade: 'plum' } });
    const big = await issueOf(newest);
    await api('PUT', `/api/0/organizations/vigil/issues/?id=${small.id}&id=${big.id}`, { merge: true });

    const events = await api('GET', `/api/0/issues/${small.id}/events/`);
    expect(events.status).toBe(200);
    expect(events.body.map((e: Body) => e.groupID)).toEqual([big.id, big.id, big.id]);
    for (const which of ['latest', 'recommended']) {
      const res = await api('GET', `/api/0/issues/${small.id}/events/${which}/`);
      expect(res).toMatchObject({ status: 200, body: { eventID: newest, groupID: big.id } });
    }
    expect(await api('GET', `/api/0/issues/${small.id}/events/oldest/`)).toMatchObject({
      status: 200,
      body: { eventID: first, groupID: big.id },
    });
    expect(await api('GET', `/api/0/issues/${small.id}/events/${first}/`)).toMatchObject({
      status: 200,
      body: { eventID: first, groupID: big.id },
    });
    for (const prefix of [`/api/0/issues/${small.id}/`, `/api/0/organizations/vigil/issues/${small.id}/`]) {
      const tags = await api('GET', `${prefix}tags/`);
      expect(tags.status).toBe(200);
      expect(tags.body.find((t: Body) => t.key === 'shade')).toMatchObject({ totalValues: 3 });
      const key = await api('GET', `${prefix}tags/shade/`);
      expect(key).toMatchObject({ status: 200, body: { key: 'shade', uniqueValues: 2, totalValues: 3 } });
      const values = await api('GET', `${prefix}tags/shade/values/?sort=count`);
      expect(values.status).toBe(200);
      expect(values.body.map((v: Body) => [v.value, v.count])).toEqual([
        ['plum', 2],
        ['teal', 1],
      ]);
    }
    // An id that never existed is still a 404.
    expect((await api('GET', `/api/0/issues/987654321/events/`)).status).toBe(404);
    expect((await api('GET', `/api/0/issues/987654321/tags/`)).status).toBe(404);
  });

  it('counts every moved event once, under the primary, as soon as the merge call returns', async () => {
    const child = await issueOf(await send('once-child', { user: { id: 'c1' } }));
    await send('once-child', { user: { id: 'c2' }, environment: 'staging' });
    await send('once-parent');
    await send('once-parent');
    const parent = await issueOf(await send('once-parent'));
    expect(await mergedCounts(parent.id, child.id)).toMatchObject({
      stream: expect.arrayContaining([[child.id, '2']]),
      discover: expect.arrayContaining([[child.id, 2]]),
    });
    await api('PUT', `/api/0/organizations/vigil/issues/?id=${child.id}&id=${parent.id}`, { merge: true });
    expect(await mergedCounts(parent.id, child.id)).toEqual(countedOnce(parent.id, 5));
    expect((await api('GET', `/api/0/issues/${parent.id}/`)).body.userCount).toBe(2);
  });

  it('refuses to merge across projects', async () => {
    const other = await api('POST', '/api/0/teams/vigil/vigil/projects/', {
      name: 'Other',
      slug: 'other-merge',
    });
    expect(other.status).toBe(201);
    const keys = await api('GET', '/api/0/projects/vigil/other-merge/keys/');
    const otherKey = keys.body[0].public;
    const eventId = randomUUID().replace(/-/g, '');
    const payload = JSON.stringify({ event_id: eventId, message: 'elsewhere', fingerprint: ['x'] });
    await fetch(`${base}/api/${other.body.id}/envelope/?sentry_key=${otherKey}`, {
      method: 'POST',
      body: `{}\n${JSON.stringify({ type: 'event', length: Buffer.byteLength(payload) })}\n${payload}\n`,
    });
    await vigil.flush();
    const foreign = (await api('GET', `/api/0/projects/vigil/other-merge/events/${eventId}/`)).body.groupID;
    const local = (await issueOf(await send('merge-local'))).id;
    expect(
      await api('PUT', `/api/0/organizations/vigil/issues/?id=${foreign}&id=${local}`, { merge: true }),
    ).toEqual({
      status: 400,
      body: { detail: 'Merging across multiple projects is not supported' },
    });
  });
});

describe('ingestion', () => {
  it('regresses a resolved issue on its next event, with a set_regression entry', async () => {
    const issue = await issueOf(await send('regress-1'));
    await api('PUT', `/api/0/issues/${issue.id}/`, { status: 'resolved' });
    // Sentry skips events within 5 s of the last activation; this one is 10 s later.
    const eventId = await send('regress-1', { timestamp: Date.now() / 1000 + 10 });
    const after = (await api('GET', `/api/0/issues/${issue.id}/`)).body;
    expect(after).toMatchObject({ status: 'unresolved', substatus: 'regressed' });
    expect(after.activity[0]).toMatchObject({
      type: 'set_regression',
      user: null,
      data: { event_id: eventId, version: '' },
    });
  });

  it('does not undo "resolved in the next release" with events of the current or older releases', async () => {
    const release = async (version: string, dateReleased: string) =>
      expect(
        (
          await api('POST', '/api/0/organizations/vigil/releases/', {
            version,
            projects: ['default'],
            dateReleased,
          })
        ).status,
      ).toBe(201);
    await release('0.9', '2024-01-01T00:00:00Z');
    await release('1.0', '2024-06-01T00:00:00Z');
    const issue = await issueOf(await send('next-release', { release: '1.0' }));
    const resolved = await api('PUT', `/api/0/issues/${issue.id}/`, { status: 'resolvedInNextRelease' });
    expect(resolved.body).toMatchObject({
      status: 'resolved',
      statusDetails: { inNextRelease: true, actor: expect.objectContaining({ id: adminId }) },
    });

    await send('next-release', { release: '1.0', timestamp: Date.now() / 1000 + 10 });
    await send('next-release', { release: '0.9', timestamp: Date.now() / 1000 + 10 });
    expect((await api('GET', `/api/0/issues/${issue.id}/`)).body.status).toBe('resolved');

    // The next release, once created, is the one the issue is resolved in (Sentry's
    // clear_expired_resolutions); its events regress it.
    await release('2.0', new Date().toISOString());
    expect((await api('GET', `/api/0/issues/${issue.id}/`)).body.statusDetails).toMatchObject({
      inRelease: '2.0',
    });
    const eventId = await send('next-release', { release: '2.0', timestamp: Date.now() / 1000 + 10 });
    const after = (await api('GET', `/api/0/issues/${issue.id}/`)).body;
    expect(after).toMatchObject({ status: 'unresolved', substatus: 'regressed', statusDetails: {} });
    const log = (await api('GET', `/api/0/issues/${issue.id}/activities/`)).body.activity;
    expect(log[0]).toMatchObject({
      type: 'set_regression',
      data: { event_id: eventId, version: '2.0', resolved_in_version: '2.0', follows_semver: false },
    });
    expect(log.find((a: Body) => a.type === 'set_resolved_in_release').data).toEqual({ version: '2.0' });
  });

  it('resolves in a named release: events of that release regress, older ones do not', async () => {
    const issue = await issueOf(await send('in-release', { release: '0.9' }));
    const res = await api('PUT', `/api/0/issues/${issue.id}/`, {
      status: 'resolved',
      statusDetails: { inRelease: '1.0' },
    });
    expect(res.body).toMatchObject({ status: 'resolved', statusDetails: { inRelease: '1.0' } });
    expect(res.body.statusDetails.actor).toMatchObject({ id: adminId });
    await send('in-release', { release: '0.9', timestamp: Date.now() / 1000 + 10 });
    expect((await api('GET', `/api/0/issues/${issue.id}/`)).body.status).toBe('resolved');
    await send('in-release', { release: '1.0', timestamp: Date.now() / 1000 + 10 });
    expect((await api('GET', `/api/0/issues/${issue.id}/`)).body.substatus).toBe('regressed');
  });

  it('brings an issue ignored until 2 more events back as escalating on the second', async () => {
    const issue = await issueOf(await send('snooze-count'));
    const ignored = await api('PUT', `/api/0/issues/${issue.id}/`, {
      status: 'ignored',
      statusDetails: { ignoreCount: 2 },
    });
    expect(ignored.body.statusDetails).toMatchObject({ ignoreCount: 2 });
    await send('snooze-count');
    const once = (await api('GET', `/api/0/issues/${issue.id}/`)).body;
    expect(once).toMatchObject({ status: 'ignored', statusDetails: { ignoreCount: 1 } });
    const eventId = await send('snooze-count');
    const back = (await api('GET', `/api/0/issues/${issue.id}/`)).body;
    expect(back).toMatchObject({ status: 'unresolved', substatus: 'escalating', statusDetails: {} });
    expect(back.activity[0]).toMatchObject({
      type: 'set_escalating',
      user: null,
      data: {
        event_id: eventId,
        expired_snooze: { until: null, count: 2, window: null, user_count: null, user_window: null },
      },
    });
  });
});

describe('the maintenance job', () => {
  const maintenance = () =>
    new IssueMaintenance({ metadata: vigil.metadata, clickhouse: vigil.clickhouse, logger: vigil.logger });

  it('moves events of a merged-away issue that arrive after the merge', async () => {
    const child = await issueOf(await send('late-child'));
    await send('late-parent');
    const parent = await issueOf(await send('late-parent'));
    await api('PUT', `/api/0/organizations/vigil/issues/?id=${child.id}&id=${parent.id}`, { merge: true });
    // An event resolved to the child before the merge, reaching ClickHouse only now.
    await insertEvent(randomUUID(), Number(child.id));
    expect((await eventCounts()).get(Number(child.id))).toBe(1);
    expect(await maintenance().runOnce()).toEqual({ swept: 1, unsnoozed: 0, forecasts: 0 });
    expect((await eventCounts()).get(Number(child.id))).toBeUndefined();
    expect((await api('GET', `/api/0/issues/${parent.id}/`)).body.count).toBe('4');
    expect(await maintenance().runOnce()).toEqual({ swept: 0, unsnoozed: 0, forecasts: 0 });
  });

  it('counts every event once while a merge’s move is half done, and completes it', async () => {
    const child = await issueOf(await send('half-child'));
    await send('half-child');
    await send('half-parent');
    await send('half-parent');
    const parent = await issueOf(await send('half-parent'));
    // ClickHouse stops after the copy, before the originals are deleted (a crash or an outage
    // between the two statements).
    const client = vigil.clickhouse.client;
    const halting = new Proxy(client, {
      get(target, prop) {
        if (prop === 'command') {
          return (params: Parameters<typeof client.command>[0]) =>
            /^\s*DELETE/.test(params.query) ? Promise.reject(new Error('stopped')) : target.command(params);
        }
        const value: unknown = Reflect.get(target, prop);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const org = (await getOrganizationBySlug(vigil.metadata, 'vigil'))!;
    const groups = await getGroups(vigil.metadata, [Number(child.id), Number(parent.id)]);
    const merged = await mergeIssues({ metadata: vigil.metadata, clickhouse: { client: halting } }, groups, {
      organizationId: org.id,
      projectSlug: 'default',
      actorId: null,
    });
    expect(merged).toEqual({ parent: Number(parent.id), children: [Number(child.id)] });
    expect((await eventCounts()).get(Number(child.id))).toBe(2);
    expect(await mergedCounts(parent.id, child.id)).toEqual(countedOnce(parent.id, 5));

    expect(await maintenance().runOnce()).toMatchObject({ swept: 1 });
    expect((await eventCounts()).get(Number(child.id))).toBeUndefined();
    expect(await mergedCounts(parent.id, child.id)).toEqual(countedOnce(parent.id, 5));
  });

  it('keeps an event stored between a move’s copy and its delete for the next sweep', async () => {
    const child = await issueOf(await send('race-child'));
    await send('race-parent');
    const parent = await issueOf(await send('race-parent'));
    const late = randomUUID();
    const client = vigil.clickhouse.client;
    // The child's event that was in a sink's buffer reaches ClickHouse right after the copy.
    const racing = new Proxy(client, {
      get(target, prop) {
        if (prop === 'command') {
          return async (params: Parameters<typeof client.command>[0]) => {
            if (/^\s*DELETE FROM events/.test(params.query)) await insertEvent(late, Number(child.id));
            return target.command(params);
          };
        }
        const value: unknown = Reflect.get(target, prop);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const org = (await getOrganizationBySlug(vigil.metadata, 'vigil'))!;
    const groups = await getGroups(vigil.metadata, [Number(child.id), Number(parent.id)]);
    await mergeIssues({ metadata: vigil.metadata, clickhouse: { client: racing } }, groups, {
      organizationId: org.id,
      projectSlug: 'default',
      actorId: null,
    });
    expect((await eventCounts()).get(Number(child.id))).toBe(1);
    expect(await mergedCounts(parent.id, child.id)).toEqual(countedOnce(parent.id, 3));
    expect(await maintenance().runOnce()).toMatchObject({ swept: 1 });
    expect(await mergedCounts(parent.id, child.id)).toEqual(countedOnce(parent.id, 4));
  });

  it('ends snoozes on distinct users and on passed dates', async () => {
    const byUsers = await issueOf(await send('snooze-users', { user: { id: 'u0' } }));
    const ignored = await api('PUT', `/api/0/issues/${byUsers.id}/`, {
      status: 'ignored',
      statusDetails: { ignoreUserCount: 2 },
    });
    expect(ignored.body.statusDetails).toMatchObject({ ignoreUserCount: 2 });
    await send('snooze-users', { user: { id: 'u1' } });
    await send('snooze-users', { user: { id: 'u1' } });
    expect((await api('GET', `/api/0/issues/${byUsers.id}/`)).body.statusDetails).toMatchObject({
      ignoreUserCount: 1,
    });
    expect(await maintenance().runOnce()).toMatchObject({ unsnoozed: 0 });
    await send('snooze-users', { user: { id: 'u2' } });
    expect(await maintenance().runOnce()).toMatchObject({ unsnoozed: 1 });
    expect((await api('GET', `/api/0/issues/${byUsers.id}/`)).body).toMatchObject({
      status: 'unresolved',
      substatus: 'escalating',
    });

    const dated = await issueOf(await send('snooze-date'));
    await api('PUT', `/api/0/issues/${dated.id}/`, {
      status: 'ignored',
      statusDetails: { ignoreDuration: 60 },
    });
    // An hour later (the store's rows moved back instead of the clock forward).
    await vigil.metadata.db
      .updateTable('group_snoozes')
      .set({ ignore_until: new Date(Date.now() - 1000).toISOString() })
      .where('group_id', '=', Number(dated.id))
      .execute();
    // Until the job runs, the issue already shows as unresolved (Sentry's serializer does the same).
    expect((await api('GET', `/api/0/issues/${dated.id}/`)).body).toMatchObject({
      status: 'unresolved',
      statusDetails: {},
    });
    expect(await maintenance().runOnce()).toMatchObject({ unsnoozed: 1 });
    const after = (await api('GET', `/api/0/issues/${dated.id}/`)).body;
    expect(after).toMatchObject({ status: 'unresolved', substatus: 'escalating' });
    expect(after.activity[0].type).toBe('set_escalating');
  });
});

describe('the issue stream with the workflow', () => {
  /** An issue list answer with its hit count (`X-Hits`). */
  async function list(
    urlPath: string,
    token = admin,
  ): Promise<{ ids: string[]; hits: number; body: Body[] }> {
    const res = await fetch(`${base}${urlPath}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Body[];
    return { ids: body.map((i) => i.id).sort(), hits: Number(res.headers.get('x-hits')), body };
  }

  it('answers assigned:me, assigned:my_teams and bookmarks:me for the token’s user, in lists and bulk updates', async () => {
    const mine = await issueOf(await send('stream-mine'));
    const team = await issueOf(await send('stream-team'));
    const marked = await issueOf(await send('stream-marked'));
    await api('PUT', `/api/0/issues/${mine.id}/`, { assignedTo: `user:${alice.id}` });
    await api('PUT', `/api/0/issues/${team.id}/`, { assignedTo: `team:${backend.id}` });
    await api('PUT', `/api/0/issues/${marked.id}/`, { isBookmarked: true }, aliceToken);

    for (const prefix of ['/api/0/organizations/vigil/issues/', '/api/0/projects/vigil/default/issues/']) {
      const assigned = await list(`${prefix}?query=${encodeURIComponent('assigned:me')}`, aliceToken);
      expect(assigned.ids).toEqual([mine.id]);
      expect(assigned.hits).toBe(1);
      expect(assigned.body[0].assignedTo).toMatchObject({ type: 'user', id: String(alice.id) });
      const teams = await list(`${prefix}?query=${encodeURIComponent('assigned:my_teams')}`, aliceToken);
      expect(teams.ids).toEqual([team.id]);
      const bookmarked = await list(`${prefix}?query=${encodeURIComponent('bookmarks:me')}`, aliceToken);
      expect(bookmarked.ids).toEqual([marked.id]);
      expect(bookmarked.body[0]).toMatchObject({ isBookmarked: true, isSubscribed: true });
      // `me` is whoever asks: the admin has nothing assigned or bookmarked.
      expect((await list(`${prefix}?query=${encodeURIComponent('assigned:me')}`)).ids).toEqual([]);
      expect((await list(`${prefix}?query=${encodeURIComponent('bookmarks:me')}`)).ids).toEqual([]);
      const others = await list(
        `${prefix}?query=${encodeURIComponent('!assigned:me is:unresolved')}`,
        aliceToken,
      );
      expect(others.ids).toContain(team.id);
      expect(others.ids).not.toContain(mine.id);
    }

    // A bulk update by query resolves `me` as the token's user too.
    const bulk = await api(
      'PUT',
      `/api/0/organizations/vigil/issues/?query=${encodeURIComponent('bookmarks:me')}`,
      { status: 'resolved' },
      aliceToken,
    );
    expect(bulk.body).toMatchObject({ status: 'resolved' });
    expect((await api('GET', `/api/0/issues/${marked.id}/`)).body.status).toBe('resolved');
    expect((await api('GET', `/api/0/issues/${mine.id}/`)).body.status).toBe('unresolved');
  });

  it('lists a merged issue once, with the events of both, and neither a merged-away nor a deleted one', async () => {
    const child = await issueOf(await send('stream-merge-child'));
    await send('stream-merge-parent');
    const parent = await issueOf(await send('stream-merge-parent'));
    const gone = await issueOf(await send('stream-deleted'));
    await api('PUT', `/api/0/organizations/vigil/issues/?id=${child.id}&id=${parent.id}`, { merge: true });
    expect((await api('DELETE', `/api/0/issues/${gone.id}/`)).status).toBe(202);

    // `date` and `new` read the lifetime aggregates (group_stats), `freq` the window's events.
    for (const sort of ['date', 'new', 'freq']) {
      for (const prefix of ['/api/0/organizations/vigil/issues/', '/api/0/projects/vigil/default/issues/']) {
        const page = await list(`${prefix}?query=is:unresolved&limit=100&sort=${sort}`);
        expect(page.ids).toContain(parent.id);
        expect(page.ids).not.toContain(child.id);
        expect(page.ids).not.toContain(gone.id);
        // Every hit is on the page: nothing counted that the page cannot show.
        expect(page.hits).toBe(page.body.length);
        const shown = page.body.find((i) => i.id === parent.id);
        expect(shown.count).toBe('3');
        if (shown.lifetime !== undefined) expect(shown.lifetime.count).toBe('3');
      }
    }
    const lifetime = await queryRows(
      vigil.clickhouse,
      'SELECT group_id, sum(times_seen) AS n FROM group_stats WHERE group_id IN {ids:Array(UInt64)} GROUP BY group_id',
      { ids: [Number(child.id), Number(parent.id), Number(gone.id)] },
    );
    expect(new Map(lifetime.map((r) => [String(r.group_id), Number(r.n)]))).toEqual(
      new Map([[parent.id, 3]]),
    );
  });
});
