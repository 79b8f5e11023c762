// Port of Relay's tests/integration/test_outcome.py (getsentry/relay): `invalid` and `accepted`
// outcomes of processing (invalid profiles next to a transaction, invalid transactions and
// spans), and the `rate_limited` / `filtered` outcomes of quotas, inbound filters and dynamic
// sampling on project configs set through the config API. Relay reads its outcomes Kafka topic;
// here the outcome counter of the server (and its `outcomes` table). Kafka topics, batching and
// Relay chains do not apply (PORTED.md).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVigil } from '../../../src/server/app.js';
import {
  authHeader,
  envelopeBytes,
  newEventId,
  outcomesDuring,
  queryRows,
  relayFullProjectConfig,
  request,
  sendEnvelope,
  sendEvent,
  setProjectConfig,
  startRelayTestServer,
  type Json,
  type RelayTestServer,
} from './harness.js';

let server: RelayTestServer;

beforeAll(async () => {
  server = await startRelayTestServer('outcome');
}, 60_000);

afterAll(async () => {
  await server?.close();
});

/** Relay's `_get_event_payload("transaction")`. */
function transactionPayload(): Json {
  const now = Date.now() / 1000;
  return {
    type: 'transaction',
    timestamp: new Date(now * 1000).toISOString(),
    start_timestamp: new Date((now - 2) * 1000).toISOString(),
    spans: [
      {
        op: 'default',
        span_id: '968cff94913ebb07',
        segment_id: '968cff94913ebb07',
        start_timestamp: now,
        timestamp: now + 1,
        exclusive_time: 1000.0,
        trace_id: 'a0fa8803753e40fd8124b21eeb2986b5',
      },
    ],
    contexts: {
      trace: { op: 'hi', trace_id: 'a0fa8803753e40fd8124b21eeb2986b5', span_id: '968cff94913ebb07' },
    },
    transaction: 'hi',
  };
}

/** Relay's `_get_profile_payload(metadata_only)`: an iOS sample profile (v1). */
function profilePayload(metadataOnly: boolean): Json {
  const profile: Json = {
    event_id: '41fed0925670468bb0457f61a74688ec',
    version: '1',
    os: { name: 'iOS', version: '16.0', build_number: '19H253' },
    device: {
      architecture: 'arm64e',
      is_emulator: false,
      locale: 'en_US',
      manufacturer: 'Apple',
      model: 'iPhone14,3',
    },
    timestamp: new Date().toISOString(),
    release: '0.1 (199)',
    platform: 'cocoa',
    debug_meta: {
      images: [
        {
          debug_id: '32420279-25E2-34E6-8BC7-8A006A8F2425',
          image_addr: '0x000000010258c000',
          code_file: '/private/var/containers/Bundle/Application/C3511752/TrendingMovies.app/TrendingMovies',
          type: 'macho',
          image_size: 1720320,
          image_vmaddr: '0x0000000100000000',
        },
      ],
    },
    transactions: [
      {
        name: 'example_ios_movies_sources.MoviesViewController',
        trace_id: '4b25bc58f14243d8b208d1e22a054164',
        id: '30976f2ddbe04ac9b6bffe6e35d4710c',
        active_thread_id: '259',
        relative_start_ns: '500500',
        relative_end_ns: '50500500',
      },
    ],
  };
  if (metadataOnly) return profile;
  const sample = (stack: number, at: string) => ({
    stack_id: stack,
    thread_id: '1',
    queue_address: '0x0000000102adc700',
    elapsed_since_start_ns: at,
  });
  profile.profile = {
    samples: [sample(0, '10500500'), sample(1, '20500500'), sample(0, '30500500'), sample(1, '40500500')],
    stacks: [[0], [1]],
    frames: [{ instruction_addr: '0xa722447ffffffffc' }, { instruction_addr: '0x442e4b81f5031e58' }],
    thread_metadata: { '1': { priority: 31 }, '2': {} },
    queue_metadata: {
      '0x0000000102adc700': { label: 'com.apple.main-thread' },
      '0x000000016d8fb180': { label: 'com.apple.network.connections' },
    },
  };
  return profile;
}

type OutcomeName = Parameters<RelayTestServer['vigil']['outcomes']['total']>[0];
type CategoryName = NonNullable<Parameters<RelayTestServer['vigil']['outcomes']['total']>[1]>;
/** Outcome, category and optional reason of a total. */
type TotalKey = [OutcomeName, CategoryName, string?];

