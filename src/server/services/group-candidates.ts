/**
 * Turns the issue-state part of an issue search (status, substatus, first release, priority,
 * assignment, bookmarks, subscriptions, inbox...; `GroupFilter`s answered by the metadata store)
 * into an issue-id condition for the ClickHouse search: the shorter of the kept ids and the
 * dropped ids goes to ClickHouse. `is:unresolved` usually drops a few resolved issues
 * (`group_id NOT IN ...`), `assigned:me` or `is:resolved` usually keep a few (`group_id IN ...`).
 * The filters are one SQL condition (group-filters.ts), counted and then listed in the metadata
 * store; no issue row is read. This replaces Sentry's candidate/post-filter dance
 * (`snuba.search.max-pre-snuba-candidates` and chunked post-filtering in
 * `PostgresSnubaQueryExecutor.query`) with one exact query per page.
 */
import type { GroupFilter } from '../../query/index.js';
import { inboxDatesWhere, type MetadataStore } from '../../storage/metadata/index.js';
import { countGroupsWhere, groupIdsWhere } from '../../storage/metadata/group-states.js';
import { groupFilterPredicate, type SearchViewer } from './group-filters.js';

/** Issues the search may return (`include`) or must not return (`!include`). */
export interface GroupIdFilter {
  include: boolean;
  ids: number[];
}

/** What {@link groupIdFilter} restricts. */
export interface GroupIdFilterQuery {
  /** The searched projects; none = nothing matches. */
  projectIds: readonly number[];
  filters: readonly GroupFilter[];
  /** Who searches (`assigned:me`, `bookmarks:me`, `my_teams`). */
  viewer: SearchViewer;
  /** Now, for `is:for_review`'s seven days. */
  now: Date;
}

/**
 * The issue-id condition equivalent to `query.filters` over the issues of `query.projectIds`;
 * undefined when every issue passes (no condition needed). An `include` list may be empty:
 * nothing can match.
 */
export async function groupIdFilter(
  metadata: MetadataStore,
  query: GroupIdFilterQuery,
): Promise<GroupIdFilter | undefined> {
  if (query.filters.length === 0) return undefined;
  const predicate = await groupFilterPredicate(metadata, query);
  const { total, matching } = await countGroupsWhere(metadata, query.projectIds, predicate);
  if (matching === total) return undefined;
  if (matching === 0) return { include: true, ids: [] };
  const include = matching <= total - matching;
  return { include, ids: await groupIdsWhere(metadata, query.projectIds, predicate, include) };
}

/** What {@link inboxCandidates} lists: a search's issue-state filters and its window. */
export interface InboxCandidatesQuery extends GroupIdFilterQuery {
  /** The search window: inbox entries added within `[start, end]` count. */
  start: Date;
  end: Date;
}

/**
 * The candidates of the `inbox` sort: the issues of `query.projectIds` meeting `query.filters`
 * (which include `is:for_review`, so only inbox entries of the last seven days) whose inbox entry
 * was added within the search window, with the date it was added. Sentry's `inbox_search`
 * (`src/sentry/issues/endpoints/organization_group_index.py`) bounds `GroupInbox.date_added` by
 * the request's window, not the issues' events.
 */
export async function inboxCandidates(
  metadata: MetadataStore,
  query: InboxCandidatesQuery,
): Promise<Map<number, Date>> {
  const predicate = await groupFilterPredicate(metadata, query);
  return inboxDatesWhere(metadata.db, {
    projectIds: query.projectIds,
    predicate,
    since: query.start,
    until: query.end,
  });
}
