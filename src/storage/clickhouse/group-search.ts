/**
 * One page of the issue stream, filtered, sorted and paged inside ClickHouse: the events of the
 * search window matching the event conditions are grouped by issue, the per-issue conditions
 * (`times_seen`, `first_seen`, `last_seen`, `user_count`) applied, the issues sorted, counted
 * (a window function, so the hit count costs no second scan) and cut to the page. Follows
 * `PostgresSnubaQueryExecutor` (`src/sentry/search/snuba/executors.py`): the sort strategies
 * `date` = `max(timestamp)`, `new` = the issue's lifetime first event, `freq` = `count()`,
 * `user` = distinct users, `trends`, `recommended` and `priority` = Sentry's scores
 * (group-sort-scores.ts), and `inbox` = the date each candidate issue entered the inbox (bound
 * as arrays by the caller, Sentry's Postgres-only `inbox_search`); ties broken by issue id,
 * newest first (Sentry's `SequencePaginator` over `(score, id)` reversed).
 *
 * Three plans answer the same question:
 * - the lifetime plan reads only `group_stats` (issues × environments rows) when the query has
 *   no event conditions, sorts by `date` or `new`, filters at most on `first_seen`/`last_seen`
 *   and its window reaches now — Sentry's Postgres-only path for the default stream, where an
 *   issue is in the window exactly when it was last seen in it;
 * - the inbox plan reads only `group_stats` for the `inbox` sort without event or per-issue
 *   conditions: the candidates seen in the selected environments, whatever their events' dates
 *   (the window bounds the inbox dates instead);
 * - the events plan scans the window's events otherwise.
 * Unless the search names its issues, neither counts issues being merged away or deleted
 * (`LIVE_GROUPS_CONDITION`, ./group-exclusions.ts).
 */
import { LIVE_GROUPS_CONDITION } from '../../query/live-groups.js';
import type { ClickHouseStore } from './client.js';
import { parseDateTime, toDateTime64 } from './datetime.js';
import { isEmptyScope, scopeFilter, type EventFilter } from './events.js';
import { GROUP_STATS_TABLE, lifetimeFilter } from './group-stats.js';
import { queryRows, toNumber } from './query-helpers.js';
import { sortScore, USER_COUNT, type ScoreSort } from './group-sort-scores.js';

/** Sort strategies of the issue stream (`sort=`). */
export type GroupSort = 'date' | 'new' | 'freq' | 'user' | 'inbox' | ScoreSort;

/** The per-issue values a `having` condition may name (column aliases of the search). */
export type GroupAggregateField = 'times_seen' | 'first_seen' | 'last_seen';

/** A condition over per-issue values, with the fields it names. */
export interface GroupHaving extends EventFilter {
  /** The aliases the SQL refers to (decides which plan can answer). */
  fields: readonly GroupAggregateField[];
}

/** What {@link searchGroups} pages through. */
export interface GroupSearchOptions {
  /** Projects searched; an empty list matches nothing. */
  projectIds: readonly number[];
  /** Search window: events with `start <= timestamp < end`. */
  start: Date;
  end: Date;
  /** Only events of these environments; empty or absent = all. */
  environments?: readonly string[];
  /** Event conditions (the compiled search); parameter names must not start with `vigil_`. */
  where?: EventFilter;
  /**
   * Conditions over the per-issue values: `times_seen` (matching events), `last_seen` (their
   * newest timestamp) and `first_seen` (the first event in the selected environments
   * over its lifetime).
   */
  having?: GroupHaving;
  /** Only these issues (`include`) or none of them; absent = no issue filter. */
  groupIds?: { include: boolean; ids: readonly number[] };
  sort: GroupSort;
  /**
   * For the `inbox` sort (required then, else ignored): the candidate issues and the dates they
   * entered the inbox. The search is restricted to them (`groupIds` is ignored) and sorted by
   * those dates.
   */
  inboxDates?: ReadonlyMap<number, Date>;
  /** "Now" of the trends score and of the lifetime plan's window check. */
  now: Date;
  /** Page size (clamped to 1..1000) and rows skipped. */
  limit: number;
  offset: number;
}

/** A page of issue ids in sort order and the number of issues matching in total. */
export interface GroupSearchPage {
  groupIds: number[];
  hits: number;
  /**
   * The page's issues' aggregates over the matching events of the window (count, distinct
   * users, first and last event in the window, an unhandled one among them), by group id;
   * present when the events plan answered a search with event conditions.
   */
  aggregates?: Map<number, WindowAggregates>;
}

/** An issue's aggregates over the search window's matching events. */
export interface WindowAggregates {
  count: number;
  userCount: number;
  firstSeen: Date;
  lastSeen: Date;
  unhandled: boolean;
}

/**
 * Runs one page of the issue search. An empty project list, or an empty `include` list (or
 * `inboxDates` map), gives an empty page without a query.
 *
 * @throws Error for the `inbox` sort without `inboxDates` (a bug in the caller).
 */