const OUTCOMES: OutcomeName[] = ['accepted', 'invalid'];
const CATEGORIES: CategoryName[] = ['transaction', 'span', 'profile', 'profile_indexed'];
const REASONS = [undefined, 'profiling_invalid_json', 'invalid_transaction'];

/**
 * Sends the items in one envelope (expecting `status`) and returns how much each outcome total
 * (of {@link OUTCOMES} × {@link CATEGORIES} × {@link REASONS}) grew.
 */
async function outcomesOf(items: Parameters<typeof envelopeBytes>[1], status = 200) {
  const counter = server.vigil.outcomes;
  const keys: TotalKey[] = OUTCOMES.flatMap((o) =>
    CATEGORIES.flatMap((c) => REASONS.map((r): TotalKey => [o, c, r])),
  );
  const name = ([o, c, r]: TotalKey) => `${o}|${c}|${r ?? '*'}`;
  const before = new Map(keys.map((k) => [name(k), counter.total(...k)]));
  const res = await sendEnvelope(server, envelopeBytes({}, items));
  expect(res.status).toBe(status);
  await server.vigil.flush();
  return (...k: TotalKey): number => {
    const start = before.get(name(k));
    if (start === undefined) throw new Error(`total ${name(k)} was not snapshot`);
    return counter.total(...k) - start;
  };
}

it('test_profile_outcomes_invalid: an empty profile next to a transaction is invalid (profiling_invalid_json)', async () => {
  const delta = await outcomesOf([
    { headers: { type: 'transaction' }, payload: transactionPayload() },
    { headers: { type: 'profile' }, payload: Buffer.alloc(0) },
  ]);
  expect(delta('invalid', 'profile', 'profiling_invalid_json')).toBe(1);
  expect(delta('invalid', 'profile')).toBe(1);
  expect(delta('accepted', 'transaction')).toBe(1);
});

it('test_profile_outcomes_too_many: a second profile in the envelope is refused', async () => {
  // The stored test expects `invalid` / `profiling_too_many_profiles` from processing. Relay's
  // current edge refuses a second profile before that (`check_envelope_size_limits`: profiles have
  // `total_count: 1`) with 413, as Vigil does; nothing of the envelope is kept.
  const profile = profilePayload(false);
  const delta = await outcomesOf(
    [
      { headers: { type: 'transaction' }, payload: transactionPayload() },
      { headers: { type: 'profile' }, payload: profile },
      { headers: { type: 'profile' }, payload: profile },
    ],
    413,
  );
  expect(delta('accepted', 'transaction')).toBe(0);
  expect(delta('accepted', 'profile')).toBe(0);
});

it('test_profile_outcomes_data_invalid: a profile without samples is invalid (profiling_invalid_json)', async () => {
  const delta = await outcomesOf([
    { headers: { type: 'transaction' }, payload: transactionPayload() },
    { headers: { type: 'profile' }, payload: profilePayload(true) },
  ]);
  // Relay counts it as `profile_indexed` only: its invalid data is found after metrics extraction,
  // which already counted the `profile`. Vigil extracts no metrics, so the profile is invalid in
  // both categories.
  expect(delta('invalid', 'profile_indexed', 'profiling_invalid_json')).toBe(1);
  expect(delta('invalid', 'profile', 'profiling_invalid_json')).toBe(1);
  expect(delta('accepted', 'transaction')).toBe(1);
});

it('test_span_outcomes_invalid: a transaction whose span lacks span_id, and a span without one, are invalid', async () => {
  const transaction = transactionPayload();
  delete ((transaction.spans as Json[])[0] as Json).span_id;
  const now = Date.now() / 1000;
  const span: Json = {
    op: 'default',
    segment_id: '968cff94913ebb07',
    start_timestamp: now,
    timestamp: now + 1,
    exclusive_time: 1000.0,
    trace_id: 'a0fa8803753e40fd8124b21eeb2986b5',
  };
  const delta = await outcomesOf([
    { headers: { type: 'transaction' }, payload: transaction },
    { headers: { type: 'span' }, payload: span },
  ]);
  expect(delta('invalid', 'transaction', 'invalid_transaction')).toBe(1);
  // Relay: category span (12), reason `internal`.
  expect(delta('invalid', 'span')).toBeGreaterThanOrEqual(1);
  expect(delta('accepted', 'transaction')).toBe(0);
  expect(delta('accepted', 'span')).toBe(0);
});

