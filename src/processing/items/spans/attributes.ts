/**
 * Plain JSON values (a legacy span's `data` and `tags`, a transaction's trace context data,
 * measurements, user and context fields) as typed trace-item attributes. Follows Relay's span
 * v1 → v2 conversion (`relay-spans/src/v1_to_v2.rs`, `attributes_from_data`): strings, booleans,
 * integers and doubles keep their type, homogeneous flat arrays are arrays, anything else
 * (objects, mixed arrays) is kept as its JSON text; `null` is skipped.
 */
import type { JsonValue } from '../../../protocol/json.js';
import type { ArrayElement, AttributeValue } from '../eap/index.js';

/** Largest integer an `integer` attribute holds (i64 as a double). */
const I64_LIMIT = 2 ** 63;

function flatArray(values: readonly JsonValue[]): ArrayElement[] | undefined {
  let kind: string | undefined;
  for (const value of values) {
    if (value === null) continue;
    if (typeof value === 'object') return undefined;
    const current = typeof value === 'number' ? 'number' : typeof value;
    if (kind !== undefined && kind !== current) return undefined;
    kind = current;
  }
  return values as ArrayElement[];
}

/** One JSON value as a typed attribute; `undefined` for `null`/absent values. */
export function jsonToAttribute(value: JsonValue | undefined): AttributeValue | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return { type: 'string', value };
  if (typeof value === 'boolean') return { type: 'boolean', value };
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    return Number.isInteger(value) && Math.abs(value) < I64_LIMIT
      ? { type: 'integer', value }
      : { type: 'double', value };
  }
  if (Array.isArray(value)) {
    const array = flatArray(value);
    if (array !== undefined) return { type: 'array', value: array };
  }
  return { type: 'string', value: JSON.stringify(value) };
}

/**
 * Sets `<prefix><key>` in `target` for every non-null entry of `object` (see the module
 * comment). Existing attributes are kept unless `overwrite`.
 */
export function setJsonAttributes(
  target: Map<string, AttributeValue>,
  object: Readonly<Record<string, JsonValue | undefined>> | undefined,
  prefix = '',
  overwrite = false,
): void {
  if (object === undefined) return;
  for (const [key, value] of Object.entries(object)) {
    const name = `${prefix}${key}`;
    if (!overwrite && target.has(name)) continue;
    const attribute = jsonToAttribute(value);
    if (attribute !== undefined) target.set(name, attribute);
  }
}

/** Sets a string attribute when `value` is a non-empty string and `key` is not set yet. */
export function setStringAttribute(
  target: Map<string, AttributeValue>,
  key: string,
  value: JsonValue | undefined,
): void {
  if (typeof value === 'string' && value !== '' && !target.has(key)) {
    target.set(key, { type: 'string', value });
  }
}
