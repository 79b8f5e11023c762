/**
 * The `sessions` table (release health; reference/sentry-semantics.md §6): its migration, row
 * encoding, and the reader behind Sentry's sessions API.
 *
 * Every session update is stored as it arrives (src/protocol/session-columns.ts), so nothing
 * is decided at insert time and repeated inserts of an update are harmless. The reader folds
 * a session's updates per `session_id`: the session counts once when it had an `init` update,
 * its worst status wins (crashed > abnormal > unhandled > errored > healthy), and it is in
 * the error set when any update had errors or an error status. Pre-aggregated rows
 * (`aggregate = 1`) add their `quantity` directly. Users are distinct `distinct_id`s over all
 * rows. From these counts session-metrics.ts derives Sentry's fields (§6.2). Time series
 * bucket sessions by `started`, as Relay's session metrics are timestamped.
 * Every user value reaches ClickHouse as a query parameter, never as SQL text.
 */
import type { SessionColumns } from '../../protocol/session-columns.js';
import { ERROR_SESSION_STATUSES } from '../../protocol/session-columns.js';
import type { ClickHouseStore } from './client.js';
import { parseDateTime, toDateTime64 } from './datetime.js';
import type { ClickHouseMigration } from './migrations.js';
import { intervalStarts } from './query-helpers.js';
import {
  layoutSessionsResult,
  sessionsLayoutProblem,
  type SessionCounts,
  type SessionField,
  type SessionGroupBy,
  type SessionGroupData,
  type SessionStatusGroup,
  type SessionsResult,
} from './session-metrics.js';

/** Name of the sessions table. */
export const SESSIONS_TABLE = 'sessions';

const CREATE_SESSIONS = `CREATE TABLE IF NOT EXISTS ${SESSIONS_TABLE}
(
    project_id UInt64,
    session_id UUID,
    distinct_id String,
    seq UInt64,
    init UInt8,
    status LowCardinality(String),
    errors UInt16,
    started DateTime64(3, 'UTC'),
    timestamp DateTime64(3, 'UTC'),
    received DateTime64(3, 'UTC'),
    duration Nullable(Float64),
    release String,
    environment LowCardinality(String),
    quantity UInt32,
    aggregate UInt8,
    abnormal_mechanism LowCardinality(String),
    sdk LowCardinality(String),
    ip_address String,
    retention_days UInt16 DEFAULT 90,
    INDEX bf_release release TYPE bloom_filter GRANULARITY 1
)
ENGINE = MergeTree
PARTITION BY toMonday(started)
ORDER BY (project_id, toStartOfHour(started), release, environment, session_id)
TTL toDateTime(started) + toIntervalDay(retention_days)`;

/**
 * Telemetry migration 2: the `sessions` table, one row per session update or aggregate bucket
 * status (columns of src/protocol/session-columns.ts), laid out after Snuba's raw sessions
 * table (`snuba/snuba_migrations/sessions/0001_sessions.py`) with the updates kept unmerged so
 * the reader can apply worst-status-wins per session. Register it after
 * `CLICKHOUSE_MIGRATIONS`' version 1.
 */
export const SESSIONS_MIGRATION: ClickHouseMigration = {
  version: 2,
  name: 'create_sessions',
  statements: [CREATE_SESSIONS],
};

/** One row of `sessions` as inserted (JSONEachRow): times as `YYYY-MM-DD hh:mm:ss.sss` UTC. */
export type SessionRow = SessionColumns<string>;

/**
 * JSONEachRow text of a processed session row whose times are unix milliseconds (the
 * processing output), ready for a `BatchSink<string>` with `jsonLinesWriter(store, 'sessions')`.
 */
export function encodeSessionRow(record: SessionColumns<number>): string {
  const row: SessionRow = {
    ...record,
    started: toDateTime64(new Date(record.started)),
    timestamp: toDateTime64(new Date(record.timestamp)),
    received: toDateTime64(new Date(record.received)),
  };
  return JSON.stringify(row);
}

/** A condition on a string column beyond the plain filters (e.g. `!release:x`). */
export interface SessionCondition {
  column: 'release' | 'environment';
  /** True for NOT IN. */
  negated: boolean;
  values: readonly string[];
}