export async function searchGroups(
  store: Pick<ClickHouseStore, 'client'>,
  options: GroupSearchOptions,
): Promise<GroupSearchPage> {
  const inbox = options.sort === 'inbox' ? inboxDatesOf(options) : undefined;
  const include =
    inbox !== undefined
      ? [...inbox.keys()]
      : options.groupIds?.include === true
        ? options.groupIds.ids
        : undefined;
  const exclude =
    inbox === undefined && options.groupIds?.include === false ? options.groupIds.ids : undefined;
  if (isEmptyScope({ projectIds: options.projectIds, groupIds: include })) return { groupIds: [], hits: 0 };

  const lifetime = lifetimePlanApplies(options);
  const inner = lifetime
    ? lifetimePlan(options, include, exclude)
    : include !== undefined && inboxPlanApplies(options)
      ? inboxPlan(options, include)
      : eventsPlan(options, include, exclude);
  const having = options.having !== undefined ? `WHERE ${options.having.sql}` : '';
  const settings = scanSettings(lifetime, include);
  // The matching events' aggregates serve the page's `filtered` block, so they are only read
  // back when there are event conditions (the only case the block exists).
  const withAggregates = !lifetime && options.where !== undefined;
  const values = withAggregates
    ? ', times_seen, user_count, vigil_window_first, last_seen, vigil_unhandled'
    : '';
  const rows = await queryRows(
    store,
    `SELECT group_id, count() OVER () AS vigil_hits${values}
       FROM (${inner.sql})
       ${having}
      ORDER BY ${SORT_COLUMNS[options.sort]} DESC, group_id DESC
      LIMIT {vigil_limit:UInt64} OFFSET {vigil_offset:UInt64}
      SETTINGS join_use_nulls = 1${settings}`,
    {
      ...inner.params,
      ...options.having?.params,
      ...(inbox !== undefined ? inboxParams(inbox) : {}),
      vigil_limit: Math.min(1000, Math.max(1, Math.trunc(options.limit))),
      vigil_offset: Math.max(0, Math.trunc(options.offset)),
    },
  );
  const first = rows[0];
  if (first !== undefined) {
    const page: GroupSearchPage = {
      groupIds: rows.map((r) => toNumber(r.group_id)),
      hits: toNumber(first.vigil_hits),
    };
    if (withAggregates) {
      page.aggregates = new Map(
        rows.map((r) => [
          toNumber(r.group_id),
          {
            count: toNumber(r.times_seen),
            userCount: toNumber(r.user_count),
            firstSeen: parseDateTime(r.vigil_window_first),
            lastSeen: parseDateTime(r.last_seen),
            unhandled: toNumber(r.vigil_unhandled) === 1,
          },
        ]),
      );
    }
    return page;
  }
  // A page past the end has no row to carry the count: count without the page.
  return { groupIds: [], hits: options.offset > 0 ? await countGroups(store, inner, options, settings) : 0 };
}

const SORT_COLUMNS: Record<GroupSort, string> = {
  date: 'last_seen',
  new: 'first_seen',
  freq: 'times_seen',
  user: 'user_count',
  trends: 'score',
  recommended: 'score',
  priority: 'score',
  // The row's inbox date in milliseconds, looked up in the bound candidate arrays (inboxParams).
  inbox: 'transform(group_id, {vigil_inbox_ids:Array(UInt64)}, {vigil_inbox_ms:Array(Int64)}, toInt64(0))',
};

function inboxDatesOf(options: GroupSearchOptions): ReadonlyMap<number, Date> {
  if (options.inboxDates === undefined) throw new Error("the 'inbox' sort needs the candidates' inbox dates");
  return options.inboxDates;
}

/** The `inbox` sort key's parameters: the candidates and their inbox dates in milliseconds. */
function inboxParams(inbox: ReadonlyMap<number, Date>): Record<string, unknown> {
  return {
    vigil_inbox_ids: [...inbox.keys()],
    vigil_inbox_ms: [...inbox.values()].map((d) => d.getTime()),
  };
}

async function countGroups(
  store: Pick<ClickHouseStore, 'client'>,
  inner: EventFilter,
  options: GroupSearchOptions,
  settings: string,
): Promise<number> {
  const having = options.having !== undefined ? `WHERE ${options.having.sql}` : '';
  const [row] = await queryRows(
    store,
    `SELECT count() AS vigil_hits FROM (${inner.sql}) ${having} SETTINGS join_use_nulls = 1${settings}`,
    { ...inner.params, ...options.having?.params },
  );
  return row === undefined ? 0 : toNumber(row.vigil_hits);
}

/**
 * The events plan scans a time window: the day-ordered table prunes it, the issue-ordered
 * `events_by_group` projection cannot, so the projection is only allowed when the search is
 * restricted to a list of issues.
 */
function scanSettings(lifetime: boolean, include: readonly number[] | undefined): string {
  return lifetime || include !== undefined ? '' : ', optimize_use_projections = 0';
}

/** The `inbox` sort without event or per-issue conditions needs no event of the window. */
function inboxPlanApplies(options: GroupSearchOptions): boolean {
  return options.sort === 'inbox' && options.where === undefined && options.having === undefined;
}

