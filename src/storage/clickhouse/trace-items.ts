/**
 * What the `logs` and `trace_metrics` tables share: the typed attribute map columns (EAP-style,
 * src/protocol/trace-items.ts), microsecond time columns, the row encoding, and the filter
 * compiler of their readers. Every user value reaches ClickHouse as a query parameter.
 *
 * Times are `DateTime64(6, 'UTC')`: microseconds, the precision SDKs send (float seconds) and
 * the largest a JS number holds exactly since the epoch; Relay's nanosecond attributes
 * (`sentry.observed_timestamp_nanos`) stay in the attribute maps as sent.
 */
import type { AttributeMaps, TraceItemColumns } from '../../protocol/trace-items.js';
import type { ClickHouseStore } from './client.js';

/** DDL of the attribute map columns, shared by both tables. */
export const ATTRIBUTE_COLUMNS_DDL = `attributes_string Map(String, String),
    attributes_int Map(String, Int64),
    attributes_float Map(String, Float64),
    attributes_bool Map(String, Bool),
    attributes_array Map(String, String)`;

/** Index on `trace_id`, shared by both tables. */
export const TRACE_ID_INDEX = 'INDEX bf_trace_id trace_id TYPE bloom_filter GRANULARITY 1';

/** Indexes on the string attributes' keys and values, shared by both tables. */
export const ATTRIBUTE_INDEXES = [
  'INDEX bf_attribute_keys mapKeys(attributes_string) TYPE bloom_filter GRANULARITY 1',
  'INDEX bf_attribute_values mapValues(attributes_string) TYPE bloom_filter GRANULARITY 1',
] as const;

/**
 * `CREATE TABLE IF NOT EXISTS` of a trace item table: the common columns (ids, the two
 * microsecond times, release, environment, SDK, attribute maps, size, `_meta`, retention) with
 * the table's own `columns` after `span_id` and its `indexes` (DDL fragments, in order), a
 * MergeTree partitioned by week of `timestamp`, sorted by `orderBy`, expiring after
 * `retention_days` (default 90).
 */
export function traceItemTableDdl(table: {
  name: string;
  columns: readonly string[];
  indexes: readonly string[];
  orderBy: string;
}): string {
  const lines = [
    'project_id UInt64',
    'organization_id UInt64',
    'item_id String',
    "timestamp DateTime64(6, 'UTC')",
    "observed_timestamp DateTime64(6, 'UTC')",
    'trace_id String',
    'span_id String',
    ...table.columns,
    'release String',
    'environment LowCardinality(String)',
    'sdk_name LowCardinality(String)',
    'sdk_version LowCardinality(String)',
    ATTRIBUTE_COLUMNS_DDL,
    'payload_size_bytes UInt32',
    'meta String CODEC(ZSTD(3))',
    'retention_days UInt16 DEFAULT 90',
    ...table.indexes,
  ];
  return `CREATE TABLE IF NOT EXISTS ${table.name}
(
    ${lines.join(',\n    ')}
)
ENGINE = MergeTree
PARTITION BY toMonday(timestamp)
ORDER BY (${table.orderBy})
TTL toDateTime(timestamp) + toIntervalDay(retention_days)`;
}

/** Filterable columns both tables have (the rest is attributes or the table's own). */
export const TRACE_ITEM_FILTER_COLUMNS: Readonly<Record<string, ColumnKind>> = Object.freeze({
  item_id: 'string',
  trace_id: 'string',
  span_id: 'string',
  release: 'string',
  environment: 'string',
  sdk_name: 'string',
  sdk_version: 'string',
});

/** The attribute map columns, in DDL order. */
export const ATTRIBUTE_MAP_COLUMNS = [
  'attributes_string',
  'attributes_int',
  'attributes_float',
  'attributes_bool',
  'attributes_array',
] as const;

/** Unix microseconds → `YYYY-MM-DD hh:mm:ss.ffffff` (UTC), the text form of `DateTime64(6)`. */
export function microsToDateTime64(micros: number): string {
  const seconds = Math.floor(micros / 1e6);
  const fraction = String(micros - seconds * 1e6).padStart(6, '0');
  return `${new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ')}.${fraction}`;
}

/**
 * A processed row (times in unix microseconds) as a JSONEachRow line: the two time columns
 * become `DateTime64(6)` text, everything else is written as is.
 */
export function encodeTraceItemRow(row: TraceItemColumns<number>): string {
  return JSON.stringify({
    ...row,
    timestamp: microsToDateTime64(row.timestamp),
    observed_timestamp: microsToDateTime64(row.observed_timestamp),
  });
}

