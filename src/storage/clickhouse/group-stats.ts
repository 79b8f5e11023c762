/**
 * The `group_stats` table: each issue's lifetime aggregates per environment — first and last
 * event time, event count and distinct users — maintained by ClickHouse itself. A materialized
 * view folds every block inserted into `events` into it, so the counts come from ClickHouse
 * aggregates rather than per-event row updates (DESIGN.md "Storage"). It plays the part of
 * Sentry's `Group.first_seen` / `last_seen` / `times_seen` and `GroupEnvironment.first_seen`
 * (lifetime values the issue stream's `age`, `firstSeen:` and `sort=new` use, and the
 * `lifetime` block of the issue serializer; `src/sentry/search/snuba/executors.py` sorts `new`
 * by `min(coalesce(group_first_seen, timestamp))`).
 *
 * Like Sentry's counters, the lifetime rows outlive the events' TTL and count an event stored
 * twice (see events.ts) twice. Deleting events does not reach the view: the events of a merged
 * or deleted issue are removed with {@link deleteGroupStats} too (group-events.ts), and a moved
 * event is counted at its new issue when it is inserted there. The migration backfills from the events stored before the view
 * existed; it runs at start before ingest, and skips the backfill when the table already has
 * rows so that a re-run after a crash does not count events twice.
 */
import type { ClickHouseStore } from './client.js';
import { parseDateTime } from './datetime.js';
import type { ClickHouseMigration } from './migrations.js';
import { queryRows, toNumber } from './query-helpers.js';

/** Name of the lifetime aggregates table. */
export const GROUP_STATS_TABLE = 'group_stats';

const CREATE_GROUP_STATS = `CREATE TABLE IF NOT EXISTS ${GROUP_STATS_TABLE}
(
    project_id UInt64,
    group_id UInt64,
    environment String,
    first_seen SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    last_seen SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    times_seen SimpleAggregateFunction(sum, UInt64),
    users AggregateFunction(uniq, String)
)
ENGINE = AggregatingMergeTree
ORDER BY (project_id, group_id, environment)`;

/** The per-block aggregation the view and the backfill share. */
const AGGREGATE_EVENTS = `SELECT project_id, group_id, environment,
       min(timestamp) AS first_seen,
       max(timestamp) AS last_seen,
       count() AS times_seen,
       uniqStateIf(user, user != '') AS users
  FROM events`;

const BACKFILL_GROUP_STATS = `INSERT INTO ${GROUP_STATS_TABLE}
${AGGREGATE_EVENTS}
 WHERE (SELECT count() FROM ${GROUP_STATS_TABLE}) = 0
 GROUP BY project_id, group_id, environment`;

const CREATE_GROUP_STATS_VIEW = `CREATE MATERIALIZED VIEW IF NOT EXISTS ${GROUP_STATS_TABLE}_mv TO ${GROUP_STATS_TABLE} AS
${AGGREGATE_EVENTS}
 GROUP BY project_id, group_id, environment`;

/** Telemetry migration 13: `group_stats`, its backfill and the view that maintains it. */
export const GROUP_STATS_MIGRATION: ClickHouseMigration = {
  version: 13,
  name: 'create_group_stats',
  statements: [CREATE_GROUP_STATS, BACKFILL_GROUP_STATS, CREATE_GROUP_STATS_VIEW],
};

/** An issue's aggregates over a set of its events (Sentry's "seen stats"). */
export interface SeenStats {
  /** Number of events. */
  count: number;
  /** Distinct non-empty `user` values (ClickHouse `uniq`). */
  userCount: number;
  firstSeen: Date;
  lastSeen: Date;
}

/** Which issues {@link queryLifetimeStats} reads. */
export interface LifetimeScope {
  /** Projects of the issues (lets ClickHouse use the primary key); an empty list matches nothing. */
  projectIds: readonly number[];
  /** The issues; an empty list matches nothing. */
  groupIds: readonly number[];
  /** Only events of these environments (exact names); empty or absent = all. */
  environments?: readonly string[];
}

/**
 * Lifetime aggregates of the issues in `scope` over all their stored events (of the given
 * environments), by group id; issues without such events are absent.
 */
export async function queryLifetimeStats(
  store: Pick<ClickHouseStore, 'client'>,
  scope: LifetimeScope,
): Promise<Map<number, SeenStats>> {
  const out = new Map<number, SeenStats>();
  if (scope.projectIds.length === 0 || scope.groupIds.length === 0) return out;
  const filter = lifetimeFilter(scope.projectIds, scope.environments);
  const rows = await queryRows(
    store,
    `SELECT group_id,
            sum(times_seen) AS vigil_count,
            uniqMerge(users) AS vigil_user_count,
            min(first_seen) AS vigil_first_seen,
            max(last_seen) AS vigil_last_seen
       FROM ${GROUP_STATS_TABLE}
      WHERE ${filter.sql} AND group_id IN {vigil_group_ids:Array(UInt64)}
      GROUP BY group_id`,
    { ...filter.params, vigil_group_ids: [...scope.groupIds] },
  );
  for (const r of rows) {
    out.set(toNumber(r.group_id), {
      count: toNumber(r.vigil_count),
      userCount: toNumber(r.vigil_user_count),
      firstSeen: parseDateTime(r.vigil_first_seen),
      lastSeen: parseDateTime(r.vigil_last_seen),
    });
  }
  return out;
}

/**
 * The WHERE over `group_stats` for `projectIds` and (when non-empty) `environments`, binding
 * `vigil_lifetime_projects` / `vigil_lifetime_environments`. Shared with the issue search.
 */
export function lifetimeFilter(
  projectIds: readonly number[],
  environments: readonly string[] | undefined,
): { sql: string; params: Record<string, unknown> } {
  const params: Record<string, unknown> = { vigil_lifetime_projects: [...projectIds] };
  let sql = 'project_id IN {vigil_lifetime_projects:Array(UInt64)}';
  if (environments !== undefined && environments.length > 0) {
    sql += ' AND environment IN {vigil_lifetime_environments:Array(String)}';
    params.vigil_lifetime_environments = [...environments];
  }
  return { sql, params };
}

/**
 * Deletes the lifetime rows of issues `groupIds` of project `projectId` (a lightweight delete):
 * for issues whose events were deleted or moved to another issue, which the view does not see.
 */
export async function deleteGroupStats(
  store: Pick<ClickHouseStore, 'client'>,
  target: { projectId: number; groupIds: readonly number[] },
): Promise<void> {
  if (target.groupIds.length === 0) return;
  await store.client.command({
    query: `DELETE FROM ${GROUP_STATS_TABLE}
             WHERE project_id = {vigil_project:UInt64} AND group_id IN {vigil_groups:Array(UInt64)}`,
    query_params: { vigil_project: target.projectId, vigil_groups: [...target.groupIds] },
  });
}
