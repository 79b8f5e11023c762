import { describe, expect, it } from 'vitest';
import { NIL_SESSION_ID } from '../../../protocol/session-columns.js';
import { processSessionItem, type SessionItemContext, type SessionRecord } from './process.js';

// A fixed receive time: 2024-04-26T07:00:00Z (the instant Relay's session.rs tests use).
const RECEIVED = Date.UTC(2024, 3, 26, 7) / 1000;
const iso = (unixSeconds: number): string => new Date(unixSeconds * 1000).toISOString();
const HOUR = 3600;
const DAY = 24 * HOUR;
const SID = '8333339f-5675-4f89-a9a0-1c935255ab58';

const ctx = (extra: Partial<SessionItemContext> = {}): SessionItemContext => ({
  projectId: 42,
  receivedAt: RECEIVED,
  clientIp: '203.0.113.7',
  client: 'raven-node/2.6.3',
  ...extra,
});

const run = (
  type: 'session' | 'sessions',
  payload: unknown,
  extra: Partial<SessionItemContext> = {},
): ReturnType<typeof processSessionItem> =>
  processSessionItem(
    Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)),
    type,
    ctx(extra),
  );

function rows(
  type: 'session' | 'sessions',
  payload: unknown,
  extra?: Partial<SessionItemContext>,
): SessionRecord[] {
  const result = run(type, payload, extra);
  if (result.kind !== 'ok') throw new Error(`dropped: ${result.reason}`);
  return result.value;
}

function dropReason(
  type: 'session' | 'sessions',
  payload: unknown,
  extra?: Partial<SessionItemContext>,
): string {
  const result = run(type, payload, extra);
  if (result.kind !== 'drop') throw new Error('expected a drop');
  expect(result.outcome).toBe('invalid');
  return result.reason;
}

/** A valid update an hour old, as in relay's tests/integration/test_session.py. */
const update = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  sid: SID,
  did: 'foobarbaz',
  seq: 42,
  init: true,
  timestamp: iso(RECEIVED),
  started: iso(RECEIVED - HOUR),
  duration: 1947.49,
  status: 'exited',
  errors: 0,
  attrs: { release: 'sentry-test@1.0.0', environment: 'production' },
  ...over,
});

describe('session updates (relay tests/integration/test_session.py)', () => {
  it('test_session_with_processing: one row, seq forced to 0 on init', () => {
    expect(rows('session', update())).toEqual([
      {
        project_id: 42,
        session_id: SID,
        distinct_id: 'foobarbaz',
        seq: 0,
        init: 1,
        status: 'exited',
        errors: 0,
        started: (RECEIVED - HOUR) * 1000,
        timestamp: RECEIVED * 1000,
        received: RECEIVED * 1000,
        duration: 1947.49,
        release: 'sentry-test@1.0.0',
        environment: 'production',
        quantity: 1,
        aggregate: 0,
        abnormal_mechanism: 'none',
        sdk: 'raven-node/2.6.3',
        ip_address: '',
        retention_days: 90,
      },
    ]);
  });

  it('test_session_with_processing_two_events: a later update keeps its seq', () => {
    const [first] = rows('session', update({ status: 'ok', duration: undefined, errors: undefined }));
    expect(first).toMatchObject({ seq: 0, init: 1, status: 'ok', duration: null, errors: 0 });
    const [second] = rows('session', update({ init: undefined, seq: 43 }));
    expect(second).toMatchObject({ seq: 43, init: 0, status: 'exited', duration: 1947.49, errors: 0 });
  });

  it('test_session_with_custom_retention', () => {
    expect(rows('session', update(), { retentionDays: 17 })[0]!.retention_days).toBe(17);
  });

  it('test_session_age_discard: started more than 5 days ago', () => {
    expect(dropReason('session', update({ started: iso(RECEIVED - 5 * DAY - HOUR) }))).toBe(
      'session_too_old',
    );
  });

  it('test_session_force_errors_on_crash', () => {
    const [row] = rows('session', update({ status: 'crashed', errors: undefined, duration: undefined }));
    expect(row).toMatchObject({ status: 'crashed', errors: 1, seq: 0, duration: null });
  });

  it('test_session_release_required', () => {
    expect(dropReason('session', { sid: SID, timestamp: iso(RECEIVED), started: iso(RECEIVED) })).toBe(
      'invalid_session',
    );
  });

  it('test_session_auto_ip: {{auto}} becomes the client IP', () => {
    const auto = update({ attrs: { release: 'sentry-test@1.0.0', ip_address: '{{auto}}' } });
    expect(rows('session', auto)[0]!.ip_address).toBe('203.0.113.7');
    expect(rows('session', auto, { clientIp: undefined })[0]!.ip_address).toBe('');
    const explicit = update({ attrs: { release: 'sentry-test@1.0.0', ip_address: '::1' } });
    expect(rows('session', explicit)[0]!.ip_address).toBe('::1');
  });

  it('test_session_invalid_release', () => {
    expect(dropReason('session', update({ attrs: { release: 'latest' } }))).toBe('invalid_release');
  });
});

