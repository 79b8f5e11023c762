/**
 * Issue search (reference/sentry-semantics.md §2): the query is compiled into a filter
 * over stored events (ClickHouse), a HAVING over per-issue aggregates, and filters on
 * issue state (status, substatus, ...) that the metadata store answers. Counts, user
 * counts and first/last seen come from ClickHouse aggregates, never from per-event row
 * updates (DESIGN.md, "Storage").
 */
import { compileIssueSearch } from '../../query/index.js';
import { getGroups, listGroups, type MetadataStore } from '../../storage/metadata/index.js';
import { queryIssueAggregates, type ClickHouseStore } from '../../storage/clickhouse/index.js';
import { matchesGroupFilters } from './group-filters.js';

/** Issue-list sort keys of Sentry's API (`sort=`); default `date` (last seen). */
export type IssueSort = 'date' | 'new' | 'freq' | 'user';

/** One search request. */
export interface IssueSearchParams {
  projectIds: number[];
  /** Sentry search syntax; `undefined` means Sentry's default `is:unresolved`. */
  query?: string;
  sort?: IssueSort;
  offset: number;
  limit: number;
  now: Date;
  start?: Date;
  end?: Date;
  environments?: string[];
}

type GroupRow = Awaited<ReturnType<typeof getGroups>>[number];

/** A hit: the issue row and its aggregates over the matching events. */
export interface IssueHit {
  group: GroupRow;
  count: number;
  userCount: number;
  firstSeen: Date;
  lastSeen: Date;
  isUnhandled: boolean;
}

/** A page of hits, or Sentry's parse error (HTTP 400 at the API). */
export type IssueSearchResult =
  { ok: true; hits: IssueHit[]; hasMore: boolean } | { ok: false; detail: string };

const SORTS: Record<IssueSort, (a: IssueHit, b: IssueHit) => number> = {
  date: (a, b) => b.lastSeen.getTime() - a.lastSeen.getTime(),
  new: (a, b) => b.firstSeen.getTime() - a.firstSeen.getTime(),
  freq: (a, b) => b.count - a.count,
  user: (a, b) => b.userCount - a.userCount,
};

/**
 * Runs one issue search. With issue-state filters (the usual `is:unresolved`) the
 * candidate issues come from the metadata store first and the ClickHouse aggregation is
 * restricted to them; otherwise every issue with matching events is a candidate.
 */
export async function searchIssues(
  stores: { metadata: MetadataStore; clickhouse: ClickHouseStore },
  params: IssueSearchParams,
): Promise<IssueSearchResult> {
  const compiled = compileIssueSearch(params.query ?? 'is:unresolved', { now: params.now });
  if (!compiled.ok) return { ok: false, detail: compiled.error.message };
  const { groupFilters } = compiled;
  let candidates: Map<number, GroupRow> | undefined;
  if (groupFilters.length > 0) {
    // A single wanted status narrows the metadata query; matchesGroupFilters checks the rest.
    const status = groupFilters.find((f) => f.kind === 'status' && !f.negated && f.values.length === 1);
    const rows = await listGroups(stores.metadata, {
      projectIds: params.projectIds,
      status:
        status?.kind === 'status' ? (status.values[0] as 'unresolved' | 'resolved' | 'ignored') : undefined,
    });
    candidates = new Map(rows.filter((g) => matchesGroupFilters(g, groupFilters)).map((g) => [g.id, g]));
    if (candidates.size === 0) return { ok: true, hits: [], hasMore: false };
  }
  const aggregates = await queryIssueAggregates(stores.clickhouse, {
    projectIds: params.projectIds,
    where: compiled.eventWhere ?? undefined,
    having: compiled.having ?? undefined,
    groupIds: candidates ? [...candidates.keys()] : undefined,
    start: params.start,
    end: params.end,
    environment: params.environments,
  });
  const groups =
    candidates ??
    new Map(
      (
        await getGroups(
          stores.metadata,
          aggregates.map((a) => a.group_id),
        )
      ).map((g) => [g.id, g]),
    );
  const hits: IssueHit[] = [];
  for (const a of aggregates) {
    const group = groups.get(a.group_id);
    if (!group) continue;
    hits.push({
      group,
      count: a.count,
      userCount: a.user_count,
      firstSeen: a.first_seen,
      lastSeen: a.last_seen,
      isUnhandled: a.unhandled,
    });
  }
  hits.sort((a, b) => SORTS[params.sort ?? 'date'](a, b) || b.group.id - a.group.id);
  return {
    ok: true,
    hits: hits.slice(params.offset, params.offset + params.limit),
    hasMore: hits.length > params.offset + params.limit,
  };
}