/** A typed attribute as read back. */
export type StoredAttribute =
  | { type: 'string'; value: string }
  | { type: 'integer'; value: number }
  | { type: 'double'; value: number }
  | { type: 'boolean'; value: boolean }
  | { type: 'array'; value: unknown[] };

/** How a column can be filtered. */
export type ColumnKind = 'string' | 'number';

/**
 * One filter of a reader query. `target` is a column of the reader's catalogue or an attribute
 * name. Operators:
 * - `in` / `not_in`: equals one of `values` (attributes: the string value, or the integer, float
 *   or boolean value written as text — `5`, `0.5`, `true`);
 * - `like` / `not_like`: case-insensitive SQL LIKE against any of `values` (patterns with `%`,
 *   `_`, `\`-escapes); string columns and string attributes only;
 * - `>`, `>=`, `<`, `<=`: against the number `values[0]` (numeric columns, integer and float
 *   attributes);
 * - `exists` / `not_exists`: the attribute is set (any type) — `values` is ignored.
 * Negated operators also match rows without the attribute.
 */
export interface TraceItemCondition {
  target: { column: string } | { attribute: string };
  op: 'in' | 'not_in' | 'like' | 'not_like' | '>' | '>=' | '<' | '<=' | 'exists' | 'not_exists';
  values: readonly (string | number)[];
}

/** Why a condition cannot be compiled (an HTTP 400 for the API). */
export type ConditionError = { kind: 'invalid_condition'; detail: string };

/** Binds parameters `vigil_p0`, `vigil_p1`, … for one query. */
export class ParamBinder {
  private next = 0;
  /** Bound values by name, for `query_params`. */
  readonly values: Record<string, unknown> = {};

  /** Binds `value` and returns its placeholder, e.g. `{vigil_p3:String}`. */
  bind(type: string, value: unknown): string {
    const name = `vigil_p${this.next++}`;
    this.values[name] = value;
    return `{${name}:${type}}`;
  }
}

const COMPARISONS = new Set(['>', '>=', '<', '<=']);

/** Numeric values of a condition; `true` / `false` read as 1 / 0 (boolean columns stored as UInt8). */
function numbers(values: readonly (string | number)[]): number[] {
  return values
    .map((v) => (v === 'true' ? 1 : v === 'false' ? 0 : Number(v)))
    .filter((n) => Number.isFinite(n));
}

function texts(values: readonly (string | number)[]): string[] {
  return values.map(String);
}

