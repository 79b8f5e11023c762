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
import type { EventMeta } from './meta.js';
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
    const path = ['breadcrumbs', 'values', write] as const;
    if (crumb.type === undefined && crumb.ty !== undefined) crumb.type = crumb.ty;
    delete crumb.ty;
    for (const key of Object.keys(crumb)) {
      if (crumb[key] === null) delete crumb[key];
      else if (!BREADCRUMB_FIELDS.has(key)) {
        delete crumb[key];
        meta.addError([...path, key], 'invalid_attribute');
      }
    }
    for (const key of ['type', 'category', 'message'] as const) {
      const value = crumb[key];
      if (value !== undefined && typeof value !== 'string') {
        delete crumb[key];
        meta.addInvalid([...path, key], 'expected a string', value);
      }
    }
    if (crumb.data !== undefined && !isJsonObject(crumb.data)) {
      meta.addInvalid([...path, 'data'], 'expected an object', crumb.data);
      delete crumb.data;
    }
    if (crumb.level !== undefined) {
      const level = parseLevel(crumb.level);
      if (level === undefined) {
        meta.addError([...path, 'level'], 'invalid_data', { original: crumb.level });
        delete crumb.level;
      } else crumb.level = level;
    }
    values[write++] = crumb;
  }
  values.length = write;
}
