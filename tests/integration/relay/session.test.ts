// Port of Relay's tests/integration/test_session.py (getsentry/relay): session updates and
// aggregates as a processing Relay writes them (Relay reads its sessions Kafka topic; here the
// rows of Vigil's `sessions` table), and the sessions Relay drops (too old, no release, invalid
// release), and the session quotas of the project config.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProjectKey } from '../../../src/storage/metadata/index.js';
import {
  authHeader,
  envelopeBytes,
  newEventId,
  queryRows,
  relayFullProjectConfig,
  sendEnvelope,
  setProjectConfig,
  startRelayTestServer,
  uuidText,
  type Json,
  type RelayTestServer,
} from './harness.js';

let server: RelayTestServer;

beforeAll(async () => {
  server = await startRelayTestServer('session');
}, 60_000);

afterAll(async () => {
  await server?.close();
});

/**
 * The stored distinct id of `did: "foobarbaz"`. Relay's Kafka message carries a UUID derived from
 * it (`367e2499-…`, and the nil UUID when there is none); Vigil keeps the `did` itself (`''` when
 * there is none), which counts the same users (PORTED.md).
 */
const FOOBARBAZ_DISTINCT_ID = 'foobarbaz';
const NO_DISTINCT_ID = '';
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** Relay's `send_session` / `send_session_aggregates`: one `session` / `sessions` item. */
async function send(type: 'session' | 'sessions', payload: Json): Promise<void> {
  const res = await sendEnvelope(server, envelopeBytes({}, [{ headers: { type }, payload }]));
  expect(res.status).toBe(200);
}

interface SessionRow {
  session_id: string;
  distinct_id: string;
  quantity: number;
  seq: number;
  received: number;
  started: number;
  duration: number | null;
  status: string;
  errors: number;
  release: string;
  environment: string;
  retention_days: number;
  sdk: string;
}

/** The stored rows of session `sid` (or of aggregates: `sid` is the nil UUID), in insertion order. */
async function rowsOf(where: string): Promise<SessionRow[]> {
  await server.vigil.flush();
  return queryRows<SessionRow>(
    server,
    `SELECT toString(session_id) AS session_id, distinct_id, quantity, seq,
            toUnixTimestamp64Milli(received) / 1000 AS received, toUnixTimestamp64Milli(started) / 1000 AS started,
            duration, status, errors, release, environment, retention_days, sdk
       FROM sessions WHERE ${where} ORDER BY received, status`,
  );
}

/** A fresh session id, so every test reads only its own rows. */
const sid = () => crypto.randomUUID();

function times() {
  const timestamp = new Date();
  const started = new Date(timestamp.getTime() - 3600_000);
  return { timestamp, started };
}

it('test_session_with_processing: stores the update with the distinct id hashed and seq 0 for init', async () => {
  const { timestamp, started } = times();
  const id = sid();
  await send('session', {
    sid: id,
    did: 'foobarbaz',
    seq: 42,
    init: true,
    timestamp: timestamp.toISOString(),
    started: started.toISOString(),
    duration: 1947.49,
    status: 'exited',
    errors: 0,
    attrs: { release: 'sentry-test@1.0.0', environment: 'production' },
  });
  const rows = await rowsOf(`session_id = '${id}'`);
  expect(rows).toEqual([
    {
      session_id: id,
      distinct_id: FOOBARBAZ_DISTINCT_ID,
      quantity: 1,
      // seq is forced to 0 when init is true
      seq: 0,
      received: expect.any(Number),
      started: started.getTime() / 1000,
      duration: 1947.49,
      status: 'exited',
      errors: 0,
      release: 'sentry-test@1.0.0',
      environment: 'production',
      retention_days: 90,
      sdk: 'raven-node/2.6.3',
    },
  ]);
  // Relay's `received` is the update's timestamp, as the test sends it right away.
  expect(Math.abs(rows[0]!.received - timestamp.getTime() / 1000)).toBeLessThan(60);
});

it('test_session_with_processing_two_events: stores both updates', async () => {
  const { timestamp, started } = times();
  const id = sid();
  const base = {
    sid: id,
    did: 'foobarbaz',
    timestamp: timestamp.toISOString(),
    started: started.toISOString(),
    attrs: { release: 'sentry-test@1.0.0', environment: 'production' },
  };
  await send('session', { ...base, seq: 42, init: true, status: 'ok' });
  await send('session', { ...base, seq: 43, duration: 1947.49, status: 'exited' });
  const rows = await rowsOf(`session_id = '${id}'`);
  expect(rows.map((r) => [r.seq, r.status, r.duration, r.errors, r.distinct_id, r.quantity])).toEqual([
    [0, 'ok', null, 0, FOOBARBAZ_DISTINCT_ID, 1],
    [43, 'exited', 1947.49, 0, FOOBARBAZ_DISTINCT_ID, 1],
  ]);
});

