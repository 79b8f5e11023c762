// Port of Relay's tests/integration/test_clock_drift.py (getsentry/relay): a transaction whose
// envelope `sent_at` is far behind the server clock is shifted by the drift and marked
// `clock_drift`; a small drift is left alone; without `sent_at` an event older than the accepted
// age is moved to the receive time and marked `past_timestamp`. Relay checks the forwarded
// transaction and its `_meta`. Vigil stores a transaction as spans (without the transaction's
// `_meta`), so the corrected time is read from the transaction's segment span, and the remark
// from an error event sent the same way (same normalization step, stored with its `_meta`).
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  envelopeBytes,
  newEventId,
  queryRows,
  sendEnvelope,
  startRelayTestServer,
  storedEvent,
  type RelayTestServer,
} from './harness.js';

let server: RelayTestServer;

beforeAll(async () => {
  server = await startRelayTestServer('clock-drift');
}, 60_000);

afterAll(async () => {
  await server?.close();
});

const DAY = 24 * 3600;

/** Relay's `mock_transaction(timestamp)` with a fresh trace id; times in unix seconds. */
function mockTransaction(timestamp: number, traceId: string) {
  return {
    type: 'transaction',
    timestamp: new Date(timestamp * 1000).toISOString(),
    start_timestamp: new Date((timestamp - 2) * 1000).toISOString(),
    spans: [],
    contexts: { trace: { op: 'http', trace_id: traceId, span_id: '968cff94913ebb07' } },
    transaction: '/hello',
  };
}

interface Stored {
  /** End of the stored transaction, unix seconds. */
  end: number;
  /** The first `_meta.timestamp` error of the error event sent alongside, e.g. `clock_drift`. */
  remark: unknown;
}

/**
 * Sends the transaction, and an error event with the same timestamp, each in an envelope with
 * `sent_at` (when given); returns the stored end of the transaction and the event's remark.
 */
async function send(timestamp: number, sentAt: number | undefined): Promise<Stored> {
  const traceId = newEventId();
  const eventId = newEventId();
  const headers = sentAt === undefined ? {} : { sent_at: new Date(sentAt * 1000).toISOString() };
  for (const item of [
    { headers: { type: 'transaction' }, payload: mockTransaction(timestamp, traceId) },
    { headers: { type: 'event' }, payload: { event_id: eventId, message: 'drift', timestamp } },
  ]) {
    const res = await sendEnvelope(server, envelopeBytes(headers, [item]), { 'accept-encoding': 'gzip' });
    expect(res.status).toBe(200);
  }
  await server.vigil.flush();
  const rows = await queryRows<{ end: number }>(
    server,
    `SELECT toUnixTimestamp64Micro(timestamp) / 1e6 + duration_ms / 1000 AS end FROM spans
      WHERE trace_id = '${traceId}' AND is_segment = 1`,
  );
  expect(rows).toHaveLength(1);
  const event = await storedEvent(server, eventId);
  const meta = event?._meta as { timestamp?: { '': { err: unknown[][] } } } | undefined;
  return { end: Number(rows[0]!.end), remark: meta?.timestamp?.['']?.err?.[0]?.[0] };
}

it('test_clock_drift_applied_when_timestamp_is_too_old', async () => {
  const oneMonthAgo = Date.now() / 1000 - 30 * DAY;
  const stored = await send(oneMonthAgo, oneMonthAgo);
  expect(stored.remark).toBe('clock_drift');
  expect(stored.end).toBeGreaterThan(oneMonthAgo);
  expect(stored.end).toBeLessThan(Date.now() / 1000);
});

it('test_clock_drift_not_applied_when_timestamp_is_recent', async () => {
  const fiveMinutesAgo = Math.round((Date.now() / 1000 - 5 * 60) * 1000) / 1000;
  const stored = await send(fiveMinutesAgo, fiveMinutesAgo);
  expect(stored.remark).toBeUndefined();
  expect(stored.end).toBeCloseTo(fiveMinutesAgo, 3);
});

it('test_clock_drift_not_applied_when_sent_at_is_not_supplied', async () => {
  // Relay's test runs a non-processing Relay, whose age limit is its `max_secs_in_past` (30 days),
  // so a month-old transaction is too old there. Vigil is a processing Relay: the limit is the
  // project's retention (90 days, reference/relay-protocol.md §8.1), so the transaction is 91 days old.
  const tooOld = Date.now() / 1000 - 91 * DAY;
  const stored = await send(tooOld, undefined);
  expect(stored.remark).toBe('past_timestamp');
  expect(stored.end).toBeGreaterThan(tooOld);
  expect(stored.end).toBeLessThan(Date.now() / 1000 + 1);
});
