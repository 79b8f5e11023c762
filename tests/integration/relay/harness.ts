/**
 * Shared setup of the Relay integration-test ports (tests/integration/relay/*.test.ts): an
 * in-process Vigil on embedded stores listening on 127.0.0.1, the request helpers of Relay's
 * `tests/integration/fixtures/__init__.py` (`send_event`, `send_envelope`, `send_security_report`
 * ...) and readers of what Vigil stored. Relay's tests assert on what a fake upstream
 * (`mini_sentry`) or Kafka received; the ports assert on the rows Vigil wrote to ClickHouse and
 * on the outcomes it recorded, after `vigil.flush()`.
 */
import http from 'node:http';
import type { Vigil } from '../../../src/server/app.js';
import { startTestVigil, type TestVigil } from '../../helpers/in-process-vigil.js';

/** A JSON object as read back from the stores. */
export type Json = Record<string, unknown>;

/** The `sentry_client` Relay's fixtures put in every auth header. */
export const RELAY_TEST_CLIENT = 'raven-node/2.6.3';

/** A started in-process server and the DSN parts Relay's fixtures derive from `mini_sentry`. */
export type RelayTestServer = TestVigil;

/**
 * Starts Vigil in-process (processing on the main thread) with a fresh data dir named after
 * `name`, listening on a free loopback port. Close it in `afterAll`.
 */
export async function startRelayTestServer(name: string): Promise<RelayTestServer> {
  return startTestVigil(`relay-${name}`, (config) => {
    config.logLevel = 'silent';
    // Relay's test projects have no inbound filters; Vigil's bootstrap project gets Sentry's
    // defaults (legacy browsers would filter the old-Chrome fixtures), so start from an empty config.
    config.projects = [{ organization: 'vigil', project: 'default', config: {}, warnings: [] }];
  });
}

/** Relay's fixture auth header (`SentryLike.get_auth_header`) for `publicKey`. */
export function authHeader(publicKey: string): string {
  return `Sentry sentry_version=5, sentry_timestamp=1535376240291, sentry_client=${RELAY_TEST_CLIENT}, sentry_key=${publicKey}`;
}

/** One item of {@link envelopeBytes}: headers (without `length`, which is added) and payload. */
export interface TestItem {
  headers: Json & { type: string };
  payload: string | Buffer | Json | unknown[];
}

/**
 * Serializes an envelope the way `sentry_sdk.envelope.Envelope.serialize` does: the header
 * line, then per item a header line with `length` and the payload (JSON values are
 * `JSON.stringify`'d) followed by a newline.
 */
export function envelopeBytes(headers: Json, items: readonly TestItem[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`${JSON.stringify(headers)}\n`)];
  for (const item of items) {
    const payload = Buffer.isBuffer(item.payload)
      ? item.payload
      : Buffer.from(typeof item.payload === 'string' ? item.payload : JSON.stringify(item.payload));
    parts.push(Buffer.from(`${JSON.stringify({ ...item.headers, length: payload.length })}\n`));
    parts.push(payload, Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}

/** A response as the ports look at it. */
export interface TestResponse {
  status: number;
  headers: Headers;
  /** The body as text. */
  text: string;
  /** The body parsed as JSON, `undefined` when it is not JSON. */
  json: unknown;
}

/**
 * One HTTP request to the server on a connection of its own (`Connection: close`, no keep-alive
 * pool), reading the whole answer. Fresh connections keep requests whose bodies the server did
 * not read (413 before the body) from lingering in a pool and holding up the server's close.
 * A request that fails after its answer arrived (the server closed while the body was still
 * being sent) resolves with that answer.
 */
export function request(
  server: RelayTestServer,
  pathAndQuery: string,
  init: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<TestResponse> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request(
      `${server.url}${pathAndQuery}`,
      { method: init.method ?? 'POST', headers: init.headers, agent: false },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
          }
          resolve({ status: res.statusCode ?? 0, headers, text, json });
        });
      },
    );
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    req.end(init.body);
  });
}

/**
 * Relay's `send_event`: POST `/api/{id}/store/` with the payload (JSON object, or raw bytes),
 * `Content-Type: application/octet-stream` and the fixture auth header; `headers` override.
 */
export function sendEvent(
  server: RelayTestServer,
  payload: Json | Buffer = { message: 'Hello, World!' },
  headers: Record<string, string> = {},
): Promise<TestResponse> {
  return request(server, `/api/${server.projectId}/store/`, {
    headers: {
      'content-type': 'application/octet-stream',
      'x-sentry-auth': authHeader(server.publicKey),
      ...headers,
    },
    body: Buffer.isBuffer(payload) ? payload : JSON.stringify(payload),
  });
}

/** Relay's `send_envelope`: POST `/api/{id}/envelope/` with the fixture auth header; `headers` override. */
export function sendEnvelope(
  server: RelayTestServer,
  body: Buffer,
  headers: Record<string, string> = {},
): Promise<TestResponse> {
  return request(server, `/api/${server.projectId}/envelope/`, {
    headers: {
      'content-type': 'application/x-sentry-envelope',
      'x-sentry-auth': authHeader(server.publicKey),
      ...headers,
    },
    body,
  });
}

/** Rows of a ClickHouse query (JSONEachRow). */
export async function queryRows<T = Json>(server: RelayTestServer, sql: string): Promise<T[]> {
  const result = await server.vigil.clickhouse.client.query({ query: sql, format: 'JSONEachRow' });
  return result.json<T>();
}

