/**
 * Issue short ids (`DEFAULT-1`, `BACKEND-3A`): the project slug upper-cased, a hyphen, and
 * the per-project counter in Sentry's base32 (`src/sentry/utils/numbers.py`
 * `base32_encode`, alphabet without I, L, O, U; `src/sentry/models/group.py`
 * `qualified_short_id`).
 */

const BASE32_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * Sentry's base32 of a non-negative safe integer, most significant digit first; `0` → `'0'`.
 * Throws a RangeError for negative or non-integer input (a caller bug: counters start at 1).
 */
export function base32Encode(value: number): string {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`not a counter value: ${value}`);
  if (value === 0) return '0';
  let rest = value;
  let out = '';
  while (rest > 0) {
    out = BASE32_ALPHABET.charAt(rest % 32) + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

/**
 * Inverse of `base32Encode`, case-insensitive; like Sentry it reads `O` as 0 and `I`/`L`
 * as 1. Returns `undefined` for empty input, other characters or values beyond 2^53.
 */
export function base32Decode(text: string): number | undefined {
  const normalized = text.toUpperCase().replace(/O/g, '0').replace(/[IL]/g, '1');
  if (normalized === '') return undefined;
  let value = 0;
  for (const ch of normalized) {
    const digit = BASE32_ALPHABET.indexOf(ch);
    if (digit < 0) return undefined;
    value = value * 32 + digit;
  }
  return Number.isSafeInteger(value) ? value : undefined;
}

/** `DEFAULT-1` for project slug `default` and counter 1. */
export function formatShortId(projectSlug: string, shortId: number): string {
  return `${projectSlug.toUpperCase()}-${base32Encode(shortId)}`;
}

/** A qualified short id taken apart: the project slug (lower-cased) and the counter. */
export interface ParsedShortId {
  projectSlug: string;
  shortId: number;
}

/**
 * Parses `SLUG-XYZ` (project slugs may themselves contain hyphens: the counter is after
 * the last one). Returns `undefined` when there is no slug or the counter is not base32.
 */
export function parseShortId(text: string): ParsedShortId | undefined {
  const trimmed = text.trim();
  const dash = trimmed.lastIndexOf('-');
  if (dash <= 0) return undefined;
  const shortId = base32Decode(trimmed.slice(dash + 1));
  if (shortId === undefined) return undefined;
  return { projectSlug: trimmed.slice(0, dash).toLowerCase(), shortId };
}
