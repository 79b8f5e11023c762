import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, it, expect } from 'vitest';
import { ingestRoutes, PIXEL_GIF } from './routes.js';
import type { AcceptedEnvelope, IngestDeps, ProjectKeyInfo } from './types.js';
import type { SizeLimits } from './limits.js';
import { DEFAULT_PROJECT_CONFIG, parseProjectConfig } from '../../processing/project-config/index.js';
import type { OutcomeScoping } from '../../protocol/outcome.js';

// ---------------------------------------------------------------------------------------------
// Harness: an app with the plugin, a fake key table and an array-backed queue.
// ---------------------------------------------------------------------------------------------

const KEY = 'e12d836b15bb49d7bbf99e64295d995b';
const DISABLED_KEY = 'd'.repeat(32);
const OTHER_PROJECT_KEY = 'f'.repeat(32);
const UNKNOWN_KEY = '0'.repeat(32);
const PROJECT = 42;
const DSN = `http://${KEY}@localhost:8000/${PROJECT}`;
const EVENT_ID = '9ec79c33ec9942ab8353589fcb2e04dc';

const KEYS: Record<string, ProjectKeyInfo> = {
  [KEY]: {
    keyId: 7,
    publicKey: KEY,
    projectId: PROJECT,
    organizationId: 3,
    isActive: true,
    config: DEFAULT_PROJECT_CONFIG,
  },
  [DISABLED_KEY]: {
    keyId: 8,
    publicKey: DISABLED_KEY,
    projectId: PROJECT,
    organizationId: 3,
    isActive: false,
    config: DEFAULT_PROJECT_CONFIG,
  },
  [OTHER_PROJECT_KEY]: {
    keyId: 9,
    publicKey: OTHER_PROJECT_KEY,
    projectId: 43,
    organizationId: 3,
    isActive: true,
    config: DEFAULT_PROJECT_CONFIG,
  },
};

interface Harness {
  app: FastifyInstance;
  accepted: AcceptedEnvelope[];
  lookups: string[];
  /** The envelopes the edge refused (`deps.rejectEnvelope`): scoping, reason and item types. */
  rejected: Array<{ scoping: OutcomeScoping; reason: string; types: string[] }>;
}

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function harness(
  options: {
    limits?: Partial<SizeLimits>;
    queueFull?: boolean;
    /** Reports no capacity up front (`hasCapacity`), so the body is never read. */
    noCapacity?: boolean;
    foldSlashes?: boolean;
    lookup?: IngestDeps['lookupKey'];
  } = {},
): Promise<Harness> {
  const accepted: AcceptedEnvelope[] = [];
  const lookups: string[] = [];
  const rejected: Harness['rejected'] = [];
  const app = Fastify({ ignoreDuplicateSlashes: options.foldSlashes ?? false });
  const deps: IngestDeps = {
    lookupKey:
      options.lookup ??
      (async (key) => {
        lookups.push(key);
        return KEYS[key];
      }),
    enqueue: (envelope) => {
      if (options.queueFull) return false;
      accepted.push(envelope);
      return true;
    },
    rejectEnvelope: (scoping, envelope, reason) =>
      rejected.push({ scoping, reason, types: envelope.items.map((item) => item.headers.type) }),
    now: () => 1_700_000_000.5,
  };
  if (options.noCapacity) deps.hasCapacity = () => false;
  if (options.limits) deps.limits = options.limits;
  await app.register(ingestRoutes, deps);
  apps.push(app);
  return { app, accepted, lookups, rejected };
}

const AUTH = `Sentry sentry_version=7, sentry_client=sentry.javascript.node/8.0.0, sentry_key=${KEY}`;

function envelopeBody(
  headers: Record<string, unknown>,
  ...items: Array<[Record<string, unknown>, string | Buffer]>
): Buffer {
  const parts: Buffer[] = [Buffer.from(JSON.stringify(headers) + '\n')];
  for (const [itemHeaders, payload] of items) {
    const bytes = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
    parts.push(
      Buffer.from(JSON.stringify({ ...itemHeaders, length: bytes.length }) + '\n'),
      bytes,
      Buffer.from('\n'),
    );
  }
  return Buffer.concat(parts);
}

const EVENT_ENVELOPE = envelopeBody({ event_id: EVENT_ID }, [{ type: 'event' }, '{"message":"hello"}']);

function postEnvelope(
  h: Harness,
  payload: Buffer | string | Readable,
  headers: Record<string, string> = {},
  url = `/api/${PROJECT}/envelope/`,
) {
  return h.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-sentry-envelope', 'x-sentry-auth': AUTH, ...headers },
    payload,
  });
}

function storeJson(
  h: Harness,
  body: Buffer | string,
  headers: Record<string, string> = {},
  url = `/api/${PROJECT}/store/`,
) {
  return h.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', 'x-sentry-auth': AUTH, ...headers },
    payload: body,
  });
}

/** 1 GiB of zeros as concatenated gzip members (~1 MB), a cheap but real gzip bomb. */
function gzipBomb(): Buffer {
  const member = zlib.gzipSync(Buffer.alloc(1 << 20), { level: 9 });
  return Buffer.concat(Array.from({ length: 1024 }, () => member));
}

/** A zstd frame of `blocks` RLE blocks of 128 KiB zeros each. */
function zstdRleBomb(blocks: number): Buffer {
  const body = Buffer.alloc(blocks * 4);
  for (let i = 0; i < blocks; i++) body.writeUIntLE((131072 << 3) | 2 | (i === blocks - 1 ? 1 : 0), i * 4, 3);
  return Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38]), body]);
}

/** `cat | zstd -3` of the envelope in {@link ZSTD_PLAIN}. */
const ZSTD_STREAMED =
  '28b52ffd04587d03005247181b70897360c4c35ef5750aaa3191ac5555f58804de560521eb1fff4c468c5e95ac5ec93154a7f61237e2d6b476abd99f33235ecf2d8e86b117ac3e2139f783fa8ee2191ad1bb14c013b5836416b42046a544c9dc23b419d8a7d5cb2078883f370c030009d111d06c0135a6a0fb1da850';
const ZSTD_PLAIN =
  '{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc"}\n{"type":"event"}\n' +
  `{"message":"hello zstd","level":"error","extra":{"pad":"${'abc'.repeat(50)}"}}\n`;

// ---------------------------------------------------------------------------------------------

