/**
 * Issue search (reference/sentry-semantics.md §2): the query is compiled into event conditions,
 * conditions on per-issue values and filters on issue state; the issue-state filters become an
 * issue-id condition (group-candidates.ts) and ClickHouse filters, sorts, counts and pages the
 * issues in one query (src/storage/clickhouse/group-search.ts). Only the page's issue rows are
 * read from the metadata store. Follows `PostgresSnubaQueryExecutor.query`
 * (`src/sentry/search/snuba/executors.py`) for the window: at most 90 days back (Sentry's
 * retention window) up to a minute ahead (`ALLOWED_FUTURE_DELTA`) unless the request bounds it.
 *
 * The `inbox` sort follows Sentry's `inbox_search` (`src/sentry/issues/endpoints/
 * organization_group_index.py`): it needs `is:for_review` and `is:unresolved`, lists only inbox
 * entries (of the last seven days) added within the window, newest entry first, and counts them
 * exactly. Where Sentry answers 400 for any other term ("Invalid search terms for 'inbox'
 * search"), Vigil applies them as in the other sorts (event conditions over the window's events).
 */
import { compileIssueSearch, type GroupFilter, type IssueSearchCompilation } from '../../query/index.js';
import { getGroups, type Group, type MetadataStore } from '../../storage/metadata/index.js';
import type { ClickHouseStore, EventFilter } from '../../storage/clickhouse/index.js';
import {
  searchGroups,
  type GroupSort,
  type WindowAggregates,
} from '../../storage/clickhouse/group-search.js';
import { groupIdFilter, inboxCandidates, type GroupIdFilter } from './group-candidates.js';
import type { SearchViewer } from './group-filters.js';
import { latestReleases } from './latest-release.js';

/**
 * Issue-list sort keys of Sentry's API (`sort=`; `PostgresSnubaQueryExecutor.sort_strategies`
 * plus `inbox`, reference/sentry-semantics.md §2.4); default `date` (last seen).
 */
export type IssueSort = GroupSort;

/** The sorts {@link searchIssues} accepts. */
export const ISSUE_SORTS: readonly IssueSort[] = [
  'date',
  'new',
  'freq',
  'user',
  'trends',
  'recommended',
  'priority',
  'inbox',
];

/** Sentry's 400 for the `inbox` sort without `is:for_review` (`inbox_search`). */
export const ERR_INBOX_SORT_NOT_INBOX = "Sort key 'inbox' only supported for inbox search";
/** Sentry's 400 for the `inbox` sort without `is:unresolved` (`inbox_search`). */
export const ERR_INBOX_SORT_STATUS = "Inbox search only works for 'unresolved' status";

/** Sentry's cap on the reported hit count (`SEARCH_MAX_HITS`, `X-Max-Hits`). */
export const SEARCH_MAX_HITS = 1000;

/** How far back a search looks without `start` (Sentry's 90-day retention window). */
export const DEFAULT_SEARCH_DAYS = 90;

const DAY_MS = 86_400_000;
/** Sentry's `ALLOWED_FUTURE_DELTA`: events up to a minute ahead of now are searched. */
const FUTURE_MS = 60_000;

/** One search request. */
export interface IssueSearchParams {
  /** Who searches: their organization, and the user `assigned:me`, `bookmarks:me` name. */
  viewer: SearchViewer;
  projectIds: number[];
  /** Sentry search syntax; `undefined` means Sentry's default `is:unresolved`. */
  query?: string;
  sort?: IssueSort;
  offset: number;
  limit: number;
  now: Date;
  /** Window bounds; absent = the last 90 days up to a minute from now. */
  start?: Date;
  end?: Date;
  environments?: string[];
}

/** A page of issues, or Sentry's error message for an invalid search (HTTP 400 at the API). */
export type IssueSearchResult =
  | {
      ok: true;
      /** The page's issues in sort order. */
      groups: Group[];
      /** Issues matching in total (exact). */
      hits: number;
      hasMore: boolean;
      /** The search's event conditions (for `filtered`), null when it has none. */
      conditions: EventFilter | null;
      /** The page's issues' aggregates under the conditions, when the search computed them. */
      aggregates?: Map<number, WindowAggregates>;
    }
  | { ok: false; detail: string };

