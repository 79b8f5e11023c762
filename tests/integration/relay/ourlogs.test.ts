// Port of Relay's tests/integration/test_ourlogs.py (getsentry/relay): `log` containers
// (`application/vnd.sentry.items.log+json`) become one stored log per entry with typed
// attributes, invalid attributes dropped with a `_meta` remark, default PII scrubbing of
// attributes and bodies, browser name and version from the request's User-Agent, and `log_item` /
// `log_byte` outcomes. Relay reads the EAP trace items it produced to Kafka; here the rows of
// Vigil's `logs` table (attributes in one map per type, remarks in `meta`). The project's
// `piiConfig`, scrubbing settings and inbound filters are set through the config API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  envelopeBytes,
  outcomesDuring,
  queryRows,
  relayFullProjectConfig,
  sendEnvelope,
  setProjectConfig,
  startRelayTestServer,
  type Json,
  type RelayTestServer,
} from './harness.js';

let server: RelayTestServer;

beforeAll(async () => {
  server = await startRelayTestServer('ourlogs');
}, 60_000);

afterAll(async () => {
  await server?.close();
});

/** The User-Agent of Python's requests 2.32, which Relay's test client sends. */
const REQUESTS_UA = 'python-requests/2.32.3';

/** Relay's `envelope_with_sentry_logs(*payloads)`: one log container with `item_count`. */
function logEnvelope(...payloads: Json[]): Buffer {
  return envelopeBytes({}, [
    {
      headers: {
        type: 'log',
        content_type: 'application/vnd.sentry.items.log+json',
        item_count: payloads.length,
      },
      payload: { items: payloads },
    },
  ]);
}

interface LogRow {
  trace_id: string;
  span_id: string;
  level: string;
  body: string;
  timestamp: number;
  attributes_string: Record<string, string>;
  attributes_int: Record<string, number>;
  attributes_float: Record<string, number>;
  attributes_bool: Record<string, boolean>;
  attributes_array: Record<string, string>;
  meta: string;
  retention_days: number;
}

/** The columns of a {@link LogRow}. */
const LOG_COLUMNS = `trace_id, span_id, level, body, toUnixTimestamp64Micro(timestamp) / 1e6 AS timestamp,
  attributes_string, attributes_int, attributes_float, attributes_bool, attributes_array, meta, retention_days`;

/** Sends the logs with `headers` and returns the stored rows whose body is among `bodies`. */
async function sendLogs(payloads: Json[], headers: Record<string, string> = {}): Promise<LogRow[]> {
  const res = await sendEnvelope(server, logEnvelope(...payloads), { 'user-agent': REQUESTS_UA, ...headers });
  expect(res.status).toBe(200);
  await server.vigil.flush();
  const bodies = payloads.map((p) => `'${String(p.body).replace(/'/g, "\\'")}'`).join(', ');
  const marker = payloads.map((p) => `'${String(p.span_id ?? '')}'`).join(', ');
  return queryRows<LogRow>(
    server,
    `SELECT ${LOG_COLUMNS} FROM logs WHERE body IN (${bodies}) AND span_id IN (${marker}) ORDER BY span_id DESC`,
  );
}

const TRACE_ID = '5b8efff798038103d269b633813fc60c';
let spanCounter = 0;
/** A fresh span id per log, so each test finds only its own rows. */
const spanId = () => `eee19b7ec3c1${(0x1000 + spanCounter++).toString(16)}`;

/** The `_meta` remarks of a row's attributes. */
function attributeMeta(row: LogRow): Record<string, unknown> {
  return (JSON.parse(row.meta || '{}') as { attributes?: Record<string, unknown> }).attributes ?? {};
}

/** Accepted/invalid totals of the log categories so far. */
function logOutcomes(outcome: 'accepted') {
  const o = server.vigil.outcomes;
  return { items: o.total(outcome, 'log_item'), bytes: o.total(outcome, 'log_byte') };
}

