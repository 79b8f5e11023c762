/**
 * Event JSON in Sentry's web-API shapes: the full event (`GET /api/0/issues/{id}/events/latest/`,
 * `GET /api/0/projects/{org}/{project}/events/{event_id}/`) and the summary rows of event
 * lists (`GET /api/0/issues/{id}/events/`).
 *
 * Follows `src/sentry/api/serializers/models/event.py` (`EventSerializer`,
 * `IssueEventSerializer`, `SimpleEventSerializer`), `src/sentry/models/eventerror.py`
 * (processing-error messages), `src/sentry/interfaces/user.py` and `sdk.py`, and the
 * examples in `src/sentry/apidocs/examples/event_examples.py`. Input is the normalized
 * event as stored (snake_case, tags as `[[key, value], ...]`); output is camelCase where
 * Sentry's is.
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../../../protocol/json.js';
import type { SentryEvent } from '../../../protocol/event.js';
import { buildEntries } from './event-entries.js';
import { isoTimestamp, jsonOrNull, objectOrNull, pruneNulls, stringOrNull } from './values.js';

/** Where an event lives and what the stored event body does not carry. */
export interface SerializeEventContext {
  projectId: number;
  /** The issue the event was grouped into; `null` for ungrouped events (transactions). */
  groupId: number | null;
  /** When Vigil received the event; default: the event's `received` field. */
  dateReceived?: Date | string | number;
  /** Grouping hashes (`fingerprints`); default: the event's `hashes`, else `[]`. */
  hashes?: string[];
  /** A serialized release for `release`; default `{version}` when the event has a release. */
  release?: JsonObject | null;
  /** Neighbouring events in the same issue (detail endpoints); default `null`. */
  nextEventId?: string | null;
  previousEventId?: string | null;
  /** Stored size in bytes; default: UTF-8 length of the event's JSON. */
  size?: number;
}

/** Sentry's processing-error messages by error `type` (`EventError._messages`). */
const ERROR_MESSAGES: Record<string, string> = {
  unknown_error: 'Unknown error',
  invalid_data: 'Discarded invalid value',
  invalid_attribute: 'Discarded unknown attribute',
  missing_attribute: 'Missing value for required attribute',
  value_too_long: 'Discarded value due to exceeding maximum length',
  future_timestamp: 'Invalid timestamp (in future)',
  past_timestamp: 'Invalid timestamp (too old)',
  clock_drift: 'Clock drift detected in SDK',
  invalid_environment: 'Environment cannot contain "/" or newlines',
  security_violation: 'Cannot fetch resource due to security violation',
  restricted_ip: 'Cannot fetch resource due to restricted IP address',
  fetch_generic_error: 'Unable to fetch HTTP resource',
  fetch_invalid_http_code: 'HTTP returned error response',
  fetch_invalid_source_encoding: 'Source file was not encoded properly',
  fetch_too_large: 'Remote file too large for downloading',
  fetch_timeout: 'Remote file took too long to load',
  too_large_for_cache: 'Remote file too large for caching',
  js_generic_fetch_error: 'Unable to fetch resource',
  js_invalid_http_code: 'HTTP returned error response',
  js_invalid_content: 'Source file was not JavaScript',
  js_no_column: 'Cannot expand sourcemap due to missing column information',
  js_no_source: 'Source code was not found',
  js_invalid_source: 'Sourcemap was invalid or not parseable',
  js_too_many_sources: 'The maximum number of remote source requests was made',
  js_invalid_source_encoding: 'Source file was not encoded properly',
  js_invalid_sourcemap_location: 'Invalid location in sourcemap',
  // The backend has no text for it; Sentry's UI titles it so (static/app/utils/events.tsx).
  js_missing_sources_content: 'Missing Sources Context',
  js_scraping_disabled: 'Web scraping is disabled',
  js_too_large: 'Remote file too large',
  js_fetch_timeout: 'Remote file took too long to load',
  native_no_crashed_thread: 'No crashed thread found in crash report',
  native_internal_failure: 'Internal failure when attempting to symbolicate',
  native_bad_dsym: 'The debug information file used was broken.',
  native_optionally_bundled_dsym: 'An optional debug information file was missing.',
  native_missing_dsym: 'A required debug information file was missing.',
  native_missing_system_dsym: 'A system debug information file was missing.',
  native_missing_symbol: 'Could not resolve one or more frames in debug information file.',
  native_simulator_frame: 'Encountered an unprocessable simulator frame.',
  native_unknown_image: 'A binary image is referenced that is unknown.',
  native_symbolicator_failed: 'Failed to process native stacktraces.',
  proguard_missing_mapping: 'A proguard mapping file was missing.',
  proguard_missing_lineno: 'A proguard mapping file does not contain line info.',
};

