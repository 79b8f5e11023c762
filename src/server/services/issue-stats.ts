/**
 * The aggregates the issue stream shows next to each issue (Sentry's
 * `StreamGroupSerializerSnuba`, `src/sentry/api/serializers/models/group_stream.py`):
 * - base: count, users, first/last seen over the request's window and environments, without
 *   the search conditions (`time_range_result`);
 * - `filtered`: the same with the search's event conditions (only when it has some);
 * - `lifetime`: over all stored events of the environments (`group_stats`);
 * - `stats`: event counts per bucket for `groupStatsPeriod` (`24h`: 24 hourly buckets, `14d`:
 *   14 daily ones, `auto`: the window cut into ~30 buckets — `GroupStatsMixin.get_stats`), and
 *   the same with the search conditions for `filtered.stats`.
 * Every query here is bounded by the page's issue ids.
 */
import {
  groupStats,
  queryIssueAggregates,
  type ClickHouseStore,
  type EventFilter,
} from '../../storage/clickhouse/index.js';
import {
  pageGroupStats,
  type PageSeenStats,
  type PageSeries,
} from '../../storage/clickhouse/group-page-stats.js';
import { queryLifetimeStats, type SeenStats } from '../../storage/clickhouse/group-stats.js';
import { groupTagKeys } from '../../storage/clickhouse/group-tags.js';
import type { WindowAggregates } from '../../storage/clickhouse/group-search.js';

/** Sentry's `groupStatsPeriod` values (empty = no stats). */
export type GroupStatsPeriod = '24h' | '14d' | 'auto';

/** Base aggregates of an issue over the request's window. */
export interface WindowStats extends SeenStats {
  /** Whether one of the window's events had an unhandled exception. */
  isUnhandled: boolean;
}

/** A series of `[bucket start (unix seconds), events]`, oldest first. */
export type StatsSeries = Array<[number, number]>;

/** What {@link issueStreamStats} computes. */
export interface IssueStreamStatsRequest {
  projectIds: readonly number[];
  groupIds: readonly number[];
  /** Selected environments; empty = all. */
  environments: readonly string[];
  /** The request's window (`statsPeriod` or `start`/`end`); absent = all stored events. */
  start?: Date;
  end?: Date;
  /** The search's event conditions; null when it has none (then `filtered` is null). */
  conditions: EventFilter | null;
  /**
   * The page's aggregates under `conditions` over the same window, when the search already
   * computed them (`searchGroups`' events plan): `filtered` is then not scanned again.
   */
  searchAggregates?: Map<number, WindowAggregates>;
  /** null: no `stats`. */
  statsPeriod: GroupStatsPeriod | null;
  now: Date;
  /** Sentry's `collapse`: `stats` (drops stats, lifetime and filtered), `lifetime`, `filtered`. */
  collapse: ReadonlySet<string>;
}

/** Per-issue aggregates by group id; issues without events in a scope are absent from its map. */
export interface IssueStreamStats {
  base: Map<number, WindowStats>;
  /** Absent when collapsed. */
  lifetime?: Map<number, SeenStats>;
  /** Absent when collapsed; null when the search has no event conditions. */
  filtered?: Map<number, SeenStats> | null;
  /** The period's name and series, absent without a period or when collapsed. */
  stats?: { period: GroupStatsPeriod; series: Map<number, StatsSeries> };
  /** The period's series under the search conditions, when `filtered` has data. */
  filteredStats?: Map<number, StatsSeries>;
}

const HOUR = 3600;
const DAY = 24 * HOUR;
/** `CUSTOM_SEGMENTS` / `CUSTOM_SEGMENTS_12H` of `GroupStatsMixin`. */
const SEGMENTS = 29;
const SEGMENTS_12H = 35;

/** Computes the aggregates of `request`: one scan of the page's events and one `group_stats` read. */
export async function issueStreamStats(
  store: ClickHouseStore,
  request: IssueStreamStatsRequest,
): Promise<IssueStreamStats> {
  const withStats = !request.collapse.has('stats');
  const wantFiltered = withStats && !request.collapse.has('filtered') && request.conditions !== null;
  const window = request.statsPeriod === null || !withStats ? null : statsWindow(request);
  const series =
    window === null ? undefined : { since: window.since, until: window.until, rollupSeconds: window.rollup };
  const scope = {
    projectIds: request.projectIds,
    groupIds: request.groupIds,
    environments: request.environments,
  };
  const known = wantFiltered ? request.searchAggregates : undefined;
  const [page, lifetime, filteredPage] = await Promise.all([
    pageGroupStats(store, {
      ...scope,
      window: { start: request.start, end: request.end },
      series,
      // Without the search's aggregates, the filtered parts come from the same scan.
      conditions: wantFiltered && known === undefined ? (request.conditions ?? undefined) : undefined,
    }),
    withStats && !request.collapse.has('lifetime') ? queryLifetimeStats(store, scope) : undefined,
    // With them, only the filtered series is left: a scan of the series' range.
    known !== undefined && series !== undefined && request.conditions !== null
      ? pageGroupStats(store, {
          ...scope,
          window: { start: series.since, end: series.until },
          series,
          where: request.conditions,
        })
      : undefined,
  ]);
  const seen = ({ unhandled: _, ...stats }: PageSeenStats | WindowAggregates): SeenStats => stats;
  const toSeries = (points: PageSeries | undefined): StatsSeries =>
    (points ?? []).map(([start, count]) => [start.getTime() / 1000, count]);
  const result: IssueStreamStats = { base: new Map() };
  const filtered = new Map<number, SeenStats>();
  const seriesById = new Map<number, StatsSeries>();
  const filteredSeries = new Map<number, StatsSeries>();
  for (const [id, entry] of page) {
    if (entry.base !== undefined)
      result.base.set(id, { ...seen(entry.base), isUnhandled: entry.base.unhandled });
    if (entry.filtered !== undefined) filtered.set(id, seen(entry.filtered));
    if (entry.series !== undefined) seriesById.set(id, toSeries(entry.series));
    if (entry.filteredSeries !== undefined) filteredSeries.set(id, toSeries(entry.filteredSeries));
  }
  if (known !== undefined) {
    for (const id of request.groupIds) {
      const stats = known.get(id);
      if (stats !== undefined) filtered.set(id, seen(stats));
      const points = filteredPage?.get(id)?.series;
      if (points !== undefined) filteredSeries.set(id, toSeries(points));
    }
  }
  if (lifetime !== undefined) result.lifetime = lifetime;
  if (withStats && !request.collapse.has('filtered')) result.filtered = wantFiltered ? filtered : null;
  if (window !== null && request.statsPeriod !== null) {
    result.stats = { period: request.statsPeriod, series: seriesById };
  }
  if (wantFiltered && window !== null) result.filteredStats = filteredSeries;
  return result;
}

