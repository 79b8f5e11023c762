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
 * can exhaust the stack. No allocation; says nothing about validity otherwise.
 *
 * It runs before every parse of client JSON, so it is kept cheaper than the parse: a text with
 * at most `limit` opening brackets cannot nest deeper (counted with native `indexOf` scans),
 * and the full scan jumps over string contents with `indexOf` too.
 */
export function exceedsJsonDepth(text: string, limit: number = MAX_JSON_DEPTH): boolean {
  if (countsAtMost(text, '{', '[', limit)) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      i = closingQuote(text, i);
      if (i < 0) return false; // an unterminated string: the parse fails anyway
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > limit) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) depth--;
  }
  return false;
}

/** True when `a` and `b` occur at most `limit` times in `text` together. */
function countsAtMost(text: string, a: string, b: string, limit: number): boolean {
  let n = 0;
  for (let i = text.indexOf(a); i >= 0; i = text.indexOf(a, i + 1)) if (++n > limit) return false;
  for (let i = text.indexOf(b); i >= 0; i = text.indexOf(b, i + 1)) if (++n > limit) return false;
  return true;
}

/**
 * The index of the quote closing the string opened at `open` (the next `"` not escaped by an
 * odd run of backslashes), or -1 when there is none.
 */
function closingQuote(text: string, open: number): number {
  for (let j = text.indexOf('"', open + 1); j >= 0; j = text.indexOf('"', j + 1)) {
    let k = j - 1;
    while (text.charCodeAt(k) === 0x5c) k--; // stops at `open` at the latest
    if ((j - 1 - k) % 2 === 0) return j;
  }
  return -1;
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