it('test_ourlog_multiple_containers_not_allowed: an envelope with two log containers is refused', async () => {
  // The stored test expects 200 and `invalid` / `duplicate_item` outcomes from processing. Relay's
  // current edge refuses a second log container before that (`check_envelope_size_limits` in
  // relay-server/src/utils/sizes.rs: log containers have `total_count: 1`), with 413, and so does
  // Vigil. Either way nothing is stored.
  const ts = Date.now() / 1000;
  const container = (id: string) => ({
    headers: { type: 'log', content_type: 'application/vnd.sentry.items.log+json', item_count: 1 },
    payload: {
      items: [{ timestamp: ts, trace_id: TRACE_ID, span_id: id, level: 'error', body: 'oops, not again' }],
    },
  });
  const ids = [spanId(), spanId()];
  const res = await sendEnvelope(server, envelopeBytes({}, ids.map(container)));
  expect(res.status).toBe(413);
  expect(res.json).toEqual({
    detail:
      "envelope exceeded size limits for type 'log' (https://develop.sentry.dev/sdk/envelopes/#size-limits)",
  });
  await server.vigil.flush();
  const rows = await queryRows(server, `SELECT 1 FROM logs WHERE span_id IN ('${ids.join("', '")}')`);
  expect(rows).toEqual([]);
});

it('test_ourlog_extraction_with_sentry_logs: stores typed attributes, drops invalid ones with remarks', async () => {
  const before = logOutcomes('accepted');
  const ts = Date.now() / 1000;
  const [first, second] = [spanId(), spanId()];
  const rows = await sendLogs([
    { timestamp: ts, trace_id: TRACE_ID, span_id: first, level: 'error', body: 'This is really bad' },
    {
      timestamp: ts,
      trace_id: TRACE_ID,
      span_id: second,
      level: 'info',
      body: 'Example log record',
      attributes: {
        'boolean.attribute': { value: true, type: 'boolean' },
        'integer.attribute': { value: 42, type: 'integer' },
        'double.attribute': { value: 1.23, type: 'double' },
        'string.attribute': { value: 'some string', type: 'string' },
        pii: { value: '4242 4242 4242 4242', type: 'string' },
        pii_array: { value: ['foo', '4242424242424242', 'bar'], type: 'array' },
        'sentry.severity_text': { value: 'info', type: 'string' },
        'http.response_content_length': { value: 17, type: 'integer' },
        unknown_type: { value: 'info', type: 'unknown' },
        broken_type: { value: 'info', type: 'not_a_real_type' },
        mismatched_type: { value: 'some string', type: 'boolean' },
        string_array: { value: ['foo', 'bar'], type: 'array' },
        mixed_array: { value: ['foo', 3.0], type: 'array' },
        null_array: { value: [null, null], type: 'array' },
        valid_string_with_other: { value: 'test', type: 'string', some_other_field: 'some_other_value' },
      },
    },
  ]);
  expect(rows.map((r) => [r.span_id, r.level, r.body, r.trace_id])).toEqual([
    [second, 'info', 'Example log record', TRACE_ID],
    [first, 'error', 'This is really bad', TRACE_ID],
  ]);
  for (const row of rows) {
    expect(Math.abs(row.timestamp - ts)).toBeLessThan(1);
    expect(Number(row.attributes_string['sentry.observed_timestamp_nanos']) / 1e9).toBeGreaterThanOrEqual(
      ts - 1,
    );
  }
  const row = rows[0]!;
  expect(row.attributes_bool).toEqual({ 'boolean.attribute': true });
  expect(row.attributes_int).toEqual({ 'integer.attribute': 42, 'http.response_content_length': 17 });
  expect(row.attributes_float).toEqual({ 'double.attribute': 1.23 });
  expect(row.attributes_string).toMatchObject({
    'string.attribute': 'some string',
    'sentry.severity_text': 'info',
    valid_string_with_other: 'test',
    // Relay's test project has a piiConfig with `@creditcard` (→ `[creditcard]`); with Sentry's
    // default scrubbing, which Vigil applies, `@creditcard:filter` gives `[Filtered]`.
    pii: '[Filtered]',
  });
  expect(Object.keys(row.attributes_string)).not.toContain('unknown_type');
  expect(JSON.parse(row.attributes_array.pii_array!)).toEqual(['foo', '[Filtered]', 'bar']);
  expect(JSON.parse(row.attributes_array.string_array!)).toEqual(['foo', 'bar']);
  expect(JSON.parse(row.attributes_array.null_array!)).toEqual([null, null]);
  expect(row.attributes_array).not.toHaveProperty('mixed_array');
  expect(attributeMeta(row)).toEqual({
    broken_type: { '': { err: ['invalid_data'], val: { type: 'not_a_real_type', value: 'info' } } },
    mixed_array: { '': { err: ['invalid_data'], val: { type: 'array', value: ['foo', 3] } } },
    mismatched_type: { '': { err: ['invalid_data'], val: { type: 'boolean', value: 'some string' } } },
    unknown_type: { '': { err: ['invalid_data'], val: { type: 'unknown', value: 'info' } } },
    pii: { value: { '': { rem: [['@creditcard:filter', 's', 0, 10]], len: 19 } } },
    pii_array: { value: { '1': { '': { rem: [['@creditcard:filter', 's', 0, 10]], len: 16 } } } },
  });
  expect(rows.map((r) => r.retention_days)).toEqual([90, 90]);

  const after = logOutcomes('accepted');
  expect(after.items - before.items).toBe(2);
  // Relay: 377 bytes, "billing relevant ... purely based on data received".
  expect(after.bytes - before.bytes).toBe(377);
});

