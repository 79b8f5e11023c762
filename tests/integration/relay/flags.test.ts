// Port of Relay's tests/integration/test_flags.py (getsentry/relay): the feature flag context of
// an error event is kept (with its `type` filled in) on the stored event, and its flags are
// searchable (Vigil's `flags.key` / `flags.value` columns).
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  envelopeBytes,
  newEventId,
  queryRows,
  sendEnvelope,
  startRelayTestServer,
  storedEvent,
  uuidText,
  type RelayTestServer,
} from './harness.js';

let server: RelayTestServer;

beforeAll(async () => {
  server = await startRelayTestServer('flags');
}, 60_000);

afterAll(async () => {
  await server?.close();
});

it('test_event_with_flags: keeps the flags context and types it', async () => {
  const eventId = newEventId();
  const res = await sendEnvelope(
    server,
    envelopeBytes({ event_id: eventId }, [
      {
        headers: { type: 'event' },
        payload: {
          event_id: eventId,
          message: 'test',
          contexts: { flags: { values: [{ flag: 'hello', result: 'world' }] } },
          type: 'error',
          environment: 'production',
          release: 'foo@1.2.3',
        },
      },
    ]),
  );
  expect(res.status).toBe(200);
  const event = await storedEvent(server, eventId);
  expect(event?.contexts).toEqual({
    flags: { values: [{ flag: 'hello', result: 'world' }], type: 'flags' },
  });
  // Exactly one event was stored for the envelope.
  const rows = await queryRows<{ key: string[]; value: string[] }>(
    server,
    `SELECT flags.key AS key, flags.value AS value FROM events WHERE event_id = toUUID('${uuidText(eventId)}')`,
  );
  expect(rows).toEqual([{ key: ['hello'], value: ['world'] }]);
});
