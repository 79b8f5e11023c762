/**
 * Issue search: Sentry's issue-stream query language compiled for Vigil's stores. Event
 * attributes become a parameterised WHERE over the ClickHouse `events` table; issue attributes
 * (status, assignment, bookmarks, first release, priority…) become {@link GroupFilter}s the
 * caller applies to the metadata store; per-issue values (`first_seen`, `last_seen`,
 * `times_seen`) become a condition over the columns of the same names that the issue search
 * computes per issue (src/storage/clickhouse/group-search.ts).
 * Config and key meanings: reference/sentry-semantics.md §2.1–§2.2
 * (`src/sentry/issues/issue_search.py`).
 */
import { resolveBooleanConditions, type SearchExpression } from './boolean.js';
import {
  DEFAULT_SEARCH_CONFIG,
  resolveSearchConfig,
  type IsTranslationValue,
  type SearchConfig,
} from './config.js';
import { searchError, type SearchError } from './errors.js';
import { compileEventCondition, eventFieldFor } from './event-fields.js';
import { parseSearchQuery, type SearchFilter, type SearchValue } from './filters.js';
import type { IssueStatus, IssueSubstatus } from '../protocol/issue-status.js';
import { dateTimeParam, SqlParams, type SqlFragment } from './sql.js';
import { isWildcard, literalValue } from './values.js';

/** Issue statuses `is:` can name: the stored ones plus Sentry's `reprocessing`. */
export type GroupStatus = IssueStatus | 'reprocessing';

/** Issue substatuses (`groups.substatus`; Sentry's `SUBSTATUS_UPDATE_CHOICES`). */
export type GroupSubstatus = IssueSubstatus;

/** A user or team reference in `assigned:` / `bookmarks:` / `subscribed:` values. */
export type ActorValue =
  | { type: 'me' }
  | { type: 'none' }
  | { type: 'my_teams' }
  | { type: 'me_or_none' }
  | { type: 'team'; slug: string }
  | { type: 'user'; value: string };

/**
 * A condition on issue (group) attributes, for the metadata store. All group filters of a
 * query are AND-ed. `negated` means "none of `values`".
 * - `status` / `substatus`: from `is:resolved`, `is:regressed`, `status:…`; a positive substatus
 *   filter comes with the status it implies (`is:regressed` ⇒ `unresolved`).
 * - `unassigned` (`is:assigned` → false, `is:unassigned` → true), `for_review` (GroupInbox
 *   membership), `linked` (external issue links).
 * - `assigned_to` / `assigned_or_suggested` / `bookmarked_by` / `subscribed_by`: actors
 *   (`me`, `none`, `my_teams`, `#team`, a user name or email).
 * - `first_release`, `issue.category`, `issue.type`, `issue.priority`: plain values
 *   (`first_release:latest` resolved when the caller passes `latestRelease`).
 */
export type GroupFilter =
  | { kind: 'status'; negated: boolean; values: GroupStatus[] }
  | { kind: 'substatus'; negated: boolean; values: GroupSubstatus[] }
  | { kind: 'unassigned' | 'for_review' | 'linked'; value: boolean }
  | {
      kind: 'assigned_to' | 'assigned_or_suggested' | 'bookmarked_by' | 'subscribed_by';
      negated: boolean;
      values: ActorValue[];
    }
  | {
      kind: 'first_release' | 'issue.category' | 'issue.type' | 'issue.priority';
      negated: boolean;
      values: string[];
    };

const STATUS_VALUES: Readonly<Record<string, GroupStatus>> = {
  resolved: 'resolved',
  unresolved: 'unresolved',
  ignored: 'ignored',
  archived: 'ignored',
  muted: 'ignored',
  reprocessing: 'reprocessing',
};

const SUBSTATUS_VALUES: Readonly<Record<string, GroupSubstatus>> = {
  archived_until_escalating: 'archived_until_escalating',
  until_escalating: 'archived_until_escalating',
  escalating: 'escalating',
  ongoing: 'ongoing',
  archived_until_condition_met: 'archived_until_condition_met',
  until_condition_met: 'archived_until_condition_met',
  archived_forever: 'archived_forever',
  forever: 'archived_forever',
  regressed: 'regressed',
  new: 'new',
};

/** The status a substatus implies (`GROUP_SUBSTATUS_TO_STATUS_MAP`). */
const SUBSTATUS_STATUS: Readonly<Record<GroupSubstatus, GroupStatus>> = {
  new: 'unresolved',
  ongoing: 'unresolved',
  regressed: 'unresolved',
  escalating: 'unresolved',
  archived_until_escalating: 'ignored',
  archived_until_condition_met: 'ignored',
  archived_forever: 'ignored',
};