describe('test_ourlog_extraction_default_pii_scrubbing_attributes', () => {
  // conftest.py `secret_attribute`: Sentry's default scrubbing filters password-like keys.
  for (const key of ['password', 'secret_key', 'api_key']) {
    it(`filters the attribute ${key}`, async () => {
      const id = spanId();
      const [row] = await sendLogs([
        {
          timestamp: Date.now() / 1000,
          trace_id: TRACE_ID,
          span_id: id,
          level: 'info',
          body: 'Test log',
          attributes: { [key]: { value: `my_${key}_123`, type: 'string' } },
        },
      ]);
      expect(row!.attributes_string[key]).toBe('[Filtered]');
      const meta = attributeMeta(row!)[key] as { value: { '': { rem: unknown[][] } } };
      expect(meta.value[''].rem).toHaveLength(1);
      expect(meta.value[''].rem[0]![0]).toBe('@password:filter');
    });
  }
});

describe('test_ourlog_default_pii_body', () => {
  // conftest.py `non_destructive`, the cases with Sentry's default scrubbing (scrubData and
  // scrubDefaults on, no piiConfig).
  const cases: Array<[string, string, string]> = [
    [
      'bearer_token_scrubbing',
      'API request failed with Bearer ABC123XYZ789TOKEN and returned 401',
      'API request failed with Bearer [token] and returned 401',
    ],
    [
      'all_scrubbing_when_enabled',
      'API failed with Bearer ABC123TOKEN for user@example.com using card 4111-1111-1111-1111',
      'API failed with Bearer [token] for [email] using card [creditcard]',
    ],
    ['password_not_scrubbed', "User's password is 12345", "User's password is 12345"],
  ];
  for (const [name, input, expected] of cases) {
    it(name, async () => {
      const id = spanId();
      const res = await sendEnvelope(
        server,
        logEnvelope({
          timestamp: Date.now() / 1000,
          trace_id: TRACE_ID,
          span_id: id,
          level: 'info',
          body: input,
        }),
      );
      expect(res.status).toBe(200);
      await server.vigil.flush();
      const [row] = await queryRows<{ body: string; meta: string }>(
        server,
        `SELECT body, meta FROM logs WHERE span_id = '${id}'`,
      );
      expect(row!.body).toBe(expected);
      const meta = JSON.parse(row!.meta || '{}') as { body?: { '': { rem: unknown[]; len: number } } };
      if (input === expected) expect(meta.body).toBeUndefined();
      else expect(meta.body?.[''].len).toBe(input.length);
    });
  }
});