/** A DSN key no project has: Relay's tests remove project 42's config, so its key is unknown. */
const UNKNOWN_KEY = 'b'.repeat(32);

/** Relay's `send_event` with the unknown key to project `projectId` (store endpoint); returns the status. */
async function sendToUnknownProject(projectId: number, payload: Json): Promise<number> {
  const res = await request(server, `/api/${projectId}/store/`, {
    headers: { 'content-type': 'application/json', 'x-sentry-auth': authHeader(UNKNOWN_KEY) },
    body: JSON.stringify(payload),
  });
  return res.status;
}

/** The stored `outcomes` rows of project `projectId`, summed (Relay's outcome fields; ids as stored). */
async function storedOutcomesOf(projectId: number): Promise<Json[]> {
  await server.vigil.flush();
  return queryRows(
    server,
    `SELECT org_id, project_id, key_id, outcome, reason, category, toUInt32(sum(quantity)) AS quantity,
            toUnixTimestamp(max(timestamp)) AS hour
       FROM outcomes WHERE project_id = ${projectId}
      GROUP BY org_id, project_id, key_id, outcome, reason, category ORDER BY outcome, category`,
  );
}

describe('test_outcomes_processing / test_outcomes_custom_topic: an event for an unknown project', () => {
  it('is refused with 403 and recorded invalid (project_id) under the project of the URL', async () => {
    const start = Math.floor(Date.now() / 1000 / 3600) * 3600;
    const text = `some message ${new Date().toISOString()}`;
    let status = 0;
    const outcomes = await outcomesDuring(server, async () => {
      status = await sendToUnknownProject(42, {
        event_id: '11122233344455566677788899900011',
        message: text,
        extra: { msg_text: text },
      });
    });
    expect(status).toBe(403);
    expect(outcomes).toEqual([{ outcome: 'invalid', category: 'error', reason: 'project_id', quantity: 1 }]);
    // Relay's outcome: project 42, no org id, no key id (its partial scoping: organization 0),
    // outcome 3 (invalid), reason `project_id`; Vigil's row is hourly.
    const rows = await storedOutcomesOf(42);
    expect(rows).toEqual([
      {
        org_id: 0,
        project_id: 42,
        key_id: 0,
        outcome: 3,
        reason: 'project_id',
        category: 1,
        quantity: 1,
        hour: start,
      },
    ]);
  });
});

describe('test_outcomes_non_processing: one invalid (project_id) outcome per refused event', () => {
  it.each(['error', 'transaction'] as const)('%s', async (eventType) => {
    const projectId = eventType === 'error' ? 43 : 44;
    let status = 0;
    const outcomes = await outcomesDuring(server, async () => {
      status = await sendToUnknownProject(projectId, sendEventPayload(eventType));
    });
    expect(status).toBe(403);
    // Relay's stored test lists only `transaction` (category 2); the edge counts its indexed
    // category as for every refused transaction (PORTED.md, "Differences left").
    expect(outcomes).toEqual(
      eventType === 'error'
        ? [{ outcome: 'invalid', category: 'error', reason: 'project_id', quantity: 1 }]
        : [
            { outcome: 'invalid', category: 'transaction', reason: 'project_id', quantity: 1 },
            { outcome: 'invalid', category: 'transaction_indexed', reason: 'project_id', quantity: 1 },
          ],
    );
    // Nothing was stored for the unknown project.
    await server.vigil.flush();
    const table = eventType === 'error' ? 'events' : 'spans';
    const stored = await queryRows(
      server,
      `SELECT toUInt32(count()) AS n FROM ${table} WHERE project_id = ${projectId}`,
    );
    expect(stored).toEqual([{ n: 0 }]);
  });
});

/** Relay's `add_full_project_config` with `extra` merged into its config. */
function useConfig(extra: Json): Promise<void> {
  return setProjectConfig(server, { ...relayFullProjectConfig(), ...extra });
}

/** An error event through the store endpoint, as Relay's `send_event`; returns the status. */
async function storeEvent(payload: Json): Promise<number> {
  return (await sendEvent(server, payload)).status;
}