/** The window a search covers when the request gives `start`/`end` or not. */
export function searchWindow(params: Pick<IssueSearchParams, 'now' | 'start' | 'end'>): {
  start: Date;
  end: Date;
} {
  return {
    start: params.start ?? new Date(params.now.getTime() - DEFAULT_SEARCH_DAYS * DAY_MS),
    end: params.end ?? new Date(params.now.getTime() + FUTURE_MS),
  };
}

/** What {@link compileStreamSearch} needs. */
export interface StreamSearchScope {
  organizationId: number;
  projectIds: readonly number[];
  environments: readonly string[];
  /** Sentry search syntax (already defaulted). */
  query: string;
  now: Date;
}

/**
 * Compiles an issue-stream query, first looking up the latest release(s) when it names
 * `latest` (only then: the lookup costs a metadata and a ClickHouse query).
 */
export async function compileStreamSearch(
  stores: { metadata: MetadataStore; clickhouse: ClickHouseStore },
  scope: StreamSearchScope,
): Promise<IssueSearchCompilation> {
  const latestRelease = /\blatest\b/.test(scope.query)
    ? await latestReleases(stores, {
        organizationId: scope.organizationId,
        projectIds: scope.projectIds,
        environments: scope.environments,
      })
    : undefined;
  return compileIssueSearch(scope.query, { now: scope.now, latestRelease });
}

/**
 * Runs one issue search. Parse errors come back as `{ok: false}` with Sentry's wording
 * (`Error parsing search query: ...`), as do the `inbox` sort's ({@link inboxSortError}).
 */
export async function searchIssues(
  stores: { metadata: MetadataStore; clickhouse: ClickHouseStore },
  params: IssueSearchParams,
): Promise<IssueSearchResult> {
  const environments = params.environments ?? [];
  const compiled = await compileStreamSearch(stores, {
    organizationId: params.viewer.organizationId,
    projectIds: params.projectIds,
    environments,
    query: (params.query ?? 'is:unresolved').trim(),
    now: params.now,
  });
  if (!compiled.ok) return { ok: false, detail: `Error parsing search query: ${compiled.error.message}` };
  const empty: IssueSearchResult = {
    ok: true,
    groups: [],
    hits: 0,
    hasMore: false,
    conditions: compiled.eventWhere,
  };
  if (params.projectIds.length === 0) return empty;

  const sort = params.sort ?? 'date';
  const inboxError = sort === 'inbox' ? inboxSortError(compiled.groupFilters) : undefined;
  if (inboxError !== undefined) return { ok: false, detail: inboxError };
  const window = searchWindow(params);
  if (window.start.getTime() >= window.end.getTime()) return empty;
  const candidates = {
    projectIds: params.projectIds,
    filters: compiled.groupFilters,
    viewer: params.viewer,
    now: params.now,
  };
  let ids: GroupIdFilter | undefined;
  let inboxDates: Map<number, Date> | undefined;
  if (sort === 'inbox') {
    inboxDates = await inboxCandidates(stores.metadata, { ...candidates, ...window });
    if (inboxDates.size === 0) return empty;
  } else {
    ids = await groupIdFilter(stores.metadata, candidates);
    if (ids?.include === true && ids.ids.length === 0) return empty;
  }
  const page = await searchGroups(stores.clickhouse, {
    projectIds: params.projectIds,
    start: window.start,
    end: window.end,
    environments,
    where: compiled.eventWhere ?? undefined,
    having: compiled.having ?? undefined,
    groupIds: ids,
    sort,
    inboxDates,
    now: params.now,
    limit: params.limit,
    offset: params.offset,
  });
  const rows = new Map((await getGroups(stores.metadata, page.groupIds)).map((g) => [g.id, g]));
  return {
    ok: true,
    groups: page.groupIds.map((id) => rows.get(id)).filter((g): g is Group => g !== undefined),
    hits: page.hits,
    hasMore: page.hits > params.offset + params.limit,
    conditions: compiled.eventWhere,
    aggregates: page.aggregates,
  };
}

/**
 * Why a search cannot be sorted by `inbox`, with Sentry's message (`inbox_search`): it must
 * filter on `is:for_review` and on `is:unresolved` alone; undefined when it can.
 */
export function inboxSortError(filters: readonly GroupFilter[]): string | undefined {
  if (!filters.some((f) => f.kind === 'for_review' && f.value)) return ERR_INBOX_SORT_NOT_INBOX;
  const unresolved = filters.some(
    (f) => f.kind === 'status' && !f.negated && f.values.length === 1 && f.values[0] === 'unresolved',
  );
  return unresolved ? undefined : ERR_INBOX_SORT_STATUS;
}
