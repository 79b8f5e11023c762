// When the `inbox` sort applies: Sentry's `inbox_search` wants `is:for_review` and the status
// `unresolved` alone, and answers its two messages otherwise.
import { describe, expect, it } from 'vitest';
import { compileIssueSearch } from '../../query/index.js';
import { ERR_INBOX_SORT_NOT_INBOX, ERR_INBOX_SORT_STATUS, inboxSortError } from './issue-search.js';

describe('inboxSortError', () => {
  it.each([
    ['is:unresolved is:for_review', undefined],
    ['is:for_review is:unresolved assigned_or_suggested:[me, none] level:error', undefined],
    // A substatus implies its status (`is:regressed` ⇒ unresolved).
    ['is:for_review is:regressed', undefined],
    ['is:unresolved', ERR_INBOX_SORT_NOT_INBOX],
    ['is:unresolved !is:for_review', ERR_INBOX_SORT_NOT_INBOX],
    ['', ERR_INBOX_SORT_NOT_INBOX],
    ['is:for_review', ERR_INBOX_SORT_STATUS],
    ['is:for_review !is:unresolved', ERR_INBOX_SORT_STATUS],
    ['is:for_review is:resolved', ERR_INBOX_SORT_STATUS],
    ['is:for_review status:[unresolved, resolved]', ERR_INBOX_SORT_STATUS],
  ])('%s', (query, expected) => {
    const compiled = compileIssueSearch(query, { now: new Date() });
    if (!compiled.ok) throw new Error(compiled.error.message);
    expect(inboxSortError(compiled.groupFilters)).toBe(expected);
  });
});
