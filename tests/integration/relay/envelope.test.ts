// Port of Relay's tests/integration/test_envelope.py (getsentry/relay): envelopes at the edge
// (event, empty, DSN-header auth) and the transaction normalization the test checks on the
// processed event (measurements, exclusive times), asserted against the rows Vigil stored: the
// `events` table for errors, the `spans` table for transactions (one row for the transaction's
// segment span, one per child span; measurements become `measurements.<name>` attributes).
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  envelopeBytes,
  newEventId,
  queryRows,
  sendEnvelope,
  startRelayTestServer,
  storedEvent,
  type Json,
  type RelayTestServer,
} from './harness.js';

let server: RelayTestServer;

beforeAll(async () => {
  server = await startRelayTestServer('envelope');
}, 60_000);

afterAll(async () => {
  await server?.close();
});

/** Relay's `generate_transaction_item()` with a fresh event and trace id (and times of now). */
function transactionItem(overrides: Json = {}): Json {
  const now = Date.now() / 1000;
  return {
    event_id: newEventId(),
    type: 'transaction',
    transaction: '/organizations/:orgId/performance/:eventSlug/',
    start_timestamp: now - 8,
    timestamp: now,
    contexts: {
      trace: { trace_id: newEventId().toUpperCase(), span_id: 'FA90FDEAD5F74052', type: 'trace' },
    },
    spans: [
      {
        description: '<OrganizationContext>',
        op: 'react.mount',
        parent_span_id: '8f5a2b8768cafb4e',
        span_id: 'bd429c44b67a3eb4',
        start_timestamp: now - 7,
        timestamp: now - 6.99,
        trace_id: 'ff62a8b040f340bda5d830223def1d81',
      },
    ],
    ...overrides,
  };
}

interface SpanRow {
  span_id: string;
  is_segment: number;
  name: string;
  exclusive_time_ms: number;
  attributes_float: Record<string, number>;
}

/**
 * The stored span rows of a transaction (segment first, then by start), after a flush. `where`
 * is a SQL condition on `spans`.
 */
async function spansWhere(where: string): Promise<SpanRow[]> {
  await server.vigil.flush();
  return queryRows<SpanRow>(
    server,
    `SELECT span_id, is_segment, name, exclusive_time_ms, attributes_float FROM spans
      WHERE ${where} ORDER BY is_segment DESC, timestamp, span_id`,
  );
}

/** The span rows of a trace. */
function spansOf(traceId: string): Promise<SpanRow[]> {
  return spansWhere(`trace_id = '${traceId.toLowerCase()}'`);
}

function measurementKeys(row: SpanRow): Record<string, number> {
  return Object.fromEntries(
    Object.entries(row.attributes_float).filter(([k]) => k.startsWith('measurements.')),
  );
}

it('test_envelope: stores the event of an envelope', async () => {
  const eventId = newEventId();
  const res = await sendEnvelope(
    server,
    envelopeBytes({ event_id: eventId }, [
      { headers: { type: 'event' }, payload: { message: 'Hello, World!' } },
    ]),
  );
  expect(res.status).toBe(200);
  expect(res.json).toEqual({ id: eventId });
  expect((await storedEvent(server, eventId))?.logentry).toEqual({ formatted: 'Hello, World!' });
});

it('test_envelope_empty: answers 400 for an envelope without items', async () => {
  // sentry_sdk's `Envelope().serialize()` is the empty header line.
  const res = await sendEnvelope(server, Buffer.from('{}\n'));
  expect(res.status).toBe(400);
  expect(res.json).toEqual({ detail: 'empty envelope' });
});

it('test_envelope_without_header: an empty X-Sentry-Auth is ignored and the envelope dsn authenticates', async () => {
  const eventId = newEventId();
  const dsn = `http://${server.publicKey}:@127.0.0.1/${server.projectId}`;
  const res = await sendEnvelope(
    server,
    envelopeBytes({ event_id: eventId, dsn }, [
      { headers: { type: 'event' }, payload: { message: 'Hello, World!' } },
    ]),
    { 'x-sentry-auth': '' },
  );
  expect(res.status).toBe(200);
  expect((await storedEvent(server, eventId))?.logentry).toEqual({ formatted: 'Hello, World!' });
});

