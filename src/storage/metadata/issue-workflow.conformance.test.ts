// Conformance of the issue-workflow tables (migration 7) on SQLite and Postgres: assignees,
// bookmarks, seen marks and subscriptions, the inbox, status changes with release resolutions
// and snoozes, merges (hashes, history and redirects move to the primary) and deletions, and
// ingestion's side — snoozes ended by a date (with the store's injected clock) or by event counts,
// and regressions that a release resolution prevents.
import { createHash } from 'node:crypto';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  addBookmarks,
  addOrganizationMember,
  addTeamMember,
  assignGroups,
  changeGroupStatus,
  createOrganization,
  createProject,
  createRelease,
  createTeam,
  createUser,
  deleteGroups,
  endSnoozes,
  getAssignees,
  getForecasts,
  getGroup,
  getGroupRedirect,
  getInboxEntries,
  getResolutions,
  getSnoozes,
  getUserGroupStates,
  listActivities,
  deleteExpiredForecasts,
  listActivityLog,
  listEventCleanups,
  listStaleForecasts,
  refreshForecasts,
  setForecasts,
  listSnoozesToCheck,
  markGroupsReviewed,
  markSeen,
  mergeGroups,
  removeBookmarks,
  resolveGroups,
  setSubscribed,
  unassignGroups,
  type FirstSeenReader,
  type GroupInit,
  type HourlyEventCounter,
  type MetadataStore,
  type NewResolution,
  type Organization,
  type Project,
  type ResolveGroupsItem,
  type User,
} from './index.js';
import { postgresBackend, sqliteBackend, unwrap, type Fixture } from './test-backends.js';

const h = (label: string): string => createHash('md5').update(label).digest('hex');

function item(projectId: number, label: string, overrides: Partial<GroupInit> = {}): ResolveGroupsItem {
  return {
    projectId,
    hashes: [h(label)],
    init: {
      type: 'error',
      title: 'Error',
      culprit: '',
      level: 'error',
      metadata: {},
      timestamp: new Date('2025-03-01T11:59:00.000Z'),
      ...overrides,
    },
  };
}

