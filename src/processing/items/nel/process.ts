/**
 * Network Error Logging reports (W3C NEL, `"type": "network-error"` in a Reporting API list) →
 * entries of a `log` container, as Relay's `relay-ourlogs` `nel::create_log` converts them
 * (reference/relay-protocol.md §1.4; newest Relay stores NEL as logs, `tests/integration/test_nel.py`):
 *
 * - body: a readable description of `body.type` (`DNS server is unreachable`, `The user agent
 *   successfully received a response, but it had a 503 status code`, …), else the type itself;
 * - level `info`, a random trace id, timestamp = receive time − `age` (milliseconds);
 * - attributes `sentry.origin` = `auto.http.browser_reports.nel`, `report_type` =
 *   `network-error`, `url.domain`, `url.full`, `http.request.duration`, `http.request.method`,
 *   `http.request.header.referer`, `http.response.status_code`, `network.protocol`,
 *   `server.address`, `nel.phase`, `nel.sampling_fraction`, `nel.type` (those present).
 *
 * A report that is not an object with an object `body` yields no log; the caller counts it
 * `invalid` / `invalid_json` (Relay's `InvalidNelReport`). Pure: no I/O.
 */
import { isJsonObject, type JsonObject, type JsonValue, parseJsonText } from '../../../protocol/json.js';
import { newEventId } from '../../normalize/index.js';

/** `sentry.origin` of logs made from NEL reports. */
export const NEL_LOG_ORIGIN = 'auto.http.browser_reports.nel';

/** Descriptions of the NEL error types (W3C spec and Chromium's extensions), as Relay words them. */
const NEL_DESCRIPTIONS: Readonly<Record<string, string>> = {
  'dns.unreachable': 'DNS server is unreachable',
  'dns.name_not_resolved': 'DNS server responded but is unable to resolve the address',
  'dns.failed': 'Request to the DNS server failed due to reasons not covered by previous errors',
  'dns.address_changed':
    "Indicates that the resolved IP address for a request's origin has changed since the corresponding NEL policy was received",
  'tcp.timed_out': 'TCP connection to the server timed out',
  'tcp.closed': 'The TCP connection was closed by the server',
  'tcp.reset': 'The TCP connection was reset',
  'tcp.refused': 'The TCP connection was refused by the server',
  'tcp.aborted': 'The TCP connection was aborted',
  'tcp.address_invalid': 'The IP address is invalid',
  'tcp.address_unreachable': 'The IP address is unreachable',
  'tcp.failed': 'The TCP connection failed due to reasons not covered by previous errors',
  'tls.version_or_cipher_mismatch': 'The TLS connection was aborted due to version or cipher mismatch',
  'tls.bad_client_auth_cert': 'The TLS connection was aborted due to invalid client certificate',
  'tls.cert.name_invalid': 'The TLS connection was aborted due to invalid name',
  'tls.cert.date_invalid': 'The TLS connection was aborted due to invalid certificate date',
  'tls.cert.authority_invalid': 'The TLS connection was aborted due to invalid issuing authority',
  'tls.cert.invalid': 'The TLS connection was aborted due to invalid certificate',
  'tls.cert.revoked': 'The TLS connection was aborted due to revoked server certificate',
  'tls.cert.pinned_key_not_in_cert_chain': 'The TLS connection was aborted due to a key pinning error',
  'tls.protocol.error': 'The TLS connection was aborted due to a TLS protocol error',
  'tls.failed': 'The TLS connection failed due to reasons not covered by previous errors',
  'http.error': 'The user agent successfully received a response, but it had a {} status code',
  'http.protocol.error': 'The connection was aborted due to an HTTP protocol error',
  'http.response.invalid':
    'Response is empty, has a content-length mismatch, has improper encoding, and/or other conditions that prevent user agent from processing the response',
  'http.response.redirect_loop': 'The request was aborted due to a detected redirect loop',
  'http.failed': 'The connection failed due to errors in HTTP protocol not covered by previous errors',
  abandoned: 'User aborted the resource fetch before it is complete',
  unknown: 'error type is unknown',
  'dns.protocol': 'ERR_DNS_MALFORMED_RESPONSE',
  'dns.server': 'ERR_DNS_SERVER_FAILED',
  'tls.unrecognized_name_alert': 'ERR_SSL_UNRECOGNIZED_NAME_ALERT',
  'h2.ping_failed': 'ERR_HTTP2_PING_FAILED',
  'h2.protocol.error': 'ERR_HTTP2_PROTOCOL_ERROR',
  'h3.protocol.error': 'ERR_QUIC_PROTOCOL_ERROR',
  'http.response.invalid.empty': 'ERR_EMPTY_RESPONSE',
  'http.response.invalid.content_length_mismatch': 'ERR_CONTENT_LENGTH_MISMATCH',
  'http.response.invalid.incomplete_chunked_encoding': 'ERR_INCOMPLETE_CHUNKED_ENCODING',
  'http.response.invalid.invalid_chunked_encoding': 'ERR_INVALID_CHUNKED_ENCODING',
  'http.request.range_not_satisfiable': 'ERR_REQUEST_RANGE_NOT_SATISFIABLE',
  'http.response.headers.truncated': 'ERR_RESPONSE_HEADERS_TRUNCATED',
  'http.response.headers.multiple_content_disposition': 'ERR_RESPONSE_HEADERS_MULTIPLE_CONTENT_DISPOSITION',
  'http.response.headers.multiple_content_length': 'ERR_RESPONSE_HEADERS_MULTIPLE_CONTENT_LENGTH',
};

