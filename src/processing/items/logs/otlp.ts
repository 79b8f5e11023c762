/**
 * OpenTelemetry logs (OTLP/JSON `LogsData`, as posted to `/api/{project}/integration/otlp/v1/logs`)
 * converted into entries of a `log` container, so they run through the same pipeline as SDK logs.
 * Follows `relay-ourlogs/src/otel_to_sentry.rs` (`otel_to_sentry_log`) and `relay-otel`'s value
 * mapping (reference/relay-protocol.md §1.4, §14.2):
 *
 * - `timeUnixNano` (else `observedTimeUnixNano`) → `timestamp` in seconds;
 * - `traceId` / `spanId` as hex; a missing or invalid trace id is replaced by a random one;
 * - level from `severityNumber` (1–4 trace, 5–8 debug, 9–12 info, 13–16 warn, 17–20 error,
 *   21–24 fatal), else from `severityText` (`information`, `warning` accepted), else `info`;
 * - `body` only when it is a string value (other bodies leave the entry without one: invalid);
 * - attributes: `sentry.origin: auto.otlp.logs`, resource attributes as `resource.<key>`, scope
 *   attributes as `instrumentation.<key>`, `instrumentation.name`/`.version`, then the record's
 *   own; string/bool/int/double values keep their type, arrays and key-value lists become JSON
 *   strings, bytes stay base64 text.
 *
 * Field names are OTLP/JSON's lowerCamelCase; the protobuf names (snake_case) are accepted too.
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../../../protocol/json.js';
import type { LogLevel } from '../../../protocol/trace-items.js';
import { newEventId, parseSpanId, parseTraceId } from '../../normalize/index.js';

/** Why a payload is not OTLP/JSON logs. */
export type OtlpLogsError = { kind: 'invalid_json'; detail: string };

/** Result of {@link otlpLogsToEntries}: `log` container entries, in input order. */
export type OtlpLogsResult = { ok: true; entries: JsonObject[] } | { ok: false; error: OtlpLogsError };

/** Reads `camelCase`, falling back to the protobuf field name `snake_case`. */
function field(object: JsonObject, camel: string, snake: string): JsonValue | undefined {
  return object[camel] ?? object[snake];
}

function list(object: JsonObject, camel: string, snake: string): JsonValue[] {
  const value = field(object, camel, snake);
  return Array.isArray(value) ? value : [];
}

/** An OTLP `AnyValue` as a plain JSON value (for arrays and key-value lists rendered as JSON). */
function plainValue(value: JsonValue | undefined): JsonValue {
  if (!isJsonObject(value)) return null;
  const string = field(value, 'stringValue', 'string_value');
  if (typeof string === 'string') return string;
  const bool = field(value, 'boolValue', 'bool_value');
  if (typeof bool === 'boolean') return bool;
  const int = field(value, 'intValue', 'int_value');
  if (int !== undefined && int !== null) return Number(int);
  const double = field(value, 'doubleValue', 'double_value');
  if (typeof double === 'number') return double;
  const array = field(value, 'arrayValue', 'array_value');
  if (isJsonObject(array)) return list(array, 'values', 'values').map(plainValue);
  const kvlist = field(value, 'kvlistValue', 'kvlist_value');
  if (isJsonObject(kvlist)) {
    const object: JsonObject = {};
    for (const pair of list(kvlist, 'values', 'values')) {
      if (isJsonObject(pair) && typeof pair.key === 'string') object[pair.key] = plainValue(pair.value);
    }
    return object;
  }
  const bytes = field(value, 'bytesValue', 'bytes_value');
  if (typeof bytes === 'string') return bytes;
  return null;
}

/** An OTLP `AnyValue` as a typed attribute (`otel_value_to_attribute`); `undefined` when empty. */
function attribute(value: JsonValue | undefined): JsonObject | undefined {
  if (!isJsonObject(value)) return undefined;
  const string = field(value, 'stringValue', 'string_value');
  if (typeof string === 'string') return { type: 'string', value: string };
  const bool = field(value, 'boolValue', 'bool_value');
  if (typeof bool === 'boolean') return { type: 'boolean', value: bool };
  const int = field(value, 'intValue', 'int_value');
  if (typeof int === 'number' || typeof int === 'string') {
    const n = Number(int);
    return Number.isInteger(n) ? { type: 'integer', value: n } : undefined;
  }
  const double = field(value, 'doubleValue', 'double_value');
  if (typeof double === 'number') return { type: 'double', value: double };
  const plain = plainValue(value);
  if (plain === null) return undefined;
  return { type: 'string', value: typeof plain === 'string' ? plain : JSON.stringify(plain) };
}

function addAttributes(target: JsonObject, keyValues: JsonValue[], prefix: string): void {
  for (const pair of keyValues) {
    if (!isJsonObject(pair) || typeof pair.key !== 'string') continue;
    const value = attribute(pair.value);
    if (value !== undefined) target[`${prefix}${pair.key}`] = value;
  }
}

