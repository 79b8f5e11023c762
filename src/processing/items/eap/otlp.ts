/**
 * Reading OTLP/JSON documents (`LogsData`, `TracesData`), shared by the OTLP logs and traces
 * conversions. Follows the OTLP/JSON encoding (field names in lowerCamelCase, 64-bit integers as
 * decimal strings, ids as hex) and `relay-otel`'s value mapping (`otel_value_to_attribute`):
 * string/bool/int/double values keep their type, arrays and key-value lists become JSON text,
 * bytes stay base64 text. The protobuf field names (snake_case) are accepted too, since some
 * exporters send them. Protobuf bodies are decoded into this shape first
 * (src/protocol/otlp-proto.ts).
 */
import { isJsonObject, type JsonObject, type JsonValue, parseJsonText } from '../../../protocol/json.js';

/** Why a payload is not an OTLP/JSON document. */
export type OtlpDocumentError = { kind: 'invalid_json'; detail: string };

/** Reads `camelCase`, falling back to the protobuf field name `snake_case`. */
export function otlpField(object: JsonObject, camel: string, snake: string): JsonValue | undefined {
  return object[camel] ?? object[snake];
}

/** The array at `camelCase` / `snake_case`; `[]` when absent or not an array. */
export function otlpList(object: JsonObject, camel: string, snake: string): JsonValue[] {
  const value = otlpField(object, camel, snake);
  return Array.isArray(value) ? value : [];
}

/** An OTLP `AnyValue` as a plain JSON value (for arrays and key-value lists rendered as JSON). */
function plainValue(value: JsonValue | undefined): JsonValue {
  if (!isJsonObject(value)) return null;
  const string = otlpField(value, 'stringValue', 'string_value');
  if (typeof string === 'string') return string;
  const bool = otlpField(value, 'boolValue', 'bool_value');
  if (typeof bool === 'boolean') return bool;
  const int = otlpField(value, 'intValue', 'int_value');
  if (int !== undefined && int !== null) return Number(int);
  const double = otlpField(value, 'doubleValue', 'double_value');
  if (typeof double === 'number') return double;
  const array = otlpField(value, 'arrayValue', 'array_value');
  if (isJsonObject(array)) return otlpList(array, 'values', 'values').map(plainValue);
  const kvlist = otlpField(value, 'kvlistValue', 'kvlist_value');
  if (isJsonObject(kvlist)) {
    const object: JsonObject = {};
    for (const pair of otlpList(kvlist, 'values', 'values')) {
      if (isJsonObject(pair) && typeof pair.key === 'string') object[pair.key] = plainValue(pair.value);
    }
    return object;
  }
  const bytes = otlpField(value, 'bytesValue', 'bytes_value');
  if (typeof bytes === 'string') return bytes;
  return null;
}

/**
 * An OTLP `AnyValue` as a typed attribute object (`{"type": …, "value": …}`, the container
 * attribute shape); `undefined` when the value is empty.
 */
export function otlpAttribute(value: JsonValue | undefined): JsonObject | undefined {
  if (!isJsonObject(value)) return undefined;
  const string = otlpField(value, 'stringValue', 'string_value');
  if (typeof string === 'string') return { type: 'string', value: string };
  const bool = otlpField(value, 'boolValue', 'bool_value');
  if (typeof bool === 'boolean') return { type: 'boolean', value: bool };
  const int = otlpField(value, 'intValue', 'int_value');
  if (typeof int === 'number' || typeof int === 'string') {
    const n = Number(int);
    return Number.isInteger(n) ? { type: 'integer', value: n } : undefined;
  }
  const double = otlpField(value, 'doubleValue', 'double_value');
  if (typeof double === 'number') return { type: 'double', value: double };
  const plain = plainValue(value);
  if (plain === null) return undefined;
  return { type: 'string', value: typeof plain === 'string' ? plain : JSON.stringify(plain) };
}

