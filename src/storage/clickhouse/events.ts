/**
 * The `events` table (error and default events, one row per stored event; the columns are
 * src/protocol/error-event-columns.ts): its row type and the readers the API uses. Every user
 * value reaches ClickHouse as a query parameter (`{name:Type}` + `query_params`), never as SQL
 * text.
 *
 * Rows are deduplicated by ReplacingMergeTree only when parts merge, so an event stored twice
 * (an SDK resending the same event id, or a retried insert that had in fact succeeded) is
 * counted twice until then. Nothing drops duplicate event ids before insert yet.
 */
import { isJsonObject } from '../../protocol/json.js';
import type { ErrorEventColumns } from '../../protocol/error-event-columns.js';
import type { JsonObject } from '../../protocol/json.js';
import { LIVE_GROUPS_CONDITION } from '../../query/live-groups.js';
import type { ClickHouseStore } from './client.js';
import { parseDateTime, toDateTime64 } from './datetime.js';
import { clampInt, hexId, queryRows, timeRangeClauses, toNumber, toText } from './query-helpers.js';

/** Name of the error events table. */
export const EVENTS_TABLE = 'events';

/**
 * One row of `events` as inserted (JSONEachRow); field names are the column names, times are
 * `YYYY-MM-DD hh:mm:ss.sss` UTC (see `toDateTime64`) and `data` is the event's JSON text.
 * Materialized columns (`_tags_hash_map`, `_flags_hash_map`) are computed by ClickHouse and
 * must not be sent.
 */
export interface ErrorEventRow extends ErrorEventColumns<string, string> {
  /** Issue id from the metadata store. */
  group_id: number;
}

/** A stored event as read back: dates as `Date`, `data` parsed. */
export interface StoredErrorEvent extends Omit<ErrorEventRow, 'timestamp' | 'received' | 'data'> {
  timestamp: Date;
  received: Date;
  /** The normalized event; `{}` if the stored text was not a JSON object. */
  data: JsonObject;
}

/**
 * A compiled search filter over `events` columns: a boolean SQL expression with named
 * ClickHouse parameters (`{p0:String}`) and their values. Parameter names starting with
 * `vigil_` are reserved for the readers.
 */
export interface EventFilter {
  sql: string;
  params: Record<string, unknown>;
}

/**
 * An `events` row before its issue is known, with `data` as the event object rather than
 * its JSON text: {@link encodeEventRow} serializes it once (ClickHouse stores a JSON object
 * given for the `String` column as its text) and {@link withGroupId} completes it.
 */
export type EventRowInput = ErrorEventColumns<string, JsonObject>;

/** JSON text of a row without `group_id` (for {@link withGroupId} and `jsonLinesWriter`). */
export function encodeEventRow(row: EventRowInput): string {
  return JSON.stringify(row);
}

/** Completes an {@link encodeEventRow} line with the issue id, without re-serializing it. */
export function withGroupId(encoded: string, groupId: number): string {
  return `{"group_id":${groupId},${encoded.slice(1)}`;
}

/** Options shared by the event readers that aggregate over projects. */
export interface EventScope {
  /** Projects to read; an empty list matches nothing. */
  projectIds: readonly number[];
  /** Extra filter (e.g. from the search compiler); ANDed with the rest. */
  where?: EventFilter;
  /** Only these issues. */
  groupIds?: readonly number[];
  /** None of these issues (the complement of a metadata filter, when that is the shorter list). */
  excludeGroupIds?: readonly number[];
  /** Inclusive lower bound on `timestamp`. */
  start?: Date;
  /** Exclusive upper bound on `timestamp`. */
  end?: Date;
  /** Only these environments (exact match); an empty list is ignored. */
  environment?: readonly string[];
}

/** Options of {@link queryIssueAggregates}: the scope plus a filter on the per-issue aggregates. */
export interface IssueAggregateScope extends EventScope {
  /**
   * A HAVING condition over the per-issue aggregates (`count()`, `min(timestamp)`,
   * `max(timestamp)`), e.g. from `times_seen:>10` or `lastSeen:-24h`; its parameter names
   * must not clash with `where`'s.
   */
  having?: EventFilter;
}

