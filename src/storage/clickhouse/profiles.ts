/**
 * The `profiles` table: one row per transaction profile or continuous-profiling chunk
 * (reference/relay-protocol.md §14.5), with the metadata Sentry's profiling store keys them by
 * (profile id, or profiler id + chunk id; transaction, trace, release, environment, platform,
 * time range) and the payload as received in a ZSTD-compressed `String` column (DESIGN.md: blobs
 * live in ClickHouse). Profiles are JSON text, so the payload travels in JSONEachRow unchanged.
 * Every user value reaches ClickHouse as a query parameter.
 */
import type { ProfileFields, ProfileKind } from '../../protocol/profile-columns.js';
import type { ClickHouseStore } from './client.js';
import type { ClickHouseMigration } from './migrations.js';
import { parseDateTime, toDateTime64 } from './datetime.js';
import { hexId, projectsPage, queryRows, timeRangeClauses, toNumber, toText } from './query-helpers.js';

/** Name of the profiles table. */
export const PROFILES_TABLE = 'profiles';

const CREATE_PROFILES = `CREATE TABLE IF NOT EXISTS ${PROFILES_TABLE}
(
    project_id UInt64,
    kind LowCardinality(String),
    profile_id UUID,
    profiler_id String,
    transaction_id String,
    transaction_name String,
    trace_id String,
    release String,
    environment LowCardinality(String),
    platform LowCardinality(String),
    start_timestamp DateTime64(3, 'UTC'),
    end_timestamp DateTime64(3, 'UTC'),
    duration_ms Float64,
    received DateTime64(3, 'UTC'),
    payload String CODEC(ZSTD(3)),
    retention_days UInt16 DEFAULT 30,
    INDEX bf_trace_id trace_id TYPE bloom_filter GRANULARITY 1,
    INDEX bf_transaction_id transaction_id TYPE bloom_filter GRANULARITY 1
)
ENGINE = ReplacingMergeTree
PARTITION BY toMonday(received)
ORDER BY (project_id, kind, profiler_id, profile_id)
TTL toDateTime(received) + toIntervalDay(retention_days)`;

/**
 * Telemetry migration 9: the `profiles` table, ordered by `(project_id, kind, profiler_id,
 * profile_id)` so one profiler's chunks are one range, partitioned by week of arrival, expiring
 * after `retention_days` (default 30, Sentry's profile retention). A ReplacingMergeTree: an SDK
 * resending a profile keeps one row.
 */
export const PROFILES_MIGRATION: ClickHouseMigration = {
  version: 9,
  name: 'create_profiles',
  statements: [CREATE_PROFILES],
};

/** What a row is built from (the profile pipeline's `ProcessedProfile` fits as is). */
export interface ProfileRowInput extends ProfileFields {
  /** Unix seconds. */
  start: number;
  /** Unix seconds. */
  end: number;
  /** Unix seconds. */
  receivedAt: number;
  data: Buffer;
}

const time = (seconds: number): string => toDateTime64(new Date(Math.round(seconds * 1000)));

/** The JSON line of a profile's row; retention default 30 days. */
export function encodeProfileRow(input: ProfileRowInput, retentionDays = 30): string {
  return JSON.stringify({
    project_id: input.projectId,
    kind: input.kind,
    profile_id: input.profileId,
    profiler_id: input.profilerId,
    transaction_id: input.transactionId,
    transaction_name: input.transactionName,
    trace_id: input.traceId,
    release: input.release,
    environment: input.environment,
    platform: input.platform,
    start_timestamp: time(input.start),
    end_timestamp: time(input.end),
    duration_ms: input.durationMs,
    received: time(input.receivedAt),
    payload: input.data.toString('utf8'),
    retention_days: retentionDays,
  });
}

/** A profile's metadata as read back. */
export interface StoredProfile extends ProfileFields {
  start: Date;
  end: Date;
  received: Date;
}