describe('POST /api/:projectId/envelope/', () => {
  it('accepts an envelope and hands it on with scoping and request meta', async () => {
    const h = await harness();
    const response = await postEnvelope(h, EVENT_ENVELOPE, {
      'x-forwarded-for': '203.0.113.9, 10.0.0.1',
      'user-agent': 'sentry.javascript.node/8.0.0',
      origin: 'http://valid.com',
      'sec-ch-ua-platform': '"macOS"',
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ id: EVENT_ID });
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(h.accepted).toHaveLength(1);
    const accepted = h.accepted[0] as AcceptedEnvelope;
    expect(accepted).toMatchObject({
      projectId: PROJECT,
      organizationId: 3,
      keyId: 7,
      publicKey: KEY,
      sizeBytes: EVENT_ENVELOPE.length,
    });
    expect(accepted.envelope.items[0]?.payload.toString()).toBe('{"message":"hello"}');
    expect(accepted.meta).toEqual({
      receivedAt: 1_700_000_000.5,
      clientIp: '203.0.113.9',
      userAgent: 'sentry.javascript.node/8.0.0',
      client: 'sentry.javascript.node/8.0.0',
      origin: 'http://valid.com/',
      forwardedFor: '203.0.113.9, 10.0.0.1, 127.0.0.1',
      clientHints: { sec_ch_ua_platform: '"macOS"' },
    });
  });

  it('uses the socket peer as client IP without X-Forwarded-For, and the UA as client', async () => {
    const h = await harness();
    const response = await postEnvelope(h, EVENT_ENVELOPE, {
      'x-sentry-auth': `Sentry sentry_key=${KEY}`,
      'user-agent': 'curl/8',
    });
    expect(response.statusCode).toBe(200);
    expect(h.accepted[0]?.meta.clientIp).toBe('127.0.0.1');
    expect(h.accepted[0]?.meta.client).toBe('curl/8');
  });

  it('accepts any content type (text/plain etc. avoid CORS preflights) and none', async () => {
    for (const contentType of [
      'text/plain;charset=UTF-8',
      'application/json',
      'application/octet-stream',
      'multipart/form-data',
      'application/x-www-form-urlencoded',
      'garbage',
    ]) {
      const h = await harness();
      const response = await postEnvelope(h, EVENT_ENVELOPE, { 'content-type': contentType });
      expect(response.statusCode, contentType).toBe(200);
    }
    const h = await harness();
    const response = await h.app.inject({
      method: 'POST',
      url: `/api/${PROJECT}/envelope/`,
      headers: { 'x-sentry-auth': AUTH },
      payload: EVENT_ENVELOPE,
    });
    expect(response.statusCode).toBe(200);
  });

  it('reads chunked bodies', async () => {
    const h = await harness();
    const chunks = [
      EVENT_ENVELOPE.subarray(0, 10),
      EVENT_ENVELOPE.subarray(10, 30),
      EVENT_ENVELOPE.subarray(30),
    ];
    const response = await postEnvelope(h, Readable.from(chunks));
    expect(response.statusCode).toBe(200);
    expect(h.accepted[0]?.envelope.items[0]?.payload.toString()).toBe('{"message":"hello"}');
  });

  it('answers {} for envelopes without an event', async () => {
    const h = await harness();
    const body = envelopeBody(
      {},
      [{ type: 'session' }, '{"sid":"x","status":"ok"}'],
      [{ type: 'client_report' }, '{}'],
    );
    const response = await postEnvelope(h, body);
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('{}');
    expect(h.accepted[0]?.envelope.headers.event_id).toBeUndefined();
  });

  it("takes the event item's event_id when the header has none, and writes it into the header", async () => {
    const h = await harness();
    const body = envelopeBody({}, [
      { type: 'event' },
      `{"event_id":"${EVENT_ID.toUpperCase()}","message":"x"}`,
    ]);
    const response = await postEnvelope(h, body);
    expect(response.json()).toEqual({ id: EVENT_ID });
    expect(h.accepted[0]?.envelope.headers.event_id).toBe(EVENT_ID);
  });

  it('generates an event id for event-bound envelopes without one', async () => {
    for (const item of [
      [{ type: 'event' }, '{"message":"x"}'],
      [{ type: 'attachment', filename: 'a.txt' }, 'hello'],
    ] as Array<[Record<string, unknown>, string]>) {
      const h = await harness();
      const response = await postEnvelope(h, envelopeBody({}, item));
      const id = (response.json() as { id: string }).id;
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      expect(h.accepted[0]?.envelope.headers.event_id).toBe(id);
    }
  });

  it('canonicalises a hyphenated header event_id', async () => {
    const h = await harness();
    const body = envelopeBody({ event_id: '9ec79c33-ec99-42ab-8353-589fcb2e04dc' }, [
      { type: 'event' },
      '{}',
    ]);
    expect((await postEnvelope(h, body)).json()).toEqual({ id: EVENT_ID });
  });

  it('rejects a body-less request with 400 empty request body', async () => {
    const h = await harness();
    const response = await postEnvelope(h, '');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ detail: 'empty request body' });
  });

  it('rejects an envelope without items with 400 (test_envelope_empty)', async () => {
    const h = await harness();
    const response = await postEnvelope(h, `{"event_id":"${EVENT_ID}"}\n`);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ detail: 'empty envelope' });
    expect(h.accepted).toHaveLength(0);
  });

  it.each([
    ['not json', 'hello\n', ['invalid envelope header', 'expected a JSON object']],
    ['bad item header', `{}\n{"type":"event"\n{}\n`, ['invalid item header']],
    ['missing type', `{}\n{"length":2}\n{}\n`, ['invalid item header', 'missing field `type`']],
    ['short payload', `{}\n{"type":"event","length":50}\n{}\n`, ['unexpected end of file']],
    [
      'no newline after payload',
      `{}\n{"type":"event","length":1}\n{}\n`,
      ['missing newline after header or payload'],
    ],
  ])('rejects a malformed envelope (%s) with 400 invalid event envelope', async (_name, body, causes) => {
    const h = await harness();
    const response = await postEnvelope(h, body);
    expect(response.statusCode).toBe(400);
    const json = response.json() as { detail: string; causes: string[] };
    expect(json.detail).toBe('invalid event envelope');
    expect(json.causes.slice(0, causes.length)).toEqual(causes);
    expect(response.headers['x-sentry-error']).toBe('invalid event envelope');
  });

  it('rejects Relay-internal item types', async () => {
    const h = await harness();
    const response = await postEnvelope(h, envelopeBody({}, [{ type: 'integration' }, '{}']));
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ detail: 'envelope contains internal items' });
  });

  it('rejects an event item over max_event_size with 413 and the exact detail', async () => {
    const h = await harness();
    const big = `{"message":"${'x'.repeat(1024 * 1024)}"}`;
    const response = await postEnvelope(h, envelopeBody({ event_id: EVENT_ID }, [{ type: 'event' }, big]));
    expect(response.statusCode).toBe(413);
    expect(response.json()).toEqual({
      detail:
        "envelope exceeded size limits for type 'event' (https://develop.sentry.dev/sdk/envelopes/#size-limits)",
    });
    expect(response.headers['x-sentry-error']).toBe(
      "envelope exceeded size limits for type 'event' (https://develop.sentry.dev/sdk/envelopes/#size-limits)",
    );
    expect(h.accepted).toHaveLength(0);
  });

  it('names typed attachments in the 413 detail and counts sessions', async () => {
    const h = await harness({ limits: { maxAttachmentSize: 10, maxSessionCount: 1 } });
    const minidump = envelopeBody({ event_id: EVENT_ID }, [
      { type: 'attachment', attachment_type: 'event.minidump' },
      'x'.repeat(11),
    ]);
    expect((await postEnvelope(h, minidump)).json()).toEqual({
      detail:
        "envelope exceeded size limits for type 'attachment:minidump' (https://develop.sentry.dev/sdk/envelopes/#size-limits)",
    });
    const sessions = envelopeBody({}, [{ type: 'session' }, '{}'], [{ type: 'session' }, '{}']);
    const response = await postEnvelope(h, sessions);
    expect(response.statusCode).toBe(413);
    expect((response.json() as { detail: string }).detail).toContain("for type 'session'");
  });

  it('answers 503 failed to queue envelope when the queue is full', async () => {
    const h = await harness({ queueFull: true });
    const response = await postEnvelope(h, EVENT_ENVELOPE);
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ detail: 'failed to queue envelope' });
  });

  it('answers 503 before reading the body while the queue reports no capacity', async () => {
    const h = await harness({ noCapacity: true });
    for (const body of [EVENT_ENVELOPE, 'not an envelope at all']) {
      const response = await postEnvelope(h, body);
      expect(response.statusCode).toBe(503);
      expect(response.json()).toEqual({ detail: 'failed to queue envelope' });
    }
    expect(h.accepted).toHaveLength(0);
  });

  it('answers 503 when the key lookup itself fails', async () => {
    const h = await harness({ lookup: () => Promise.reject(new Error('database down')) });
    const response = await postEnvelope(h, EVENT_ENVELOPE);
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ detail: 'failed to fetch project information' });
  });
});