/** Per-issue aggregates of {@link queryIssueAggregates}. */
export interface IssueAggregate {
  group_id: number;
  /** Number of events. */
  count: number;
  /** Distinct non-empty `user` values (ClickHouse `uniq`: exact below 65 536 distinct users). */
  user_count: number;
  first_seen: Date;
  last_seen: Date;
  /** True when any of the events has an unhandled exception (`handled = 0`); Sentry's `isUnhandled`. */
  unhandled: boolean;
}

/** One time bucket of {@link groupStats}. */
export interface GroupStatsBucket {
  /** Bucket start (UTC hour or day). */
  start: Date;
  count: number;
}

const RESERVED_PARAM_PREFIX = 'vigil_';

/** Columns read back, in table order; `event_id` is rendered as 32 hex (see `selectList`). */
const STORED_COLUMNS = [
  'project_id',
  'timestamp',
  'event_id',
  'group_id',
  'primary_hash',
  'received',
  'type',
  'level',
  'platform',
  'logger',
  'release',
  'dist',
  'environment',
  'transaction',
  'message',
  'title',
  'culprit',
  'user_id',
  'user_email',
  'user_username',
  'user_ip',
  'user',
  'sdk_name',
  'sdk_version',
  'trace_id',
  'replay_id',
  'exception_types',
  'exception_values',
  'handled',
  'tags.key',
  'tags.value',
  'flags.key',
  'flags.value',
  'data',
  'retention_days',
] as const;

// The hex form gets its own alias: an alias named `event_id` would shadow the UUID column in
// WHERE clauses (ClickHouse resolves aliases anywhere in the query).
const EVENT_ID_HEX = 'vigil_event_id_hex';
const SELECT_LIST = STORED_COLUMNS.map((c) =>
  c === 'event_id' ? `replaceAll(toString(event_id), '-', '') AS ${EVENT_ID_HEX}` : `\`${c}\``,
).join(', ');

/**
 * Escapes a tag or flag key the way the `_tags_hash_map` column does (`\` and `=` prefixed
 * with `\`). Follows Snuba's tags hash map (snuba/datasets/storages/tags_hash_map.py).
 */
export function escapeHashMapKey(key: string): string {
  return key.replace(/[\\=]/g, '\\$&');
}

/**
 * The string whose `cityHash64` is stored in `_tags_hash_map` / `_flags_hash_map` for the pair
 * (`key`, `value`): `escapeHashMapKey(key) + '=' + value`. Bind it as a `String` parameter in
 * `has(_tags_hash_map, cityHash64({p:String}))`.
 */
export function hashMapEntry(key: string, value: string): string {
  return `${escapeHashMapKey(key)}=${value}`;
}

/**
 * Issue aggregates over the events matching `scope`: per `group_id`, the event count, distinct
 * users, and first/last event time. Groups without matching events are absent. Ordered by
 * `group_id`. Follows Sentry's issue search over Snuba (`count()`, `uniq(tags[sentry:user])`,
 * `min/max(timestamp)` grouped by group_id; reference/sentry-semantics.md §2.4). Events without a
 * user do not count as one.
 */
export async function queryIssueAggregates(
  store: Pick<ClickHouseStore, 'client'>,
  scope: IssueAggregateScope,
): Promise<IssueAggregate[]> {
  if (isEmptyScope(scope)) return [];
  const filter = scopeFilter(scope);
  const having = scope.having ? `HAVING ${scope.having.sql}` : '';
  const rows = await queryRows(
    store,
    `SELECT group_id,
            count() AS vigil_count,
            uniqIf(user, user != '') AS vigil_user_count,
            min(timestamp) AS vigil_first_seen,
            max(timestamp) AS vigil_last_seen,
            countIf(handled = 0) > 0 AS vigil_unhandled
       FROM events
      WHERE ${filter.sql}
      GROUP BY group_id
      ${having}
      ORDER BY group_id`,
    { ...filter.params, ...scope.having?.params },
  );
  return rows.map((r) => ({
    group_id: toNumber(r.group_id),
    count: toNumber(r.vigil_count),
    user_count: toNumber(r.vigil_user_count),
    first_seen: parseDateTime(r.vigil_first_seen),
    last_seen: parseDateTime(r.vigil_last_seen),
    unhandled: toNumber(r.vigil_unhandled) === 1,
  }));
}

