/**
 * The `check_ins` table: cron monitor check-ins (reference/relay-protocol.md §14.1; the state
 * Sentry keeps in `MonitorCheckIn`, `src/sentry/monitors/models.py`). ClickHouse is append-only,
 * so every update of a check-in (an `in_progress` heartbeat, the closing `ok`/`error`) is its
 * own row with the same `check_in_id`, and readers fold the rows of one id:
 *
 * - `status`: the first `ok`/`error` row wins, later terminal rows are ignored (Sentry refuses
 *   to change a finished check-in), `in_progress` while there is none;
 * - `duration` (ms): the first terminal row's duration, else the time from the check-in's start
 *   to that row's arrival (Sentry's implicit duration), null while in progress;
 * - `dateCreated`: the earliest `timestamp` (a row's `timestamp` is its arrival minus its
 *   duration: when the run started).
 *
 * A check-in sent with the nil id ("update the latest in-progress check-in") is resolved when
 * it is WRITTEN, by {@link CheckInIdResolver}: rows always carry a concrete id, so reads stay
 * simple aggregations. Every user value reaches ClickHouse as a query parameter.
 */
import { randomUUID } from 'node:crypto';
import type { ClickHouseStore } from './client.js';
import type { ClickHouseMigration } from './migrations.js';
import { parseDateTime, toDateTime64 } from './datetime.js';
import { clampInt, queryRows, timeRangeClauses, toNumber, toText } from './query-helpers.js';

/** Name of the check-ins table. */
export const CHECK_INS_TABLE = 'check_ins';

const CREATE_CHECK_INS = `CREATE TABLE IF NOT EXISTS ${CHECK_INS_TABLE}
(
    project_id UInt64,
    monitor_slug String,
    environment LowCardinality(String),
    check_in_id UUID,
    status LowCardinality(String),
    duration Nullable(UInt32),
    release String,
    trace_id String,
    timestamp DateTime64(3, 'UTC'),
    received DateTime64(3, 'UTC'),
    retention_days UInt16 DEFAULT 90
)
ENGINE = MergeTree
PARTITION BY toMonday(received)
ORDER BY (project_id, monitor_slug, environment, received)
TTL toDateTime(received) + toIntervalDay(retention_days)`;

/**
 * Telemetry migration 3: the `check_ins` table, one row per check-in update, ordered for
 * per-monitor reads, partitioned by week, expiring after `retention_days` (default 90).
 */
export const CHECK_INS_MIGRATION: ClickHouseMigration = {
  version: 3,
  name: 'create_check_ins',
  statements: [CREATE_CHECK_INS],
};

/** The statuses a row can have. */
export type CheckInRowStatus = 'ok' | 'error' | 'in_progress';

/**
 * One row of `check_ins` as inserted (JSONEachRow): times are `YYYY-MM-DD hh:mm:ss.sss` UTC,
 * `check_in_id` 32 hex, `duration` milliseconds or null, absent strings `''`.
 */
export interface CheckInRow {
  project_id: number;
  monitor_slug: string;
  environment: string;
  check_in_id: string;
  status: CheckInRowStatus;
  duration: number | null;
  release: string;
  trace_id: string;
  /** When the run started: arrival minus duration. */
  timestamp: string;
  /** When this update arrived. */
  received: string;
  retention_days: number;
}

/**
 * What a row is built from; the field names match `ProcessedCheckIn` of the check-in pipeline
 * (src/processing/items/check-ins/) so one can be passed as is, with the resolved id.
 */
export interface CheckInRowInput {
  projectId: number;
  monitorSlug: string;
  environment: string;
  status: CheckInRowStatus;
  /** Milliseconds. */
  durationMs?: number;
  release?: string;
  traceId?: string;
  /** Unix seconds. */
  startedAt: number;
  /** Unix seconds. */
  receivedAt: number;
}

