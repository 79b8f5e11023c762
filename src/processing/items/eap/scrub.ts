/**
 * Data scrubbing of one trace item (a log, trace metric or v2 span) with the project's advanced
 * PII config and legacy settings, as Relay's `eap::scrub` (`relay-pii/src/eap.rs`; called by
 * `scrub_log`, `scrub_trace_metric` and `scrub_span` in `relay-server/src/processing/`) does:
 * each attribute's value is scrubbed on its own, per the pii mark sentry-conventions gives the
 * attribute (Sentry's own attributes such as `sentry.release` are never touched); a log's body
 * gets the replace-only rules of the legacy settings (`@email:replace`, `@bearer:replace`, …) and
 * only advanced rules that name it (`$log.body`). The rules themselves are
 * `src/processing/pii/attributes.ts` (reference/relay-protocol.md §9, §14.2).
 */
import type { JsonObject, JsonValue } from '../../../protocol/json.js';
import { isJsonObject, setOwn } from '../../../protocol/json.js';
import { scrubTraceItemFields, type AttributeEntry, type DataScrubbingSettings } from '../../pii/index.js';
import type { ArrayElement, AttributeValue } from './attributes.js';

/** Relay's value type of a trace item, which selectors name (`$log`, `$span`, `$trace_metric`). */
export type TraceItemType = 'log' | 'span' | 'trace_metric';

/** What {@link scrubTraceItem} changed: the new body and the remarks in Relay's `_meta` shape. */
export interface ScrubResult {
  /** The scrubbed body (`''` when a rule removed it; `undefined` when none was given). */
  body: string | undefined;
  /** `_meta` of the body (`{"": {"rem": [...], "len": n}}`), when it changed. */
  bodyMeta?: JsonObject;
  /**
   * `_meta` per changed attribute, in Relay's shape `{"<key>": {"value": {"": {"rem": [...],
   * "len": n}}}}` (array elements by index under `value`).
   */
  attributesMeta: JsonObject;
}

/** The scrubbed value as an attribute of its type; `undefined` when it can no longer be one. */
function typedValue(type: AttributeValue['type'], value: JsonValue): AttributeValue | undefined {
  switch (type) {
    case 'string':
      return typeof value === 'string' ? { type, value } : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? { type, value } : undefined;
    case 'integer':
    case 'double':
      return typeof value === 'number' ? { type, value } : undefined;
    case 'array':
      return Array.isArray(value) ? { type, value: value.map(arrayElement) } : undefined;
  }
}

/** A scrubbed array element: scalars as they are, anything else (never produced by the rules) as `null`. */
function arrayElement(value: JsonValue): ArrayElement {
  return value === null || typeof value !== 'object' ? value : null;
}

/**
 * Scrubs `body` and the attributes of a trace item of `itemType` (`attributes` in place) with
 * `settings` (see the module comment). An attribute whose value a rule removed is dropped (its
 * remark stays in `attributesMeta`); a removed array element becomes `null`. Never throws.
 */
export function scrubTraceItem(
  itemType: TraceItemType,
  body: string | undefined,
  attributes: Map<string, AttributeValue>,
  settings: DataScrubbingSettings,
): ScrubResult {
  const input: JsonObject = {};
  // `setOwn`: `__proto__` (a user's attribute name) stays a plain key.
  for (const [key, attribute] of attributes) setOwn(input, key, attribute);
  const scrubbed = scrubTraceItemFields(
    { body, attributes: input as unknown as Record<string, AttributeEntry> },
    settings,
    { itemType },
  );
  const result: ScrubResult = { body, attributesMeta: {} };
  const meta = scrubbed.meta ?? {};
  if (body !== undefined && scrubbed.body !== body) {
    result.body = scrubbed.body ?? '';
    if (isJsonObject(meta.body)) result.bodyMeta = meta.body;
  }
  if (isJsonObject(meta.attributes)) result.attributesMeta = meta.attributes;
  if (scrubbed.attributes !== (input as unknown)) {
    for (const [key, attribute] of attributes) {
      const next = Object.hasOwn(scrubbed.attributes, key) ? scrubbed.attributes[key] : undefined;
      if (next === undefined || next === attribute || next.value === attribute.value) continue;
      const value = typedValue(attribute.type, next.value);
      if (value === undefined) attributes.delete(key);
      else attributes.set(key, value);
    }
  }
  return result;
}
