// Port of Relay's tests/integration/test_filters.py (getsentry/relay): the inbound filters of a
// project config (`filterSettings`, set through Vigil's config API on top of Relay's
// `full_project_config`) over HTTP. Relay checks that its events/transactions Kafka consumer gets
// nothing; here the `events` / `spans` rows and the `filtered` outcome (with the filter's stat
// key) the server recorded. Relay's processing and non-processing variants are one here: Vigil
// is a processing Relay.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  newEventId,
  outcomeDelta,
  queryRows,
  relayFullProjectConfig,
  sendEvent,
  sendTransaction,
  setProjectConfig,
  startRelayTestServer,
  storedEvent,
  type Json,
  type RelayTestServer,
} from './harness.js';

let server: RelayTestServer;

beforeAll(async () => {
  server = await startRelayTestServer('filters');
}, 60_000);

afterAll(async () => {
  await server?.close();
});

/** Relay's `add_full_project_config` with `filterSettings` replaced by `filters`. */
function useFilters(filters: Json): Promise<void> {
  return setProjectConfig(server, { ...relayFullProjectConfig(), filterSettings: filters });
}

/**
 * Sends `event` (with a fresh `event_id`) to the store endpoint and returns whether it was stored
 * and how many `filtered` error outcomes with `reason` it recorded.
 */
async function sendAndCheck(
  event: Json,
  reason: string,
  headers: Record<string, string> = {},
): Promise<{ stored: boolean; filtered: number }> {
  const eventId = newEventId();
  let stored = false;
  const filtered = await outcomeDelta(server, ['filtered', 'error', reason], async () => {
    const res = await sendEvent(server, { ...event, event_id: eventId }, headers);
    // A filtered event is dropped in processing: the request is still answered 200, as in Relay.
    expect(res.status).toBe(200);
  });
  stored = (await storedEvent(server, eventId)) !== undefined;
  return { stored, filtered };
}

describe('test_filters_are_applied', () => {
  const event = () => ({
    message: `some message ${new Date().toISOString()}`,
    exception: { values: [{ type: 'Panic', value: 'originalCreateNotification' }] },
  });

  it('error messages filtered', async () => {
    await useFilters({ errorMessages: { patterns: ['Panic: originalCreateNotification'] } });
    expect(await sendAndCheck(event(), 'error-message')).toEqual({ stored: false, filtered: 1 });
  });

  it('error messages not filtered', async () => {
    await useFilters({ errorMessages: { patterns: ['Warning'] } });
    expect(await sendAndCheck(event(), 'error-message')).toEqual({ stored: true, filtered: 0 });
  });
});

describe('test_error_message_filters_are_applied', () => {
  const cases: Array<[string, Json, boolean]> = [
    ['plain non-matching message', { logentry: { message: 'filter:' } }, false],
    ['plain matching message', { logentry: { message: 'filter:yes' } }, true],
    ['formatting non-matching message', { logentry: { message: 'filter:%s', params: ['no'] } }, false],
    ['formatting matching message', { logentry: { message: 'filter:%s', params: ['yes'] } }, true],
  ];
  it.each(cases)('%s', async (_name, event, mustFilter) => {
    await useFilters({ errorMessages: { patterns: ['*yes*'] } });
    expect(await sendAndCheck(event, 'error-message')).toEqual({
      stored: !mustFilter,
      filtered: mustFilter ? 1 : 0,
    });
  });
});

describe('test_browser_extension_filters_are_applied', () => {
  // Relay's exception has neither `type` nor `value`. Vigil's normalization removes such an
  // exception (`missing_attribute`, as Relay's store normalization does) before the filters run,
  // so nothing would be left to look at; the port gives it a type. See PORTED.md.
  const event = {
    exception: {
      values: [
        {
          type: 'Error',
          stacktrace: {
            frames: [{ filename: 'a/different.file' }, { filename: 'chrome-extension://blablabla' }],
          },
        },
      ],
    },
  };
  it.each([
    ['events from extensions not filtered', false],
    ['events from extensions filtered', true],
  ])('%s', async (_name, enabled) => {
    await useFilters({ browserExtensions: { isEnabled: enabled } });
    expect(await sendAndCheck(event, 'browser-extensions')).toEqual({
      stored: !enabled,
      filtered: enabled ? 1 : 0,
    });
  });
});