/** Builds the row of `input` under the resolved `checkInId` (32 hex); retention default 90 days. */
export function checkInRow(input: CheckInRowInput, checkInId: string, retentionDays = 90): CheckInRow {
  return {
    project_id: input.projectId,
    monitor_slug: input.monitorSlug,
    environment: input.environment,
    check_in_id: checkInId,
    status: input.status,
    duration: input.durationMs ?? null,
    release: input.release ?? '',
    trace_id: input.traceId ?? '',
    timestamp: toDateTime64(new Date(Math.round(input.startedAt * 1000))),
    received: toDateTime64(new Date(Math.round(input.receivedAt * 1000))),
    retention_days: retentionDays,
  };
}

/** JSON line of a row, for `BatchSink<string>` with `jsonLinesWriter(store, CHECK_INS_TABLE)`. */
export function encodeCheckInRow(row: CheckInRow): string {
  return JSON.stringify(row);
}

/** One check-in update whose id is to be resolved. */
export interface CheckInIdRequest extends Pick<
  CheckInRowInput,
  'projectId' | 'monitorSlug' | 'environment' | 'status' | 'startedAt' | 'receivedAt'
> {
  /** 32 hex; the nil UUID asks for the latest in-progress check-in. */
  checkInId: string;
  /**
   * The monitor's `max_runtime` in minutes (null/absent: Sentry's default 30): an in-progress
   * check-in older than that has timed out and is not updated by a nil-id check-in.
   */
  maxRuntimeMinutes?: number | null;
}

/** Options of {@link CheckInIdResolver}. */
export interface CheckInIdResolverOptions {
  /** Monitor environments whose open check-ins are remembered; default 10 000 (least recently used go). */
  maxKeys?: number;
  /** Id for a nil-id check-in that opens a new check-in; default a random v4 UUID (32 hex). */
  newId?: () => string;
}

const NIL_ID = '00000000000000000000000000000000';
const DEFAULT_MAX_RUNTIME_MINUTES = 30;
/** Longest max runtime (Sentry's `MAX_TIMEOUT`, 28 days): how far back open check-ins are looked up. */
const LOOKBACK_MS = 40_320 * 60_000;

interface OpenCheckIn {
  id: string;
  /** Unix ms. */
  startedMs: number;
}

/**
 * Resolves nil check-in ids at write time, as Sentry's consumer does (`use_latest_checkin` in
 * `monitor_consumer.py`): the nil id means the newest `in_progress` check-in of the same
 * project, monitor and environment that has not timed out; when there is none it opens a new
 * check-in with a fresh id.
 *
 * The open check-ins of each monitor environment are loaded from ClickHouse once (one query
 * per batch for all environments not yet known) and then tracked in memory from the check-ins
 * this process resolves, so a closing check-in sent right after its `in_progress` one finds it
 * even while that row still waits in the batch sink. With several Vigil processes writing, a
 * check-in opened by another process is only found once this process loads that environment.
 */
export class CheckInIdResolver {
  readonly #store: Pick<ClickHouseStore, 'client'>;
  readonly #maxKeys: number;
  readonly #newId: () => string;
  /** Per monitor environment: its open check-ins, oldest first. */
  readonly #open = new Map<string, OpenCheckIn[]>();

  constructor(store: Pick<ClickHouseStore, 'client'>, options: CheckInIdResolverOptions = {}) {
    this.#store = store;
    this.#maxKeys = options.maxKeys ?? 10_000;
    this.#newId = options.newId ?? ((): string => randomUUID().replace(/-/g, ''));
  }

