/**
 * Text matching shared by the search compilers (issue search over `events`, the Discover-like
 * dataset compilers over `events`, `spans`, `logs`, `trace_metrics`): Sentry's wildcard
 * classification (`SearchValue.classify_and_format_wildcard`) turned into ClickHouse conditions
 * with bound parameters — `abc*` → `startsWith(lowerUTF8(col), …)`, `*abc` → `endsWith`,
 * `*abc*` → `positionCaseInsensitiveUTF8`, anything else → `ILIKE` with an escaped pattern,
 * no wildcard → exact (case-sensitive) equality. Reference: reference/sentry-semantics.md §1.4.
 */
import type { SearchValue } from './filters.js';
import { sqlOr, type SqlParams } from './sql.js';
import { classifyWildcard, wildcardToLike } from './values.js';

/** The raw text values of a text or text-list value; null for other kinds. */
export function textValues(value: SearchValue): string[] | null {
  if (value.kind === 'text') return [value.value];
  if (value.kind === 'textList') return value.values;
  return null;
}

/**
 * Binds the parameter for one raw value once and returns a function producing the positive
 * match condition for any expression (so one value can be matched against several columns).
 * `normalize` rewrites a literal (non-wildcard) value before binding (e.g. hex ids).
 */
export function textMatcher(
  raw: string,
  params: SqlParams,
  normalize: (s: string) => string = (s) => s,
): (expr: string) => string {
  const c = classifyWildcard(raw);
  switch (c.kind) {
    case 'none': {
      const p = params.bind('String', normalize(c.text));
      return (e) => `${e} = ${p}`;
    }
    case 'prefix': {
      const p = params.bind('String', c.text);
      return (e) => `startsWith(lowerUTF8(${e}), ${p})`;
    }
    case 'suffix': {
      const p = params.bind('String', c.text);
      return (e) => `endsWith(lowerUTF8(${e}), ${p})`;
    }
    case 'infix': {
      const p = params.bind('String', c.text);
      return (e) => `positionCaseInsensitiveUTF8(${e}, ${p}) > 0`;
    }
    case 'general': {
      const p = params.bind('String', wildcardToLike(c.raw));
      return (e) => `${e} ILIKE ${p}`;
    }
  }
}

/** `a OR b OR …`; `0` (false) for no parts. */
export function orOf(parts: string[]): string {
  return sqlOr(parts) ?? '0';
}

/** A hex id as stored (lower case, no dashes) when it looks like one; other text unchanged. */
export function normalizeHexId(value: string): string {
  return /^[0-9a-fA-F-]+$/.test(value) ? value.replace(/-/g, '').toLowerCase() : value;
}
