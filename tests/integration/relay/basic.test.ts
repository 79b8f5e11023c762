// Port of Relay's tests/integration/test_basic.py (getsentry/relay): the HTTP edge's basic
// behaviour (store pixel, trailing slashes, content encodings, zip bombs, CORP header, size limit,
// nothing accepted is lost on shutdown), asserted against what Vigil stored instead of what
// Relay's fake upstream received. See PORTED.md for the test functions that do not apply.
import { gzipSync, deflateSync, createGzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVigil } from '../../../src/server/app.js';
import {
  authHeader,
  newEventId,
  outcomesDuring,
  request,
  sendEvent,
  setProjectConfig,
  startRelayTestServer,
  storedEvent,
  storedEvents,
  uuidText,
  type RelayTestServer,
} from './harness.js';

let server: RelayTestServer;

beforeAll(async () => {
  server = await startRelayTestServer('basic');
}, 60_000);

afterAll(async () => {
  await server?.close();
});

/** The stored events whose `logentry.formatted` is `text`. */
async function eventsWithMessage(text: string): Promise<Record<string, unknown>[]> {
  const events = await storedEvents(server);
  return events.filter((e) => (e.logentry as { formatted?: string } | undefined)?.formatted === text);
}

describe('test_store_pixel_gif', () => {
  // Relay parametrizes over a plain JSON and a base64(zlib(JSON)) `sentry_data`, and over the
  // trailing slash of the route.
  const inputs = [
    ['json', '{"message": "im in ur query params"}'],
    ['base64+zlib', 'eF6rVspNLS5OTE9VslJQysxVyMxTKC1SKCxNLapUKEgsSswtVqoFAOKyDI4='],
  ] as const;
  for (const [name, input] of inputs) {
    for (const slash of ['/', '']) {
      it(`answers a GIF and stores the event (${name}, route ${slash ? 'with' : 'without'} trailing slash)`, async () => {
        const before = (await eventsWithMessage('im in ur query params')).length;
        const res = await request(
          server,
          `/api/${server.projectId}/store${slash}?sentry_data=${encodeURIComponent(input)}&sentry_key=${server.publicKey}`,
          { method: 'GET' },
        );
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('image/gif');
        expect(await eventsWithMessage('im in ur query params')).toHaveLength(before + 1);
      });
    }
  }
});

describe('test_store_post_trailing_slash', () => {
  for (const route of ['/store/', '/store//']) {
    it(`stores an event posted to ${route}`, async () => {
      const eventId = newEventId();
      const res = await request(server, `/api/${server.projectId}${route}?sentry_key=${server.publicKey}`, {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ event_id: eventId, message: 'hi' }),
      });
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ id: eventId });
      const event = await storedEvent(server, eventId);
      expect(event?.logentry).toEqual({ formatted: 'hi' });
    });
  }
});

describe('test_store_allowed_origins_passes', () => {
  afterAll(() => setProjectConfig(server, {}));

  // Relay's parameters: the project's `allowedDomains`, and whether `Origin: http://valid.com` passes.
  const cases: Array<[string[], boolean]> = [
    [['*'], true],
    [['http://valid.com'], true],
    [['http://*'], true],
    [['valid.com'], true],
    [[], false],
    [['invalid.com'], false],
  ];
  it.each(cases)('allowedDomains %j: allowed %s', async (allowedDomains, shouldBeAllowed) => {
    await setProjectConfig(server, { allowedDomains });
    const eventId = newEventId();
    let status = 0;
    const outcomes = await outcomesDuring(server, async () => {
      const res = await request(server, `/api/${server.projectId}/store/?sentry_key=${server.publicKey}`, {
        headers: { 'content-type': 'application/json', origin: 'http://valid.com' },
        body: JSON.stringify({ event_id: eventId, message: 'hi' }),
      });
      status = res.status;
    });
    const event = await storedEvent(server, eventId);
    if (shouldBeAllowed) {
      expect(status).toBe(200);
      expect(event?.logentry).toEqual({ formatted: 'hi' });
      expect(outcomes.map((o) => o.outcome)).toEqual(['accepted']);
    } else {
      // Relay's edge: `EventRejected(Cors)`, the event counted `invalid` / `cors`.
      expect(status).toBe(403);
      expect(event).toBeUndefined();
      expect(outcomes).toEqual([{ outcome: 'invalid', category: 'error', reason: 'cors', quantity: 1 }]);
    }
  });
});

