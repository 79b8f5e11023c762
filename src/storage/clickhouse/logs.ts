/**
 * The `logs` table (reference/relay-protocol.md §14.2): one row per log entry
 * (src/protocol/trace-items.ts `LogColumns`), its migration, row encoding and the reader behind
 * Sentry's logs explorer. Laid out after Sentry's EAP trace items (`sentry_protos` `TraceItem`,
 * Snuba's `eap_items`): typed columns for what is filtered and sorted (project, timestamp, trace,
 * level, release, environment) and the attributes in one map per value type.
 *
 * - Times are `DateTime64(6, 'UTC')` (microseconds; see ./trace-items.ts for why).
 * - `body` carries an n-gram bloom filter over `lower(body)`, so case-insensitive substring
 *   search (`lower(body) LIKE '%text%'`, the explorer's free text) can skip granules.
 * - Rows expire after their `retention_days` (TTL); partitions are weeks.
 */
import type { LogColumns, LogLevel } from '../../protocol/trace-items.js';
import type { ClickHouseStore } from './client.js';
import type { ClickHouseMigration } from './migrations.js';
import {
  ATTRIBUTE_INDEXES,
  encodeTraceItemRow,
  listTraceItems,
  readTraceItemColumns,
  TRACE_ID_INDEX,
  TRACE_ITEM_FILTER_COLUMNS,
  traceItemTableDdl,
  type ColumnKind,
  type TraceItemListOptions,
  type TraceItemListResult,
} from './trace-items.js';

/** Name of the logs table. */
export const LOGS_TABLE = 'logs';

const CREATE_LOGS = traceItemTableDdl({
  name: LOGS_TABLE,
  columns: ['level LowCardinality(String)', 'severity_number UInt8', 'body String'],
  indexes: [
    'INDEX ngram_body lower(body) TYPE ngrambf_v1(3, 65536, 3, 0) GRANULARITY 1',
    TRACE_ID_INDEX,
    'INDEX bf_release release TYPE bloom_filter GRANULARITY 1',
    ...ATTRIBUTE_INDEXES,
    'INDEX set_level level TYPE set(10) GRANULARITY 1',
  ],
  orderBy: 'project_id, timestamp',
});

/**
 * Telemetry migration 4: the `logs` table (see the module comment). Register it after version 3
 * (`check_ins`) in `CLICKHOUSE_MIGRATIONS`.
 */
export const LOGS_MIGRATION: ClickHouseMigration = {
  version: 4,
  name: 'create_logs',
  statements: [CREATE_LOGS],
};

/** A `logs` row as processing produces it and the reader returns it: times in unix microseconds. */
export type StoredLog = LogColumns<number>;

/**
 * JSONEachRow text of a processed log row, for a `BatchSink<string>` with
 * `jsonLinesWriter(store, LOGS_TABLE)`.
 */
export function encodeLogRow(row: StoredLog): string {
  return encodeTraceItemRow(row);
}

/** Filterable columns of `logs` and how they compare (the rest is attributes). */
export const LOG_FILTER_COLUMNS: Readonly<Record<string, ColumnKind>> = Object.freeze({
  ...TRACE_ITEM_FILTER_COLUMNS,
  level: 'string',
  body: 'string',
  severity_number: 'number',
  payload_size_bytes: 'number',
});

/** Columns a logs query can sort by. */
export const LOG_SORT_COLUMNS = [
  'timestamp',
  'observed_timestamp',
  'severity_number',
  'level',
  'body',
  'trace_id',
  'payload_size_bytes',
] as const;

/**
 * Options of {@link queryLogs}: the projects and [start, end) range, filters (`conditions`, e.g.
 * `{target: {column: 'body'}, op: 'like', values: ['%timeout%']}`, `{target: {attribute:
 * 'user.id'}, op: 'in', values: ['42']}`), sort, page size and cursor (an offset).
 */
export type LogsQuery = TraceItemListOptions;

function readLog(row: Record<string, unknown>): StoredLog {
  return {
    ...readTraceItemColumns(row),
    level: String(row.level) as LogLevel,
    severity_number: Number(row.severity_number),
    body: String(row.body),
  };
}

/**
 * One page of logs matching `query`, newest first unless `orderBy` says otherwise (ties by item
 * id). Returns `{ok: false}` for an unknown filter column, an operator a column does not support,
 * or an unknown sort column; rejects with the ClickHouse error when the query fails.
 */
export function queryLogs(
  store: Pick<ClickHouseStore, 'client'>,
  query: LogsQuery,
): Promise<TraceItemListResult<StoredLog>> {
  return listTraceItems(
    store,
    { name: LOGS_TABLE, columns: LOG_FILTER_COLUMNS, sortable: LOG_SORT_COLUMNS },
    query,
    readLog,
  );
}