/** Number of events matching `scope`. */
export async function countEvents(
  store: Pick<ClickHouseStore, 'client'>,
  scope: EventScope,
): Promise<number> {
  if (isEmptyScope(scope)) return 0;
  const filter = scopeFilter(scope);
  const rows = await queryRows(
    store,
    `SELECT count() AS vigil_count FROM events WHERE ${filter.sql}`,
    filter.params,
  );
  return rows[0] === undefined ? 0 : toNumber(rows[0].vigil_count);
}

/**
 * The event `eventId` of project `projectId`, or null when absent. `eventId` is 32 hex digits
 * (dashes allowed, any case); anything else returns null.
 */
export async function getEvent(
  store: Pick<ClickHouseStore, 'client'>,
  projectId: number,
  eventId: string,
): Promise<StoredErrorEvent | null> {
  const hex = hexId(eventId);
  if (hex === undefined) return null;
  const rows = await queryRows(
    store,
    `SELECT ${SELECT_LIST} FROM events
      WHERE project_id = {vigil_project_id:UInt64} AND event_id = {vigil_event_id:UUID}
      LIMIT 1`,
    { vigil_project_id: projectId, vigil_event_id: hex },
  );
  return rows[0] === undefined ? null : toStoredEvent(rows[0]);
}

/** Where an event id was stored: its project, issue and environment. */
export interface EventLocation {
  project_id: number;
  group_id: number;
  environment: string;
}

/**
 * The issues holding event `eventId` among `projectIds` (an event id is unique per project, so
 * several projects may each have one), by project id; empty for anything but 32 hex digits
 * (dashes allowed). Serves the issue stream's event-id "direct hit".
 */
export async function findEventLocations(
  store: Pick<ClickHouseStore, 'client'>,
  projectIds: readonly number[],
  eventId: string,
): Promise<EventLocation[]> {
  const hex = hexId(eventId);
  if (hex === undefined || projectIds.length === 0) return [];
  const rows = await queryRows(
    store,
    `SELECT DISTINCT project_id, group_id, environment FROM events
      WHERE project_id IN {vigil_project_ids:Array(UInt64)} AND event_id = {vigil_event_id:UUID}
      ORDER BY project_id, group_id`,
    { vigil_project_ids: [...projectIds], vigil_event_id: hex },
  );
  return rows.map((r) => ({
    project_id: toNumber(r.project_id),
    group_id: toNumber(r.group_id),
    environment: toText(r.environment),
  }));
}

/**
 * The events of trace `traceId` (32 lowercase hex) in `projectIds`, oldest first, at most
 * `limit` (clamped to 1..10 000). Used by the trace view to put errors next to their spans.
 */
export async function listTraceEvents(
  store: Pick<ClickHouseStore, 'client'>,
  projectIds: readonly number[],
  traceId: string,
  limit = 1000,
): Promise<StoredErrorEvent[]> {
  if (projectIds.length === 0) return [];
  const rows = await queryRows(
    store,
    `SELECT ${SELECT_LIST} FROM events
      WHERE project_id IN {vigil_project_ids:Array(UInt64)} AND trace_id = {vigil_trace_id:String}
      ORDER BY timestamp ASC, event_id ASC
      LIMIT {vigil_limit:UInt64}`,
    { vigil_project_ids: [...projectIds], vigil_trace_id: traceId, vigil_limit: clampInt(limit, 1, 10_000) },
  );
  return rows.map(toStoredEvent);
}