/** Nanoseconds since the epoch (a decimal string or number) → seconds; `undefined` for 0/absent. */
function nanosToSeconds(value: JsonValue | undefined): number | undefined {
  const text = typeof value === 'number' ? String(Math.trunc(value)) : typeof value === 'string' ? value : '';
  if (!/^\d+$/.test(text) || /^0+$/.test(text)) return undefined;
  const padded = text.padStart(10, '0');
  return Number(padded.slice(0, -9)) + Number(`0.${padded.slice(-9)}`);
}

const TEXT_LEVELS: Readonly<Record<string, LogLevel>> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  information: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  fatal: 'fatal',
};

/** `map_severity_to_level`. */
export function otlpSeverityToLevel(severityNumber: number, severityText: string): LogLevel {
  if (severityNumber >= 1 && severityNumber <= 24) {
    const levels: LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
    return levels[Math.floor((severityNumber - 1) / 4)]!;
  }
  return TEXT_LEVELS[severityText.toLowerCase()] ?? 'info';
}

function convertRecord(record: JsonObject, resource: JsonValue[], scope: JsonObject | undefined): JsonObject {
  const attributes: JsonObject = { 'sentry.origin': { type: 'string', value: 'auto.otlp.logs' } };
  addAttributes(attributes, resource, 'resource.');
  if (scope !== undefined) {
    addAttributes(attributes, list(scope, 'attributes', 'attributes'), 'instrumentation.');
    const name = scope.name;
    const version = scope.version;
    attributes['instrumentation.name'] = { type: 'string', value: typeof name === 'string' ? name : '' };
    attributes['instrumentation.version'] = {
      type: 'string',
      value: typeof version === 'string' ? version : '',
    };
  }
  addAttributes(attributes, list(record, 'attributes', 'attributes'), '');

  const severityRaw = Number(field(record, 'severityNumber', 'severity_number') ?? 0);
  const severityNumber = Number.isInteger(severityRaw) ? severityRaw : 0;
  const severityText = field(record, 'severityText', 'severity_text');
  const level = otlpSeverityToLevel(severityNumber, typeof severityText === 'string' ? severityText : '');
  const entry: JsonObject = {
    timestamp:
      nanosToSeconds(field(record, 'timeUnixNano', 'time_unix_nano')) ??
      nanosToSeconds(field(record, 'observedTimeUnixNano', 'observed_time_unix_nano')) ??
      null,
    trace_id: parseTraceId(field(record, 'traceId', 'trace_id')) ?? newEventId(),
    level,
    attributes,
  };
  if (severityNumber >= 1 && severityNumber <= 24) entry.severity_number = severityNumber;
  const spanId = parseSpanId(field(record, 'spanId', 'span_id'));
  if (spanId !== undefined) entry.span_id = spanId;
  const body = field(record, 'body', 'body');
  const bodyText = isJsonObject(body) ? field(body, 'stringValue', 'string_value') : undefined;
  if (typeof bodyText === 'string') entry.body = bodyText;
  return entry;
}

/**
 * Converts an OTLP/JSON `LogsData` document (`{"resourceLogs": [{"resource", "scopeLogs":
 * [{"scope", "logRecords": [...]}]}]}`) into `log` container entries (see the module comment).
 * Returns `invalid_json` when `payload` is not JSON or not an object. Never throws.
 */
export function otlpLogsToEntries(payload: Buffer): OtlpLogsResult {
  let root: unknown;
  try {
    root = JSON.parse(payload.toString('utf8'));
  } catch (error) {
    return {
      ok: false,
      error: { kind: 'invalid_json', detail: error instanceof Error ? error.message : 'invalid JSON' },
    };
  }
  if (!isJsonObject(root)) {
    return { ok: false, error: { kind: 'invalid_json', detail: 'expected a LogsData object' } };
  }
  const entries: JsonObject[] = [];
  for (const resourceLogs of list(root, 'resourceLogs', 'resource_logs')) {
    if (!isJsonObject(resourceLogs)) continue;
    const resource = resourceLogs.resource;
    const resourceAttributes = isJsonObject(resource) ? list(resource, 'attributes', 'attributes') : [];
    for (const scopeLogs of list(resourceLogs, 'scopeLogs', 'scope_logs')) {
      if (!isJsonObject(scopeLogs)) continue;
      const scope = isJsonObject(scopeLogs.scope) ? scopeLogs.scope : undefined;
      for (const record of list(scopeLogs, 'logRecords', 'log_records')) {
        if (isJsonObject(record)) entries.push(convertRecord(record, resourceAttributes, scope));
      }
    }
  }
  return { ok: true, entries };
}

/**
 * The `log` container payload for converted entries: version 2 without ingest settings, so
 * nothing is inferred from the exporter's request (OTLP exporters are not end-user devices).
 */
export function logContainerPayload(entries: readonly JsonObject[]): Buffer {
  return Buffer.from(JSON.stringify({ version: 2, items: entries }));
}