/** Adds OTLP `KeyValue`s to `target` as typed attributes named `<prefix><key>`. */
export function addOtlpAttributes(target: JsonObject, keyValues: JsonValue[], prefix: string): void {
  for (const pair of keyValues) {
    if (!isJsonObject(pair) || typeof pair.key !== 'string') continue;
    const value = otlpAttribute(pair.value);
    if (value !== undefined) target[`${prefix}${pair.key}`] = value;
  }
}

/**
 * The attributes every converted OTLP record starts with: `sentry.origin: <origin>`, the
 * resource's attributes as `resource.<key>`, the scope's as `instrumentation.<key>` and
 * `instrumentation.name` / `.version` (Relay's OTLP conversions).
 */
export function otlpBaseAttributes(
  origin: string,
  resource: JsonValue[],
  scope: JsonObject | undefined,
): JsonObject {
  const attributes: JsonObject = { 'sentry.origin': { type: 'string', value: origin } };
  addOtlpAttributes(attributes, resource, 'resource.');
  if (scope !== undefined) {
    addOtlpAttributes(attributes, otlpList(scope, 'attributes', 'attributes'), 'instrumentation.');
    const { name, version } = scope;
    attributes['instrumentation.name'] = { type: 'string', value: typeof name === 'string' ? name : '' };
    attributes['instrumentation.version'] = {
      type: 'string',
      value: typeof version === 'string' ? version : '',
    };
  }
  return attributes;
}

/** Nanoseconds since the epoch (a decimal string or number) → seconds; `undefined` for 0/absent. */
export function otlpNanosToSeconds(value: JsonValue | undefined): number | undefined {
  const text = typeof value === 'number' ? String(Math.trunc(value)) : typeof value === 'string' ? value : '';
  if (!/^\d+$/.test(text) || /^0+$/.test(text)) return undefined;
  const padded = text.padStart(10, '0');
  return Number(padded.slice(0, -9)) + Number(`0.${padded.slice(-9)}`);
}

/** One record of an OTLP document with the resource and scope it sits under. */
export interface OtlpRecord {
  record: JsonObject;
  /** The resource's `attributes` (`KeyValue`s). */
  resource: JsonValue[];
  scope: JsonObject | undefined;
}

/**
 * Parses an OTLP/JSON document and walks its records:
 * `{<resourceKey>: [{resource, <scopeKey>: [{scope, <recordKey>: [...]}]}]}`, e.g.
 * `resourceSpans` / `scopeSpans` / `spans`. Keys are given as `[camelCase, snake_case]`.
 * `payload` may be the JSON bytes or an already decoded document (protobuf). Returns
 * `invalid_json` when it is not JSON or not an object. Never throws.
 */
export function readOtlpRecords(
  payload: Buffer | JsonObject,
  keys: {
    resource: readonly [string, string];
    scope: readonly [string, string];
    record: readonly [string, string];
  },
): { ok: true; records: OtlpRecord[] } | { ok: false; error: OtlpDocumentError } {
  let root: unknown = payload;
  if (Buffer.isBuffer(payload)) {
    try {
      root = parseJsonText(payload.toString('utf8'));
    } catch (error) {
      return {
        ok: false,
        error: { kind: 'invalid_json', detail: error instanceof Error ? error.message : 'invalid JSON' },
      };
    }
  }
  if (!isJsonObject(root)) {
    return { ok: false, error: { kind: 'invalid_json', detail: 'expected an OTLP document object' } };
  }
  const records: OtlpRecord[] = [];
  for (const resourceEntry of otlpList(root, ...keys.resource)) {
    if (!isJsonObject(resourceEntry)) continue;
    const resource = resourceEntry.resource;
    const resourceAttributes = isJsonObject(resource) ? otlpList(resource, 'attributes', 'attributes') : [];
    for (const scopeEntry of otlpList(resourceEntry, ...keys.scope)) {
      if (!isJsonObject(scopeEntry)) continue;
      const scope = isJsonObject(scopeEntry.scope) ? scopeEntry.scope : undefined;
      for (const record of otlpList(scopeEntry, ...keys.record)) {
        if (isJsonObject(record)) records.push({ record, resource: resourceAttributes, scope });
      }
    }
  }
  return { ok: true, records };
}
