/**
 * Tag normalization: tags become the array of `[key, value]` pairs Relay stores.
 *
 * Follows `relay-event-normalization/src/event.rs` (`normalize_event_tags`) and the `Tags`
 * type of `relay-event-schema` (object form sorted by key, values as lenient strings).
 * reference/relay-protocol.md §8 "Tags".
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../../protocol/json.js';
import { charLength, type EventMeta } from './meta.js';

/** Longest tag key and value, in characters (`MaxChars::TagKey` / `TagValue`). */
export const MAX_TAG_CHARS = 200;

/** Tag keys Sentry sets itself; clients may not send them. */
const RESERVED_TAG_KEYS: ReadonlySet<string> = new Set(['release', 'dist', 'user', 'filename', 'function']);

function tagString(value: JsonValue | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  return undefined;
}

/** Reads `tags` in object or pair-list form as raw `[key, value]` entries in Relay's order. */
function readPairs(tags: JsonValue | undefined): [JsonValue | undefined, JsonValue | undefined][] {
  if (Array.isArray(tags)) {
    const pairs: [JsonValue | undefined, JsonValue | undefined][] = [];
    for (const entry of tags) {
      if (Array.isArray(entry) && entry.length === 2) pairs.push([entry[0], entry[1]]);
    }
    return pairs;
  }
  if (isJsonObject(tags)) {
    // Relay's objects are ordered maps, so the object form comes out sorted by key.
    return Object.keys(tags)
      .sort()
      .map((key) => [key, tags[key]]);
  }
  return [];
}

/**
 * Normalizes `event.tags` in place into `[[key, value], ...]`:
 * - an `environment` tag fills a missing `event.environment` and is removed;
 * - reserved keys (`release`, `dist`, `user`, `filename`, `function`) are dropped and
 *   duplicates keep their first occurrence;
 * - empty keys/values, values over 200 characters and values with newlines are dropped with an
 *   error (`invalid_data` / `value_too_long`) naming `tags.<index>.<0|1>`;
 * - `server_name` and `site` move from the event into the tags (replacing an existing tag).
 * Pairs whose value is `null` are dropped silently.
 */
export function normalizeTags(event: JsonObject, meta: EventMeta): void {
  const raw = readPairs(event.tags);
  if (
    event.tags !== undefined &&
    event.tags !== null &&
    !Array.isArray(event.tags) &&
    !isJsonObject(event.tags)
  ) {
    meta.addError(['tags'], 'invalid_data', { data: { reason: 'expected tags' }, original: event.tags });
  }

  const seen = new Set<string>();
  const result: JsonValue[] = [];
  raw.forEach(([rawKey, rawValue], index) => {
    const key = tagString(rawKey);
    const value = rawValue === null || rawValue === undefined ? undefined : tagString(rawValue);
    if (key === 'environment') {
      if (value !== undefined && (event.environment === undefined || event.environment === '')) {
        event.environment = value;
      }
      return;
    }
    if (key !== undefined && RESERVED_TAG_KEYS.has(key)) return;
    if (rawValue === null || rawValue === undefined) return;
    if (key !== undefined && seen.has(key)) return;
    if (key !== undefined) seen.add(key);

    const keyProblem = checkTagPart(key);
    if (keyProblem) {
      meta.addError(['tags', index, 0], keyProblem.kind, { ...keyProblem.options, original: rawKey ?? null });
      return;
    }
    const valueProblem = checkTagPart(value);
    if (valueProblem) {
      meta.addError(['tags', index, 1], valueProblem.kind, { ...valueProblem.options, original: rawValue });
      return;
    }
    result.push([key as string, value as string]);
  });

  for (const field of ['server_name', 'site'] as const) {
    const value = tagString(event[field]);
    if (event[field] !== undefined) delete event[field];
    if (value === undefined) continue;
    const existing = result.findIndex((pair) => Array.isArray(pair) && pair[0] === field);
    if (existing === -1) result.push([field, value]);
    else result[existing] = [field, value];
  }

  event.tags = result;
}

function checkTagPart(
  part: string | undefined,
): { kind: 'invalid_data' | 'value_too_long'; options: { data?: JsonObject } } | undefined {
  if (part === undefined) return { kind: 'invalid_data', options: { data: { reason: 'expected a string' } } };
  if (part === '')
    return { kind: 'invalid_data', options: { data: { reason: 'expected a non-empty value' } } };
  if (charLength(part) > MAX_TAG_CHARS) return { kind: 'value_too_long', options: {} };
  if (/[\r\n]/.test(part))
    return { kind: 'invalid_data', options: { data: { reason: 'invalid character' } } };
  return undefined;
}

/**
 * The `[key, value]` string pairs of tags that {@link normalizeTags} has normalized (the pair-list
 * form); entries of any other shape, and tags that are not a list, are skipped.
 */
export function normalizedTagPairs(tags: unknown): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  if (!Array.isArray(tags)) return pairs;
  for (const entry of tags) {
    if (Array.isArray(entry) && typeof entry[0] === 'string' && typeof entry[1] === 'string')
      pairs.push([entry[0], entry[1]]);
  }
  return pairs;
}
