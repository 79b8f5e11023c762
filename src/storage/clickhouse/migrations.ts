/**
 * Versioned schema migrations for the telemetry store. Applied versions are recorded in
 * `schema_migrations`; `migrate` applies the pending ones in order and is safe to call at every
 * start. Every statement must itself be idempotent (`IF NOT EXISTS`, ...): a crash between a
 * statement and the version record re-runs the migration, and several nodes starting at once
 * against one server may run it concurrently.
 */
import { SESSIONS_MIGRATION } from './sessions.js';
import { CHECK_INS_MIGRATION } from './check-ins.js';
import { LOGS_MIGRATION } from './logs.js';
import { TRACE_METRICS_MIGRATION } from './trace-metrics.js';
import { FEEDBACK_MIGRATION } from './feedback.js';
import { SPANS_MIGRATION } from './spans.js';
import { ATTACHMENTS_MIGRATION } from './attachments.js';
import { PROFILES_MIGRATION } from './profiles.js';
import { REPLAYS_MIGRATION, REPLAY_RECORDINGS_MIGRATION } from './replays.js';
import { OUTCOMES_MIGRATION } from './outcomes.js';
import { GROUP_STATS_MIGRATION } from './group-stats.js';
import { EVENTS_BY_GROUP_MIGRATION } from './events-by-group.js';
import { GROUP_EXCLUSIONS_MIGRATION } from './group-exclusions.js';
import type { ClickHouseStore } from './client.js';

/** One schema change: statements run in order, then `version` is recorded. */
export interface ClickHouseMigration {
  /** Positive integer, strictly increasing along the migration list. */
  version: number;
  /** Short snake_case description, stored beside the version. */
  name: string;
  /** SQL statements (one per entry, no trailing `;`), each idempotent. */
  statements: readonly string[];
}

/** What `migrate` did. */
export interface MigrationReport {
  /** Migrations applied by this call, in order (empty when the schema was current). */
  applied: Array<{ version: number; name: string }>;
  /** Highest version recorded after the call (0 = none). */
  version: number;
}

/**
 * `_tags_hash_map` / `_flags_hash_map`: one cityHash64 of `escaped_key=value` per pair, where
 * `\` and `=` in the key are escaped with `\`, so `has(_tags_hash_map, cityHash64('k=v'))` is an
 * exact tag match served by a bloom filter. Follows Snuba's TAGS_HASH_MAP_COLUMN
 * (snuba/datasets/storages/tags_hash_map.py); the SQL text below is
 * `replaceRegexpAll(k, '(\\=|\\\\)', '\\\\\\1')` as ClickHouse reads it.
 */
function hashMapExpression(nested: 'tags' | 'flags'): string {
  return String.raw`arrayMap((k, v) -> cityHash64(concat(replaceRegexpAll(k, '(\\=|\\\\)', '\\\\\\1'), '=', v)), ${nested}.key, ${nested}.value)`;
}

const CREATE_EVENTS = `CREATE TABLE IF NOT EXISTS events
(
    project_id UInt64,
    timestamp DateTime64(3, 'UTC'),
    event_id UUID,
    group_id UInt64,
    primary_hash String,
    received DateTime64(3, 'UTC'),
    type LowCardinality(String),
    level LowCardinality(String),
    platform LowCardinality(String),
    logger String,
    release String,
    dist String,
    environment String,
    transaction String,
    message String,
    title String,
    culprit String,
    user_id String,
    user_email String,
    user_username String,
    user_ip String,
    user String,
    sdk_name String,
    sdk_version String,
    trace_id String,
    replay_id String,
    exception_types Array(String),
    exception_values Array(String),
    handled Nullable(UInt8),
    tags Nested(key String, value String),
    _tags_hash_map Array(UInt64) MATERIALIZED ${hashMapExpression('tags')},
    flags Nested(key String, value String),
    _flags_hash_map Array(UInt64) MATERIALIZED ${hashMapExpression('flags')},
    data String CODEC(ZSTD(3)),
    retention_days UInt16 DEFAULT 90,
    INDEX bf_tags_hash_map _tags_hash_map TYPE bloom_filter GRANULARITY 1,
    INDEX bf_flags_hash_map _flags_hash_map TYPE bloom_filter GRANULARITY 1,
    INDEX bf_event_id event_id TYPE bloom_filter GRANULARITY 1,
    INDEX bf_trace_id trace_id TYPE bloom_filter GRANULARITY 1,
    INDEX bf_replay_id replay_id TYPE bloom_filter GRANULARITY 1,
    INDEX bf_user user TYPE bloom_filter GRANULARITY 1,
    INDEX bf_release release TYPE bloom_filter GRANULARITY 1,
    INDEX set_environment environment TYPE set(100) GRANULARITY 1,
    INDEX set_level level TYPE set(10) GRANULARITY 1
)
ENGINE = ReplacingMergeTree
PARTITION BY toMonday(timestamp)
ORDER BY (project_id, toStartOfDay(timestamp), group_id, cityHash64(event_id))
TTL toDateTime(timestamp) + toIntervalDay(retention_days)`;