describe('authentication', () => {
  const basic = (user: string) => `Basic ${Buffer.from(`${user}:`).toString('base64')}`;
  const sources: Array<[string, { headers?: Record<string, string>; query?: string }]> = [
    ['X-Sentry-Auth', { headers: { 'x-sentry-auth': AUTH } }],
    ['x-sentry-auth (lowercase prefix)', { headers: { 'x-sentry-auth': `sentry sentry_key=${KEY}` } }],
    ['Authorization: Sentry', { headers: { authorization: AUTH } }],
    ['Authorization: Basic', { headers: { authorization: basic(KEY) } }],
    ['query', { query: `sentry_key=${KEY}&sentry_version=7` }],
    ['key with flags', { query: `sentry_key=${KEY}.no-cache` }],
  ];

  it.each(sources)('accepts %s', async (_name, { headers = {}, query }) => {
    const h = await harness();
    const response = await h.app.inject({
      method: 'POST',
      url: `/api/${PROJECT}/envelope/${query ? `?${query}` : ''}`,
      headers,
      payload: EVENT_ENVELOPE,
    });
    expect(response.statusCode).toBe(200);
    expect(h.lookups).toEqual([KEY]);
    expect(h.accepted).toHaveLength(1);
  });

  it('takes the client from sentry_client', async () => {
    const h = await harness();
    await postEnvelope(h, EVENT_ENVELOPE, { 'user-agent': 'ua/1' });
    expect(h.accepted[0]?.meta.client).toBe('sentry.javascript.node/8.0.0');
    expect(h.accepted[0]?.meta.userAgent).toBe('ua/1');
  });

  const failures: Array<
    [string, { headers?: Record<string, string>; query?: string }, number, Record<string, unknown>]
  > = [
    ['no auth (store)', {}, 401, { detail: 'missing authorization information' }],
    [
      'X-Sentry-Auth without key',
      { headers: { 'x-sentry-auth': 'Sentry sentry_version=7' } },
      401,
      { detail: 'bad x-sentry-auth header', causes: ['missing public key in auth header'] },
    ],
    [
      'bad sentry_version',
      { headers: { 'x-sentry-auth': `Sentry sentry_key=${KEY}, sentry_version=x` } },
      401,
      { detail: 'bad x-sentry-auth header', causes: ['invalid value for version'] },
    ],
    [
      'protocol version 8',
      { headers: { 'x-sentry-auth': `Sentry sentry_key=${KEY}, sentry_version=8` } },
      400,
      { detail: 'unsupported protocol version (8)' },
    ],
    [
      'short key',
      { headers: { 'x-sentry-auth': 'Sentry sentry_key=abc' } },
      400,
      { detail: 'bad sentry DSN public key', causes: ['invalid project key'] },
    ],
    [
      'short key in Basic',
      { headers: { authorization: basic('abc') } },
      400,
      { detail: 'bad sentry DSN public key', causes: ['invalid project key'] },
    ],
    [
      'query without key',
      { query: 'sentry_version=7' },
      401,
      { detail: 'bad x-sentry-auth header', causes: ['missing public key in auth header'] },
    ],
    [
      'X-Sentry-Auth + query',
      { headers: { 'x-sentry-auth': AUTH }, query: `sentry_key=${KEY}` },
      401,
      { detail: 'multiple authorization payloads detected' },
    ],
    [
      'X-Sentry-Auth + Authorization: Sentry',
      { headers: { 'x-sentry-auth': AUTH, authorization: AUTH } },
      401,
      { detail: 'multiple authorization payloads detected' },
    ],
    [
      'X-Sentry-Auth + unparsable query (multiple wins)',
      { headers: { 'x-sentry-auth': AUTH }, query: 'sentry_version=x' },
      401,
      { detail: 'multiple authorization payloads detected' },
    ],
    [
      'Basic + query',
      { headers: { authorization: basic(KEY) }, query: `sentry_key=${KEY}` },
      401,
      { detail: 'multiple authorization payloads detected' },
    ],
    [
      'bad key + second source (multiple wins)',
      { headers: { 'x-sentry-auth': 'Sentry sentry_key=abc' }, query: `sentry_key=${KEY}` },
      401,
      { detail: 'multiple authorization payloads detected' },
    ],
    [
      'non-Sentry X-Sentry-Auth is ignored',
      { headers: { 'x-sentry-auth': `Bearer ${KEY}` } },
      401,
      { detail: 'missing authorization information' },
    ],
    [
      'empty X-Sentry-Auth is ignored',
      { headers: { 'x-sentry-auth': '' } },
      401,
      { detail: 'missing authorization information' },
    ],
    [
      'Bearer Authorization is ignored',
      { headers: { authorization: `Bearer ${KEY}` } },
      401,
      { detail: 'missing authorization information' },
    ],
    [
      'undecodable Basic is ignored',
      { headers: { authorization: 'Basic !!!' } },
      401,
      { detail: 'missing authorization information' },
    ],
    [
      'unknown key',
      { query: `sentry_key=${UNKNOWN_KEY}` },
      403,
      { detail: 'event submission rejected with_reason: ProjectId' },
    ],
    [
      'disabled key',
      { query: `sentry_key=${DISABLED_KEY}` },
      403,
      { detail: 'event submission rejected with_reason: ProjectId' },
    ],
    [
      'key of another project',
      { query: `sentry_key=${OTHER_PROJECT_KEY}` },
      403,
      { detail: 'event submission rejected with_reason: ProjectId' },
    ],
  ];

  it.each(failures)('rejects %s', async (_name, { headers = {}, query }, status, body) => {
    const h = await harness();
    const response = await h.app.inject({
      method: 'POST',
      url: `/api/${PROJECT}/store/${query ? `?${query}` : ''}`,
      headers: { 'content-type': 'application/json', ...headers },
      payload: '{"message":"hi"}',
    });
    expect(response.statusCode).toBe(status);
    expect(response.json()).toEqual(body);
    expect(response.headers['x-sentry-error']).toBe(body.detail);
    expect(h.accepted).toHaveLength(0);
  });

  it.each([
    ['abc', 'bad project path parameter'],
    ['0', 'bad project path parameter'],
    ['-1', 'bad project path parameter'],
    ['99999999999999999999', 'bad project path parameter'],
  ])('rejects project id %s with 400', async (project, detail) => {
    const h = await harness();
    const response = await postEnvelope(h, EVENT_ENVELOPE, {}, `/api/${project}/envelope/`);
    expect(response.statusCode).toBe(400);
    expect((response.json() as { detail: string }).detail).toBe(detail);
  });

  describe('envelope header dsn', () => {
    const dsnEnvelope = (dsn: string) =>
      envelopeBody({ event_id: EVENT_ID, dsn }, [{ type: 'event' }, '{"message":"hi"}']);
    const post = (
      h: Harness,
      body: Buffer | string,
      headers: Record<string, string> = {},
      project = PROJECT,
    ) => h.app.inject({ method: 'POST', url: `/api/${project}/envelope/`, headers, payload: body });

    it('authenticates when no other source is present (empty X-Sentry-Auth ignored)', async () => {
      const h = await harness();
      const response = await post(h, dsnEnvelope(DSN), { 'x-sentry-auth': '' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ id: EVENT_ID });
      expect(h.accepted[0]?.keyId).toBe(7);
    });

    it('is 401 bad envelope authentication header when unusable', async () => {
      for (const body of ['not json\n{}', envelopeBody({}, [{ type: 'event' }, '{}']), '']) {
        const h = await harness();
        const response = await post(h, body);
        expect(response.statusCode).toBe(401);
        expect((response.json() as { detail: string }).detail).toBe('bad envelope authentication header');
      }
    });

    it('is 403 for a disabled key in the dsn', async () => {
      const h = await harness();
      const response = await post(h, dsnEnvelope(`http://${DISABLED_KEY}@localhost/${PROJECT}`));
      expect(response.statusCode).toBe(403);
      expect(h.accepted).toHaveLength(0);
    });

    it('is 400 when its project id disagrees with the URL', async () => {
      const h = await harness();
      const response = await post(h, dsnEnvelope(`http://${KEY}@localhost/43`));
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        detail: 'invalid event envelope',
        causes: ['project id header mismatch between envelope and request'],
      });
    });

    it('is 400 when it disagrees with header auth (project id or key)', async () => {
      const h = await harness();
      const wrongProject = await post(h, dsnEnvelope(`http://${KEY}@localhost/43`), {
        'x-sentry-auth': AUTH,
      });
      expect(wrongProject.statusCode).toBe(400);
      const wrongKey = await post(h, dsnEnvelope(`http://${'a'.repeat(32)}@localhost/${PROJECT}`), {
        'x-sentry-auth': AUTH,
      });
      expect(wrongKey.statusCode).toBe(400);
      expect(wrongKey.json()).toEqual({
        detail: 'invalid event envelope',
        causes: ['public key header mismatch between envelope and request'],
      });
    });

    it('is ignored when a request source authenticates and agrees', async () => {
      const h = await harness();
      const response = await post(h, dsnEnvelope(DSN), { 'x-sentry-auth': AUTH });
      expect(response.statusCode).toBe(200);
    });

    it('is not consulted on the store endpoint', async () => {
      const h = await harness();
      const response = await h.app.inject({
        method: 'POST',
        url: `/api/${PROJECT}/store/`,
        headers: { 'content-type': 'application/x-sentry-envelope' },
        payload: dsnEnvelope(DSN),
      });
      expect(response.statusCode).toBe(401);
    });
  });
});