const isTranslation: Record<string, readonly [string, IsTranslationValue]> = {
  assigned: ['unassigned', false],
  unassigned: ['unassigned', true],
  for_review: ['for_review', true],
  linked: ['linked', true],
  unlinked: ['linked', false],
};
for (const [name, status] of Object.entries(STATUS_VALUES)) isTranslation[name] = ['status', status];
for (const [name, substatus] of Object.entries(SUBSTATUS_VALUES))
  isTranslation[name] = ['substatus', substatus];

/**
 * Sentry's `issue_search_config` for Vigil: booleans and aggregates rejected (a parenthesised
 * group degrades to free text), the issue key aliases (`assigned` → `assigned_to`, `firstSeen`
 * / `age` → `first_seen`, `event.timestamp` → `date`, `dist` → `sentry:dist`, …), the `is:`
 * values for status, substatus, assignment, inbox and links, and only the typed keys Vigil can
 * evaluate (`times_seen`, ids; `timestamp`, `date`, `first_seen`, `last_seen`; `error.handled`).
 */
export const ISSUE_SEARCH_CONFIG: SearchConfig = resolveSearchConfig(
  {
    numericKeys: ['times_seen', 'issue.id', 'project.id', 'project_id'],
    durationKeys: [],
    percentageKeys: [],
    dateKeys: ['timestamp', 'date', 'first_seen', 'last_seen', 'timestamp.to_hour', 'timestamp.to_day'],
    booleanKeys: ['error.handled', 'error.unhandled'],
    typedMeasurements: false,
    keyMappings: {
      assigned_to: ['assigned'],
      bookmarked_by: ['bookmarks'],
      subscribed_by: ['subscribed'],
      first_release: ['first-release', 'firstRelease'],
      first_seen: ['age', 'firstSeen'],
      last_seen: ['lastSeen'],
      date: ['event.timestamp'],
      times_seen: ['timesSeen'],
      'sentry:dist': ['dist'],
    },
    isFilterTranslation: isTranslation,
    allowBoolean: false,
    allowAggregates: false,
  },
  DEFAULT_SEARCH_CONFIG,
);

/** Options of {@link compileIssueSearch}. */
export interface CompileIssueSearchOptions {
  /** "Now" for relative dates (`lastSeen:-24h`) and messages. */
  now: Date;
  /**
   * The latest release(s) of the searched projects (Sentry's `get_latest_release`: one per
   * project), substituted for `release:latest` and `first_release:latest`. When omitted, null
   * or empty, `latest` stays literal and so matches nothing (no release may be named `latest`).
   */
  latestRelease?: string | readonly string[] | null;
}

/** A per-issue value a search condition names (a column of the issue search). */
export type IssueAggregateField = 'first_seen' | 'last_seen' | 'times_seen';

/** A condition over per-issue values, with the values it names. */
export interface IssueHaving extends SqlFragment {
  fields: IssueAggregateField[];
}

/** Result of {@link compileIssueSearch}. */
export type IssueSearchCompilation =
  | {
      ok: true;
      /** Condition on `events` rows (null: no event condition). */
      eventWhere: SqlFragment | null;
      /**
       * Condition on the per-issue values `times_seen` (matching events), `last_seen` (their
       * newest timestamp) and `first_seen` (the issue's lifetime first event), referenced by
       * those names; null when the query has none. Its placeholders never collide with
       * `eventWhere`'s.
       */
      having: IssueHaving | null;
      /** Conditions on issue attributes, applied by the caller to the metadata store. */
      groupFilters: GroupFilter[];
    }
  | { ok: false; error: SearchError };

const GROUP_KEYS = new Set([
  'status',
  'substatus',
  'unassigned',
  'for_review',
  'linked',
  'assigned_to',
  'assigned_or_suggested',
  'bookmarked_by',
  'subscribed_by',
  'first_release',
  'issue.category',
  'issue.type',
  'issue.priority',
]);

const HAVING_FIELDS: ReadonlySet<string> = new Set<IssueAggregateField>([
  'first_seen',
  'last_seen',
  'times_seen',
]);

// Keys Sentry resolves through its release tables (semver comparisons, adoption stages).
const UNSUPPORTED_KEYS = new Set(['release.version', 'release.build', 'release.package', 'release.stage']);

