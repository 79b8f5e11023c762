/**
 * Request-body validation with the error bodies of Django REST framework serializers, which
 * Sentry's write endpoints answer with: `400 {"field": ["message", ...]}` (list items' errors
 * keyed by index). The field kinds Vigil's write endpoints use, with DRF's messages
 * (`rest_framework/fields.py`).
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../../protocol/json.js';
import { drfBoolean } from '../../processing/project-config/index.js';
import { parseIsoDateTime } from '../../protocol/iso-date-time.js';

/** DRF's messages. */
export const DRF_MESSAGES = {
  required: 'This field is required.',
  null: 'This field may not be null.',
  blank: 'This field may not be blank.',
  string: 'Not a valid string.',
  url: 'Enter a valid URL.',
  datetime:
    'Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].',
  maxLength: (max: number) => `Ensure this field has no more than ${max} characters.`,
  list: (got: string) => `Expected a list of items but got type "${got}".`,
  object: (got: string) => `Invalid data. Expected a dictionary, but got ${got}.`,
  boolean: 'Must be a valid boolean.',
  integer: 'A valid integer is required.',
  maxValue: (max: number) => `Ensure this value is less than or equal to ${max}.`,
  choice: (input: string) => `"${input}" is not a valid choice.`,
} as const;

/** Options of a string field (DRF `CharField`). */
export interface CharOptions {
  required?: boolean;
  allowNull?: boolean;
  allowBlank?: boolean;
  maxLength?: number;
  /** DRF trims strings unless told not to (`trim_whitespace=False` for versions). */
  trim?: boolean;
}

/** Python's type name of a JSON value, as DRF's messages show it. */
function pythonType(value: unknown): string {
  if (value === null) return 'NoneType';
  if (Array.isArray(value)) return 'list';
  switch (typeof value) {
    case 'string':
      return 'str';
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(value) ? 'int' : 'float';
    default:
      return 'dict';
  }
}

/** Collects field errors of one body; `null` as a read result means "sent as null". */
export class FieldErrors {
  readonly errors: Record<string, JsonValue> = {};

  /** Whether no error was recorded. */
  get ok(): boolean {
    return Object.keys(this.errors).length === 0;
  }

  /** Records `message` for `field` (appended to its list). */
  add(field: string, message: string): void {
    const list = this.errors[field];
    if (Array.isArray(list)) list.push(message);
    else this.errors[field] = [message];
  }

  /** Records a nested error body for `field` (list items' errors keyed by index). */
  nest(field: string, errors: JsonObject): void {
    this.errors[field] = errors;
  }

  /** A DRF `CharField`: numbers are taken as their text, other non-strings refused. */
  char(body: JsonObject, field: string, options: CharOptions = {}): string | null | undefined {
    const value = body[field];
    if (value === undefined) {
      if (options.required === true) this.add(field, DRF_MESSAGES.required);
      return undefined;
    }
    if (value === null) {
      if (options.allowNull !== true) this.add(field, DRF_MESSAGES.null);
      return null;
    }
    if (typeof value !== 'string' && typeof value !== 'number') {
      this.add(field, DRF_MESSAGES.string);
      return undefined;
    }
    let text = String(value);
    if (options.trim !== false) text = text.trim();
    if (text === '') {
      if (options.allowBlank !== true) this.add(field, DRF_MESSAGES.blank);
      return text;
    }
    if (options.maxLength !== undefined && [...text].length > options.maxLength) {
      this.add(field, DRF_MESSAGES.maxLength(options.maxLength));
      return undefined;
    }
    return text;
  }

  /** A DRF `URLField` (Django's `URLValidator`: http, https, ftp or ftps with a host). */
  url(body: JsonObject, field: string, options: CharOptions = {}): string | null | undefined {
    const text = this.char(body, field, options);
    if (typeof text !== 'string' || text === '') return text;
    if (!isValidUrl(text)) {
      this.add(field, DRF_MESSAGES.url);
      return undefined;
    }
    return text;
  }

  /**
   * A DRF `DateTimeField`: ISO 8601 (a naive time is taken as UTC), returned as ISO-8601 UTC
   * with milliseconds.
   */
  dateTime(
    body: JsonObject,
    field: string,
    options: { allowNull?: boolean } = {},
  ): string | null | undefined {
    const value = body[field];
    if (value === undefined) return undefined;
    if (value === null) {
      if (options.allowNull !== true) this.add(field, DRF_MESSAGES.null);
      return null;
    }
    const parsed = typeof value === 'string' ? parseIsoDateTime(value) : undefined;
    if (parsed === undefined) {
      this.add(field, DRF_MESSAGES.datetime);
      return undefined;
    }
    return parsed;
  }

