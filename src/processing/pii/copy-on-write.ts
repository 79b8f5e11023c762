/**
 * Copy-on-write mapping of JSON containers, shared by both scrub passes (`advanced.ts`,
 * `scrub-event.ts`): a container is copied only when one of its children changes, so an event
 * nothing matched comes back as the very same object (callers compare by identity to know that
 * nothing changed) and unchanged subtrees stay shared with the input.
 */
import type { JsonObject, JsonValue } from '../../protocol/json.js';

/**
 * `value` with each own enumerable key's item (undefined items skipped) replaced by
 * `fn(key, item)`; `value` itself when every `fn` returned its item unchanged.
 */
export function mapEntries(value: JsonObject, fn: (key: string, item: JsonValue) => JsonValue): JsonObject {
  let out: JsonObject | undefined;
  for (const key of Object.keys(value)) {
    const item = value[key];
    if (item === undefined) continue;
    const next = fn(key, item);
    if (next !== item) {
      out ??= { ...value };
      out[key] = next;
    }
  }
  return out ?? value;
}

/** `values` with each item replaced by `fn(item, index)`; `values` itself when nothing changed. */
export function mapItems(
  values: JsonValue[],
  fn: (item: JsonValue, index: number) => JsonValue,
): JsonValue[] {
  let out: JsonValue[] | undefined;
  for (let i = 0; i < values.length; i++) {
    const item = values[i] as JsonValue;
    const next = fn(item, i);
    if (next !== item) {
      out ??= [...values];
      out[i] = next;
    }
  }
  return out ?? values;
}
