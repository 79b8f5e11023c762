/**
 * Merging and deleting issues in the metadata store (Sentry `src/sentry/issues/merge.py`,
 * `src/sentry/tasks/merge.py`, `src/sentry/api/helpers/group_index/delete.py`).
 *
 * A merge moves the children's grouping hashes to the primary — so later events of those hashes
 * land in the primary, as Sentry's `GroupHash` rows move — and their activity log, bookmarks,
 * seen marks, subscriptions and (when the primary has none) assignee; leaves a redirect from each
 * child id to the primary (Sentry's `GroupRedirect`) and deletes the children. A deletion deletes
 * the issues with their hashes (new events of those hashes start new issues) and everything that
 * hangs off them.
 *
 * Their events live in ClickHouse, where `group_id` is part of the sort key; each merged or
 * deleted issue leaves a `group_event_cleanups` row telling the caller (and the issue maintenance
 * job, for events still in flight) to move its events to the primary or delete them.
 */
import { sql, type Kysely } from 'kysely';
import { insertActivities } from './activities.js';
import { chunks, isoDate } from './columns.js';
import type { Database } from './schema.js';
import type { MetadataStore } from './store.js';

/** Events of a merged or deleted issue still to be moved (`targetGroupId`) or deleted (null). */
export interface EventCleanup {
  groupId: number;
  projectId: number;
  targetGroupId: number | null;
  /** ISO-8601 UTC of the merge or deletion. */
  dateAdded: string;
}

async function recordCleanup(
  db: Kysely<Database>,
  cleanup: Omit<EventCleanup, 'dateAdded'>,
  now: Date,
): Promise<void> {
  // Cleanups that were to move events into this issue now follow it.
  await db
    .updateTable('group_event_cleanups')
    .set({ target_group_id: cleanup.targetGroupId })
    .where('target_group_id', '=', cleanup.groupId)
    .execute();
  const values = {
    project_id: cleanup.projectId,
    target_group_id: cleanup.targetGroupId,
    date_added: isoDate(now),
  };
  await db
    .insertInto('group_event_cleanups')
    .values({ group_id: cleanup.groupId, ...values })
    .onConflict((oc) => oc.column('group_id').doUpdateSet(values))
    .execute();
}

/** Moves per-user rows of `table` from `child` to `primary` where the primary has none for that user. */
async function moveUserRows(
  db: Kysely<Database>,
  table: 'group_bookmarks' | 'group_seen' | 'group_subscriptions',
  child: number,
  primary: number,
): Promise<void> {
  const t = sql.table(table);
  await sql`update ${t} set group_id = ${primary} where group_id = ${child} and not exists (
    select 1 from ${t} as other where other.group_id = ${primary} and other.user_id = ${t}.user_id)`.execute(
    db,
  );
}

/** What {@link mergeGroups} needs. */
export interface MergeGroupsInput {
  organizationId: number;
  primaryId: number;
  /** The merged-away issues (same project as the primary). */
  children: ReadonlyArray<{ id: number; projectId: number; shortId: number; projectSlug: string }>;
  /** The acting user; null for the system. */
  actorId: number | null;
}

/**
 * Merges `children` into the primary in one transaction (see the module comment) and records a
 * `merge` activity `{issues: [{id}, ...]}` on the primary. Returns the cleanups to run in
 * ClickHouse (move each child's events to the primary).
 */
