/**
 * Strict field reading for security report bodies, mirroring the serde structs Relay
 * deserializes them into (`relay-event-schema/src/protocol/security_report.rs`): a field may have
 * aliases (the first key present wins), `null` reads as absent (serde's `Option`), and a value of
 * the wrong type makes the whole report invalid (Relay's `security_report` discard reason).
 * Reading never throws: the first problem is kept in {@link FieldReader.error}.
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../../../protocol/json.js';
import { formatRfc3339, parseTimestamp } from '../../normalize/index.js';

/** Reads typed fields of one JSON object and remembers which keys it consumed. */
export class FieldReader {
  /** The first type error met (a field name and what was expected), if any. */
  error: string | undefined;
  private readonly used = new Set<string>();

  constructor(private readonly object: JsonObject) {}

  /** The value of the first present alias among `keys` (`null` counts as absent). */
  private raw(keys: readonly string[]): [string, JsonValue] | undefined {
    for (const key of keys) {
      if (!Object.hasOwn(this.object, key)) continue;
      this.used.add(key);
      const value = this.object[key] as JsonValue;
      return value === null ? undefined : [key, value];
    }
    return undefined;
  }

  private fail(key: string, expected: string): undefined {
    this.error ??= `${key}: expected ${expected}`;
    return undefined;
  }

  /** An optional string. */
  string(...keys: string[]): string | undefined {
    const found = this.raw(keys);
    if (found === undefined) return undefined;
    return typeof found[1] === 'string' ? found[1] : this.fail(found[0], 'a string');
  }

  /** A required string (serde `String` without default): absent is an error too. */
  requiredString(...keys: string[]): string {
    const value = this.string(...keys);
    if (value === undefined) this.fail(keys[0] as string, 'a string');
    return value ?? '';
  }

  /** An optional boolean. */
  bool(...keys: string[]): boolean | undefined {
    const found = this.raw(keys);
    if (found === undefined) return undefined;
    return typeof found[1] === 'boolean' ? found[1] : this.fail(found[0], 'a boolean');
  }

  /**
   * An optional integer: a JSON integer in `[min, 2^53)`, or, with `numericStrings`, a string of
   * digits (Relay's `de_opt_num_or_str` for CSP's status/line/column numbers).
   */
  integer(
    keys: readonly string[],
    options: { min?: number; numericStrings?: boolean } = {},
  ): number | undefined {
    const found = this.raw(keys);
    if (found === undefined) return undefined;
    const [key, value] = found;
    const min = options.min ?? 0;
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min) return value;
    if (options.numericStrings && typeof value === 'string' && /^\+?\d+$/u.test(value)) {
      const parsed = Number(value);
      if (Number.isSafeInteger(parsed)) return parsed;
    }
    return this.fail(key, 'an integer');
  }

  /** An optional list of strings. */
  strings(...keys: string[]): string[] | undefined {
    const found = this.raw(keys);
    if (found === undefined) return undefined;
    const [key, value] = found;
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
    return this.fail(key, 'a list of strings');
  }

  /** A required list of strings. */
  requiredStrings(...keys: string[]): string[] {
    const value = this.strings(...keys);
    if (value === undefined) this.fail(keys[0] as string, 'a list of strings');
    return value ?? [];
  }

  /** An optional RFC 3339 date-time, re-rendered like chrono's `to_rfc3339()`. */
  dateTime(...keys: string[]): string | undefined {
    const found = this.raw(keys);
    if (found === undefined) return undefined;
    const seconds = typeof found[1] === 'string' ? parseTimestamp(found[1]) : undefined;
    return seconds === undefined ? this.fail(found[0], 'an RFC 3339 date-time') : formatRfc3339(seconds);
  }

  /** An optional string that must be one of `allowed`. */
  oneOf(keys: readonly string[], allowed: ReadonlySet<string>): string | undefined {
    const found = this.raw(keys);
    if (found === undefined) return undefined;
    const [key, value] = found;
    return typeof value === 'string' && allowed.has(value) ? value : this.fail(key, 'a known value');
  }

  /** An optional list of objects, each read with a nested reader whose errors become this reader's. */
  objects<T>(key: string, read: (reader: FieldReader) => T): T[] | undefined {
    const found = this.raw([key]);
    if (found === undefined) return undefined;
    const list = found[1];
    if (!Array.isArray(list)) return this.fail(key, 'a list of objects');
    const values: T[] = [];
    for (const [i, element] of list.entries()) {
      if (!isJsonObject(element)) return this.fail(`${key}.${i}`, 'an object');
      const inner = new FieldReader(element);
      values.push(read(inner));
      if (inner.error !== undefined) {
        this.error ??= `${key}.${i}.${inner.error}`;
        return undefined;
      }
    }
    return values;
  }

  /** Any value, kept as is (serde `Value`). */
  any(key: string): JsonValue | undefined {
    return this.raw([key])?.[1];
  }

  /** The fields no getter consumed (serde's `#[serde(flatten)] other`), `null`s included. */
  rest(): JsonObject {
    const other: JsonObject = {};
    for (const [key, value] of Object.entries(this.object)) {
      if (!this.used.has(key)) other[key] = value as JsonValue;
    }
    return other;
  }
}

/** Copies the defined entries of `fields` into a new object (Relay skips empty interface fields). */
export function definedFields(fields: Record<string, JsonValue | undefined>): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key] = value;
  return out;
}