/** Relay's `_send_event(relay, event_type)` payload, with timestamps of now (see PORTED.md). */
function sendEventPayload(eventType: 'error' | 'transaction'): Json {
  const eventId = newEventId();
  const text = `some message ${new Date().toISOString()}`;
  if (eventType === 'error') {
    return {
      event_id: eventId,
      message: text,
      extra: { msg_text: text },
      type: 'error',
      environment: 'production',
      release: 'foo@1.2.3',
    };
  }
  const now = Date.now() / 1000;
  return {
    event_id: eventId,
    type: 'transaction',
    transaction: 'tr1',
    start_timestamp: now - 8,
    timestamp: now,
    contexts: { trace: { trace_id: newEventId(), span_id: 'FA90FDEAD5F74052', type: 'trace' } },
    spans: [],
    extra: { id: eventId },
    environment: 'production',
    release: 'foo@1.2.3',
  };
}

/** A project `sampling` config with Relay's rule 1 (rate 0) on `condition`. */
function dropAllSampling(condition: Json): Json {
  return {
    version: 2,
    rules: [{ id: 1, samplingValue: { type: 'sampleRate', value: 0.0 }, type: 'transaction', condition }],
  };
}

describe('test_outcomes_rate_limit', () => {
  it('transaction: a reject-all transaction quota records rate_limited with its reason code', async () => {
    const reason = 'transactions are banned';
    await useConfig({
      quotas: [
        {
          id: 'transaction category',
          categories: ['transaction'],
          limit: 0,
          window: 1600,
          reasonCode: reason,
        },
      ],
    });
    // Relay answers 200 (the project's config is fetched while the request waits); Vigil knows the
    // reject-all quota at the edge and answers 429. Either way the transaction is rate limited.
    const outcomes = await outcomesDuring(server, async () => {
      expect(
        (
          await sendEnvelope(
            server,
            envelopeBytes({}, [{ headers: { type: 'transaction' }, payload: transactionPayload() }]),
          )
        ).status,
      ).toBe(429);
    });
    // Relay's enforcement also counts the indexed category of an item whose metrics were not
    // extracted yet (`Enforcement::event_indexed`).
    expect(outcomes).toEqual([
      { outcome: 'rate_limited', category: 'transaction', reason, quantity: 1 },
      { outcome: 'rate_limited', category: 'transaction_indexed', reason, quantity: 1 },
    ]);
  });

  it('session: a reject-all session quota records no outcome', async () => {
    await useConfig({
      quotas: [
        {
          id: 'session category',
          categories: ['session'],
          limit: 0,
          window: 1600,
          reasonCode: 'sessions are banned',
        },
      ],
    });
    const timestamp = new Date();
    const session = {
      sid: '8333339f-5675-4f89-a9a0-1c935255ab58',
      did: 'foobarbaz',
      seq: 42,
      init: true,
      timestamp: timestamp.toISOString(),
      started: new Date(timestamp.getTime() - 3600_000).toISOString(),
      duration: 1947.49,
      status: 'exited',
      errors: 0,
      attrs: { release: 'sentry-test@1.0.0', environment: 'production' },
    };
    let status = 0;
    const outcomes = await outcomesDuring(server, async () => {
      const body = envelopeBytes({}, [{ headers: { type: 'session' }, payload: session }]);
      status = (await sendEnvelope(server, body)).status;
    });
    // The session is refused (nothing is left of the envelope), but sessions record no outcome.
    expect(status).toBe(429);
    expect(outcomes).toEqual([]);
  });
});

it('test_outcomes_forwarding_rate_limited / test_outcomes_two_topics: each rate-limited event records one rate_limited outcome', async () => {
  await useConfig({
    quotas: [
      { id: 'drop-everything', categories: ['error'], limit: 0, window: 1600, reasonCode: 'rate_limited' },
    ],
  });
  // Relay's first event is dropped in its processing Relay, the second by the downstream Relay's
  // cached 429; Vigil refuses both at the edge. Two outcomes, one per event, none duplicated.
  const outcomes = await outcomesDuring(server, async () => {
    expect(await storeEvent({ message: 'hello' })).toBe(429);
    expect(await storeEvent({ message: 'hello' })).toBe(429);
  });
  expect(outcomes).toEqual([
    { outcome: 'rate_limited', category: 'error', reason: 'rate_limited', quantity: 2 },
  ]);
});

