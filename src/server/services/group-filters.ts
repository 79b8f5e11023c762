/**
 * Applies the issue-state part of a compiled issue search (GroupFilter, from
 * `src/query`) to issue rows of the metadata store. Vigil has no assignees, bookmarks,
 * subscriptions, inbox or external links yet, so those filters answer as Sentry would
 * for an organization that never used them: nothing is assigned, bookmarked or linked.
 */
import type { GroupFilter } from '../../query/index.js';

/** The issue fields the filters read. */
export interface GroupState {
  status: string;
  substatus: string | null;
  level: string;
  first_release: string | null;
}

const PRIORITY_BY_LEVEL: Record<string, string> = {
  fatal: 'high',
  error: 'high',
  warning: 'medium',
  info: 'low',
  debug: 'low',
};

function oneOf(values: readonly string[], value: string | null, negated: boolean): boolean {
  const hit = value !== null && values.includes(value);
  return negated ? !hit : hit;
}

/** True when `group` satisfies every filter (they are AND-ed). */
export function matchesGroupFilters(group: GroupState, filters: readonly GroupFilter[]): boolean {
  return filters.every((f) => {
    switch (f.kind) {
      case 'status':
        return oneOf(f.values, group.status, f.negated);
      case 'substatus':
        return oneOf(f.values, group.substatus, f.negated);
      case 'unassigned':
        return f.value;
      case 'for_review':
      case 'linked':
        return !f.value;
      case 'assigned_to':
      case 'assigned_or_suggested': {
        const matchesNone = f.values.some((a) => a.type === 'none' || a.type === 'me_or_none');
        return f.negated ? !matchesNone : matchesNone;
      }
      case 'bookmarked_by':
      case 'subscribed_by':
        return f.negated;
      case 'first_release':
        return oneOf(f.values, group.first_release, f.negated);
      case 'issue.category':
      case 'issue.type':
        // Every issue of the errors pipeline (error, default, csp, ...) is Sentry's ErrorGroupType:
        // type slug `error`, category `error`.
        return oneOf(f.values, 'error', f.negated);
      case 'issue.priority':
        return oneOf(f.values, PRIORITY_BY_LEVEL[group.level] ?? 'medium', f.negated);
    }
  });
}
