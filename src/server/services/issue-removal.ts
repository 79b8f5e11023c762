/**
 * Merging and deleting issues across both stores (Sentry `src/sentry/issues/merge.py`
 * `handle_merge`, `src/sentry/api/helpers/group_index/delete.py`): the metadata store changes in
 * one transaction (`group-removal.ts`), then the issues' events are moved or deleted in
 * ClickHouse, after the issues are excluded from its reads (`group_exclusions`, Snuba's
 * `exclude_groups`): from then on no reader counts their events, so a moved event is never
 * counted under both issues. When that fails (ClickHouse down), the recorded cleanups are run
 * again by the issue maintenance job, which also sweeps events of those issues that were still on
 * their way to ClickHouse; until then a deleted issue's leftover events belong to no issue, so no
 * issue list shows them.
 */
import type { Logger } from 'pino';
import {
  deleteGroupEvents,
  excludeGroups,
  moveGroupEvents,
  queryIssueAggregates,
  type ClickHouseStore,
} from '../../storage/clickhouse/index.js';
import {
  deleteGroups,
  mergeGroups,
  type EventCleanup,
  type Group,
  type MetadataStore,
} from '../../storage/metadata/index.js';

/** The stores (and a logger for ClickHouse failures the maintenance job will repair). */
export interface RemovalStores {
  metadata: MetadataStore;
  clickhouse: Pick<ClickHouseStore, 'client'>;
  logger?: Pick<Logger, 'warn'>;
}

/**
 * Runs `cleanups` in ClickHouse: first the issues are excluded from reads (`excludeGroups`, one
 * insert per project), so that no reader counts an event under both issues while it is copied;
 * then one move per (project, target) and one delete per project. Rejects when ClickHouse does;
 * running it again completes what a failure left.
 */
export async function runEventCleanups(
  clickhouse: Pick<ClickHouseStore, 'client'>,
  cleanups: readonly EventCleanup[],
): Promise<void> {
  const excluded = new Map<number, number[]>();
  for (const c of cleanups) excluded.set(c.projectId, [...(excluded.get(c.projectId) ?? []), c.groupId]);
  for (const [projectId, groupIds] of excluded) await excludeGroups(clickhouse, { projectId, groupIds });
  const moves = new Map<string, { projectId: number; toGroupId: number; fromGroupIds: number[] }>();
  const deletes = new Map<number, number[]>();
  for (const c of cleanups) {
    if (c.targetGroupId === null) {
      deletes.set(c.projectId, [...(deletes.get(c.projectId) ?? []), c.groupId]);
    } else {
      const key = `${c.projectId}:${c.targetGroupId}`;
      const move = moves.get(key) ?? { projectId: c.projectId, toGroupId: c.targetGroupId, fromGroupIds: [] };
      move.fromGroupIds.push(c.groupId);
      moves.set(key, move);
    }
  }
  for (const move of moves.values()) await moveGroupEvents(clickhouse, move);
  for (const [projectId, groupIds] of deletes) await deleteGroupEvents(clickhouse, { projectId, groupIds });
}

async function runNowOrLater(stores: RemovalStores, cleanups: readonly EventCleanup[]): Promise<void> {
  try {
    await runEventCleanups(stores.clickhouse, cleanups);
  } catch (err) {
    stores.logger?.warn({ err }, 'issue events not moved or deleted yet; the maintenance job retries');
  }
}

/** A merged issue set: the primary and the merged-away ids (Sentry's `{parent, children}`). */
export interface MergedIssues {
  parent: number;
  children: number[];
}

/**
 * Merges `groups` (of one project; at least two) into the one with the most events (ties: the
 * highest id), as Sentry's `handle_merge` picks its primary, on behalf of `actorId`.
 */
export async function mergeIssues(
  stores: RemovalStores,
  groups: readonly Group[],
  context: { organizationId: number; projectSlug: string; actorId: number | null },
): Promise<MergedIssues> {
  const projectId = groups[0]?.project_id ?? 0;
  const counts = new Map(
    (
      await queryIssueAggregates(stores.clickhouse, {
        projectIds: [projectId],
        groupIds: groups.map((g) => g.id),
      })
    ).map((a) => [a.group_id, a.count]),
  );
  const ordered = [...groups].sort(
    (a, b) => (counts.get(b.id) ?? 0) - (counts.get(a.id) ?? 0) || b.id - a.id,
  );
  const [primary, ...children] = ordered;
  if (primary === undefined) return { parent: 0, children: [] };
  const cleanups = await mergeGroups(stores.metadata, {
    organizationId: context.organizationId,
    primaryId: primary.id,
    children: children.map((c) => ({
      id: c.id,
      projectId: c.project_id,
      shortId: c.short_id,
      projectSlug: context.projectSlug,
    })),
    actorId: context.actorId,
  });
  await runNowOrLater(stores, cleanups);
  return { parent: primary.id, children: children.map((c) => c.id) };
}

/** Deletes `groups` with their events (see the module comment). */
export async function deleteIssues(stores: RemovalStores, groups: readonly Group[]): Promise<void> {
  const cleanups = await deleteGroups(
    stores.metadata,
    groups.map((g) => ({ id: g.id, projectId: g.project_id })),
  );
  await runNowOrLater(stores, cleanups);
}
