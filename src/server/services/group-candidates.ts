/**
 * Turns the issue-state part of an issue search (status, substatus, first release, priority,
 * assignment...; `GroupFilter`s answered by the metadata store) into an issue-id condition for
 * the ClickHouse search: the shorter of the kept ids and the dropped ids goes to ClickHouse.
 * `is:unresolved` usually drops a few resolved issues (`group_id NOT IN ...`), `is:resolved`
 * usually keeps a few (`group_id IN ...`). Filters on state columns are counted and listed in
 * SQL; any other filter (assignment, bookmarks, inbox, links) makes every issue's state be read
 * and checked with `matchesGroupFilters`. This replaces Sentry's candidate/post-filter dance
 * (`snuba.search.max-pre-snuba-candidates` and chunked post-filtering in
 * `PostgresSnubaQueryExecutor.query`) with one exact query per page.
 */
import type { GroupFilter } from '../../query/index.js';
import type { MetadataStore } from '../../storage/metadata/index.js';
import {
  countGroupStates,
  groupIdsByState,
  listGroupStates,
  type GroupStateCondition,
} from '../../storage/metadata/group-states.js';
import { matchesGroupFilters } from './group-filters.js';

/** Issues the search may return (`include`) or must not return (`!include`). */
export interface GroupIdFilter {
  include: boolean;
  ids: number[];
}

/** Sentry's priority of a new issue from its level (`matchesGroupFilters`' mapping); others are medium. */
const LEVEL_PRIORITY: Readonly<Record<string, string>> = {
  fatal: 'high',
  error: 'high',
  info: 'low',
  debug: 'low',
};
const PRIORITIES = ['high', 'medium', 'low'];

/**
 * `filters` as conditions on state columns; `false` when they can match no issue, null when one
 * of them is not about a state column.
 */
function stateConditions(filters: readonly GroupFilter[]): GroupStateCondition[] | false | null {
  const out: GroupStateCondition[] = [];
  for (const f of filters) {
    switch (f.kind) {
      case 'status':
      case 'substatus':
      case 'first_release':
        out.push({ column: f.kind, values: f.values, negated: f.negated });
        break;
      case 'issue.category':
      case 'issue.type':
        // Every issue of the errors pipeline is Sentry's ErrorGroupType (`error`).
        if (f.values.includes('error') === f.negated) return false;
        break;
      case 'issue.priority': {
        const wanted = PRIORITIES.filter((p) => f.values.includes(p) !== f.negated);
        const levels = Object.keys(LEVEL_PRIORITY);
        out.push(
          wanted.includes('medium')
            ? {
                column: 'level',
                values: levels.filter((l) => !wanted.includes(LEVEL_PRIORITY[l] ?? '')),
                negated: true,
              }
            : {
                column: 'level',
                values: levels.filter((l) => wanted.includes(LEVEL_PRIORITY[l] ?? '')),
                negated: false,
              },
        );
        break;
      }
      default:
        return null;
    }
  }
  return out;
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
  const conditions = stateConditions(filters);
  if (conditions === false) return { include: true, ids: [] };
  if (conditions !== null) {
    const { total, matching } = await countGroupStates(metadata, projectIds, conditions);
    if (matching === total) return undefined;
    const include = matching <= total - matching;
    return { include, ids: await groupIdsByState(metadata, projectIds, conditions, include) };
  }
  const kept: number[] = [];
  const dropped: number[] = [];
  for (const state of await listGroupStates(metadata, projectIds)) {
    (matchesGroupFilters(state, filters) ? kept : dropped).push(state.id);
  }
  if (dropped.length === 0) return undefined;
  return kept.length <= dropped.length ? { include: true, ids: kept } : { include: false, ids: dropped };
}