/** Options of {@link listProfiles}. */
export interface ListProfilesOptions {
  projectIds: readonly number[];
  /** Only transaction profiles or only chunks; default both. */
  kind?: ProfileKind;
  /** Only the chunks of this profiler (any UUID form). */
  profilerId?: string;
  /** Only the profiles of this trace (any UUID form). */
  traceId?: string;
  /** Inclusive lower bound on the start. */
  start?: Date;
  /** Exclusive upper bound on the start. */
  end?: Date;
  /** Page size, clamped to 0..10 000. */
  limit: number;
  /** Rows to skip; default 0. */
  cursor?: number;
}

const COLUMNS = `project_id, kind,
       replaceAll(toString(profile_id), '-', '') AS vigil_profile_id,
       profiler_id, transaction_id, transaction_name, trace_id, release, environment, platform,
       start_timestamp, end_timestamp, duration_ms, received`;

/**
 * Profiles and chunks of the given projects, newest start first (ties by id). Returns `[]` for an
 * empty project list or a malformed profiler or trace id.
 */
export async function listProfiles(
  store: Pick<ClickHouseStore, 'client'>,
  options: ListProfilesOptions,
): Promise<StoredProfile[]> {
  if (options.projectIds.length === 0) return [];
  const { params, where } = projectsPage(options);
  if (options.kind !== undefined) {
    where.push('kind = {vigil_kind:String}');
    params.vigil_kind = options.kind;
  }
  for (const [column, value] of [
    ['profiler_id', options.profilerId],
    ['trace_id', options.traceId],
  ] as const) {
    if (value === undefined) continue;
    const hex = hexId(value);
    if (hex === undefined) return [];
    where.push(`${column} = {vigil_${column}:String}`);
    params[`vigil_${column}`] = hex;
  }
  where.push(...timeRangeClauses('start_timestamp', options, params));
  const rows = await queryRows(
    store,
    `SELECT ${COLUMNS}
       FROM ${PROFILES_TABLE} FINAL
      WHERE ${where.join(' AND ')}
      ORDER BY start_timestamp DESC, vigil_profile_id DESC
      LIMIT {vigil_limit:UInt64} OFFSET {vigil_offset:UInt64}`,
    params,
  );
  return rows.map(toStoredProfile);
}

/**
 * The payload and metadata of one transaction profile (`profilerId` undefined) or one chunk of a
 * profiler; null when absent or when an id is malformed.
 */
export async function getProfilePayload(
  store: Pick<ClickHouseStore, 'client'>,
  projectId: number,
  profileId: string,
  profilerId?: string,
): Promise<(StoredProfile & { payload: string }) | null> {
  const id = hexId(profileId);
  const profiler = profilerId === undefined ? '' : hexId(profilerId);
  if (id === undefined || profiler === undefined) return null;
  const rows = await queryRows(
    store,
    `SELECT ${COLUMNS}, payload
       FROM ${PROFILES_TABLE} FINAL
      WHERE project_id = {vigil_project_id:UInt64}
        AND kind = {vigil_kind:String}
        AND profiler_id = {vigil_profiler_id:String}
        AND profile_id = {vigil_profile_id:UUID}
      LIMIT 1`,
    {
      vigil_project_id: projectId,
      vigil_kind: profilerId === undefined ? 'profile' : 'profile_chunk',
      vigil_profiler_id: profiler,
      vigil_profile_id: id,
    },
  );
  const row = rows[0];
  return row === undefined ? null : { ...toStoredProfile(row), payload: toText(row.payload) };
}

function toStoredProfile(row: Record<string, unknown>): StoredProfile {
  return {
    projectId: toNumber(row.project_id),
    kind: toText(row.kind) === 'profile_chunk' ? 'profile_chunk' : 'profile',
    profileId: toText(row.vigil_profile_id),
    profilerId: toText(row.profiler_id),
    transactionId: toText(row.transaction_id),
    transactionName: toText(row.transaction_name),
    traceId: toText(row.trace_id),
    release: toText(row.release),
    environment: toText(row.environment),
    platform: toText(row.platform),
    start: parseDateTime(row.start_timestamp),
    end: parseDateTime(row.end_timestamp),
    durationMs: toNumber(row.duration_ms),
    received: parseDateTime(row.received),
  };
}