/** The user sub-keys a `user` tag value may name (`id:42`), mapped to search keys. */
const USER_TAG_KEYS = new Set(['id', 'email', 'username', 'ip']);

/** 32 lower-case hex digits, dashes removed (ClickHouse hands UUIDs back dashed). */
export function eventIdHex(eventId: unknown): string {
  return typeof eventId === 'string' ? eventId.replace(/-/g, '').toLowerCase() : '';
}

function tagPairs(tags: unknown): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (Array.isArray(tags)) {
    for (const pair of tags) {
      if (Array.isArray(pair) && typeof pair[0] === 'string' && typeof pair[1] === 'string') {
        out.push([pair[0], pair[1]]);
      }
    }
  } else if (isJsonObject(tags)) {
    for (const [key, value] of Object.entries(tags)) if (typeof value === 'string') out.push([key, value]);
  }
  return out;
}

/**
 * `[{key, value, query?}]` sorted by key, `sentry:` prefixes removed (`sentry:user` →
 * `user`), and for `user` tags the search query the UI links to (`user.id:"42"`), as
 * Sentry's `_get_tags_with_meta` and `convert_user_tag_to_query` do.
 */
export function serializeTags(tags: unknown): JsonObject[] {
  const list = tagPairs(tags).map(([rawKey, value]): JsonObject => {
    const at = rawKey.indexOf('sentry:');
    const key = at >= 0 ? rawKey.slice(at + 'sentry:'.length) : rawKey;
    const tag: JsonObject = { key, value };
    if (key === 'user' && value.includes(':')) {
      const colon = value.indexOf(':');
      const subKey = value.slice(0, colon);
      if (USER_TAG_KEYS.has(subKey))
        tag.query = `user.${subKey}:"${value.slice(colon + 1).replace(/"/g, '\\"')}"`;
    }
    return tag;
  });
  return list.sort((a, b) => (String(a.key) < String(b.key) ? -1 : String(a.key) > String(b.key) ? 1 : 0));
}

/** The `user` interface (`User.get_api_context`), or `null` when the event has none. */
export function serializeUser(user: unknown): JsonObject | null {
  if (!isJsonObject(user) || Object.keys(user).length === 0) return null;
  return {
    id: jsonOrNull(user.id),
    email: stringOrNull(user.email),
    username: stringOrNull(user.username),
    ip_address: stringOrNull(user.ip_address),
    name: stringOrNull(user.name),
    geo: objectOrNull(user.geo),
    data: objectOrNull(user.data),
  };
}

/** Each context with its `type` (the key when the event gave none), nulls pruned. */
function serializeContexts(contexts: unknown): JsonObject {
  const out: JsonObject = {};
  if (!isJsonObject(contexts)) return out;
  for (const [alias, context] of Object.entries(contexts)) {
    if (!isJsonObject(context)) continue;
    out[alias] = pruneNulls({ ...context, type: jsonOrNull(context.type ?? alias) });
  }
  return out;
}

/** `Sdk.get_api_context`: `{name, version}` or `null`. */
function serializeSdk(sdk: unknown): JsonObject | null {
  if (!isJsonObject(sdk) || Object.keys(sdk).length === 0) return null;
  return { name: stringOrNull(sdk.name), version: stringOrNull(sdk.version) };
}

/**
 * `errors` as `[{type, message, data}]`, hiding the normalization noise Sentry hides
 * (names under `breadcrumbs.`, `extra.` or containing `.frames.`).
 */
export function serializeEventErrors(errors: unknown): JsonObject[] {
  if (!Array.isArray(errors)) return [];
  const out: JsonObject[] = [];
  for (const error of errors) {
    if (!isJsonObject(error) || typeof error.type !== 'string') continue;
    const name = error.name;
    if (
      typeof name === 'string' &&
      (name.startsWith('breadcrumbs.') || name.startsWith('extra.') || name.includes('.frames.'))
    ) {
      continue;
    }
    const data: JsonObject = {};
    for (const [key, value] of Object.entries(error))
      if (key !== 'type' && value !== undefined) data[key] = value;
    out.push({
      type: error.type,
      message: ERROR_MESSAGES[error.type] ?? ERROR_MESSAGES.unknown_error!,
      data,
    });
  }
  return out;
}

/** The legacy `message`: `logentry.formatted`, else `logentry.message`, else `''`. */
function legacyMessage(event: SentryEvent): string {
  const logentry = isJsonObject(event.logentry)
    ? event.logentry
    : isJsonObject(event.message)
      ? event.message
      : null;
  const formatted = logentry ? stringOrNull(logentry.formatted) || stringOrNull(logentry.message) : null;
  if (formatted) return formatted;
  return typeof event.message === 'string' ? event.message : '';
}

