import { describe, expect, it } from 'vitest';
import type { EnvelopeItem } from '../../protocol/envelope.js';
import type { Outcome } from '../../protocol/outcome.js';
import type { AcceptedEnvelope } from '../ingest/index.js';
import { acceptedEnvelope } from './test-envelope.js';
import { SpanItemHandler } from './span-handler.js';

const TRACE = '5b8efff798038103d269b633813fc60c';
const NOW = Date.now() / 1000;

const accepted = (projectId = 3, organizationId = 1): AcceptedEnvelope =>
  acceptedEnvelope({ projectId, organizationId, meta: { receivedAt: NOW } });
/** The scoping of {@link accepted}'s default envelope. */
const SCOPING = { organizationId: 1, projectId: 3, keyId: 1 };

const child = (id: string) => ({
  trace_id: TRACE,
  span_id: id.repeat(16),
  parent_span_id: '1'.repeat(16),
  op: 'db',
  start_timestamp: NOW - 2,
  timestamp: NOW - 1.5,
});

function transaction(over: Record<string, unknown> = {}): EnvelopeItem {
  const event = {
    type: 'transaction',
    transaction: 'GET /',
    start_timestamp: NOW - 2,
    timestamp: NOW - 1,
    contexts: { trace: { trace_id: TRACE, span_id: '1'.repeat(16), op: 'http.server' } },
    spans: [child('2'), child('3')],
    ...over,
  };
  return { headers: { type: 'transaction' }, payload: Buffer.from(JSON.stringify(event)) };
}

function v2(items: unknown[], itemCount = items.length): EnvelopeItem {
  return {
    headers: {
      type: 'span',
      content_type: 'application/vnd.sentry.items.span.v2+json',
      item_count: itemCount,
    },
    payload: Buffer.from(JSON.stringify({ version: 2, items })),
  };
}

const v2Span = (id: string, over: Record<string, unknown> = {}) => ({
  trace_id: TRACE,
  span_id: id.repeat(16),
  name: 'work',
  status: 'ok',
  is_segment: false,
  start_timestamp: NOW - 1,
  end_timestamp: NOW,
  ...over,
});

function setup() {
  const outcomes: Outcome[] = [];
  const rows: string[] = [];
  const handler = new SpanItemHandler({
    sink: { push: (lines: string[]) => (rows.push(...lines), true) },
    outcomes: { record: (o: Outcome) => outcomes.push(o) },
  });
  return { outcomes, rows, handler };
}

const counts = (
  outcome: string,
  reason: string | null,
  quantities: Record<string, number>,
  scoping = SCOPING,
) =>
  Object.entries(quantities).map(([category, quantity]) => ({
    outcome,
    reason,
    category,
    quantity,
    scoping,
  }));

describe('SpanItemHandler', () => {
  it('stores a transaction as 1 + child spans and counts Relay categories', async () => {
    const { outcomes, rows, handler } = setup();
    handler.handle(accepted(), transaction());
    expect(outcomes).toEqual([]);
    await handler.flush();
    expect(rows).toHaveLength(3);
    expect(outcomes).toEqual([
      ...counts('accepted', null, { transaction: 1, transaction_indexed: 1 }),
      ...counts('accepted', null, { span: 3, span_indexed: 3 }),
    ]);
  });

  it('rejects malformed transactions with Relay reasons, leaving the other items alone', async () => {
    const { outcomes, rows, handler } = setup();
    const envelope = accepted();
    handler.handle(envelope, transaction({ timestamp: NOW - 10 }));
    handler.handle(envelope, { headers: { type: 'transaction' }, payload: Buffer.from('{"oops"') });
    handler.handle(envelope, v2([v2Span('4')]));
    await handler.flush();
    expect(rows).toHaveLength(1);
    expect(outcomes).toEqual([
      ...counts('invalid', 'invalid_transaction', { transaction: 1, transaction_indexed: 1 }),
      ...counts('invalid', 'invalid_transaction', { span: 3, span_indexed: 3 }),
      ...counts('invalid', 'invalid_json', { transaction: 1, transaction_indexed: 1 }),
      ...counts('invalid', 'invalid_json', { span: 1, span_indexed: 1 }),
      ...counts('accepted', null, { span: 1, span_indexed: 1 }),
    ]);
  });

  it('counts span v2 entries, invalid entries and rejected containers', async () => {
    const { outcomes, rows, handler } = setup();
    const envelope = accepted();
    handler.handle(
      envelope,
      v2([v2Span('4'), v2Span('5', { end_timestamp: 'never' }), v2Span('6', { span_id: 'x' })]),
    );
    // Only one span container per envelope.
    handler.handle(envelope, v2([v2Span('7'), v2Span('8')]));
    handler.handle(accepted(), v2([v2Span('6')], 3));
    await handler.flush();
    expect(rows).toHaveLength(1);
    expect(outcomes).toEqual([
      ...counts('invalid', 'timestamp', { span: 1, span_indexed: 1 }),
      ...counts('invalid', 'invalid_span', { span: 1, span_indexed: 1 }),
      ...counts('invalid', 'duplicate_item', { span: 2, span_indexed: 2 }),
      ...counts('invalid', 'invalid_json', { span: 3, span_indexed: 3 }),
      ...counts('accepted', null, { span: 1, span_indexed: 1 }),
    ]);
  });

  it('records the accepted outcomes of a batch per project, each with its own scoping', async () => {
    const { outcomes, rows, handler } = setup();
    handler.handle(accepted(3), transaction());
    handler.handle(accepted(5, 2), transaction({ spans: [] }));
    handler.handle(accepted(5, 2), v2([v2Span('4'), v2Span('5')]));
    handler.handle(accepted(3), v2([v2Span('6')]));
    await handler.flush();
    expect(rows).toHaveLength(7);
    const other = { organizationId: 2, projectId: 5, keyId: 1 };
    expect(outcomes).toEqual([
      ...counts('accepted', null, { transaction: 1, transaction_indexed: 1 }),
      ...counts('accepted', null, { span: 4, span_indexed: 4 }),
      ...counts('accepted', null, { transaction: 1, transaction_indexed: 1 }, other),
      ...counts('accepted', null, { span: 3, span_indexed: 3 }, other),
    ]);
  });
});
