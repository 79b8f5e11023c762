/**
 * Typed attributes of trace items (logs, trace metrics): `{"key": {"type": "string" | "boolean" |
 * "integer" | "double" | "array", "value": …}}`. Follows Relay's `Attributes` schema and
 * `normalize_attribute_types` (`relay-event-normalization/src/eap/mod.rs`): a value that does not
 * match its declared type, an unknown type, or a missing type or value removes the attribute's
 * value and records an error with the original in `_meta`; arrays must be homogeneous (numbers
 * may mix, `null`s are allowed) and flat. Sizes follow `relay-ourlogs` `calculate_size`.
 * reference/relay-protocol.md §14.2.
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../../../protocol/json.js';
import type { AttributeMaps } from '../../../protocol/trace-items.js';

/** A scalar inside an array attribute. */
export type ArrayElement = string | number | boolean | null;

/** A valid, typed attribute value. */
export type AttributeValue =
  | { type: 'string'; value: string }
  | { type: 'boolean'; value: boolean }
  | { type: 'integer'; value: number }
  | { type: 'double'; value: number }
  | { type: 'array'; value: ArrayElement[] };

/** The attribute types an SDK may declare. */
export const ATTRIBUTE_TYPES = ['string', 'boolean', 'integer', 'double', 'array'] as const;

/** Why an attribute lost its value (Relay's meta error kinds). */
export type AttributeErrorKind = 'invalid_data' | 'missing_attribute';

/** An attribute whose value was removed, kept for `_meta`. */
export interface AttributeError {
  kind: AttributeErrorKind;
  /** The attribute object (or value) as sent. */
  original: JsonValue;
}

/** Parsed attributes: the valid values, and the rejected ones by key. */
export interface ParsedAttributes {
  values: Map<string, AttributeValue>;
  errors: Map<string, AttributeError>;
}

/** i64 bounds as doubles: an integer attribute must fit Relay's `i64`. */
const I64_LIMIT = 2 ** 63;

function arrayKind(value: ArrayElement): 'string' | 'boolean' | 'number' | undefined {
  if (value === null) return undefined;
  return typeof value === 'string' ? 'string' : typeof value === 'boolean' ? 'boolean' : 'number';
}

/** `is_supported_array`: flat, one scalar kind (numbers of any kind mix), nulls allowed. */
function supportedArray(values: readonly JsonValue[]): values is ArrayElement[] {
  let kind: string | undefined;
  for (const value of values) {
    if (value !== null && typeof value === 'object') return false;
    const current = arrayKind(value);
    if (current === undefined) continue;
    if (kind !== undefined && kind !== current) return false;
    kind = current;
  }
  return true;
}

/** One attribute object → its typed value, or the reason it has none. */
function readAttribute(raw: JsonValue | undefined): AttributeValue | AttributeErrorKind {
  if (!isJsonObject(raw)) return 'invalid_data';
  const { type, value } = raw;
  if (type === undefined || type === null || value === undefined || value === null) {
    return 'missing_attribute';
  }
  switch (type) {
    case 'string':
      return typeof value === 'string' ? { type, value } : 'invalid_data';
    case 'boolean':
      return typeof value === 'boolean' ? { type, value } : 'invalid_data';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) && Math.abs(value) < I64_LIMIT
        ? { type, value }
        : 'invalid_data';
    case 'double':
      return typeof value === 'number' && Number.isFinite(value) ? { type, value } : 'invalid_data';
    case 'array':
      return Array.isArray(value) && supportedArray(value) ? { type, value } : 'invalid_data';
    default:
      // Unknown types are kept only in `_meta` (Relay removes the value, keeps the original).
      return 'invalid_data';
  }
}

/**
 * Reads an entry's `attributes` object. A missing or `null` object is empty; a non-object is
 * empty too (Relay annotates and drops it). Never throws.
 */
export function parseAttributes(raw: JsonValue | undefined): ParsedAttributes {
  const values = new Map<string, AttributeValue>();
  const errors = new Map<string, AttributeError>();
  if (!isJsonObject(raw)) return { values, errors };
  for (const [key, attribute] of Object.entries(raw)) {
    if (attribute === undefined) continue;
    const read = readAttribute(attribute);
    if (typeof read === 'string') errors.set(key, { kind: read, original: attribute });
    else values.set(key, read);
  }
  return { values, errors };
}

function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

function valueSize(value: JsonValue | undefined): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'string') return utf8Length(value);
  if (typeof value === 'boolean') return 1;
  if (typeof value === 'number') return 8;
  // Arrays: the sum of their elements; objects (never a valid attribute value) count nothing.
  if (!Array.isArray(value)) return 0;
  let total = 0;
  for (const element of value) total += valueSize(element);
  return total;
}

/**
 * Relay's canonical byte size of an attribute set (`attributes_size`): per attribute its key's
 * UTF-8 length plus its value's size (strings: UTF-8 bytes; booleans 1; numbers 8; arrays the sum
 * of their elements). An attribute that lost its value to validation counts the value it was sent
 * with: the size is billing relevant and "purely based on data received, independent of any
 * normalization" (Relay's `test_ourlog_extraction_with_sentry_logs`: 377 bytes for its two logs).
 */
export function attributesSize(attributes: ParsedAttributes): number {
  let total = 0;
  for (const [key, attribute] of attributes.values) total += utf8Length(key) + valueSize(attribute.value);
  for (const [key, error] of attributes.errors) {
    const original = isJsonObject(error.original) ? error.original.value : undefined;
    total += utf8Length(key) + valueSize(original);
  }
  return total;
}

/**
 * The canonical size of a trace item (`relay-ourlogs` `calculate_size`): the UTF-8 length of
 * `text` (a log body; `''` for metrics) plus {@link attributesSize}, at least 1 byte.
 */
export function canonicalSize(text: string, attributes: ParsedAttributes): number {
  return Math.max(1, utf8Length(text) + attributesSize(attributes));
}

/** Splits attribute values into the per-type maps of the storage layout (protocol/trace-items.ts). */
export function toAttributeMaps(values: ReadonlyMap<string, AttributeValue>): AttributeMaps {
  const maps: AttributeMaps = {
    attributes_string: {},
    attributes_int: {},
    attributes_float: {},
    attributes_bool: {},
    attributes_array: {},
  };
  for (const [key, attribute] of values) {
    switch (attribute.type) {
      case 'string':
        maps.attributes_string[key] = attribute.value;
        break;
      case 'boolean':
        maps.attributes_bool[key] = attribute.value;
        break;
      case 'integer':
        maps.attributes_int[key] = attribute.value;
        break;
      case 'double':
        maps.attributes_float[key] = attribute.value;
        break;
      case 'array':
        maps.attributes_array[key] = JSON.stringify(attribute.value);
        break;
    }
  }
  return maps;
}

/** The string value of attribute `key`, if it is a string attribute. */
export function stringAttribute(
  values: ReadonlyMap<string, AttributeValue>,
  key: string,
): string | undefined {
  const attribute = values.get(key);
  return attribute?.type === 'string' ? attribute.value : undefined;
}

/**
 * `_meta` entries of the rejected attributes, keyed by attribute name, in Relay's shape:
 * `{"": {"err": ["invalid_data"], "val": <original>}}`.
 */
export function attributeErrorsMeta(errors: ReadonlyMap<string, AttributeError>): JsonObject {
  const meta: JsonObject = {};
  for (const [key, error] of errors) meta[key] = { '': { err: [error.kind], val: error.original } };
  return meta;
}
