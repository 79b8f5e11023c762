import { describe, expect, it } from 'vitest';
import { ProtobufTraceSerializer, JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { decodeOtlpProtobuf } from '../../../protocol/otlp-proto.js';
import { containerPayload } from '../eap/index.js';
import {
  SPAN_V2_CONTENT_TYPE,
  otlpTracesToEntries,
  processSpanItem,
  processTransactionItem,
  type SpanRecord,
} from './index.js';

const NOW = 1_700_000_000;
const TRACE = 'a'.repeat(32);
const ctx = { projectId: 1, organizationId: 1, receivedAt: NOW, newItemId: () => 'f'.repeat(32) };

function transaction(overrides: Record<string, unknown> = {}): Buffer {
  return Buffer.from(
    JSON.stringify({
      type: 'transaction',
      transaction: '/users/12345/orders/9f3b2c1d-1111-2222-3333-444455556666',
      transaction_info: { source: 'url' },
      start_timestamp: NOW - 2,
      timestamp: NOW - 1,
      release: 'shop@1.0',
      environment: 'prod',
      platform: 'javascript',
      sdk: { name: 'sentry.javascript.browser', version: '11.11.0' },
      contexts: {
        trace: { trace_id: TRACE, span_id: '1'.repeat(16), op: 'pageload', status: 'ok' },
      },
      measurements: { LCP: { value: 420.5, unit: 'millisecond' }, fcp: { value: 100 } },
      tags: { route: 'orders' },
      spans: [
        {
          trace_id: TRACE,
          span_id: '2'.repeat(16),
          parent_span_id: '1'.repeat(16),
          op: 'http.client',
          description: 'GET /api/orders',
          start_timestamp: NOW - 1.9,
          timestamp: NOW - 1.4,
          data: { 'http.response.status_code': 200, 'server.address': 'api' },
        },
        {
          trace_id: TRACE,
          span_id: '3'.repeat(16),
          parent_span_id: '2'.repeat(16),
          op: 'db',
          description: 'SELECT 1',
          start_timestamp: NOW - 1.8,
          timestamp: NOW - 1.6,
        },
      ],
      ...overrides,
    }),
  );
}

function rows(result: ReturnType<typeof processTransactionItem>): SpanRecord[] {
  if (result.result.kind !== 'ok') throw new Error(`dropped: ${result.result.reason}`);
  return result.result.value;
}

describe('processTransactionItem', () => {
  it('stores the transaction as a segment span and its children with tree fields', () => {
    const result = processTransactionItem(transaction(), ctx);
    expect(result.spanCount).toBe(3);
    const [segment, http, db] = rows(result);
    expect(segment).toMatchObject({
      span_id: '1'.repeat(16),
      parent_span_id: '',
      segment_id: '1'.repeat(16),
      is_segment: true,
      op: 'pageload',
      // Relay's URL transaction-name scrubbing: identifier segments become `*`.
      name: '/users/*/orders/*',
      segment_name: '/users/*/orders/*',
      duration_ms: 1000,
      exclusive_time_ms: 500,
      release: 'shop@1.0',
      environment: 'prod',
      sdk_name: 'sentry.javascript.browser',
    });
    expect(segment!.event_id).toMatch(/^[0-9a-f]{32}$/);
    expect(segment!.attributes_float['measurements.lcp']).toBe(420.5);
    expect(segment!.attributes_string['sentry.source']).toBe('sanitized');
    expect(segment!.attributes_string.route).toBe('orders');
    expect(http).toMatchObject({
      parent_span_id: '1'.repeat(16),
      segment_id: '1'.repeat(16),
      is_segment: false,
      op: 'http.client',
      name: 'GET /api/orders',
      description: 'GET /api/orders',
      duration_ms: 500,
      exclusive_time_ms: 300,
      release: 'shop@1.0',
      event_id: segment!.event_id,
    });
    expect(http!.attributes_int['http.response.status_code']).toBe(200);
    expect(db).toMatchObject({ parent_span_id: '2'.repeat(16), duration_ms: 200, exclusive_time_ms: 200 });
  });

  it('drops invalid transactions with Relay reasons and counts their spans', () => {
    const swapped = processTransactionItem(transaction({ start_timestamp: NOW, timestamp: NOW - 5 }), ctx);
    expect(swapped).toEqual({
      spanCount: 3,
      result: { kind: 'drop', outcome: 'invalid', reason: 'invalid_transaction' },
    });
    const noTrace = processTransactionItem(transaction({ contexts: {} }), ctx);
    expect(noTrace.result).toMatchObject({ reason: 'invalid_transaction' });
    const badTraceId = processTransactionItem(
      transaction({ contexts: { trace: { trace_id: 'nope', span_id: '1'.repeat(16) } } }),
      ctx,
    );
    expect(badTraceId.result).toMatchObject({ reason: 'invalid_transaction' });
    const noStart = processTransactionItem(transaction({ start_timestamp: undefined }), ctx);
    expect(noStart.result).toMatchObject({ reason: 'invalid_transaction' });
    expect(processTransactionItem(Buffer.from('{nope'), ctx)).toEqual({
      spanCount: 1,
      result: { kind: 'drop', outcome: 'invalid', reason: 'invalid_json' },
    });
  });

  it('leaves names that did not come from a URL alone', () => {
    const [segment] = rows(
      processTransactionItem(transaction({ transaction_info: { source: 'route' } }), ctx),
    );
    expect(segment!.name).toBe('/users/12345/orders/9f3b2c1d-1111-2222-3333-444455556666');
  });
});

function container(items: unknown[]): Buffer {
  return Buffer.from(JSON.stringify({ version: 2, items }));
}

const V2_HEADERS = (n: number) => ({ type: 'span', content_type: SPAN_V2_CONTENT_TYPE, item_count: n });

describe('processSpanItem', () => {
  const root = {
    trace_id: TRACE,
    span_id: '4'.repeat(16),
    name: 'GET /checkout',
    status: 'ok',
    is_segment: true,
    start_timestamp: NOW - 3,
    end_timestamp: NOW - 2,
    attributes: {
      'sentry.op': { type: 'string', value: 'http.server' },
      'sentry.release': { type: 'string', value: 'v2@1' },
    },
  };
  const child = {
    trace_id: TRACE,
    span_id: '5'.repeat(16),
    parent_span_id: '4'.repeat(16),
    name: 'charge',
    status: 'error',
    is_segment: false,
    start_timestamp: NOW - 2.5,
    end_timestamp: NOW - 2.25,
    attributes: { amount: { type: 'double', value: 9.5 } },
  };

  it('reads span v2 containers, completing segment ids and exclusive times', () => {
    const result = processSpanItem(container([root, child]), V2_HEADERS(2), ctx);
    expect(result.kind).toBe('ok');
    if (result.kind !== 'ok') return;
    const [r, c] = result.value.records;
    expect(r).toMatchObject({ is_segment: true, op: 'http.server', release: 'v2@1', exclusive_time_ms: 750 });
    expect(c).toMatchObject({
      segment_id: '4'.repeat(16),
      segment_name: 'GET /checkout',
      status: 'error',
      duration_ms: 250,
    });
    expect(c!.attributes_float.amount).toBe(9.5);
  });

  it('drops invalid entries with Relay reasons and bad containers as invalid_json', () => {
    const entries = [
      root,
      { ...child, span_id: 'xyz' },
      { ...child, start_timestamp: NOW, end_timestamp: NOW - 1 },
      { ...child, end_timestamp: undefined },
      { ...child, trace_id: 'short' },
      { ...child, status: undefined },
      // The same span id twice: the earlier one is dropped as `duplicate`.
      { ...child, name: 'first' },
      { ...child, name: 'second' },
    ];
    const result = processSpanItem(container(entries), V2_HEADERS(entries.length), ctx);
    if (result.kind !== 'ok') throw new Error(result.reason);
    expect(result.value.dropped.map(({ reason, count }) => [reason, count])).toEqual([
      ['invalid_span', 1],
      ['timestamp', 2],
      ['no_data', 2],
      ['duplicate', 1],
    ]);
    expect(result.value.records.map((r) => r.name)).toEqual(['GET /checkout', 'second']);
    expect(processSpanItem(container([root]), V2_HEADERS(2), ctx)).toMatchObject({
      kind: 'drop',
      reason: 'invalid_json',
    });
  });

  it('reads legacy standalone spans', () => {
    const span = {
      trace_id: TRACE,
      span_id: '6'.repeat(16),
      op: 'ui.interaction',
      description: 'click',
      start_timestamp: NOW - 1,
      timestamp: NOW - 0.5,
      exclusive_time: 12,
    };
    const result = processSpanItem(Buffer.from(JSON.stringify(span)), {}, ctx);
    expect(result.kind === 'ok' && result.value.records[0]).toMatchObject({
      op: 'ui.interaction',
      name: 'click',
      exclusive_time_ms: 12,
      duration_ms: 500,
    });
    const invalid = processSpanItem(Buffer.from(JSON.stringify({ ...span, trace_id: 1 })), {}, ctx);
    expect(invalid).toMatchObject({ kind: 'drop', reason: 'no_data' });
    const backwards = processSpanItem(Buffer.from(JSON.stringify({ ...span, timestamp: NOW - 2 })), {}, ctx);
    expect(backwards).toMatchObject({ kind: 'drop', reason: 'timestamp' });
    expect(processSpanItem(Buffer.from('not json'), {}, ctx)).toMatchObject({ reason: 'invalid_json' });
  });

  it('corrects clock drift from the envelope sent_at', () => {
    // The SDK's clock is two hours ahead: its times are moved back by the drift.
    const ahead = { ...root, start_timestamp: NOW + 7200 - 3, end_timestamp: NOW + 7200 - 2 };
    const result = processSpanItem(container([ahead]), V2_HEADERS(1), {
      ...ctx,
      sentAt: new Date((NOW + 7200) * 1000).toISOString(),
    });
    expect(result.kind === 'ok' && result.value.records[0]!.timestamp).toBe((NOW - 3) * 1e6);
    // Without sent_at, a span ending in the future is moved to end at the receive time.
    const future = processSpanItem(container([ahead]), V2_HEADERS(1), ctx);
    expect(future.kind === 'ok' && future.value.records[0]!.timestamp).toBe((NOW - 1) * 1e6);
  });
});

describe('OTLP traces', () => {
  function exportedSpans() {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const tracer = provider.getTracer('shop', '2.0');
    tracer.startActiveSpan(
      'GET /cart',
      { kind: SpanKind.SERVER, attributes: { 'http.method': 'GET' } },
      (r) => {
        const db = tracer.startSpan(
          'SELECT cart',
          { attributes: { 'db.system': 'postgresql', rows: 3 } },
          trace.setSpan(context.active(), r),
        );
        db.setStatus({ code: SpanStatusCode.ERROR, message: 'timeout' });
        db.end();
        r.end();
      },
    );
    return exporter.getFinishedSpans();
  }

  it('decodes protobuf exactly as the JSON encoding of the same spans', () => {
    const spans = exportedSpans();
    const fromJson = otlpTracesToEntries(Buffer.from(JsonTraceSerializer.serializeRequest(spans)!));
    const decoded = decodeOtlpProtobuf('traces', ProtobufTraceSerializer.serializeRequest(spans)!);
    expect(decoded.ok).toBe(true);
    if (!decoded.ok || !fromJson.ok) return;
    expect(otlpTracesToEntries(decoded.document)).toEqual(fromJson);
    expect(decodeOtlpProtobuf('traces', Buffer.from([0x0a, 0xff]))).toMatchObject({ ok: false });
  });

  it('become span rows with ops from the semantic conventions', () => {
    const converted = otlpTracesToEntries(
      Buffer.from(JsonTraceSerializer.serializeRequest(exportedSpans())!),
    );
    if (!converted.ok) throw new Error('not converted');
    const payload = containerPayload(converted.entries);
    const result = processSpanItem(payload, V2_HEADERS(converted.entries.length), {
      ...ctx,
      receivedAt: Date.now() / 1000,
    });
    if (result.kind !== 'ok') throw new Error(result.reason);
    const byName = Object.fromEntries(result.value.records.map((r) => [r.name, r]));
    expect(byName['GET /cart']).toMatchObject({ is_segment: true, op: 'http.server', kind: 'server' });
    expect(byName['SELECT cart']).toMatchObject({
      op: 'db',
      status: 'error',
      is_segment: false,
      parent_span_id: byName['GET /cart']!.span_id,
      segment_id: byName['GET /cart']!.span_id,
    });
    expect(byName['SELECT cart']!.attributes_string['sentry.status.message']).toBe('timeout');
    expect(byName['SELECT cart']!.attributes_string['instrumentation.name']).toBe('shop');
    expect(byName['SELECT cart']!.attributes_int.rows).toBe(3);
  });
});
