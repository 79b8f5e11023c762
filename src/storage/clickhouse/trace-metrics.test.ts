// The trace_metrics table on embedded ClickHouse (chDB): list reader and per-interval aggregates.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseStore } from './client.js';
import { closeTestStore, openTestStore } from './test-store.js';
import { CLICKHOUSE_MIGRATIONS } from './migrations.js';
import { LOGS_MIGRATION } from './logs.js';
import {
  TRACE_METRICS_MIGRATION,
  TRACE_METRICS_TABLE,
  aggregateTraceMetrics,
  encodeTraceMetricRow,
  queryTraceMetrics,
  type StoredTraceMetric,
} from './trace-metrics.js';

const MINUTE_US = 60_000_000;
const HOUR_S = 3600;
// The start of an hour two hours ago (rows must be within the TTL).
const H0 = Math.floor(Date.now() / 1000 / HOUR_S) * HOUR_S - 2 * HOUR_S;

let n = 0;
function metric(over: Partial<StoredTraceMetric> & { minute: number }): StoredTraceMetric {
  n += 1;
  const { minute, ...rest } = over;
  const timestamp = H0 * 1e6 + minute * MINUTE_US;
  return {
    project_id: 1,
    organization_id: 1,
    item_id: String(n).padStart(32, '0'),
    timestamp,
    observed_timestamp: timestamp,
    trace_id: 'a'.repeat(32),
    span_id: '',
    name: 'http.duration',
    type: 'distribution',
    unit: 'millisecond',
    value: 0,
    release: '',
    environment: 'prod',
    sdk_name: '',
    sdk_version: '',
    attributes_string: {},
    attributes_int: {},
    attributes_float: {},
    attributes_bool: {},
    attributes_array: {},
    payload_size_bytes: 1,
    meta: '',
    retention_days: 90,
    ...rest,
  };
}

const ROWS = [
  metric({ minute: 5, value: 100, attributes_string: { route: '/a' } }),
  metric({ minute: 10, value: 300, attributes_string: { route: '/b' } }),
  metric({ minute: 70, value: 50, attributes_string: { route: '/a' } }),
  metric({ minute: 15, name: 'jobs', type: 'counter', unit: '', value: 2 }),
  metric({ minute: 75, name: 'jobs', type: 'counter', unit: '', value: 3 }),
  metric({ minute: 20, project_id: 2, name: 'jobs', type: 'counter', unit: '', value: 100 }),
];

let store: ClickHouseStore;

beforeAll(async () => {
  store = await openTestStore('trace-metrics', [
    ...CLICKHOUSE_MIGRATIONS.filter((m) => m.version < 4),
    LOGS_MIGRATION,
    TRACE_METRICS_MIGRATION,
  ]);
  await store.insertJsonLines(TRACE_METRICS_TABLE, ROWS.map(encodeTraceMetricRow));
});

afterAll(() => closeTestStore(store));

const range = { projectIds: [1], start: new Date(H0 * 1000), end: new Date((H0 + 2 * HOUR_S) * 1000) };

describe('trace_metrics table', () => {
  it('lists metrics with filters on columns and attributes', async () => {
    const all = await queryTraceMetrics(store, range);
    if (!all.ok) throw new Error(all.error.detail);
    expect(all.value.rows.map((r) => r.value)).toEqual([3, 50, 2, 300, 100]);
    expect(all.value.rows[4]).toEqual(ROWS[0]);
    const slow = await queryTraceMetrics(store, {
      ...range,
      conditions: [
        { target: { column: 'name' }, op: 'in', values: ['http.duration'] },
        { target: { column: 'value' }, op: '>', values: [60] },
        { target: { attribute: 'route' }, op: 'in', values: ['/a', '/b'] },
      ],
    });
    if (!slow.ok) throw new Error(slow.error.detail);
    expect(slow.value.rows.map((r) => r.value)).toEqual([300, 100]);
  });

  it('aggregates sum, avg, count, min and max per metric and hour', async () => {
    const result = await aggregateTraceMetrics(store, { ...range, interval: HOUR_S });
    if (!result.ok) throw new Error(result.error.detail);
    expect(result.value.intervals).toEqual([H0, H0 + HOUR_S]);
    expect(result.value.groups).toEqual([
      {
        name: 'http.duration',
        type: 'distribution',
        unit: 'millisecond',
        totals: { sum: 450, avg: 150, count: 3, min: 50, max: 300 },
        series: [
          { sum: 400, avg: 200, count: 2, min: 100, max: 300 },
          { sum: 50, avg: 50, count: 1, min: 50, max: 50 },
        ],
      },
      {
        name: 'jobs',
        type: 'counter',
        unit: '',
        totals: { sum: 5, avg: 2.5, count: 2, min: 2, max: 3 },
        series: [
          { sum: 2, avg: 2, count: 1, min: 2, max: 2 },
          { sum: 3, avg: 3, count: 1, min: 3, max: 3 },
        ],
      },
    ]);
  });

  it('narrows aggregates by name and conditions and leaves empty buckets empty', async () => {
    const result = await aggregateTraceMetrics(store, {
      ...range,
      interval: 1800,
      names: ['http.duration'],
      conditions: [{ target: { attribute: 'route' }, op: 'in', values: ['/a'] }],
    });
    if (!result.ok) throw new Error(result.error.detail);
    expect(result.value.groups).toHaveLength(1);
    expect(result.value.groups[0]!.series.map((s) => s.count)).toEqual([1, 0, 1, 0]);
    expect(result.value.groups[0]!.series[1]).toEqual({
      sum: null,
      avg: null,
      count: 0,
      min: null,
      max: null,
    });
    expect(await aggregateTraceMetrics(store, { ...range, interval: 0 })).toMatchObject({ ok: false });
  });
});
