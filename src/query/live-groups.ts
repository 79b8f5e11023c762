/**
 * The one condition that keeps readers off the events of merged-away and deleted issues while
 * those are being moved or deleted (Snuba's `exclude_groups` replacement: query processors add
 * `group_id NOT IN (…)` for a project's excluded groups until its rows are rewritten). The ids
 * live in the `group_exclusions` table, which storage/clickhouse/group-exclusions.ts creates and
 * fills before any row of those issues is copied; here is only the SQL the readers share.
 */

/** Table of the excluded issue ids (`project_id`, `group_id`, `date_added`). */
export const GROUP_EXCLUSIONS_TABLE = 'group_exclusions';

/**
 * A WHERE condition over a table with a `group_id` column (`events`, `group_stats`) that keeps
 * only rows of issues that are not excluded. Trusted SQL, no parameters.
 */
export const LIVE_GROUPS_CONDITION = `group_id NOT IN (SELECT group_id FROM ${GROUP_EXCLUSIONS_TABLE})`;
