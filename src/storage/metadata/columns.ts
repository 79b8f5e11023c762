/**
 * Conversions between domain values and the portable column encodings of the metadata
 * store: timestamps as ISO-8601 UTC text with
 * milliseconds, booleans as 0/1 integers, JSON as text.
 */
import { isJsonObject } from '../../protocol/json.js';
import type { JsonObject } from '../../protocol/json.js';

/** `date` as stored: ISO-8601 UTC with milliseconds (`2024-05-01T12:00:00.000Z`). */
export function isoDate(date: Date): string {
  return date.toISOString();
}

/** Encodes a JSON object column. */
export function encodeJson(value: JsonObject | readonly string[]): string {
  return JSON.stringify(value);
}

/** Decodes a JSON object column; `{}` when the text is not a JSON object (never throws). */
export function decodeJsonObject(text: string): JsonObject {
  const parsed = safeParse(text);
  return isJsonObject(parsed) ? parsed : {};
}

/** Decodes a JSON string-array column; non-string entries are dropped (never throws). */
export function decodeStringArray(text: string): string[] {
  const parsed = safeParse(text);
  return Array.isArray(parsed) ? parsed.filter((v): v is string => typeof v === 'string') : [];
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Splits `items` into chunks of at most `size`, so that one statement never binds more
 * parameters than SQLite (32766) or Postgres (65535) accept.
 */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
