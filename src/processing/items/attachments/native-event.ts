/**
 * Native crashes (minidumps, Apple crash reports) become error events the way Relay makes them
 * (`relay-server/src/services/processor/event.rs` `event_from_attachments`, and
 * `relay-server/src/utils/native.rs` `write_native_placeholder` / `process_minidump`):
 *
 * 1. An envelope whose attachments create an event (reference/relay-protocol.md §3.4) but that has
 *    no `event` item gets one, built from its `event.payload` attachment (a msgpack or JSON event,
 *    `__sentry-event` of a crash upload), its `event.breadcrumbs` attachments (msgpack breadcrumb
 *    streams, the newest {@link MAX_BREADCRUMBS} kept) and its `form_data` item (see
 *    ./form-data.ts). Those items are consumed; the crash attachment itself stays and is stored.
 * 2. An envelope with a `event.minidump` or `event.applecrashreport` attachment has the native
 *    placeholder written into its event: platform `native`, level `fatal` unless set, the SDK
 *    `minidump.<reporter>` 0.0.0 unless set, and one exception (earlier ones dropped) of type
 *    `Minidump` / `AppleCrashReport` with the mechanism `{type: minidump|applecrashreport,
 *    handled: false, synthetic: true}`. For a minidump the header's timestamp becomes the event's.
 *
 * Without symbolication Sentry can still show the crash reason that stack walking reads from the
 * dump's exception stream; Vigil reads it too (./minidump.ts) and, when present, makes it the
 * exception's type and `Fatal Error: <reason>` its value (`_merge_full_response` in Sentry's
 * `src/sentry/lang/native/processing.py`), else keeps Relay's `Invalid Minidump` placeholder.
 * Pure: rewrites the envelope's items in place.
 */
import { decode, decodeMulti } from '@msgpack/msgpack';
import type { Envelope, EnvelopeItem } from '../../../protocol/envelope.js';
import { EVENT_CREATING_ATTACHMENT_TYPES } from '../../../protocol/attachment.js';
import { isJsonObject, type JsonObject, type JsonValue, parseJsonText } from '../../../protocol/json.js';
import { mergeFormFields } from './form-data.js';
import { readMinidumpInfo } from './minidump.js';

/** Breadcrumbs kept from crash-reporter breadcrumb files (Relay's `max_breadcrumbs` default). */
export const MAX_BREADCRUMBS = 100;

interface Placeholder {
  type: string;
  value: string;
  mechanism: string;
}

const MINIDUMP: Placeholder = { type: 'Minidump', value: 'Invalid Minidump', mechanism: 'minidump' };
const APPLE_CRASH_REPORT: Placeholder = {
  type: 'AppleCrashReport',
  value: 'Invalid Apple Crash Report',
  mechanism: 'applecrashreport',
};

/** The `attachment_type` of an item, `undefined` for other item types. */
function attachmentType(item: EnvelopeItem): string | undefined {
  if (item.headers.type !== 'attachment') return undefined;
  return typeof item.headers.attachment_type === 'string' ? item.headers.attachment_type : 'event.attachment';
}

/**
 * Applies steps 1 and 2 of the module comment to `envelope`. Returns true when it changed the
 * envelope. An `event` item whose payload is not a JSON object is left alone (the error pipeline
 * rejects it with its outcome). Idempotent.
 */
export function prepareNativeCrash(envelope: Envelope): boolean {
  let changed = false;
  let eventIndex = envelope.items.findIndex((item) => item.headers.type === 'event');
  const createsEvent = envelope.items.some((item) =>
    EVENT_CREATING_ATTACHMENT_TYPES.has(attachmentType(item) ?? ''),
  );
  if (eventIndex === -1 && createsEvent) {
    const event = eventFromAttachments(envelope);
    const headerId = envelope.headers.event_id;
    if (event.event_id === undefined && typeof headerId === 'string') event.event_id = headerId;
    envelope.items = envelope.items.filter((item) => !isConsumed(item));
    envelope.items.unshift(eventItem(event));
    eventIndex = 0;
    changed = true;
  }
  const crash = envelope.items.find((item) => {
    const type = attachmentType(item);
    return type === 'event.minidump' || type === 'event.applecrashreport';
  });
  if (crash === undefined || eventIndex === -1) return changed;
  const item = envelope.items[eventIndex]!;
  let event: unknown;
  try {
    event = parseJsonText(item.payload.toString('utf8'));
  } catch {
    return changed;
  }
  if (!isJsonObject(event)) return changed;
  if (attachmentType(crash) === 'event.minidump') writeMinidump(event, crash.payload);
  else writePlaceholder(event, APPLE_CRASH_REPORT);
  envelope.items[eventIndex] = eventItem(event, item);
  return true;
}

