import { describe, expect, it } from 'vitest';
import {
  processLogItem,
  LOG_CONTAINER_CONTENT_TYPE,
  type LogItemContext,
  type ProcessedLogs,
} from './index.js';

const RECEIVED = 1_800_000_000.25;
const TRACE = '5b8efff798038103d269b633813fc60c';
const HEADERS = { content_type: LOG_CONTAINER_CONTENT_TYPE };

let nextId = 0;
const ctx = (over: Partial<LogItemContext> = {}): LogItemContext => ({
  projectId: 42,
  organizationId: 1,
  receivedAt: RECEIVED,
  clientIp: '203.0.113.7',
  newItemId: () => String(++nextId).padStart(32, '0'),
  ...over,
});

const entry = (over: Record<string, unknown> = {}) => ({
  timestamp: 1_799_999_999.123456,
  trace_id: TRACE,
  level: 'info',
  body: 'User logged in',
  ...over,
});

function run(container: Record<string, unknown>, c = ctx(), itemCount?: number): ProcessedLogs {
  const items = container.items as unknown[];
  const result = processLogItem(
    Buffer.from(JSON.stringify(container)),
    { ...HEADERS, item_count: itemCount ?? items.length },
    c,
  );
  if (result.kind !== 'ok') throw new Error(`dropped: ${result.reason}`);
  return result.value;
}