describe('project check (Relay: Project::check_envelope)', () => {
  const TWO_ITEMS = envelopeBody(
    { event_id: EVENT_ID },
    [{ type: 'event' }, '{"message":"hello"}'],
    [{ type: 'attachment', filename: 'a.txt' }, 'abc'],
  );
  const rejectedWith = (reason: string) => ({ detail: `event submission rejected with_reason: ${reason}` });

  it.each([
    ['an unknown key', UNKNOWN_KEY, { organizationId: 0, projectId: PROJECT, keyId: 0 }],
    ['a disabled key', DISABLED_KEY, { organizationId: 0, projectId: PROJECT, keyId: 0 }],
    ['a key of another project', OTHER_PROJECT_KEY, { organizationId: 3, projectId: 43, keyId: 9 }],
  ])('refuses %s with 403 and records invalid/project_id for every item', async (_name, key, scoping) => {
    const h = await harness();
    const response = await postEnvelope(h, TWO_ITEMS, { 'x-sentry-auth': AUTH.replace(KEY, key) });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual(rejectedWith('ProjectId'));
    expect(h.rejected).toEqual([{ scoping, reason: 'project_id', types: ['event', 'attachment'] }]);
    expect(h.accepted).toHaveLength(0);
  });

  it('reads the request before refusing the project, as Relay does: a broken envelope is 400', async () => {
    const h = await harness();
    const response = await postEnvelope(h, 'not an envelope', {
      'x-sentry-auth': AUTH.replace(KEY, UNKNOWN_KEY),
    });
    expect(response.statusCode).toBe(400);
    expect(h.rejected).toEqual([]);
  });

  it('refuses a store event of an unknown key with its error outcome scoping', async () => {
    const h = await harness();
    const response = await h.app.inject({
      method: 'POST',
      url: `/api/${PROJECT}/store/?sentry_key=${UNKNOWN_KEY}`,
      headers: { 'content-type': 'application/json' },
      payload: '{"message":"hi"}',
    });
    expect(response.statusCode).toBe(403);
    expect(h.rejected).toEqual([
      {
        scoping: { organizationId: 0, projectId: PROJECT, keyId: 0 },
        reason: 'project_id',
        types: ['event'],
      },
    ]);
  });

  describe('allowedDomains (Relay: is_valid_origin)', () => {
    async function originHarness(allowedDomains: string[]): Promise<Harness> {
      const parsed = parseProjectConfig({ allowedDomains });
      if (!parsed.ok) throw new Error(parsed.errors.join());
      const key = { ...KEYS[KEY]!, config: parsed.config };
      return harness({ lookup: async (k) => (k === KEY ? key : undefined) });
    }

    it.each([
      [['*.example.com'], { origin: 'https://shop.example.com' }, 200],
      [['*.example.com'], { origin: 'https://example.com' }, 200],
      [['*.example.com'], { origin: 'https://example.org' }, 403],
      [['https://example.com'], { origin: 'http://example.com' }, 403],
      [['example.com'], { origin: 'http://EXAMPLE.com:8080' }, 200],
      [['*:8080'], { origin: 'http://example.com:8080' }, 200],
      [['*:8080'], { origin: 'http://example.com' }, 403],
      [['example.com'], { referer: 'https://example.com/page?q=1' }, 200],
      [['example.com'], { referer: 'https://other.com/page' }, 403],
      [['example.com'], { origin: 'https://other.com', referer: 'https://example.com/' }, 403],
      // `null` (an opaque origin) and non-http origins are not URLs Relay keeps: no origin to check.
      [['example.com'], { origin: 'null' }, 200],
      [['example.com'], { origin: 'chrome-extension://abc' }, 200],
      [['example.com'], {}, 200],
      [[], { origin: 'https://example.com' }, 403],
      [[], {}, 200],
    ])('allowedDomains %j with %j → %i', async (allowedDomains, headers, status) => {
      const h = await originHarness(allowedDomains);
      const response = await postEnvelope(h, EVENT_ENVELOPE, headers);
      expect(response.statusCode).toBe(status);
      if (status === 403) {
        expect(response.json()).toEqual(rejectedWith('Cors'));
        expect(h.rejected).toEqual([
          { scoping: { organizationId: 3, projectId: PROJECT, keyId: 7 }, reason: 'cors', types: ['event'] },
        ]);
        expect(h.accepted).toHaveLength(0);
      } else {
        expect(h.rejected).toEqual([]);
        expect(h.accepted).toHaveLength(1);
      }
    });
  });
});

