/**
 * The `trace_metrics` table (reference/relay-protocol.md §14.4): one row per trace metric entry
 * (src/protocol/trace-items.ts `TraceMetricColumns`), its migration, row encoding, the list
 * reader and a per-interval aggregate (sum, avg, count, min, max of `value` per metric). Same
 * layout as `logs` (./logs.ts, ./trace-items.ts); the sort key leads with the metric name after
 * the project, because every aggregate reads one or a few metrics.
 */
import type { TraceMetricColumns, TraceMetricType } from '../../protocol/trace-items.js';
import type { ClickHouseStore } from './client.js';
import type { ClickHouseMigration } from './migrations.js';
import { intervalStarts } from './query-helpers.js';
import {
  ATTRIBUTE_INDEXES,
  compileConditions,
  encodeTraceItemRow,
  listTraceItems,
  ParamBinder,
  readTraceItemColumns,
  TRACE_ID_INDEX,
  TRACE_ITEM_FILTER_COLUMNS,
  traceItemTableDdl,
  windowClauses,
  type ColumnKind,
  type ConditionError,
  type TraceItemListOptions,
  type TraceItemListResult,
  type TraceItemWindow,
} from './trace-items.js';

/** Name of the trace metrics table. */
export const TRACE_METRICS_TABLE = 'trace_metrics';

const CREATE_TRACE_METRICS = traceItemTableDdl({
  name: TRACE_METRICS_TABLE,
  columns: ['name String', 'type LowCardinality(String)', 'unit LowCardinality(String)', 'value Float64'],
  indexes: [TRACE_ID_INDEX, ...ATTRIBUTE_INDEXES],
  orderBy: 'project_id, name, timestamp',
});

/**
 * Telemetry migration 5: the `trace_metrics` table (see the module comment). Register it after
 * version 4 (`logs`).
 */
export const TRACE_METRICS_MIGRATION: ClickHouseMigration = {
  version: 5,
  name: 'create_trace_metrics',
  statements: [CREATE_TRACE_METRICS],
};

/** A `trace_metrics` row as processing produces it and the reader returns it (unix µs times). */
export type StoredTraceMetric = TraceMetricColumns<number>;

/**
 * JSONEachRow text of a processed trace metric row, for a `BatchSink<string>` with
 * `jsonLinesWriter(store, TRACE_METRICS_TABLE)`.
 */
export function encodeTraceMetricRow(row: StoredTraceMetric): string {
  return encodeTraceItemRow(row);
}

/** Filterable columns of `trace_metrics` (the rest is attributes). */
export const TRACE_METRIC_FILTER_COLUMNS: Readonly<Record<string, ColumnKind>> = Object.freeze({
  ...TRACE_ITEM_FILTER_COLUMNS,
  name: 'string',
  type: 'string',
  unit: 'string',
  value: 'number',
});

/** Columns a trace metrics list can sort by. */
export const TRACE_METRIC_SORT_COLUMNS = ['timestamp', 'name', 'type', 'value', 'trace_id'] as const;

function readTraceMetric(row: Record<string, unknown>): StoredTraceMetric {
  return {
    ...readTraceItemColumns(row),
    name: String(row.name),
    type: String(row.type) as TraceMetricType,
    unit: String(row.unit),
    value: Number(row.value),
  };
}

/**
 * One page of trace metrics matching `query` (filters, sort, cursor as for logs), newest first
 * by default. `{ok: false}` for unknown columns or unsupported operators; rejects with the
 * ClickHouse error when the query fails.
 */
export function queryTraceMetrics(
  store: Pick<ClickHouseStore, 'client'>,
  query: TraceItemListOptions,
): Promise<TraceItemListResult<StoredTraceMetric>> {
  return listTraceItems(
    store,
    { name: TRACE_METRICS_TABLE, columns: TRACE_METRIC_FILTER_COLUMNS, sortable: TRACE_METRIC_SORT_COLUMNS },
    query,
    readTraceMetric,
  );
}

/** Aggregates of a metric's `value`. */
export const TRACE_METRIC_AGGREGATES = ['sum', 'avg', 'count', 'min', 'max'] as const;

/** One of {@link TRACE_METRIC_AGGREGATES}. */
export type TraceMetricAggregate = (typeof TRACE_METRIC_AGGREGATES)[number];

/** Options of {@link aggregateTraceMetrics}. */
export interface TraceMetricAggregateQuery extends TraceItemWindow {
  /** Bucket width in seconds (buckets are aligned to multiples of it since the epoch). */
  interval: number;
  /** Only these metric names; absent or empty = all. */
  names?: readonly string[];
}

/** Aggregate values; `null` where a bucket has no data (count is then 0). */
export type AggregateValues = Record<TraceMetricAggregate, number | null>;