describe('processLogItem', () => {
  it('turns an SDK log container into logs rows', () => {
    const { records, dropped } = run({
      version: 2,
      items: [
        entry({
          span_id: 'EEE19B7EC3C1B174',
          severity_number: 10,
          attributes: {
            'sentry.release': { type: 'string', value: 'app@1.0' },
            'sentry.environment': { type: 'string', value: 'prod' },
            'sentry.sdk.name': { type: 'string', value: 'sentry.javascript.node' },
            'sentry.sdk.version': { type: 'string', value: '11.11.0' },
            count: { type: 'integer', value: 5 },
            ratio: { type: 'double', value: 0.5 },
            ok: { type: 'boolean', value: true },
            tags: { type: 'array', value: ['a', 'b'] },
          },
        }),
      ],
    });
    expect(dropped).toEqual([]);
    expect(records).toHaveLength(1);
    const row = records[0]!;
    expect(row).toMatchObject({
      project_id: 42,
      organization_id: 1,
      timestamp: 1_799_999_999_123_456,
      observed_timestamp: 1_800_000_000_250_000,
      trace_id: TRACE,
      span_id: 'eee19b7ec3c1b174',
      level: 'info',
      severity_number: 10,
      body: 'User logged in',
      release: 'app@1.0',
      environment: 'prod',
      sdk_name: 'sentry.javascript.node',
      sdk_version: '11.11.0',
      retention_days: 90,
      meta: '',
    });
    expect(row.item_id).toMatch(/^\d{32}$/);
    expect(row.attributes_int).toEqual({ count: 5 });
    expect(row.attributes_float).toEqual({ ratio: 0.5 });
    expect(row.attributes_bool).toEqual({ ok: true });
    expect(row.attributes_array).toEqual({ tags: '["a","b"]' });
    // Relay stamps the receive time in nanoseconds; version 2 without ingest settings infers no
    // user agent or IP.
    expect(row.attributes_string['sentry.observed_timestamp_nanos']).toBe('1800000000250000000');
    expect(row.attributes_string['browser.name']).toBeUndefined();
    expect(row.attributes_string['client.address']).toBeUndefined();
    // Canonical size: body + every key + value (strings by bytes, numbers 8, booleans 1).
    const expected =
      'User logged in'.length +
      'sentry.release'.length +
      7 +
      'sentry.environment'.length +
      4 +
      'sentry.sdk.name'.length +
      'sentry.javascript.node'.length +
      'sentry.sdk.version'.length +
      7 +
      'count'.length +
      8 +
      'ratio'.length +
      8 +
      'ok'.length +
      1 +
      'tags'.length +
      2;
    expect(row.payload_size_bytes).toBe(expected);
  });

  it('defaults the severity number from the level and accepts RFC 3339 timestamps', () => {
    const { records } = run({ items: [entry({ level: 'warn', timestamp: '2027-01-15T08:00:00.5Z' })] });
    expect(records[0]).toMatchObject({
      severity_number: 13,
      timestamp: Date.UTC(2027, 0, 15, 8) * 1000 + 500_000,
    });
  });

  it('rejects the whole container when item_count does not match, or it is not JSON', () => {
    const payload = Buffer.from(JSON.stringify({ items: [entry(), entry()] }));
    expect(processLogItem(payload, { ...HEADERS, item_count: 3 }, ctx())).toEqual({
      kind: 'drop',
      outcome: 'invalid',
      reason: 'invalid_json',
    });
    expect(processLogItem(payload, { ...HEADERS }, ctx())).toMatchObject({ reason: 'invalid_json' });
    expect(processLogItem(Buffer.from('{"items": ['), { ...HEADERS, item_count: 1 }, ctx())).toMatchObject({
      reason: 'invalid_json',
    });
    expect(processLogItem(payload, { content_type: 'application/json', item_count: 2 }, ctx())).toMatchObject(
      {
        reason: 'invalid_json',
      },
    );
  });

  it('drops invalid entries one by one with invalid_log and their canonical size', () => {
    const { records, dropped } = run({
      items: [
        entry(),
        entry({ level: 'verbose' }),
        entry({ trace_id: 'nope' }),
        entry({ body: 42 }),
        entry({ timestamp: undefined }),
        'not an object',
      ],
    });
    expect(records).toHaveLength(1);
    expect(dropped).toEqual([
      // Three bodies of 14 bytes; the numeric body and the non-object count the minimum of 1.
      { reason: 'invalid_log', count: 5, bytes: 'User logged in'.length * 3 + 1 + 1 },
    ]);
  });

  it('drops entries over max_log_size as too_large:log', () => {
    const { records, dropped } = run(
      { items: [entry({ body: 'x'.repeat(200) }), entry({ body: 'short' })] },
      ctx({ maxLogSize: 100 }),
    );
    expect(records.map((r) => r.body)).toEqual(['short']);
    expect(dropped).toEqual([{ reason: 'too_large:log', count: 1, bytes: 200 }]);
  });

  it('strips __header and keeps invalid or unknown attribute types only in _meta', () => {
    const { records } = run({
      items: [
        entry({
          __header: { byte_size: 999 },
          span_id: 'xyz',
          attributes: {
            good: { type: 'string', value: 'v' },
            wrong: { type: 'integer', value: 'ten' },
            future: { type: 'uuid', value: 'abc' },
            mixed: { type: 'array', value: ['a', 1] },
            empty: { type: 'string' },
          },
        }),
      ],
    });
    const row = records[0]!;
    expect(row.attributes_string.good).toBe('v');
    expect(row.attributes_string).not.toHaveProperty('wrong');
    expect(row.attributes_array).toEqual({});
    expect(row.span_id).toBe('');
    expect(JSON.parse(row.meta)).toEqual({
      span_id: { '': { err: ['invalid_data'], val: 'xyz' } },
      attributes: {
        wrong: { '': { err: ['invalid_data'], val: { type: 'integer', value: 'ten' } } },
        future: { '': { err: ['invalid_data'], val: { type: 'uuid', value: 'abc' } } },
        mixed: { '': { err: ['invalid_data'], val: { type: 'array', value: ['a', 1] } } },
        empty: { '': { err: ['missing_attribute'], val: { type: 'string' } } },
      },
    });
    // __header is Relay bookkeeping, not an attribute or a field of the row.
    expect(JSON.stringify(row)).not.toContain('byte_size');
  });

  it('scrubs the strings of array attributes, with remarks keyed by element index', () => {
    const { records } = run({
      items: [
        entry({
          attributes: {
            cards: { type: 'array', value: ['foo', '4242424242424242', 'bar'] },
            counts: { type: 'array', value: [1, 2] },
          },
        }),
      ],
    });
    const row = records[0]!;
    expect(JSON.parse(row.attributes_array.cards!)).toEqual(['foo', '[Filtered]', 'bar']);
    expect(JSON.parse(row.attributes_array.counts!)).toEqual([1, 2]);
    const meta = JSON.parse(row.meta) as { attributes: Record<string, unknown> };
    expect(meta.attributes.cards).toEqual({
      value: { '1': { '': { rem: [['@creditcard:filter', 's', 0, 10]], len: 16 } } },
    });
  });

  it('scrubs the body with replace-only rules and string attributes with the default rules', () => {
    const { records } = run({
      items: [
        entry({
          body: 'mail user@example.com card 4571234567890111',
          attributes: {
            password: { type: 'string', value: 'hunter2' },
            'user.email': { type: 'string', value: 'jane@example.com' },
            note: { type: 'string', value: 'card 4571 2345 6789 0111' },
            'sentry.release': { type: 'string', value: 'secret-release' },
            count: { type: 'integer', value: 3 },
          },
        }),
      ],
    });
    const row = records[0]!;
    expect(row.body).toBe('mail [email] card [creditcard]');
    expect(row.attributes_string.password).toBe('[Filtered]');
    // Emails are only replaced by the replace-only rules (bodies), not filtered in attributes.
    expect(row.attributes_string['user.email']).toBe('jane@example.com');
    expect(row.attributes_string.note).toBe('card [Filtered]');
    expect(row.attributes_string['sentry.release']).toBe('secret-release');
    expect(row.attributes_int.count).toBe(3);
    const meta = JSON.parse(row.meta) as Record<string, Record<string, unknown>>;
    expect(meta.body).toEqual({
      '': {
        rem: [
          ['@email:replace', 's', 5, 12],
          ['@creditcard:replace', 's', 18, 30],
        ],
        len: 43,
      },
    });
    expect(meta.attributes!.password).toEqual({
      value: { '': { rem: [['@password:filter', 's', 0, 10]], len: 7 } },
    });
  });

  it('honours sensitive and safe fields of the project settings', () => {
    const { records } = run(
      {
        items: [
          entry({
            attributes: { password: { type: 'string', value: 'x' }, mine: { type: 'string', value: 'y' } },
          }),
        ],
      },
      ctx({
        scrubbing: {
          scrubData: true,
          scrubDefaults: true,
          sensitiveFields: ['mine'],
          excludeFields: ['password'],
          scrubIpAddresses: false,
        },
      }),
    );
    expect(records[0]!.attributes_string).toMatchObject({ password: 'x', mine: '[Filtered]' });
  });

  it('infers browser and client IP as the container version and ingest settings allow', () => {
    const ua =
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.109 Safari/537.36';
    const c = ctx({ userAgent: ua });
    const auto = run(
      { version: 2, ingest_settings: { infer_ip: 'auto', infer_user_agent: 'auto' }, items: [entry()] },
      c,
    ).records[0]!;
    expect(auto.attributes_string).toMatchObject({
      'browser.name': 'Chrome',
      'browser.version': '120.0.6099',
      'client.address': '203.0.113.7',
    });
    const never = run(
      { version: 2, ingest_settings: { infer_ip: 'never', infer_user_agent: 'never' }, items: [entry()] },
      c,
    ).records[0]!;
    expect(never.attributes_string['browser.name']).toBeUndefined();
    expect(never.attributes_string['client.address']).toBeUndefined();
    // Version-less containers: the user agent always, the IP only for an explicit {{auto}}.
    const legacy = run(
      { items: [entry({ attributes: { 'client.address': { type: 'string', value: '{{auto}}' } } })] },
      c,
    ).records[0]!;
    expect(legacy.attributes_string['browser.name']).toBe('Chrome');
    expect(legacy.attributes_string['client.address']).toBe('203.0.113.7');
    // An {{auto}} address without a usable client IP is removed.
    const noIp = run(
      { items: [entry({ attributes: { 'client.address': { type: 'string', value: '{{auto}}' } } })] },
      ctx({ clientIp: undefined }),
    ).records[0]!;
    expect(noIp.attributes_string).not.toHaveProperty('client.address');
    // Sent browser attributes win.
    const sent = run(
      { items: [entry({ attributes: { 'browser.name': { type: 'string', value: 'Lynx' } } })] },
      c,
    ).records[0]!;
    expect(sent.attributes_string['browser.name']).toBe('Lynx');
    expect(sent.attributes_string['browser.version']).toBeUndefined();
  });
});