/**
 * The buckets of a stats period (`GroupStatsMixin.get_stats`): `24h` = 24 hours ending with the
 * current one, `14d` = 14 days ending today, `auto` = the request window with a rollup giving
 * about 30 buckets (1h, 2h, 3h, 6h, 12h or 24h steps, else whole days).
 */
export function statsWindow(
  request: Pick<IssueStreamStatsRequest, 'statsPeriod' | 'start' | 'end' | 'now'>,
): {
  since: Date;
  until: Date;
  rollup: number;
} {
  const now = request.now.getTime();
  if (request.statsPeriod === '24h')
    return { since: new Date(now - 23 * HOUR * 1000), until: request.now, rollup: HOUR };
  if (request.statsPeriod === '14d')
    return { since: new Date(now - 13 * DAY * 1000), until: request.now, rollup: DAY };
  const since = request.start ?? request.now;
  const until = request.end ?? request.now;
  return { since, until, rollup: autoRollup((until.getTime() - since.getTime()) / 1000) };
}

/** Sentry's rollup (seconds) for `groupStatsPeriod=auto` over a window of `seconds`. */
export function autoRollup(seconds: number): number {
  if (seconds < DAY) return Math.max(1, Math.trunc(seconds / SEGMENTS));
  for (const hours of [1, 2, 3, 6]) if (seconds < SEGMENTS * hours * HOUR) return hours * HOUR;
  if (seconds < SEGMENTS_12H * 12 * HOUR) return 12 * HOUR;
  if (seconds < SEGMENTS * DAY) return DAY;
  return Math.max(1, Math.round(seconds / (SEGMENTS * DAY))) * DAY;
}

/** What the issue-details endpoint shows of an issue's events. */
export interface IssueDetailStats {
  /** Lifetime count over all environments (`get_group_global_count`). */
  count: number;
  /** Lifetime distinct users, first and last seen in the selected environments; null without events. */
  lifetime: SeenStats | null;
  /** Whether a stored event of the issue had an unhandled exception. */
  isUnhandled: boolean;
  /** `24h`: hourly counts over the last day; `30d`: daily counts over the last 30 days. */
  stats: { '24h': StatsSeries; '30d': StatsSeries };
  /** Up to 100 tag keys of the selected environments with their event counts. */
  tags: Array<{ key: string; count: number }>;
}

/**
 * The event aggregates of Sentry's issue details (`GroupDetailsEndpoint.get`: the serializer's
 * lifetime seen stats, `count` from the issue's global counter, hourly and daily `stats`,
 * `tags` from `get_group_tag_keys(limit=100)`).
 */
export async function issueDetailStats(
  store: ClickHouseStore,
  group: { id: number; project_id: number },
  environments: readonly string[],
  now: Date,
): Promise<IssueDetailStats> {
  const ids = { projectIds: [group.project_id], groupIds: [group.id] };
  const series = (days: number, interval: 'hour' | 'day') =>
    groupStats(store, {
      ...ids,
      environments,
      since: new Date(now.getTime() - days * DAY * 1000),
      until: now,
      interval,
    }).then((m) => (m.get(group.id) ?? []).map((b): [number, number] => [b.start.getTime() / 1000, b.count]));
  const [all, lifetime, unhandled, hourly, daily, tags] = await Promise.all([
    queryLifetimeStats(store, ids),
    queryLifetimeStats(store, { ...ids, environments }),
    queryIssueAggregates(store, { ...ids, environment: environments }),
    series(1, 'hour'),
    series(30, 'day'),
    groupTagKeys(
      store,
      { groupId: group.id, projectId: group.project_id, environments, store: 'tags' },
      { valueLimit: 0 },
    ),
  ]);
  return {
    count: all.get(group.id)?.count ?? 0,
    lifetime: lifetime.get(group.id) ?? null,
    isUnhandled: unhandled[0]?.unhandled ?? false,
    stats: { '24h': hourly, '30d': daily },
    tags: tags.slice(0, 100).map((t) => ({ key: t.key, count: t.count })),
  };
}