/** Options of {@link listGroupEvents}. */
export interface ListGroupEventsOptions {
  groupId: number;
  /** Restricts to one project (lets ClickHouse use the primary key); optional. */
  projectId?: number;
  /** Page size (rows); clamped to 0..10 000. */
  limit: number;
  /** Rows to skip; clamped to >= 0. */
  offset: number;
  /** `latest`: newest first; `oldest`: oldest first. Ties broken by event id. */
  order: 'latest' | 'oldest';
  /** Only events of these environments; empty or absent = all. */
  environments?: readonly string[];
  /** Inclusive lower / exclusive upper bound on `timestamp`; absent = unbounded. */
  start?: Date;
  end?: Date;
  /** Only events matching this filter (e.g. a compiled event search). */
  where?: EventFilter;
}

/** A page of an issue's events (optionally filtered), ordered by `timestamp` (then event id). */
export async function listGroupEvents(
  store: Pick<ClickHouseStore, 'client'>,
  options: ListGroupEventsOptions,
): Promise<StoredErrorEvent[]> {
  const direction = options.order === 'latest' ? 'DESC' : 'ASC';
  const params: Record<string, unknown> = {
    vigil_group_id: options.groupId,
    vigil_limit: clampInt(options.limit, 0, 10_000),
    vigil_offset: clampInt(options.offset, 0, Number.MAX_SAFE_INTEGER),
  };
  const clauses = ['group_id = {vigil_group_id:UInt64}'];
  if (options.projectId !== undefined) {
    clauses.push('project_id = {vigil_project_id:UInt64}');
    params.vigil_project_id = options.projectId;
  }
  if (options.environments !== undefined && options.environments.length > 0) {
    clauses.push('environment IN {vigil_environment:Array(String)}');
    params.vigil_environment = [...options.environments];
  }
  clauses.push(...timeRangeClauses('timestamp', options, params));
  if (options.where !== undefined) {
    assertUnreserved(options.where);
    clauses.push(`(${options.where.sql})`);
    Object.assign(params, options.where.params);
  }
  const rows = await queryRows(
    store,
    `SELECT ${SELECT_LIST} FROM events
      WHERE ${clauses.join(' AND ')}
      ORDER BY timestamp ${direction}, event_id ${direction}
      LIMIT {vigil_limit:UInt64} OFFSET {vigil_offset:UInt64}`,
    params,
  );
  return rows.map(toStoredEvent);
}

/** The newest event of issue `groupId` (optionally within `projectId`), or null. */
export async function getLatestEvent(
  store: Pick<ClickHouseStore, 'client'>,
  groupId: number,
  projectId?: number,
): Promise<StoredErrorEvent | null> {
  const [event] = await listGroupEvents(store, { groupId, projectId, limit: 1, offset: 0, order: 'latest' });
  return event ?? null;
}

/** The oldest event of issue `groupId` (optionally within `projectId`), or null. */
export async function getOldestEvent(
  store: Pick<ClickHouseStore, 'client'>,
  groupId: number,
  projectId?: number,
): Promise<StoredErrorEvent | null> {
  const [event] = await listGroupEvents(store, { groupId, projectId, limit: 1, offset: 0, order: 'oldest' });
  return event ?? null;
}

/** Options of {@link groupStats}. */
export interface GroupStatsOptions {
  groupIds: readonly number[];
  /** Start of the range; rounded down to the bucket boundary (UTC). */
  since: Date;
  /** End of the range (exclusive); default now. */
  until?: Date;
  /** Bucket width: an hour, a day, or any number of seconds (buckets aligned to the epoch). */
  interval: 'hour' | 'day' | number;
  /** Restricts to these projects (lets ClickHouse use the primary key); optional. */
  projectIds?: readonly number[];
  /** Only events of these environments; empty or absent = all. */
  environments?: readonly string[];
  /** Only events matching this filter (e.g. the compiled search: Sentry's `filtered` stats). */
  where?: EventFilter;
}

const INTERVAL_MS = { hour: 3_600_000, day: 86_400_000 } as const;
const MAX_BUCKETS = 10_000;