describe.each([
  ['sqlite', sqliteBackend],
  ['postgres', postgresBackend],
] as const)('issue workflow on %s', (_dialect, backend) => {
  let fx: Fixture;
  let store: MetadataStore;
  let org: Organization;
  let project: Project;
  let ann: User;
  let bob: User;

  beforeAll(() => backend.prepare());
  beforeEach(async () => {
    fx = await backend.create();
    store = fx.store;
    org = unwrap(await createOrganization(store, 'acme'));
    project = unwrap(await createProject(store, org.id, 'api'));
    ann = unwrap(await createUser(store, { email: 'ann@example.com' }));
    bob = unwrap(await createUser(store, { email: 'bob@example.com' }));
  });
  afterEach(async () => {
    await fx.dispose();
  });

  async function group(label: string, overrides: Partial<GroupInit> = {}): Promise<number> {
    const [resolved] = await resolveGroups(store, [item(project.id, label, overrides)]);
    return resolved?.groupId ?? 0;
  }

  const ref = (id: number) => ({ id, project_id: project.id });

  /** Resolves issue `id` by ann with `resolution` and a `set_resolved_in_release` activity naming `version`. */
  const resolveWith = (id: number, resolution: Omit<NewResolution, 'groupId' | 'actorId'>, version: string) =>
    changeGroupStatus(store, {
      groupIds: [id],
      status: 'resolved',
      substatus: null,
      actorId: ann.id,
      activityType: 'set_resolved_in_release',
      activityData: { version },
      resolutions: new Map([[id, resolution]]),
    });

  it('assigns to a user, then a team, then nobody, with activities and assignee subscriptions', async () => {
    const id = await group('assign');
    const team = unwrap(await createTeam(store, org.id, 'backend'));
    const bobMember = unwrap(await addOrganizationMember(store, org.id, { userId: bob.id, role: 'member' }));
    await addTeamMember(store, team.id, bobMember.id);

    expect(
      await assignGroups(store.db, [ref(id)], { type: 'user', id: ann.id }, ann.email, bob.id, store.now()),
    ).toEqual([id]);
    expect(
      await assignGroups(store.db, [ref(id)], { type: 'user', id: ann.id }, ann.email, bob.id, store.now()),
    ).toEqual([]);
    expect((await getUserGroupStates(store.db, [id], ann.id)).subscriptions.get(id)).toEqual({
      isActive: true,
      reason: 2,
    });

    await assignGroups(store.db, [ref(id)], { type: 'team', id: team.id }, null, null, store.now());
    expect((await getAssignees(store.db, [id])).get(id)).toEqual({ type: 'team', id: team.id });
    // Ann's assignment subscription went with her assignment; the team's member got one.
    expect((await getUserGroupStates(store.db, [id], ann.id)).subscriptions.has(id)).toBe(false);
    expect((await getUserGroupStates(store.db, [id], bob.id)).subscriptions.get(id)?.reason).toBe(2);

    expect(await unassignGroups(store.db, [ref(id)], ann.id, store.now())).toEqual([id]);
    expect(await unassignGroups(store.db, [ref(id)], ann.id, store.now())).toEqual([]);
    expect((await getAssignees(store.db, [id])).size).toBe(0);
    const log = await listActivities(store, id);
    expect(log.map((a) => [a.type, a.user_id, a.data])).toEqual([
      ['first_seen', null, {}],
      [
        'assigned',
        bob.id,
        { assignee: String(ann.id), assigneeEmail: 'ann@example.com', assigneeType: 'user' },
      ],
      ['assigned', null, { assignee: String(team.id), assigneeEmail: null, assigneeType: 'team' }],
      ['unassigned', ann.id, {}],
    ]);
  });

  it('keeps bookmarks, seen marks and subscriptions per user', async () => {
    const [a, b] = [await group('a'), await group('b')];
    await addBookmarks(store.db, [ref(a), ref(b)], ann.id, store.now());
    await addBookmarks(store.db, [ref(a)], ann.id, store.now());
    fx.clock.advance(1000);
    await markSeen(store.db, [ref(a)], ann.id, store.now());
    await setSubscribed(store.db, [ref(b)], ann.id, false, store.now());
    const states = await getUserGroupStates(store.db, [a, b], ann.id);
    expect([...states.bookmarked].sort()).toEqual([a, b].sort());
    expect(states.seen.get(a)).toBe('2025-03-01T12:00:01.000Z');
    expect(states.subscriptions.get(a)).toEqual({ isActive: true, reason: 3 });
    expect(states.subscriptions.get(b)).toEqual({ isActive: false, reason: 0 });
    expect((await getUserGroupStates(store.db, [a, b], bob.id)).bookmarked.size).toBe(0);
    await removeBookmarks(store.db, [a], ann.id);
    const after = await getUserGroupStates(store.db, [a, b], ann.id);
    expect([...after.bookmarked]).toEqual([b]);
    expect(after.subscriptions.has(a)).toBe(false);
  });

  it('keeps the inbox: new issues in, resolved out, regressions back in, reviewed out with activities', async () => {
    const [a, b] = [await group('in-a'), await group('in-b')];
    expect((await getInboxEntries(store.db, [a, b])).get(a)).toMatchObject({
      reason: 0,
      reasonDetails: null,
    });
    await changeGroupStatus(store, { groupIds: [a], status: 'resolved', substatus: null, actorId: ann.id });
    expect((await getInboxEntries(store.db, [a])).has(a)).toBe(false);
    await resolveGroups(store, [item(project.id, 'in-a', { timestamp: new Date('2025-03-01T12:10:00Z') })]);
    expect((await getInboxEntries(store.db, [a])).get(a)).toMatchObject({ reason: 2 });

    await markGroupsReviewed(store, [a, b], ann.id);
    expect((await getInboxEntries(store.db, [a, b])).size).toBe(0);
    expect((await getGroup(store, b))?.substatus).toBe('ongoing');
    expect((await listActivityLog(store, b)).map((x) => [x.type, x.data])).toEqual([
      ['auto_set_ongoing', { manually: true }],
      ['mark_reviewed', {}],
      ['first_seen', {}],
    ]);
  });

  it('records a release resolution once and a plain resolve only when asked', async () => {
    const id = await group('res');
    const release = (
      await createRelease(store, { organizationId: org.id, version: '1.0', projectIds: [project.id] })
    ).release;
    const resolution = {
      releaseId: release.id,
      type: 'in_release' as const,
      status: 'resolved' as const,
      currentReleaseVersion: null,
    };
    for (let i = 0; i < 2; i++) await resolveWith(id, resolution, '1.0');
    expect((await getResolutions(store.db, [id])).get(id)).toMatchObject({
      type: 'in_release',
      status: 'resolved',
      release: { id: release.id, version: '1.0' },
      actorId: ann.id,
    });
    await changeGroupStatus(store, { groupIds: [id], status: 'resolved', substatus: null, actorId: ann.id });
    await changeGroupStatus(store, {
      groupIds: [id],
      status: 'resolved',
      substatus: null,
      actorId: ann.id,
      recordRepeatedResolve: true,
    });
    expect((await listActivities(store, id)).map((a) => a.type)).toEqual([
      'first_seen',
      'set_resolved_in_release',
      'set_resolved',
    ]);
    // Unresolving drops the resolution.
    await changeGroupStatus(store, {
      groupIds: [id],
      status: 'unresolved',
      substatus: 'ongoing',
      actorId: null,
    });
    expect((await getResolutions(store.db, [id])).size).toBe(0);
  });

  it('does not regress an issue resolved in the next release on events of its current or older releases', async () => {
    const at = (iso: string) => ({ dateReleased: iso });
    for (const [version, date] of [
      ['app@0.9.0', '2024-01-01T00:00:00Z'],
      ['app@1.0.0', '2024-06-01T00:00:00Z'],
      ['app@2.0.0', '2024-09-01T00:00:00Z'],
    ] as const) {
      await createRelease(store, { organizationId: org.id, version, projectIds: [project.id], ...at(date) });
    }
    const id = await group('next', { release: 'app@1.0.0' });
    const r1 = (await createRelease(store, { organizationId: org.id, version: 'app@1.0.0', projectIds: [] }))
      .release;
    await resolveWith(
      id,
      { releaseId: r1.id, type: 'in_next_release', status: 'pending', currentReleaseVersion: 'app@1.0.0' },
      '',
    );
    const later = (release: string, minute: number) =>
      item(project.id, 'next', { release, timestamp: new Date(Date.UTC(2025, 2, 1, 13, minute)) });
    // The project follows semver: 1.0.0 and 0.9.0 are not newer than the current 1.0.0; no release: neither.
    const quiet = await resolveGroups(store, [later('app@1.0.0', 0), later('app@0.9.0', 1), later('', 2)]);
    expect(quiet.map((r) => r.regressed)).toEqual([false, false, false]);
    expect((await getGroup(store, id))?.status).toBe('resolved');
    // A newer version the store never heard of regresses it (Sentry would create it: the newest).
    const back = await resolveGroups(store, [later('app@0.9.0', 3), later('app@1.0.1', 4)]);
    expect(back.map((r) => r.regressed)).toEqual([false, true]);
    expect((await listActivityLog(store, id))[0]).toMatchObject({
      type: 'set_regression',
      data: { version: 'app@1.0.1', follows_semver: true, resolved_in_version: 'app@1.0.0' },
    });
    // Sentry names the release of the "next release" activity once the issue comes back in one.
    expect(
      (await listActivityLog(store, id)).find((a) => a.type === 'set_resolved_in_release')?.data,
    ).toEqual({
      version: 'app@1.0.1',
    });
    expect((await getResolutions(store.db, [id])).size).toBe(0);
  });

  it('turns "resolved in the next release" into "resolved in" the release created next for its project', async () => {
    const other = unwrap(await createProject(store, org.id, 'web'));
    const release = async (version: string, projectIds: number[]) =>
      (await createRelease(store, { organizationId: org.id, version, projectIds })).release;
    const current = await release('build-1', [project.id, other.id]);
    const here = await group('next-here');
    const [there] = await resolveGroups(store, [item(other.id, 'next-there')]);
    const thereId = there?.groupId ?? 0;
    for (const id of [here, thereId]) {
      await resolveWith(
        id,
        { releaseId: current.id, type: 'in_next_release', status: 'pending', currentReleaseVersion: null },
        '',
      );
    }
    // Creating the current release again links nothing new: nothing changes.
    await release('build-1', [project.id]);
    expect((await getResolutions(store.db, [here])).get(here)).toMatchObject({ status: 'pending' });

    const next = await release('build-2', [project.id]);
    expect((await getResolutions(store.db, [here])).get(here)).toMatchObject({
      type: 'in_release',
      status: 'resolved',
      release: { id: next.id, version: 'build-2' },
    });
    expect((await listActivityLog(store, here))[0]).toMatchObject({
      type: 'set_resolved_in_release',
      data: { version: 'build-2' },
    });
    // The other project has not seen a next release yet.
    expect((await getResolutions(store.db, [thereId])).get(thereId)).toMatchObject({
      type: 'in_next_release',
      status: 'pending',
      release: { id: current.id },
    });
    // Linking build-2 to it later makes it that project's next release too.
    await release('build-2', [other.id]);
    expect((await getResolutions(store.db, [thereId])).get(thereId)).toMatchObject({
      type: 'in_release',
      release: { id: next.id },
    });
    // A resolved-in-release issue stays with its release when yet another one comes.
    await release('build-3', [project.id, other.id]);
    expect((await getResolutions(store.db, [here, thereId])).get(here)?.release.id).toBe(next.id);
  });

  const DAY = 86_400_000;

  const archiveUntilEscalating = (ids: number[], forecasts: Map<number, number[]> = new Map()) =>
    changeGroupStatus(store, {
      groupIds: ids,
      status: 'ignored',
      substatus: 'archived_until_escalating',
      actorId: ann.id,
      forecasts,
    });

  /** A counter answering `stored` events of the hour for each issue, recording its calls. */
  function counterOf(stored: Map<number, number>) {
    const calls: Array<{ ids: number[]; since: string; until: string }> = [];
    const counter: HourlyEventCounter = async (groups, since, until) => {
      calls.push({
        ids: groups.map((g) => g.groupId),
        since: since.toISOString(),
        until: until.toISOString(),
      });
      return new Map(
        groups.flatMap((g) => (stored.has(g.groupId) ? [[g.groupId, stored.get(g.groupId) ?? 0]] : [])),
      );
    };
    return { counter, calls };
  }

  const minute = (label: string, m: number, eventId = 'c'.repeat(32)) =>
    item(project.id, label, { timestamp: new Date(fx.clock.now().getTime() + m * 60_000), eventId });

  it('escalates an issue archived until escalating once its events of the hour exceed the forecast', async () => {
    const [watched, unforecast, quiet] = [
      await group('escalate'),
      await group('escalate-default'),
      await group('escalate-quiet'),
    ];
    // A day later (issues first seen less than a day ago are not checked), at 12:30.
    fx.clock.advance(DAY + 30 * 60_000);
    await archiveUntilEscalating([watched, quiet], new Map([[watched, [3, 50]]]));
    await archiveUntilEscalating([unforecast]);
    expect([...(await getForecasts(store.db, [watched, unforecast, quiet])).keys()]).toEqual([watched]);

    // The event store already has `stored` events of this hour (12:00–12:30, the store's clock).
    const stored = new Map([
      [watched, 2],
      [unforecast, 10],
    ]);
    const { counter: hourlyEventCounts, calls } = counterOf(stored);
    const earlier = item(project.id, 'escalate', { timestamp: new Date('2025-03-02T11:59:00Z') });
    const ahead = minute('escalate', 1);

    // 2 stored + 1 of this hour = 3, not above 3: the 11:59 event is not of this hour, and one
    // stamped after now is not counted yet. Without the counter nothing is checked at all.
    await resolveGroups(store, [minute('escalate', 0), earlier, ahead, minute('other-issue', 0)], {
      hourlyEventCounts,
    });
    await resolveGroups(store, [minute('escalate', 0), minute('escalate', 0)]);
    expect(calls).toEqual([
      { ids: [watched], since: '2025-03-02T12:00:00.000Z', until: '2025-03-02T12:30:00.000Z' },
    ]);
    expect((await getGroup(store, watched))?.substatus).toBe('archived_until_escalating');

    stored.set(watched, 3);
    const missing: number[][] = [];
    const [escalated] = await resolveGroups(
      store,
      [minute('escalate', -1, 'd'.repeat(32)), minute('escalate-default', -1), minute('escalate-quiet', -1)],
      {
        hourlyEventCounts,
        forecastMissing: async (groups) => void missing.push(groups.map((g) => g.groupId)),
      },
    );
    expect(escalated?.groupId).toBe(watched);
    expect(calls[1]?.ids).toEqual([watched, unforecast, quiet]);
    expect(await getGroup(store, watched)).toMatchObject({ status: 'unresolved', substatus: 'escalating' });
    expect((await listActivityLog(store, watched))[0]).toMatchObject({
      type: 'set_escalating',
      data: { event_id: 'd'.repeat(32), forecast: 3 },
    });
    expect((await getInboxEntries(store.db, [watched])).get(watched)).toMatchObject({ reason: 5 });
    // Without a forecast the ceiling is 10: 10 stored + 1 escalates; an issue with no events
    // stored this hour does not. Both are asked to be forecast again once the batch is resolved.
    expect(await getGroup(store, unforecast)).toMatchObject({
      status: 'unresolved',
      substatus: 'escalating',
    });
    expect((await listActivityLog(store, unforecast))[0]?.data).toMatchObject({ forecast: 10 });
    expect((await getGroup(store, quiet))?.status).toBe('ignored');
    expect(missing).toEqual([[unforecast, quiet]]);

    // The forecast stays after escalating and any other status change (Sentry keeps it in its
    // nodestore for 14 days): archived again with no new forecast, the issue is checked against
    // it, the next day against its second ceiling.
    await changeGroupStatus(store, {
      groupIds: [watched],
      status: 'resolved',
      substatus: null,
      actorId: null,
    });
    await archiveUntilEscalating([watched]);
    expect((await getForecasts(store.db, [watched])).get(watched)?.forecast).toEqual([3, 50]);
    fx.clock.advance(DAY);
    stored.set(watched, 49);
    await resolveGroups(store, [minute('escalate', -1)], { hourlyEventCounts });
    expect((await getGroup(store, watched))?.status).toBe('ignored');
    stored.set(watched, 50);
    await resolveGroups(store, [minute('escalate', -1)], { hourlyEventCounts });
    expect((await listActivityLog(store, watched))[0]).toMatchObject({
      type: 'set_escalating',
      data: { forecast: 50 },
    });
  });

  it('does not check issues first seen less than a day ago (Sentry’s new-issue path)', async () => {
    const [young, dayOld, backdated] = [
      await group('young'),
      await group('day-old'),
      await group('backdated'),
    ];
    fx.clock.advance(DAY - 1);
    const now = fx.clock.now().getTime();
    // First seen from the event store: one a day ago to the millisecond; one whose first event
    // was stamped two days before it was received; the young one unknown (its creation counts).
    const firstSeen = new Map([
      [dayOld, new Date(now - DAY)],
      [backdated, new Date(now - 2 * DAY)],
    ]);
    const asked: number[][] = [];
    const firstSeenReader: FirstSeenReader = async (groups) => {
      asked.push(groups.map((g) => g.groupId));
      return firstSeen;
    };
    await archiveUntilEscalating([young, dayOld, backdated]);
    const { counter } = counterOf(new Map([young, dayOld, backdated].map((id) => [id, 30])));
    const missing: number[] = [];
    const options = {
      hourlyEventCounts: counter,
      firstSeen: firstSeenReader,
      forecastMissing: async (groups: readonly { groupId: number }[]) => {
        missing.push(...groups.map((g) => g.groupId));
      },
    };
    await resolveGroups(
      store,
      [minute('young', -1), minute('day-old', -1), minute('backdated', -1)],
      options,
    );
    expect(asked).toEqual([[young, dayOld, backdated]]);
    expect((await getGroup(store, young))?.status).toBe('ignored');
    expect((await getGroup(store, dayOld))?.substatus).toBe('escalating');
    expect((await getGroup(store, backdated))?.substatus).toBe('escalating');
    // An unchecked issue's missing forecast is not asked for.
    expect(missing).toEqual([dayOld, backdated]);

    // Without the reader, an issue is first seen when it was created: a day on, it is checked.
    await resolveGroups(store, [minute('young', -1)], { hourlyEventCounts: counter });
    expect((await getGroup(store, young))?.status).toBe('ignored');
    fx.clock.advance(1);
    await resolveGroups(store, [minute('young', -1)], { hourlyEventCounts: counter });
    expect((await getGroup(store, young))?.substatus).toBe('escalating');
  });

  it('uses the day’s ceiling of a forecast for 14 days, never escalates on a ceiling of 0', async () => {
    const [daily, expiring, zero] = [await group('daily'), await group('expiring'), await group('zero')];
    await archiveUntilEscalating([daily, expiring, zero]);
    const day = (n: number) => new Date(Date.parse('2025-03-01T00:00:00Z') + n * DAY);
    // Made at 23:00 on 1 March: the 14 days run out at 23:00 on the 15th, the 15th calendar day.
    await setForecasts(
      store.db,
      new Map([[daily, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]]]),
      new Date(day(0).getTime() + 23 * 3_600_000),
    );
    await setForecasts(store.db, new Map([[expiring, [100]]]), day(-12));
    await setForecasts(store.db, new Map([[zero, [0]]]), store.now());
    fx.clock.advance(DAY + 30 * 60_000);
    const { counter } = counterOf(
      new Map([
        [daily, 2],
        [expiring, 11],
        [zero, 5],
      ]),
    );
    const missing: number[] = [];
    const check = (labels: string[]) =>
      resolveGroups(
        store,
        labels.map((l) => minute(l, -1)),
        {
          hourlyEventCounts: counter,
          forecastMissing: async (g) => void missing.push(...g.map((x) => x.groupId)),
        },
      );

    // 2 March: the second day's ceiling is 2, and 2 stored + 1 in the batch exceed it.
    await check(['daily', 'expiring', 'zero']);
    expect(await getGroup(store, daily)).toMatchObject({ substatus: 'escalating' });
    expect((await listActivityLog(store, daily))[0]?.data).toMatchObject({ forecast: 2 });
    // 11 stored + 1 in the batch are not above 100 while the forecast lives (its 14th day)…
    expect((await getGroup(store, expiring))?.status).toBe('ignored');
    // …and a ceiling of 0 never escalates.
    expect((await getGroup(store, zero))?.status).toBe('ignored');
    expect(missing).toEqual([]);

    // 14 days after it was made the forecast has expired: the ceiling is 10, and it is asked for again.
    fx.clock.advance(12 * 3_600_000);
    await check(['expiring']);
    expect(await getGroup(store, expiring)).toMatchObject({ substatus: 'escalating' });
    expect((await listActivityLog(store, expiring))[0]?.data).toMatchObject({ forecast: 10 });
    expect(missing).toEqual([expiring]);
    expect(await deleteExpiredForecasts(store.db, store.now())).toBe(1);
    expect([...(await getForecasts(store.db, [daily, expiring, zero])).keys()].sort()).toEqual(
      [daily, zero].sort(),
    );

    // The daily forecast on its 15th calendar day, before 23:00: its last value.
    await archiveUntilEscalating([daily]);
    fx.clock.t = Date.parse('2025-03-15T22:30:00Z');
    const { counter: late } = counterOf(new Map([[daily, 14]]));
    await resolveGroups(store, [minute('daily', -1)], { hourlyEventCounts: late });
    expect((await listActivityLog(store, daily))[0]?.data).toMatchObject({ forecast: 14 });
  });

  it('pages the daily forecast pass by issue id and stores forecasts of issues that still exist', async () => {
    const ids = [await group('pass-a'), await group('pass-b'), await group('pass-c'), await group('pass-d')];
    const [a, b, c, d] = ids as [number, number, number, number];
    await archiveUntilEscalating([a, b, c]);
    const midnight = new Date('2025-03-01T00:00:00Z');
    // a: made yesterday; b: made today; c: none; d: not archived.
    await setForecasts(
      store.db,
      new Map([
        [a, [5]],
        [d, [5]],
      ]),
      new Date('2025-02-28T23:59:00Z'),
    );
    await setForecasts(store.db, new Map([[b, [5]]]), midnight);
    const page = (afterGroupId: number, limit = 10) =>
      listStaleForecasts(store.db, { madeBefore: midnight, afterGroupId, limit });
    expect(await page(0)).toEqual([
      { groupId: a, projectId: project.id },
      { groupId: c, projectId: project.id },
    ]);
    expect((await page(0, 1)).map((s) => s.groupId)).toEqual([a]);
    expect((await page(a)).map((s) => s.groupId)).toEqual([c]);
    expect(await page(c)).toEqual([]);

    // An issue unarchived meanwhile keeps its new forecast; a deleted one gets none.
    await changeGroupStatus(store, {
      groupIds: [c],
      status: 'unresolved',
      substatus: 'ongoing',
      actorId: null,
    });
    await deleteGroups(store, [{ id: a, projectId: project.id }]);
    const stored = await refreshForecasts(
      store,
      new Map([
        [a, [7]],
        [c, [8]],
      ]),
      store.now(),
    );
    expect(stored).toBe(1);
    const after = await getForecasts(store.db, [a, c]);
    expect([...after.keys()]).toEqual([c]);
    expect(after.get(c)).toMatchObject({ forecast: [8], dateAdded: store.now() });
  });

  it('ends a snooze with a date at the first event after it (injected clock): ongoing', async () => {
    const id = await group('until');
    await changeGroupStatus(store, {
      groupIds: [id],
      status: 'ignored',
      substatus: 'archived_until_condition_met',
      actorId: ann.id,
      snooze: {
        condition: {
          until: new Date('2025-03-01T12:30:00Z'),
          count: null,
          window: null,
          userCount: null,
          userWindow: null,
        },
        state: new Map(),
      },
    });
    const event = (minute: number, eventId: string) =>
      item(project.id, 'until', { timestamp: new Date(Date.UTC(2025, 2, 1, 12, minute)), eventId });
    fx.clock.advance(29 * 60_000);
    await resolveGroups(store, [event(29, 'a'.repeat(32))]);
    expect((await getGroup(store, id))?.status).toBe('ignored');
    fx.clock.advance(2 * 60_000);
    await resolveGroups(store, [event(31, 'b'.repeat(32))]);
    expect(await getGroup(store, id)).toMatchObject({ status: 'unresolved', substatus: 'ongoing' });
    expect((await getSnoozes(store.db, [id])).size).toBe(0);
    expect((await listActivityLog(store, id))[0]).toMatchObject({
      type: 'set_unresolved',
      data: { event_id: 'b'.repeat(32) },
    });
    expect((await getInboxEntries(store.db, [id])).get(id)).toMatchObject({
      reason: 6,
      reasonDetails: { until: '2025-03-01T12:30:00+00:00', count: null },
    });
  });

  it('ends a snooze on N more events (in total, and within a window): escalating', async () => {
    const [total, windowed] = [await group('count'), await group('rate')];
    const ignore = (id: number, count: number, window: number | null) =>
      changeGroupStatus(store, {
        groupIds: [id],
        status: 'ignored',
        substatus: 'archived_until_condition_met',
        actorId: null,
        snooze: {
          condition: { until: null, count, window, userCount: null, userWindow: null },
          state: new Map(),
        },
      });
    await ignore(total, 3, null);
    await ignore(windowed, 3, 10);
    // The windowed issue gets two events per batch, 15 minutes apart: never three within ten minutes.
    await resolveGroups(store, [
      item(project.id, 'count'),
      item(project.id, 'rate'),
      item(project.id, 'rate'),
    ]);
    expect((await getSnoozes(store.db, [total])).get(total)?.state.events_seen).toBe(1);
    fx.clock.advance(15 * 60_000);
    await resolveGroups(store, [
      item(project.id, 'count'),
      item(project.id, 'rate'),
      item(project.id, 'rate'),
    ]);
    expect((await getGroup(store, total))?.status).toBe('ignored');
    expect((await getGroup(store, windowed))?.status).toBe('ignored');
    await resolveGroups(store, [item(project.id, 'count', { eventId: 'c'.repeat(32) })]);
    expect(await getGroup(store, total)).toMatchObject({ status: 'unresolved', substatus: 'escalating' });
    expect((await listActivityLog(store, total))[0]).toMatchObject({
      type: 'set_escalating',
      data: { event_id: 'c'.repeat(32), expired_snooze: { count: 3, window: null } },
    });
    fx.clock.advance(60_000);
    await resolveGroups(store, [item(project.id, 'rate')]);
    expect(await getGroup(store, windowed)).toMatchObject({ status: 'unresolved', substatus: 'escalating' });
  });

  it('lists the snoozes the maintenance job checks and ends them', async () => {
    const [dated, users, counted] = [await group('m-date'), await group('m-users'), await group('m-count')];
    const ignore = (id: number, condition: Partial<{ until: Date; count: number; userCount: number }>) =>
      changeGroupStatus(store, {
        groupIds: [id],
        status: 'ignored',
        substatus: 'archived_until_condition_met',
        actorId: null,
        snooze: {
          condition: {
            until: condition.until ?? null,
            count: condition.count ?? null,
            window: null,
            userCount: condition.userCount ?? null,
            userWindow: null,
          },
          state: new Map([[users, { users_seen: 4 }]]),
        },
      });
    await ignore(dated, { until: new Date('2025-03-01T12:05:00Z') });
    await ignore(users, { userCount: 10 });
    await ignore(counted, { count: 10 });
    expect((await listSnoozesToCheck(store.db, store.now())).map((s) => s.snooze.groupId)).toEqual([users]);
    fx.clock.advance(10 * 60_000);
    const due = await listSnoozesToCheck(store.db, store.now());
    expect(due.map((s) => s.snooze.groupId)).toEqual([dated, users]);
    expect(due[1]?.snooze.state.users_seen).toBe(4);
    expect(await endSnoozes(store, due.slice(0, 1), 'escalating')).toEqual([dated]);
    expect(await getGroup(store, dated)).toMatchObject({ status: 'unresolved', substatus: 'escalating' });
    expect((await listActivityLog(store, dated))[0]).toMatchObject({ type: 'set_escalating' });
  });

  it('merges: hashes, history and per-user rows move to the primary, a redirect and a cleanup stay', async () => {
    const [primary, child] = [await group('primary'), await group('child')];
    await addBookmarks(store.db, [ref(child)], ann.id, store.now());
    await assignGroups(store.db, [ref(child)], { type: 'user', id: bob.id }, bob.email, null, store.now());
    const cleanups = await mergeGroups(store, {
      organizationId: org.id,
      primaryId: primary,
      children: [{ id: child, projectId: project.id, shortId: 2, projectSlug: 'api' }],
      actorId: ann.id,
    });
    expect(cleanups).toMatchObject([{ groupId: child, projectId: project.id, targetGroupId: primary }]);
    expect(await getGroup(store, child)).toBeUndefined();
    expect(await getGroupRedirect(store.db, child)).toBe(primary);
    expect((await getUserGroupStates(store.db, [primary], ann.id)).bookmarked.has(primary)).toBe(true);
    expect((await getAssignees(store.db, [primary])).get(primary)).toEqual({ type: 'user', id: bob.id });
    // Both first_seen entries moved here; the log shows repeated entries once.
    expect((await listActivities(store, primary)).map((a) => a.type).sort()).toEqual([
      'assigned',
      'first_seen',
      'first_seen',
      'merge',
    ]);
    expect((await listActivityLog(store, primary)).map((a) => a.type)).toEqual([
      'merge',
      'assigned',
      'first_seen',
    ]);
    const [later] = await resolveGroups(store, [item(project.id, 'child')]);
    expect(later).toMatchObject({ groupId: primary, created: false });

    // Deleting the primary deletes its redirects and turns the move of the child's late events into a delete.
    expect(await deleteGroups(store, [{ id: primary, projectId: project.id }])).toMatchObject([
      { groupId: primary, targetGroupId: null },
    ]);
    expect(await getGroupRedirect(store.db, child)).toBeUndefined();
    const pending = await listEventCleanups(store.db, new Date(0));
    expect(pending.map((c) => [c.groupId, c.targetGroupId]).sort()).toEqual(
      [
        [child, null],
        [primary, null],
      ].sort(),
    );
    const [fresh] = await resolveGroups(store, [item(project.id, 'primary')]);
    expect(fresh?.created).toBe(true);
    expect(await deleteGroups(store, [{ id: 999_999, projectId: project.id }])).toEqual([]);
  });
});
