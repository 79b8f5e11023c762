/**
 * Issue-level maintenance of the `events` table: moving a merged-away issue's events to the
 * primary issue, deleting a deleted issue's events, and the per-issue facts the issue workflow
 * reads (the release an issue was last seen in, distinct users in a window).
 *
 * `group_id` is part of the table's sort key, so a move cannot be an UPDATE: the rows are copied
 * with the new `group_id` (`INSERT … SELECT`, skipping event ids the target already has, so a
 * repeated move adds nothing) and the originals that have a copy deleted with a lightweight
 * `DELETE`, which hides them from queries at once. The source issues are excluded from reads
 * before the copy (./group-exclusions.ts), so no reader counts a moved event under both issues
 * between the two statements; a failure between them is repaired by running the move again. The
 * copies are counted at the target by the `group_stats` view like any insert; the source issues'
 * `group_stats` rows, which no delete reaches, are deleted after their events — in that order, so
 * that an event arriving in between leaves an event row behind (which the maintenance job's next
 * sweep moves and whose stats it deletes again), never a lifetime row without events.
 */
import type { ClickHouseStore } from './client.js';
import { parseDateTime, toDateTime64 } from './datetime.js';
import { EVENTS_TABLE } from './events.js';
import { deleteGroupStats } from './group-stats.js';
import { queryRows, toNumber, toText } from './query-helpers.js';

const insertColumns = new WeakMap<ClickHouseStore['client'], Promise<string[]>>();

/**
 * The columns an `INSERT` into `events` names: every column but the materialized ones, read from
 * `system.columns` once per client (so a column added by a later migration is carried along).
 */
async function eventColumns(store: Pick<ClickHouseStore, 'client'>): Promise<string[]> {
  let columns = insertColumns.get(store.client);
  if (columns === undefined) {
    columns = queryRows(
      store,
      `SELECT name FROM system.columns
        WHERE database = currentDatabase() AND table = {vigil_table:String}
          AND default_kind NOT IN ('MATERIALIZED', 'ALIAS', 'EPHEMERAL')
        ORDER BY position`,
      { vigil_table: EVENTS_TABLE },
    ).then((rows) => rows.map((r) => toText(r.name)));
    insertColumns.set(store.client, columns);
    columns.catch(() => insertColumns.delete(store.client));
  }
  return columns;
}

const quote = (name: string): string => `\`${name.replace(/`/g, '``')}\``;

/**
 * Moves the events of issues `fromGroupIds` of project `projectId` to issue `toGroupId` (see the
 * module comment). Rejects when ClickHouse does; running it again completes a failed move.
 */
export async function moveGroupEvents(
  store: Pick<ClickHouseStore, 'client'>,
  move: { projectId: number; fromGroupIds: readonly number[]; toGroupId: number },
): Promise<void> {
  if (move.fromGroupIds.length === 0) return;
  const columns = await eventColumns(store);
  // The new group id gets an alias of its own: one named `group_id` would shadow the column in
  // the WHERE clause (ClickHouse resolves aliases anywhere in the query).
  const select = columns.map((c) =>
    c === 'group_id' ? '{vigil_to:UInt64} AS vigil_new_group_id' : quote(c),
  );
  const params = {
    vigil_project: move.projectId,
    vigil_from: [...move.fromGroupIds],
    vigil_to: move.toGroupId,
  };
  await store.client.command({
    query: `INSERT INTO ${EVENTS_TABLE} (${columns.map(quote).join(', ')})
      SELECT ${select.join(', ')} FROM ${EVENTS_TABLE}
       WHERE project_id = {vigil_project:UInt64} AND group_id IN {vigil_from:Array(UInt64)}
         AND event_id NOT IN (SELECT event_id FROM ${EVENTS_TABLE}
                               WHERE project_id = {vigil_project:UInt64} AND group_id = {vigil_to:UInt64})`,
    query_params: params,
  });
  // Only the originals that have their copy: an event of a source issue stored after the copy
  // stays for the next move (the maintenance job's sweep) instead of being lost.
  await store.client.command({
    query: `DELETE FROM ${EVENTS_TABLE}
             WHERE project_id = {vigil_project:UInt64} AND group_id IN {vigil_from:Array(UInt64)}
               AND event_id IN (SELECT event_id FROM ${EVENTS_TABLE}
                                 WHERE project_id = {vigil_project:UInt64} AND group_id = {vigil_to:UInt64})`,
    query_params: params,
  });
  await deleteGroupStats(store, { projectId: move.projectId, groupIds: move.fromGroupIds });
}

/**
 * Deletes the events of issues `groupIds` of project `projectId` (a lightweight delete), then
 * their lifetime aggregates (`group_stats`), so that no issue list counts or shows them.
 */
export async function deleteGroupEvents(
  store: Pick<ClickHouseStore, 'client'>,
  target: { projectId: number; groupIds: readonly number[] },
): Promise<void> {
  if (target.groupIds.length === 0) return;
  await store.client.command({
    query: `DELETE FROM ${EVENTS_TABLE}
             WHERE project_id = {vigil_project:UInt64} AND group_id IN {vigil_groups:Array(UInt64)}`,
    query_params: { vigil_project: target.projectId, vigil_groups: [...target.groupIds] },
  });
  await deleteGroupStats(store, target);
}