/**
 * Compiles an issue-stream search query. Free text matches `message`, `title` and `culprit`
 * case-insensitively; known event keys use their columns; `tags[k]`, `flags[k]` and unknown
 * keys look up tags/flags; issue keys go to `groupFilters`; `first_seen`/`last_seen`/
 * `times_seen` go to `having`. SQL text never contains a user value: every value is a
 * `{pN:Type}` placeholder bound in `params`. Errors carry Sentry's message and the span.
 * Never throws.
 */
export function compileIssueSearch(
  query: string,
  options: CompileIssueSearchOptions,
): IssueSearchCompilation {
  const config = resolveSearchConfig({ now: options.now }, ISSUE_SEARCH_CONFIG);
  const terms = parseSearchQuery(query, config);
  if (!terms.ok) return terms;
  const tree = resolveBooleanConditions(terms.value);
  if (!tree.ok) return tree;

  const params = new SqlParams();
  const eventParts: string[] = [];
  const havingParts: string[] = [];
  const havingFields = new Set<IssueAggregateField>();
  const groupFilters: GroupFilter[] = [];
  const leaves = andLeaves(tree.value);
  if (leaves === null) {
    return fail(
      'unsupported',
      'Boolean statements containing "OR" or "AND" are not supported in this search',
      undefined,
    );
  }
  for (const leaf of leaves) {
    if (leaf.type !== 'filter') {
      return fail(
        'unsupported',
        `Aggregate filters are not supported in this search: ${leaf.key}`,
        leaf.location,
      );
    }
    const filter = substituteLatest(leaf, options.latestRelease);
    if (GROUP_KEYS.has(filter.key)) {
      const group = toGroupFilters(filter);
      if (!group.ok) return group;
      groupFilters.push(...group.value);
    } else if (HAVING_FIELDS.has(filter.key)) {
      const having = havingCondition(filter, params);
      if (!having.ok) return having;
      havingParts.push(having.value);
      havingFields.add(filter.key as IssueAggregateField);
    } else {
      const field = UNSUPPORTED_KEYS.has(filter.key) ? null : eventFieldFor(filter.key);
      if (field === null)
        return fail('unsupported', `Invalid key for this search: ${filter.key}`, filter.location);
      const cond = compileEventCondition(filter, field, params);
      if (!cond.ok) return cond;
      eventParts.push(cond.value);
    }
  }
  const fragment = (parts: string[]): SqlFragment | null => {
    if (parts.length === 0) return null;
    const sql = parts.length === 1 ? (parts[0] ?? '') : parts.join(' AND ');
    return { sql, params: params.paramsFor(sql) };
  };
  const having = fragment(havingParts);
  return {
    ok: true,
    eventWhere: fragment(eventParts),
    having: having === null ? null : { ...having, fields: [...havingFields] },
    groupFilters,
  };
}

function fail(
  type: SearchError['type'],
  message: string,
  position: SearchFilter['location'],
): { ok: false; error: SearchError } {
  return { ok: false, error: searchError(type, message, position ?? null) };
}

/**
 * The leaves of a conjunction; null when the tree contains an OR (which the issue config rejects
 * before this point, so the check only guards other configs).
 */
function andLeaves(
  tree: SearchExpression | null,
): Array<Exclude<SearchExpression, { type: 'and' | 'or' }>> | null {
  if (tree === null) return [];
  if (tree.type === 'or') return null;
  if (tree.type === 'and') {
    const leaves = tree.children.map(andLeaves);
    return leaves.some((l) => l === null) ? null : leaves.flatMap((l) => l ?? []);
  }
  return [tree];
}

/**
 * `release:latest` / `first_release:latest` with the latest version(s) put in (Sentry's
 * `convert_release_value`: one version stays a plain value, several make a list).
 */
function substituteLatest(
  filter: SearchFilter,
  latest: string | readonly string[] | null | undefined,
): SearchFilter {
  const versions =
    latest === undefined || latest === null ? [] : typeof latest === 'string' ? [latest] : latest;
  if (versions.length === 0) return filter;
  if (filter.key !== 'release' && filter.key !== 'sentry:release' && filter.key !== 'first_release')
    return filter;
  const swap = (v: string): string[] => (v === 'latest' ? [...versions] : [v]);
  const values =
    filter.value.kind === 'text'
      ? swap(filter.value.value)
      : filter.value.kind === 'textList'
        ? [...new Set(filter.value.values.flatMap(swap))]
        : null;
  if (values === null) return filter;
  const single = filter.value.kind === 'text' && values.length === 1;
  const value: SearchValue = single ? { kind: 'text', value: values[0] ?? '' } : { kind: 'textList', values };
  if (single) return { ...filter, value };
  // A list turns `=` into `IN` (and `!=` into `NOT IN`), as a parsed list would.
  const operator = filter.operator === '!=' || filter.operator === 'NOT IN' ? 'NOT IN' : 'IN';
  return { ...filter, operator, value };
}