describe('Content-Encoding', () => {
  const encoders: Array<[string, (b: Buffer) => Buffer]> = [
    ['gzip', (b) => zlib.gzipSync(b)],
    ['x-gzip', (b) => zlib.gzipSync(b)],
    ['deflate', (b) => zlib.deflateSync(b)],
    ['br', (b) => zlib.brotliCompressSync(b)],
    ['identity', (b) => b],
    ['', (b) => b],
    ['UTF-8', (b) => b],
  ];

  it.each(encoders)('decodes %j', async (encoding, encode) => {
    const h = await harness();
    const response = await postEnvelope(h, encode(EVENT_ENVELOPE), { 'content-encoding': encoding });
    expect(response.statusCode).toBe(200);
    expect(h.accepted[0]?.envelope.items[0]?.payload.toString()).toBe('{"message":"hello"}');
    expect(h.accepted[0]?.sizeBytes).toBe(EVENT_ENVELOPE.length);
  });

  it('decodes zstd', async () => {
    const h = await harness();
    const response = await postEnvelope(h, Buffer.from(ZSTD_STREAMED, 'hex'), { 'content-encoding': 'zstd' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ id: EVENT_ID });
    expect(h.accepted[0]?.sizeBytes).toBe(Buffer.byteLength(ZSTD_PLAIN));
  });

  it('decodes gzip store bodies', async () => {
    const h = await harness();
    const response = await storeJson(h, zlib.gzipSync('{"message":"zipped"}'), {
      'content-encoding': 'gzip',
    });
    expect(response.statusCode).toBe(200);
    expect(h.accepted[0]?.envelope.items[0]?.payload.toString()).toBe('{"message":"zipped"}');
  });

  it('rejects unknown encodings with 400', async () => {
    const h = await harness();
    const response = await postEnvelope(h, EVENT_ENVELOPE, { 'content-encoding': 'compress' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      detail: 'failed to read request body',
      causes: ['unsupported content encoding: compress'],
    });
  });

  it('rejects a corrupt gzip body with 400 and the decoder error', async () => {
    const h = await harness();
    const response = await postEnvelope(h, Buffer.from('definitely not gzip'), {
      'content-encoding': 'gzip',
    });
    expect(response.statusCode).toBe(400);
    const json = response.json() as { detail: string; causes: string[] };
    expect(json.detail).toBe('failed to read request body');
    expect(json.causes[0]).toBe('failed to decode gzip payload');
    expect(json.causes[1]).toMatch(/header/i);
  });

  it('answers a 1 GB gzip bomb with 413 on store and envelope', async () => {
    const bomb = gzipBomb();
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024);
    const h = await harness();
    const store = await storeJson(h, bomb, { 'content-encoding': 'gzip' });
    expect(store.statusCode).toBe(413);
    expect(store.json()).toEqual({
      detail: 'failed to read request body',
      causes: ['payload reached its size limit'],
    });
    const envelope = await postEnvelope(h, bomb, { 'content-encoding': 'gzip' });
    expect(envelope.statusCode).toBe(413);
    expect(h.accepted).toHaveLength(0);
  });

  it('answers a single-stream gzip bomb and a zstd bomb with 413', async () => {
    const h = await harness({ limits: { maxEnvelopeSize: 8 * 1024 * 1024 } });
    const single = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 1 });
    expect((await postEnvelope(h, single, { 'content-encoding': 'gzip' })).statusCode).toBe(413);
    const zstd = zstdRleBomb(8192);
    expect((await postEnvelope(h, zstd, { 'content-encoding': 'zstd' })).statusCode).toBe(413);
  });

  it('answers 413 from Content-Length alone, and for oversized plain bodies', async () => {
    const h = await harness({ limits: { maxEventSize: 100 } });
    const response = await storeJson(h, `{"message":"${'x'.repeat(200)}"}`);
    expect(response.statusCode).toBe(413);
    const chunked = await h.app.inject({
      method: 'POST',
      url: `/api/${PROJECT}/store/`,
      headers: { 'content-type': 'application/json', 'x-sentry-auth': AUTH },
      payload: Readable.from([Buffer.alloc(60, 0x20), Buffer.alloc(60, 0x20)]),
    });
    expect(chunked.statusCode).toBe(413);
  });
});

