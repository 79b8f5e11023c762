/**
 * The `events_by_group` projection of `events`: the columns the per-issue aggregates read
 * (project, issue, time, environment, user, handled, level), ordered by issue instead of by day.
 * `events` is ordered like Snuba's errors table (project, day, issue, event), so reading a page
 * of issues over two weeks would otherwise read nearly every granule of those weeks; with the
 * projection ClickHouse reads only those issues' rows, whenever a query needs no other column
 * (a page's counts and series, issue details, an issue-id–restricted search). It costs a second,
 * narrow sorted copy of those columns per part. A ReplacingMergeTree accepts projections only
 * when its merges rebuild them (`deduplicate_merge_projection_mode`). A table with a projection
 * refuses lightweight `DELETE`s (the events of merged and deleted issues, group-events.ts)
 * unless `lightweight_mutation_projection_mode` says what becomes of the projection: `drop`
 * drops it from the parts the delete touched, so their reads fall back to the table until a
 * merge rebuilds it. (`rebuild` would keep the deleted rows in the projection — chDB 26.7 then
 * answers projection reads with events already deleted.)
 */
import type { ClickHouseMigration } from './migrations.js';

/** Name of the projection. */
export const EVENTS_BY_GROUP_PROJECTION = 'events_by_group';

/** Telemetry migration 14: the `events_by_group` projection, built for the stored events too. */
export const EVENTS_BY_GROUP_MIGRATION: ClickHouseMigration = {
  version: 14,
  name: 'add_events_by_group_projection',
  statements: [
    "ALTER TABLE events MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild', lightweight_mutation_projection_mode = 'drop'",
    `ALTER TABLE events ADD PROJECTION IF NOT EXISTS ${EVENTS_BY_GROUP_PROJECTION}
     (SELECT project_id, group_id, timestamp, environment, user, handled, level
      ORDER BY project_id, group_id, timestamp)`,
    `ALTER TABLE events MATERIALIZE PROJECTION ${EVENTS_BY_GROUP_PROJECTION}`,
  ],
};