describe('test_web_crawlers_filter_are_applied', () => {
  it.each([
    ['web crawlers filtered', true],
    ['web crawlers not filtered', false],
  ])('%s', async (_name, enabled) => {
    await useFilters({ webCrawlers: { isEnabled: enabled } });
    const event = {
      message: `some message ${new Date().toISOString()}`,
      request: { headers: { 'User-Agent': 'BingBot' } },
    };
    expect(await sendAndCheck(event, 'web-crawlers')).toEqual({
      stored: !enabled,
      filtered: enabled ? 1 : 0,
    });
  });
});

describe('test_ignore_transactions_filters_are_applied', () => {
  const cases: Array<[string, boolean, string, boolean]> = [
    ['when enabled ignore transactions are filtered', true, 'health-check-1 ', true],
    ['when disabled ignore transactions are NOT filtered', false, 'health-check-2', false],
    ['when enabled leaves alone transactions that are not enabled', true, 'some-transaction-3', false],
  ];
  it.each(cases)('%s', async (_name, enabled, transactionName, shouldFilter) => {
    await useFilters({
      ignoreTransactions: { patterns: enabled ? ['health*'] : [], isEnabled: enabled },
    });
    const now = Date.now() / 1000;
    // A trace id per case (Relay's is fixed; its consumer only sees the current test's rows).
    const traceId = newEventId();
    const filtered = await outcomeDelta(
      server,
      ['filtered', 'transaction', 'filtered-transaction'],
      async () => {
        const res = await sendTransaction(server, {
          event_id: newEventId(),
          type: 'transaction',
          transaction: transactionName,
          start_timestamp: now - 60,
          timestamp: now,
          contexts: { trace: { trace_id: traceId, span_id: 'ABCDFDEAD5F74052', type: 'trace' } },
        });
        expect(res.status).toBe(200);
      },
    );
    const segments = await queryRows<{ name: string }>(
      server,
      `SELECT name FROM spans WHERE trace_id = '${traceId}' AND is_segment = 1`,
    );
    expect(filtered).toBe(shouldFilter ? 1 : 0);
    expect(segments.map((s) => s.name)).toEqual(shouldFilter ? [] : [transactionName]);
  });
});

it('test_client_ip_filters_are_applied: X-Forwarded-For in a blacklisted network records filtered (ip-address)', async () => {
  // Relay (non-processing) reports the drop in a client report upstream; Vigil records the
  // `filtered` outcome itself.
  await useFilters({ clientIps: { blacklistedIps: ['1.2.3.0/24'] } });
  expect(await sendAndCheck({ message: 'foo' }, 'ip-address', { 'X-Forwarded-For': '1.2.3.4' })).toEqual({
    stored: false,
    filtered: 1,
  });
  // The same event from another address is kept.
  expect(await sendAndCheck({ message: 'foo' }, 'ip-address', { 'X-Forwarded-For': '1.2.4.4' })).toEqual({
    stored: true,
    filtered: 0,
  });
});

it('test_global_filters_drop_events: a generic filter on event.release drops the event with its id as reason', async () => {
  // Relay's filter comes from Sentry's global config, which Vigil does not have; the same generic
  // filter in the project's `filterSettings.generic` (merged the same way) is what is tested.
  await useFilters({
    generic: {
      version: 1,
      filters: [
        {
          id: 'premature-releases',
          isEnabled: true,
          condition: { op: 'eq', name: 'event.release', value: '0.0.0' },
        },
      ],
    },
  });
  expect(await sendAndCheck({ release: '0.0.0' }, 'premature-releases')).toEqual({
    stored: false,
    filtered: 1,
  });
  expect(await sendAndCheck({ release: '0.0.1' }, 'premature-releases')).toEqual({
    stored: true,
    filtered: 0,
  });
});
