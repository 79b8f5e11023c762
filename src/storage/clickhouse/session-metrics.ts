/**
 * Sentry's sessions-API result model over the counts the `sessions` readers aggregate: which
 * fields and groupings exist, how each field is derived from the counts (the release-health
 * formulas of reference/sentry-semantics.md §6.2, `sentry: src/sentry/snuba/metrics/fields/
 * base.py`), and how groups, totals and series are laid out (`sentry: src/sentry/
 * release_health/metrics_sessions_v2.py`, `src/sentry/snuba/sessions_v2.py`). Pure: no I/O.
 */

/** `groupBy` values of the sessions API. */
export type SessionGroupBy = 'project' | 'release' | 'environment' | 'session.status';

/** Every {@link SessionGroupBy}. */
export const SESSION_GROUP_BYS: readonly SessionGroupBy[] = [
  'project',
  'release',
  'environment',
  'session.status',
];

/** `field` values of the sessions API that Vigil computes. */
export type SessionField =
  | 'sum(session)'
  | 'count_unique(user)'
  | 'crash_rate(session)'
  | 'crash_rate(user)'
  | 'crash_free_rate(session)'
  | 'crash_free_rate(user)'
  | 'avg(session.duration)'
  | 'p50(session.duration)'
  | 'p75(session.duration)'
  | 'p90(session.duration)'
  | 'p95(session.duration)'
  | 'p99(session.duration)'
  | 'max(session.duration)';

const DURATION_FIELDS = [
  'avg(session.duration)',
  'p50(session.duration)',
  'p75(session.duration)',
  'p90(session.duration)',
  'p95(session.duration)',
  'p99(session.duration)',
  'max(session.duration)',
] as const satisfies readonly SessionField[];

const RATE_FIELDS = [
  'crash_rate(session)',
  'crash_rate(user)',
  'crash_free_rate(session)',
  'crash_free_rate(user)',
] as const satisfies readonly SessionField[];

/** Every {@link SessionField}. */
export const SESSION_FIELDS: readonly SessionField[] = [
  'sum(session)',
  'count_unique(user)',
  ...RATE_FIELDS,
  ...DURATION_FIELDS,
];

/**
 * The `session.status` groups, in Sentry's `SessionStatus` enum order (the order status
 * groups are listed in): a session falls in exactly one, by its worst update.
 */
export type SessionStatusGroup = 'abnormal' | 'crashed' | 'errored' | 'healthy' | 'unhandled';

/** Every {@link SessionStatusGroup}, in output order. */
export const SESSION_STATUS_GROUPS: readonly SessionStatusGroup[] = [
  'abnormal',
  'crashed',
  'errored',
  'healthy',
  'unhandled',
];

/**
 * Aggregates of one group (and time bucket) as the readers compute them; each session counted
 * once with its worst status (crashed > abnormal > unhandled > errored > healthy).
 */
export interface SessionCounts {
  /** `session.all`: sessions with an initial update, plus aggregate counts. */
  sessions: number;
  /** Sessions whose worst status is `crashed` (+ aggregate `crashed`). */
  crashed: number;
  /** Sessions whose worst status is `abnormal` (+ aggregate `abnormal`). */
  abnormal: number;
  /** Sessions whose worst status is `unhandled` (+ aggregate `unhandled`). */
  unhandled: number;
  /** `session.errored_all`: sessions with errors or an error status (+ aggregate error counts). */
  erroredAll: number;
  /** `session.all_user`: distinct users. */
  users: number;
  /** Distinct users with a `crashed` update. */
  crashedUsers: number;
  /** Distinct users with an `abnormal` update. */
  abnormalUsers: number;
  /** Distinct users with an `unhandled` update. */
  unhandledUsers: number;
  /** `session.errored_user_all`: distinct users with an errored update. */
  erroredUsers: number;
  /** Mean duration of exited sessions, seconds; null when none had one. */
  durationAvg: number | null;
  /** p50, p75, p90, p95, p99 of those durations, seconds. */
  durationQuantiles: ReadonlyArray<number | null>;
  /** Longest of those durations, seconds. */
  durationMax: number | null;
}

/** A field's value: an integer count, a rate in 0..1, milliseconds, or null when undefined. */
export type SessionValue = number | null;

/** One group of the result: its key, whole-range totals and one value per interval. */
export interface SessionsGroup {
  /** `project` (id), `release`, `environment`, `session.status`: the groupBy values. */
  by: Record<string, string | number>;
  totals: Record<string, SessionValue>;
  series: Record<string, SessionValue[]>;
}

/** Sentry's sessions-API result (without `query`, which the API adds). */
export interface SessionsResult {
  /** Range start, `YYYY-MM-DDTHH:MM:SSZ`. */
  start: string;
  /** Range end (exclusive), same format. */
  end: string;
  /** Start of every interval of the series, same format. */
  intervals: string[];
  groups: SessionsGroup[];
}