/** Options of {@link querySessions}. */
export interface SessionsQuery {
  /** Projects to read; an empty list matches nothing. */
  projectIds: readonly number[];
  /** Inclusive start of the range (on `started`); should be a multiple of `interval`. */
  start: Date;
  /** Exclusive end of the range. */
  end: Date;
  /** Series interval in seconds; default 3600. */
  interval?: number;
  /** Only these environments (exact); empty/absent = all. */
  environment?: readonly string[];
  /** Only these releases (exact); empty/absent = all. */
  release?: readonly string[];
  /** Further conditions, ANDed. */
  conditions?: readonly SessionCondition[];
  /** Only these `session.status` groups (`session.status:` filters); absent = all, empty = no groups. */
  statusFilter?: readonly SessionStatusGroup[];
  groupBy: readonly SessionGroupBy[];
  fields: readonly SessionField[];
  /** Sort of the groups; default: by the primary field (`sum(session)` if asked, else the first), descending. */
  orderBy?: { field: SessionField; direction: 'asc' | 'desc' };
  /** Most groups (before `session.status` expansion); default 5000 ÷ intervals (Sentry's SNUBA_LIMIT). */
  limit?: number;
}

/** Why {@link querySessions} refused a query; `detail` is Sentry's message (an HTTP 400). */
export type SessionsQueryError = { kind: 'invalid_params'; detail: string };

/** Result of {@link querySessions}. */
export type SessionsQueryResult =
  { ok: true; value: SessionsResult } | { ok: false; error: SessionsQueryError };

/** Sentry's limit on group × interval cells of one sessions query (`SNUBA_LIMIT`). */
export const SESSIONS_MAX_CELLS = 5000;

const KEY_COLUMNS = { project: 'project_id', release: 'release', environment: 'environment' } as const;
type KeyName = keyof typeof KEY_COLUMNS;

const ERROR_STATUSES_SQL = ERROR_SESSION_STATUSES.map((s) => `'${s}'`).join(', ');
const HAS_ERROR = `(errors > 0 OR status IN (${ERROR_STATUSES_SQL}))`;
const HAS_USER = "distinct_id != ''";

/**
 * One "unit" per individual session (its updates folded) or per aggregate row, with the
 * same columns, for the outer GROUP BY.
 */
function unitsSql(where: string): string {
  return `
    SELECT project_id, release, environment, s_started,
           toUInt64(s_init) AS n_sessions,
           toUInt64(worst = 4) AS n_crashed,
           toUInt64(worst = 3) AS n_abnormal,
           toUInt64(worst = 2) AS n_unhandled,
           toUInt64(s_errored) AS n_errored,
           u_all, u_crashed, u_abnormal, u_unhandled, u_errored, s_duration
      FROM (
        SELECT project_id, release, environment,
               min(started) AS s_started,
               max(init) AS s_init,
               max(multiIf(status = 'crashed', 4, status = 'abnormal', 3, status = 'unhandled', 2, 0)) AS worst,
               max(${HAS_ERROR}) AS s_errored,
               groupUniqArrayIf(distinct_id, ${HAS_USER}) AS u_all,
               groupUniqArrayIf(distinct_id, ${HAS_USER} AND status = 'crashed') AS u_crashed,
               groupUniqArrayIf(distinct_id, ${HAS_USER} AND status = 'abnormal') AS u_abnormal,
               groupUniqArrayIf(distinct_id, ${HAS_USER} AND status = 'unhandled') AS u_unhandled,
               groupUniqArrayIf(distinct_id, ${HAS_USER} AND ${HAS_ERROR}) AS u_errored,
               argMaxIf(duration, seq, status = 'exited' AND isNotNull(duration)) AS s_duration
          FROM ${SESSIONS_TABLE}
         WHERE aggregate = 0 AND ${where}
         GROUP BY project_id, release, environment, session_id
      )
    UNION ALL
    SELECT project_id, release, environment, started AS s_started,
           toUInt64(quantity) AS n_sessions,
           toUInt64(if(status = 'crashed', quantity, 0)) AS n_crashed,
           toUInt64(if(status = 'abnormal', quantity, 0)) AS n_abnormal,
           toUInt64(if(status = 'unhandled', quantity, 0)) AS n_unhandled,
           toUInt64(if(${HAS_ERROR}, quantity, 0)) AS n_errored,
           if(${HAS_USER}, [distinct_id], []) AS u_all,
           if(${HAS_USER} AND status = 'crashed', [distinct_id], []) AS u_crashed,
           if(${HAS_USER} AND status = 'abnormal', [distinct_id], []) AS u_abnormal,
           if(${HAS_USER} AND status = 'unhandled', [distinct_id], []) AS u_unhandled,
           if(${HAS_USER} AND ${HAS_ERROR}, [distinct_id], []) AS u_errored,
           CAST(NULL, 'Nullable(Float64)') AS s_duration
      FROM ${SESSIONS_TABLE}
     WHERE aggregate = 1 AND ${where}`;
}

