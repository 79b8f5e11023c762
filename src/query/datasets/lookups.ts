/**
 * Filters of the Discover datasets whose values Sentry resolves through its database before it
 * queries events, and how Vigil does the same with values the caller looked up in the metadata
 * store first (the compiler stays pure):
 * - `issue:` short ids (`FRONTEND-1A`, lists, `unknown` or an empty value for "no issue") become
 *   an `issue.id` filter (`_issue_filter_converter` of
 *   `src/sentry/search/events/datasets/discover.py`, `Group.objects.by_qualified_short_id_bulk`);
 * - `release.version`, `release.package`, `release.build` select release versions
 *   (../release-filters.ts) and become a `release IN (…)` filter;
 * - `release.stage` needs release adoption (`ReleaseProjectEnvironment.adopted`), which Vigil
 *   does not record: after Sentry's own checks it is refused as a key this search cannot serve.
 */
import { searchError, type SearchError, type SearchResult } from '../errors.js';
import type { SearchFilter, SearchTerm, SearchValue } from '../filters.js';
import { isReleaseLookupKey, selectReleases } from '../release-filters.js';
import { escapeWildcardText } from '../values.js';

/** What the caller looked up for a query (see {@link lookupNeeds}). */
export interface DatasetLookups {
  /**
   * Issue ids by qualified short id as written in the query (trimmed), for the short ids that
   * exist in the organization; a missing one makes the query fail as in Sentry.
   */
  issueIds: ReadonlyMap<string, number>;
  /** The versions of the organization's releases linked to the request's projects. */
  releaseVersions: readonly string[];
}

/** No lookups: every `issue:` short id is unknown and no release exists. */
export const NO_LOOKUPS: DatasetLookups = { issueIds: new Map(), releaseVersions: [] };

/** What a query needs looked up. */
export interface LookupNeeds {
  /** The `issue:` short ids (other than `unknown` and empty values), as written. */
  shortIds: string[];
  /** Whether a `release.version` / `release.package` / `release.build` filter needs the releases. */
  releases: boolean;
}

/** The values of a text filter (one or a list), or null for other kinds. */
function texts(value: SearchValue): string[] | null {
  if (value.kind === 'text') return [value.value];
  if (value.kind === 'textList') return value.values;
  return null;
}

/** `issue:` values that name an issue (not `unknown` or empty). */
function shortIdsOf(filter: SearchFilter): string[] {
  return (texts(filter.value) ?? []).map((v) => v.trim()).filter((v) => v !== '' && v !== 'unknown');
}

/** The lookups the row filters of `terms` need. */
export function lookupNeeds(terms: readonly SearchTerm[]): LookupNeeds {
  const needs: LookupNeeds = { shortIds: [], releases: false };
  const visit = (list: readonly SearchTerm[]): void => {
    for (const term of list) {
      if (term.type === 'paren') visit(term.children);
      else if (term.type === 'filter' && term.key === 'issue') needs.shortIds.push(...shortIdsOf(term));
      else if (term.type === 'filter' && isReleaseLookupKey(term.key)) needs.releases = true;
    }
  };
  visit(terms);
  needs.shortIds = [...new Set(needs.shortIds)];
  return needs;
}

const failure = (message: string, filter: SearchFilter): { ok: false; error: SearchError } => ({
  ok: false,
  error: searchError('invalid_filter', message, filter.location ?? null),
});

/** A Python `repr` of a list of strings, as Sentry's messages print them (`['A-1', 'B-2']`). */
function pythonList(values: readonly string[]): string {
  const repr = (s: string): string => {
    const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
    const escaped = s.replace(/\\/g, '\\\\').replace(new RegExp(quote, 'g'), `\\${quote}`);
    return `${quote}${escaped}${quote}`;
  };
  return `[${values.map(repr).join(', ')}]`;
}

/**
 * `issue:` as the `issue.id` filter Sentry turns it into: `unknown` and empty values are issue
 * id 0 (events without an issue), short ids their issue's id; a list stays a list, one value
 * stays a comparison. A short id that does not exist fails with Sentry's
 * `Issue IDs do not exist: [...]`, naming every short id of the filter.
 */
export function issueIdFilter(filter: SearchFilter, lookups: DatasetLookups): SearchResult<SearchFilter> {
  const values = texts(filter.value);
  if (values === null) return failure("Invalid value for 'issue:' filter", filter);
  const shortIds = shortIdsOf(filter);
  const ids: number[] = values.filter((v) => v.trim() === '' || v.trim() === 'unknown').map(() => 0);
  if (shortIds.length > 0) {
    const found = shortIds.map((s) => lookups.issueIds.get(s));
    if (found.some((id) => id === undefined)) {
      return failure(`Issue IDs do not exist: ${pythonList(shortIds)}`, filter);
    }
    ids.push(...(found as number[]).sort((a, b) => a - b));
  }
  const list = filter.value.kind === 'textList';
  return {
    ok: true,
    value: {
      ...filter,
      key: 'issue.id',
      value: list ? { kind: 'numberList', values: ids } : { kind: 'number', value: ids[0] ?? 0 },
    },
  };
}

/**
 * A `release.version` / `release.package` / `release.build` filter as the `release` filter
 * Sentry turns it into (`release IN (versions)`), or null when no release matches (no event
 * does). Versions are escaped so their characters match literally.
 */
export function releaseVersionFilter(
  filter: SearchFilter,
  lookups: DatasetLookups,
): SearchResult<SearchFilter | null> {
  const versions = selectReleases(filter, lookups.releaseVersions);
  if (!versions.ok) return { ok: false, error: { ...versions.error, position: filter.location ?? null } };
  if (versions.value.length === 0) return { ok: true, value: null };
  return {
    ok: true,
    value: {
      ...filter,
      key: 'release',
      operator: 'IN',
      value: { kind: 'textList', values: versions.value.map(escapeWildcardText) },
    },
  };
}

const RELEASE_STAGES: ReadonlySet<string> = new Set(['adopted', 'low_adoption', 'replaced']);

/**
 * `release.stage`: Sentry's checks (`filter_by_stage`: exactly one environment selected, only
 * `adopted`, `low_adoption`, `replaced`), then Sentry's answer for a key a search cannot serve,
 * since Vigil records no release adoption to select releases by.
 */
export function releaseStageFilter(filter: SearchFilter, environments: readonly string[]): SearchError {
  if (environments.length !== 1) {
    return searchError(
      'invalid_filter',
      'Choose a single environment to filter by release stage.',
      filter.location ?? null,
    );
  }
  if ((texts(filter.value) ?? ['']).some((stage) => !RELEASE_STAGES.has(stage))) {
    return searchError('invalid_filter', 'Unsupported release.stage value.', filter.location ?? null);
  }
  return searchError('unsupported', `Invalid key for this search: ${filter.key}`, filter.location ?? null);
}
