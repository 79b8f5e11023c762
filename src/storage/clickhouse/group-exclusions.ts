/**
 * `group_exclusions`: the ids of merged-away and deleted issues whose events are being moved to
 * the primary issue or deleted (group-events.ts), and which readers leave out
 * (`LIVE_GROUPS_CONDITION`, src/query/live-groups.ts) — Snuba's `exclude_groups` replacement,
 * which Sentry's merge and delete rely on. A move copies the events to the primary, then deletes
 * the originals: two statements, between which (or after a failure between which) the events
 * would count under both issues; the exclusion, recorded before the copy, hides the originals
 * from every reader that scans issues it was not given by id (the issue stream, Discover), and
 * late events of the excluded ids until the issue maintenance job sweeps them.
 *
 * Rows expire a day after they were last recorded (the sweeps of the maintenance job record them
 * again while late events keep coming), as long as `group_event_cleanups` remembers a merge or
 * deletion.
 */
import type { ClickHouseStore } from './client.js';
import type { ClickHouseMigration } from './migrations.js';
import { GROUP_EXCLUSIONS_TABLE } from '../../query/live-groups.js';

/** Telemetry migration 16: the `group_exclusions` table. */
export const GROUP_EXCLUSIONS_MIGRATION: ClickHouseMigration = {
  version: 16,
  name: 'create_group_exclusions',
  statements: [
    `CREATE TABLE IF NOT EXISTS ${GROUP_EXCLUSIONS_TABLE}
     (
         project_id UInt64,
         group_id UInt64,
         date_added DateTime('UTC') DEFAULT now()
     )
     ENGINE = ReplacingMergeTree(date_added)
     ORDER BY (project_id, group_id)
     TTL date_added + INTERVAL 1 DAY`,
  ],
};

/**
 * Records issues `groupIds` of project `projectId` as excluded from reads (see the module
 * comment). Idempotent; rejects when ClickHouse does.
 */
export async function excludeGroups(
  store: Pick<ClickHouseStore, 'client'>,
  target: { projectId: number; groupIds: readonly number[] },
): Promise<void> {
  if (target.groupIds.length === 0) return;
  await store.client.insert({
    table: GROUP_EXCLUSIONS_TABLE,
    values: target.groupIds.map((groupId) => ({ project_id: target.projectId, group_id: groupId })),
    format: 'JSONEachRow',
  });
}
