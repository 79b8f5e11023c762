/**
 * Monitor slugs: Relay trims a check-in's `monitor_slug` to 50 characters
 * (`trim_slug` in `relay-monitors/src/lib.rs`), then Sentry's consumer slugifies it with
 * Django's `slugify` and trims again (`CheckinItem.valid_monitor_slug` in
 * `src/sentry/monitors/types.py`), so `My Nightly Job` and `my-nightly-job` name one monitor.
 */

/** Longest monitor slug, in characters (Relay's `SLUG_LENGTH`, Sentry's `DEFAULT_SLUG_MAX_LENGTH`). */
export const MAX_MONITOR_SLUG_LENGTH = 50;

/**
 * Relay's `trim_slug`: keeps the first 50 Unicode scalar values (code points, not UTF-16 units).
 */
export function trimMonitorSlug(slug: string): string {
  const chars = Array.from(slug);
  return chars.length > MAX_MONITOR_SLUG_LENGTH ? chars.slice(0, MAX_MONITOR_SLUG_LENGTH).join('') : slug;
}

// Python's `\s` for str patterns after ASCII folding: space, \t\n\v\f\r and the separators \x1c-\x1f.
/* eslint-disable no-control-regex -- the ASCII separators are whitespace to Python's `re` */
const NOT_SLUG_CHAR = /[^A-Za-z0-9_\s\x1c-\x1f-]/g;
const DASHES_AND_SPACES = /[-\s\x1c-\x1f]+/g;
/* eslint-enable no-control-regex */

/**
 * Django's `slugify(value)` (ASCII mode): NFKD-normalize, drop non-ASCII, lowercase, remove
 * everything but word characters, whitespace and `-`, collapse runs of `-`/whitespace into one
 * `-`, strip leading and trailing `-` and `_`.
 */
export function djangoSlugify(value: string): string {
  const ascii = value.normalize('NFKD').replace(/[^\p{ASCII}]/gu, '');
  return ascii
    .toLowerCase()
    .replace(NOT_SLUG_CHAR, '')
    .replace(DASHES_AND_SPACES, '-')
    .replace(/^[-_]+|[-_]+$/g, '');
}

/**
 * The slug a check-in's monitor is stored under: Relay's trim, then Sentry's
 * `slugify(slug)[:50].strip("-")`. May return `''` (the check-in is then invalid).
 */
export function monitorSlugFromCheckIn(slug: string): string {
  return djangoSlugify(trimMonitorSlug(slug))
    .slice(0, MAX_MONITOR_SLUG_LENGTH)
    .replace(/^-+|-+$/g, '');
}
