import { describe, expect, it } from 'vitest';
import type { StoredErrorEvent } from '../../../storage/clickhouse/index.js';
import type { StoredSpan } from '../../../storage/clickhouse/spans.js';
import { serializeTrace, type SerializedTraceSpan } from './trace.js';

const T0 = 1_700_000_000_000_000;

function span(id: string, parent: string, startMs: number, over: Partial<StoredSpan> = {}): StoredSpan {
  return {
    project_id: 1,
    organization_id: 1,
    item_id: id.padStart(32, '0'),
    timestamp: T0 + startMs * 1000,
    observed_timestamp: T0,
    trace_id: 'a'.repeat(32),
    span_id: id.repeat(16),
    parent_span_id: parent === '' ? '' : parent.repeat(16),
    segment_id: '1'.repeat(16),
    is_segment: parent === '',
    op: 'op',
    name: `span ${id}`,
    description: '',
    status: 'ok',
    kind: '',
    duration_ms: 10,
    exclusive_time_ms: 10,
    segment_name: 'pageload /',
    event_id: '',
    release: '',
    environment: '',
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
    ...over,
  };
}

function error(id: string, spanId: string): StoredErrorEvent {
  return {
    event_id: id.repeat(32),
    group_id: 9,
    project_id: 1,
    timestamp: new Date(T0 / 1000 + 5),
    title: `Error ${id}`,
    message: '',
    level: 'error',
    culprit: 'app',
    data: { contexts: { trace: { span_id: spanId } } },
  } as unknown as StoredErrorEvent;
}

describe('serializeTrace', () => {
  it('nests spans by parent in start order and hangs errors on their spans', () => {
    const nodes = serializeTrace(
      [
        span('1', '', 0, {
          op: 'pageload',
          attributes_float: { 'measurements.lcp': 812.5, 'measurements.fcp': 300 },
          attributes_string: { 'browser.name': 'Chrome' },
        }),
        span('3', '1', 20),
        span('2', '1', 5),
        span('4', '2', 6),
      ],
      [error('e', '4'.repeat(16)), error('f', 'f'.repeat(16))],
      new Map([[1, 'web']]),
    );
    expect(nodes.map((n) => n.event_type)).toEqual(['span', 'error']);
    const root = nodes[0] as SerializedTraceSpan;
    expect(root).toMatchObject({
      event_id: '1'.repeat(16),
      project_slug: 'web',
      is_transaction: true,
      parent_span_id: null,
      measurements: { lcp: { value: 812.5 }, fcp: { value: 300 } },
      additional_attributes: { 'browser.name': 'Chrome', 'measurements.lcp': 812.5 },
      start_timestamp: T0 / 1e6,
      end_timestamp: T0 / 1e6 + 0.01,
    });
    expect(root.children.map((c) => c.name)).toEqual(['span 2', 'span 3']);
    expect(root.children[0]!.children[0]!.errors).toEqual([
      expect.objectContaining({ title: 'Error e', issue_id: 9, span: '4'.repeat(16) }),
    ]);
    // An error whose span is not in the trace is a root of its own.
    expect(nodes[1]).toMatchObject({ event_type: 'error', title: 'Error f' });
  });

  it('makes spans whose parent is missing roots', () => {
    const nodes = serializeTrace([span('2', '9', 0), span('3', '2', 1)], [], new Map());
    expect(nodes).toHaveLength(1);
    expect((nodes[0] as SerializedTraceSpan).children).toHaveLength(1);
  });
});
