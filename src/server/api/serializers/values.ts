/**
 * Small value helpers shared by the serializers: date formatting and lenient reads of
 * stored JSON. Stored events are parsed JSON, so every read narrows instead of trusting
 * the TypeScript type.
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../../../protocol/json.js';

/**
 * A date as the web API sends it: ISO-8601 UTC with milliseconds and `Z`
 * (`2024-05-01T12:00:00.000Z`). Sentry's encoder sends microseconds; clients parse both.
 */
export function isoDate(date: Date): string {
  return date.toISOString();
}

/** `isoDate`, or `null` for a missing or invalid date. */
export function isoDateOrNull(date: Date | null | undefined): string | null {
  return date && !Number.isNaN(date.getTime()) ? date.toISOString() : null;
}

/**
 * A stored timestamp as an ISO string: unix seconds (float, as normalization leaves them),
 * an RFC 3339 string, or a `Date`. Returns `null` when the value is absent or unparsable.
 */
export function isoTimestamp(value: unknown): string | null {
  if (value instanceof Date) return isoDateOrNull(value);
  if (typeof value === 'number' && Number.isFinite(value)) {
    // Rounding, not truncation: 1700000000.123 * 1000 is 1700000000122.9999...
    return isoDateOrNull(new Date(Math.round(value * 1000)));
  }
  if (typeof value === 'string' && value !== '') {
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? null : new Date(parsed).toISOString();
  }
  return null;
}

/** `value` when it is a string, else `null` (the web API's "absent"). */
export function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** `value` when it is a finite number, else `null`. */
export function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** `value` when it is a JSON value (not `undefined`), else `null`. */
export function jsonOrNull(value: JsonValue | undefined): JsonValue {
  return value === undefined ? null : value;
}

/** `value` when it is a non-empty JSON object, else `null` (Python's `x or None`). */
export function objectOrNull(value: unknown): JsonObject | null {
  return isJsonObject(value) && Object.keys(value).length > 0 ? value : null;
}

/** `value` when it is an array, else `[]`. */
export function arrayOrEmpty(value: unknown): JsonValue[] {
  return Array.isArray(value) ? (value as JsonValue[]) : [];
}

/**
 * Sentry's `prune_empty_keys`: a copy of `object` without `null`/`undefined` values
 * (falsy values such as `false`, `0` and `''` stay).
 */
export function pruneNulls(object: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(object)) {
    if (value !== null && value !== undefined) out[key] = value;
  }
  return out;
}

/** True when a JSON value is "empty" in Python's sense (`None`, `{}`, `[]`, `''`). */
export function isEmptyJson(value: JsonValue | undefined): boolean {
  if (value === null || value === undefined || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return isJsonObject(value) && Object.keys(value).length === 0;
}
