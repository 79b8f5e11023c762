import { describe, expect, it } from 'vitest';
import {
  TRACE_METRIC_CONTAINER_CONTENT_TYPE,
  processTraceMetricItem,
  type TraceMetricItemContext,
} from './index.js';

const TRACE = '5b8efff798038103d269b633813fc60c';
const ctx: TraceMetricItemContext = { projectId: 7, organizationId: 1, receivedAt: 1_800_000_000 };

const metric = (over: Record<string, unknown> = {}) => ({
  timestamp: 1_799_999_999.5,
  trace_id: TRACE,
  span_id: 'eee19b7ec3c1b174',
  name: 'http.request.duration',
  type: 'distribution',
  unit: 'millisecond',
  value: 123.45,
  attributes: {
    'http.method': { type: 'string', value: 'GET' },
    'sentry.release': { type: 'string', value: 'app@2' },
  },
  ...over,
});

function run(items: unknown[], c = ctx) {
  const result = processTraceMetricItem(
    Buffer.from(JSON.stringify({ version: 2, items })),
    { content_type: TRACE_METRIC_CONTAINER_CONTENT_TYPE, item_count: items.length },
    c,
  );
  if (result.kind !== 'ok') throw new Error(result.reason);
  return result.value;
}

describe('processTraceMetricItem', () => {
  it('turns counters, gauges and distributions into trace_metrics rows', () => {
    const { records, dropped } = run([
      metric(),
      metric({ name: 'jobs', type: 'counter', value: 1, unit: undefined, span_id: undefined }),
      metric({ name: 'queue.depth', type: 'gauge', value: 17 }),
    ]);
    expect(dropped).toEqual([]);
    expect(records.map((r) => [r.name, r.type, r.unit, r.value, r.span_id])).toEqual([
      ['http.request.duration', 'distribution', 'millisecond', 123.45, 'eee19b7ec3c1b174'],
      ['jobs', 'counter', '', 1, ''],
      ['queue.depth', 'gauge', 'millisecond', 17, 'eee19b7ec3c1b174'],
    ]);
    expect(records[0]).toMatchObject({
      project_id: 7,
      timestamp: 1_799_999_999_500_000,
      observed_timestamp: 1_800_000_000_000_000,
      trace_id: TRACE,
      release: 'app@2',
      attributes_string: { 'http.method': 'GET', 'sentry.release': 'app@2' },
      // name + attribute keys and values.
      payload_size_bytes: 21 + 'http.method'.length + 3 + 'sentry.release'.length + 5,
    });
  });

  it('drops entries without a valid name, type or value as invalid_trace_metric', () => {
    const { records, dropped } = run([
      metric({ type: 'set' }),
      metric({ value: '12' }),
      metric({ name: '' }),
      metric({ trace_id: undefined }),
      metric(),
    ]);
    expect(records).toHaveLength(1);
    expect(dropped).toEqual([expect.objectContaining({ reason: 'invalid_trace_metric', count: 4 })]);
  });

  it('drops entries over max_trace_metric_size and rejects bad containers', () => {
    const { dropped } = run([metric({ name: 'n'.repeat(300) })], { ...ctx, maxTraceMetricSize: 100 });
    expect(dropped).toEqual([expect.objectContaining({ reason: 'too_large:trace_metric', count: 1 })]);
    const mismatch = processTraceMetricItem(
      Buffer.from(JSON.stringify({ items: [metric()] })),
      { content_type: TRACE_METRIC_CONTAINER_CONTENT_TYPE, item_count: 2 },
      ctx,
    );
    expect(mismatch).toEqual({ kind: 'drop', outcome: 'invalid', reason: 'invalid_json' });
  });
});
