/**
 * Event normalization: the steps of Relay's `normalize_event` (plus the `FromValue` shaping,
 * `validate_event`, `RemoveOtherProcessor` and `EmitEventErrors` it runs around it), in Relay's
 * order where the order is observable. reference/relay-protocol.md §8;
 * `relay-event-normalization/src/event.rs`, `validation.rs`, `remove_other.rs`, `event_error.rs`.
 */
import type { SentryEvent } from '../../protocol/event.js';
import { isJsonObject, type JsonObject } from '../../protocol/json.js';
import { normalizeBreadcrumbs } from './breadcrumbs.js';
import { computeContextDisplayFields, normalizeContexts } from './contexts.js';
import { normalizeDefaults } from './defaults.js';
import { newEventId, parseEventId } from './event-id.js';
import { AUTO_IP, normalizeIpAddresses } from './ip.js';
import { normalizeLogEntry } from './logentry.js';
import { normalizeMeasurements } from './measurements.js';
import { EventMeta } from './meta.js';
import { normalizeDist, normalizeEnvironment, normalizeRelease } from './release.js';
import { normalizeRequest } from './request.js';
import { normalizeExceptionsAndStacktraces } from './stacktrace.js';
import { normalizeTags } from './tags.js';
import { DEFAULT_MAX_SECS_IN_FUTURE, DEFAULT_MAX_SECS_IN_PAST, normalizeTimestamps } from './timestamps.js';
import { normalizeSpanIds, validateTransaction } from './transaction.js';
import { normalizeTransactionName } from './transaction-name.js';
import { trimEvent } from './trimming.js';
import type { NormalizeContext, NormalizeResult } from './types.js';
import { normalizeUser } from './user.js';
import { normalizeUserAgent, populateSecurityReportHeaders } from './user-agent.js';

/** Legacy interface names and the fields they alias (the canonical name wins). */
const LEGACY_ALIASES: readonly (readonly [string, string])[] = [
  ['sentry.interfaces.Exception', 'exception'],
  ['sentry.interfaces.Stacktrace', 'stacktrace'],
  ['sentry.interfaces.Http', 'request'],
  ['sentry.interfaces.User', 'user'],
  ['sentry.interfaces.Breadcrumbs', 'breadcrumbs'],
  ['sentry.interfaces.Contexts', 'contexts'],
  ['sentry.interfaces.Template', 'template'],
  ['sentry.interfaces.Csp', 'csp'],
  ['sentry.interfaces.Hpkp', 'hpkp'],
  ['sentry.interfaces.ExpectCT', 'expectct'],
  ['sentry.interfaces.ExpectStaple', 'expectstaple'],
];

/** Top-level attributes of Relay's `Event` (`relay-event-schema` `Event`); others are removed. */
export const EVENT_FIELDS: ReadonlySet<string> = new Set([
  'event_id',
  'level',
  'version',
  'type',
  'fingerprint',
  'culprit',
  'transaction',
  'transaction_info',
  'time_spent',
  'logentry',
  'logger',
  'modules',
  'platform',
  'timestamp',
  'start_timestamp',
  'received',
  'server_name',
  'release',
  'dist',
  'environment',
  'site',
  'user',
  'request',
  'contexts',
  'breadcrumbs',
  'exception',
  'stacktrace',
  'template',
  'threads',
  'tags',
  'extra',
  'debug_meta',
  'sdk',
  'ingest_path',
  'errors',
  'key_id',
  'project',
  'grouping_config',
  'checksum',
  'csp',
  'hpkp',
  'expectct',
  'expectstaple',
  'spans',
  'measurements',
  'breakdowns',
  'scraping_attempts',
  '_metrics',
  '_dsc',
  '_performance_issues_spans',
  '_meta',
]);

/** Legacy and internal top-level attributes Relay drops without an error. */
const SILENTLY_DROPPED: ReadonlySet<string> = new Set([
  'metadata',
  'hashes',
  'applecrashreport',
  'device',
  'repos',
  'query',
]);

function applyLegacyAliases(event: JsonObject): void {
  for (const [legacy, canonical] of LEGACY_ALIASES) {
    if (!(legacy in event)) continue;
    if (event[canonical] === undefined || event[canonical] === null) event[canonical] = event[legacy];
    delete event[legacy];
  }
}

function normalizeEventIdField(
  event: JsonObject,
  meta: EventMeta,
  envelopeEventId: string | undefined,
): void {
  const fromEnvelope = parseEventId(envelopeEventId);
  const raw = event.event_id;
  const fromPayload = parseEventId(raw);
  if (raw !== undefined && raw !== null && fromPayload === undefined) {
    meta.addError(['event_id'], 'invalid_data', { original: raw });
  }
  event.event_id = fromEnvelope ?? fromPayload ?? newEventId();
}

/** Fingerprints are lists of strings; numbers and booleans are printed, anything else is invalid. */
function normalizeFingerprint(event: JsonObject, meta: EventMeta): void {
  const raw = event.fingerprint;
  if (raw === undefined) return;
  if (raw === null) {
    delete event.fingerprint;
    return;
  }
  const parts: string[] = [];
  const valid =
    Array.isArray(raw) &&
    raw.every((part) => {
      if (typeof part === 'string') parts.push(part);
      else if (typeof part === 'number' || typeof part === 'boolean') parts.push(String(part));
      else return part === null;
      return true;
    });
  if (valid) event.fingerprint = parts;
  else {
    delete event.fingerprint;
    meta.addInvalid(['fingerprint'], 'invalid fingerprint value', raw);
  }
}

