/**
 * Issue assignment (Sentry `src/sentry/models/groupassignee.py`, `GroupAssigneeManager.assign` /
 * `deassign`): an issue is assigned to one user or one team. Assigning records an `assigned`
 * activity `{assignee, assigneeEmail, assigneeType}` and subscribes the assignee (a team's
 * members) with reason `assigned`; a re-assignment drops the previous assignee's `assigned`
 * subscriptions; unassigning records `unassigned`. Nothing is recorded when nothing changes.
 */
import type { Kysely } from 'kysely';
import { insertActivities, type NewActivity } from './activities.js';
import { chunks, isoDate } from './columns.js';
import { subscribe, unsubscribeReason, type GroupRef } from './group-user-states.js';
import type { Database } from './schema.js';
import type { Team } from './teams.js';

/** Who an issue is assigned to. */
export type Assignee = { type: 'user'; id: number } | { type: 'team'; id: number };

/** The assignees of `groupIds`, by group id (unassigned issues are absent). */
export async function getAssignees(
  db: Kysely<Database>,
  groupIds: readonly number[],
): Promise<Map<number, Assignee>> {
  const out = new Map<number, Assignee>();
  for (const part of chunks([...new Set(groupIds)], 1_000)) {
    const rows = await db
      .selectFrom('group_assignees')
      .select(['group_id', 'user_id', 'team_id'])
      .where('group_id', 'in', part)
      .execute();
    for (const row of rows) {
      if (row.user_id !== null) out.set(row.group_id, { type: 'user', id: row.user_id });
      else if (row.team_id !== null) out.set(row.group_id, { type: 'team', id: row.team_id });
    }
  }
  return out;
}

/** The users of team `teamId`'s members (pending invitations have none). */
async function teamUserIds(db: Kysely<Database>, teamId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('team_members as tm')
    .innerJoin('organization_members as om', 'om.id', 'tm.member_id')
    .select('om.user_id')
    .where('tm.team_id', '=', teamId)
    .execute();
  return rows.flatMap((r) => (r.user_id === null ? [] : [r.user_id]));
}

/** The users an assignee stands for: the user, or the team's members. */
async function assigneeUsers(db: Kysely<Database>, assignee: Assignee): Promise<number[]> {
  return assignee.type === 'user' ? [assignee.id] : teamUserIds(db, assignee.id);
}

async function dropAssignedSubscriptions(
  db: Kysely<Database>,
  groupId: number,
  previous: Assignee,
  next: Assignee | undefined,
): Promise<void> {
  const keep = new Set(next === undefined ? [] : await assigneeUsers(db, next));
  const drop = (await assigneeUsers(db, previous)).filter((id) => !keep.has(id));
  await unsubscribeReason(db, groupId, drop, 'assigned');
}

/** Activities of a group by `actorId` (null: the system) at `now`. */
function activityFactory(actorId: number | null, now: Date) {
  return (group: GroupRef, type: NewActivity['type'], data: NewActivity['data']): NewActivity => ({
    projectId: group.project_id,
    groupId: group.id,
    type,
    data,
    userId: actorId,
    date: now,
  });
}

/**
 * Assigns `groups` to `assignee` on behalf of `actorId` (null: the system). `assigneeEmail` goes
 * into the activity (a team has none). Returns the ids whose assignment changed.
 */
export async function assignGroups(
  db: Kysely<Database>,
  groups: readonly GroupRef[],
  assignee: Assignee,
  assigneeEmail: string | null,
  actorId: number | null,
  now: Date,
): Promise<number[]> {
  const current = await getAssignees(
    db,
    groups.map((g) => g.id),
  );
  const subscribers = await assigneeUsers(db, assignee);
  const changed: number[] = [];
  const activities: NewActivity[] = [];
  const activityOf = activityFactory(actorId, now);
  await subscribe(db, groups, subscribers, 'assigned', now);
  for (const group of groups) {
    const previous = current.get(group.id);
    if (previous !== undefined && previous.type === assignee.type && previous.id === assignee.id) continue;
    const values = {
      user_id: assignee.type === 'user' ? assignee.id : null,
      team_id: assignee.type === 'team' ? assignee.id : null,
      date_added: isoDate(now),
    };
    await db
      .insertInto('group_assignees')
      .values({ project_id: group.project_id, group_id: group.id, ...values })
      .onConflict((oc) => oc.column('group_id').doUpdateSet(values))
      .execute();
    if (previous !== undefined) await dropAssignedSubscriptions(db, group.id, previous, assignee);
    changed.push(group.id);
    activities.push(
      activityOf(group, 'assigned', {
        assignee: String(assignee.id),
        assigneeEmail,
        assigneeType: assignee.type,
      }),
    );
  }
  await insertActivities(db, activities);
  return changed;
}

/** Unassigns `groups`; records `unassigned` for those that had an assignee. Returns their ids. */
export async function unassignGroups(
  db: Kysely<Database>,
  groups: readonly GroupRef[],
  actorId: number | null,
  now: Date,
): Promise<number[]> {
  const current = await getAssignees(
    db,
    groups.map((g) => g.id),
  );
  const activities: NewActivity[] = [];
  const changed: number[] = [];
  const activityOf = activityFactory(actorId, now);
  for (const group of groups) {
    const previous = current.get(group.id);
    if (previous === undefined) continue;
    await db.deleteFrom('group_assignees').where('group_id', '=', group.id).execute();
    await dropAssignedSubscriptions(db, group.id, previous, undefined);
    changed.push(group.id);
    activities.push(activityOf(group, 'unassigned', {}));
  }
  await insertActivities(db, activities);
  return changed;
}

/** The teams with ids `teamIds` (of any organization), by id; for serializing team assignees. */
export async function getTeamsById(
  db: Kysely<Database>,
  teamIds: readonly number[],
): Promise<Map<number, Team>> {
  const out = new Map<number, Team>();
  for (const part of chunks([...new Set(teamIds)], 1_000)) {
    for (const row of await db.selectFrom('teams').selectAll().where('id', 'in', part).execute())
      out.set(row.id, row);
  }
  return out;
}
