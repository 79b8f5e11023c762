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
import {
  addOtlpAttributes,
  containerPayload,
  otlpBaseAttributes,
  otlpField as field,
  otlpList as list,
  otlpNanosToSeconds as nanosToSeconds,
  readOtlpRecords,
  type OtlpDocumentError,
} from '../eap/index.js';

/** Why a payload is not OTLP/JSON logs. */
export type OtlpLogsError = OtlpDocumentError;

/** Result of {@link otlpLogsToEntries}: `log` container entries, in input order. */
export type OtlpLogsResult = { ok: true; entries: JsonObject[] } | { ok: false; error: OtlpLogsError };

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
  const attributes = otlpBaseAttributes('auto.otlp.logs', resource, scope);
  addOtlpAttributes(attributes, list(record, 'attributes', 'attributes'), '');

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
 * `payload` is the JSON bytes or a decoded protobuf document (src/protocol/otlp-proto.ts).
 * Returns `invalid_json` when `payload` is not JSON or not an object. Never throws.
 */
export function otlpLogsToEntries(payload: Buffer | JsonObject): OtlpLogsResult {
  const read = readOtlpRecords(payload, {
    resource: ['resourceLogs', 'resource_logs'],
    scope: ['scopeLogs', 'scope_logs'],
    record: ['logRecords', 'log_records'],
  });
  if (!read.ok) return read;
  return { ok: true, entries: read.records.map((r) => convertRecord(r.record, r.resource, r.scope)) };
}

/** The `log` container payload for converted entries (see `containerPayload`). */
export function logContainerPayload(entries: readonly JsonObject[]): Buffer {
  return containerPayload(entries);
}