function anyLike(expression: string, patterns: string[], params: ParamBinder): string {
  const parts = patterns.map((p) => `${expression} LIKE lower(${params.bind('String', p)})`);
  return parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`;
}

function attributeSql(key: string, condition: TraceItemCondition, params: ParamBinder): string {
  const k = params.bind('String', key);
  const has = (column: string): string => `mapContains(${column}, ${k})`;
  const op = condition.op;
  if (op === 'exists' || op === 'not_exists') {
    const any = `(${ATTRIBUTE_MAP_COLUMNS.map(has).join(' OR ')})`;
    return op === 'exists' ? any : `NOT ${any}`;
  }
  if (op === 'like' || op === 'not_like') {
    const match = `(${has('attributes_string')} AND ${anyLike(`lower(attributes_string[${k}])`, texts(condition.values), params)})`;
    return op === 'like' ? match : `NOT ${match}`;
  }
  if (COMPARISONS.has(op)) {
    const n = params.bind('Float64', numbers(condition.values)[0] ?? NaN);
    return `((${has('attributes_int')} AND attributes_int[${k}] ${op} ${n}) OR (${has('attributes_float')} AND attributes_float[${k}] ${op} ${n}))`;
  }
  const values = params.bind('Array(String)', texts(condition.values));
  const parts = [
    `(${has('attributes_string')} AND attributes_string[${k}] IN ${values})`,
    `(${has('attributes_int')} AND toString(attributes_int[${k}]) IN ${values})`,
    `(${has('attributes_bool')} AND toString(attributes_bool[${k}]) IN ${values})`,
  ];
  const nums = numbers(condition.values);
  if (nums.length > 0) {
    parts.push(
      `(${has('attributes_float')} AND attributes_float[${k}] IN ${params.bind('Array(Float64)', nums)})`,
    );
  }
  const match = `(${parts.join(' OR ')})`;
  return op === 'in' ? match : `NOT ${match}`;
}

function columnSql(
  column: string,
  kind: ColumnKind,
  condition: TraceItemCondition,
  params: ParamBinder,
): string | ConditionError {
  const op = condition.op;
  if (op === 'exists' || op === 'not_exists') {
    const set = kind === 'string' ? `${column} != ''` : 'true';
    return op === 'exists' ? set : `NOT (${set})`;
  }
  if (op === 'like' || op === 'not_like') {
    if (kind !== 'string') return { kind: 'invalid_condition', detail: `${column} is not a text field` };
    const match = anyLike(`lower(${column})`, texts(condition.values), params);
    return op === 'like' ? match : `NOT ${match}`;
  }
  if (COMPARISONS.has(op)) {
    const n = numbers(condition.values)[0];
    if (kind !== 'number' || n === undefined) {
      return { kind: 'invalid_condition', detail: `${column} cannot be compared with ${op}` };
    }
    return `${column} ${op} ${params.bind('Float64', n)}`;
  }
  const values =
    kind === 'string'
      ? params.bind('Array(String)', texts(condition.values))
      : params.bind('Array(Float64)', numbers(condition.values));
  return `${column} ${op === 'in' ? 'IN' : 'NOT IN'} ${values}`;
}

/**
 * Compiles `conditions` (ANDed) into SQL over a table whose filterable columns are `columns`
 * (name → kind; names are trusted identifiers). Returns the clauses, or the first condition that
 * names an unknown column or applies an operator its target does not support.
 */
export function compileConditions(
  conditions: readonly TraceItemCondition[],
  columns: Readonly<Record<string, ColumnKind>>,
  params: ParamBinder,
): { ok: true; clauses: string[] } | { ok: false; error: ConditionError } {
  const clauses: string[] = [];
  for (const condition of conditions) {
    const target = condition.target;
    if ('attribute' in target) {
      clauses.push(attributeSql(target.attribute, condition, params));
      continue;
    }
    const kind = Object.hasOwn(columns, target.column) ? columns[target.column] : undefined;
    if (kind === undefined) {
      return { ok: false, error: { kind: 'invalid_condition', detail: `unknown field ${target.column}` } };
    }
    const sql = columnSql(target.column, kind, condition, params);
    if (typeof sql !== 'string') return { ok: false, error: sql };
    clauses.push(sql);
  }
  return { ok: true, clauses };
}

function toNumber(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** The attribute maps of a row read back as JSON (Int64 values may arrive as strings). */
export function readAttributeMaps(row: Record<string, unknown>): AttributeMaps {
  const mapOf = <T>(column: string, convert: (v: unknown) => T): Record<string, T> =>
    Object.fromEntries(Object.entries(record(row[column])).map(([k, v]) => [k, convert(v)]));
  return {
    attributes_string: mapOf('attributes_string', String),
    attributes_int: mapOf('attributes_int', toNumber),
    attributes_float: mapOf('attributes_float', toNumber),
    attributes_bool: mapOf('attributes_bool', (v) => v === true || v === 1 || v === 'true'),
    attributes_array: mapOf('attributes_array', String),
  };
}

/** The typed value of attribute `key` in `maps`, or `undefined` when it is not set. */
export function attributeOf(maps: AttributeMaps, key: string): StoredAttribute | undefined {
  if (Object.hasOwn(maps.attributes_string, key))
    return { type: 'string', value: maps.attributes_string[key]! };
  if (Object.hasOwn(maps.attributes_int, key)) return { type: 'integer', value: maps.attributes_int[key]! };
  if (Object.hasOwn(maps.attributes_float, key))
    return { type: 'double', value: maps.attributes_float[key]! };
  if (Object.hasOwn(maps.attributes_bool, key)) return { type: 'boolean', value: maps.attributes_bool[key]! };
  if (Object.hasOwn(maps.attributes_array, key)) {
    let value: unknown = [];
    try {
      value = JSON.parse(maps.attributes_array[key]!);
    } catch {
      value = [];
    }
    return { type: 'array', value: Array.isArray(value) ? value : [] };
  }
  return undefined;
}

/** The common columns of a trace item row read back (times as unix microseconds). */
export function readTraceItemColumns(row: Record<string, unknown>): TraceItemColumns<number> {
  return {
    project_id: toNumber(row.project_id),
    organization_id: toNumber(row.organization_id),
    item_id: String(row.item_id),
    timestamp: toNumber(row.timestamp_us),
    observed_timestamp: toNumber(row.observed_timestamp_us),
    trace_id: String(row.trace_id),
    span_id: String(row.span_id),
    release: String(row.release),
    environment: String(row.environment),
    sdk_name: String(row.sdk_name),
    sdk_version: String(row.sdk_version),
    payload_size_bytes: toNumber(row.payload_size_bytes),
    meta: String(row.meta),
    retention_days: toNumber(row.retention_days),
    ...readAttributeMaps(row),
  };
}

/** SELECT list reading a row back for {@link readTraceItemColumns}. */
export const TRACE_ITEM_SELECT = `* EXCEPT (timestamp, observed_timestamp),
       toUnixTimestamp64Micro(timestamp) AS timestamp_us,
       toUnixTimestamp64Micro(observed_timestamp) AS observed_timestamp_us`;

/** The window and paging of a reader query. */
export interface TraceItemWindow {
  /** Projects to read; an empty list matches nothing. */
  projectIds: readonly number[];
  /** Inclusive start (on `timestamp`). */
  start: Date;
  /** Exclusive end. */
  end: Date;
  /** Filters, ANDed. */
  conditions?: readonly TraceItemCondition[];
}

/** The WHERE clauses of the window: projects and the time range (microsecond bounds). */
export function windowClauses(window: TraceItemWindow, params: ParamBinder): string[] {
  return [
    `project_id IN ${params.bind('Array(UInt64)', [...window.projectIds])}`,
    `timestamp >= ${params.bind("DateTime64(6, 'UTC')", microsToDateTime64(window.start.getTime() * 1000))}`,
    `timestamp < ${params.bind("DateTime64(6, 'UTC')", microsToDateTime64(window.end.getTime() * 1000))}`,
  ];
}

/** Sort direction of a list query. */
export type SortDirection = 'asc' | 'desc';

/** Paging and order of a list query. */
export interface TraceItemListOptions extends TraceItemWindow {
  /** Sort column (from the table's sortable columns); default `timestamp`, descending. */
  orderBy?: { column: string; direction: SortDirection };
  /** Rows per page, 1..10 000; default 100. */
  limit?: number;
  /** Offset of the first row (Sentry's cursor `0:<offset>:0`); default 0. */
  cursor?: number;
}

/** A page of rows and whether more follow. */
export interface TraceItemPage<Row> {
  rows: Row[];
  hasMore: boolean;
}

/** Result of a list query: a page, or why the query was refused (an HTTP 400). */
export type TraceItemListResult<Row> =
  { ok: true; value: TraceItemPage<Row> } | { ok: false; error: ConditionError };

/** Largest page a list query returns. */
export const MAX_TRACE_ITEM_PAGE = 10_000;

/**
 * Lists rows of `table` in the window matching `options.conditions`, sorted by a column of
 * `sortable` (ties broken by `item_id`, so pages are stable), one page at `cursor`. Rejects with
 * the ClickHouse error when the query fails.
 */
export async function listTraceItems<Row>(
  store: Pick<ClickHouseStore, 'client'>,
  table: { name: string; columns: Readonly<Record<string, ColumnKind>>; sortable: readonly string[] },
  options: TraceItemListOptions,
  read: (row: Record<string, unknown>) => Row,
): Promise<TraceItemListResult<Row>> {
  const limit = Math.min(Math.max(1, Math.floor(options.limit ?? 100)), MAX_TRACE_ITEM_PAGE);
  const offset = Math.max(0, Math.floor(options.cursor ?? 0));
  const order = options.orderBy ?? { column: 'timestamp', direction: 'desc' as const };
  if (!table.sortable.includes(order.column)) {
    return { ok: false, error: { kind: 'invalid_condition', detail: `cannot sort by ${order.column}` } };
  }
  if (options.projectIds.length === 0) return { ok: true, value: { rows: [], hasMore: false } };
  const params = new ParamBinder();
  const compiled = compileConditions(options.conditions ?? [], table.columns, params);
  if (!compiled.ok) return compiled;
  const where = [...windowClauses(options, params), ...compiled.clauses].join(' AND ');
  const direction = order.direction === 'asc' ? 'ASC' : 'DESC';
  const result = await store.client.query({
    query: `SELECT ${TRACE_ITEM_SELECT} FROM ${table.name}
             WHERE ${where}
             ORDER BY ${order.column} ${direction}, item_id ${direction}
             LIMIT ${limit + 1} OFFSET ${offset}`,
    query_params: params.values,
    format: 'JSONEachRow',
  });
  const rows = await result.json<Record<string, unknown>>();
  return { ok: true, value: { rows: rows.slice(0, limit).map(read), hasMore: rows.length > limit } };
}