it('test_session_aggregates: one row per aggregate status', async () => {
  const timestamp = new Date();
  const started1 = new Date(timestamp.getTime() - 3600_000);
  const started2 = new Date(started1.getTime() - 3600_000);
  const release = `sentry-test@${Date.now()}`;
  await send('sessions', {
    aggregates: [
      { started: started1.toISOString(), did: 'foobarbaz', exited: 2, errored: 3 },
      { started: started2.toISOString(), abnormal: 1 },
    ],
    attrs: { release, environment: 'production' },
  });
  const rows = await rowsOf(`release = '${release}'`);
  const shape = (r: SessionRow) => ({
    session_id: r.session_id,
    distinct_id: r.distinct_id,
    quantity: r.quantity,
    seq: r.seq,
    started: r.started,
    duration: r.duration,
    status: r.status,
    errors: r.errors,
  });
  expect(rows.map(shape).sort((a, b) => a.status.localeCompare(b.status))).toEqual([
    {
      session_id: NIL_UUID,
      distinct_id: NO_DISTINCT_ID,
      quantity: 1,
      seq: 0,
      started: started2.getTime() / 1000,
      duration: null,
      status: 'abnormal',
      errors: 1,
    },
    {
      session_id: NIL_UUID,
      distinct_id: FOOBARBAZ_DISTINCT_ID,
      quantity: 3,
      seq: 0,
      started: started1.getTime() / 1000,
      duration: null,
      status: 'errored',
      errors: 1,
    },
    {
      session_id: NIL_UUID,
      distinct_id: FOOBARBAZ_DISTINCT_ID,
      quantity: 2,
      seq: 0,
      started: started1.getTime() / 1000,
      duration: null,
      status: 'exited',
      errors: 0,
    },
  ]);
  expect(rows.every((r) => r.environment === 'production' && r.sdk === 'raven-node/2.6.3')).toBe(true);
});

it('test_session_age_discard: a session started more than 5 days ago is dropped', async () => {
  const timestamp = new Date();
  const id = sid();
  await send('session', {
    sid: id,
    timestamp: timestamp.toISOString(),
    started: new Date(timestamp.getTime() - (5 * 24 + 1) * 3600_000).toISOString(),
    attrs: { release: 'sentry-test@1.0.0' },
  });
  expect(await rowsOf(`session_id = '${id}'`)).toEqual([]);
});

it('test_session_force_errors_on_crash: a crashed session counts one error', async () => {
  const { timestamp, started } = times();
  const id = sid();
  await send('session', {
    sid: id,
    did: 'foobarbaz',
    seq: 42,
    init: true,
    timestamp: timestamp.toISOString(),
    started: started.toISOString(),
    status: 'crashed',
    attrs: { release: 'sentry-test@1.0.0', environment: 'production' },
  });
  const rows = await rowsOf(`session_id = '${id}'`);
  expect(rows.map((r) => [r.status, r.errors, r.seq, r.duration])).toEqual([['crashed', 1, 0, null]]);
});

it('test_session_release_required: a session without release is dropped', async () => {
  const timestamp = new Date();
  const id = sid();
  await send('session', {
    sid: id,
    timestamp: timestamp.toISOString(),
    started: new Date(timestamp.getTime() - 3600_000).toISOString(),
  });
  expect(await rowsOf(`session_id = '${id}'`)).toEqual([]);
});

it('test_session_auto_ip: a session with ip_address {{auto}} is accepted', async () => {
  const timestamp = new Date().toISOString();
  const id = sid();
  await send('session', {
    sid: id,
    timestamp,
    started: timestamp,
    attrs: { release: 'sentry-test@1.0.0', ip_address: '{{auto}}' },
  });
  expect(await rowsOf(`session_id = '${id}'`)).toHaveLength(1);
});

it('test_session_invalid_release: a session with release "latest" is dropped', async () => {
  const timestamp = new Date().toISOString();
  const id = sid();
  await send('session', { sid: id, timestamp, started: timestamp, attrs: { release: 'latest' } });
  expect(await rowsOf(`session_id = '${id}'`)).toEqual([]);
});

describe('test_session_with_custom_retention', () => {
  afterAll(() => setProjectConfig(server, {}));

  it('eventRetention 17 in the project config gives the session retention_days 17', async () => {
    await setProjectConfig(server, { ...relayFullProjectConfig(), eventRetention: 17 });
    const timestamp = new Date().toISOString();
    const id = sid();
    await send('session', {
      sid: id,
      timestamp,
      started: timestamp,
      attrs: { release: 'sentry-test@1.0.0' },
    });
    expect((await rowsOf(`session_id = '${id}'`)).map((r) => r.retention_days)).toEqual([17]);
  });

  // Relay keeps every item of the project for its `event_retention` (its Kafka messages carry it).
  it('and the error events and logs of the project', async () => {
    await setProjectConfig(server, { ...relayFullProjectConfig(), eventRetention: 17 });
    const eventId = newEventId();
    const body = `retained log ${crypto.randomUUID()}`;
    const res = await sendEnvelope(
      server,
      envelopeBytes({ event_id: eventId }, [
        { headers: { type: 'event' }, payload: { event_id: eventId, message: 'retained' } },
        {
          headers: { type: 'log', content_type: 'application/vnd.sentry.items.log+json', item_count: 1 },
          payload: { items: [{ timestamp: Date.now() / 1000, trace_id: newEventId(), level: 'info', body }] },
        },
      ]),
    );
    expect(res.status).toBe(200);
    await server.vigil.flush();
    const events = await queryRows<{ retention_days: number }>(
      server,
      `SELECT retention_days FROM events WHERE event_id = toUUID('${uuidText(eventId)}')`,
    );
    const logs = await queryRows<{ retention_days: number }>(
      server,
      `SELECT retention_days FROM logs WHERE body = '${body}'`,
    );
    expect([events, logs]).toEqual([[{ retention_days: 17 }], [{ retention_days: 17 }]]);
  });
});
/**
 * A new DSN key of the test project with a session quota of `limit` (`window` seconds) scoped to
 * it, as Relay's tests scope theirs to the project's key, and the project config fields of
 * `extra`; a new key keeps the limit it caches away from the other tests. Returns the auth header
 * of the key.
 */
