/**
 * Request-body fields of the accounts endpoints, validated with Django REST framework's messages
 * (what Sentry's serializers answer; the shared readers are in `drf-fields.ts`): each reader
 * returns the value or records the field's errors in a `FieldErrors` map, which the route sends
 * as a 400 body when it is not empty.
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../../../protocol/json.js';
import { DRF_MESSAGES, FieldErrors as DrfFieldErrors, type CharOptions } from '../drf-fields.js';
import { MAX_SLUG_LENGTH, slugProblem } from '../../../storage/metadata/index.js';

/** DRF's error body: field → messages (a nested serializer's field → its own errors). */
export type FieldErrors = Record<string, string[] | Record<string, string[]>>;

/** The request body as a JSON object (`{}` for anything else, as DRF's empty `request.data`). */
export function bodyOf(body: unknown): JsonObject {
  return isJsonObject(body) ? body : {};
}

/**
 * DRF `CharField` (`drf-fields.ts`: numbers become strings, trimmed): the text, or `undefined`
 * when absent, null (with `allowNull`), blank (with `allowBlank`) or refused with DRF's message.
 */
export function charField(
  body: JsonObject,
  name: string,
  errors: FieldErrors,
  options: CharOptions = {},
): string | undefined {
  const drf = new DrfFieldErrors();
  const text = drf.char(body, name, options);
  Object.assign(errors, drf.errors);
  return typeof text === 'string' && text !== '' ? text : undefined;
}

/** DRF `BooleanField` (true/false, 1/0, "true"/"false" and friends); `undefined` when absent. */
export function booleanField(body: JsonObject, name: string, errors: FieldErrors): boolean | undefined {
  const value: JsonValue | undefined = body[name];
  if (value === undefined) return undefined;
  if (value === true || value === 1 || value === 'true' || value === 'True' || value === '1') return true;
  if (value === false || value === 0 || value === 'false' || value === 'False' || value === '0') return false;
  errors[name] = [value === null ? DRF_MESSAGES.null : 'Must be a valid boolean.'];
  return undefined;
}

/** Sentry's message for a slug outside `DEFAULT_SLUG_PATTERN` (`src/sentry/slug/errors.py`). */
export const SLUG_ERROR =
  'Enter a valid slug consisting of lowercase letters, numbers, underscores or hyphens. It cannot be entirely numeric.';

/**
 * Sentry's `SentrySerializerSlugField`: a lowercase slug of at most 50 characters
 * (`slug.ts`), else {@link SLUG_ERROR}.
 */
export function slugField(body: JsonObject, name: string, errors: FieldErrors): string | undefined {
  const text = charField(body, name, errors, { maxLength: MAX_SLUG_LENGTH, allowNull: true });
  if (text === undefined) return undefined;
  if (slugProblem(text) !== undefined) {
    errors[name] = [SLUG_ERROR];
    return undefined;
  }
  return text;
}

/**
 * Django's `slugify` as Sentry uses it for names without a slug: accents dropped, lowercase,
 * other characters removed, runs of blanks and hyphens become one `-`, at most 50 characters.
 * An empty or all-digit result (not a valid slug) is prefixed with `x`.
 */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_\s-]/g, '')
    .trim()
    .replace(/[\s-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_SLUG_LENGTH)
    .replace(/-+$/, '');
  return /^[0-9]*$/.test(slug) ? `x${slug}`.slice(0, MAX_SLUG_LENGTH) : slug;
}