/**
 * The telemetry schema, oldest first. Never edit an applied migration; append a new one.
 * 1: `events` (columns: src/protocol/error-event-columns.ts), laid out after Snuba's errors
 *    table (snuba/snuba_migrations/events).
 * 2: `sessions`, one row per session update (./sessions.ts).
 * 3: `check_ins`, one row per check-in update (./check-ins.ts).
 * 4: `logs`, one row per log entry (./logs.ts).
 * 5: `trace_metrics`, one row per trace metric entry (./trace-metrics.ts).
 * 6: `feedback`, one row per feedback or user report (./feedback.ts).
 * 7: `spans`, one row per span of transactions, span items and OTLP traces (./spans.ts).
 * 8: `attachments`, one row per event attachment with its bytes (./attachments.ts).
 * 9: `profiles`, one row per profile or profile chunk with its payload (./profiles.ts).
 * 10: `replays`, one row per replay segment or click (./replays.ts).
 * 11: `replay_recordings`, one rrweb segment per row (./replays.ts).
 * 12: `outcomes`, hourly sums of outcomes per org, project, key, outcome, reason, category (./outcomes.ts).
 * 13: `group_stats`, each issue's lifetime aggregates per environment, kept by a view on `events`
 *     (./group-stats.ts).
 * 14: the `events_by_group` projection of `events`, ordered by issue (./events-by-group.ts).
 * 16: `group_exclusions`, issues whose events readers leave out while they are moved or deleted
 *     (./group-exclusions.ts). (15 is another branch's.)
 */
export const CLICKHOUSE_MIGRATIONS: readonly ClickHouseMigration[] = [
  { version: 1, name: 'create_events', statements: [CREATE_EVENTS] },
  SESSIONS_MIGRATION,
  CHECK_INS_MIGRATION,
  LOGS_MIGRATION,
  TRACE_METRICS_MIGRATION,
  FEEDBACK_MIGRATION,
  SPANS_MIGRATION,
  ATTACHMENTS_MIGRATION,
  PROFILES_MIGRATION,
  REPLAYS_MIGRATION,
  REPLAY_RECORDINGS_MIGRATION,
  OUTCOMES_MIGRATION,
  GROUP_STATS_MIGRATION,
  EVENTS_BY_GROUP_MIGRATION,
  GROUP_EXCLUSIONS_MIGRATION,
];

const CREATE_SCHEMA_MIGRATIONS = `CREATE TABLE IF NOT EXISTS schema_migrations
(
    version UInt32,
    name String,
    applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
ORDER BY version`;

/**
 * Applies the pending migrations of `migrations` (default {@link CLICKHOUSE_MIGRATIONS}) in
 * version order and records each in `schema_migrations (version, name, applied_at)`. Idempotent.
 *
 * @throws Error when the list is not strictly increasing in version (a bug), or with the
 *   ClickHouse error of a failing statement (later migrations are then not attempted).
 */
export async function migrate(
  store: Pick<ClickHouseStore, 'client'>,
  migrations: readonly ClickHouseMigration[] = CLICKHOUSE_MIGRATIONS,
): Promise<MigrationReport> {
  assertOrdered(migrations);
  const { client } = store;
  await client.command({ query: CREATE_SCHEMA_MIGRATIONS });
  const done = new Set(await appliedVersions(store));
  const applied: MigrationReport['applied'] = [];
  for (const migration of migrations) {
    if (done.has(migration.version)) continue;
    for (const statement of migration.statements) {
      await client.command({ query: statement });
    }
    await client.insert({
      table: 'schema_migrations',
      values: [{ version: migration.version, name: migration.name }],
      format: 'JSONEachRow',
    });
    done.add(migration.version);
    applied.push({ version: migration.version, name: migration.name });
  }
  return { applied, version: Math.max(0, ...done) };
}

/** Versions recorded in `schema_migrations`, ascending; empty when the table is missing. */
export async function appliedVersions(store: Pick<ClickHouseStore, 'client'>): Promise<number[]> {
  const exists = await store.client.query({
    query:
      "SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = 'schema_migrations'",
    format: 'JSONEachRow',
  });
  const [row] = await exists.json<{ n: number | string }>();
  if (row === undefined || Number(row.n) === 0) return [];
  const result = await store.client.query({
    query: 'SELECT DISTINCT version FROM schema_migrations ORDER BY version',
    format: 'JSONEachRow',
  });
  const rows = await result.json<{ version: number | string }>();
  return rows.map((r) => Number(r.version));
}

function assertOrdered(migrations: readonly ClickHouseMigration[]): void {
  let previous = 0;
  for (const m of migrations) {
    if (!Number.isSafeInteger(m.version) || m.version <= previous) {
      throw new Error(`ClickHouse migrations must have strictly increasing positive versions (at ${m.name})`);
    }
    previous = m.version;
  }
}
