// Port of Relay's tests/integration/test_store.py (getsentry/relay): events through the store
// endpoint, the legacy base64+zlib body of raven-node, default PII stripping and the fields
// normalization adds, the test project's `piiConfig`, key quotas and the cached rate limit,
// asserted against the `events` rows and outcomes Vigil stored; see PORTED.md for the tests that
// only concern Relay's upstream.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createProjectKey } from '../../../src/storage/metadata/index.js';
import {
  authHeader,
  newEventId,
  relayFullProjectConfig,
  sendEvent,
  setProjectConfig,
  startRelayTestServer,
  storedEvent,
  storedEvents,
  type RelayTestServer,
} from './harness.js';

let server: RelayTestServer;

beforeAll(async () => {
  server = await startRelayTestServer('store');
}, 60_000);

afterAll(async () => {
  await server?.close();
});

it('test_store: stores an event posted to the store endpoint', async () => {
  const eventId = newEventId();
  const res = await sendEvent(server, { event_id: eventId, message: 'Hello, World!' });
  expect(res.status).toBe(200);
  expect(res.json).toEqual({ id: eventId });
  expect((await storedEvent(server, eventId))?.logentry).toEqual({ formatted: 'Hello, World!' });
});

it('test_store_node_base64: decodes the base64+zlib body of raven-node', async () => {
  // The exact payload of Relay's test (an `Error: yo mark` event from raven-node).
  const payload = Buffer.from(
    'eJytVctu2zAQ/BWDFzuAJYt6WVIfaAsE6KFBi6K3IjAoiXIYSyRLUm7cwP/eJaXEcZr0Bd' +
      '/E5e7OzJIc3aKOak3WFBXoXCmhislOTDqiNmiO6E1FpWGCo' +
      '+LrLTI7eZ8Fm1vS9nZ9SNeGVBujSAXhW9QoAq1dZcNaymEF2aUQRkOOXHFRU/9aQ13LOOUCFSkO56gSrf2O5qjpeTWAI963rf' +
      '+ScMF3nej1ayhifEWkREVDWk3nqBN13/4KgPbzv4bHOb6Hx+kRPihTppf' +
      '/DTukPVKbRwe44AjuYkhXPb8gjP8Gdfz4C7Q4Xz4z2xFs1QpSnwQqCZKDsPAIy6jdAPfhZGDpASwKnxJ2Ml1p' +
      '+qcDW9EbQ7mGmPaH2hOgJg8exdOolegkNPlnuIVUbEsMXZhOLuy19TRfMF7Tm0d3555AGB8R' +
      '+Fhe08o88zCN6h9ScH1hWyoKhLmBUYE3gIuoyWeypXzyaqLot54pOpsqG5ievYB0t+dDQcPWs' +
      '+mVMVIXi0WSZDQgASF108Q4xqSMaUmDKkuzrEzD5E29Vgx8jSpvWQZ5sizxMgqbKCMJDYPEp73P10psfCYWGE' +
      '/PfMbhibftzGGiSyvYUVzZGQD7kQaRplf0/M4WZ5x+nzg/nE1HG5yeuRZSaPNA5uX+cr+HrmAQXJO78bmRTIiZPDnHHtiDj' +
      '+6hiqz18AXdFLHm6kymQNvMx9iP4GBRqSipK9V3pc0d3Fk76Dmyg6XaDD2GE3FJbs7QJvRTaGJFiw2zfQM' +
      '/8jEEDOto7YkeSlHsBy7mXN4bbR4yIRpYuj2rYR3B2i67OnGNQ1dTqZ00Y3Zo11dEUV49iDDtlX3TWMkI' +
      '+9hPrSaYwJaq1Xhd35Mfb70LUr0Dlt4nJTycwOOuSGv/VCDErByDNE' +
      '/iZZLXQY3zOAnDvElpjJcJTXCUZSEZZYGMTlqKAc68IPPC5RccwQUvgsDdUmGPxJKx/GVLTCNUZ39Fzt5/AgZYWKw=',
  );
  const res = await sendEvent(server, payload);
  expect(res.status).toBe(200);
  const eventId = (res.json as { id: string }).id;
  expect((await storedEvent(server, eventId))?.logentry).toEqual({ formatted: 'Error: yo mark' });
});

it('test_store_pii_stripping: the project piiConfig (@email on strings) scrubs extra.foo to "[email]"', async () => {
  // Relay's `basic_project_config` applies `@email` to every string; Sentry's defaults alone
  // would keep the address (reference/relay-protocol.md §9.2), so this runs on the project's config.
  await setProjectConfig(server, relayFullProjectConfig());
  const eventId = newEventId();
  const res = await sendEvent(server, { event_id: eventId, message: 'hi', extra: { foo: 'test@mail.org' } });
  expect(res.status).toBe(200);
  const event = await storedEvent(server, eventId);
  expect((event?.extra as { foo: unknown }).foo).toBe('[email]');
});

it('test_when_processing_is_enabled_relay_normalizes_events_and_puts_them_in_kafka', async () => {
  const eventId = newEventId();
  const text = `some message ${new Date().toISOString()}`;
  await sendEvent(server, { event_id: eventId, message: text, extra: { msg_text: text } });
  const event = await storedEvent(server, eventId);
  expect(event).toBeDefined();
  expect((event!.extra as { msg_text: unknown }).msg_text).toBe(text);
  // Normalization ran: Relay sets `project` and `key_id` (and `version`, the request's protocol
  // version, which Vigil does not keep; see PORTED.md).
  expect(event).toMatchObject({ project: server.projectId });
  expect(event!.key_id).toMatch(/^\d+$/);
});