/** Objects-only interfaces that are dropped (with an error) when they have another shape. */
function requireObject(event: JsonObject, key: string, meta: EventMeta): void {
  const value = event[key];
  if (value === undefined || isJsonObject(value)) return;
  delete event[key];
  if (value !== null) meta.addInvalid([key], 'expected an object', value);
}

/**
 * String attributes (Relay's `Annotated<String>`: `culprit`, `transaction`, `checksum`) that hold
 * another type are removed with an `invalid_data` error, as Relay's `FromValue` does; they would
 * otherwise reach the issue and event columns as arrays or objects.
 */
function requireString(event: JsonObject, key: string, meta: EventMeta): void {
  const value = event[key];
  if (value === undefined || typeof value === 'string') return;
  delete event[key];
  if (value !== null) meta.addInvalid([key], 'expected a string', value);
}

function removeUnknownAttributes(event: JsonObject, meta: EventMeta): void {
  for (const key of Object.keys(event)) {
    if (EVENT_FIELDS.has(key)) continue;
    delete event[key];
    if (!SILENTLY_DROPPED.has(key)) meta.addError([key], 'invalid_attribute');
  }
}

function isSecurityReport(event: JsonObject): boolean {
  return ['csp', 'hpkp', 'expectct', 'expectstaple'].some((k) => event[k] !== undefined && event[k] !== null);
}

/** Security reports get `logger: "csp"`, the client IP as user IP and the HTTP user agent. */
function normalizeSecurityReport(event: JsonObject, ctx: NormalizeContext): void {
  if (typeof event.logger !== 'string' || event.logger === '') event.logger = 'csp';
  if (ctx.clientIp !== undefined) {
    const user = isJsonObject(event.user) ? event.user : (event.user = {});
    user.ip_address = ctx.clientIp;
  }
  populateSecurityReportHeaders(event, ctx.userAgent, ctx.clientHints);
}

/**
 * Internal attributes Relay overrides even when the payload sets them
 * (`normalize_default_attributes` in `relay-event-normalization/src/event.rs`): the project id
 * and the DSN key's numeric id (as a string). Left alone when the context does not know them.
 */
function normalizeScoping(event: JsonObject, ctx: NormalizeContext): void {
  if (ctx.projectId !== undefined) event.project = ctx.projectId;
  if (ctx.keyId !== undefined) event.key_id = String(ctx.keyId);
}

/**
 * Normalizes one event payload the way a processing Relay does before storing it
 * (reference/relay-protocol.md §8). `input` is the parsed JSON payload; it is normalized
 * **in place** (no copy is made, for speed) and returned as `event`.
 *
 * Returns `{ok: false, reason: 'invalid_json'}` when the payload is not a JSON object and
 * `{ok: false, reason: 'invalid_transaction', detail}` when a transaction fails §8.3's
 * validation. Everything else is repaired: invalid values are removed and reported in
 * `errors[]` and `_meta`; the event is never rejected for them. Never throws for bad input.
 */
export function normalizeEvent(input: unknown, ctx: NormalizeContext): NormalizeResult {
  if (!isJsonObject(input)) return { ok: false, reason: 'invalid_json' };
  const event = input;
  if (event._meta !== undefined && !isJsonObject(event._meta)) delete event._meta;
  const meta = new EventMeta(event);

  applyLegacyAliases(event);
  normalizeEventIdField(event, meta, ctx.envelopeEventId);
  normalizeLogEntry(event, meta);
  normalizeBreadcrumbs(event, meta);
  for (const key of ['extra', 'modules', 'debug_meta', 'sdk', 'transaction_info'] as const) {
    requireObject(event, key, meta);
  }
  for (const key of ['culprit', 'transaction', 'checksum'] as const) requireString(event, key, meta);

  normalizeTimestamps(event, meta, {
    receivedAt: ctx.receivedAt,
    sentAt: ctx.sentAt,
    maxSecsInFuture: ctx.maxSecsInFuture ?? DEFAULT_MAX_SECS_IN_FUTURE,
    maxSecsInPast: ctx.maxSecsInPast ?? DEFAULT_MAX_SECS_IN_PAST,
  });
  normalizeContexts(event, meta);
  normalizeSpanIds(event, meta);

  if (ctx.itemType === 'transaction' || event.type === 'transaction') {
    event.type = 'transaction';
    const detail = validateTransaction(event);
    if (detail !== undefined) return { ok: false, reason: 'invalid_transaction', detail };
    normalizeTransactionName(event, meta);
  }

  if (ctx.itemType === 'security' || isSecurityReport(event)) normalizeSecurityReport(event, ctx);
  normalizeRequest(event, meta);
  normalizeIpAddresses(event, meta, ctx.clientIp === AUTO_IP ? undefined : ctx.clientIp);
  normalizeUser(event, meta);
  normalizeRelease(event, meta);
  normalizeEnvironment(event, meta);
  normalizeDist(event, meta);
  normalizeTags(event, meta);
  normalizeFingerprint(event, meta);
  normalizeExceptionsAndStacktraces(event, meta);
  normalizeDefaults(event, meta, ctx.itemType);
  normalizeScoping(event, ctx);
  normalizeUserAgent(event, { fallbackUserAgent: ctx.userAgent, fallbackClientHints: ctx.clientHints });
  computeContextDisplayFields(event);
  normalizeMeasurements(event, meta);
  removeUnknownAttributes(event, meta);
  trimEvent(event, meta);
  meta.flushErrors();

  if (isJsonObject(event._meta) && Object.keys(event._meta).length === 0) delete event._meta;
  return { ok: true, event: event as SentryEvent };
}
