import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../protocol/json.js';
import { normalizeEvent } from './normalize-event.js';
import { RECEIVED } from './test-helpers.js';

const TRACE = {
  trace_id: '4c79f60c11214eb38604f4ae0781bfb2',
  span_id: 'fa90fdead5f74053',
  op: 'http.server',
};

function transaction(overrides: JsonObject = {}): JsonObject {
  return {
    type: 'transaction',
    transaction: '/',
    timestamp: RECEIVED - 10,
    start_timestamp: RECEIVED - 20,
    contexts: { trace: { ...TRACE } },
    spans: [
      {
        timestamp: RECEIVED - 10,
        start_timestamp: RECEIVED - 20,
        trace_id: TRACE.trace_id,
        span_id: 'fa90fdead5f74054',
      },
    ],
    ...overrides,
  };
}

const run = (input: JsonObject) => normalizeEvent(input, { receivedAt: RECEIVED, itemType: 'transaction' });

describe('transaction validation (validation.rs, §8.3)', () => {
  it('accepts a valid transaction and defaults its level to info', () => {
    const result = run(transaction({ measurements: { lcp: { value: 1 } } }));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.event.level).toBe('info');
    expect(result.event.type).toBe('transaction');
    expect(result.event.contexts?.trace).toMatchObject({ status: 'unknown', type: 'trace' });
    expect(result.event.measurements).toEqual({ lcp: { value: 1, unit: 'millisecond' } });
  });

  it.each([
    [{ start_timestamp: undefined }, 'start_timestamp hard-required for transaction events'],
    [{ start_timestamp: RECEIVED }, 'end timestamp is smaller than start timestamp'],
    [{ contexts: {} }, 'missing valid trace context'],
    [{ contexts: { trace: null } }, 'missing valid trace context'],
    [{ contexts: { trace: { span_id: TRACE.span_id } } }, 'trace context is missing trace_id'],
    [
      { contexts: { trace: { trace_id: 'xyz', span_id: TRACE.span_id } } },
      'trace context is missing trace_id',
    ],
    [{ contexts: { trace: { trace_id: TRACE.trace_id } } }, 'trace context is missing span_id'],
    [{ spans: [null] }, 'spans must be valid in transaction event'],
    [
      {
        spans: [
          {
            timestamp: RECEIVED - 10,
            start_timestamp: RECEIVED,
            span_id: 'fa90fdead5f74053',
            trace_id: TRACE.trace_id,
          },
        ],
      },
      'end timestamp is smaller than start timestamp',
    ],
    [
      { spans: [{ timestamp: RECEIVED - 10, span_id: 'fa90fdead5f74053', trace_id: TRACE.trace_id }] },
      'span is missing start_timestamp',
    ],
    [
      { spans: [{ timestamp: RECEIVED - 10, start_timestamp: RECEIVED - 20, trace_id: TRACE.trace_id }] },
      'span is missing span_id',
    ],
    [
      { spans: [{ timestamp: RECEIVED - 10, start_timestamp: RECEIVED - 20, span_id: 'fa90fdead5f74053' }] },
      'span is missing trace_id',
    ],
  ])('drops %j as invalid_transaction', (overrides, detail) => {
    const input = transaction(overrides as JsonObject);
    for (const [key, value] of Object.entries(overrides)) if (value === undefined) delete input[key];
    expect(run(input)).toEqual({ ok: false, reason: 'invalid_transaction', detail });
  });

  it('ends unfinished spans with the transaction and names unnamed transactions', () => {
    const result = run(
      transaction({
        transaction: '  ',
        spans: [{ start_timestamp: RECEIVED - 15, span_id: 'fa90fdead5f74055', trace_id: TRACE.trace_id }],
      }),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.event.transaction).toBe('<unlabeled transaction>');
    expect(result.event.spans).toEqual([
      {
        start_timestamp: RECEIVED - 15,
        span_id: 'fa90fdead5f74055',
        trace_id: TRACE.trace_id,
        timestamp: RECEIVED - 10,
        status: 'deadline_exceeded',
      },
    ]);
  });

  it('computes derived measurements (test_computed_measurements)', () => {
    const result = run(
      transaction({
        timestamp: '2021-04-26T08:00:05+0100',
        start_timestamp: '2021-04-26T08:00:00+0100',
        spans: [],
        measurements: {
          frames_slow: { value: 1 },
          frames_frozen: { value: 2 },
          frames_total: { value: 4 },
          stall_total_time: { value: 4000, unit: 'millisecond' },
          '   LCP_final.element-Size123  ': { value: 3 },
          'has space': { value: 1 },
          bad: { value: 'x' },
        },
      }),
      // The 2021 timestamps lie after RECEIVED: both are shifted together, the 5 s duration stays.
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.event.measurements).toEqual({
      frames_slow: { value: 1, unit: 'none' },
      frames_frozen: { value: 2, unit: 'none' },
      frames_total: { value: 4, unit: 'none' },
      stall_total_time: { value: 4000, unit: 'millisecond' },
      'lcp_final.element-size123': { value: 3, unit: 'none' },
      frames_frozen_rate: { value: 0.5, unit: 'ratio' },
      frames_slow_rate: { value: 0.25, unit: 'ratio' },
      stall_percentage: { value: 0.8, unit: 'ratio' },
    });
  });
});