describe('/api/:projectId/store/', () => {
  it('wraps a JSON event into an event item and answers its id', async () => {
    const h = await harness();
    const response = await storeJson(h, `{"event_id":"${EVENT_ID}","message":"hi"}`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ id: EVENT_ID });
    const envelope = h.accepted[0]?.envelope;
    expect(envelope?.headers).toEqual({ event_id: EVENT_ID });
    expect(envelope?.items[0]?.headers.type).toBe('event');
    expect(envelope?.items[0]?.payload.toString()).toBe(`{"event_id":"${EVENT_ID}","message":"hi"}`);
  });

  it('makes transactions transaction items and generates missing ids', async () => {
    const h = await harness();
    const response = await storeJson(h, '{"type":"transaction","transaction":"/"}');
    expect(response.statusCode).toBe(200);
    const id = (response.json() as { id: string }).id;
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(h.accepted[0]?.envelope.headers.event_id).toBe(id);
    expect(h.accepted[0]?.envelope.items[0]?.headers.type).toBe('transaction');
  });

  it('accepts base64 + zlib bodies (old JS clients)', async () => {
    const h = await harness();
    const body = zlib.deflateSync('{"message":"packed"}').toString('base64');
    const response = await storeJson(h, body, { 'content-type': 'text/plain' });
    expect(response.statusCode).toBe(200);
    expect(h.accepted[0]?.envelope.items[0]?.payload.toString()).toBe('{"message":"packed"}');
  });

  it('parses application/x-sentry-envelope bodies as envelopes', async () => {
    const h = await harness();
    const response = await storeJson(h, EVENT_ENVELOPE, { 'content-type': 'application/x-sentry-envelope' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ id: EVENT_ID });
    expect(h.accepted[0]?.envelope.items[0]?.payload.toString()).toBe('{"message":"hello"}');
  });

  it('repairs NaN and Infinity for python clients only', async () => {
    const h = await harness();
    const body = '{"message":"nan","extra":{"a":NaN,"b":-Infinity}}';
    const python = await storeJson(h, body, {
      'x-sentry-auth': `Sentry sentry_key=${KEY}, sentry_client=sentry-python/1.45.0`,
    });
    expect(python.statusCode).toBe(200);
    expect(JSON.parse(h.accepted[0]?.envelope.items[0]?.payload.toString() ?? '')).toEqual({
      message: 'nan',
      extra: { a: 0, b: -0 },
    });
    const other = await storeJson(h, body);
    expect(other.statusCode).toBe(400);
    expect((other.json() as { detail: string }).detail).toMatch(/^invalid JSON data: /);
  });

  it('rejects invalid JSON and invalid event ids with 400', async () => {
    const h = await harness();
    for (const body of ['{"message":', '{"event_id":"invalid","message":"x"}', '{"event_id":42}']) {
      const response = await storeJson(h, body);
      expect(response.statusCode, body).toBe(400);
      expect((response.json() as { detail: string }).detail).toMatch(/^invalid JSON data: /);
    }
    const bad64 = await storeJson(h, 'this is not base64 at all!');
    expect(bad64.statusCode).toBe(400);
    expect((bad64.json() as { detail: string }).detail).toBe('invalid request body');
  });

  it('answers GET sentry_data with a transparent 1×1 GIF', async () => {
    const h = await harness();
    const data = encodeURIComponent('{"message":"pixel"}');
    const response = await h.app.inject({
      method: 'GET',
      url: `/api/${PROJECT}/store/?sentry_key=${KEY}&sentry_data=${data}`,
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('image/gif');
    expect(response.rawPayload.equals(PIXEL_GIF)).toBe(true);
    expect(PIXEL_GIF.subarray(0, 6).toString()).toBe('GIF89a');
    expect(h.accepted[0]?.envelope.items[0]?.payload.toString()).toBe('{"message":"pixel"}');
  });

  it('rejects GET without sentry_data', async () => {
    const h = await harness();
    const response = await h.app.inject({ method: 'GET', url: `/api/${PROJECT}/store/?sentry_key=${KEY}` });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ detail: 'empty request body' });
  });
});

