/**
 * The `spans` table (reference/relay-protocol.md §3.4, §14.3): one row per span — transactions
 * (their segment span and child spans), span v2 entries, legacy standalone spans and OTLP spans
 * (src/protocol/span-columns.ts `SpanColumns`) — its migration, row encoding, the list reader
 * behind `dataset=spans` and the trace reader. Laid out after Snuba's `eap_spans` / EAP items:
 * the trace-item columns (./trace-items.ts; `timestamp` is the span's start, microseconds) plus
 * typed span tree columns, sorted by project, day, trace so one trace's spans sit together, with
 * bloom filters on trace, parent, segment and the string attributes.
 */
import type { SpanColumns } from '../../protocol/span-columns.js';
import type { ClickHouseStore } from './client.js';
import type { ClickHouseMigration } from './migrations.js';
import {
  ATTRIBUTE_INDEXES,
  encodeTraceItemRow,
  listTraceItems,
  ParamBinder,
  readTraceItemColumns,
  TRACE_ID_INDEX,
  TRACE_ITEM_FILTER_COLUMNS,
  TRACE_ITEM_SELECT,
  traceItemTableDdl,
  type ColumnKind,
  type TraceItemListOptions,
  type TraceItemListResult,
} from './trace-items.js';

/** Name of the spans table. */
export const SPANS_TABLE = 'spans';

const CREATE_SPANS = traceItemTableDdl({
  name: SPANS_TABLE,
  columns: [
    'parent_span_id String',
    'segment_id String',
    'is_segment UInt8',
    'op LowCardinality(String)',
    'name String',
    'description String',
    'status LowCardinality(String)',
    'kind LowCardinality(String)',
    'duration_ms Float64',
    'exclusive_time_ms Float64',
    'segment_name String',
    'event_id String',
  ],
  indexes: [
    TRACE_ID_INDEX,
    'INDEX bf_segment_id segment_id TYPE bloom_filter GRANULARITY 1',
    'INDEX bf_release release TYPE bloom_filter GRANULARITY 1',
    'INDEX ngram_name lower(name) TYPE ngrambf_v1(3, 65536, 3, 0) GRANULARITY 1',
    ...ATTRIBUTE_INDEXES,
    'INDEX set_op op TYPE set(100) GRANULARITY 1',
  ],
  orderBy: 'project_id, toStartOfDay(timestamp), trace_id, timestamp',
});

/**
 * Telemetry migration 7: the `spans` table (see the module comment). Register it after version 6
 * (`feedback`).
 */
export const SPANS_MIGRATION: ClickHouseMigration = {
  version: 7,
  name: 'create_spans',
  statements: [CREATE_SPANS],
};

/** A `spans` row as processing produces it and the readers return it (times in unix µs). */
export type StoredSpan = SpanColumns<number>;

/**
 * JSONEachRow text of a processed span row, for a `BatchSink<string>` with
 * `jsonLinesWriter(store, SPANS_TABLE)`.
 */
export function encodeSpanRow(row: StoredSpan): string {
  return encodeTraceItemRow(row);
}

/** Filterable columns of `spans` (the rest is attributes). */
export const SPAN_FILTER_COLUMNS: Readonly<Record<string, ColumnKind>> = Object.freeze({
  ...TRACE_ITEM_FILTER_COLUMNS,
  parent_span_id: 'string',
  segment_id: 'string',
  op: 'string',
  name: 'string',
  description: 'string',
  status: 'string',
  kind: 'string',
  segment_name: 'string',
  event_id: 'string',
  is_segment: 'number',
  duration_ms: 'number',
  exclusive_time_ms: 'number',
});

/** Columns a spans list can sort by. */
export const SPAN_SORT_COLUMNS = [
  'timestamp',
  'duration_ms',
  'exclusive_time_ms',
  'op',
  'name',
  'status',
  'segment_name',
  'trace_id',
] as const;

function readSpan(row: Record<string, unknown>): StoredSpan {
  return {
    ...readTraceItemColumns(row),
    parent_span_id: String(row.parent_span_id),
    segment_id: String(row.segment_id),
    is_segment: row.is_segment === true || row.is_segment === 1 || row.is_segment === 'true',
    op: String(row.op),
    name: String(row.name),
    description: String(row.description),
    status: String(row.status),
    kind: String(row.kind),
    duration_ms: Number(row.duration_ms),
    exclusive_time_ms: Number(row.exclusive_time_ms),
    segment_name: String(row.segment_name),
    event_id: String(row.event_id),
  };
}

/**
 * One page of spans matching `query` (projects, time window on the start, conditions, sort,
 * page), newest first unless `orderBy` says otherwise. Returns `{ok: false}` for an unknown
 * filter or sort column; rejects with the ClickHouse error when the query fails.
 */
export function querySpans(
  store: Pick<ClickHouseStore, 'client'>,
  query: TraceItemListOptions,
): Promise<TraceItemListResult<StoredSpan>> {
  return listTraceItems(
    store,
    { name: SPANS_TABLE, columns: SPAN_FILTER_COLUMNS, sortable: SPAN_SORT_COLUMNS },
    query,
    readSpan,
  );
}

/** Largest number of spans {@link readTrace} returns. */
export const MAX_TRACE_SPANS = 10_000;

/**
 * Every span of trace `traceId` (32 lowercase hex) in `projectIds`, oldest start first (ties by
 * span id), at most `limit` (default and cap {@link MAX_TRACE_SPANS}). An empty project list
 * returns nothing. Rejects with the ClickHouse error when the query fails.
 */
export async function readTrace(
  store: Pick<ClickHouseStore, 'client'>,
  projectIds: readonly number[],
  traceId: string,
  limit = MAX_TRACE_SPANS,
): Promise<StoredSpan[]> {
  if (projectIds.length === 0) return [];
  const params = new ParamBinder();
  const result = await store.client.query({
    query: `SELECT ${TRACE_ITEM_SELECT} FROM ${SPANS_TABLE}
             WHERE project_id IN ${params.bind('Array(UInt64)', [...projectIds])}
               AND trace_id = ${params.bind('String', traceId)}
             ORDER BY timestamp ASC, span_id ASC
             LIMIT ${Math.min(Math.max(1, Math.floor(limit)), MAX_TRACE_SPANS)}`,
    query_params: params.values,
    format: 'JSONEachRow',
  });
  const rows = await result.json<Record<string, unknown>>();
  return rows.map(readSpan);
}
