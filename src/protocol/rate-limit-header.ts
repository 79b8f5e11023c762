/**
 * The `X-Sentry-Rate-Limits` and `Retry-After` response headers (reference/relay-protocol.md §6.1).
 *
 * Formatting and parsing follow `format_rate_limits` / `parse_rate_limits` in Relay's
 * `relay-server/src/utils/rate_limits.rs`; retry-after parsing follows `RetryAfter::from_str` and
 * `remaining_seconds` in `relay-quotas/src/rate_limit.rs`.
 */
import type { DataCategory } from './data-category.js';
import { parseDataCategory } from './data-category.js';

/** The scope a rate limit applies to (Relay's `QuotaScope` names); unknown names parse as `unknown`. */
export type RateLimitScope = 'organization' | 'project' | 'key' | 'global' | 'unknown';

/** One `retry_after:categories:scope[:reason_code[:namespaces]]` entry of `X-Sentry-Rate-Limits`. */
export interface RateLimitEntry {
  /** Seconds until the limit expires; may be fractional, is written rounded up. */
  retryAfterSeconds: number;
  /** Limited data categories; empty means all categories. */
  categories: DataCategory[];
  /** Which quota scope was exceeded. */
  scope: RateLimitScope;
  /** Machine-readable reason from the quota, e.g. `quota_exceeded`; absent when the quota has none. */
  reasonCode?: string;
  /** Metric namespaces (e.g. `custom`), only meaningful for `metric_bucket`; absent or empty = all. */
  namespaces?: string[];
}

const SCOPES: ReadonlySet<string> = new Set(['organization', 'project', 'key', 'global']);
// Rust's `f64::from_str`: optional sign, decimal with optional fraction/exponent, or inf/infinity/nan.
const RUST_FLOAT = /^[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf|infinity|nan)$/i;
// `Instant::checked_add` fails beyond ~i64::MAX seconds and Relay then treats the limit as expired.
const MAX_RETRY_AFTER_SECONDS = 2 ** 63;
/**
 * Formats entries as `X-Sentry-Rate-Limits`, joined by `", "`, e.g.
 * `60:transaction:key, 2700:default;error;security:organization` or
 * `2700:metric_bucket:organization:quota_exceeded:custom`. `retry_after` is written as whole
 * seconds rounded up (negative/NaN → 0); categories and namespaces are `;`-joined; when there is
 * no reason code but there are namespaces, an empty reason slot is written (`…:organization::custom`).
 * Returns `''` for no entries (send no header then).
 */
export function formatRateLimits(entries: readonly RateLimitEntry[]): string {
  const parts: string[] = [];
  for (const entry of entries) {
    let part = `${wholeSeconds(entry.retryAfterSeconds)}:${entry.categories.join(';')}:${entry.scope}`;
    const namespaces = entry.namespaces ?? [];
    if (entry.reasonCode !== undefined) part += `:${entry.reasonCode}`;
    else if (namespaces.length > 0) part += ':';
    if (namespaces.length > 0) part += `:${namespaces.join(';')}`;
    parts.push(part);
  }
  return parts.join(', ');
}

/**
 * Parses an `X-Sentry-Rate-Limits` value as Relay does for upstream responses: split on `,`, trim,
 * skip empty entries, split on `:`. Entries whose `retry_after` is not a float are skipped; it is
 * rounded up, and negative, NaN, infinite or overflowing values become 0. Unknown category names
 * map to `unknown`, unknown scopes to `unknown`; an empty reason code is absent; empty namespaces
 * are dropped; fields after the fifth are ignored. Never throws.
 */
export function parseRateLimits(header: string): RateLimitEntry[] {
  const entries: RateLimitEntry[] = [];
  for (const raw of header.split(',')) {
    // Relay only reads visible-ASCII header values, where JS `trim` and Rust's `trim` agree.
    const limit = raw.trim();
    if (limit === '') continue;
    const [retryAfter = '', categories = '', scope = '', reasonCode = '', namespaces = ''] = limit.split(':');
    const seconds = parseRetryAfter(retryAfter);
    if (seconds === undefined) continue;

    const entry: RateLimitEntry = {
      retryAfterSeconds: seconds,
      categories: categories
        .split(';')
        .filter((name) => name !== '')
        .map(parseDataCategory),
      scope: SCOPES.has(scope) ? (scope as RateLimitScope) : 'unknown',
    };
    if (reasonCode !== '') entry.reasonCode = reasonCode;
    const namespaceList = namespaces.split(';').filter((name) => name !== '');
    if (namespaceList.length > 0) entry.namespaces = namespaceList;
    entries.push(entry);
  }
  return entries;
}

/**
 * Formats `Retry-After`: the longest `retryAfterSeconds` among `entries`, rounded up to whole
 * seconds (Relay's `RateLimits::longest` + `remaining_seconds`). Returns `'0'` for no entries;
 * callers only send the header with at least one limit.
 */
export function formatRetryAfter(entries: readonly RateLimitEntry[]): string {
  let longest = 0;
  for (const entry of entries) longest = Math.max(longest, wholeSeconds(entry.retryAfterSeconds));
  return String(longest);
}

function parseRetryAfter(text: string): number | undefined {
  if (!RUST_FLOAT.test(text)) return undefined;
  return wholeSeconds(Number(normalizeFloat(text)));
}

/** Maps Rust's float spellings (`inf`, `nan`, `5.`) onto ones `Number` reads. */
function normalizeFloat(text: string): string {
  const lower = text.toLowerCase();
  const unsigned = lower.replace(/^[+-]/, '');
  if (unsigned === 'inf' || unsigned === 'infinity') return lower.startsWith('-') ? '-Infinity' : 'Infinity';
  if (unsigned === 'nan') return 'NaN';
  return text;
}

function wholeSeconds(seconds: number): number {
  if (!Number.isFinite(seconds) || seconds <= 0) return 0;
  const whole = Math.ceil(seconds);
  return whole >= MAX_RETRY_AFTER_SECONDS ? 0 : whole;
}