/** One metric (name, type, unit) over the range. */
export interface TraceMetricSeries {
  name: string;
  type: TraceMetricType;
  unit: string;
  /** Over the whole range. */
  totals: AggregateValues;
  /** One entry per interval of `intervals`. */
  series: AggregateValues[];
}

/** Result of {@link aggregateTraceMetrics}: bucket starts (unix seconds) and one series per metric. */
export interface TraceMetricAggregateResult {
  intervals: number[];
  groups: TraceMetricSeries[];
}

/** Most buckets one aggregate answers (Sentry's `MAX_POINTS`-like bound). */
export const MAX_TRACE_METRIC_BUCKETS = 10_000;

const EMPTY: AggregateValues = { sum: null, avg: null, count: 0, min: null, max: null };

function combine(buckets: readonly AggregateValues[]): AggregateValues {
  let sum = 0;
  let count = 0;
  let min: number | null = null;
  let max: number | null = null;
  for (const b of buckets) {
    if (!b.count) continue;
    sum += b.sum ?? 0;
    count += b.count;
    if (b.min !== null) min = min === null ? b.min : Math.min(min, b.min);
    if (b.max !== null) max = max === null ? b.max : Math.max(max, b.max);
  }
  return count === 0 ? { ...EMPTY } : { sum, avg: sum / count, count, min, max };
}

/**
 * Sum, average, count, minimum and maximum of `value` per metric (name, type, unit) and per
 * interval over [start, end), plus totals over the range; metrics ordered by name. Returns
 * `{ok: false}` for a bad interval (not a positive integer, or more than
 * {@link MAX_TRACE_METRIC_BUCKETS} buckets) or a bad condition; rejects with the ClickHouse error
 * when the query fails.
 */
export async function aggregateTraceMetrics(
  store: Pick<ClickHouseStore, 'client'>,
  query: TraceMetricAggregateQuery,
): Promise<{ ok: true; value: TraceMetricAggregateResult } | { ok: false; error: ConditionError }> {
  const interval = query.interval;
  if (!Number.isSafeInteger(interval) || interval <= 0) {
    return {
      ok: false,
      error: { kind: 'invalid_condition', detail: 'interval must be a positive number of seconds' },
    };
  }
  const first = Math.floor(query.start.getTime() / 1000 / interval) * interval;
  const end = query.end.getTime() / 1000;
  if ((end - first) / interval > MAX_TRACE_METRIC_BUCKETS) {
    return {
      ok: false,
      error: { kind: 'invalid_condition', detail: 'too many intervals; use a larger interval' },
    };
  }
  const intervals = intervalStarts(first, end, interval);
  if (query.projectIds.length === 0) return { ok: true, value: { intervals, groups: [] } };

  const params = new ParamBinder();
  const conditions = [...(query.conditions ?? [])];
  if (query.names !== undefined && query.names.length > 0) {
    conditions.push({ target: { column: 'name' }, op: 'in', values: query.names });
  }
  const compiled = compileConditions(conditions, TRACE_METRIC_FILTER_COLUMNS, params);
  if (!compiled.ok) return compiled;
  const width = params.bind('UInt32', interval);
  const where = [...windowClauses(query, params), ...compiled.clauses].join(' AND ');
  const result = await store.client.query({
    query: `SELECT name, type, unit,
                   intDiv(toUnixTimestamp(timestamp), ${width}) * ${width} AS bucket,
                   sum(value) AS sum, avg(value) AS avg, count() AS count,
                   min(value) AS min, max(value) AS max
              FROM ${TRACE_METRICS_TABLE}
             WHERE ${where}
             GROUP BY name, type, unit, bucket
             ORDER BY name, type, unit, bucket`,
    query_params: params.values,
    format: 'JSONEachRow',
  });
  const rows = await result.json<Record<string, unknown>>();
  const position = new Map(intervals.map((t, i) => [t, i]));
  const groups = new Map<string, TraceMetricSeries>();
  for (const row of rows) {
    const key = JSON.stringify([row.name, row.type, row.unit]);
    let group = groups.get(key);
    if (!group) {
      group = {
        name: String(row.name),
        type: String(row.type) as TraceMetricType,
        unit: String(row.unit),
        totals: { ...EMPTY },
        series: intervals.map(() => ({ ...EMPTY })),
      };
      groups.set(key, group);
    }
    const index = position.get(Number(row.bucket));
    if (index === undefined) continue;
    group.series[index] = {
      sum: Number(row.sum),
      avg: Number(row.avg),
      count: Number(row.count),
      min: Number(row.min),
      max: Number(row.max),
    };
  }
  for (const group of groups.values()) group.totals = combine(group.series);
  return { ok: true, value: { intervals, groups: [...groups.values()] } };
}
