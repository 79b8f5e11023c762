import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { cronRoutes, checkInFromQuery } from './cron.js';
import {
  closeHarnesses,
  ingestHarness,
  TEST_KEY as KEY,
  TEST_PROJECT as PROJECT,
  testKeyInfo,
  type HarnessOptions,
} from './test-harness.js';
import type { AcceptedEnvelope } from './types.js';

// Harness: the cron plugin next to the envelope/store plugin (as the server registers them),
// a fake key table and an array-backed queue (test-harness.ts).

const DISABLED_KEY = 'd'.repeat(32);
const KEYS = {
  [KEY]: testKeyInfo(KEY),
  [DISABLED_KEY]: testKeyInfo(DISABLED_KEY, { keyId: 8, isActive: false }),
};
const CHECK_IN_ID = 'a460c25ff2554577b920fcfacae4e5eb';

afterEach(closeHarnesses);

const harness = (options: Omit<HarnessOptions, 'keys'> = {}) =>
  ingestHarness(cronRoutes, { ...options, keys: KEYS });

const basic = (user: string): string => `Basic ${Buffer.from(`${user}:`).toString('base64')}`;

/** The single check-in payload of the single accepted envelope. */
function onlyCheckIn(accepted: AcceptedEnvelope[]): Record<string, unknown> {
  expect(accepted).toHaveLength(1);
  const envelope = accepted[0]!.envelope;
  expect(envelope.items).toHaveLength(1);
  expect(envelope.items[0]!.headers).toEqual({ type: 'check_in', content_type: 'application/json' });
  expect(envelope.headers.event_id).toMatch(/^[0-9a-f]{32}$/);
  return JSON.parse(envelope.items[0]!.payload.toString('utf8')) as Record<string, unknown>;
}

