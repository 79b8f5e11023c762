/**
 * Issue activity log (Sentry `src/sentry/models/activity.py`, `ActivityType`): one row per
 * status change or notable event of a group, newest last.
 */
import type { Insertable } from 'kysely';
import type { JsonObject } from '../../protocol/json.js';
import { decodeJsonObject, encodeJson, isoDate } from './columns.js';
import type { ActivitiesTable } from './schema.js';
import type { MetadataStore } from './store.js';

/**
 * Activity types written by Vigil, named like Sentry's `ActivityType` slugs:
 * `first_seen` (group created), `set_regression` (resolved group saw a new event),
 * `set_resolved` / `set_unresolved` / `set_ignored` (status changed by a user or API call).
 */
export type ActivityType =
  'first_seen' | 'set_regression' | 'set_resolved' | 'set_unresolved' | 'set_ignored';

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
  return rows.map((row) => ({ ...row, data: decodeJsonObject(row.data) }));
}
