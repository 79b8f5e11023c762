/**
 * Turns the issue-state part of an issue search (status, substatus, first release, priority,
 * assignment...; `GroupFilter`s answered by the metadata store) into an issue-id condition for
 * the ClickHouse search. Every issue of the searched projects is checked (a few columns per
 * issue, `listGroupStates`), and the shorter of the kept ids and the dropped ids goes to
 * ClickHouse: `is:unresolved` usually drops a few resolved issues (`group_id NOT IN ...`),
 * `is:resolved` usually keeps a few (`group_id IN ...`). This replaces Sentry's
 * candidate/post-filter dance (`snuba.search.max-pre-snuba-candidates`, chunked post-filtering
 * in `PostgresSnubaQueryExecutor.query`) with one exact query per page.
 */
import type { GroupFilter } from '../../query/index.js';
import type { MetadataStore } from '../../storage/metadata/index.js';
import { listGroupStates } from '../../storage/metadata/group-states.js';
import { matchesGroupFilters } from './group-filters.js';

/** Issues the search may return (`include`) or must not return (`!include`). */
export interface GroupIdFilter {
  include: boolean;
  ids: number[];
}

/**
 * The issue-id condition equivalent to `filters` over the issues of `projectIds`; undefined
 * when every issue passes (no condition needed). An `include` list may be empty: nothing can
 * match.
 */
export async function groupIdFilter(
  metadata: MetadataStore,
  projectIds: readonly number[],
  filters: readonly GroupFilter[],
): Promise<GroupIdFilter | undefined> {
  if (filters.length === 0) return undefined;
  const kept: number[] = [];
  const dropped: number[] = [];
  for (const state of await listGroupStates(metadata, projectIds)) {
    (matchesGroupFilters(state, filters) ? kept : dropped).push(state.id);
  }
  if (dropped.length === 0) return undefined;
  return kept.length <= dropped.length ? { include: true, ids: kept } : { include: false, ids: dropped };
}