describe('cron endpoint: test_monitors.py', () => {
  it('GET with the key in the path and status in the query → 202, nil id, relay-http client', async () => {
    const h = await harness();
    const res = await h.app.inject({
      method: 'GET',
      url: `/api/${PROJECT}/cron/my-monitor/${KEY}?status=ok`,
      headers: { 'user-agent': 'curl/8.0' },
    });
    expect(res.statusCode).toBe(202);
    expect(res.body).toBe('');
    expect(res.headers['server']).toBe('vigil');
    expect(onlyCheckIn(h.accepted)).toEqual({
      check_in_id: '00000000000000000000000000000000',
      monitor_slug: 'my-monitor',
      status: 'ok',
    });
    const accepted = h.accepted[0]!;
    expect(accepted.meta.client).toBe('relay-http');
    expect(accepted.meta.userAgent).toBe('curl/8.0');
    expect(accepted.meta.receivedAt).toBe(1_700_000_000.25);
    expect(accepted).toMatchObject({ projectId: PROJECT, organizationId: 3, keyId: 7, publicKey: KEY });
  });

  it('POST with Basic auth and query parameters, no trailing slash', async () => {
    const h = await harness();
    const res = await h.app.inject({
      method: 'POST',
      url: `/api/${PROJECT}/cron/my-monitor?status=in_progress&check_in_id=${CHECK_IN_ID}&environment=prod&duration=2.5`,
      headers: { authorization: basic(KEY) },
    });
    expect(res.statusCode).toBe(202);
    expect(onlyCheckIn(h.accepted)).toEqual({
      check_in_id: CHECK_IN_ID,
      monitor_slug: 'my-monitor',
      status: 'in_progress',
      environment: 'prod',
      duration: 2.5,
    });
  });

  it('POST with a JSON body: the path slug wins, monitor_config is kept, unknown fields dropped', async () => {
    const h = await harness();
    const res = await h.app.inject({
      method: 'POST',
      url: `/api/${PROJECT}/cron/my-monitor/${KEY}/`,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      payload: JSON.stringify({
        monitor_slug: 'ignored',
        status: 'in_progress',
        duration: 21,
        bogus: true,
        monitor_config: {
          schedule: { type: 'crontab', value: '0 * * * *' },
          checkin_margin: 5,
          max_runtime: 10,
          timezone: 'America/Los_Angeles',
        },
      }),
    });
    expect(res.statusCode).toBe(202);
    expect(onlyCheckIn(h.accepted)).toEqual({
      check_in_id: '00000000000000000000000000000000',
      monitor_slug: 'my-monitor',
      status: 'in_progress',
      duration: 21,
      monitor_config: {
        schedule: { type: 'crontab', value: '0 * * * *' },
        checkin_margin: 5,
        max_runtime: 10,
        timezone: 'America/Los_Angeles',
      },
    });
  });

  it('accepts a gzip-encoded JSON body and a sentry_key query with sentry_client', async () => {
    const h = await harness();
    const res = await h.app.inject({
      method: 'POST',
      url: `/api/${PROJECT}/cron/job/?sentry_key=${KEY}&sentry_client=cron-script/1.0`,
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      payload: zlib.gzipSync(JSON.stringify({ status: 'error', check_in_id: CHECK_IN_ID })),
    });
    expect(res.statusCode).toBe(202);
    expect(onlyCheckIn(h.accepted)).toMatchObject({
      status: 'error',
      check_in_id: CHECK_IN_ID,
      monitor_slug: 'job',
    });
    expect(h.accepted[0]!.meta.client).toBe('cron-script/1.0');
  });

  it('a non-JSON POST body is ignored in favour of the query', async () => {
    const h = await harness();
    const res = await h.app.inject({
      method: 'POST',
      url: `/api/${PROJECT}/cron/job/${KEY}/?status=ok`,
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(res.statusCode).toBe(202);
    expect(onlyCheckIn(h.accepted)).toMatchObject({ status: 'ok' });
  });
});

describe('cron endpoint: errors', () => {
  it.each([
    ['no auth', `/api/${PROJECT}/cron/job/?status=ok`, {}, 401, 'missing authorization information'],
    [
      'path key + query key',
      `/api/${PROJECT}/cron/job/${KEY}/?status=ok&sentry_key=${KEY}`,
      {},
      401,
      'multiple authorization payloads detected',
    ],
    [
      'path key + Basic',
      `/api/${PROJECT}/cron/job/${KEY}/?status=ok`,
      { authorization: basic(KEY) },
      401,
      'multiple authorization payloads detected',
    ],
    ['short path key', `/api/${PROJECT}/cron/job/abc/?status=ok`, {}, 400, 'bad sentry DSN public key'],
    ['bad project', `/api/abc/cron/job/${KEY}/?status=ok`, {}, 400, 'bad project path parameter'],
    [
      'unknown key',
      `/api/${PROJECT}/cron/job/${'0'.repeat(32)}/?status=ok`,
      {},
      403,
      'event submission rejected with_reason: ProjectId',
    ],
    [
      'disabled key',
      `/api/${PROJECT}/cron/job/${DISABLED_KEY}/?status=ok`,
      {},
      403,
      'event submission rejected with_reason: ProjectId',
    ],
    [
      'foreign project',
      `/api/43/cron/job/${KEY}/?status=ok`,
      {},
      403,
      'event submission rejected with_reason: ProjectId',
    ],
    ['missing status', `/api/${PROJECT}/cron/job/${KEY}/`, {}, 400, 'invalid request body'],
    [
      'bad check_in_id',
      `/api/${PROJECT}/cron/job/${KEY}/?status=ok&check_in_id=nope`,
      {},
      400,
      'invalid request body',
    ],
    [
      'bad duration',
      `/api/${PROJECT}/cron/job/${KEY}/?status=ok&duration=soon`,
      {},
      400,
      'invalid request body',
    ],
  ])('%s → %i', async (_name, url, headers, status, detail) => {
    const h = await harness();
    const res = await h.app.inject({ method: 'GET', url, headers });
    expect(res.statusCode).toBe(status);
    expect(res.json()).toMatchObject({ detail });
    expect(res.headers['x-sentry-error']).toBe(detail);
    expect(h.accepted).toHaveLength(0);
  });

  it('records invalid/project_id for the check-in of an unknown key (org 0, the URL project)', async () => {
    const h = await harness();
    const res = await h.app.inject({
      method: 'GET',
      url: `/api/${PROJECT}/cron/job/${'0'.repeat(32)}/?status=ok`,
    });
    expect(res.statusCode).toBe(403);
    expect(h.rejected).toEqual([
      {
        scoping: { organizationId: 0, projectId: PROJECT, keyId: 0 },
        reason: 'project_id',
        types: ['check_in'],
      },
    ]);
  });

  it('rejects bad JSON bodies with 400 and oversized ones with 413', async () => {
    const h = await harness({ limits: { maxEventSize: 200 } });
    const post = (payload: string) =>
      h.app.inject({
        method: 'POST',
        url: `/api/${PROJECT}/cron/job/${KEY}/`,
        headers: { 'content-type': 'application/json' },
        payload,
      });
    const syntax = await post('{"status":');
    expect(syntax.statusCode).toBe(400);
    expect(syntax.json().detail).toMatch(/^invalid JSON data/);
    const types = await post('{"status":"ok","duration":"long"}');
    expect(types.statusCode).toBe(400);
    expect(types.json().causes).toEqual(['duration: expected a number']);
    const big = await post(JSON.stringify({ status: 'ok', pad: 'x'.repeat(300) }));
    expect(big.statusCode).toBe(413);
    expect(h.accepted).toHaveLength(0);
  });

  it('check-ins over max_check_in_size are 413 with the check_in item type', async () => {
    const h = await harness({ limits: { maxCheckInSize: 100 } });
    const res = await h.app.inject({
      method: 'GET',
      url: `/api/${PROJECT}/cron/job/${KEY}/?status=ok&environment=${'e'.repeat(100)}`,
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().detail).toContain("for type 'check_in'");
  });

  it('answers 503 when the queue is full (never 429), and HEAD does not ingest', async () => {
    const full = await harness({ queueFull: true });
    const res = await full.app.inject({ method: 'GET', url: `/api/${PROJECT}/cron/job/${KEY}/?status=ok` });
    expect(res.statusCode).toBe(503);
    const h = await harness();
    const head = await h.app.inject({ method: 'HEAD', url: `/api/${PROJECT}/cron/job/${KEY}/?status=ok` });
    expect(head.statusCode).not.toBe(202);
    expect(h.accepted).toHaveLength(0);
  });

  it('leaves the envelope endpoint and unknown /api/<id>/ paths to the ingest plugin', async () => {
    const h = await harness();
    const unknown = await h.app.inject({ method: 'GET', url: `/api/${PROJECT}/crons/job/` });
    expect(unknown.statusCode).toBe(404);
    const doubled = await h.app.inject({
      method: 'GET',
      url: `/api/${PROJECT}//cron//job/${KEY}/?status=ok`,
    });
    expect(doubled.statusCode).toBe(202);
  });
});

describe('checkInFromQuery', () => {
  it('maps unknown statuses to unknown and decodes percent-encoding', () => {
    expect(checkInFromQuery('status=paused&environment=my%20env', 'job')).toEqual({
      ok: true,
      value: {
        check_in_id: '00000000000000000000000000000000',
        monitor_slug: 'job',
        status: 'unknown',
        environment: 'my env',
      },
    });
  });
});