/** What the caller asked for, as far as laying out the result is concerned. */
export interface SessionsLayout {
  fields: readonly SessionField[];
  groupBy: readonly SessionGroupBy[];
  /** Only these statuses (`session.status:` in the query); absent = all. */
  statusFilter?: readonly SessionStatusGroup[];
  /** Sort key of the groups; default: the first field, or `sum(session)` when requested, descending. */
  orderBy?: { field: SessionField; direction: 'asc' | 'desc' };
  /** Most groups returned (before `session.status` expansion). */
  limit: number;
}

const isRate = (field: SessionField): boolean => (RATE_FIELDS as readonly SessionField[]).includes(field);
const isDuration = (field: SessionField): boolean =>
  (DURATION_FIELDS as readonly SessionField[]).includes(field);

/**
 * Checks the combinations Sentry rejects (`metrics_sessions_v2.py`); returns Sentry's message,
 * or undefined when the layout is valid: rates cannot be grouped or filtered by
 * `session.status`, `count_unique(user)` cannot be filtered by several statuses unless grouped
 * by them, `orderBy` must be a requested field and cannot be combined with a status grouping.
 */
export function sessionsLayoutProblem(layout: Omit<SessionsLayout, 'limit'>): string | undefined {
  if (layout.fields.length === 0) return 'Request is missing a "field"';
  const byStatus = layout.groupBy.includes('session.status');
  for (const field of layout.fields) {
    if (!isRate(field)) continue;
    if (byStatus) return `Cannot group field ${field} by session.status`;
    if (layout.statusFilter !== undefined) return `Cannot filter field ${field} by session.status`;
  }
  if (
    layout.fields.includes('count_unique(user)') &&
    layout.statusFilter !== undefined &&
    layout.statusFilter.length > 1 &&
    !byStatus
  ) {
    return 'Cannot filter count_unique by multiple session.status unless it is in groupBy';
  }
  if (layout.orderBy !== undefined) {
    if (byStatus) return "Cannot use 'orderBy' when grouping by sessions.status";
    if (!layout.fields.includes(layout.orderBy.field))
      return "'orderBy' must be one of the provided 'fields'";
  }
  return undefined;
}

const ratio = (part: number, whole: number): SessionValue => (whole > 0 ? part / whole : null);
const complement = (rate: SessionValue): SessionValue => (rate === null ? null : 1 - rate);

/** `sum(session)` of one status group (`SessionMRI.HEALTHY`, `ERRORED`, ...). */
function sessionsOf(c: SessionCounts, status: SessionStatusGroup): number {
  switch (status) {
    case 'healthy':
      return Math.max(0, c.sessions - c.erroredAll);
    case 'errored':
      return Math.max(0, c.erroredAll - c.crashed - c.abnormal - c.unhandled);
    case 'crashed':
      return c.crashed;
    case 'abnormal':
      return c.abnormal;
    case 'unhandled':
      return c.unhandled;
  }
}

/** `count_unique(user)` of one status group (`SessionMRI.HEALTHY_USER`, ...). */
function usersOf(c: SessionCounts, status: SessionStatusGroup): number {
  switch (status) {
    case 'healthy':
      return Math.max(0, c.users - c.erroredUsers);
    case 'errored':
      return Math.max(0, c.erroredUsers - c.crashedUsers - c.abnormalUsers - c.unhandledUsers);
    case 'crashed':
      return c.crashedUsers;
    case 'abnormal':
      return c.abnormalUsers;
    case 'unhandled':
      return c.unhandledUsers;
  }
}

/** The value a field has when there is no data: 0 for counts, null otherwise (`default_for`). */
export function defaultSessionValue(field: SessionField): SessionValue {
  return field === 'sum(session)' || field === 'count_unique(user)' ? 0 : null;
}

function durationMs(field: SessionField, c: SessionCounts): SessionValue {
  const index = DURATION_FIELDS.indexOf(field as (typeof DURATION_FIELDS)[number]);
  let seconds: number | null | undefined;
  if (field === 'avg(session.duration)') seconds = c.durationAvg;
  else if (field === 'max(session.duration)') seconds = c.durationMax;
  else seconds = c.durationQuantiles[index - 1];
  return seconds === null || seconds === undefined || !Number.isFinite(seconds) ? null : seconds * 1000;
}

/**
 * The value of `field` for `counts` (undefined = no data → {@link defaultSessionValue}).
 * `statuses` narrows counts to those status groups (a `session.status` group is one status;
 * a status filter without grouping sums its statuses); absent = all sessions:
 *
 * - `sum(session)` = `session.all`, or per status: healthy = all − errored_all, errored =
 *   errored_all − crashed − abnormal − unhandled (≥ 0), crashed, abnormal, unhandled;
 * - `count_unique(user)` likewise over distinct users;
 * - `crash_rate(session)` = crashed / all, `crash_free_rate(session)` = 1 − crash_rate;
 *   `crash_rate(user)` = crashed users / users, `crash_free_rate(user)` = 1 − that; null when
 *   the denominator is 0;
 * - durations: milliseconds over exited sessions, only for the healthy status (else null).
 */