it('test_ourlog_extraction_with_sentry_logs_with_missing_fields: a log without span id is stored', async () => {
  const body = `Example log record 2 ${crypto.randomUUID()}`;
  const ts = Date.now() / 1000;
  const res = await sendEnvelope(
    server,
    logEnvelope({ timestamp: ts, trace_id: TRACE_ID, level: 'warn', body }),
    { 'user-agent': REQUESTS_UA },
  );
  expect(res.status).toBe(200);
  await server.vigil.flush();
  const rows = await queryRows<{ trace_id: string; span_id: string; level: string; retention_days: number }>(
    server,
    `SELECT trace_id, span_id, level, retention_days FROM logs WHERE body = '${body}'`,
  );
  // Relay's `sentry.severity_text` / `sentry.span_id` attributes are Vigil's level and span_id columns.
  expect(rows).toEqual([{ trace_id: TRACE_ID, span_id: '', level: 'warn', retention_days: 90 }]);
});

describe('test_browser_name_version_extraction', () => {
  const cases: Array<[string, string, string]> = [
    [
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      'Chrome',
      '131.0.0',
    ],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
      'Chrome',
      '120.0.0',
    ],
    [
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:121.0) Gecko/20100101 Firefox/121.0',
      'Firefox',
      '121.0',
    ],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:120.0) Gecko/20100101 Firefox/120.0', 'Firefox', '120.0'],
    [
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
      'Safari',
      '17.1',
    ],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0',
      'Edge',
      '120.0.0',
    ],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/119.0.6045.169 Mobile/15E148 Safari/604.1',
      'Chrome Mobile iOS',
      '119.0.6045',
    ],
    [
      'Mozilla/5.0 (Linux; Android 10; SM-G973F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Mobile Safari/537.36',
      'Chrome Mobile',
      '119.0.0',
    ],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
      'Mobile Safari',
      '17.1',
    ],
  ];
  for (const [ua, name, version] of cases) {
    it(`${name} ${version}`, async () => {
      const id = spanId();
      const [row] = await sendLogs(
        [
          {
            timestamp: Date.now() / 1000,
            trace_id: TRACE_ID,
            span_id: id,
            level: 'error',
            body: 'This is really bad',
          },
        ],
        { 'user-agent': ua },
      );
      // Relay's test names them `sentry.browser.name` / `.version`; Vigil writes the names of the
      // Relay version it follows (src/processing/items/eap/enrich.ts).
      expect([row!.attributes_string['browser.name'], row!.attributes_string['browser.version']]).toEqual([
        name,
        version,
      ]);
    });
  }
});

/** One info log with the string attribute `key` = `value`; returns its stored row. */
async function sendAttributeLog(key: string, value: string): Promise<LogRow> {
  const id = spanId();
  const log = {
    timestamp: Date.now() / 1000,
    trace_id: TRACE_ID,
    span_id: id,
    level: 'info',
    body: 'Test log',
  };
  const attributes = { [key]: { value, type: 'string' } };
  const res = await sendEnvelope(server, logEnvelope({ ...log, attributes }), { 'user-agent': REQUESTS_UA });
  expect(res.status).toBe(200);
  await server.vigil.flush();
  // Found by span id: the body may be scrubbed too.
  const [row] = await queryRows<LogRow>(
    server,
    `SELECT trace_id, span_id, level, body, attributes_string, meta FROM logs WHERE span_id = '${id}'`,
  );
  expect(row).toBeDefined();
  return row!;
}

describe('test_ourlog_extraction_with_string_pii_scrubbing', () => {
  // Each rule applied to every string of the project's logs (`piiConfig.applications.$string`).
  const cases: Array<[string, string, string]> = [
    ['@ip', '127.0.0.1', '[ip]'],
    ['@email', 'test@example.com', '[email]'],
    ['@creditcard', '4242424242424242', '[creditcard]'],
    ['@iban', 'DE89370400440532013000', '[iban]'],
    ['@mac', '4a:00:04:10:9b:50', '*****************'],
    ['@uuid', 'ceee0822-ed8f-4622-b2a3-789e73e75cd1', '************************************'],
    ['@imei', '356938035643809', '[imei]'],
    [
      '@pemkey',
      '-----BEGIN EC PRIVATE KEY-----\nMIHbAgEBBEFbLvIaAaez3q0u6BQYMHZ28B7iSdMPPaODUMGkdorl3ShgTbYmzqGL\n-----END EC PRIVATE KEY-----',
      '-----BEGIN EC PRIVATE KEY-----\n[pemkey]\n-----END EC PRIVATE KEY-----',
    ],
    ['@urlauth', 'https://username:password@example.com/', 'https://[auth]@example.com/'],
    ['@usssn', '078-05-1120', '***********'],
    ['@userpath', '/Users/john/Documents', '/Users/[user]/Documents'],
    ['@password', 'my_password_123', ''],
    ['@bearer', 'Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9', 'Bearer [token]'],
  ];
  it.each(cases)('%s', async (ruleType, testValue, expectedScrubbed) => {
    await setProjectConfig(server, {
      ...relayFullProjectConfig(),
      piiConfig: { rules: {}, applications: { $string: [ruleType] } },
    });
    const row = await sendAttributeLog('test_pii', testValue);
    expect(row.attributes_string.test_pii).toBe(expectedScrubbed);
    const meta = attributeMeta(row).test_pii as { value: { '': { rem: Array<[string, ...unknown[]]> } } };
    // The remark names the rule.
    expect(meta.value[''].rem[0]![0]).toContain(ruleType);
  });
});