it('test_outcomes_two_topics / test_outcomes_two_configs: a rate-limited event and one for an unknown project', async () => {
  await useConfig({
    quotas: [{ categories: ['error'], limit: 0, reasonCode: 'static_disabled_quota' }],
  });
  const outcomes = await outcomesDuring(server, async () => {
    expect(await storeEvent({ message: 'this is rate limited' })).toBe(429);
    expect(await sendToUnknownProject(99, { message: 'wrong project' })).toBe(403);
  });
  expect(outcomes).toEqual([
    { outcome: 'invalid', category: 'error', reason: 'project_id', quantity: 1 },
    { outcome: 'rate_limited', category: 'error', reason: 'static_disabled_quota', quantity: 1 },
  ]);
  // The invalid outcome belongs to project 99 (outcome 3), the rate-limited one to the project.
  expect((await storedOutcomesOf(99)).map((r) => [r.project_id, r.outcome])).toEqual([[99, 3]]);
  const own = await storedOutcomesOf(server.projectId);
  expect(own.filter((r) => r.reason === 'static_disabled_quota').map((r) => r.outcome)).toEqual([2]);
});

describe('test_profile_outcomes_rate_limited', () => {
  it.each(['transaction', 'profile'])('quota on %s', async (quotaCategory) => {
    await useConfig({
      quotas: [
        {
          id: `test_rate_limiting_${newEventId()}`,
          categories: [quotaCategory],
          limit: 0,
          reasonCode: 'profiles_exceeded',
        },
      ],
    });
    const outcomes = await outcomesDuring(server, () =>
      sendEnvelope(
        server,
        envelopeBytes({}, [
          { headers: { type: 'transaction' }, payload: transactionPayload() },
          { headers: { type: 'profile' }, payload: profilePayload(false) },
        ]),
      ),
    );
    const limited = (category: string) => ({
      outcome: 'rate_limited',
      category,
      reason: 'profiles_exceeded',
      quantity: 1,
    });
    // A profile quota drops the profile only, as in Relay. A transaction quota drops the
    // transaction and its profile; Relay's test expects `transaction` and `profile`, Vigil also
    // counts their indexed categories (see PORTED.md).
    const expected =
      quotaCategory === 'profile'
        ? [limited('profile')]
        : [
            limited('profile'),
            limited('profile_indexed'),
            limited('transaction'),
            limited('transaction_indexed'),
          ];
    expect(outcomes.filter((o) => o.outcome === 'rate_limited')).toEqual(expected);
  });
});

it('test_filtered_event_outcome_kafka / test_outcomes_do_not_aggregate: the release filter records filtered (release-version) per event', async () => {
  await useConfig({ filterSettings: { releases: { releases: ['foo@1.2.3'] } } });
  const outcomes = await outcomesDuring(server, async () => {
    expect(await storeEvent(sendEventPayload('error'))).toBe(200);
    expect(await storeEvent(sendEventPayload('error'))).toBe(200);
  });
  expect(outcomes).toEqual([
    { outcome: 'filtered', category: 'error', reason: 'release-version', quantity: 2 },
  ]);
});

it('test_outcomes_aggregate_dynamic_sampling / test_outcome_to_client_report: sampled-out transactions record filtered (Sampled:1) as transaction_indexed', async () => {
  await useConfig({
    sampling: dropAllSampling({ op: 'eq', name: 'event.environment', value: 'production' }),
  });
  const outcomes = await outcomesDuring(server, async () => {
    expect(await storeEvent(sendEventPayload('transaction'))).toBe(200);
    expect(await storeEvent(sendEventPayload('transaction'))).toBe(200);
  });
  // Relay's aggregated outcome is transaction_indexed, Sampled:1, quantity 2; Vigil also counts
  // the dropped segment spans as span_indexed (see PORTED.md).
  expect(outcomes.filter((o) => o.outcome === 'filtered')).toEqual([
    { outcome: 'filtered', category: 'span_indexed', reason: 'Sampled:1', quantity: 2 },
    { outcome: 'filtered', category: 'transaction_indexed', reason: 'Sampled:1', quantity: 2 },
  ]);
});

