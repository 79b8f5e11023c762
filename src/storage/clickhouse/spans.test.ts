// The spans table and readers on embedded ClickHouse (chDB): the migration, a row round trip
// with the span tree columns, the trace reader, and list filters on span columns.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseStore } from './client.js';
import { closeTestStore, openTestStore } from './test-store.js';
import { SPANS_TABLE, encodeSpanRow, querySpans, readTrace, type StoredSpan } from './spans.js';

const T0 = Math.floor(Date.now() / 1000) * 1_000_000 - 3_600_000_000;
const TRACE = 'b'.repeat(32);

let n = 0;
function span(over: Partial<StoredSpan>): StoredSpan {
  n += 1;
  return {
    project_id: 1,
    organization_id: 1,
    item_id: String(n).padStart(32, '0'),
    timestamp: T0 + n * 1000,
    observed_timestamp: T0 + 5_000_000,
    trace_id: TRACE,
    span_id: String(n).padStart(16, '0'),
    parent_span_id: '',
    segment_id: '0000000000000001',
    is_segment: false,
    op: 'db',
    name: `span ${n}`,
    description: '',
    status: 'ok',
    kind: '',
    duration_ms: 12.5,
    exclusive_time_ms: 2.25,
    segment_name: 'GET /',
    event_id: '',
    release: 'app@1',
    environment: 'prod',
    sdk_name: 'sentry.javascript.node',
    sdk_version: '11.11.0',
    attributes_string: {},
    attributes_int: {},
    attributes_float: {},
    attributes_bool: {},
    attributes_array: {},
    payload_size_bytes: 10,
    meta: '',
    retention_days: 90,
    ...over,
  };
}

const ROWS = [
  span({ is_segment: true, op: 'http.server', name: 'GET /', attributes_int: { 'http.status_code': 200 } }),
  span({ parent_span_id: '0000000000000001', attributes_bool: { cached: true } }),
  span({ trace_id: 'c'.repeat(32), project_id: 2 }),
];

let store: ClickHouseStore;

beforeAll(async () => {
  store = await openTestStore('spans');
  await store.insertJsonLines(SPANS_TABLE, ROWS.map(encodeSpanRow));
});

afterAll(() => closeTestStore(store));

describe('spans table', () => {
  it('reads a trace back in start order with every column', async () => {
    const trace = await readTrace(store, [1, 2], TRACE);
    expect(trace).toEqual([ROWS[0], ROWS[1]]);
    expect(await readTrace(store, [2], TRACE)).toEqual([]);
  });

  it('lists spans with span-column and attribute filters', async () => {
    const window = { projectIds: [1, 2], start: new Date(T0 / 1000), end: new Date(Date.now() + 60_000) };
    const segments = await querySpans(store, {
      ...window,
      conditions: [{ target: { column: 'is_segment' }, op: 'in', values: [1] }],
    });
    expect(segments.ok && segments.value.rows.map((r) => r.name)).toEqual(['GET /']);
    const slow = await querySpans(store, {
      ...window,
      conditions: [
        { target: { column: 'op' }, op: 'in', values: ['db'] },
        { target: { attribute: 'cached' }, op: 'in', values: ['true'] },
      ],
      orderBy: { column: 'duration_ms', direction: 'desc' },
    });
    expect(slow.ok && slow.value.rows.map((r) => r.span_id)).toEqual([ROWS[1]!.span_id]);
  });
});