type GroupResult = { ok: true; value: GroupFilter[] } | { ok: false; error: SearchError };

function toGroupFilters(filter: SearchFilter): GroupResult {
  const bad = (message: string): GroupResult => fail('invalid_filter', message, filter.location);
  const { key, operator, value } = filter;
  if (operator !== '=' && operator !== '!=' && operator !== 'IN' && operator !== 'NOT IN') {
    return bad(`Invalid operator ${operator} for ${key}`);
  }
  const negated = operator === '!=' || operator === 'NOT IN';

  if (key === 'unassigned' || key === 'for_review' || key === 'linked') {
    if (value.kind !== 'boolean') return bad(`Invalid value for ${key}`);
    return { ok: true, value: [{ kind: key, value: value.value !== negated }] };
  }

  const raws = value.kind === 'text' ? [value.value] : value.kind === 'textList' ? value.values : null;
  if (raws === null) return bad(`Invalid value for ${key}`);
  if (raws.some(isWildcard)) return bad(`Wildcards are not supported for ${key}`);
  const texts = raws.map(literalValue);

  switch (key) {
    case 'status': {
      const values = texts.map((t) => (Object.hasOwn(STATUS_VALUES, t) ? STATUS_VALUES[t] : undefined));
      if (values.some((v) => v === undefined)) return bad(`Invalid status value: ${texts.join(', ')}`);
      return { ok: true, value: [{ kind: 'status', negated, values: values as GroupStatus[] }] };
    }
    case 'substatus': {
      const values = texts.map((t) => (Object.hasOwn(SUBSTATUS_VALUES, t) ? SUBSTATUS_VALUES[t] : undefined));
      if (values.some((v) => v === undefined)) return bad(`Invalid substatus value: ${texts.join(', ')}`);
      const substatuses = values as GroupSubstatus[];
      const out: GroupFilter[] = [{ kind: 'substatus', negated, values: substatuses }];
      if (!negated) {
        const statuses = [...new Set(substatuses.map((s) => SUBSTATUS_STATUS[s]))];
        out.unshift({ kind: 'status', negated: false, values: statuses });
      }
      return { ok: true, value: out };
    }
    case 'assigned_to':
    case 'assigned_or_suggested':
    case 'bookmarked_by':
    case 'subscribed_by': {
      if (texts.some((t) => t === '')) return bad(`Invalid value for ${key}`);
      return { ok: true, value: [{ kind: key, negated, values: texts.map(actorOf) }] };
    }
    case 'first_release':
    case 'issue.category':
    case 'issue.type':
    case 'issue.priority':
      return { ok: true, value: [{ kind: key, negated, values: texts }] };
    default:
      return bad(`Invalid key for this search: ${key}`);
  }
}

/** `me`, `none`, `my_teams`, `me_or_none`, `#team-slug`, else a user name / email. */
function actorOf(text: string): ActorValue {
  if (text === 'me' || text === 'none' || text === 'my_teams' || text === 'me_or_none') return { type: text };
  if (text.startsWith('#')) return { type: 'team', slug: text.slice(1) };
  return { type: 'user', value: text };
}

function havingCondition(
  filter: SearchFilter,
  params: SqlParams,
): { ok: true; value: string } | { ok: false; error: SearchError } {
  const expr = filter.key;
  const { operator, value } = filter;
  if (value.kind === 'date' && operator !== 'IN' && operator !== 'NOT IN') {
    return {
      ok: true,
      value: `${expr} ${operator} ${params.bind("DateTime64(3, 'UTC')", dateTimeParam(value.value))}`,
    };
  }
  if (value.kind === 'number' && operator !== 'IN' && operator !== 'NOT IN') {
    return { ok: true, value: `${expr} ${operator} ${params.bind('Float64', value.value)}` };
  }
  if (value.kind === 'numberList') {
    const op = operator === 'NOT IN' ? 'NOT IN' : 'IN';
    return { ok: true, value: `toFloat64(${expr}) ${op} ${params.bind('Array(Float64)', value.values)}` };
  }
  return fail('invalid_filter', `Invalid value for ${filter.key}`, filter.location);
}