export async function mergeGroups(store: MetadataStore, input: MergeGroupsInput): Promise<EventCleanup[]> {
  const now = store.now();
  const primary = input.primaryId;
  return store.db.transaction().execute(async (trx) => {
    const target = await trx
      .selectFrom('groups')
      .select('project_id')
      .where('id', '=', primary)
      .executeTakeFirst();
    if (target === undefined) return [];
    const cleanups: EventCleanup[] = [];
    for (const child of input.children) {
      if (child.id === primary) continue;
      await trx
        .updateTable('group_hashes')
        .set({ group_id: primary })
        .where('group_id', '=', child.id)
        .execute();
      await trx
        .updateTable('activities')
        .set({ group_id: primary })
        .where('group_id', '=', child.id)
        .execute();
      for (const table of ['group_bookmarks', 'group_seen', 'group_subscriptions'] as const) {
        await moveUserRows(trx, table, child.id, primary);
      }
      const primaryAssignee = await trx
        .selectFrom('group_assignees')
        .select('id')
        .where('group_id', '=', primary)
        .executeTakeFirst();
      if (primaryAssignee === undefined) {
        await trx
          .updateTable('group_assignees')
          .set({ group_id: primary })
          .where('group_id', '=', child.id)
          .execute();
      }
      await trx
        .updateTable('group_redirects')
        .set({ group_id: primary })
        .where('group_id', '=', child.id)
        .execute();
      await trx
        .insertInto('group_redirects')
        .values({
          organization_id: input.organizationId,
          group_id: primary,
          previous_group_id: child.id,
          previous_short_id: child.shortId,
          previous_project_slug: child.projectSlug,
          date_added: isoDate(now),
        })
        .onConflict((oc) => oc.column('previous_group_id').doUpdateSet({ group_id: primary }))
        .execute();
      const cleanup = { groupId: child.id, projectId: child.projectId, targetGroupId: primary };
      await recordCleanup(trx, cleanup, now);
      await trx.deleteFrom('groups').where('id', '=', child.id).execute();
      cleanups.push({ ...cleanup, dateAdded: isoDate(now) });
    }
    await insertActivities(trx, [
      {
        projectId: target.project_id,
        groupId: primary,
        type: 'merge',
        data: { issues: input.children.filter((c) => c.id !== primary).map((c) => ({ id: c.id })) },
        userId: input.actorId,
        date: now,
      },
    ]);
    return cleanups;
  });
}

/**
 * Deletes `groups` (and, through the schema, their hashes, activity, assignee, bookmarks, seen
 * marks, subscriptions, snooze, resolution, inbox entry and the redirects to them) in one
 * transaction. Returns the cleanups to run in ClickHouse (delete their events).
 */
export async function deleteGroups(
  store: MetadataStore,
  groups: ReadonlyArray<{ id: number; projectId: number }>,
): Promise<EventCleanup[]> {
  const now = store.now();
  return store.db.transaction().execute(async (trx) => {
    const cleanups: EventCleanup[] = [];
    for (const group of groups) {
      const deleted = await trx.deleteFrom('groups').where('id', '=', group.id).executeTakeFirst();
      if (deleted.numDeletedRows === 0n) continue;
      const cleanup = { groupId: group.id, projectId: group.projectId, targetGroupId: null };
      await recordCleanup(trx, cleanup, now);
      cleanups.push({ ...cleanup, dateAdded: isoDate(now) });
    }
    return cleanups;
  });
}

/** The issue a merged-away issue id now lives in (following chains of merges), or undefined. */
export async function getGroupRedirect(
  db: Kysely<Database>,
  previousGroupId: number,
): Promise<number | undefined> {
  const row = await db
    .selectFrom('group_redirects')
    .select('group_id')
    .where('previous_group_id', '=', previousGroupId)
    .executeTakeFirst();
  return row?.group_id;
}

/** The cleanups recorded at or after `since`, oldest first. */
export async function listEventCleanups(db: Kysely<Database>, since: Date): Promise<EventCleanup[]> {
  const rows = await db
    .selectFrom('group_event_cleanups')
    .selectAll()
    .where('date_added', '>=', isoDate(since))
    .orderBy('date_added')
    .orderBy('group_id')
    .execute();
  return rows.map((r) => ({
    groupId: r.group_id,
    projectId: r.project_id,
    targetGroupId: r.target_group_id,
    dateAdded: r.date_added,
  }));
}

/** Forgets the cleanups recorded before `before` (their events were swept long enough). */
export async function expireEventCleanups(db: Kysely<Database>, before: Date): Promise<number> {
  const result = await db
    .deleteFrom('group_event_cleanups')
    .where('date_added', '<', isoDate(before))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Ids of `groupIds` that exist (the rest were deleted or merged away). */
export async function existingGroupIds(
  db: Kysely<Database>,
  groupIds: readonly number[],
): Promise<Set<number>> {
  const out = new Set<number>();
  for (const part of chunks([...new Set(groupIds)], 1_000)) {
    for (const row of await db.selectFrom('groups').select('id').where('id', 'in', part).execute())
      out.add(row.id);
  }
  return out;
}
