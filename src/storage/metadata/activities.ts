/**
 * Issue activity log (Sentry `src/sentry/models/activity.py`, `ActivityType`): one row per
 * status change or notable event of a group, newest last.
 */
import type { Insertable, Kysely, Selectable, Transaction } from 'kysely';
import type { JsonObject } from '../../protocol/json.js';
import { chunks, decodeJsonObject, encodeJson, isoDate } from './columns.js';
import type { ActivitiesTable, Database } from './schema.js';
import type { MetadataStore } from './store.js';

/**
 * Activity types written by Vigil, named like Sentry's `ActivityType` slugs (`type` in the API):
 * `first_seen` (group created), `set_regression` (resolved group saw a new event),
 * `set_resolved` / `set_resolved_in_release` / `set_unresolved` / `set_ignored` (status changed),
 * `set_escalating` (an ignored group's snooze condition was met), `assigned` / `unassigned`,
 * `merge` (on the primary of a merge), `mark_reviewed` (taken out of the inbox) and
 * `auto_set_ongoing` (substatus moved to ongoing).
 */
export type ActivityType =
  | 'first_seen'
  | 'set_regression'
  | 'set_resolved'
  | 'set_resolved_in_release'
  | 'set_unresolved'
  | 'set_ignored'
  | 'set_escalating'
  | 'assigned'
  | 'unassigned'
  | 'merge'
  | 'mark_reviewed'
  | 'auto_set_ongoing';

/** One activity row, `data` decoded. */
export interface Activity {
  id: number;
  project_id: number;
  group_id: number;
  /** An `ActivityType`, or a type written by a later version. */
  type: string;
  data: JsonObject;
  /** The acting user; null for the system. */
  user_id: number | null;
  /** ISO-8601 UTC. */
  date_created: string;
}

/** An activity to record; `date` is when it happened. */
export interface NewActivity {
  projectId: number;
  groupId: number;
  type: ActivityType;
  data: JsonObject;
  userId?: number | null;
  date: Date;
}

/** The row to insert for `activity` (shared by every writer so rows look the same). */
export function activityRow(activity: NewActivity): Insertable<ActivitiesTable> {
  return {
    project_id: activity.projectId,
    group_id: activity.groupId,
    type: activity.type,
    data: encodeJson(activity.data),
    user_id: activity.userId ?? null,
    date_created: isoDate(activity.date),
  };
}

/** The activities of group `groupId`, oldest first. */
export async function listActivities(store: MetadataStore, groupId: number): Promise<Activity[]> {
  const rows = await store.db
    .selectFrom('activities')
    .selectAll()
    .where('group_id', '=', groupId)
    .orderBy('id')
    .execute();
  return rows.map(toActivity);
}

function toActivity(row: Selectable<ActivitiesTable>): Activity {
  return { ...row, data: decodeJsonObject(row.data) };
}

/** How many entries the activity log shows (Sentry's `get_activities_for_group(num=100)`). */
export const ACTIVITY_LOG_LIMIT = 100;

/**
 * The activity log of group `groupId` as Sentry shows it (`ActivityManager.get_activities_for_group`):
 * newest first, at most `limit` (default 100) entries, an entry dropped when it repeats the one
 * just before it (same type, user and data) — bulk or repeated actions leave one line.
 */
export async function listActivityLog(
  store: MetadataStore,
  groupId: number,
  limit = ACTIVITY_LOG_LIMIT,
): Promise<Activity[]> {
  const rows = await store.db
    .selectFrom('activities')
    .selectAll()
    .where('group_id', '=', groupId)
    .orderBy('date_created', 'desc')
    .orderBy('id', 'desc')
    // Read twice the limit so repeats can be dropped without a second page.
    .limit(limit * 2)
    .execute();
  const out: Activity[] = [];
  let previous: string | undefined;
  for (const row of rows) {
    const signature = `${row.type}\u0000${row.user_id ?? ''}\u0000${row.data}`;
    if (signature !== previous) out.push(toActivity(row));
    previous = signature;
  }
  return out.slice(0, limit);
}

/** Records `activities` (any number, in one statement per 2 000 rows) with `db` (a store or transaction). */
export async function insertActivities(
  db: Kysely<Database> | Transaction<Database>,
  activities: readonly NewActivity[],
): Promise<void> {
  for (const part of chunks(activities.map(activityRow), 2_000)) {
    await db.insertInto('activities').values(part).execute();
  }
}
