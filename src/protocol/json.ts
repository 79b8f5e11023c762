/**
 * JSON values as they arrive on the wire. Payloads are parsed into these and then
 * narrowed with the guards below; nothing in Vigil uses `any`.
 */
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

/** A JSON object (`{...}`); keys keep the wire's spelling. */
export interface JsonObject {
  [key: string]: JsonValue | undefined;
}

/** True when `value` is a plain JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Returns `value` when it is a string, else `undefined`. */
export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Returns `value` when it is a finite number, else `undefined`. */
export function asNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Returns `value` when it is a JSON object, else `undefined`. */
export function asObject(value: unknown): JsonObject | undefined {
  return isJsonObject(value) ? value : undefined;
}

/** Returns `value` when it is an array, else `undefined`. */
export function asArray(value: unknown): JsonValue[] | undefined {
  return Array.isArray(value) ? (value as JsonValue[]) : undefined;
}

/**
 * The own property `key` of `object`, never an inherited one: `object['__proto__']` would
 * otherwise return `Object.prototype` for keys that came from user data.
 */
export function getOwn(object: JsonObject, key: string): JsonValue | undefined {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/**
 * Sets the own property `key` of `object`, also when `key` is `__proto__`, where plain
 * assignment would replace the object's prototype instead (a prototype pollution hazard when
 * keys come from user data, as `JSON.parse` creates own `__proto__` properties).
 */
export function setOwn(object: JsonObject, key: string, value: JsonValue): void {
  if (key === '__proto__') {
    Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  } else object[key] = value;
}

/**
 * serde_json's default recursion limit, which every JSON parse in Relay inherits: a document
 * nesting arrays and objects deeper than this fails to parse ("recursion limit exceeded").
 */
export const MAX_JSON_DEPTH = 128;

/**
 * True when the JSON text `text` nests arrays and objects deeper than `limit` (brackets inside
 * strings do not count). Callers refuse such documents as invalid JSON before `JSON.parse`, as
 * Relay does, so that no recursive walk over the value (stringify, validation, normalization)
 * can exhaust the stack. One pass, no allocation; says nothing about validity otherwise.
 */
export function exceedsJsonDepth(text: string, limit: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > limit) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) depth--;
  }
  return false;
}

/**
 * `JSON.parse` held to serde_json's recursion limit ({@link MAX_JSON_DEPTH}), as every JSON
 * parse in Relay is: throws a `SyntaxError` ("recursion limit exceeded") for deeper documents,
 * so code that already catches parse errors treats them as invalid JSON.
 */
export function parseJsonText(text: string): unknown {
  if (exceedsJsonDepth(text)) throw new SyntaxError('recursion limit exceeded');
  return JSON.parse(text) as unknown;
}