  /**
   * Returns the concrete check-in id (32 hex) of every request, in order; requests are applied
   * in order, so a batch may open and close a check-in. Rejects when ClickHouse cannot be read
   * (nothing is remembered then; the caller may retry the batch).
   */
  async resolve(requests: readonly CheckInIdRequest[]): Promise<string[]> {
    const missing = new Map<string, CheckInIdRequest>();
    for (const request of requests) {
      const key = environmentKey(request);
      if (!this.#open.has(key)) missing.set(key, request);
    }
    if (missing.size > 0) {
      const loaded = await loadOpenCheckIns(this.#store, [...missing.values()], requests);
      for (const key of missing.keys()) this.#remember(key, loaded.get(key) ?? []);
    }
    return requests.map((request) => this.#apply(request));
  }

  #apply(request: CheckInIdRequest): string {
    const key = environmentKey(request);
    const open = this.#open.get(key) ?? [];
    this.#remember(key, open);
    let id = request.checkInId;
    if (id === NIL_ID) {
      const runtimeMs = (request.maxRuntimeMinutes ?? DEFAULT_MAX_RUNTIME_MINUTES) * 60_000;
      const receivedMs = request.receivedAt * 1000;
      const latest = [...open]
        .reverse()
        .find((c) => Math.floor(c.startedMs / 60_000) * 60_000 + runtimeMs > receivedMs);
      id = latest?.id ?? this.#newId();
    }
    const index = open.findIndex((c) => c.id === id);
    if (request.status === 'in_progress') {
      if (index === -1) open.push({ id, startedMs: Math.round(request.startedAt * 1000) });
    } else if (index !== -1) {
      open.splice(index, 1);
    }
    return id;
  }

  /** Stores `open` as the most recently used entry, evicting the least recently used. */
  #remember(key: string, open: OpenCheckIn[]): void {
    this.#open.delete(key);
    this.#open.set(key, open);
    while (this.#open.size > this.#maxKeys) {
      const oldest = this.#open.keys().next().value;
      if (oldest === undefined) break;
      this.#open.delete(oldest);
    }
  }
}

function environmentKey(r: Pick<CheckInIdRequest, 'projectId' | 'monitorSlug' | 'environment'>): string {
  return `${r.projectId}/${r.monitorSlug}/${r.environment}`;
}

/** The newest open (never finished) check-in of each environment, started within the lookback. */
async function loadOpenCheckIns(
  store: Pick<ClickHouseStore, 'client'>,
  keys: readonly CheckInIdRequest[],
  batch: readonly CheckInIdRequest[],
): Promise<Map<string, OpenCheckIn[]>> {
  const newest = Math.max(...batch.map((r) => r.receivedAt * 1000));
  const rows = await queryRows(
    store,
    `SELECT project_id, monitor_slug, environment,
            replaceAll(toString(check_in_id), '-', '') AS vigil_id,
            min(timestamp) AS vigil_started
       FROM ${CHECK_INS_TABLE}
      WHERE project_id IN {vigil_project_ids:Array(UInt64)}
        AND monitor_slug IN {vigil_slugs:Array(String)}
        AND concat(toString(project_id), '/', monitor_slug, '/', environment) IN {vigil_keys:Array(String)}
        AND received >= {vigil_since:DateTime64(3, 'UTC')}
      GROUP BY project_id, monitor_slug, environment, check_in_id
     HAVING countIf(status IN ('ok', 'error')) = 0
      ORDER BY vigil_started DESC
      LIMIT 1 BY project_id, monitor_slug, environment`,
    {
      vigil_project_ids: [...new Set(keys.map((k) => k.projectId))],
      vigil_slugs: [...new Set(keys.map((k) => k.monitorSlug))],
      vigil_keys: keys.map(environmentKey),
      vigil_since: toDateTime64(new Date(newest - LOOKBACK_MS)),
    },
  );
  const open = new Map<string, OpenCheckIn[]>();
  for (const row of rows) {
    const key = environmentKey({
      projectId: toNumberOrBool(row.project_id),
      monitorSlug: toText(row.monitor_slug),
      environment: toText(row.environment),
    });
    open.set(key, [{ id: toText(row.vigil_id), startedMs: parseDateTime(row.vigil_started).getTime() }]);
  }
  return open;
}

/** A check-in as read back: its rows folded (see the module comment). */
export interface StoredCheckIn {
  /** 32 lowercase hex digits. */
  checkInId: string;
  projectId: number;
  monitorSlug: string;
  environment: string;
  status: CheckInRowStatus;
  /** Milliseconds; explicit or implicit for finished check-ins, null while in progress. */
  durationMs: number | null;
  /** When the run started. */
  dateCreated: Date;
  /** When the last update arrived. */
  dateUpdated: Date;
  /** Release of the latest update that named one; `''` if none. */
  release: string;
  /** Trace id of the first update that had one; `''` if none. */
  traceId: string;
}

/** Options of {@link listCheckIns}. */
export interface ListCheckInsOptions {
  projectId: number;
  monitorSlug: string;
  /** Only these environments; absent or empty = all. */
  environments?: readonly string[];
  /** Inclusive lower bound on the check-in's start. */
  start?: Date;
  /** Exclusive upper bound on the check-in's start. */
  end?: Date;
  /** Page size; clamped to 0..1000. */
  limit: number;
  /** Check-ins to skip (an offset cursor); default 0. */
  cursor?: number;
}

const TERMINAL = "status IN ('ok', 'error')";

/** The folded columns of one check-in, for the GROUP BY check_in_id queries. */
const FOLDED_COLUMNS = `replaceAll(toString(check_in_id), '-', '') AS vigil_id,
            argMin(environment, received) AS vigil_environment,
            min(timestamp) AS vigil_started,
            max(received) AS vigil_updated,
            countIf(${TERMINAL}) > 0 AS vigil_finished,
            argMinIf(status, received, ${TERMINAL}) AS vigil_final_status,
            argMinIf(tuple(duration), received, ${TERMINAL}).1 AS vigil_duration,
            minIf(received, ${TERMINAL}) AS vigil_finished_at,
            argMaxIf(release, received, release != '') AS vigil_release,
            argMinIf(trace_id, received, trace_id != '') AS vigil_trace_id`;

/**
 * A page of a monitor's check-ins, newest start first (ties by id), like Sentry's
 * `GET .../monitors/{slug}/checkins/` (ordered by `-date_added`).
 */
export async function listCheckIns(
  store: Pick<ClickHouseStore, 'client'>,
  options: ListCheckInsOptions,
): Promise<StoredCheckIn[]> {
  const params: Record<string, unknown> = {
    vigil_project_id: options.projectId,
    vigil_slug: options.monitorSlug,
    vigil_limit: clampInt(options.limit, 0, 1000),
    vigil_offset: clampInt(options.cursor ?? 0, 0, Number.MAX_SAFE_INTEGER),
  };
  const where = ['project_id = {vigil_project_id:UInt64}', 'monitor_slug = {vigil_slug:String}'];
  if (options.environments !== undefined && options.environments.length > 0) {
    where.push('environment IN {vigil_environments:Array(String)}');
    params.vigil_environments = [...options.environments];
  }
  const having = timeRangeClauses('vigil_started', options, params);
  const rows = await queryRows(
    store,
    `SELECT project_id, monitor_slug, ${FOLDED_COLUMNS}
       FROM ${CHECK_INS_TABLE}
      WHERE ${where.join(' AND ')}
      GROUP BY project_id, monitor_slug, check_in_id
      ${having.length > 0 ? `HAVING ${having.join(' AND ')}` : ''}
      ORDER BY vigil_started DESC, vigil_id DESC
      LIMIT {vigil_limit:UInt64} OFFSET {vigil_offset:UInt64}`,
    params,
  );
  return rows.map(toStoredCheckIn);
}

/** Options of {@link latestCheckInsByMonitor}. */
export interface LatestCheckInsOptions {
  /** Projects to read; an empty list matches nothing. */
  projectIds: readonly number[];
  /** Only these monitors. */
  monitorSlugs?: readonly string[];
  /** Recent check-ins returned per environment (newest first); clamped to 1..2000, default 1. */
  perEnvironment?: number;
}

/** The check-ins of one monitor environment, newest first. */
export interface MonitorEnvironmentCheckIns {
  projectId: number;
  monitorSlug: string;
  environment: string;
  /** Start of the environment's first stored check-in. */
  firstCheckIn: Date;
  /**
   * The most recently reported check-ins (at most `perEnvironment`, by their last update, newest
   * first — the order Sentry's consumer sees them in): status (first terminal wins), start and
   * last update.
   */
  recent: Array<{ checkInId: string; status: CheckInRowStatus; dateCreated: Date; dateUpdated: Date }>;
}

/**
 * The latest check-ins (and so the latest status) of every environment of the selected
 * monitors, one entry per (project, monitor, environment) in that order; environments without
 * check-ins are absent. Feeds the monitor list's `environments` (status, last and next
 * check-in) together with the status derivation of src/processing/items/check-ins/.
 */
export async function latestCheckInsByMonitor(
  store: Pick<ClickHouseStore, 'client'>,
  options: LatestCheckInsOptions,
): Promise<MonitorEnvironmentCheckIns[]> {
  if (
    options.projectIds.length === 0 ||
    (options.monitorSlugs !== undefined && options.monitorSlugs.length === 0)
  ) {
    return [];
  }
  const params: Record<string, unknown> = {
    vigil_project_ids: [...options.projectIds],
    vigil_recent: clampInt(options.perEnvironment ?? 1, 1, 2000),
  };
  let slugClause = '';
  if (options.monitorSlugs !== undefined) {
    slugClause = 'AND monitor_slug IN {vigil_slugs:Array(String)}';
    params.vigil_slugs = [...options.monitorSlugs];
  }
  const rows = await queryRows(
    store,
    `SELECT project_id, monitor_slug, environment,
            min(vigil_started) AS vigil_first,
            arraySlice(
              arrayReverseSort(x -> (x.2, x.1), groupArray((vigil_id, vigil_updated, vigil_started, vigil_status))),
              1, {vigil_recent:UInt32}) AS vigil_recent
       FROM (
         SELECT project_id, monitor_slug, environment,
                replaceAll(toString(check_in_id), '-', '') AS vigil_id,
                min(timestamp) AS vigil_started,
                max(received) AS vigil_updated,
                if(countIf(${TERMINAL}) > 0, argMinIf(status, received, ${TERMINAL}), 'in_progress') AS vigil_status
           FROM ${CHECK_INS_TABLE}
          WHERE project_id IN {vigil_project_ids:Array(UInt64)} ${slugClause}
          GROUP BY project_id, monitor_slug, environment, check_in_id
       )
      GROUP BY project_id, monitor_slug, environment
      ORDER BY project_id, monitor_slug, environment`,
    params,
  );
  return rows.map((row) => ({
    projectId: toNumberOrBool(row.project_id),
    monitorSlug: toText(row.monitor_slug),
    environment: toText(row.environment),
    firstCheckIn: parseDateTime(row.vigil_first),
    recent: (Array.isArray(row.vigil_recent) ? row.vigil_recent : []).map((entry: unknown) => {
      const [id, updated, started, status] = Array.isArray(entry) ? entry : [];
      return {
        checkInId: toText(id),
        status: toStatus(status),
        dateCreated: parseDateTime(started),
        dateUpdated: parseDateTime(updated),
      };
    }),
  }));
}

function toStoredCheckIn(row: Record<string, unknown>): StoredCheckIn {
  const finished = toNumberOrBool(row.vigil_finished) === 1;
  const dateCreated = parseDateTime(row.vigil_started);
  let durationMs: number | null = null;
  if (finished) {
    durationMs =
      row.vigil_duration === null || row.vigil_duration === undefined
        ? Math.abs(parseDateTime(row.vigil_finished_at).getTime() - dateCreated.getTime())
        : toNumberOrBool(row.vigil_duration);
  }
  return {
    checkInId: toText(row.vigil_id),
    projectId: toNumberOrBool(row.project_id),
    monitorSlug: toText(row.monitor_slug),
    environment: toText(row.vigil_environment),
    status: finished ? toStatus(row.vigil_final_status) : 'in_progress',
    durationMs,
    dateCreated,
    dateUpdated: parseDateTime(row.vigil_updated),
    release: toText(row.vigil_release),
    traceId: toText(row.vigil_trace_id),
  };
}

function toStatus(value: unknown): CheckInRowStatus {
  return value === 'ok' || value === 'error' ? value : 'in_progress';
}

/** {@link toNumber}, also reading a ClickHouse Bool (`true` / `false`) as 1 / 0. */
function toNumberOrBool(value: unknown): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  return toNumber(value);
}
