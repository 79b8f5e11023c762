import { afterEach, describe, expect, it } from 'vitest';
import { securityReportRoutes } from './security.js';
import {
  closeHarnesses,
  ingestHarness,
  TEST_KEY as KEY,
  TEST_PROJECT as PROJECT,
  type HarnessOptions,
} from './test-harness.js';

// Harness: the browser report plugin next to the envelope/store plugin (whose `/api/:id/*`
// catch-all must not shadow it), a fake key table and an array-backed queue (test-harness.ts).

afterEach(closeHarnesses);

const harness = (options: HarnessOptions = {}) => ingestHarness(securityReportRoutes, options);

const CSP = {
  'csp-report': {
    'document-uri': 'https://shop.example/',
    'effective-directive': 'img-src',
    'blocked-uri': 'https://tracker.example/p.gif',
  },
};
const VIOLATION = {
  type: 'csp-violation',
  age: 1,
  url: 'https://shop.example/',
  body: { effectiveDirective: 'img-src' },
};
const NEL = {
  type: 'network-error',
  age: 0,
  url: 'https://shop.example/',
  body: { type: 'tcp.refused', phase: 'connection' },
};

function post(
  path: string,
  payload: unknown,
  contentType: string | undefined,
  headers: Record<string, string> = {},
) {
  return {
    method: 'POST' as const,
    url: path,
    headers: {
      ...(contentType ? { 'content-type': contentType } : {}),
      origin: 'https://shop.example',
      ...headers,
    },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  };
}

describe('POST /api/{project}/security/ and /csp-report/', () => {
  it.each([
    'application/csp-report',
    'application/json',
    'application/json; charset=utf-8',
    'application/expect-ct-report',
    'application/expect-ct-report+json',
    'application/expect-staple-report',
    'APPLICATION/CSP-REPORT',
  ])(
    'accepts %s: one raw_security envelope with an event id, query release/environment as item headers',
    async (type) => {
      const { app, accepted } = await harness();
      const res = await app.inject(
        post(
          `/api/${PROJECT}/security/?sentry_key=${KEY}&sentry_release=shop%401.0&sentry_environment=prod`,
          CSP,
          type,
        ),
      );
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe('');
      expect(res.headers.server).toBe('vigil');
      expect(accepted).toHaveLength(1);
      const queued = accepted[0]!;
      expect(queued).toMatchObject({ projectId: PROJECT, organizationId: 3, keyId: 7 });
      expect(queued.meta.origin).toBe('https://shop.example/');
      expect(queued.envelope.headers.event_id).toMatch(/^[0-9a-f]{32}$/u);
      expect(queued.envelope.items).toHaveLength(1);
      expect(queued.envelope.items[0]!.headers).toEqual({
        type: 'raw_security',
        content_type: 'application/json',
        sentry_release: 'shop@1.0',
        sentry_environment: 'prod',
      });
      expect(JSON.parse(queued.envelope.items[0]!.payload.toString())).toEqual(CSP);
    },
  );

  it('splits a Reporting API list: one envelope per security report, one nel envelope for the NEL reports', async () => {
    const { app, accepted } = await harness();
    const res = await app.inject(
      post(
        `/api/${PROJECT}/csp-report?sentry_key=${KEY}`,
        [VIOLATION, NEL, VIOLATION, NEL],
        'application/reports+json',
      ),
    );
    expect(res.statusCode).toBe(200);
    expect(accepted.map((a) => a.envelope.items.map((i) => i.headers.type))).toEqual([
      ['raw_security'],
      ['raw_security'],
      ['nel'],
    ]);
    const ids = accepted.slice(0, 2).map((a) => a.envelope.headers.event_id);
    expect(new Set(ids).size).toBe(2);
    expect(accepted[2]!.envelope.headers.event_id).toBeUndefined();
    expect(JSON.parse(accepted[2]!.envelope.items[0]!.payload.toString())).toEqual([NEL, NEL]);
  });

  it.each([undefined, 'text/plain', 'application/x-www-form-urlencoded', 'application/reports'])(
    'answers 415 with an empty body for content type %s',
    async (type) => {
      const { app, accepted } = await harness();
      const res = await app.inject(post(`/api/${PROJECT}/security/?sentry_key=${KEY}`, CSP, type));
      expect(res.statusCode).toBe(415);
      expect(res.body).toBe('');
      expect(accepted).toHaveLength(0);
    },
  );

  it('rejects missing and unknown keys, empty and oversized bodies, and answers 503 when the queue refuses', async () => {
    const { app } = await harness({ limits: { maxEventSize: 100 } });
    const missing = await app.inject(post(`/api/${PROJECT}/security/`, CSP, 'application/csp-report'));
    expect(missing.statusCode).toBe(401);
    // The project is checked once the body was read (Relay): with the default limits.
    const unknown = await (
      await harness()
    ).app.inject(
      post(`/api/${PROJECT}/security/?sentry_key=${'f'.repeat(32)}`, CSP, 'application/csp-report'),
    );
    expect(unknown.statusCode).toBe(403);
    const empty = await app.inject(
      post(`/api/${PROJECT}/security/?sentry_key=${KEY}`, '', 'application/csp-report'),
    );
    expect(empty.statusCode).toBe(400);
    const big = await app.inject(
      post(`/api/${PROJECT}/security/?sentry_key=${KEY}`, { x: 'y'.repeat(200) }, 'application/csp-report'),
    );
    expect(big.statusCode).toBe(413);
    const full = await (
      await harness({ queueFull: true })
    ).app.inject(post(`/api/${PROJECT}/security/?sentry_key=${KEY}`, CSP, 'application/csp-report'));
    expect(full.statusCode).toBe(503);
  });

  it('answers the CORS preflight', async () => {
    const { app } = await harness();
    const res = await app.inject({
      method: 'OPTIONS',
      url: `/api/${PROJECT}/security/`,
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-methods']).toBe('POST');
  });

  it('queues a body that is not JSON as one report (its processing decides)', async () => {
    const { app, accepted } = await harness();
    const res = await app.inject(
      post(`/api/${PROJECT}/security/?sentry_key=${KEY}`, '{broken', 'application/csp-report'),
    );
    expect(res.statusCode).toBe(200);
    expect(accepted).toHaveLength(1);
  });
});

describe('POST /api/{project}/nel/', () => {
  it('queues the list as one nel item; nothing for a body that is not a list; 400 for invalid JSON', async () => {
    const { app, accepted } = await harness();
    const res = await app.inject(
      post(`/api/${PROJECT}/nel/?sentry_key=${KEY}`, [NEL], 'application/reports+json'),
    );
    expect(res.statusCode).toBe(200);
    expect(accepted).toHaveLength(1);
    expect(accepted[0]!.envelope.items[0]!.headers).toEqual({
      type: 'nel',
      content_type: 'application/json',
    });
    const object = await app.inject(post(`/api/${PROJECT}/nel/?sentry_key=${KEY}`, NEL, 'application/json'));
    expect(object.statusCode).toBe(200);
    expect(accepted).toHaveLength(1);
    const broken = await app.inject(
      post(`/api/${PROJECT}/nel/?sentry_key=${KEY}`, '[nope', 'application/json'),
    );
    expect(broken.statusCode).toBe(400);
    const csp = await app.inject(
      post(`/api/${PROJECT}/nel/?sentry_key=${KEY}`, [NEL], 'application/csp-report'),
    );
    expect(csp.statusCode).toBe(415);
  });
});