function eventMetadata(event: SentryEvent): JsonObject {
  return isJsonObject(event.metadata) ? event.metadata : {};
}

function eventType(event: SentryEvent): string {
  return typeof event.type === 'string' && event.type !== '' ? event.type : 'default';
}

/** Error events locate themselves by the metadata's file name (`ErrorEvent.get_location`). */
function eventLocation(event: SentryEvent): string | null {
  if (eventType(event) !== 'error') return null;
  return stringOrNull(eventMetadata(event).filename) || null;
}

function eventTitle(event: SentryEvent): string {
  return typeof event.title === 'string' && event.title !== '' ? event.title : '<unlabeled event>';
}

function jsonByteLength(value: JsonValue): number {
  return new TextEncoder().encode(JSON.stringify(value)).length;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * The full event in Sentry's `IssueEventSerializer` shape: `id`/`eventID` 32 hex,
 * `groupID`/`projectID` strings, `entries` in Sentry's order with camelCase inside,
 * `tags` as sorted `[{key, value}]`, `context` (extra), `packages` (modules), `errors`
 * with Sentry's messages, dates ISO with milliseconds. Fields Vigil has no data for
 * (`crashFile`, `userReport`, `occurrence`, `sdkUpdates`, `resolvedWith`, `_meta`) carry
 * Sentry's empty values. Never throws on malformed stored data; it serializes what it can.
 */
export function serializeEvent(event: SentryEvent, context: SerializeEventContext): JsonObject {
  const id = eventIdHex(event.event_id);
  const type = eventType(event);
  const release =
    context.release !== undefined
      ? context.release
      : typeof event.release === 'string' && event.release !== ''
        ? { version: event.release }
        : null;
  const result: JsonObject = {
    id,
    groupID: context.groupId === null ? null : String(context.groupId),
    eventID: id,
    projectID: String(context.projectId),
    size: context.size ?? jsonByteLength(event),
    entries: buildEntries(event),
    dist: stringOrNull(event.dist),
    message: legacyMessage(event),
    title: eventTitle(event),
    location: eventLocation(event),
    user: serializeUser(event.user),
    contexts: serializeContexts(event.contexts),
    sdk: serializeSdk(event.sdk),
    context: isJsonObject(event.extra) ? event.extra : {},
    packages: isJsonObject(event.modules) ? event.modules : {},
    type,
    metadata: eventMetadata(event),
    tags: serializeTags(event.tags),
    platform: stringOrNull(event.platform),
    dateReceived: isoTimestamp(context.dateReceived ?? event.received),
    errors: serializeEventErrors(event.errors),
    occurrence: null,
    _meta: {
      entries: {},
      message: null,
      user: null,
      contexts: null,
      sdk: null,
      context: null,
      packages: null,
      tags: {},
    },
  };
  if (type === 'transaction') {
    result.startTimestamp = jsonOrNull(event.start_timestamp);
    result.endTimestamp = jsonOrNull(event.timestamp);
    result.measurements = jsonOrNull(event.measurements);
    result.breakdowns = jsonOrNull(event.breakdowns);
  }
  Object.assign(result, {
    crashFile: null,
    culprit: stringOrNull(event.culprit),
    fingerprints: context.hashes ?? stringList(event.hashes),
    groupingConfig: objectOrNull(event.grouping_config),
    dateCreated: isoTimestamp(event.timestamp),
    release,
    userReport: null,
    sdkUpdates: [],
    resolvedWith: [],
    nextEventID: context.nextEventId ?? null,
    previousEventID: context.previousEventId ?? null,
  });
  return result;
}

/**
 * One row of an event list in Sentry's `SimpleEventSerializer` shape: `id`, `event.type`,
 * `groupID`, `eventID`, `projectID`, `message`, `title`, `location`, `culprit`, `user`,
 * `tags`, `platform`, `dateCreated`, `crashFile` (always null).
 */
export function serializeEventSummary(
  event: SentryEvent,
  context: Pick<SerializeEventContext, 'projectId' | 'groupId'>,
): JsonObject {
  const id = eventIdHex(event.event_id);
  return {
    id,
    'event.type': eventType(event),
    groupID: context.groupId === null ? null : String(context.groupId),
    eventID: id,
    projectID: String(context.projectId),
    message: legacyMessage(event),
    title: eventTitle(event),
    location: eventLocation(event),
    culprit: stringOrNull(event.culprit),
    user: serializeUser(event.user),
    tags: serializeTags(event.tags),
    platform: stringOrNull(event.platform),
    dateCreated: isoTimestamp(event.timestamp),
    crashFile: null,
  };
}