/**
 * Event counts per issue and time bucket, zero-filled: every requested group id maps to one
 * bucket per interval from `since` (rounded down) through `until` (default now), oldest first.
 * Feeds issue stats (Sentry's `stats: {"24h": [[ts, count], ...]}` on issue list entries).
 *
 * @throws RangeError when the range spans more than 10 000 buckets or the interval is not a
 *   positive whole number of seconds (a bug in the caller).
 */
export async function groupStats(
  store: Pick<ClickHouseStore, 'client'>,
  options: GroupStatsOptions,
): Promise<Map<number, GroupStatsBucket[]>> {
  const step = typeof options.interval === 'number' ? options.interval * 1000 : INTERVAL_MS[options.interval];
  if (!Number.isSafeInteger(step) || step <= 0) {
    throw new RangeError(`groupStats: invalid interval ${String(options.interval)}`);
  }
  const first = Math.floor(options.since.getTime() / step) * step;
  const untilMs = (options.until ?? new Date()).getTime();
  const last = Math.floor((untilMs - 1) / step) * step;
  const bucketCount = last < first ? 0 : (last - first) / step + 1;
  if (bucketCount > MAX_BUCKETS) {
    throw new RangeError(`groupStats: ${bucketCount} buckets requested, at most ${MAX_BUCKETS}`);
  }
  const result = new Map<number, GroupStatsBucket[]>();
  const index = new Map<number, Map<number, GroupStatsBucket>>();
  for (const groupId of options.groupIds) {
    const buckets: GroupStatsBucket[] = [];
    const byStart = new Map<number, GroupStatsBucket>();
    for (let i = 0; i < bucketCount; i++) {
      const bucket = { start: new Date(first + i * step), count: 0 };
      buckets.push(bucket);
      byStart.set(bucket.start.getTime(), bucket);
    }
    result.set(groupId, buckets);
    index.set(groupId, byStart);
  }
  if (options.groupIds.length === 0 || bucketCount === 0) return result;
  if (options.projectIds !== undefined && options.projectIds.length === 0) return result;

  const params: Record<string, unknown> = {
    vigil_group_ids: [...options.groupIds],
    vigil_start: toDateTime64(new Date(first)),
    vigil_end: toDateTime64(new Date(untilMs)),
    vigil_step_ms: step,
  };
  const clauses: string[] = [];
  if (options.projectIds !== undefined) {
    clauses.push('project_id IN {vigil_project_ids:Array(UInt64)}');
    params.vigil_project_ids = [...options.projectIds];
  }
  if (options.environments !== undefined && options.environments.length > 0) {
    clauses.push('environment IN {vigil_environment:Array(String)}');
    params.vigil_environment = [...options.environments];
  }
  if (options.where !== undefined) {
    assertUnreserved(options.where);
    clauses.push(`(${options.where.sql})`);
    Object.assign(params, options.where.params);
  }
  const rows = await queryRows(
    store,
    `SELECT group_id,
            intDiv(toUnixTimestamp64Milli(timestamp), {vigil_step_ms:UInt64}) * {vigil_step_ms:UInt64} AS vigil_bucket,
            count() AS vigil_count
       FROM events
      WHERE group_id IN {vigil_group_ids:Array(UInt64)}
        AND timestamp >= {vigil_start:DateTime64(3, 'UTC')}
        AND timestamp < {vigil_end:DateTime64(3, 'UTC')}
        ${clauses.map((c) => `AND ${c}`).join(' ')}
      GROUP BY group_id, vigil_bucket`,
    params,
  );
  for (const r of rows) {
    const bucket = index.get(toNumber(r.group_id))?.get(toNumber(r.vigil_bucket));
    if (bucket !== undefined) bucket.count = toNumber(r.vigil_count);
  }
  return result;
}

/** Whether `scope` can match no event at all (no projects, or an empty list of issues). */
export function isEmptyScope(scope: EventScope): boolean {
  return scope.projectIds.length === 0 || (scope.groupIds !== undefined && scope.groupIds.length === 0);
}

