/**
 * Default data scrubbing of a trace item (reference/relay-protocol.md §9.1; Relay's `scrub_log`
 * in `relay-server/src/processing/logs/process.rs` with the legacy settings): the log body gets
 * only the replace-only rules (`@email:replace`, `@creditcard:replace`, …), exactly like
 * `$logentry.formatted`; string attributes and the strings of array attributes get the general
 * rules (`@common:filter`, sensitive fields, safe fields) with the attribute name as the key
 * (Relay's `AttributeMode::ValueOnly`; remarks of array elements are keyed by index, as in
 * Relay's `test_ourlog_extraction_with_sentry_logs`).
 *
 * The scrubber of src/processing/pii is reused as is: the body is scrubbed as an event's
 * `logentry.formatted` and the attributes as its `extra` values, which is exactly the set of
 * rules Relay gives each. Sentry's own `sentry.*` attributes (release, SDK, timestamps, message
 * template) are not personal data and are left alone, as sentry-conventions marks them.
 */
import type { JsonObject, JsonValue } from '../../../protocol/json.js';
import { isJsonObject } from '../../../protocol/json.js';
import type { SentryEvent } from '../../../protocol/event.js';
import { scrubEvent, type DataScrubbingSettings } from '../../pii/index.js';
import type { ArrayElement, AttributeValue } from './attributes.js';

/** What {@link scrubTraceItem} changed: the new body and the remarks in Relay's `_meta` shape. */
export interface ScrubResult {
  /** The scrubbed body (unchanged when nothing matched; `undefined` when none was given). */
  body: string | undefined;
  /** `_meta` of the body (`{"": {"rem": [...], "len": n}}`), when it changed. */
  bodyMeta?: JsonObject;
  /** `_meta` per changed attribute, in Relay's shape `{"value": {"": {"rem": [...], "len": n}}}`. */
  attributesMeta: JsonObject;
}

const SENTRY_PREFIX = 'sentry.';

/** A scrubbed array element: scalars as they are, anything else (never produced by the rules) as `null`. */
function arrayElement(value: JsonValue): ArrayElement {
  return value === null || typeof value !== 'object' ? value : null;
}

/**
 * Scrubs `body` and the string and array attributes of `attributes` (in place) with `settings`.
 * Removed attribute values (a rule with `remove`) drop the attribute; a removed array element
 * becomes `null`. Never throws.
 */
export function scrubTraceItem(
  body: string | undefined,
  attributes: Map<string, AttributeValue>,
  settings: DataScrubbingSettings,
): ScrubResult {
  const extra: JsonObject = {};
  for (const [key, attribute] of attributes) {
    if (key.startsWith(SENTRY_PREFIX)) continue;
    if (attribute.type === 'string' || attribute.type === 'array') extra[key] = attribute.value;
  }
  const event: SentryEvent = { extra };
  if (body !== undefined) event.logentry = { formatted: body };
  const scrubbed = scrubEvent(event, settings);
  const result: ScrubResult = { body, attributesMeta: {} };
  if (scrubbed === event) return result;

  const meta = isJsonObject(scrubbed._meta) ? scrubbed._meta : {};
  const formatted = scrubbed.logentry?.formatted;
  if (body !== undefined && typeof formatted === 'string' && formatted !== body) {
    result.body = formatted;
    const logentryMeta = meta.logentry;
    const bodyMeta = isJsonObject(logentryMeta) ? logentryMeta.formatted : undefined;
    if (isJsonObject(bodyMeta)) result.bodyMeta = bodyMeta;
  }
  const scrubbedExtra = isJsonObject(scrubbed.extra) ? scrubbed.extra : {};
  const extraMeta = isJsonObject(meta.extra) ? meta.extra : {};
  for (const key of Object.keys(extra)) {
    const value = scrubbedExtra[key];
    if (value === extra[key]) continue;
    if (typeof value === 'string') attributes.set(key, { type: 'string', value });
    else if (Array.isArray(value)) attributes.set(key, { type: 'array', value: value.map(arrayElement) });
    else attributes.delete(key);
    const node = extraMeta[key];
    if (isJsonObject(node)) result.attributesMeta[key] = { value: node };
  }
  return result;
}