it('test_ourlog_default_pii_body (no_scrubbing_when_disabled): scrubData false leaves the body alone', async () => {
  await setProjectConfig(server, {
    ...relayFullProjectConfig(),
    piiConfig: {},
    datascrubbingSettings: { scrubData: false, scrubDefaults: true },
  });
  const input = 'API failed with Bearer ABC123TOKEN for user@example.com using card 4111-1111-1111-1111';
  const [row] = await sendLogs([
    { timestamp: Date.now() / 1000, trace_id: TRACE_ID, span_id: spanId(), level: 'info', body: input },
  ]);
  expect(row?.body).toBe(input);
  expect((JSON.parse(row!.meta || '{}') as { body?: unknown }).body).toBeUndefined();
});

describe('trace-item scrubbing of logs (Relay eap::scrub)', () => {
  /** Relay's test project with `datascrubbingSettings` set as the test's `setdefault` does. */
  const scrubbingConfig = (piiConfig: Json): Json => ({
    ...relayFullProjectConfig(),
    datascrubbingSettings: { scrubData: true, scrubDefaults: true, scrubIpAddresses: true },
    piiConfig,
  });
  const anythingEverywhere: Json = {
    rules: {
      remove_custom_field: { type: 'anything', redaction: { method: 'replace', text: '[REDACTED]' } },
    },
    applications: { '**': ['remove_custom_field'] },
  };

  afterAll(async () => {
    await setProjectConfig(server, relayFullProjectConfig());
  });

  /** Sends one log with a fresh span id and returns its stored row, found by span id (the body may be scrubbed). */
  async function storeLog(log: Json, userAgent = REQUESTS_UA): Promise<LogRow> {
    const id = spanId();
    const res = await sendEnvelope(
      server,
      logEnvelope({ timestamp: Date.now() / 1000, trace_id: TRACE_ID, span_id: id, level: 'info', ...log }),
      { 'user-agent': userAgent },
    );
    expect(res.status).toBe(200);
    await server.vigil.flush();
    const [row] = await queryRows<LogRow>(server, `SELECT ${LOG_COLUMNS} FROM logs WHERE span_id = '${id}'`);
    expect(row).toBeDefined();
    return row!;
  }

  it('test_ourlog_extraction_default_pii_scrubbing_does_not_scrub_default_attributes: "**" redacts custom_field only', async () => {
    // "Testing the 'anything' filter as it's the most egregious with deep wildcards."
    await setProjectConfig(server, scrubbingConfig(anythingEverywhere));
    const ts = Date.now() / 1000;
    const row = await storeLog({
      timestamp: ts,
      body: 'Test log',
      attributes: { custom_field: { value: 'custom_value', type: 'string' } },
    });
    // Relay: `sentry.body` "Test log", `sentry.severity_text` "info", `sentry.span_id` — columns here.
    expect([row.body, row.level, row.trace_id]).toEqual(['Test log', 'info', TRACE_ID]);
    // Relay also keeps `sentry.browser.*` ("Python Requests"), which Vigil's parser does not
    // derive from this user agent (PORTED.md); the observed timestamp is kept as it was stamped.
    expect(Object.keys(row.attributes_string).sort()).toEqual([
      'custom_field',
      'sentry.observed_timestamp_nanos',
    ]);
    expect(row.attributes_string.custom_field).toBe('[REDACTED]');
    expect(Number(row.attributes_string['sentry.observed_timestamp_nanos']) / 1e9).toBeGreaterThanOrEqual(
      ts - 1,
    );
    expect(JSON.parse(row.meta)).toEqual({
      attributes: {
        custom_field: { value: { '': { rem: [['remove_custom_field', 's', 0, 10]], len: 12 } } },
      },
    });
    expect(row.retention_days).toBe(90);
  });

  it('"**" leaves Sentry\'s own attributes alone: release, environment, SDK, template, browser', async () => {
    await setProjectConfig(server, scrubbingConfig(anythingEverywhere));
    const attribute = (value: string) => ({ value, type: 'string' });
    const row = await storeLog(
      {
        body: 'User %s logged in',
        attributes: {
          'sentry.release': attribute('backend@1.2.3'),
          'sentry.environment': attribute('production'),
          'sentry.sdk.name': attribute('sentry.javascript.node'),
          'sentry.sdk.version': attribute('11.11.0'),
          'sentry.message.template': attribute('User %s logged in'),
          'sentry.message.parameter.0': attribute('alice'),
          'user.email': attribute('alice@example.com'),
          retries: { value: 3, type: 'integer' },
          cached: { value: true, type: 'boolean' },
        },
      },
      'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
    );
    expect(row.body).toBe('User %s logged in');
    expect(row.attributes_string).toMatchObject({
      'sentry.release': 'backend@1.2.3',
      'sentry.environment': 'production',
      'sentry.sdk.name': 'sentry.javascript.node',
      'sentry.sdk.version': '11.11.0',
      // sentry-conventions: the template is `manual` (only rules naming it), the parameters `auto`.
      'sentry.message.template': 'User %s logged in',
      'sentry.message.parameter.0': '[REDACTED]',
      'user.email': '[REDACTED]',
      'browser.name': 'Firefox',
      'browser.version': '121.0',
    });
    // `anything` can only remove numbers; booleans are never scrubbed.
    expect(row.attributes_int).toEqual({});
    expect(row.attributes_bool).toEqual({ cached: true });
    expect(attributeMeta(row!)).toEqual({
      'sentry.message.parameter.0': { value: { '': { rem: [['remove_custom_field', 's', 0, 10]], len: 5 } } },
      'user.email': { value: { '': { rem: [['remove_custom_field', 's', 0, 10]], len: 17 } } },
      retries: { value: { '': { rem: [['remove_custom_field', 'x']] } } },
    });
  });

  it("Sentry's selectors for log fields: $log.body and $log.attributes.'<key>'.value", async () => {
    await setProjectConfig(
      server,
      scrubbingConfig({
        rules: {
          secret: { type: 'pattern', pattern: 'hunter2', redaction: { method: 'replace', text: '[secret]' } },
        },
        applications: { '$log.body': ['secret'], "$log.attributes.'session.token'.value": ['secret'] },
      }),
    );
    const row = await storeLog({
      body: 'login with hunter2',
      attributes: {
        'session.token': { value: 'hunter2', type: 'string' },
        other: { value: 'hunter2', type: 'string' },
      },
    });
    expect(row.body).toBe('login with [secret]');
    expect(row.attributes_string).toMatchObject({ 'session.token': '[secret]', other: 'hunter2' });
    expect(JSON.parse(row.meta)).toEqual({
      body: { '': { rem: [['secret', 's', 11, 19]], len: 18 } },
      attributes: { 'session.token': { value: { '': { rem: [['secret', 's', 0, 8]], len: 7 } } } },
    });
  });

  it("default rules follow the attributes' pii marks (process.rs test_scrub_log_pii_default_rules)", async () => {
    await setProjectConfig(server, {
      ...scrubbingConfig({}),
      datascrubbingSettings: {
        scrubData: true,
        scrubDefaults: true,
        scrubIpAddresses: true,
        sensitiveFields: ['value', 'very_sensitive_data'],
        excludeFields: ['public_data'],
      },
    });
    const attribute = (value: string) => ({ value, type: 'string' });
    const row = await storeLog({
      body: 'Test log message with sensitive data: user@example.com and 4571234567890111',
      attributes: {
        'user.name': attribute('secret123'),
        'sentry.release': attribute('secret123'),
        'sentry.description': attribute('secret123'),
        // Not in Relay's test: marks of the conventions other than "sentry.* is safe".
        'sentry.message.parameter.0': attribute('secret123'),
        'browser.name': attribute('secret123'),
        password: attribute('secret123'),
        client_ip: attribute('192.168.1.100'),
        user_email: attribute('john.doe@example.com'),
        public_data: attribute('public_data'),
        very_sensitive_data: attribute('very_sensitive_data'),
      },
    });
    expect(row.body).toBe('Test log message with sensitive data: [email] and [creditcard]');
    expect(row.attributes_string).toMatchObject({
      'user.name': '[Filtered]',
      'sentry.release': 'secret123',
      'sentry.description': 'secret123',
      'sentry.message.parameter.0': '[Filtered]',
      'browser.name': 'secret123',
      password: '[Filtered]',
      client_ip: '[ip]',
      user_email: 'john.doe@example.com',
      public_data: 'public_data',
      very_sensitive_data: '[Filtered]',
    });
    const meta = attributeMeta(row!);
    expect(Object.keys(meta).sort()).toEqual([
      'client_ip',
      'password',
      'sentry.message.parameter.0',
      'user.name',
      'very_sensitive_data',
    ]);
    expect(meta['user.name']).toEqual({ value: { '': { rem: [['@password:filter', 's', 0, 10]], len: 9 } } });
  });
});

