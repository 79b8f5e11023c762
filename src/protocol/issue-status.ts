/**
 * Issue (group) states as Sentry's API spells them: `status` and `substatus` of an issue
 * (sentry `src/sentry/models/group.py` `GroupStatus`, `src/sentry/types/group.py`
 * `GroupSubStatus`; reference/sentry-semantics.md §2.1). Shared by the metadata store,
 * which keeps them, and the search compiler, which filters on them.
 */

/** An issue's status. */
export type IssueStatus = 'unresolved' | 'resolved' | 'ignored';

/** An issue's substatus; null for resolved issues. */
export type IssueSubstatus =
  | 'new'
  | 'ongoing'
  | 'regressed'
  | 'escalating'
  | 'archived_until_escalating'
  | 'archived_until_condition_met'
  | 'archived_forever';