describe('routing', () => {
  it.each([false, true])('folds repeated slashes (ignoreDuplicateSlashes=%s)', async (foldSlashes) => {
    const h = await harness({ foldSlashes });
    for (const url of [`/api/${PROJECT}/store//`, `/api//${PROJECT}//store/`, `/api/${PROJECT}/store`]) {
      const response = await storeJson(h, '{"message":"hi"}', {}, url);
      expect(response.statusCode, url).toBe(200);
    }
    const envelope = await postEnvelope(h, EVENT_ENVELOPE, {}, `/api/${PROJECT}//envelope//`);
    expect(envelope.statusCode).toBe(200);
    expect(h.accepted).toHaveLength(4);
  });

  it('answers other /api/<digits>/ paths with 404 JSON and leaves the rest to the app', async () => {
    const h = await harness();
    for (const url of [`/api/${PROJECT}/unknown/`, `/api/${PROJECT}/minidump/`, '/api/0/projects/x/']) {
      const response = await h.app.inject({ method: 'POST', url, payload: '{}' });
      expect(response.statusCode, url).toBe(404);
      expect(response.json(), url).toEqual({ detail: 'The requested resource does not exist' });
    }
    const outside = await h.app.inject({ method: 'GET', url: '/somewhere/else' });
    expect(outside.statusCode).toBe(404);
    expect(outside.headers['x-sentry-error']).toBeUndefined();
  });

  it('answers 405 for other methods, HEAD included (no ingestion)', async () => {
    const h = await harness();
    const put = await h.app.inject({ method: 'PUT', url: `/api/${PROJECT}/envelope/`, payload: '' });
    expect(put.statusCode).toBe(405);
    expect(put.json()).toEqual({ detail: 'method not allowed', causes: ['unsupported method: PUT'] });
    expect(put.headers.allow).toBe('POST, OPTIONS');
    const head = await h.app.inject({
      method: 'HEAD',
      url: `/api/${PROJECT}/store/?sentry_key=${KEY}&sentry_data=%7B%7D`,
    });
    expect(head.statusCode).toBe(405);
    const get = await h.app.inject({ method: 'GET', url: `/api/${PROJECT}/envelope/?sentry_key=${KEY}` });
    expect(get.statusCode).toBe(405);
    expect(h.accepted).toHaveLength(0);
  });

  it('treats an empty gzip body as empty', async () => {
    const h = await harness();
    const response = await postEnvelope(h, '', { 'content-encoding': 'gzip' });
    expect(response.json()).toEqual({ detail: 'empty request body' });
  });
});