describe('test_filters_are_applied_to_logs', () => {
  const PERPLEXITY_BOT =
    'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; PerplexityBot/1.0; +https://perplexity.ai/perplexitybot)';
  const cases: Array<[filterName: string, config: Json, userAgent: string | undefined]> = [
    ['release-version', { releases: { releases: ['foobar@1.0'] } }, undefined],
    [
      'legacy-browsers',
      { legacyBrowsers: { isEnabled: true, options: ['ie9'] } },
      'Mozilla/4.0 (compatible; MSIE 9.0; Windows NT 6.0; Trident/5.0)',
    ],
    ['web-crawlers', { webCrawlers: { isEnabled: true } }, PERPLEXITY_BOT],
    ['gen_body', { op: 'glob', name: 'log.body', value: ['fo*'] }, undefined],
    ['gen_attr', { op: 'gte', name: 'log.attributes.some_integer.value', value: 123 }, undefined],
  ];

  afterAll(() => setProjectConfig(server, relayFullProjectConfig()));

  it.each(cases)('%s', async (filterName, config, userAgent) => {
    const filterSettings = filterName.startsWith('gen_')
      ? { generic: { version: 1, filters: [{ id: filterName, isEnabled: true, condition: config }] } }
      : config;
    await setProjectConfig(server, { ...relayFullProjectConfig(), filterSettings });
    const attributes: Json = {
      some_integer: { value: 123, type: 'integer' },
      'sentry.release': { value: 'foobar@1.0', type: 'string' },
    };
    // Relay's test sends the crawler only as the request's User-Agent; uap names the browser it
    // derives `PerplexityBot`, ua-parser-js `WebKit`, so the port also sends it as the log's
    // `user_agent.original`, the raw user agent the filter prefers (see PORTED.md).
    if (filterName === 'web-crawlers')
      attributes['user_agent.original'] = { value: userAgent, type: 'string' };
    const entry = {
      timestamp: Date.now() / 1000,
      trace_id: TRACE_ID,
      span_id: spanId(),
      level: 'error',
      body: 'foo',
      attributes,
    };
    let rows: LogRow[] = [];
    const outcomes = await outcomesDuring(server, async () => {
      rows = await sendLogs([entry], userAgent === undefined ? {} : { 'user-agent': userAgent });
    });
    expect(rows).toEqual([]);
    expect(outcomes).toEqual([
      {
        outcome: 'filtered',
        category: 'log_byte',
        reason: filterName,
        quantity: expect.any(Number) as number,
      },
      { outcome: 'filtered', category: 'log_item', reason: filterName, quantity: 1 },
    ]);
  });
});