/**
 * The WHERE expression over `events` and its parameters for `scope` (`vigil_`-prefixed names;
 * the names of `scope.where` must not use that prefix). Without `scope.groupIds` it leaves out
 * the events of issues being merged away or deleted (`LIVE_GROUPS_CONDITION`).
 *
 * @throws Error when a parameter of `scope.where` uses the reserved prefix (a bug in the caller).
 */
export function scopeFilter(scope: EventScope): EventFilter {
  const clauses = ['project_id IN {vigil_project_ids:Array(UInt64)}'];
  const params: Record<string, unknown> = { vigil_project_ids: [...scope.projectIds] };
  if (scope.groupIds !== undefined) {
    clauses.push('group_id IN {vigil_group_ids:Array(UInt64)}');
    params.vigil_group_ids = [...scope.groupIds];
  } else {
    // A scan over issues nobody named: leave out those being merged away or deleted.
    clauses.push(LIVE_GROUPS_CONDITION);
  }
  if (scope.excludeGroupIds !== undefined && scope.excludeGroupIds.length > 0) {
    clauses.push('group_id NOT IN {vigil_exclude_group_ids:Array(UInt64)}');
    params.vigil_exclude_group_ids = [...scope.excludeGroupIds];
  }
  clauses.push(...timeRangeClauses('timestamp', scope, params));
  if (scope.environment !== undefined && scope.environment.length > 0) {
    clauses.push('environment IN {vigil_environment:Array(String)}');
    params.vigil_environment = [...scope.environment];
  }
  if (scope.where !== undefined) {
    assertUnreserved(scope.where);
    clauses.push(`(${scope.where.sql})`);
    Object.assign(params, scope.where.params);
  }
  return { sql: clauses.join(' AND '), params };
}

function assertUnreserved(filter: EventFilter): void {
  for (const name of Object.keys(filter.params)) {
    if (name.startsWith(RESERVED_PARAM_PREFIX)) {
      throw new Error(`filter parameter ${name} uses the reserved prefix ${RESERVED_PARAM_PREFIX}`);
    }
  }
}

function toStoredEvent(r: Record<string, unknown>): StoredErrorEvent {
  return {
    project_id: toNumber(r.project_id),
    timestamp: parseDateTime(r.timestamp),
    event_id: toText(r[EVENT_ID_HEX]),
    group_id: toNumber(r.group_id),
    primary_hash: toText(r.primary_hash),
    received: parseDateTime(r.received),
    type: toText(r.type),
    level: toText(r.level),
    platform: toText(r.platform),
    logger: toText(r.logger),
    release: toText(r.release),
    dist: toText(r.dist),
    environment: toText(r.environment),
    transaction: toText(r.transaction),
    message: toText(r.message),
    title: toText(r.title),
    culprit: toText(r.culprit),
    user_id: toText(r.user_id),
    user_email: toText(r.user_email),
    user_username: toText(r.user_username),
    user_ip: toText(r.user_ip),
    user: toText(r.user),
    sdk_name: toText(r.sdk_name),
    sdk_version: toText(r.sdk_version),
    trace_id: toText(r.trace_id),
    replay_id: toText(r.replay_id),
    exception_types: toTextArray(r.exception_types),
    exception_values: toTextArray(r.exception_values),
    handled: r.handled === null || r.handled === undefined ? null : toNumber(r.handled) === 0 ? 0 : 1,
    'tags.key': toTextArray(r['tags.key']),
    'tags.value': toTextArray(r['tags.value']),
    'flags.key': toTextArray(r['flags.key']),
    'flags.value': toTextArray(r['flags.value']),
    data: parseData(r.data),
    retention_days: toNumber(r.retention_days),
  };
}

function parseData(value: unknown): JsonObject {
  if (typeof value !== 'string') return {};
  try {
    const parsed: unknown = JSON.parse(value);
    return isJsonObject(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

function toTextArray(value: unknown): string[] {
  return Array.isArray(value) ? value.map(toText) : [];
}