/** Items that step 1 folds into the event. */
function isConsumed(item: EnvelopeItem): boolean {
  const type = attachmentType(item);
  return item.headers.type === 'form_data' || type === 'event.payload' || type === 'event.breadcrumbs';
}

function eventItem(event: JsonObject, previous?: EnvelopeItem): EnvelopeItem {
  const payload = Buffer.from(JSON.stringify(event));
  return { headers: { ...previous?.headers, type: 'event', length: payload.length }, payload };
}

/** Step 1: the event of an envelope without an `event` item. */
function eventFromAttachments(envelope: Envelope): JsonObject {
  let event: JsonObject = {};
  const payloadItem = envelope.items.find((item) => attachmentType(item) === 'event.payload');
  if (payloadItem) event = decodeEventPayload(payloadItem) ?? {};
  const files = envelope.items
    .filter((item) => attachmentType(item) === 'event.breadcrumbs')
    .map((item) => decodeBreadcrumbs(item.payload));
  if (files.length > 0) {
    // Crash reporters alternate between two files; the one with the older last crumb goes first.
    files.sort((a, b) => lastTimestamp(a) - lastTimestamp(b));
    const crumbs = files.flat().slice(-MAX_BREADCRUMBS);
    if (crumbs.length > 0) event.breadcrumbs = { values: crumbs };
  }
  const form = envelope.items.find((item) => item.headers.type === 'form_data');
  if (form) mergeFormFields(event, [...new URLSearchParams(form.payload.toString('utf8')).entries()]);
  return event;
}

/** A msgpack (or, by content type, JSON) event payload; undefined when it does not decode to an object. */
function decodeEventPayload(item: EnvelopeItem): JsonObject | undefined {
  try {
    const value: unknown =
      item.headers.content_type === 'application/json'
        ? parseJsonText(item.payload.toString('utf8'))
        : toJson(decode(item.payload));
    return isJsonObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The breadcrumb objects of a msgpack stream; a truncated tail (a crash mid-write) is ignored. */
function decodeBreadcrumbs(bytes: Buffer): JsonObject[] {
  const crumbs: JsonObject[] = [];
  try {
    for (const value of decodeMulti(bytes)) {
      const crumb = toJson(value);
      if (isJsonObject(crumb)) crumbs.push(crumb);
    }
  } catch {
    // Keep what decoded before the damage.
  }
  return crumbs;
}

function lastTimestamp(crumbs: JsonObject[]): number {
  const value = crumbs[crumbs.length - 1]?.timestamp;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? 0 : ms / 1000;
  }
  return 0;
}

/** A decoded msgpack value as JSON: binary and other non-JSON values dropped, big integers as numbers. */
function toJson(value: unknown): JsonValue | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(toJson).filter((v): v is JsonValue => v !== undefined);
  if (value instanceof Map) {
    const out: JsonObject = {};
    for (const [key, item] of value) {
      const json = toJson(item);
      if (typeof key === 'string' && json !== undefined) out[key] = json;
    }
    return out;
  }
  if (typeof value === 'object' && !(value instanceof Uint8Array)) {
    const out: JsonObject = {};
    for (const [key, item] of Object.entries(value)) {
      const json = toJson(item);
      if (json !== undefined) out[key] = json;
    }
    return out;
  }
  return undefined;
}

/** Step 2 for a minidump: the placeholder, then what the dump itself tells. */
function writeMinidump(event: JsonObject, dump: Buffer): void {
  const exception = writePlaceholder(event, MINIDUMP);
  const info = readMinidumpInfo(dump);
  if (info === undefined) return;
  if (!isJsonObject(event.sdk)) event.sdk = { name: info.sdkName, version: '0.0.0' };
  if (info.timestamp !== undefined) event.timestamp = info.timestamp;
  if (info.crashReason !== undefined) {
    exception.type = info.crashReason;
    exception.value = `Fatal Error: ${info.crashReason}`;
  }
  if (info.os !== undefined) {
    const contexts = isJsonObject(event.contexts) ? event.contexts : (event.contexts = {});
    if (!isJsonObject(contexts.os)) contexts.os = { type: 'os', name: info.os };
  }
}

/** Platform, level and the one placeholder exception (returned, for the caller to refine). */
function writePlaceholder(event: JsonObject, placeholder: Placeholder): JsonObject {
  event.platform = 'native';
  if (event.level === undefined || event.level === null) event.level = 'fatal';
  const exception: JsonObject = {
    type: placeholder.type,
    value: placeholder.value,
    mechanism: { type: placeholder.mechanism, handled: false, synthetic: true },
  };
  event.exception = { values: [exception] };
  return exception;
}