/**
 * The stored error events (the `data` column: the normalized event as Vigil keeps it), oldest
 * receive time first, after flushing everything accepted so far. `where` is a SQL condition on
 * the `events` table.
 */
export async function storedEvents(server: RelayTestServer, where = '1'): Promise<Json[]> {
  await server.vigil.flush();
  const rows = await queryRows<{ data: string }>(
    server,
    `SELECT data FROM events WHERE ${where} ORDER BY received, event_id`,
  );
  return rows.map((row) => JSON.parse(row.data) as Json);
}

/** The one stored event whose `event_id` is `eventId` (32 hex), or `undefined`. */
export async function storedEvent(server: RelayTestServer, eventId: string): Promise<Json | undefined> {
  const [event] = await storedEvents(server, `event_id = toUUID('${uuidText(eventId)}')`);
  return event;
}

/** 32 hex digits → the dashed UUID text ClickHouse parses. */
export function uuidText(hex: string): string {
  const h = hex.replace(/-/g, '').toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A fresh event id (32 lowercase hex digits). */
export function newEventId(): string {
  return crypto.randomUUID().replace(/-/g, '');
}

/**
 * The `config` of Relay's `mini_sentry.full_project_config` (tests/integration/fixtures/
 * mini_sentry.py) in Vigil's shape: no inbound filters and Relay's test `piiConfig` (`@email`,
 * `@mac`, `@creditcard`, `@userpath` on every string, `@password` on objects). The fixture's
 * scrubbing keys (`scrubData`, `scrubDefaults` ...) sit at the top level, where Relay does not
 * read them, so Relay runs it without `datascrubbingSettings` (all off); Vigil's absent settings
 * are Sentry's defaults, hence the explicit ones here. Vigil's bootstrap project has Sentry's
 * default filters, so a port that relies on Relay's config sets this first.
 */
export function relayFullProjectConfig(): Json {
  return {
    filterSettings: {},
    datascrubbingSettings: { scrubData: false, scrubDefaults: false, scrubIpAddresses: false },
    piiConfig: {
      rules: {},
      applications: {
        $string: ['@email', '@mac', '@creditcard', '@userpath'],
        $object: ['@password'],
      },
    },
  };
}

/**
 * Replaces the default project's config (Relay's JSON: quotas, filterSettings,
 * datascrubbingSettings, piiConfig, sampling) through Vigil's
 * `PUT /api/0/projects/{org}/{project}/config/` with the admin token; the next envelope carries
 * it. Throws when the API refuses the config.
 */
export async function setProjectConfig(server: RelayTestServer, config: Json): Promise<void> {
  const res = await server.vigil.app.inject({
    method: 'PUT',
    url: '/api/0/projects/vigil/default/config/',
    headers: { authorization: `Bearer ${server.vigil.adminToken}`, 'content-type': 'application/json' },
    payload: config,
  });
  if (res.statusCode !== 200) throw new Error(`project config refused (${res.statusCode}): ${res.body}`);
}

/**
 * Relay's `send_transaction`: the transaction in an envelope (`event_id` header from the
 * payload) through {@link sendEnvelope}.
 */
export function sendTransaction(server: RelayTestServer, transaction: Json): Promise<TestResponse> {
  const headers: Json = typeof transaction.event_id === 'string' ? { event_id: transaction.event_id } : {};
  return sendEnvelope(
    server,
    envelopeBytes(headers, [{ headers: { type: 'transaction' }, payload: transaction }]),
  );
}

/**
 * How much `outcomes.total(outcome, category, reason)` grows while `action` runs (after
 * `vigil.flush()`), for tests that check one outcome.
 */
export async function outcomeDelta(
  server: RelayTestServer,
  key: Parameters<Vigil['outcomes']['total']>,
  action: () => Promise<unknown>,
): Promise<number> {
  const before = server.vigil.outcomes.total(...key);
  await action();
  await server.vigil.flush();
  return server.vigil.outcomes.total(...key) - before;
}

/** One outcome sum an action added: Relay's outcome fields without the scoping and timestamp. */
export interface OutcomeChange {
  outcome: string;
  category: string;
  /** `null` when the outcome has no reason (Relay omits it). */
  reason: string | null;
  quantity: number;
}

/**
 * Runs `action`, flushes, and returns every outcome sum that grew, sorted by outcome, category
 * and reason: what Relay's tests read from the outcomes topic (aggregated per reason and
 * category), so a test can compare the complete list.
 */
export async function outcomesDuring(
  server: RelayTestServer,
  action: () => Promise<unknown>,
): Promise<OutcomeChange[]> {
  const before = server.vigil.outcomes.totals();
  await action();
  await server.vigil.flush();
  const changes: OutcomeChange[] = [];
  for (const [key, total] of server.vigil.outcomes.totals()) {
    const quantity = total - (before.get(key) ?? 0);
    if (quantity === 0) continue;
    const first = key.indexOf(':');
    const second = key.indexOf(':', first + 1);
    const reason = key.slice(second + 1);
    changes.push({
      outcome: key.slice(0, first),
      category: key.slice(first + 1, second),
      reason: reason === '' ? null : reason,
      quantity,
    });
  }
  const order = (c: OutcomeChange) => `${c.outcome}\0${c.category}\0${c.reason ?? ''}`;
  return changes.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}