const AGGREGATES_SQL = `
       sum(n_sessions) AS vigil_sessions,
       sum(n_crashed) AS vigil_crashed,
       sum(n_abnormal) AS vigil_abnormal,
       sum(n_unhandled) AS vigil_unhandled,
       sum(n_errored) AS vigil_errored_all,
       uniqExactArray(u_all) AS vigil_users,
       uniqExactArray(u_crashed) AS vigil_crashed_users,
       uniqExactArray(u_abnormal) AS vigil_abnormal_users,
       uniqExactArray(u_unhandled) AS vigil_unhandled_users,
       uniqExactArray(u_errored) AS vigil_errored_users,
       avgOrNull(s_duration) AS vigil_duration_avg,
       quantilesExactInclusive(0.5, 0.75, 0.9, 0.95, 0.99)(s_duration) AS vigil_duration_quantiles,
       maxOrNull(s_duration) AS vigil_duration_max,
       countIf(isNotNull(s_duration)) AS vigil_durations`;

/** WHERE expression and parameters of the plain filters. */
function filterSql(query: SessionsQuery): { sql: string; params: Record<string, unknown> } {
  const clauses = [
    'project_id IN {vigil_project_ids:Array(UInt64)}',
    "started >= {vigil_start:DateTime64(3, 'UTC')}",
    "started < {vigil_end:DateTime64(3, 'UTC')}",
  ];
  const params: Record<string, unknown> = {
    vigil_project_ids: [...query.projectIds],
    vigil_start: toDateTime64(query.start),
    vigil_end: toDateTime64(query.end),
  };
  const conditions: SessionCondition[] = [...(query.conditions ?? [])];
  if (query.release !== undefined && query.release.length > 0) {
    conditions.push({ column: 'release', negated: false, values: query.release });
  }
  if (query.environment !== undefined && query.environment.length > 0) {
    conditions.push({ column: 'environment', negated: false, values: query.environment });
  }
  conditions.forEach((c, i) => {
    clauses.push(`${c.column} ${c.negated ? 'NOT IN' : 'IN'} {vigil_c${i}:Array(String)}`);
    params[`vigil_c${i}`] = [...c.values];
  });
  return { sql: clauses.join(' AND '), params };
}