/** The log body of a NEL error type (Relay's `create_message`). */
export function nelMessage(errorType: string, statusCode: number | undefined): string {
  const template = Object.hasOwn(NEL_DESCRIPTIONS, errorType) ? NEL_DESCRIPTIONS[errorType] : undefined;
  if (template === undefined) return errorType;
  return errorType === 'http.error' ? template.replace('{}', String(statusCode ?? 0)) : template;
}

/**
 * The host of a URL-ish server address (Relay's `extract_server_address`): `https://a.com:8/x` →
 * `a.com`, `http://[::1]:8080/` → `[::1]`; anything not starting with `http(s)://` is kept.
 */
export function serverAddress(address: string): string {
  const match = /^https?:\/\/(.*)$/su.exec(address);
  if (match === null) return address;
  const rest = match[1] as string;
  if (rest === '') return address;
  const hostPort = rest.split('/')[0]!.split('?')[0]!.split('#')[0]!;
  if (hostPort.startsWith('[')) {
    const end = hostPort.indexOf(']');
    return end === -1 ? rest : hostPort.slice(0, end + 1);
  }
  return hostPort.split(':')[0] as string;
}

const str = (value: JsonValue | undefined): string | undefined =>
  typeof value === 'string' ? value : undefined;
const int = (value: JsonValue | undefined): number | undefined =>
  typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;
const num = (value: JsonValue | undefined): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

/**
 * The `log` container entry of one NEL report received at `receivedAt` (Unix seconds), or
 * `undefined` when the report is not an object with an object `body`.
 */
export function nelReportToLogEntry(report: JsonValue, receivedAt: number): JsonObject | undefined {
  if (!isJsonObject(report) || !isJsonObject(report.body)) return undefined;
  const body = report.body;
  const attributes: JsonObject = {};
  const add = (
    key: string,
    type: 'string' | 'integer' | 'double',
    value: string | number | undefined,
  ): void => {
    if (value !== undefined) attributes[key] = { type, value };
  };
  const url = str(report.url);
  const serverIp = str(body.server_ip);
  const statusCode = int(body.status_code);
  add('sentry.origin', 'string', NEL_LOG_ORIGIN);
  add('report_type', 'string', 'network-error');
  add('url.domain', 'string', url === undefined ? undefined : serverAddress(url));
  add('url.full', 'string', url);
  add('http.request.duration', 'integer', int(body.elapsed_time));
  add('http.request.method', 'string', str(body.method));
  add('http.request.header.referer', 'string', str(body.referrer));
  add('http.response.status_code', 'integer', statusCode);
  add('network.protocol', 'string', str(body.protocol));
  add('server.address', 'string', serverIp === undefined ? undefined : serverAddress(serverIp));
  add('nel.phase', 'string', str(body.phase));
  add('nel.sampling_fraction', 'double', num(body.sampling_fraction));
  add('nel.type', 'string', str(body.type));
  const ageMs = int(report.age) ?? 0;
  return {
    timestamp: receivedAt - ageMs / 1000,
    trace_id: newEventId(),
    level: 'info',
    body: nelMessage(str(body.type) ?? 'unknown', statusCode),
    attributes,
  };
}

/** The entries of a `nel` item payload and how many of its reports were unusable. */
export interface NelEntries {
  entries: JsonObject[];
  /** Reports that became no log (`invalid` / `invalid_json`), or 1 for an unparseable payload. */
  invalid: number;
}

/**
 * Converts a `nel` item payload (a JSON list of NEL reports, or one report object) into log
 * container entries; never throws.
 */
export function nelPayloadToEntries(payload: Buffer, receivedAt: number): NelEntries {
  let parsed: unknown;
  try {
    parsed = parseJsonText(payload.toString('utf8'));
  } catch {
    return { entries: [], invalid: 1 };
  }
  const reports = (Array.isArray(parsed) ? parsed : [parsed]) as JsonValue[];
  const result: NelEntries = { entries: [], invalid: 0 };
  for (const report of reports) {
    const entry = nelReportToLogEntry(report, receivedAt);
    if (entry === undefined) result.invalid++;
    else result.entries.push(entry);
  }
  return result;
}