  /** A DRF `BooleanField`: `true`/`false` and their spellings (`"yes"`, `1`, `"off"`, ...). */
  boolean(
    body: JsonObject,
    field: string,
    options: { allowNull?: boolean } = {},
  ): boolean | null | undefined {
    const value = body[field];
    if (value === undefined) return undefined;
    if (value === null) {
      if (options.allowNull !== true) this.add(field, DRF_MESSAGES.null);
      return null;
    }
    const parsed = drfBoolean(value);
    if (parsed === undefined) this.add(field, DRF_MESSAGES.boolean);
    return parsed;
  }

  /**
   * A DRF `IntegerField`: an integer, or its text (`"10"`, `"10.0"`), at most `maxValue` when
   * given.
   */
  integer(
    body: JsonObject,
    field: string,
    options: { allowNull?: boolean; maxValue?: number } = {},
  ): number | null | undefined {
    const value = body[field];
    if (value === undefined) return undefined;
    if (value === null) {
      if (options.allowNull !== true) this.add(field, DRF_MESSAGES.null);
      return null;
    }
    const text = typeof value === 'number' || typeof value === 'string' ? String(value).trim() : '';
    const m = /^([-+]?\d+)(?:\.0*)?$/.exec(text);
    if (typeof value === 'boolean' || m === null || m[1] === undefined) {
      this.add(field, DRF_MESSAGES.integer);
      return undefined;
    }
    const n = Number(m[1]);
    if (options.maxValue !== undefined && n > options.maxValue) {
      this.add(field, DRF_MESSAGES.maxValue(options.maxValue));
      return undefined;
    }
    return n;
  }

  /** A DRF `ChoiceField`: one of `choices` (compared as text, as DRF does). */
  choice<T extends string>(
    body: JsonObject,
    field: string,
    choices: readonly T[],
    options: { allowNull?: boolean } = {},
  ): T | null | undefined {
    const value = body[field];
    if (value === undefined) return undefined;
    if (value === null) {
      if (options.allowNull !== true) this.add(field, DRF_MESSAGES.null);
      return null;
    }
    const text =
      typeof value === 'string' || typeof value === 'number' ? String(value) : JSON.stringify(value);
    const found = choices.find((c) => c === text);
    if (found === undefined) this.add(field, DRF_MESSAGES.choice(text));
    return found;
  }

  /** A DRF `ListField`: the items, or `undefined` (absent, null where allowed, or an error). */
  list(body: JsonObject, field: string, options: { required?: boolean } = {}): JsonValue[] | undefined {
    const value = body[field];
    if (value === undefined) {
      if (options.required === true) this.add(field, DRF_MESSAGES.required);
      return undefined;
    }
    if (value === null) {
      this.add(field, DRF_MESSAGES.null);
      return undefined;
    }
    if (!Array.isArray(value)) {
      this.add(field, DRF_MESSAGES.list(pythonType(value)));
      return undefined;
    }
    return value;
  }

  /**
   * A `ListField` of nested objects, each checked by `item` (which records its errors in the
   * `FieldErrors` it is given); item errors are reported keyed by index.
   */
  objects<T>(
    body: JsonObject,
    field: string,
    item: (value: JsonObject, errors: FieldErrors) => T,
  ): T[] | undefined {
    const values = this.list(body, field);
    if (values === undefined) return undefined;
    const nested: JsonObject = {};
    const result: T[] = [];
    values.forEach((value, index) => {
      const errors = new FieldErrors();
      if (!isJsonObject(value)) {
        errors.add('non_field_errors', DRF_MESSAGES.object(pythonType(value)));
      } else {
        const read = item(value, errors);
        if (errors.ok) result.push(read);
      }
      if (!errors.ok) nested[String(index)] = errors.errors;
    });
    if (Object.keys(nested).length > 0) this.nest(field, nested);
    return result;
  }
}

/** The body as a JSON object, or a DRF `non_field_errors` body for anything else. */
export function bodyObject(
  body: unknown,
): { ok: true; value: JsonObject } | { ok: false; errors: JsonObject } {
  if (isJsonObject(body)) return { ok: true, value: body };
  return { ok: false, errors: { non_field_errors: [DRF_MESSAGES.object(pythonType(body ?? null))] } };
}

function isValidUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return ['http:', 'https:', 'ftp:', 'ftps:'].includes(url.protocol) && url.hostname !== '';
  } catch {
    return false;
  }
}