function toNumber(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

function nullableNumber(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = toNumber(value);
  return Number.isFinite(n) ? n : null;
}

function toCounts(r: Record<string, unknown>): SessionCounts {
  const hasDurations = toNumber(r.vigil_durations) > 0;
  const quantiles = Array.isArray(r.vigil_duration_quantiles) ? r.vigil_duration_quantiles : [];
  return {
    sessions: toNumber(r.vigil_sessions),
    crashed: toNumber(r.vigil_crashed),
    abnormal: toNumber(r.vigil_abnormal),
    unhandled: toNumber(r.vigil_unhandled),
    erroredAll: toNumber(r.vigil_errored_all),
    users: toNumber(r.vigil_users),
    crashedUsers: toNumber(r.vigil_crashed_users),
    abnormalUsers: toNumber(r.vigil_abnormal_users),
    unhandledUsers: toNumber(r.vigil_unhandled_users),
    erroredUsers: toNumber(r.vigil_errored_users),
    durationAvg: hasDurations ? nullableNumber(r.vigil_duration_avg) : null,
    durationQuantiles: [0, 1, 2, 3, 4].map((i) => (hasDurations ? nullableNumber(quantiles[i]) : null)),
    durationMax: hasDurations ? nullableNumber(r.vigil_duration_max) : null,
  };
}

/**
 * Sentry's sessions query (`GET /api/0/organizations/{org}/sessions/`) over `sessions`:
 * `fields` per group of `groupBy`, as totals over [start, end) and as a series per `interval`
 * (buckets on the session's `started`, aligned to multiples of `interval` since the epoch).
 * Field semantics and the result layout are session-metrics.ts's ({@link layoutSessionsResult});
 * every session counts once, with its worst status.
 *
 * Returns `{ ok: false }` with Sentry's message for combinations Sentry rejects
 * ({@link sessionsLayoutProblem}) or a non-positive interval; rejects with the ClickHouse error
 * when a query fails.
 */
export async function querySessions(
  store: Pick<ClickHouseStore, 'client'>,
  query: SessionsQuery,
): Promise<SessionsQueryResult> {
  const interval = query.interval ?? 3600;
  if (!Number.isSafeInteger(interval) || interval <= 0) {
    return {
      ok: false,
      error: { kind: 'invalid_params', detail: 'The interval has to be a positive number of seconds.' },
    };
  }
  const start = Math.floor(query.start.getTime() / 1000);
  const end = Math.floor(query.end.getTime() / 1000);
  const intervals = intervalStarts(start, end, interval);
  const layout = {
    fields: query.fields,
    groupBy: query.groupBy,
    statusFilter: query.statusFilter,
    orderBy: query.orderBy,
    limit: query.limit ?? Math.floor(SESSIONS_MAX_CELLS / Math.max(1, intervals.length)),
  };
  const range = { start, end, intervals };
  if (query.statusFilter !== undefined && query.statusFilter.length === 0) {
    // A status condition nothing meets (e.g. `session.status:foo`): Sentry's `_empty_result`.
    return { ok: true, value: { ...layoutSessionsResult(layout, range, []), groups: [] } };
  }
  const problem = sessionsLayoutProblem(query);
  if (problem) return { ok: false, error: { kind: 'invalid_params', detail: problem } };
  if (query.projectIds.length === 0 || intervals.length === 0) {
    return { ok: true, value: layoutSessionsResult(layout, range, []) };
  }

  const keys = (Object.keys(KEY_COLUMNS) as KeyName[]).filter((k) => query.groupBy.includes(k));
  const keyList = keys.map((k) => KEY_COLUMNS[k]);
  const filter = filterSql(query);
  const units = unitsSql(filter.sql);
  const bucket =
    'intDiv(toUnixTimestamp(s_started), {vigil_interval:UInt32}) * {vigil_interval:UInt32} AS vigil_bucket';
  const run = async (withBucket: boolean): Promise<Array<Record<string, unknown>>> => {
    const select = [...keyList, ...(withBucket ? [bucket] : [])];
    const groupBy = [...keyList, ...(withBucket ? ['vigil_bucket'] : [])];
    const sql = `SELECT ${[...select, AGGREGATES_SQL].join(',')}
                   FROM (${units})
                  ${groupBy.length > 0 ? `GROUP BY ${groupBy.join(', ')}` : ''}`;
    const result = await store.client.query({
      query: sql,
      query_params: { ...filter.params, vigil_interval: interval },
      format: 'JSONEachRow',
    });
    return result.json<Record<string, unknown>>();
  };
  const [totals, series] = await Promise.all([run(false), run(true)]);

  const keyOf = (r: Record<string, unknown>): SessionGroupData['key'] => {
    const key: SessionGroupData['key'] = {};
    if (keys.includes('project')) key.project = toNumber(r.project_id);
    if (keys.includes('release')) key.release = String(r.release);
    if (keys.includes('environment')) key.environment = String(r.environment);
    return key;
  };
  const groups = new Map<string, SessionGroupData>();
  for (const r of totals) {
    // A global aggregate over no rows still answers one row of zeros.
    if (keys.length === 0 && toNumber(r.vigil_sessions) === 0 && toNumber(r.vigil_users) === 0) continue;
    const key = keyOf(r);
    groups.set(JSON.stringify(key), { key, totals: toCounts(r), buckets: new Map() });
  }
  for (const r of series) {
    groups.get(JSON.stringify(keyOf(r)))?.buckets.set(toNumber(r.vigil_bucket), toCounts(r));
  }
  return { ok: true, value: layoutSessionsResult(layout, range, [...groups.values()]) };
}

/** A stored session row as read back (for tests and debugging). */
export interface StoredSessionRow extends Omit<SessionRow, 'started' | 'timestamp' | 'received'> {
  started: Date;
  timestamp: Date;
  received: Date;
}

/** The rows of project `projectId`, oldest `started` first (then by session id and seq). */
export async function listSessionRows(
  store: Pick<ClickHouseStore, 'client'>,
  projectId: number,
): Promise<StoredSessionRow[]> {
  const result = await store.client.query({
    query: `SELECT * EXCEPT (session_id), toString(session_id) AS session_id FROM ${SESSIONS_TABLE}
             WHERE project_id = {vigil_project_id:UInt64}
             ORDER BY started, session_id, seq`,
    query_params: { vigil_project_id: projectId },
    format: 'JSONEachRow',
  });
  const rows = await result.json<Record<string, unknown>>();
  return rows.map((r) => ({
    project_id: toNumber(r.project_id),
    session_id: String(r.session_id),
    distinct_id: String(r.distinct_id),
    seq: toNumber(r.seq),
    init: toNumber(r.init) === 1 ? 1 : 0,
    status: String(r.status) as SessionRow['status'],
    errors: toNumber(r.errors),
    started: parseDateTime(r.started),
    timestamp: parseDateTime(r.timestamp),
    received: parseDateTime(r.received),
    duration: nullableNumber(r.duration),
    release: String(r.release),
    environment: String(r.environment),
    quantity: toNumber(r.quantity),
    aggregate: toNumber(r.aggregate) === 1 ? 1 : 0,
    abnormal_mechanism: String(r.abnormal_mechanism) as SessionRow['abnormal_mechanism'],
    sdk: String(r.sdk),
    ip_address: String(r.ip_address),
    retention_days: toNumber(r.retention_days),
  }));
}