describe('test_zipbomb_content_encoding', () => {
  // Relay posts a 10 GB gzip bomb with its limits at 20 MB. Vigil's limits are Relay's defaults
  // (store: max_event_size 1 MiB; envelope, attachments, minidump: 200 MiB), so the bomb here
  // inflates to just over 200 MiB: every route must stop reading at its limit and answer 413.
  let bomb: Buffer;
  beforeAll(async () => {
    const chunk = Buffer.alloc(1024 * 1024);
    const source = Readable.from(
      (function* () {
        for (let i = 0; i < 201; i++) yield chunk;
      })(),
    );
    const parts: Buffer[] = [];
    for await (const part of source.pipe(createGzip({ level: 9 }))) parts.push(part as Buffer);
    bomb = Buffer.concat(parts);
    expect(bomb.length).toBeLessThan(1024 * 1024);
  });
  const routes = (id: number) => [
    `/api/${id}/store/`,
    `/api/${id}/envelope/`,
    `/api/${id}/events/${newEventId()}/attachments/`,
    `/api/${id}/minidump/`,
  ];
  it.each([0, 1, 2, 3])('answers 413 on route %i of store, envelope, attachments, minidump', async (i) => {
    const route = routes(server.projectId)[i]!;
    const res = await request(server, `${route}?sentry_key=${server.publicKey}`, {
      headers: { 'content-encoding': 'gzip', 'content-type': 'application/octet-stream' },
      body: bomb,
    });
    expect(res.status).toBe(413);
    expect(res.json).toMatchObject({ detail: 'failed to read request body' });
  });
});

describe('test_compression', () => {
  const encodings: Record<string, (b: Buffer) => Buffer> = {
    gzip: (b) => gzipSync(b),
    deflate: (b) => deflateSync(b),
    identity: (b) => b,
    '': (b) => b,
  };
  for (const [encoding, encode] of Object.entries(encodings)) {
    it(`accepts and stores a store body with Content-Encoding '${encoding}'`, async () => {
      const eventId = newEventId();
      const body = encode(Buffer.from(JSON.stringify({ event_id: eventId, message: 'hello world' })));
      const res = await request(server, `/api/${server.projectId}/store/?sentry_key=${server.publicKey}`, {
        headers: { 'content-encoding': encoding },
        body,
      });
      expect(res.status).toBe(200);
      expect((await storedEvent(server, eventId))?.logentry).toEqual({ formatted: 'hello world' });
    });
  }
});

it('test_corp_response_header: answers Cross-Origin-Resource-Policy: cross-origin', async () => {
  // Relay posts without a body; whatever the status, the header is there.
  const res = await request(server, `/api/${server.projectId}/store/?sentry_key=${server.publicKey}`);
  expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
});

it('test_size_limit_status_code: answers 413 for an event over max_event_size', async () => {
  // Relay lowers max_event_size to 1 B; Vigil's is Relay's default 1 MiB, so the event is bigger.
  const res = await request(server, `/api/${server.projectId}/store/`, {
    headers: { 'x-sentry-auth': authHeader(server.publicKey) },
    body: JSON.stringify({ message: 'x'.repeat(1024 * 1024 + 1) }),
  });
  expect(res.status).toBe(413);
});

it('test_graceful_shutdown_with_ephemeral_buffer: stores an event accepted right before SIGTERM', async () => {
  // Relay sends an event and shuts down at once; the event must still reach the upstream.
  // Vigil's close() is its SIGTERM path; the event must be in ClickHouse when the same data dir
  // is opened again. (Last test of the file: it closes the shared server; chDB binds one data
  // directory per process, so this cannot use a server of its own.)
  const eventId = newEventId();
  const res = await sendEvent(server, { event_id: eventId, message: 'Hello, World!' });
  expect(res.status).toBe(200);
  await server.vigil.close();

  const reopened = await createVigil(server.vigil.config);
  try {
    const result = await reopened.clickhouse.client.query({
      query: `SELECT data FROM events WHERE event_id = toUUID('${uuidText(eventId)}')`,
      format: 'JSONEachRow',
    });
    const rows = await result.json<{ data: string }>();
    expect(rows).toHaveLength(1);
    expect((JSON.parse(rows[0]!.data) as { logentry: unknown }).logentry).toEqual({
      formatted: 'Hello, World!',
    });
  } finally {
    await reopened.close();
  }
}, 60_000);
