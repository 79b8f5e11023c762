/**
 * Breadcrumb normalization.
 *
 * Follows `relay-event-schema/src/protocol/breadcrumb.rs` (known fields; legacy `ty` alias for
 * `type`; `level` parsed like the event level) and `relay-event-normalization/src/remove_other.rs`
 * (unknown breadcrumb attributes are dropped with `invalid_attribute` errors). Breadcrumb timestamps are handled with all other
 * timestamps in `timestamps.ts`.
 */
import { isJsonObject, type JsonObject } from '../../protocol/json.js';
import { parseLevel } from './defaults.js';
import type { EventMeta, EventPath } from './meta.js';
import { valuesInterface } from './stacktrace.js';

const BREADCRUMB_FIELDS: ReadonlySet<string> = new Set([
  'timestamp',
  'type',
  'category',
  'level',
  'message',
  'data',
  'event_id',
]);

/**
 * Normalizes `event.breadcrumbs` in place: the list form becomes `{values}`, non-object crumbs
 * are dropped, `ty` becomes `type`, levels are parsed (`warn` → `warning`; invalid ones removed
 * with an error), non-string `type`/`category`/`message` and non-object `data` are removed,
 * and unknown attributes are dropped with an `invalid_attribute` error.
 */
export function normalizeBreadcrumbs(event: JsonObject, meta: EventMeta): void {
  const values = valuesInterface(event, 'breadcrumbs', meta);
  if (!values) return;
  let write = 0;
  for (let read = 0; read < values.length; read++) {
    const crumb = values[read];
    if (!isJsonObject(crumb)) {
      if (crumb !== null) meta.addInvalid(['breadcrumbs', 'values', read], 'expected a breadcrumb', crumb);
      continue;
    }
    normalizeBreadcrumb(crumb, write, meta);
    values[write++] = crumb;
  }
  values.length = write;
}

/** The event path of a field of the breadcrumb at `index` (built only for errors). */
function crumbPath(index: number, key: string): EventPath {
  return ['breadcrumbs', 'values', index, key];
}

/** Removes `crumb[key]` with an error unless it is a string (or absent). */
function requireString(crumb: JsonObject, key: string, index: number, meta: EventMeta): void {
  const value = crumb[key];
  if (value !== undefined && typeof value !== 'string') {
    delete crumb[key];
    meta.addInvalid(crumbPath(index, key), 'expected a string', value);
  }
}

/** Normalizes one breadcrumb in place; `index` is its position after dropped ones. */
function normalizeBreadcrumb(crumb: JsonObject, index: number, meta: EventMeta): void {
  // Checked first so crumbs without `ty` (nearly all) skip a `delete` of a missing key.
  if ('ty' in crumb) {
    if (crumb.type === undefined && crumb.ty !== undefined) crumb.type = crumb.ty;
    delete crumb.ty;
  }
  // `for…in` instead of `Object.keys` spares an array per crumb; deleting the key being
  // visited does not disturb the enumeration, and inherited keys are skipped.
  for (const key in crumb) {
    if (!Object.hasOwn(crumb, key)) continue;
    if (crumb[key] === null) delete crumb[key];
    else if (!BREADCRUMB_FIELDS.has(key)) {
      delete crumb[key];
      meta.addError(crumbPath(index, key), 'invalid_attribute');
    }
  }
  requireString(crumb, 'type', index, meta);
  requireString(crumb, 'category', index, meta);
  requireString(crumb, 'message', index, meta);
  if (crumb.data !== undefined && !isJsonObject(crumb.data)) {
    meta.addInvalid(crumbPath(index, 'data'), 'expected an object', crumb.data);
    delete crumb.data;
  }
  if (crumb.level !== undefined) {
    const level = parseLevel(crumb.level);
    if (level === undefined) {
      meta.addError(crumbPath(index, 'level'), 'invalid_data', { original: crumb.level });
      delete crumb.level;
    } else crumb.level = level;
  }
}