/** Which of `groupIds` (of `projectIds`) still have events. */
export async function groupsWithEvents(
  store: Pick<ClickHouseStore, 'client'>,
  projectIds: readonly number[],
  groupIds: readonly number[],
): Promise<Set<number>> {
  if (projectIds.length === 0 || groupIds.length === 0) return new Set();
  const rows = await queryRows(
    store,
    `SELECT DISTINCT group_id FROM ${EVENTS_TABLE}
      WHERE project_id IN {vigil_projects:Array(UInt64)} AND group_id IN {vigil_groups:Array(UInt64)}`,
    { vigil_projects: [...projectIds], vigil_groups: [...groupIds] },
  );
  return new Set(rows.map((r) => toNumber(r.group_id)));
}

/**
 * The release of issue `groupId`'s newest event that has one (Sentry's `Group.get_last_release`),
 * or undefined.
 */
export async function lastGroupRelease(
  store: Pick<ClickHouseStore, 'client'>,
  projectId: number,
  groupId: number,
): Promise<string | undefined> {
  const rows = await queryRows(
    store,
    `SELECT argMax(release, timestamp) AS vigil_release FROM ${EVENTS_TABLE}
      WHERE project_id = {vigil_project:UInt64} AND group_id = {vigil_group:UInt64} AND release != ''`,
    { vigil_project: projectId, vigil_group: groupId },
  );
  const release = toText(rows[0]?.vigil_release);
  return release === '' ? undefined : release;
}

/**
 * Distinct users (the `user` column, as the issue list's `userCount`) of each of `groupIds` of
 * project `projectId`, over all their events and over those at or after `since` (when given).
 */
export async function groupUserCounts(
  store: Pick<ClickHouseStore, 'client'>,
  projectId: number,
  groupIds: readonly number[],
  since?: Date,
): Promise<Map<number, { total: number; recent: number }>> {
  const out = new Map<number, { total: number; recent: number }>();
  if (groupIds.length === 0) return out;
  const rows = await queryRows(
    store,
    `SELECT group_id,
            uniqIf(user, user != '') AS vigil_total,
            uniqIf(user, user != '' AND timestamp >= {vigil_since:DateTime64(3, 'UTC')}) AS vigil_recent
       FROM ${EVENTS_TABLE}
      WHERE project_id = {vigil_project:UInt64} AND group_id IN {vigil_groups:Array(UInt64)}
      GROUP BY group_id`,
    {
      vigil_project: projectId,
      vigil_groups: [...groupIds],
      vigil_since: toDateTime64(since ?? new Date(0)),
    },
  );
  for (const row of rows) {
    out.set(toNumber(row.group_id), { total: toNumber(row.vigil_total), recent: toNumber(row.vigil_recent) });
  }
  return out;
}

/** An issue's event count in one clock hour (UTC). */
export interface HourlyCount {
  /** Start of the hour. */
  hour: Date;
  count: number;
}

/**
 * Events per clock hour of issues `groupIds` of `projectIds` with `start <= timestamp < end`
 * (`end` absent: no upper bound), hours without events left out, oldest first, by group id
 * (Sentry's `query_groups_past_counts` / `get_group_hourly_count`, `toStartOfHour(timestamp)`).
 */
export async function groupHourlyCounts(
  store: Pick<ClickHouseStore, 'client'>,
  scope: { projectIds: readonly number[]; groupIds: readonly number[]; start: Date; end?: Date },
): Promise<Map<number, HourlyCount[]>> {
  const out = new Map<number, HourlyCount[]>();
  if (scope.projectIds.length === 0 || scope.groupIds.length === 0) return out;
  const end = scope.end === undefined ? '' : "AND timestamp < {vigil_end:DateTime64(3, 'UTC')}";
  const rows = await queryRows(
    store,
    `SELECT group_id, toStartOfHour(timestamp) AS vigil_hour, count() AS vigil_count
       FROM ${EVENTS_TABLE}
      WHERE project_id IN {vigil_projects:Array(UInt64)} AND group_id IN {vigil_groups:Array(UInt64)}
        AND timestamp >= {vigil_start:DateTime64(3, 'UTC')} ${end}
      GROUP BY group_id, vigil_hour
      ORDER BY group_id, vigil_hour`,
    {
      vigil_projects: [...new Set(scope.projectIds)],
      vigil_groups: [...new Set(scope.groupIds)],
      vigil_start: toDateTime64(scope.start),
      ...(scope.end === undefined ? {} : { vigil_end: toDateTime64(scope.end) }),
    },
  );
  for (const row of rows) {
    const groupId = toNumber(row.group_id);
    const hours = out.get(groupId) ?? [];
    hours.push({ hour: parseDateTime(row.vigil_hour), count: toNumber(row.vigil_count) });
    out.set(groupId, hours);
  }
  return out;
}