describe('response headers and CORS', () => {
  const split = (value: unknown): string[] =>
    String(value)
      .split(',')
      .map((part) => part.trim())
      .sort();

  it('answers preflights with the allow lists, max-age 3600 and POST only', async () => {
    const h = await harness();
    for (const endpoint of ['store', 'envelope']) {
      const response = await h.app.inject({
        method: 'OPTIONS',
        url: `/api/${PROJECT}/${endpoint}/?sentry_key=${KEY}`,
        headers: {
          origin: 'http://valid.com',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });
      expect(response.statusCode).toBe(200);
      expect(response.body).toBe('');
      expect(response.headers['access-control-allow-origin']).toBe('*');
      expect(response.headers['access-control-allow-methods']).toBe('POST');
      expect(response.headers['access-control-max-age']).toBe('3600');
      expect(split(response.headers['access-control-allow-headers'])).toEqual(
        [
          'x-sentry-auth',
          'x-requested-with',
          'x-forwarded-for',
          'origin',
          'referer',
          'accept',
          'content-type',
          'authentication',
          'authorization',
          'content-encoding',
          'transfer-encoding',
        ].sort(),
      );
    }
    expect(h.lookups).toEqual([]);
  });

  it('carries CORS, CORP and Server headers on success and error responses', async () => {
    const h = await harness();
    for (const response of [await postEnvelope(h, EVENT_ENVELOPE), await postEnvelope(h, 'broken')]) {
      expect(response.headers['access-control-allow-origin']).toBe('*');
      expect(split(response.headers['access-control-expose-headers'])).toEqual([
        'retry-after',
        'x-sentry-error',
        'x-sentry-rate-limits',
      ]);
      expect(response.headers['cross-origin-resource-policy']).toBe('cross-origin');
      expect(response.headers.server).toBe('vigil');
    }
  });
});

// ---------------------------------------------------------------------------------------------
// HTTP-facing assertions ported from Relay's tests/integration (getsentry/relay). Upstream checks
// what reached the fake upstream (mini_sentry); here the array-backed queue plays that role.
// ---------------------------------------------------------------------------------------------

describe('ported from Relay tests/integration', () => {
  /** The headers of Relay's `relay.send_event` fixture (raven-node auth, octet-stream). */
  const SEND_EVENT_HEADERS = {
    'content-type': 'application/octet-stream',
    'x-sentry-auth': `Sentry sentry_version=5, sentry_timestamp=1535376240291, sentry_client=raven-node/2.6.3, sentry_key=${KEY}`,
  };
  const sendEvent = (h: Harness, payload: string | Buffer, url = `/api/${PROJECT}/store/`) =>
    h.app.inject({ method: 'POST', url, headers: SEND_EVENT_HEADERS, payload });
  const payloadOf = (h: Harness, index = 0): unknown =>
    JSON.parse(h.accepted[index]?.envelope.items[0]?.payload.toString() ?? 'null');

  describe('test_store.py', () => {
    it('test_store: a JSON event is accepted and forwarded unchanged', async () => {
      const h = await harness();
      const response = await sendEvent(h, JSON.stringify({ message: 'Hello, World!' }));
      expect(response.statusCode).toBe(200);
      expect(payloadOf(h)).toEqual({ message: 'Hello, World!' });
    });

    it('test_store_node_base64: a base64 + zlib body from raven-node is decoded', async () => {
      const h = await harness();
      const event = {
        message: 'Error: yo mark',
        platform: 'node',
        sdk: { name: 'raven-node', version: '2.6.3' },
      };
      const response = await sendEvent(h, zlib.deflateSync(JSON.stringify(event)).toString('base64'));
      expect(response.statusCode).toBe(200);
      expect(payloadOf(h)).toEqual(event);
    });

    it.each([
      ['GET', false],
      ['POST', true],
    ])('test_options_response: preflight for %s succeeds=%s', async (method, ok) => {
      const h = await harness();
      const response = await h.app.inject({
        method: 'OPTIONS',
        url: `/api/${PROJECT}/store/`,
        headers: {
          'x-sentry-auth': SEND_EVENT_HEADERS['x-sentry-auth'],
          'access-control-request-method': method,
          'access-control-request-headers': 'X-Sentry-Auth',
        },
      });
      expect(response.statusCode >= 200 && response.statusCode < 300).toBe(ok);
    });

    it('test_store_buffer_size: a full buffer fails the request (503) and forwards nothing', async () => {
      const h = await harness({ queueFull: true });
      const response = await sendEvent(h, '{"message":"pls ignore"}');
      expect(response.statusCode).toBe(503);
      expect(h.accepted).toHaveLength(0);
    });
  });

  describe('test_basic.py', () => {
    it.each([
      ['json', '{"message": "im in ur query params"}'],
      ['base64+zlib', zlib.deflateSync('{"message": "im in ur query params"}').toString('base64')],
    ])('test_store_pixel_gif (%s): GET store answers image/gif', async (_name, input) => {
      const h = await harness();
      const response = await h.app.inject({
        method: 'GET',
        url: `/api/${PROJECT}/store/?sentry_data=${encodeURIComponent(input)}&sentry_key=${KEY}`,
      });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('image/gif');
      expect(payloadOf(h)).toEqual({ message: 'im in ur query params' });
    });

    it.each([`/api/${PROJECT}/store/`, `/api/${PROJECT}/store//`])(
      'test_store_post_trailing_slash: %s',
      async (route) => {
        const h = await harness();
        const response = await h.app.inject({
          method: 'POST',
          url: `${route}?sentry_key=${KEY}`,
          headers: { 'content-type': 'application/json' },
          payload: '{"message":"hi"}',
        });
        expect(response.statusCode).toBe(200);
        expect(payloadOf(h)).toEqual({ message: 'hi' });
      },
    );

    it.each(['gzip', 'deflate', 'identity', ''])(
      'compression: Content-Encoding %j is accepted',
      async (encoding) => {
        const h = await harness();
        const json = Buffer.from('{"message":"Hello, World!"}');
        const body =
          encoding === 'gzip' ? zlib.gzipSync(json) : encoding === 'deflate' ? zlib.deflateSync(json) : json;
        const response = await h.app.inject({
          method: 'POST',
          url: `/api/${PROJECT}/store/`,
          headers: { ...SEND_EVENT_HEADERS, 'content-encoding': encoding },
          payload: body,
        });
        expect(response.statusCode).toBe(200);
        expect(payloadOf(h)).toEqual({ message: 'Hello, World!' });
      },
    );

    it.each(['store', 'envelope'])('zipbomb: a gzip bomb to %s is answered with 413', async (endpoint) => {
      const h = await harness();
      const response = await h.app.inject({
        method: 'POST',
        url: `/api/${PROJECT}/${endpoint}/`,
        headers: { ...SEND_EVENT_HEADERS, 'content-encoding': 'gzip' },
        payload: gzipBomb(),
      });
      expect(response.statusCode).toBe(413);
      expect(h.accepted).toHaveLength(0);
    });

    it('max_event_size: an event over the limit is answered with 413', async () => {
      const h = await harness({ limits: { maxEventSize: 10 } });
      const response = await sendEvent(h, '{"message":"this is longer than ten bytes"}');
      expect(response.statusCode).toBe(413);
    });

    it('the Cross-Origin-Resource-Policy header is cross-origin', async () => {
      const h = await harness();
      const response = await sendEvent(h, '{"message":"hi"}');
      expect(response.headers['cross-origin-resource-policy']).toBe('cross-origin');
    });
  });

  describe('test_envelope.py', () => {
    /** Relay's `send_envelope`: the envelope content type and the DSN auth header. */
    const sendEnvelope = (h: Harness, body: Buffer | string, headers: Record<string, string> = {}) =>
      h.app.inject({
        method: 'POST',
        url: `/api/${PROJECT}/envelope/`,
        headers: {
          'content-type': 'application/x-sentry-envelope',
          'x-sentry-auth': `Sentry sentry_key=${KEY}`,
          ...headers,
        },
        payload: body,
      });

    it('test_envelope: an event envelope is accepted and forwarded', async () => {
      const h = await harness();
      const body = envelopeBody({ event_id: EVENT_ID }, [{ type: 'event' }, '{"message":"Hello, World!"}']);
      expect((await sendEnvelope(h, body)).statusCode).toBe(200);
      expect(payloadOf(h)).toEqual({ message: 'Hello, World!' });
    });

    it('test_envelope_empty: an envelope without items is rejected and nothing is forwarded', async () => {
      const h = await harness();
      const response = await sendEnvelope(h, '{}\n');
      expect(response.statusCode).toBe(400);
      expect(h.accepted).toHaveLength(0);
    });

    it('test_envelope_without_header: the dsn header authenticates, an empty X-Sentry-Auth is ignored', async () => {
      const h = await harness();
      const body = envelopeBody({ dsn: DSN }, [{ type: 'event' }, '{"message":"Hello, World!"}']);
      const response = await sendEnvelope(h, body, { 'x-sentry-auth': '' });
      expect(response.statusCode).toBe(200);
      expect(payloadOf(h)).toEqual({ message: 'Hello, World!' });
    });

    it('test_envelope_close_connection: a bare request (no content type, dsn auth) is accepted', async () => {
      const h = await harness();
      const body =
        `{"event_id": "${EVENT_ID}","dsn": "https://${KEY}:@sentry.io/${PROJECT}"}\n` +
        '{"type":"attachment","length":11,"content_type":"text/plain","filename":"hello.txt"}\nHello World\n';
      const response = await h.app.inject({
        method: 'POST',
        url: `/api/${PROJECT}/envelope/`,
        payload: body,
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ id: EVENT_ID });
      expect(h.accepted[0]?.envelope.items[0]?.payload.toString()).toBe('Hello World');
    });

    it('test_unknown_item: unknown item and attachment types are kept', async () => {
      const h = await harness();
      const body = envelopeBody(
        {},
        [{ type: 'invalid_unknown' }, 'something'],
        [{ type: 'attachment', attachment_type: 'attachment_unknown' }, 'something'],
      );
      expect((await sendEnvelope(h, body)).statusCode).toBe(200);
      const types = h.accepted[0]?.envelope.items.map((item) => [
        item.headers.type,
        item.headers.attachment_type,
      ]);
      expect(types).toEqual([
        ['invalid_unknown', undefined],
        ['attachment', 'attachment_unknown'],
      ]);
    });
  });
});