describe('session updates (relay processor/session.rs and protocol/session.rs tests)', () => {
  // session.rs's default arguments: received == started == timestamp, an unknown status.
  const base = {
    init: false,
    started: '2021-04-26T08:00:00+0100',
    timestamp: '2021-04-26T08:00:00+0100',
    attrs: { release: '1.0.0' },
    did: 'user123',
    status: 'this is not a valid status!',
    duration: 123.4,
  };
  const received = Date.UTC(2021, 3, 26, 7) / 1000;

  it.each<[string, unknown, Partial<SessionItemContext>, string]>([
    ['invalid json', 'this isnt valid json', {}, 'invalid_json'],
    [
      'sequence overflow (u64::MAX)',
      '{"seq":18446744073709551615,' + JSON.stringify(base).slice(1),
      {},
      'session_sequence_overflow',
    ],
    ['received a month later', base, { receivedAt: received + 30 * DAY }, 'session_too_old'],
    // With metrics dropped, Relay's processing drops unknown statuses.
    ['unknown status', base, {}, 'unknown_session_status'],
  ])('%s → dropped', (_name, payload, extra, reason) => {
    expect(dropReason('session', payload, { receivedAt: received, ...extra })).toBe(reason);
  });

  it('test_session_default_values: ok, no errors, seq from the clock, given sid', () => {
    const [row] = rows(
      'session',
      {
        sid: SID,
        timestamp: '2020-02-07T15:17:00Z',
        started: '2020-02-07T14:16:00Z',
        attrs: { release: 'sentry-test@1.0.0' },
      },
      { receivedAt: Date.UTC(2020, 1, 7, 15, 17) / 1000 },
    );
    expect(row).toMatchObject({
      session_id: SID,
      distinct_id: '',
      seq: Date.UTC(2020, 1, 7, 15, 17),
      init: 0,
      status: 'ok',
      errors: 0,
      duration: null,
      environment: '',
    });
  });

  it('test_session_default_timestamp_and_sid: a new non-nil sid, timestamp = received', () => {
    const [row] = rows('session', { started: iso(RECEIVED - 10), attrs: { release: 'sentry-test@1.0.0' } });
    expect(row!.session_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(row!.session_id).not.toBe(NIL_SESSION_ID);
    expect(row!.timestamp).toBe(RECEIVED * 1000);
  });

  it.each<[unknown, string]>([
    ['anr_background', 'anr_background'],
    ['anr_foreground', 'anr_foreground'],
    ['invalid_mechanism', 'none'],
    [null, 'none'],
    [undefined, 'none'],
  ])('abnormal_mechanism %j → %s', (mechanism, expected) => {
    const [row] = rows('session', update({ status: 'abnormal', abnormal_mechanism: mechanism }));
    expect(row).toMatchObject({ abnormal_mechanism: expected, errors: 1 });
  });
});

describe('session update validation', () => {
  it.each<[string, Record<string, unknown>]>([
    ['a sid that is not a UUID', { sid: 'not-a-uuid' }],
    ['a null sid', { sid: null }],
    ['a negative seq', { seq: -1 }],
    ['a fractional seq', { seq: 1.5 }],
    ['negative errors', { errors: -1 }],
    ['a string init', { init: 'true' }],
    ['a numeric did', { did: 7 }],
    ['a numeric status', { status: 1 }],
    ['a numeric timestamp', { timestamp: RECEIVED }],
    ['a timestamp without offset', { timestamp: '2024-04-26T07:00:00' }],
    ['a missing started', { started: undefined }],
    ['a string duration', { duration: '1.5' }],
    ['an invalid ip address', { attrs: { release: 'r', ip_address: 'localhost' } }],
    ['a numeric release', { attrs: { release: 1 } }],
    ['a numeric abnormal mechanism', { abnormal_mechanism: 1 }],
  ])('%s → invalid_session', (_name, over) => {
    expect(dropReason('session', update(over))).toBe('invalid_session');
  });

  it('a top-level array is invalid', () => {
    expect(dropReason('session', [update()])).toBe('invalid_session');
  });

  it.each<[string, number, string | undefined]>([
    ['61 s ahead', RECEIVED + 61, 'session_in_future'],
    ['60 s ahead', RECEIVED + 60, undefined],
    ['exactly 5 days old', RECEIVED - 5 * DAY, undefined],
    ['5 days and 1 s old', RECEIVED - 5 * DAY - 1, 'session_too_old'],
  ])('started %s', (_name, started, reason) => {
    const payload = update({ started: iso(started), timestamp: iso(Math.max(started, RECEIVED - HOUR)) });
    if (reason) expect(dropReason('session', payload)).toBe(reason);
    else expect(rows('session', payload)).toHaveLength(1);
  });

  it('a timestamp more than 60 s ahead drops the update', () => {
    expect(dropReason('session', update({ timestamp: iso(RECEIVED + 120) }))).toBe('session_in_future');
  });

  it('a timestamp before started is clamped to started', () => {
    const [row] = rows('session', update({ timestamp: iso(RECEIVED - 2 * HOUR) }));
    expect(row!.timestamp).toBe((RECEIVED - HOUR) * 1000);
  });

  it('clock drift of ≥ 55 min (sent_at) shifts started and timestamp', () => {
    // The client's clock is 2 h behind: it says the session started 2 h 10 s ago.
    const sentAt = iso(RECEIVED - 2 * HOUR);
    const payload = update({ started: iso(RECEIVED - 2 * HOUR - 10), timestamp: iso(RECEIVED - 2 * HOUR) });
    const [row] = rows('session', payload, { sentAt });
    expect(row).toMatchObject({ started: (RECEIVED - 10) * 1000, timestamp: RECEIVED * 1000 });
    // A client 7 days behind would be dropped as too old without the correction.
    const week = update({ started: iso(RECEIVED - 7 * DAY - 5), timestamp: iso(RECEIVED - 7 * DAY) });
    expect(rows('session', week, { sentAt: iso(RECEIVED - 7 * DAY) })[0]!.started).toBe(
      (RECEIVED - 5) * 1000,
    );
  });

  it('a drift under 55 minutes is transmission delay and left alone', () => {
    const [row] = rows('session', update(), { sentAt: iso(RECEIVED - 54 * 60) });
    expect(row!.started).toBe((RECEIVED - HOUR) * 1000);
  });

  it('an invalid environment is removed; a nil-UUID did is no user', () => {
    const [row] = rows(
      'session',
      update({ did: '00000000-0000-0000-0000-000000000000', attrs: { release: 'r', environment: 'none' } }),
    );
    expect(row).toMatchObject({ environment: '', distinct_id: '', release: 'r' });
  });

  it.each([
    ['errored', 0, 1],
    ['unhandled', 0, 1],
    ['abnormal', 0, 1],
    ['crashed', 3, 3],
    ['ok', 0, 0],
    ['exited', 70_000, 65_535],
  ])('status %s with errors %d stores errors %d', (status, errors, stored) => {
    expect(rows('session', update({ status, errors }))[0]!.errors).toBe(stored);
  });

  it('a simple-form sid is stored hyphenated and lowercase', () => {
    const [row] = rows('session', update({ sid: '805EE8E3974148298F71490AA9A60CB2' }));
    expect(row!.session_id).toBe('805ee8e3-9741-4829-8f71-490aa9a60cb2');
  });
});

describe('session aggregates', () => {
  it('test_session_aggregates: one row per bucket and status', () => {
    const started1 = RECEIVED - HOUR;
    const started2 = started1 - HOUR;
    const result = rows('sessions', {
      aggregates: [
        { started: iso(started1), did: 'foobarbaz', exited: 2, errored: 3 },
        { started: iso(started2), abnormal: 1 },
      ],
      attrs: { release: 'sentry-test@1.0.0', environment: 'production' },
    });
    const shared = {
      project_id: 42,
      session_id: NIL_SESSION_ID,
      seq: 0,
      init: 1,
      duration: null,
      release: 'sentry-test@1.0.0',
      environment: 'production',
      aggregate: 1,
      received: RECEIVED * 1000,
      retention_days: 90,
    };
    expect(result).toEqual([
      expect.objectContaining({
        ...shared,
        distinct_id: 'foobarbaz',
        quantity: 2,
        status: 'exited',
        errors: 0,
        started: started1 * 1000,
        timestamp: started1 * 1000,
      }),
      expect.objectContaining({
        ...shared,
        distinct_id: 'foobarbaz',
        quantity: 3,
        status: 'errored',
        errors: 1,
      }),
      expect.objectContaining({
        ...shared,
        distinct_id: '',
        quantity: 1,
        status: 'abnormal',
        errors: 1,
        started: started2 * 1000,
      }),
    ]);
  });

  it('unhandled and crashed counts become rows too; zero counts do not', () => {
    const result = rows('sessions', {
      aggregates: [{ started: iso(RECEIVED - 60), exited: 0, unhandled: 2, crashed: 1 }],
      attrs: { release: 'r' },
    });
    expect(result.map((r) => [r.status, r.quantity, r.errors])).toEqual([
      ['unhandled', 2, 1],
      ['crashed', 1, 1],
    ]);
    expect(rows('sessions', { aggregates: [{ started: iso(RECEIVED) }], attrs: { release: 'r' } })).toEqual(
      [],
    );
  });

  it('buckets out of range are removed; an item with none left is dropped', () => {
    const mixed = {
      aggregates: [
        { started: iso(RECEIVED - 6 * DAY), exited: 5 },
        { started: iso(RECEIVED - HOUR), exited: 1 },
      ],
      attrs: { release: 'r' },
    };
    expect(rows('sessions', mixed).map((r) => r.quantity)).toEqual([1]);
    expect(dropReason('sessions', { ...mixed, aggregates: mixed.aggregates.slice(0, 1) })).toBe(
      'session_too_old',
    );
    expect(dropReason('sessions', { aggregates: [], attrs: { release: 'r' } })).toBe('no_valid_aggregates');
    expect(dropReason('sessions', { attrs: { release: 'r' } })).toBe('no_valid_aggregates');
  });

  it('clock drift shifts the buckets', () => {
    const result = rows(
      'sessions',
      { aggregates: [{ started: iso(RECEIVED - 3 * HOUR), exited: 1 }], attrs: { release: 'r' } },
      { sentAt: iso(RECEIVED - 3 * HOUR + 30) },
    );
    expect(result[0]!.started).toBe((RECEIVED - 30) * 1000);
  });

  it.each<[string, unknown]>([
    ['a negative count', { aggregates: [{ started: iso(RECEIVED), exited: -1 }], attrs: { release: 'r' } }],
    [
      'a count over u32',
      { aggregates: [{ started: iso(RECEIVED), exited: 2 ** 32 }], attrs: { release: 'r' } },
    ],
    ['a missing started', { aggregates: [{ exited: 1 }], attrs: { release: 'r' } }],
    ['aggregates not a list', { aggregates: {}, attrs: { release: 'r' } }],
    ['no attrs', { aggregates: [{ started: iso(RECEIVED), exited: 1 }] }],
  ])('%s → invalid_session', (_name, payload) => {
    expect(dropReason('sessions', payload)).toBe('invalid_session');
  });

  it('an invalid release drops the item; an invalid environment is removed', () => {
    const item = (attrs: Record<string, unknown>) => ({
      aggregates: [{ started: iso(RECEIVED), exited: 1 }],
      attrs,
    });
    expect(dropReason('sessions', item({ release: 'a/b' }))).toBe('invalid_release');
    expect(rows('sessions', item({ release: 'r', environment: 'x'.repeat(65) }))[0]!.environment).toBe('');
  });
});

describe('payloads of the official SDKs', () => {
  const at = (offset: number): string => iso(RECEIVED + offset);

  it('@sentry/node 11: a crashed process session (simple-form sid, ms timestamps)', () => {
    const payload = {
      sid: '12f35edd0f9e4636ab658f97979fdcc1',
      init: true,
      started: at(-0.023),
      timestamp: at(0),
      status: 'crashed',
      errors: 1,
      did: 'user-crashed',
      duration: 0.02214670181274414,
      attrs: { release: 'node-sessions@1.0.0', environment: 'e2e' },
    };
    expect(rows('session', payload, { sentAt: at(0) })[0]).toMatchObject({
      session_id: '12f35edd-0f9e-4636-ab65-8f97979fdcc1',
      distinct_id: 'user-crashed',
      init: 1,
      seq: 0,
      status: 'crashed',
      errors: 1,
      started: RECEIVED * 1000 - 23,
      duration: 0.02214670181274414,
    });
  });

  it('@sentry/node 11: request-mode aggregates', () => {
    const payload = {
      aggregates: [{ started: at(-30), exited: 3, errored: 1, crashed: 1 }],
      attrs: { release: 'node-sessions@1.0.0', environment: 'e2e' },
    };
    expect(rows('sessions', payload).map((r) => [r.status, r.quantity])).toEqual([
      ['exited', 3],
      ['errored', 1],
      ['crashed', 1],
    ]);
  });

  it('python-sentry-sdk 1.9: a session with microsecond timestamps and no errors key', () => {
    const payload =
      '{"sid":"54e18945-8a2b-4c44-b89a-a5db09bc27b7","init":true,"started":"2024-04-26T06:59:59.497595Z",' +
      '"timestamp":"2024-04-26T06:59:59.549843Z","status":"exited","did":"py-healthy",' +
      '"attrs":{"release":"py-sessions@2.0.0","environment":"e2e"}}';
    expect(rows('session', payload)[0]).toMatchObject({
      session_id: '54e18945-8a2b-4c44-b89a-a5db09bc27b7',
      status: 'exited',
      errors: 0,
      started: RECEIVED * 1000 - 502,
      timestamp: RECEIVED * 1000 - 450,
      duration: null,
    });
  });
});