it('test_normalize_measurement_interface: keeps the valid measurements, lowercased and trimmed', async () => {
  const item = transactionItem({
    measurements: {
      LCP: { value: 420.69 },
      '   lcp_final.element-Size123  ': { value: 1 },
      fid: { value: 2020 },
      cls: { value: null },
      fp: { value: 'im a first paint' },
      'Total Blocking Time': { value: 3.14159 },
      missing_value: 'string',
    },
  });
  const traceId = (item.contexts as { trace: { trace_id: string } }).trace.trace_id;
  const res = await sendEnvelope(
    server,
    envelopeBytes({}, [{ headers: { type: 'transaction' }, payload: item }]),
  );
  expect(res.status).toBe(200);
  const [segment] = await spansOf(traceId);
  expect(segment?.name).toBe('/organizations/:orgId/performance/:eventSlug/');
  // Relay keeps `cls`, `fp` and `missing_value` with null values; null attributes are not stored.
  expect(measurementKeys(segment!)).toEqual({
    'measurements.lcp': 420.69,
    'measurements.lcp_final.element-size123': 1,
    'measurements.fid': 2020,
  });
});

it('test_empty_measurement_interface: an empty measurements object adds no measurement', async () => {
  const item = transactionItem({ measurements: {} });
  const traceId = (item.contexts as { trace: { trace_id: string } }).trace.trace_id;
  await sendEnvelope(server, envelopeBytes({}, [{ headers: { type: 'transaction' }, payload: item }]));
  const [segment] = await spansOf(traceId);
  expect(segment?.name).toBe('/organizations/:orgId/performance/:eventSlug/');
  expect(measurementKeys(segment!)).toEqual({});
});

it('test_strip_measurement_interface: an error event loses its measurements', async () => {
  const eventId = newEventId();
  await sendEnvelope(
    server,
    envelopeBytes({ event_id: eventId }, [
      {
        headers: { type: 'event' },
        payload: {
          message: 'Hello, World!',
          measurements: { LCP: { value: 420.69 }, fid: { value: 2020 }, cls: { value: null } },
        },
      },
    ]),
  );
  const event = await storedEvent(server, eventId);
  expect(event?.logentry).toEqual({ formatted: 'Hello, World!' });
  expect(event).not.toHaveProperty('measurements');
});

it('test_span_attributes_exclusive_time: stores exclusive times of the transaction and its spans', async () => {
  // Relay's times in seconds from 0 (transaction) and 1000–3000 (spans); here shifted to now so
  // they are inside the accepted window. Exclusive times stay 2,000,000 / 800,000 / 600,000 ms.
  const base = Math.floor(Date.now() / 1000) - 4000;
  const span = (id: string, parent: string, start: number, end: number): Json => ({
    description: 'GET /api/0/organizations/?member=1',
    op: 'http',
    parent_span_id: parent,
    span_id: id,
    start_timestamp: base + start,
    timestamp: base + end,
    trace_id: 'ff62a8b040f340bda5d830223def1d81',
  });
  const item = transactionItem({
    start_timestamp: base,
    timestamp: base + 4000,
    spans: [
      span('bbbbbbbbbbbbbbbb', 'aaaaaaaaaaaaaaaa', 1000, 3000),
      span('cccccccccccccccc', 'bbbbbbbbbbbbbbbb', 1400, 2600),
      span('dddddddddddddddd', 'cccccccccccccccc', 1700, 2300),
    ],
  });
  const trace = (item.contexts as { trace: Json }).trace;
  trace.span_id = 'aaaaaaaaaaaaaaaa';
  await sendEnvelope(server, envelopeBytes({}, [{ headers: { type: 'transaction' }, payload: item }]));
  // The child spans keep their own `trace_id` (as in Relay's span extraction): select by segment.
  const rows = await spansWhere(`segment_id = 'aaaaaaaaaaaaaaaa' AND event_id = '${String(item.event_id)}'`);
  expect(rows.map((r) => [r.span_id, r.is_segment, r.exclusive_time_ms])).toEqual([
    ['aaaaaaaaaaaaaaaa', 1, 2_000_000],
    ['bbbbbbbbbbbbbbbb', 0, 800_000],
    ['cccccccccccccccc', 0, 600_000],
    ['dddddddddddddddd', 0, 600_000],
  ]);
});