it('test_profile_outcomes: a sampled-out transaction drops its profile and attachment (Sampled:1)', async () => {
  await useConfig({ sampling: dropAllSampling({ op: 'eq', name: 'event.transaction', value: 'hi' }) });
  const envelope = (name: string) =>
    envelopeBytes({}, [
      { headers: { type: 'transaction' }, payload: { ...transactionPayload(), transaction: name } },
      { headers: { type: 'profile' }, payload: profilePayload(false) },
      { headers: { type: 'attachment' }, payload: 'foobar' },
    ]);
  const outcomes = await outcomesDuring(server, async () => {
    expect((await sendEnvelope(server, envelope('hi'))).status).toBe(200); // sampled out
    expect((await sendEnvelope(server, envelope('ho'))).status).toBe(200); // kept
  });
  // Relay's stored test: `attachment` (6 bytes), `transaction_indexed` and `profile_indexed`
  // filtered with Sampled:1. Current Relay also counts the attachment in `attachment_item` (the
  // attachment's quantities) and the transaction's spans in `span_indexed`, as Vigil does.
  expect(outcomes.filter((o) => o.outcome === 'filtered')).toEqual([
    { outcome: 'filtered', category: 'attachment', reason: 'Sampled:1', quantity: 6 },
    { outcome: 'filtered', category: 'attachment_item', reason: 'Sampled:1', quantity: 1 },
    { outcome: 'filtered', category: 'profile_indexed', reason: 'Sampled:1', quantity: 1 },
    { outcome: 'filtered', category: 'span_indexed', reason: 'Sampled:1', quantity: 2 },
    { outcome: 'filtered', category: 'transaction_indexed', reason: 'Sampled:1', quantity: 1 },
  ]);
  // Both transactions and profiles count in their total categories (Relay: through the metrics of
  // the sampled-out transaction, whose `has_profile` tag counts the profile); only the kept
  // envelope's items are indexed and stored.
  expect(outcomes.filter((o) => o.outcome === 'accepted')).toEqual([
    { outcome: 'accepted', category: 'attachment', reason: null, quantity: 6 },
    { outcome: 'accepted', category: 'attachment_item', reason: null, quantity: 1 },
    { outcome: 'accepted', category: 'profile', reason: null, quantity: 2 },
    { outcome: 'accepted', category: 'profile_indexed', reason: null, quantity: 1 },
    { outcome: 'accepted', category: 'span', reason: null, quantity: 4 },
    { outcome: 'accepted', category: 'span_indexed', reason: null, quantity: 2 },
    { outcome: 'accepted', category: 'transaction', reason: null, quantity: 2 },
    { outcome: 'accepted', category: 'transaction_indexed', reason: null, quantity: 1 },
  ]);
});

it('test_span_outcomes: a sampled-out transaction records filtered (Sampled:1); the kept one accepts its spans', async () => {
  await useConfig({ sampling: dropAllSampling({ op: 'eq', name: 'event.transaction', value: 'hi' }) });
  const envelope = (name: string) =>
    envelopeBytes({}, [
      { headers: { type: 'transaction' }, payload: { ...transactionPayload(), transaction: name } },
    ]);
  const outcomes = await outcomesDuring(server, async () => {
    expect((await sendEnvelope(server, envelope('hi'))).status).toBe(200);
    expect((await sendEnvelope(server, envelope('ho'))).status).toBe(200);
  });
  expect(outcomes).toEqual(
    expect.arrayContaining([
      { outcome: 'filtered', category: 'transaction_indexed', reason: 'Sampled:1', quantity: 1 },
      { outcome: 'accepted', category: 'span_indexed', reason: null, quantity: 2 },
    ]),
  );
});

it.todo('test_global_rate_limit / test_global_rate_limit_by_namespace: global metric bucket quotas');
it('test_graceful_shutdown: the Sampled:1 outcome of a transaction sent right before shutdown is written', async () => {
  // Relay force-flushes its outcome aggregator on SIGTERM. Vigil's close() is its SIGTERM path:
  // every outcome counted so far, the last one recorded just before close() included, must be in
  // the `outcomes` table when the data dir is opened again. (Last test of the file: it closes the
  // shared server; chDB binds one data directory per process.)
  await useConfig({
    sampling: dropAllSampling({ op: 'eq', name: 'event.environment', value: 'production' }),
  });
  expect(await storeEvent(sendEventPayload('transaction'))).toBe(200);
  await server.vigil.flush();
  const counted = server.vigil.outcomes.total('filtered', 'transaction_indexed', 'Sampled:1');
  expect(counted).toBeGreaterThan(0);
  await server.vigil.close();

  const reopened = await createVigil(server.vigil.config);
  try {
    const result = await reopened.clickhouse.client.query({
      query: `SELECT sum(quantity) AS n FROM outcomes
               WHERE outcome = 1 AND category = 9 AND reason = 'Sampled:1'`,
      format: 'JSONEachRow',
    });
    const [row] = await result.json<{ n: string | number }>();
    expect(Number(row?.n)).toBe(counted);
  } finally {
    await reopened.close();
  }
}, 60_000);