/**
 * The candidates of the `inbox` sort seen in the selected environments (Sentry's
 * `GroupEnvironment` filter of `inbox_search`), from their lifetime rows.
 */
function inboxPlan(options: GroupSearchOptions, include: readonly number[]): EventFilter {
  const filter = lifetimeFilter(options.projectIds, options.environments);
  return {
    sql: `SELECT group_id
            FROM ${GROUP_STATS_TABLE}
           WHERE ${filter.sql} AND group_id IN {vigil_group_ids:Array(UInt64)}
           GROUP BY group_id`,
    params: { ...filter.params, vigil_group_ids: [...include] },
  };
}

function lifetimePlanApplies(options: GroupSearchOptions): boolean {
  if (options.where !== undefined) return false;
  if (options.sort !== 'date' && options.sort !== 'new') return false;
  if (options.end.getTime() < options.now.getTime()) return false;
  return (options.having?.fields ?? []).every((f) => f === 'first_seen' || f === 'last_seen');
}

/** Per-issue `first_seen` / `last_seen` from `group_stats`, for issues last seen in the window. */
function lifetimePlan(
  options: GroupSearchOptions,
  include: readonly number[] | undefined,
  exclude: readonly number[] | undefined,
): EventFilter {
  const filter = lifetimeFilter(options.projectIds, options.environments);
  const params: Record<string, unknown> = {
    ...filter.params,
    vigil_start: toDateTime64(options.start),
    vigil_end: toDateTime64(options.end),
  };
  let ids = '';
  if (include !== undefined) {
    ids = 'AND group_id IN {vigil_group_ids:Array(UInt64)}';
    params.vigil_group_ids = [...include];
  } else {
    // The lifetime rows of issues being merged away or deleted go with their events.
    ids = `AND ${LIVE_GROUPS_CONDITION}`;
    if (exclude !== undefined && exclude.length > 0) {
      ids += ' AND group_id NOT IN {vigil_exclude_group_ids:Array(UInt64)}';
      params.vigil_exclude_group_ids = [...exclude];
    }
  }
  return {
    sql: `SELECT group_id, vigil_first AS first_seen, vigil_last AS last_seen
            FROM (SELECT group_id, min(first_seen) AS vigil_first, max(last_seen) AS vigil_last
                    FROM ${GROUP_STATS_TABLE}
                   WHERE ${filter.sql} ${ids}
                   GROUP BY group_id)
           WHERE vigil_last >= {vigil_start:DateTime64(3, 'UTC')}
             AND vigil_first < {vigil_end:DateTime64(3, 'UTC')}`,
    params,
  };
}

/** Per-issue values over the window's matching events (joined to lifetime first-seen when used). */
function eventsPlan(
  options: GroupSearchOptions,
  include: readonly number[] | undefined,
  exclude: readonly number[] | undefined,
): EventFilter {
  const scope = scopeFilter({
    projectIds: options.projectIds,
    groupIds: include,
    excludeGroupIds: exclude,
    start: options.start,
    end: options.end,
    environment: options.environments,
    where: options.where,
  });
  const params: Record<string, unknown> = { ...scope.params };
  const scoreSql = sortScore(
    options.sort,
    { start: options.start, end: options.end, now: options.now },
    params,
  );
  const score = scoreSql !== undefined ? `, ${scoreSql} AS score` : '';
  // Distinct users cost a hash set per issue over every scanned event: computed only to sort by
  // them or for the `filtered` block (under event conditions, which usually keep few events).
  const userCount = options.sort === 'user' || options.where !== undefined ? USER_COUNT : '0';
  const aggregate = `SELECT group_id,
                            count() AS times_seen,
                            ${userCount} AS user_count,
                            max(timestamp) AS last_seen,
                            min(timestamp) AS vigil_window_first,
                            countIf(handled = 0) > 0 AS vigil_unhandled${score}
                       FROM events
                      WHERE ${scope.sql}
                      GROUP BY group_id`;
  const needsLifetime = options.sort === 'new' || (options.having?.fields ?? []).includes('first_seen');
  if (!needsLifetime) {
    return { sql: `SELECT *, vigil_window_first AS first_seen FROM (${aggregate})`, params };
  }
  const lifetime = lifetimeFilter(options.projectIds, options.environments);
  Object.assign(params, lifetime.params);
  // Sentry's `min(coalesce(group_first_seen, timestamp))`: the lifetime first event, or the
  // window's when the lifetime row is missing.
  return {
    sql: `SELECT a.group_id AS group_id, a.times_seen AS times_seen, a.user_count AS user_count,
                 a.last_seen AS last_seen, a.vigil_window_first AS vigil_window_first,
                 a.vigil_unhandled AS vigil_unhandled${score !== '' ? ', a.score AS score' : ''},
                 least(coalesce(l.vigil_first, a.vigil_window_first), a.vigil_window_first) AS first_seen
            FROM (${aggregate}) AS a
            LEFT JOIN (SELECT group_id, min(first_seen) AS vigil_first
                         FROM ${GROUP_STATS_TABLE}
                        WHERE ${lifetime.sql}
                        GROUP BY group_id) AS l ON a.group_id = l.group_id`,
    params,
  };
}