export function sessionFieldValue(
  field: SessionField,
  counts: SessionCounts | undefined,
  statuses?: readonly SessionStatusGroup[],
): SessionValue {
  if (counts === undefined) return defaultSessionValue(field);
  switch (field) {
    case 'sum(session)':
      return statuses ? statuses.reduce((sum, s) => sum + sessionsOf(counts, s), 0) : counts.sessions;
    case 'count_unique(user)':
      // Several statuses without grouping are rejected by sessionsLayoutProblem.
      return statuses ? statuses.reduce((sum, s) => sum + usersOf(counts, s), 0) : counts.users;
    case 'crash_rate(session)':
      return ratio(counts.crashed, counts.sessions);
    case 'crash_free_rate(session)':
      return complement(ratio(counts.crashed, counts.sessions));
    case 'crash_rate(user)':
      return ratio(counts.crashedUsers, counts.users);
    case 'crash_free_rate(user)':
      return complement(ratio(counts.crashedUsers, counts.users));
    default:
      if (statuses !== undefined && !statuses.includes('healthy')) return null;
      return isDuration(field) ? durationMs(field, counts) : null;
  }
}

/** Aggregated counts of one group key, for the whole range and per interval start. */
export interface SessionGroupData {
  /** Values of the non-status groupBy columns (`project` as a number). */
  key: { project?: number; release?: string; environment?: string };
  totals: SessionCounts;
  /** Interval start (unix seconds) → counts. */
  buckets: Map<number, SessionCounts>;
}

/** Formats unix seconds as Sentry's `isoformat_z`: `2024-04-26T07:00:00Z`. */
export function isoSeconds(unixSeconds: number): string {
  return `${new Date(Math.floor(unixSeconds) * 1000).toISOString().slice(0, 19)}Z`;
}

function compareValues(a: SessionValue, b: SessionValue, direction: 'asc' | 'desc'): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return direction === 'asc' ? a - b : b - a;
}

function primaryField(layout: SessionsLayout): { field: SessionField; direction: 'asc' | 'desc' } {
  if (layout.orderBy) return layout.orderBy;
  const field = layout.fields.includes('sum(session)') ? 'sum(session)' : layout.fields[0]!;
  return { field, direction: 'desc' };
}

/**
 * Lays out Sentry's result: groups ordered by the primary field (ties by key), cut to
 * `layout.limit`, each expanded into one group per status when grouping by `session.status`;
 * every field in `totals` and as a series over `intervals` (unix seconds, ascending; missing
 * buckets take the field's default). With no data, Sentry's defaults: one empty-key group
 * without a groupBy, the status groups when grouping by `session.status` alone, else none.
 */
export function layoutSessionsResult(
  layout: SessionsLayout,
  range: { start: number; end: number; intervals: readonly number[] },
  data: readonly SessionGroupData[],
): SessionsResult {
  const byStatus = layout.groupBy.includes('session.status');
  const statuses: ReadonlyArray<SessionStatusGroup | undefined> = byStatus
    ? (layout.statusFilter ?? SESSION_STATUS_GROUPS)
    : [undefined];
  const order = primaryField(layout);
  const sorted = [...data]
    .map((d) => ({
      d,
      v: sessionFieldValue(order.field, d.totals, byStatus ? undefined : layout.statusFilter),
    }))
    .sort(
      (a, b) =>
        compareValues(a.v, b.v, order.direction) ||
        JSON.stringify(a.d.key).localeCompare(JSON.stringify(b.d.key)),
    )
    .slice(0, Math.max(0, layout.limit))
    .map(({ d }) => d);

  const groupOf = (
    d: SessionGroupData | undefined,
    status: SessionStatusGroup | undefined,
  ): SessionsGroup => {
    const narrowed = status !== undefined ? [status] : layout.statusFilter;
    const by: Record<string, string | number> = {};
    if (d?.key.project !== undefined) by.project = d.key.project;
    if (d?.key.release !== undefined) by.release = d.key.release;
    if (d?.key.environment !== undefined) by.environment = d.key.environment;
    if (status !== undefined) by['session.status'] = status;
    const totals: Record<string, SessionValue> = {};
    const series: Record<string, SessionValue[]> = {};
    for (const field of layout.fields) {
      totals[field] = sessionFieldValue(field, d?.totals, narrowed);
      series[field] = range.intervals.map((t) => sessionFieldValue(field, d?.buckets.get(t), narrowed));
    }
    return { by, totals, series };
  };

  const groups: SessionsGroup[] = [];
  for (const d of sorted) for (const status of statuses) groups.push(groupOf(d, status));
  if (groups.length === 0 && range.intervals.length > 0) {
    if (layout.groupBy.length === 0) groups.push(groupOf(undefined, undefined));
    else if (layout.groupBy.length === 1 && byStatus)
      for (const s of statuses) groups.push(groupOf(undefined, s));
  }
  return {
    start: isoSeconds(range.start),
    end: isoSeconds(range.end),
    intervals: range.intervals.map(isoSeconds),
    groups,
  };
}