async function keyWithSessionQuota(
  limit: number,
  window?: number,
  extra: Json = {},
): Promise<Record<string, string>> {
  const key = await createProjectKey(server.vigil.metadata, server.projectId, 'sessions');
  await setProjectConfig(server, {
    ...relayFullProjectConfig(),
    ...extra,
    quotas: [
      {
        id: `test_rate_limiting_${sid().replace(/-/g, '')}`,
        categories: ['session'],
        scope: 'key',
        scopeId: String(key.id),
        ...(window !== undefined ? { window } : {}),
        limit,
        reasonCode: 'sessions_exceeded',
      },
    ],
  });
  return { 'x-sentry-auth': authHeader(key.public_key) };
}

/** Sends one `session` item with the auth `headers` and returns the response status. */
async function sendSessionAs(headers: Record<string, string>, payload: Json): Promise<number> {
  const body = envelopeBytes({}, [{ headers: { type: 'session' }, payload }]);
  return (await sendEnvelope(server, body, headers)).status;
}

it('test_session_quotas: the 6th session of a 5-session key quota is dropped, then 429', async () => {
  const auth = await keyWithSessionQuota(5, 3600);
  const timestamp = new Date();
  const id = sid();
  const session = {
    sid: id,
    timestamp: timestamp.toISOString(),
    started: new Date(timestamp.getTime() - 3600_000).toISOString(),
    attrs: { release: 'sentry-test@1.0.0' },
  };
  for (let i = 0; i < 5; i++) {
    expect(await sendSessionAs(auth, session)).toBe(200);
    // Processing counts each session before the next one reaches the edge.
    await server.vigil.flush();
  }
  expect(await rowsOf(`session_id = '${id}'`)).toHaveLength(5);

  // Rate limited, but answered 200: the limit is found in processing, which caches it.
  expect(await sendSessionAs(auth, session)).toBe(200);
  await server.vigil.flush();
  expect(await rowsOf(`session_id = '${id}'`)).toHaveLength(5);

  expect(await sendSessionAs(auth, session)).toBe(429);
  expect(await rowsOf(`session_id = '${id}'`)).toHaveLength(5);
});

it('test_session_disabled: a reject-all session quota drops the session', async () => {
  const auth = await keyWithSessionQuota(0);
  const timestamp = new Date();
  const id = sid();
  // Relay answers 200 (the config arrives while the request waits); Vigil refuses it at the edge.
  const status = await sendSessionAs(auth, {
    sid: id,
    timestamp: timestamp.toISOString(),
    started: new Date(timestamp.getTime() - 3600_000).toISOString(),
    attrs: { release: 'sentry-test@1.0.0' },
  });
  expect(status).toBe(429);
  expect(await rowsOf(`session_id = '${id}'`)).toEqual([]);
});

// Not a port: Relay's stored test_session.py has no filter test. Relay's sessions processor
// (relay-server/src/processing/sessions/: expand → filter → normalize → enforce quotas) drops a
// session its project's inbound filters match, without an outcome, before the quotas count it.
it('inbound filters drop sessions before the session quota counts them', async () => {
  const auth = await keyWithSessionQuota(1, 3600, {
    filterSettings: { releases: { releases: ['*-beta'] } },
  });
  const timestamp = new Date();
  const session = (id: string, release: string) => ({
    sid: id,
    timestamp: timestamp.toISOString(),
    started: new Date(timestamp.getTime() - 3600_000).toISOString(),
    attrs: { release },
  });
  const [filtered, kept, over] = [sid(), sid(), sid()];
  expect(await sendSessionAs(auth, session(filtered, 'sentry-test@2.0.0-beta'))).toBe(200);
  await server.vigil.flush();
  expect(await sendSessionAs(auth, session(kept, 'sentry-test@1.0.0'))).toBe(200);
  await server.vigil.flush();
  expect(await sendSessionAs(auth, session(over, 'sentry-test@1.0.0'))).toBe(200);
  await server.vigil.flush();
  expect(await rowsOf(`session_id = '${filtered}'`)).toEqual([]);
  expect(await rowsOf(`session_id = '${kept}'`)).toHaveLength(1);
  expect(await rowsOf(`session_id = '${over}'`)).toEqual([]);
});