/** Seconds until the current fixed window of `window` seconds ends for organization 1. */
function secondsLeft(window: number): number {
  // Relay shifts each window by the organization id (`shift = org_id % window`).
  const now = Date.now() / 1000;
  return window - ((now - (1 % window)) % window);
}

/** Waits until at least `seconds` are left in the current window of `window` seconds. */
async function awayFromWindowEnd(window: number, seconds: number): Promise<void> {
  const left = secondsLeft(window);
  if (left < seconds) await new Promise((r) => setTimeout(r, (left + 0.2) * 1000));
}

/** The messages (`logentry.formatted`) of the stored events whose message starts with `prefix`. */
async function storedMessages(prefix: string): Promise<string[]> {
  const events = await storedEvents(server);
  return events
    .map((e) => (e.logentry as { formatted?: string } | undefined)?.formatted ?? '')
    .filter((m) => m.startsWith(prefix));
}

it('test_quotas: the 6th event of a 5-event key quota is dropped (rate_limited), then 429; another key is unaffected', async () => {
  await awayFromWindowEnd(3600, 60);
  // Both keys are new ones, so the limit this test leaves cached does not touch the other tests.
  const limitedKey = await createProjectKey(server.vigil.metadata, server.projectId, 'limited');
  const limitedAuth = { 'x-sentry-auth': authHeader(limitedKey.public_key) };
  const secondKey = await createProjectKey(server.vigil.metadata, server.projectId, 'second');
  const reason = `get_lost_${newEventId().slice(0, 8)}`;
  await setProjectConfig(server, {
    ...relayFullProjectConfig(),
    quotas: [
      {
        id: `test_rate_limiting_${newEventId()}`,
        scope: 'key',
        scopeId: String(limitedKey.id),
        categories: ['error'],
        limit: 5,
        window: 3600,
        reasonCode: reason,
      },
    ],
  });
  const outcomes = server.vigil.outcomes;

  for (let i = 0; i < 5; i++) {
    expect((await sendEvent(server, { message: `regular${i}` }, limitedAuth)).status).toBe(200);
    // Processing counts each event before the next one reaches the edge.
    await server.vigil.flush();
  }
  expect(await storedMessages('regular')).toEqual([
    'regular0',
    'regular1',
    'regular2',
    'regular3',
    'regular4',
  ]);

  // This one is not answered 429 but dropped in processing, which caches the limit.
  expect((await sendEvent(server, { message: 'some_message' }, limitedAuth)).status).toBe(200);
  await server.vigil.flush();
  expect(outcomes.total('rate_limited', 'error', reason)).toBe(1);

  for (let i = 0; i < 5; i++) {
    const res = await sendEvent(server, { message: 'rate_limited' }, limitedAuth);
    expect(res.status).toBe(429);
    expect(res.headers.get('x-sentry-rate-limits')).toMatch(new RegExp(`^\\d+:error:key:${reason}$`));
    await server.vigil.flush();
    expect(outcomes.total('rate_limited', 'error', reason)).toBe(2 + i);
  }
  expect(await storedMessages('some_message')).toEqual([]);
  expect(await storedMessages('rate_limited')).toEqual([]);

  const otherAuth = { 'x-sentry-auth': authHeader(secondKey.public_key) };
  for (let i = 0; i < 10; i++) {
    expect((await sendEvent(server, { message: `otherkey${i}` }, otherAuth)).status).toBe(200);
  }
  expect(await storedMessages('otherkey')).toHaveLength(10);
  expect(outcomes.total('rate_limited', 'error', reason)).toBe(6);
}, 120_000);

it('test_rate_limit: a cached rate limit answers 429 until it expires, then events are stored again', async () => {
  // Relay's upstream answers its first request with 429 and `Retry-After: 2`. Vigil is its own
  // upstream: a one-event quota over a 10-second window is crossed, the limit is cached, and
  // once `Retry-After` has passed (the window ended) an event is stored again.
  const window = 10;
  await awayFromWindowEnd(window, 6);
  const reason = `short_${newEventId().slice(0, 8)}`;
  await setProjectConfig(server, {
    ...relayFullProjectConfig(),
    quotas: [{ id: 'short', scope: 'project', categories: ['error'], limit: 1, window, reasonCode: reason }],
  });
  expect((await sendEvent(server, { message: 'first in window' })).status).toBe(200);
  await server.vigil.flush();
  // This message crosses the quota and starts rate limiting.
  expect((await sendEvent(server, { message: 'rate limit' })).status).toBe(200);
  await server.vigil.flush();

  // This event is dropped at the edge: 429.
  const limited = await sendEvent(server, { message: 'invalid' });
  expect(limited.status).toBe(429);
  const retryAfter = Number(limited.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(window);

  // This event arrives.
  await new Promise((r) => setTimeout(r, retryAfter * 1000 + 200));
  const eventId = newEventId();
  expect((await sendEvent(server, { event_id: eventId, message: 'correct' })).status).toBe(200);
  expect((await storedEvent(server, eventId))?.logentry).toEqual({ formatted: 'correct' });
  expect(await storedMessages('rate limit')).toEqual([]);
  expect(await storedMessages('invalid')).toEqual([]);
  expect(server.vigil.outcomes.total('rate_limited', 'error', reason)).toBe(2);
}, 60_000);
